"""scripts/neo4j.sh: a second, throw-away server on its own port and cache.

Starts a real Neo4j (about 15-40 s on 2 cores), checks authentication, then
checks that `down` leaves no process behind.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "neo4j.sh"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("java") is None or shutil.which("mvn") is None,
                       reason="needs Java and Maven"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pids_of(home: Path) -> list[str]:
    out = subprocess.run(["pgrep", "-f", str(home)], capture_output=True, text=True)
    return out.stdout.split()


@pytest.fixture
def env(tmp_path):
    home = tmp_path / "neo4j-home"
    # Reuse the main cache's build (jars) so that the test does not download again.
    main_build = Path(os.environ.get("SCOUT_NEO4J_HOME", Path.home() / ".cache/scout/neo4j")) / "build"
    if main_build.is_dir():
        shutil.copytree(main_build, home / "build", symlinks=True)
    e = dict(os.environ)
    e.update(
        SCOUT_NEO4J_HOME=str(home),
        SCOUT_NEO4J_PORT=str(_free_port()),
        SCOUT_NEO4J_PASSWORD="script-test-pw",
        SCOUT_NEO4J_HEAP="512m",
        SCOUT_NEO4J_PAGECACHE="64m",
    )
    yield e
    subprocess.run(["bash", str(SCRIPT), "down"], env=e, capture_output=True, timeout=120)


def sh(env: dict, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def test_up_status_auth_down(env):
    import neo4j

    home = Path(env["SCOUT_NEO4J_HOME"])
    assert sh(env, "status").returncode == 3
    up = sh(env, "up")
    assert up.returncode == 0, up.stdout + up.stderr
    assert f"bolt://127.0.0.1:{env['SCOUT_NEO4J_PORT']}" in up.stdout
    assert "script-test-pw" not in up.stdout + up.stderr
    again = sh(env, "up")
    assert again.returncode == 0 and "already running" in again.stdout.lower()
    assert sh(env, "status").returncode == 0

    uri = f"bolt://127.0.0.1:{env['SCOUT_NEO4J_PORT']}"
    with neo4j.GraphDatabase.driver(uri, auth=("neo4j", "script-test-pw")) as d:
        records, _, _ = d.execute_query("RETURN 1 AS one")
        assert records[0]["one"] == 1
    with neo4j.GraphDatabase.driver(uri, auth=("neo4j", "not-the-password")) as d:
        with pytest.raises(neo4j.exceptions.AuthError):
            d.verify_connectivity()

    # Bound to loopback only.
    listening = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True).stdout
    lines = [ln for ln in listening.splitlines() if f":{env['SCOUT_NEO4J_PORT']} " in ln]
    local = [ln.split()[3].rsplit(":", 1)[0] for ln in lines]
    assert local and set(local) <= {"127.0.0.1", "[::ffff:127.0.0.1]"}, local

    assert _pids_of(home)
    down = sh(env, "down")
    assert down.returncode == 0, down.stderr
    assert _pids_of(home) == []
    assert sh(env, "status").returncode == 3
    assert sh(env, "down").returncode == 0  # idempotent


def test_missing_java_is_one_clear_line(env, tmp_path):
    bare = tmp_path / "bin"
    bare.mkdir()
    for tool in ("bash", "dirname", "sed", "cat", "mkdir", "printf", "id", "env"):
        path = shutil.which(tool)
        if path:
            (bare / tool).symlink_to(path)
    e = dict(env, PATH=str(bare))
    e.pop("JAVA_HOME", None)
    r = subprocess.run(["bash", str(SCRIPT), "up"], env=e, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "Java 17+ is required" in r.stderr


def test_import_only_keeps_its_report_beside_the_database(env, tmp_path):
    """The importer's report goes into the scratch home, never the caller's working directory."""
    files = tmp_path / "files"
    files.mkdir()
    (files / "nodes.csv").write_text("key:ID(Account)\nx:a\nx:b\n", encoding="utf-8")
    (files / "rels.csv").write_text(":START_ID(Account),:END_ID(Account)\nx:a,x:b\n", encoding="utf-8")
    work = tmp_path / "cwd"
    work.mkdir()
    scratch = tmp_path / "scratch"
    r = subprocess.run(["bash", str(SCRIPT), "import-only", str(scratch),
                        f"--nodes=Account={files / 'nodes.csv'}",
                        f"--relationships=INTERACTED={files / 'rels.csv'}"],
                       env=env, cwd=work, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert list(work.iterdir()) == []
    assert (scratch / "import.report").is_file()
    assert (scratch / "data" / "databases" / "neo4j").is_dir()
