"""ingest.jobs: the calls shared by the CLI, the app and `scout refresh`."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from graph.errors import InputError
from graph.model import Run, utcnow
from ingest.jobs import FILE_KINDS, import_file, x_source_name
from ingest.pipeline import close_stale_runs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_run_left_running_by_a_dead_process_is_marked_interrupted(store, tmp_path):
    stale = Run(
        "stale", "ingest", "edges:old.csv", utcnow(),
        summary={"pid": _dead_pid(), "host": socket.gethostname()},
    )
    elsewhere = Run(
        "remote", "ingest", "edges:other.csv", utcnow(),
        summary={"pid": 1, "host": "some-other-host"},
    )
    store.save_run(stale)
    store.save_run(elsewhere)
    f = tmp_path / "e.csv"
    f.write_text("source,target,timestamp\na,b,2026-01-01T00:00:00Z\n")
    run = import_file(store, f, "edges")
    assert run.status == "ok" and run.inserted == 1
    by_id = {r.id: r for r in store.runs()}
    assert by_id["stale"].status == "interrupted"
    assert by_id["stale"].finished_at is not None
    assert "ended without finishing" in by_id["stale"].errors[-1]
    assert by_id["remote"].status == "running"  # cannot be checked from here
    assert close_stale_runs(store) == 0


def test_import_file_names_an_upload_by_its_own_name(sqlite_store, tmp_path):
    f = tmp_path / "tmp-upload-123.csv"
    f.write_text("source,target,timestamp\na,b,2026-01-01T00:00:00Z\n,b,2026-01-01T00:00:00Z\n")
    seen: list[str] = []
    run = import_file(sqlite_store, f, "edges", name="slack.csv", report=seen.append)
    assert run.source == "edges:slack.csv"
    assert run.status == "partial" and run.rejected == 1
    assert seen and seen[0].startswith("slack.csv:3:")
    assert "tmp-upload-123" not in " ".join(seen + run.errors)


def test_people_files(sqlite_store, tmp_path):
    accounts = tmp_path / "a.csv"
    accounts.write_text("platform,handle,name,followers\nslack,dave,Dave D,10\n")
    roster = tmp_path / "r.csv"
    roster.write_text("platform,handle,name,department\nslack,dave,Dave D,Sales\n")
    crm = tmp_path / "c.csv"
    crm.write_text("handle,status\ndave,customer\n")
    assert import_file(sqlite_store, accounts, "accounts").inserted == 1
    assert import_file(sqlite_store, roster, "roster", replace=True).summary["internal_accounts"] == 1
    assert import_file(sqlite_store, crm, "crm").summary["crm_accounts"] == 1
    a = sqlite_store.get_account("dave")
    assert a["internal"] and a["crm_status"] == "customer" and a["department"] == "Sales"


def test_unreadable_file_is_a_failed_run_and_one_error(sqlite_store, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError):
        import_file(sqlite_store, empty, "edges")
    assert sqlite_store.runs()[0].status == "failed"
    with pytest.raises(InputError):
        import_file(sqlite_store, tmp_path / "missing.csv", "roster")
    assert sqlite_store.runs()[0].status == "failed"
    with pytest.raises(ValueError, match="unknown file kind"):
        import_file(sqlite_store, empty, "xml")
    assert set(FILE_KINDS) == {"jsonl", "edges", "accounts", "roster", "crm", "replay"}


def test_x_source_names():
    assert x_source_name("search", "a b") == x_source_name("archive", "a b") == "x:search:a b"
    assert x_source_name("timeline", "@Acme") == "x:timeline:acme"
