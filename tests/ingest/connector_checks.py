"""What every connector of issue 13 is checked for, as helpers: fetch, replay, kill-and-rerun.

The connector's real client library talks to a :class:`tests.ingest.routeserver.RouteApi`
on 127.0.0.1; these helpers run the real job (:func:`ingest.jobs.fetch_platform`), the
real replay and the real CLI in a subprocess.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pandas as pd

from ingest.jobs import fetch_platform, import_file
from tests.ingest.test_kill_rerun import _settled_count, contents, run_to_end, scout


class Waits:
    """A waiter that records what it was asked to wait and does not sleep."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, str]] = []

    def __call__(self, seconds: float, reason: str) -> None:
        self.calls.append((seconds, reason))


def fetch(store, platform: str, endpoint: str, value: str, env: dict, raw_dir: Path, **kw):
    """One run of the real fetch job; returns ``(run, waits)``."""
    waits = Waits()
    run = fetch_platform(store, platform, endpoint, value, raw_dir=raw_dir, waiter=waits,
                         environ=env, **kw)
    return run, waits


def archive_files(raw_dir: Path, platform: str) -> list[Path]:
    return sorted((raw_dir / platform).rglob("*.jsonl"))


def archived_lines(raw_dir: Path, platform: str) -> int:
    return sum(len(p.read_text().splitlines()) for p in archive_files(raw_dir, platform))


def replay(store, raw_dir: Path, platform: str):
    """Replay every archive file of ``platform`` through the same parser; the runs."""
    return [import_file(store, p, "replay") for p in archive_files(raw_dir, platform)]


def edge_keys(store) -> set[tuple]:
    frame = store.interactions()
    return set(zip(frame["platform"], frame["post_id"], frame["kind"], frame["source"],
                   frame["target"], strict=True))


def kill_and_rerun_equals_clean(store, other, args: tuple[str, ...], batch: int) -> None:
    """SIGKILL ``scout *args`` once a batch is in ``store``, run it again, compare with a clean
    run into ``other``: same accounts, same interactions; once more inserts nothing."""
    proc = scout(store.display, *args, sleep=0.05)
    deadline = time.monotonic() + 120
    try:
        while store.stats().interactions < batch:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "no batch committed in time"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    partial = _settled_count(store)
    rerun = run_to_end(store.display, *args)
    assert rerun["duplicates"] >= partial
    clean = run_to_end(other.display, *args)
    mine, theirs = contents(store), contents(other)
    assert clean["inserted"] == len(theirs[1]) == len(mine[1]) > partial
    pd.testing.assert_frame_equal(mine[0], theirs[0])
    pd.testing.assert_frame_equal(mine[1], theirs[1])
    assert run_to_end(store.display, *args)["inserted"] == 0
