"""Shared checks for the network connectors' tests (YouTube, Mastodon, Bluesky, …).

Every connector is tested the same way, through the real client library pointed
at a :class:`tests.ingest.fakeapi.FakeApi` on 127.0.0.1:

* :func:`cli` runs ``scout ingest <platform> …`` in a subprocess (no traceback,
  exit code, JSON summary);
* :func:`kill_and_rerun` kills a fetch after a committed batch, runs it again,
  and compares with one clean run — then a fourth run adds nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

import pandas as pd

from tests.conftest import REPO


def scout_process(uri: str, args: tuple[str, ...], env: dict[str, str],
                  sleep: float | None = None) -> subprocess.Popen:
    full = dict(os.environ)
    full.pop("SCOUT_INGEST_BATCH_SLEEP", None)
    full.update(env)
    if sleep:
        full["SCOUT_INGEST_BATCH_SLEEP"] = str(sleep)
    return subprocess.Popen([sys.executable, "-m", "ui.cli", "--store", uri, *args], cwd=REPO,
                            env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def cli(uri: str, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """``scout --store uri *args``: (exit code, stdout, stderr)."""
    proc = scout_process(uri, args, env or {})
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out.decode(), err.decode()


def last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def contents(store) -> tuple[pd.DataFrame, pd.DataFrame]:
    acc = store.accounts().sort_values("key").reset_index(drop=True)
    inter = (store.interactions().sort_values(["platform", "post_id", "kind", "target"])
             .reset_index(drop=True))
    return acc, inter


def _settled(store, pause: float = 0.3, tries: int = 20) -> int:
    last = store.stats().interactions
    for _ in range(tries):
        time.sleep(pause)
        now = store.stats().interactions
        if now == last:
            return now
        last = now
    return last


def kill_and_rerun(store, args: tuple[str, ...], serve: Callable[[], AbstractContextManager],
                   env_for: Callable[[object], dict[str, str]], batch: int) -> dict:
    """Kill a fetch after a batch, rerun it, compare with a clean run; a 4th run adds nothing.

    ``serve()`` opens a fresh fake API with the whole script (each phase gets its
    own); ``env_for(api)`` the environment pointing the client at it.

    Returns the clean run's summary.
    """
    uri = store.display
    with serve() as api:
        proc = scout_process(uri, args, env_for(api), sleep=0.1)
        deadline = time.monotonic() + 120
        try:
            while store.stats().interactions < batch:
                if proc.poll() is not None:
                    raise AssertionError("the fetch ended before it could be killed: "
                                         + proc.stderr.read().decode())
                assert time.monotonic() < deadline, "no batch committed in time"
                time.sleep(0.05)
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(timeout=60)
            proc.stdout.close()
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    partial = _settled(store)
    assert partial >= batch

    with serve() as api:
        code, out, err = cli(uri, *args, env=env_for(api))
    assert code == 0, err
    rerun = last_json(out)
    assert rerun["duplicates"] >= partial  # what the killed run wrote is found again
    after = contents(store)
    assert len(after[1]) == rerun["inserted"] + partial

    store.delete_everything()
    with serve() as api:
        code, out, err = cli(uri, *args, env=env_for(api))
    assert code == 0, err
    clean = last_json(out)
    clean_contents = contents(store)
    assert clean["inserted"] == len(clean_contents[1]) == len(after[1])
    pd.testing.assert_frame_equal(after[0], clean_contents[0])
    pd.testing.assert_frame_equal(after[1], clean_contents[1])

    with serve() as api:
        code, out, err = cli(uri, *args, env=env_for(api))
    assert code == 0, err
    assert last_json(out)["inserted"] == 0
    return clean
