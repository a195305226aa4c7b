"""A bulk import killed at any point leaves a clear state, and the next run says what to do.

``scout import`` runs as a child process (its own process group, like a command
in a terminal) and is killed with SIGKILL, whole group (Python, the script and
the importer's JVM), at each stage of a real import into the local server of
``scripts/neo4j.sh``:

* while it writes the importer's files: the database is untouched (still empty
  and served);
* while the importer runs: the server (stopped for the import) is down; the next
  ``scout import`` says to start it, and ``neo4j.sh up`` says it discards the
  unfinished import and serves the previous database;
* after the load, before the schema and runs are done: the database is complete
  (every interaction) and marked pending; the same command again finishes it
  and says so;
* between the two renames of the swap (the state is made by hand, the window is
  two ``mv`` long): ``neo4j.sh up`` finishes the swap and says so.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ingest.neo4j_import import PENDING_LABEL, is_local, pending_import
from tests.conftest import REPO, neo4j_test_auth

EVENTS = 300_000
SCRIPT = REPO / "scripts" / "neo4j.sh"


def _cache_dir() -> Path:
    return Path(os.environ.get("SCOUT_NEO4J_HOME") or Path.home() / ".cache" / "scout" / "neo4j")


def _edges(path: Path) -> None:
    rng = np.random.default_rng(5)
    users = np.char.add("user_", rng.integers(0, EVENTS // 3, (EVENTS, 2)).astype(str))
    pd.DataFrame({"source": users[:, 0], "target": users[:, 1], "kind": "mention",
                  "timestamp": 1_700_000_000 + np.arange(EVENTS)}).to_csv(path, index=False)


def _store(uri):
    from graph.neo4j_store import Neo4jStore

    user, password = neo4j_test_auth()
    return Neo4jStore(uri, user=user, password=password)


def _start(uri: str, csv: Path, directory: Path, log: Path) -> subprocess.Popen:
    with open(log, "w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "ui.cli", "--store", uri, "import", "--kind", "edges", str(csv),
             "--no-progress", "--dir", str(directory)],
            cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )


def _kill_when(proc: subprocess.Popen, ready, what: str, timeout: float = 300) -> None:
    """SIGKILL the whole process group as soon as ``ready()`` holds."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, f"scout import ended (exit {proc.returncode}) before {what}"
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _server_pid() -> int | None:
    pid_file = _cache_dir() / "neo4j.pid"
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if Path(f"/proc/{pid}").exists() else None


def _ready_pid() -> int | None:
    """The pid of the server once it serves (the launcher writes it to neo4j.ready then)."""
    try:
        return int((_cache_dir() / "neo4j.ready").read_text().strip())
    except (OSError, ValueError):
        return None


def _wait_gone(pid: int | None, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while pid is not None and Path(f"/proc/{pid}").exists():
        assert time.monotonic() < deadline, f"the server (pid {pid}) did not stop"
        time.sleep(0.2)


def _script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, check=False)


def _scout_import(uri: str, csv: Path, directory: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", "--store", uri, "import", "--kind", "edges", str(csv), "--no-progress",
         "--dir", str(directory)], cwd=REPO, capture_output=True, text=True, check=False)


def test_kill_at_every_stage_of_a_bulk_import(neo4j_uri, tmp_path):
    if not is_local(neo4j_uri):
        pytest.skip(f"{neo4j_uri} is not the server of scripts/neo4j.sh")
    cache = _cache_dir()
    staging, marker = cache / "import-staging", cache / "import-swap"
    csv, directory = tmp_path / "edges.csv", tmp_path / "import"
    _edges(csv)
    with _store(neo4j_uri) as s:
        s.delete_everything()

    # 1. While the importer's files are written: nothing else has happened.
    proc = _start(neo4j_uri, csv, directory, tmp_path / "1.log")
    _kill_when(proc, lambda: (directory / "interactions.csv").exists()
               and (directory / "interactions.csv").stat().st_size > 0, "importer files")
    assert not staging.exists()
    with _store(neo4j_uri) as s:
        assert s.is_empty() and pending_import(s) is None

    # 2. While the importer runs: the server is down (stopped for the import), the
    #    old database untouched; each next step says what to do.
    server = _server_pid()
    proc = _start(neo4j_uri, csv, directory, tmp_path / "2.log")
    _kill_when(proc, lambda: (staging / "data").exists(), "importer run")
    _wait_gone(server)
    again = _scout_import(neo4j_uri, csv, directory)
    assert again.returncode != 0 and "scripts/neo4j.sh up" in again.stderr
    up = _script("up")
    assert up.returncode == 0, up.stderr
    assert "interrupted before its database was complete" in up.stderr and not staging.exists()
    with _store(neo4j_uri) as s:
        assert s.is_empty() and pending_import(s) is None

    # 3. After the load (the server restarted on the new database), before the
    #    schema, held-back events and runs: every interaction is there, marked
    #    pending; the same command again finishes the import and says so.
    server = _server_pid()
    proc = _start(neo4j_uri, csv, directory, tmp_path / "3.log")
    _kill_when(proc, lambda: _ready_pid() not in (None, server), "restart on the imported database")
    with _store(neo4j_uri) as s:
        loaded = s.stats().interactions
        assert loaded > 0.99 * EVENTS and pending_import(s) == directory.resolve()
        assert s.runs(limit=5) == []
    done = _scout_import(neo4j_uri, csv, directory)
    assert done.returncode == 0, done.stderr
    assert "interrupted after its data was loaded" in done.stderr
    with _store(neo4j_uri) as s:
        assert pending_import(s) is None and s.stats().interactions == loaded
        (run,) = s.runs(limit=5)
        assert run.inserted == loaded and run.summary["bulk_import"] == str(directory)
        names = {r[0] for r in s._read("SHOW CONSTRAINTS YIELD name RETURN name")}
        assert {"account_key", "interaction_key"} <= names
        assert s._read(f"MATCH (p:{PENDING_LABEL}) RETURN count(p)")[0][0] == 0

    # 4. Between the renames of the swap: up finishes it.
    down = _script("down")
    assert down.returncode == 0, down.stderr
    data = cache / "server" / "data"
    for part in ("databases", "transactions"):
        shutil.copytree(data / part / "neo4j", staging / "data" / part / "neo4j")
    marker.touch()
    aside = cache / "import-replaced" / "databases"
    aside.mkdir(parents=True)
    (data / "databases" / "neo4j").rename(aside / "neo4j.1")  # killed here: old moved aside, new not in
    up = _script("up")
    assert up.returncode == 0, up.stderr
    assert "finishing the swap" in up.stderr and not marker.exists() and not staging.exists()
    with _store(neo4j_uri) as s:
        assert s.stats().interactions == loaded
        s.delete_everything()
