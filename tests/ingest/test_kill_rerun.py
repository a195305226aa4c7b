"""A run killed (SIGKILL) mid-way and run again ends like one clean run — on both stores."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from ingest.jsonio import dumps_line
from ingest.synthetic import synthetic_pages
from tests.conftest import REPO

BATCH = 500


def make_edges(path, n=20_000, seed=1):
    rng = random.Random(seed)
    kinds = ["mention", "reply", "repost", "quote", ""]
    with open(path, "w") as f:
        f.write("source,target,kind,timestamp,topics,weight\n")
        for i in range(n):
            if i % 997 == 0:
                f.write("broken,,mention,2024-01-01,,\n")  # rejected rows are part of the test
                continue
            a, b = rng.randrange(3000), rng.randrange(3000)
            ts = 1_704_067_200 + rng.randrange(86_400 * 60)
            f.write(f"user{a},User{b},{rng.choice(kinds)},{ts},topic{a % 7};acme,{rng.choice(['', '1', '2'])}\n")
            if i % 50 == 0:  # an exact repeat: the same event
                f.write(f"user{a},User{b},mention,{ts},,\n" * 2)


def make_pages(path, n_pages=200):
    with open(path, "wb") as f:
        for i, page in enumerate(synthetic_pages(n_pages, per_page=100, n_users=4000, seed=3)):
            f.write(dumps_line(page))
            if i % 50 == 25:
                f.write(b'{"data": [{"id": "1", "text": "cut off\n')


def scout(uri, *args, sleep=None):
    env = dict(os.environ)
    env.pop("SCOUT_INGEST_BATCH_SLEEP", None)
    if sleep:
        env["SCOUT_INGEST_BATCH_SLEEP"] = str(sleep)
    return subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "--store", uri, *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def contents(store):
    acc = store.accounts().sort_values("key").reset_index(drop=True)
    inter = (
        store.interactions()
        .sort_values(["platform", "post_id", "kind", "target"])
        .reset_index(drop=True)
    )
    return acc, inter


def _settled_count(store, pause=0.3, tries=20):
    """The interaction count once two reads ``pause`` apart agree."""
    last = store.stats().interactions
    for _ in range(tries):
        time.sleep(pause)
        now = store.stats().interactions
        if now == last:
            return now
        last = now
    return last


def kill_after_a_batch(store, uri, args, batch):
    """Run ``scout *args`` slowly, SIGKILL it once a batch is committed; the settled count."""
    proc = scout(uri, *args, sleep=0.05)
    deadline = time.monotonic() + 120
    try:
        while store.stats().interactions < batch:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "no batch committed in time"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    # A server-side store may still commit the batch the killed process had sent.
    partial = _settled_count(store)
    assert partial >= batch
    return partial


def run_to_end(uri, *args):
    proc = scout(uri, *args)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err.decode()
    return json.loads(out.decode().strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["edges", "jsonl"])
def test_killed_then_rerun_equals_clean_run(store, tmp_path, fmt):
    if fmt == "edges":
        path = tmp_path / "edges.csv"
        make_edges(path)
    else:
        path = tmp_path / "pages.jsonl"
        make_pages(path)
    uri = store.display
    args = ("ingest", fmt, str(path), "--batch-size", str(BATCH), "--json")

    # 1. Start, wait until a batch or two are committed, then SIGKILL.
    partial = kill_after_a_batch(store, uri, args, BATCH)

    # 2. Run again to the end.
    rerun = run_to_end(uri, *args)
    assert rerun["status"] == "partial" and rerun["rejected"] > 0
    assert rerun["duplicates"] >= partial  # what the killed run wrote is found again
    after_rerun = contents(store)
    assert len(after_rerun[1]) == rerun["inserted"] + partial > partial

    # 3. One clean run into an empty store.
    store.delete_everything()
    clean = run_to_end(uri, *args)
    clean_contents = contents(store)
    assert clean["inserted"] == len(clean_contents[1]) == len(after_rerun[1])
    assert clean["inserted"] + clean["duplicates"] == rerun["inserted"] + rerun["duplicates"]
    pd.testing.assert_frame_equal(after_rerun[0], clean_contents[0])
    pd.testing.assert_frame_equal(after_rerun[1], clean_contents[1])

    # 4. And ingesting the same file once more inserts nothing.
    assert run_to_end(uri, *args)["inserted"] == 0
