"""``scout schedule``: runs refreshes on a trigger, survives failed runs, stops cleanly on SIGTERM.

The cron is replaced by the hidden ``--interval-seconds`` option so that two runs
happen within seconds; one test checks the real cron wiring without waiting.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from graph.sqlite_store import SqliteStore
from tests.conftest import REPO
from tests.ui.test_refresh import clean_env, small_config, write_config

pytestmark = pytest.mark.slow


class Daemon:
    """``python -m ui.cli schedule …`` in the background, its stdout read line by line."""

    def __init__(self, config: Path, *args: str, env: dict | None = None) -> None:
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ui.cli", "schedule", "--config", str(config), *args],
            cwd=REPO, env=clean_env(**(env or {})),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )

    def wait_for(self, pattern: str, count: int = 1, timeout: float = 60) -> list[str]:
        """Read lines until ``count`` lines match ``pattern``; returns the matches."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while True:
            hits = [ln for ln in self.lines if rx.search(ln)]
            if len(hits) >= count:
                return hits
            assert time.monotonic() < deadline, f"no {count}× {pattern!r}: {self.lines}"
            line = self.proc.stdout.readline()
            assert line, f"schedule ended: {self.lines} / {self.proc.stderr.read()}"
            self.lines.append(line.rstrip("\n"))

    def stop(self, timeout: float = 60) -> int:
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=timeout)
        self.lines += out.splitlines()
        self.stderr = err
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def daemons():
    started: list[Daemon] = []

    def start(*args, **kwargs) -> Daemon:
        started.append(Daemon(*args, **kwargs))
        return started[-1]

    yield start
    for d in started:
        d.kill()


def refresh_runs(folder: Path):
    with SqliteStore(folder / ".scout" / "scout.db") as store:
        return store.runs(kind="refresh")


def test_two_scheduled_runs_then_sigterm(tmp_path, daemons):
    config = small_config(tmp_path, rows=200)
    d = daemons(config, "--interval-seconds", "2")
    start = d.wait_for(r"scout schedule: .*next run", timeout=30)[0]
    assert "interval" in start
    runs = d.wait_for(r"refresh (ok|partial|failed)", count=2, timeout=60)
    assert "200 new events; ranked" in runs[0] and "next run" in runs[0]
    assert "no new events; ranking unchanged" in runs[1]
    assert d.stop() == 0
    assert any("SIGTERM received" in ln for ln in d.lines)
    assert d.lines[-1].endswith("scout schedule: stopped")
    recorded = refresh_runs(tmp_path)
    assert len(recorded) >= 2
    assert all(r.status == "ok" for r in recorded)


def test_a_failed_run_is_logged_and_the_schedule_goes_on(tmp_path, daemons):
    config = small_config(tmp_path, rows=50)
    good = config.read_text()
    d = daemons(config, "--interval-seconds", "1.5", "--run-now")
    d.wait_for(r"refresh ok", timeout=30)
    # A broken configuration: the run fails (re-read at each run), the scheduler survives.
    config.write_text(good + "\n[rankingg]\n")
    failed = d.wait_for(r"refresh failed: .*rankingg: unknown key", timeout=30)[0]
    assert "next run" in failed
    config.write_text(good)
    d.wait_for(r"refresh ok", count=2, timeout=30)
    assert d.stop() == 0


def test_sigterm_waits_for_the_running_refresh(tmp_path, daemons):
    config = small_config(tmp_path, rows=80)
    d = daemons(config, "--interval-seconds", "3600", "--run-now",
                env={"SCOUT_REFRESH_PAUSE": "rank=3"})
    deadline = time.monotonic() + 30
    while "pausing" not in d.proc.stderr.readline():
        assert time.monotonic() < deadline
    assert d.stop() == 0
    assert any(re.search(r"refresh ok: 80 new events; ranked.*stopping", ln) for ln in d.lines), \
        d.lines
    (run,) = refresh_runs(tmp_path)
    assert run.status == "ok"


def test_real_cron_prints_its_next_fire_time_and_stops_without_running(tmp_path, daemons):
    # A minute half an hour away, so that no run can start while the test stops it.
    before = datetime.now(UTC)
    minute = (before.minute + 30) % 60
    config = small_config(tmp_path, rows=10)
    config.write_text(config.read_text() + f'\n[schedule]\ncron = "{minute} * * * *"\n')
    d = daemons(config)
    line = d.wait_for(r"next run", timeout=30)[0]
    assert f"cron '{minute} * * * *' (UTC)" in line
    fire = datetime.fromisoformat(line.rsplit("next run ", 1)[1])
    assert (fire.minute, fire.second) == (minute, 0)
    assert 0 < (fire - before).total_seconds() <= 3600
    assert d.stop() == 0
    assert not any(ln for ln in d.lines if " refresh " in ln)
    assert not (tmp_path / ".scout" / "scout.db").exists() or refresh_runs(tmp_path) == []


def test_schedule_needs_a_cron(tmp_path):
    config = write_config(tmp_path, "")
    result = subprocess.run(
        [sys.executable, "-m", "ui.cli", "schedule", "--config", str(config)],
        cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "schedule.cron: required by scout schedule" in result.stderr
