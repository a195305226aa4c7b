"""The refresh lock: one holder at a time; a killed holder's lock is taken over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from graph.errors import ConflictError
from ingest.ops.lock import RefreshLock


def test_second_holder_is_refused_with_the_holders_pid(tmp_path):
    path = tmp_path / "refresh.lock"
    with RefreshLock(path):
        with pytest.raises(ConflictError, match=f"process {os.getpid()}"):
            with RefreshLock(path):
                pass
    with RefreshLock(path) as again:  # released on exit
        assert again.stale_pid is None


def test_lock_of_a_killed_process_is_detected_and_cleared(tmp_path):
    path = tmp_path / "refresh.lock"
    code = (
        "import sys, time; sys.path.insert(0, sys.argv[2]);"
        "from ingest.ops.lock import RefreshLock;"
        "l = RefreshLock(sys.argv[1]).__enter__(); print('held', flush=True); time.sleep(60)"
    )
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(path), repo], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "held"
        with pytest.raises(ConflictError, match=f"process {proc.pid}"):
            RefreshLock(path).__enter__()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 5
    while True:
        try:
            with RefreshLock(path) as lock:
                assert lock.stale_pid == proc.pid
            break
        except ConflictError:
            assert time.monotonic() < deadline
            time.sleep(0.05)
