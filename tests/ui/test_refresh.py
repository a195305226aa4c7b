"""``scout refresh``: sources run incrementally, one failing source does not stop the others,
configuration errors stop everything, and a second concurrent refresh is refused."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from graph.errors import InputError
from graph.sqlite_store import SqliteStore
from ingest.ops.config import load_config
from ingest.ops.lock import RefreshLock
from ingest.ops.refresh import (
    NOTHING_NEW,
    fingerprint,
    rank_config,
    ranking_reason,
    refresh_status,
    same_file,
    top_changes,
    write_atomic,
)
from tests.conftest import REPO
from ui.cli import cli

DATA = REPO / "data"
SAMPLE = ("accounts.csv", "x_pages.jsonl.gz", "community_edges.csv.gz", "roster.csv", "crm.csv")
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE = ('=HYPERLINK("http://evil")', "+cmd", "-rm", "@evil", "\tTAB")


# ----------------------------------------------------------------------------- helpers
def write_edges(path: Path, n: int, prefix: str = "p", start: datetime | None = None,
                accounts: int = 300, extra: list[tuple[str, str]] = ()) -> Path:
    """An edge list of ``n`` distinct mentions between ``accounts`` generic accounts."""
    start = start or datetime(2026, 9, 1, tzinfo=UTC)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["source", "target", "kind", "timestamp", "platform", "post_id"])
        for i in range(n):
            at = (start + timedelta(minutes=i)).isoformat()
            w.writerow([f"u{i % accounts}", f"u{(i * 7 + 1) % accounts}", "mention", at,
                        "forum", f"{prefix}{i}"])
        for j, (src, dst) in enumerate(extra):
            w.writerow([src, dst, "reply", start.isoformat(), "forum", f"{prefix}x{j}"])
    return path


def write_config(folder: Path, body: str, store: str = "sqlite:///.scout/scout.db") -> Path:
    """A ``scout.toml`` in ``folder`` (relative paths are relative to it)."""
    path = folder / "scout.toml"
    path.write_text(f'[store]\nuri = "{store}"\n\n{body}', encoding="utf-8")
    return path


def sample_config(folder: Path) -> Path:
    """The sample data copied under ``folder/data`` and a configuration that refreshes it."""
    (folder / "data").mkdir(parents=True, exist_ok=True)
    for name in SAMPLE:
        shutil.copy(DATA / name, folder / "data" / name)
    # Hostile handles that every sample-like account engages with, to check the exports.
    write_edges(folder / "data" / "hostile.csv", 0,
                extra=[(f"fan{i}", h) for h in HOSTILE for i in range(3)])
    return write_config(folder, """
[sources]
roster = "data/roster.csv"
crm = "data/crm.csv"

[[sources.files]]
type = "accounts"
glob = "data/accounts.csv"

[[sources.files]]
type = "jsonl"
glob = "data/*.jsonl.gz"

[[sources.files]]
type = "edges"
glob = "data/*.csv.gz"

[[sources.files]]
type = "edges"
glob = "data/hostile.csv"

[ranking]
preset = "balanced"
window_days = 400
half_life_days = 30

[[exports]]
segment = "external"
top = 25
format = "csv"
path = "exports/external.csv"

[[exports]]
segment = "internal"
top = 10
format = "xlsx"
path = "exports/internal.xlsx"

[[exports]]
segment = "all"
top = 100000
format = "csv"
path = "exports/everyone.csv"

[[exports]]
segment = "all"
top = 5
format = "json"
path = "exports/top5.json"

[refresh]
top = 20
""")


def small_config(folder: Path, rows: int = 400, extra: str = "") -> Path:
    """A quick configuration: one generated edge list, one export."""
    write_edges(folder / "in" / "a.csv", rows, prefix="a")
    return write_config(folder, f"""
[[sources.files]]
type = "edges"
glob = "in/*.csv"
{extra}
[[exports]]
path = "out/top.csv"
top = 10
""")


def invoke(*args: str, env: dict | None = None):
    # A SCOUT_STORE of the caller's environment would override the test's configuration.
    return CliRunner().invoke(cli, list(args), env={"SCOUT_STORE": None, **(env or {})},
                              catch_exceptions=False)


def clean_env(**extra: str) -> dict:
    """The environment for a ``scout`` subprocess, without the caller's SCOUT_STORE."""
    env = {k: v for k, v in os.environ.items() if k != "SCOUT_STORE"}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def refresh(config: Path, *extra: str, env: dict | None = None):
    return invoke("refresh", "--config", str(config), "--no-progress", *extra, env=env)


def open_db(folder: Path) -> SqliteStore:
    return SqliteStore(folder / ".scout" / "scout.db")


def assert_spreadsheet_safe_csv(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    for row in rows:
        for cell in row:
            if cell.startswith(DANGEROUS):
                float(cell)  # only numbers (e.g. -1.5) may start so
    return len(rows) - 1


def assert_spreadsheet_safe_xlsx(path: Path) -> int:
    import openpyxl

    ws = openpyxl.load_workbook(path).active
    n = 0
    for row in ws.iter_rows(values_only=True):
        n += 1
        for cell in row:
            assert not (isinstance(cell, str) and cell.startswith(DANGEROUS)), cell
    return n - 1


# ----------------------------------------------------------------------------- end to end
def test_refresh_sample_twice(tmp_path):
    config = sample_config(tmp_path)
    first = refresh(config, "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["status"] == "ok" and summary["exit_code"] == 0
    assert summary["new_events"] > 50_000
    assert summary["ranking"]["status"] == "ranked"
    assert summary["ranking"]["previous_snapshot"] is None
    by_name = {s["name"].split(":")[0] + ":" + s["name"].split(":")[1]: s
               for s in summary["sources"]}
    assert by_name["files:jsonl"]["new_events"] > 0
    assert by_name["files:edges"]["new_events"] > 0
    assert {s["kind"] for s in summary["sources"]} == {"files", "roster", "crm"}

    exports = tmp_path / "exports"
    assert assert_spreadsheet_safe_csv(exports / "external.csv") == 25
    assert assert_spreadsheet_safe_xlsx(exports / "internal.xlsx") == 10
    everyone = assert_spreadsheet_safe_csv(exports / "everyone.csv")
    assert everyone > 1000
    handles = pd.read_csv(exports / "everyone.csv", keep_default_na=False)["account"]
    assert {"'+cmd", "'-rm", "'=HYPERLINK(\"http://evil\")"} <= set(handles)
    assert len(json.loads((exports / "top5.json").read_text())) == 5
    assert not [p for p in exports.iterdir() if p.name.startswith(".")]  # no temp file left

    with open_db(tmp_path) as store:
        refreshes = store.runs(kind="refresh")
        assert len(refreshes) == 1 and refreshes[0].status == "ok"
        assert refreshes[0].inserted == summary["new_events"]
        assert refreshes[0].summary["exports"][0]["rows"] == 25
        assert len(store.snapshots()) == 1

    second = refresh(config)
    assert second.exit_code == 0, second.output
    assert NOTHING_NEW in second.stdout
    assert "unchanged (1 file)" in second.stdout
    with open_db(tmp_path) as store:
        assert len(store.snapshots()) == 1
        last = store.runs(kind="refresh")[0]
        assert last.inserted == 0 and last.summary["ranking"]["status"] == "unchanged"
        assert last.summary["message"] == NOTHING_NEW
        status = refresh_status(store, config)
    assert status["last_refresh"]["message"] == NOTHING_NEW
    assert status["next_run"] is None  # no [schedule] in this configuration
    # The exports are still there (rewritten from the unchanged snapshot).
    assert assert_spreadsheet_safe_csv(exports / "external.csv") == 25


def test_new_file_and_changed_file_are_imported_unchanged_ones_skipped(tmp_path):
    config = small_config(tmp_path, rows=300)
    assert refresh(config).exit_code == 0
    write_edges(tmp_path / "in" / "b.csv", 50, prefix="b", start=datetime(2026, 9, 2, tzinfo=UTC))
    result = refresh(config, "--json")
    summary = json.loads(result.stdout)
    (source,) = summary["sources"]
    assert (source["imported"], source["unchanged"], source["new_events"]) == (1, 1, 50)
    assert summary["ranking"]["status"] == "ranked"
    assert summary["ranking"]["previous_snapshot"] is not None

    # Same size and content but touched: unchanged. New content: imported again.
    os.utime(tmp_path / "in" / "a.csv", ns=(1, 1))
    summary = json.loads(refresh(config, "--json").stdout)
    assert summary["sources"][0]["status"] == "unchanged"
    write_edges(tmp_path / "in" / "a.csv", 310, prefix="a")
    summary = json.loads(refresh(config, "--json").stdout)
    assert summary["sources"][0]["imported"] == 1
    assert summary["new_events"] == 10  # the 300 first rows are duplicates


def test_failing_sources_are_reported_and_the_others_still_run(tmp_path, monkeypatch):
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    monkeypatch.delenv("BEARER_TOKEN", raising=False)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "corrupt.jsonl.gz").write_bytes(b"\x1f\x8b\x08 this is not gzip")
    config = small_config(tmp_path, extra="""
[[sources.files]]
type = "jsonl"
glob = "in/*.jsonl.gz"

[[sources.files]]
type = "accounts"
glob = "missing/*.csv"

[[sources.x]]
search = "lumina"

[sources]
roster = "nowhere/roster.csv"
""")
    result = refresh(config, "--json")
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout)
    statuses = sorted((s["kind"], s["status"]) for s in summary["sources"])
    assert statuses == [("files", "failed"), ("files", "failed"), ("files", "ok"),
                        ("roster", "failed"), ("x", "failed")]
    errors = "\n".join(summary["errors"])
    assert "X_BEARER_TOKEN" in errors
    assert "no file matches" in errors and "missing/*.csv" in errors
    assert "corrupt.jsonl.gz" in errors
    assert "roster.csv" in errors
    assert summary["new_events"] == 400
    assert summary["ranking"]["status"] == "ranked"
    assert (tmp_path / "out" / "top.csv").exists()
    with open_db(tmp_path) as store:
        assert store.load_snapshot() is not None
        run = store.runs(kind="refresh")[0]
        assert run.status == "failed" and len(run.errors) == 4
    # Human output lists them too; a token never appears anywhere.
    human = refresh(config, env={"X_BEARER_TOKEN": ""})
    assert human.exit_code == 1
    assert "error: x:search:lumina: no X API token" in human.stdout


def test_x_source_is_incremental_and_its_token_stays_secret(tmp_path, monkeypatch):
    from tests.ingest.xserver import FakeXApi

    fixtures = REPO / "tests" / "fixtures" / "ingest" / "x_api"

    def page(name: str) -> dict:
        return json.loads((fixtures / name).read_text())

    token = "s3cret-token-for-refresh"
    config = small_config(tmp_path, rows=50, extra='''
[[sources.x]]
search = "acme"

[sources]
raw_dir = "raw"
''')
    with FakeXApi() as api:
        monkeypatch.setenv("SCOUT_X_API_BASE", api.base_url)
        monkeypatch.setenv("X_BEARER_TOKEN", token)
        api.add(body=page("search_page1.json")).add(body=page("search_page2.json"))
        first = refresh(config, "--json")
        assert first.exit_code == 0, first.output
        x = json.loads(first.stdout)["sources"][0]
        assert (x["name"], x["new_events"], x["detail"]["cursor"]) == ("x:search:acme", 11, "2006")
        assert list((tmp_path / "raw" / "x").iterdir())  # raw pages archived under raw_dir

        api.add(body=page("empty.json"))
        second = refresh(config, "--json")
        assert second.exit_code == 0
        assert api.requests[-1].params["since_id"] == "2006"
        assert json.loads(second.stdout)["message"] == NOTHING_NEW

        api.add(401, {"title": "Unauthorized", "detail": "Unauthorized"})
        third = refresh(config, "--json")
        assert third.exit_code == 1
        assert "X_BEARER_TOKEN" in json.loads(third.stdout)["errors"][0]
    assert token not in first.output + second.output + third.output
    with open_db(tmp_path) as store:
        for run in store.runs(limit=100):
            assert token not in json.dumps(run.summary) + json.dumps(run.errors)


def test_configuration_errors_exit_2_with_key_paths_and_run_nothing(tmp_path):
    config = write_config(tmp_path, """
[ranking]
presett = "balanced"
half_life_days = "thirty"

[[exports]]
path = "out.csv"
top = "ten"
""")
    result = refresh(config)
    assert result.exit_code == 2
    for expected in ("ranking.presett: unknown key", "ranking.half_life_days: expected a number",
                     "exports[0].top: expected an integer", "3 problems"):
        assert expected in result.stderr
    assert not (tmp_path / ".scout").exists()

    result = refresh(write_config(tmp_path, '[ranking]\npreset = "loud"\nweights = { fame = 1 }\n'))
    assert result.exit_code == 2
    assert "ranking.preset: one of" in result.stderr

    result = refresh(write_config(tmp_path, "[ranking]\nweights = { fame = 1 }\n"))
    assert result.exit_code == 2 and "ranking.weights.fame: unknown metric" in result.stderr

    missing = invoke("refresh", "--config", str(tmp_path / "nope.toml"))
    assert missing.exit_code == 2 and "no such configuration file" in missing.stderr

    bad_store = refresh(write_config(tmp_path, "", store="foo://x"))
    assert bad_store.exit_code == 2 and "malformed store URI" in bad_store.stderr


def test_store_option_overrides_the_configuration(tmp_path):
    config = small_config(tmp_path, rows=60)
    other = tmp_path / "elsewhere.db"
    result = invoke("--store", f"sqlite:///{other}", "refresh", "--config", str(config),
                    "--no-progress")
    assert result.exit_code == 0, result.output
    assert other.exists() and not (tmp_path / ".scout" / "scout.db").exists()
    assert (tmp_path / "refresh.lock").exists()  # beside the SQLite file


def test_a_second_refresh_is_refused_while_one_runs(tmp_path):
    config = small_config(tmp_path, rows=100)
    env = clean_env(SCOUT_REFRESH_PAUSE="rank=30")
    first = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "refresh", "--config", str(config), "--no-progress"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        wait_for_line(first.stderr, "pausing", timeout=60)
        second = refresh(config)
        # Refused at once: it ended while the first one still holds the lock.
        assert first.poll() is None
        assert second.exit_code == 3
        assert f"another refresh is running (process {first.pid}" in second.stderr
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()


def test_the_lock_of_a_killed_refresh_is_cleared_with_a_notice(tmp_path):
    config = small_config(tmp_path, rows=50)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    lock = tmp_path / ".scout" / "refresh.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps({"pid": int(dead), "since": "2026-01-01T00:00:00+00:00"}))
    result = refresh(config)
    assert result.exit_code == 0, result.output
    assert f"cleared the lock left by process {dead}" in result.stderr
    assert f"notice: cleared the lock left by process {dead}" in result.stdout


def test_lock_held_in_process_is_refused(tmp_path):
    config = small_config(tmp_path, rows=20)
    with RefreshLock(tmp_path / ".scout" / "refresh.lock"):
        result = refresh(config)
    assert result.exit_code == 3 and "another refresh is running" in result.stderr


def wait_for_line(stream, needle: str, timeout: float) -> str:
    """Read ``stream`` line by line until one contains ``needle``."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        seen.append(line)
        if needle in line:
            return line
    raise AssertionError(f"no line with {needle!r} within {timeout}s; got: {''.join(seen)}")


# ----------------------------------------------------------------------------- pieces
def test_fingerprint_and_same_file(tmp_path):
    small = tmp_path / "small.txt"
    small.write_text("abc")
    fp = fingerprint(small)
    assert same_file(fp, fingerprint(small))
    os.utime(small, ns=(5, 5))
    assert same_file(fp, fingerprint(small))  # whole-file hash: touching changes nothing
    small.write_text("abd")
    assert not same_file(fp, fingerprint(small))
    assert not same_file(None, fp)

    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * (3 * 1024 * 1024))
    fp = fingerprint(big)
    assert fp["full"] is False and same_file(fp, fingerprint(big))
    os.utime(big, ns=(5, 5))
    assert not same_file(fp, fingerprint(big))  # partial hash: a new mtime counts


def test_top_changes():
    cur = pd.DataFrame({"account": list("abcde"), "handle": list("ABCDE"), "rank": [1, 2, 3, 4, 5]})
    prev = pd.DataFrame({"account": list("edcbf"), "rank": [1, 2, 3, 4, 5]})
    ch = top_changes(cur, prev, top=3)
    assert [r["account"] for r in ch["new_in_top"]] == ["a", "b"]
    assert [r["account"] for r in ch["left_top"]] == ["e", "d"]
    assert ch["risers"][0] == {"account": "b", "handle": "B", "rank": 2, "previous_rank": 4,
                               "change": 2}
    assert [r["account"] for r in ch["fallers"]] == ["e", "d"]
    assert top_changes(cur, None, top=3)["risers"] == []


def test_write_atomic_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "out" / "top.csv"
    write_atomic(pd.DataFrame({"a": ["=1"]}), "csv", target)
    assert target.read_text() == "a\n'=1\n"
    assert oct(target.stat().st_mode & 0o777) == "0o644"

    import graph.export

    def broken(src, dst):
        raise OSError("disk full")  # the new file was written, the rename fails

    monkeypatch.setattr(graph.export.os, "replace", broken)
    with pytest.raises(InputError, match="disk full"):
        write_atomic(pd.DataFrame({"a": [1]}), "csv", target)
    assert target.read_text() == "a\n'=1\n"
    assert [p.name for p in target.parent.iterdir()] == ["top.csv"]


def test_refresh_status_next_run(tmp_path):
    path = write_config(tmp_path, '[schedule]\ncron = "0 6 * * 1"\ntimezone = "Europe/Paris"\n')
    with SqliteStore(tmp_path / "s.db") as store:
        status = refresh_status(store, path, now=datetime(2026, 11, 23, 12, 0, tzinfo=UTC))
        assert status["last_refresh"] is None and status["summary"] is None
        assert status["cron"] == "0 6 * * 1"
        assert status["next_run"] == "2026-11-30T06:00:00+01:00"
        bad = write_config(tmp_path, "[schedul]\n")
        assert "unknown key" in refresh_status(store, bad)["config_error"]


def test_ranking_reason_config_change(tmp_path):
    config = small_config(tmp_path, rows=80)
    assert refresh(config).exit_code == 0
    cfg = load_config(config)
    with open_db(tmp_path) as store:
        snap = store.load_snapshot()
        from ingest.ops.refresh import newest_event

        same = rank_config(cfg, newest_event(store, cfg))
        assert ranking_reason(store, same, snap) is None
        cfg.ranking["preset"] = "reach"
        other = rank_config(cfg, newest_event(store, cfg))
        assert ranking_reason(store, other, snap) == "the ranking configuration changed"


def test_company_channels_in_a_refresh_and_internal_domains(tmp_path):
    """Slack exports and mailboxes as ``[[sources.files]]``, addresses of the configured
    domains become the company's people; the second refresh imports nothing again."""
    shutil.copy(DATA / "slack_export.zip", tmp_path / "slack_export.zip")
    shutil.copy(DATA / "mail.mbox.gz", tmp_path / "mail.mbox.gz")
    config = tmp_path / "scout.toml"
    config.write_text("""
[store]
uri = "sqlite:///.scout/scout.db"

[sources]
internal_domains = ["lumina-analytics.example"]

[[sources.files]]
type = "slack"
glob = "slack_*.zip"

[[sources.files]]
type = "mail"
glob = "*.mbox.gz"

[ranking]
preset = "auto"
half_life_days = "auto"
""")
    first = refresh(config, "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    news = {s["name"].split(":")[1]: s["new_events"] for s in summary["sources"]}
    assert news["slack"] > 0 and news["mail"] > 0
    with open_db(tmp_path) as store:
        accounts = store.accounts()
        mail = accounts[accounts["platform"] == "email"]
        inside = mail["platform_id"].str.endswith("@lumina-analytics.example")
        assert inside.any()
        assert mail.loc[inside, "internal"].astype(bool).all()
    second = refresh(config, "--json")
    assert second.exit_code == 0, second.output
    assert json.loads(second.stdout)["new_events"] == 0
