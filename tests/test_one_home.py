"""One home per rule (issue 11): run bookkeeping, staleness, errors, segments, store factory, layers."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.errors import ConvergenceError, ScoutError
from graph.model import Interaction
from graph.runs import close_stale_runs
from ui.cli import cli

ROOT = Path(__file__).resolve().parents[1]
RECENT = datetime.now(UTC) - timedelta(days=2)


@pytest.fixture
def uri(store):
    return f"sqlite:///{store.path}" if hasattr(store, "path") else store.display


def seed(store, n: int = 12) -> None:
    store.add_interactions([Interaction("x", str(i), "mention", f"x:{i % 5}", f"x:{(i * 3 + 1) % 5}",
                                        RECENT) for i in range(n)])


# -- run bookkeeping ---------------------------------------------------------------------------


KILLED_RANK = """
import os, signal, sys
from graph.factory import open_store
from graph.ranking import rank_store

def die(step):
    if step == "reading accounts":  # mid-run, like kill -9 from outside
        os.kill(os.getpid(), signal.SIGKILL)

rank_store(open_store(sys.argv[1]), progress=die)
"""


def test_a_killed_rank_is_recorded_with_its_process_and_closed_by_the_next_job(store, uri):
    seed(store)
    proc = subprocess.Popen([sys.executable, "-c", KILLED_RANK, uri], cwd=ROOT,
                            env=os.environ.copy(), stderr=subprocess.PIPE, text=True)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == -9, err
    [run] = store.runs(kind="rank")
    assert run.status == "running" and run.summary["pid"] == proc.pid
    assert run.summary["host"] == os.uname().nodename
    assert close_stale_runs(store) == 1
    [run] = store.runs(kind="rank")
    assert run.status == "interrupted"
    assert f"process {proc.pid} ended without finishing the run" in run.errors


def test_every_job_records_its_owner(store, uri, tmp_path):
    seed(store)
    csv = tmp_path / "e.csv"
    csv.write_text(f"source,target,timestamp\na,b,{RECENT.isoformat()}\n")
    assert CliRunner().invoke(cli, ["--store", uri, "ingest", "edges", str(csv)]).exit_code == 0
    assert CliRunner().invoke(cli, ["--store", uri, "rank"]).exit_code == 0
    for run in store.runs():
        assert run.summary["pid"] == os.getpid() and "host" in run.summary, run
        assert run.status == "ok" and run.finished_at is not None


# -- staleness ---------------------------------------------------------------------------------


def test_if_stale_and_the_refresh_rule_agree_after_a_duplicates_only_ingest(store, uri, tmp_path):
    from graph.rank_config import build_rank_config
    from graph.staleness import ranking_reason

    csv = tmp_path / "e.csv"
    csv.write_text("source,target,timestamp\n" + "".join(
        f"u{i},u{(i * 3 + 1) % 7},{RECENT.isoformat()}\n" for i in range(20)))
    run = CliRunner().invoke
    assert run(cli, ["--store", uri, "ingest", "edges", str(csv)]).exit_code == 0
    assert run(cli, ["--store", uri, "rank"]).exit_code == 0
    again = run(cli, ["--store", uri, "ingest", "edges", str(csv)])
    assert "inserted 0, duplicates 20" in again.output
    assert ranking_reason(store, build_rank_config(), store.load_snapshot()) is None
    r = run(cli, ["--store", uri, "rank", "--if-stale"])
    assert "up to date" in r.output and len(store.snapshots()) == 1


def test_if_stale_ranks_after_an_interrupted_ingest_that_committed_batches(store, uri):
    from graph.model import Run
    from graph.rank_config import build_rank_config
    from graph.runs import new_run
    from graph.staleness import ranking_reason

    seed(store)
    assert CliRunner().invoke(cli, ["--store", uri, "rank"]).exit_code == 0
    # An ingest killed after committing a batch: its run never recorded an insert.
    killed: Run = new_run("edges:big.csv")
    killed.summary["pid"] = 2**22 + 12345  # no such process
    store.save_run(killed)
    store.add_interactions([Interaction("x", "late", "reply", "x:1", "x:2", RECENT)])
    close_stale_runs(store)
    assert ranking_reason(store, build_rank_config(), store.load_snapshot()) == (
        "data was ingested since the last ranking")
    r = CliRunner().invoke(cli, ["--store", uri, "rank", "--if-stale"])
    assert r.output.startswith("snapshot ") and len(store.snapshots()) == 2


# -- errors ------------------------------------------------------------------------------------


def _exception_classes(folder: str) -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and any(
                    isinstance(b, ast.Name) and (b.id.endswith(("Error", "Exception"))) for b in node.bases):
                found.append((str(path.relative_to(ROOT)), node.name))
    return found


def test_every_exception_lives_in_graph_errors_under_scout_error():
    import graph.errors

    elsewhere = [c for f in ("graph", "ingest", "ui") for c in _exception_classes(f)
                 if c[0] != "graph/errors.py"]
    assert elsewhere == []
    for name, cls in vars(graph.errors).items():
        if isinstance(cls, type) and issubclass(cls, Exception):
            assert issubclass(cls, ScoutError), name
    assert issubclass(ConvergenceError, ScoutError)


def test_a_pagerank_that_does_not_converge_fails_the_ranking_not_the_refresh(tmp_path, monkeypatch):
    import graph.centrality
    from ingest.ops.config import load_config
    from ingest.ops.refresh import run_refresh

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_text("source,target,timestamp\n" + "".join(
        f"u{i},u{(i * 3 + 1) % 9},{RECENT.isoformat()}\n" for i in range(40)))
    cfg_path = tmp_path / "scout.toml"
    cfg_path.write_text(f'[store]\nuri = "sqlite:///{tmp_path}/s.db"\n\n[[sources.files]]\n'
                        'type = "edges"\nglob = "in/*.csv"\n\n[[exports]]\npath = "out/top.csv"\n'
                        'segment = "brokers"\ntop = 5\n')
    first = run_refresh(load_config(cfg_path))
    assert first.summary["status"] == "ok"
    (tmp_path / "out" / "top.csv").unlink()
    (tmp_path / "in" / "b.csv").write_text(f"source,target,timestamp\nu1,u2,{RECENT.isoformat()}\n")

    def no_convergence(*args, **kwargs):
        raise ConvergenceError("PageRank did not converge in 100 iterations")

    monkeypatch.setattr(graph.centrality, "pagerank", no_convergence)
    second = run_refresh(load_config(cfg_path))
    assert second.summary["status"] == "failed" and second.summary["exit_code"] == 1
    assert second.summary["ranking"]["status"] == "failed"
    assert "ranking: PageRank did not converge" in second.summary["errors"][0]
    # Exports are still written, from the last good snapshot.
    assert (tmp_path / "out" / "top.csv").exists()
    assert second.summary["ranking"]["exports_from"] == first.summary["ranking"]["snapshot"]


# -- segments, store factory, layers -----------------------------------------------------------


def test_one_segment_list():
    from graph import ranking
    from graph.model import SEGMENTS
    from ingest.ops import config
    from ui import cli_rank

    assert ranking.SEGMENTS is SEGMENTS and cli_rank.SEGMENT_CHOICES is SEGMENTS
    assert config.SEGMENTS is SEGMENTS and "brokers" in SEGMENTS and "boundary" in SEGMENTS


def test_the_store_interface_imports_no_store():
    code = ("import sys, graph.store, graph.store_uri; "
            "print(json.dumps(sorted(m for m in sys.modules if m.endswith('_store'))))")
    out = subprocess.run([sys.executable, "-c", "import json; " + code], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []
    tree = ast.parse((ROOT / "graph" / "store.py").read_text())
    names = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not names & {"graph.sqlite_store", "graph.neo4j_store", "graph.factory"}


def test_ui_holds_no_refresh_config_lock_or_schedule_logic():
    assert not [p for p in ("refresh.py", "config.py", "lock.py", "schedule.py")
                if (ROOT / "ui" / p).exists()]
    for name in ("refresh", "config", "lock", "schedule", "throttle"):
        assert (ROOT / "ingest" / "ops" / f"{name}.py").exists()
