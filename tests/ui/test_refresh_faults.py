"""Refreshes that go wrong half-way: Neo4j stopped mid-refresh, a refresh killed by SIGKILL.

The Neo4j tests start their OWN throw-away server (``scripts/neo4j.sh`` with its
own ``SCOUT_NEO4J_HOME`` and a free port, reusing the main cache's build), so
that stopping it disturbs nobody. A refresh is slowed down with
``SCOUT_INGEST_BATCH_SLEEP`` (seconds after each committed batch) and stopped
once a batch of its big file is committed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph.factory import open_store
from tests.conftest import REPO
from tests.ui.test_refresh import clean_env, write_config, write_edges

pytestmark = pytest.mark.slow

SCRIPT = REPO / "scripts" / "neo4j.sh"
PASSWORD = "refresh-fault-pw"
SMALL, BIG = 300, 20_000  # rows of the first file, and of the one the fault interrupts


# ----------------------------------------------------------------------------- helpers
class Neo4jServer:
    """A throw-away ``scripts/neo4j.sh`` server: ``up()``, ``down()``, ``uri``, ``env``."""

    def __init__(self, home: Path) -> None:
        main_build = Path(os.environ.get("SCOUT_NEO4J_HOME",
                                         Path.home() / ".cache/scout/neo4j")) / "build"
        if main_build.is_dir():
            # Reuse the main cache's jars so that nothing is downloaded or rebuilt.
            shutil.copytree(main_build, home / "build", symlinks=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.env = clean_env(SCOUT_NEO4J_HOME=str(home), SCOUT_NEO4J_PORT=str(port),
                        SCOUT_NEO4J_PASSWORD=PASSWORD, SCOUT_NEO4J_USER="neo4j",
                        SCOUT_NEO4J_HEAP="512m", SCOUT_NEO4J_PAGECACHE="64m")
        self.uri = f"bolt://127.0.0.1:{port}"

    def _sh(self, command: str) -> None:
        r = subprocess.run(["bash", str(SCRIPT), command], env=self.env, capture_output=True,
                           text=True, timeout=300)
        assert r.returncode == 0, f"neo4j.sh {command}: {r.stdout}{r.stderr}"

    def up(self) -> None:
        self._sh("up")

    def down(self) -> None:
        self._sh("down")

    def store(self):
        return open_store(self.uri, password=PASSWORD)


@pytest.fixture(scope="module")
def neo4j_server(tmp_path_factory):
    if shutil.which("java") is None:
        pytest.skip("needs Java for a throw-away Neo4j")
    server = Neo4jServer(tmp_path_factory.mktemp("neo4j") / "home")
    if not (Path(server.env["SCOUT_NEO4J_HOME"]) / "build").is_dir() and shutil.which("mvn") is None:
        pytest.skip("needs the Neo4j build of scripts/neo4j.sh, or Maven to make it")
    server.up()
    yield server
    subprocess.run(["bash", str(SCRIPT), "down"], env=server.env, capture_output=True,
                   timeout=300)


def fault_config(folder: Path, store_uri: str) -> Path:
    """A configuration over ``folder/in/*.csv`` with one export, and its first small file."""
    write_edges(folder / "in" / "a.csv", SMALL, prefix="a")
    return write_config(folder, """
[[sources.files]]
type = "edges"
glob = "in/*.csv"

[[exports]]
path = "out/top.csv"
top = 10
""", store=store_uri)


def scout(config: Path, env: dict, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "refresh", "--config", str(config), "--no-progress",
         "--json"],
        cwd=REPO, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, **popen,
    )


def refresh_ok(config: Path, env: dict) -> tuple[dict, str]:
    proc = scout(config, env)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out + err
    return json.loads(out), err


def events(open_) -> int:
    with open_() as store:
        return store.stats().interactions


def start_and_wait_for_a_batch(config: Path, env: dict, open_, big: Path) -> subprocess.Popen:
    """Start a slowed-down refresh and return once a batch of ``big`` is committed."""
    proc = scout(config, dict(env, SCOUT_INGEST_BATCH_SLEEP="1"))
    deadline = time.monotonic() + 120
    for line in proc.stderr:
        if f"importing {big}" in line:
            break
        assert time.monotonic() < deadline
    else:
        raise AssertionError(f"the refresh ended early: {proc.communicate()}")
    while events(open_) <= SMALL:
        assert time.monotonic() < deadline, "no batch committed"
        time.sleep(0.2)
    return proc


def kill_mid_refresh_and_recover(folder: Path, store_uri: str, env: dict, open_) -> None:
    """(b): SIGKILL during an ingest loses nothing committed; the next refresh completes."""
    config = fault_config(folder, store_uri)
    first, _ = refresh_ok(config, env)
    old = first["ranking"]["snapshot"]
    big = write_edges(folder / "in" / "b.csv", BIG, prefix="b")

    proc = start_and_wait_for_a_batch(config, env, open_, big)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    committed = events(open_)
    assert SMALL < committed < SMALL + BIG  # the committed batches stayed
    with open_() as store:
        assert store.load_snapshot().id == old  # the previous ranking is still the current one

    summary, err = refresh_ok(config, env)
    assert f"cleared the lock left by process {proc.pid}" in err
    assert summary["new_events"] == SMALL + BIG - committed
    assert summary["ranking"]["status"] == "ranked"
    assert summary["ranking"]["previous_snapshot"] == old
    assert events(open_) == SMALL + BIG
    with open_() as store:
        runs = store.runs(limit=50)
        killed = [r for r in runs if r.summary.get("pid") == proc.pid]
        assert killed and all(r.status == "interrupted" for r in killed)
        assert store.load_snapshot().id == summary["ranking"]["snapshot"] != old
    assert (folder / "out" / "top.csv").read_text().count("\n") == 11


# ----------------------------------------------------------------------------- tests
def test_sigkill_mid_refresh_sqlite(tmp_path):
    db = tmp_path / "store.db"
    kill_mid_refresh_and_recover(tmp_path, f"sqlite:///{db}", clean_env(),
                                 lambda: open_store(f"sqlite:///{db}"))


@pytest.mark.neo4j
def test_sigkill_mid_refresh_neo4j(tmp_path, neo4j_server):
    with neo4j_server.store() as store:
        store.delete_everything()
    kill_mid_refresh_and_recover(tmp_path, neo4j_server.uri, neo4j_server.env,
                                 neo4j_server.store)


@pytest.mark.neo4j
def test_neo4j_stopped_mid_refresh(tmp_path, neo4j_server):
    """(a): the refresh fails with one clear line, the previous snapshot stays current, and
    the next refresh succeeds once Neo4j is back."""
    with neo4j_server.store() as store:
        store.delete_everything()
    env = neo4j_server.env
    config = fault_config(tmp_path, neo4j_server.uri)
    first, _ = refresh_ok(config, env)
    old = first["ranking"]["snapshot"]
    big = write_edges(tmp_path / "in" / "b.csv", BIG, prefix="b")

    proc = start_and_wait_for_a_batch(config, env, neo4j_server.store, big)
    try:
        neo4j_server.down()
        out, err = proc.communicate(timeout=240)
    finally:
        neo4j_server.up()
    assert proc.returncode == 2, out + err
    assert out == ""
    errors = [ln for ln in err.splitlines() if ln.startswith("scout: error:")]
    assert errors == [f"scout: error: lost Neo4j at {neo4j_server.uri} (ServiceUnavailable); "
                      "nothing of the failed transaction was written"], err
    assert PASSWORD not in out + err

    with neo4j_server.store() as store:
        assert store.load_snapshot().id == old
        assert len(store.snapshots()) == 1
    committed = events(neo4j_server.store)
    assert SMALL < committed < SMALL + BIG

    summary, _ = refresh_ok(config, env)
    assert summary["status"] == "ok"
    assert summary["new_events"] == SMALL + BIG - committed
    assert summary["ranking"]["previous_snapshot"] == old
    assert events(neo4j_server.store) == SMALL + BIG
    with neo4j_server.store() as store:
        assert store.load_snapshot().id == summary["ranking"]["snapshot"]
        stale = [r for r in store.runs(limit=50) if r.summary.get("pid") == proc.pid]
        assert stale and all(r.status in ("interrupted", "failed") for r in stale)
