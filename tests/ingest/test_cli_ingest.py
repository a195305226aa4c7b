"""``scout ingest …`` through click's test runner, on a temporary SQLite store."""

from __future__ import annotations

import gzip
import json

import pytest
from click.testing import CliRunner

from tests.ingest.conftest import FIX, api_page
from ui.cli import cli


@pytest.fixture
def run(tmp_path):
    uri = f"sqlite:///{tmp_path / 'scout.db'}"
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(cli, ["--store", uri, *args], input=input, catch_exceptions=False)

    invoke.uri = uri
    return invoke


def stats(run):
    return json.loads(run("stats", "--format", "json").stdout)


def test_jsonl_summary_line_and_errors_on_stderr(run):
    r = run("ingest", "jsonl", str(FIX / "x_v2_pages.jsonl"))
    assert r.exit_code == 0
    assert r.stdout.strip() == (
        f"jsonl:{FIX / 'x_v2_pages.jsonl'}: read 9, inserted 11, duplicates 0, rejected 1 (partial)"
        + r.stdout.strip().split("(partial)")[1]
    )
    assert f"{FIX / 'x_v2_pages.jsonl'}:1: tweet 2007: no created_at" in r.stderr
    again = run("ingest", "jsonl", str(FIX / "x_v2_pages.jsonl"), "--json")
    summary = json.loads(again.stdout)
    assert (summary["inserted"], summary["duplicates"], summary["status"]) == (0, 11, "partial")
    assert summary["cursor"] is None  # file imports keep no cursor


def test_json_output_is_one_object_per_file(run):
    r = run("ingest", "jsonl", str(FIX / "x_v2_tweets.jsonl"), str(FIX / "x_v1_tweets.jsonl"), "--json")
    lines = r.stdout.strip().splitlines()
    assert [json.loads(x)["source"] for x in lines] == [
        f"jsonl:{FIX / 'x_v2_tweets.jsonl'}",
        f"jsonl:{FIX / 'x_v1_tweets.jsonl'}",
    ]


def test_stdin_and_gzip(run, tmp_path):
    r = run("ingest", "jsonl", "-", input=(FIX / "x_v2_tweets.jsonl").read_bytes())
    assert r.exit_code == 0 and "jsonl:-: read 2" in r.stdout
    gz = tmp_path / "v1.jsonl.gz"
    gz.write_bytes(gzip.compress((FIX / "x_v1_tweets.jsonl").read_bytes()))
    assert "inserted 5" in run("ingest", "jsonl", str(gz)).stdout


@pytest.mark.parametrize(
    "content, message",
    [(b"", "file is empty"), (b"\x00\x00\x00\x01", "binary file"), (b"\xc3\x28\xa0\xa1" * 8, "not UTF-8")],
)
def test_bad_file_is_one_line_not_a_traceback(run, tmp_path, content, message):
    p = tmp_path / "bad.jsonl"
    p.write_bytes(content)
    r = run("ingest", "jsonl", str(p))
    assert r.exit_code == 2
    assert r.stderr.strip().splitlines() == [f"scout: error: {p}: {r.stderr.split(f'{p}: ', 1)[1].strip()}"]
    assert message in r.stderr and "Traceback" not in r.stderr
    runs = stats(run)["last_runs"]
    assert runs[0]["status"] == "failed"


def test_missing_file(run, tmp_path):
    r = run("ingest", "edges", str(tmp_path / "nope.csv"))
    assert r.exit_code == 2 and r.stderr.strip() == f"scout: error: {tmp_path / 'nope.csv'}: no such file"


def test_a_bad_file_among_several_does_not_stop_the_others(run, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    r = run("ingest", "jsonl", str(empty), str(FIX / "x_v2_tweets.jsonl"))
    assert r.exit_code == 2
    assert f"scout: error: {empty}: file is empty" in r.stderr
    assert "read 2" in r.stdout


def test_edges_options_and_strict(run, tmp_path):
    p = tmp_path / "e.csv"
    p.write_text("source;target\nann;bob\ncy;dee\n")
    r = run("ingest", "edges", str(p))
    assert "rejected 2" in r.stdout and "missing timestamp" in r.stderr
    r = run("ingest", "edges", str(p), "--platform", "slack", "--default-time", "2024-01-01", "--json")
    assert json.loads(r.stdout)["inserted"] == 2
    assert stats(run)["by_platform"] == {"slack": 2}
    bad = run("ingest", "edges", str(FIX / "edges_bad.csv"), "--strict")
    assert bad.exit_code == 2
    assert f"{FIX / 'edges_bad.csv'}:3: empty source (--strict" in bad.stderr
    assert stats(run)["interactions"] == 2
    r = run("ingest", "edges", str(p), "--default-time", "soon")
    assert r.exit_code == 2 and "unreadable --default-time" in r.stderr


def test_batch_size_option(run):
    r = run("ingest", "jsonl", str(FIX / "x_v2_pages.jsonl"), "--batch-size", "2", "--json")
    assert json.loads(r.stdout)["batches"] >= 5
    assert run("ingest", "jsonl", str(FIX / "x_v2_pages.jsonl"), "--batch-size", "0").exit_code == 2


def test_people_files(run):
    run("ingest", "jsonl", str(FIX / "x_v2_pages.jsonl"))
    r = run("ingest", "accounts", str(FIX / "accounts.csv"), "--json")
    s = json.loads(r.stdout)
    assert (s["read"], s["inserted"], s["rejected"], s["status"]) == (5, 3, 2, "partial")
    r = run("ingest", "roster", str(FIX / "roster.csv"))
    assert r.exit_code == 0 and "rejected 1" in r.stdout
    r = run("ingest", "crm", str(FIX / "crm.csv"), "--json")
    assert json.loads(r.stdout)["crm_accounts"] >= 2
    st = stats(run)
    assert st["internal_accounts"] >= 2
    strict = run("ingest", "crm", str(FIX / "crm.csv"), "--strict", "--replace")
    assert strict.exit_code == 2 and "crm.csv:5: CRM status" in strict.stderr


def test_roster_replace(run, tmp_path):
    run("ingest", "jsonl", str(FIX / "x_v2_pages.jsonl"))
    run("ingest", "roster", str(FIX / "roster.csv"))
    only_bob = tmp_path / "r.csv"
    only_bob.write_text("handle,platform,name\nbob_ops,x,Bob\n")
    r = run("ingest", "roster", str(only_bob), "--replace", "--json")
    assert json.loads(r.stdout)["internal_accounts"] == 1


def test_progress_can_be_forced(run):
    r = run("ingest", "jsonl", str(FIX / "x_v2_pages.jsonl"), "--progress")
    assert r.exit_code == 0 and "read 9" in r.stdout


def test_x_search_end_to_end(run, fake_x, tmp_path):
    fake_x.add(body=api_page("search_page1.json"))
    fake_x.add(body=api_page("search_page2.json"))
    r = run("ingest", "x", "search", "acme", "--raw-dir", str(tmp_path / "raw"), "--json")
    assert r.exit_code == 0, r.stderr
    s = json.loads(r.stdout)
    assert (s["source"], s["read"], s["inserted"], s["cursor"], s["requests"]) == ("x:search:acme", 9, 11, "2006", 2)
    archived = list((tmp_path / "raw" / "x").glob("*/*.jsonl"))
    assert len(archived) == 1 and len(archived[0].read_text().splitlines()) == 2
    # The archive replays to the same rows.
    again = run("ingest", "jsonl", str(archived[0]), "--json")
    assert json.loads(again.stdout)["inserted"] == 0


def test_x_timeline_and_mentions(run, fake_x, tmp_path):
    fake_x.add(body=api_page("user_acme.json"), path="/2/users/by/username/Acme")
    fake_x.add(body=api_page("search_page2.json"), path="/2/users/1001/tweets")
    r = run("ingest", "x", "timeline", "@Acme", "--raw-dir", str(tmp_path), "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["source"] == "x:timeline:acme"
    fake_x.add(body=api_page("user_acme.json"))
    fake_x.add(body=api_page("empty.json"), path="/2/users/1001/mentions")
    r = run("ingest", "x", "mentions", "acme", "--raw-dir", str(tmp_path))
    assert r.exit_code == 0, r.stderr
    fake_x.add(body=api_page("user_missing.json"))
    r = run("ingest", "x", "timeline", "nobody_here_zz", "--raw-dir", str(tmp_path))
    assert r.exit_code == 2 and "no X user @nobody_here_zz" in r.stderr


def test_x_rate_limit_and_server_error_through_the_cli(run, fake_x, tmp_path):
    fake_x.rate_limited(reset_in=1)
    fake_x.add(500, {"title": "oops"})
    fake_x.add(body=api_page("search_page2.json"))
    r = run("ingest", "x", "search", "acme", "--raw-dir", str(tmp_path), "--json")
    assert r.exit_code == 0, r.stderr
    assert "X API rate limit: waiting" in r.stderr
    assert "X API server error 500: waiting" in r.stderr
    assert json.loads(r.stdout)["requests"] == 3


def test_x_unauthorized_is_one_line(run, fake_x, tmp_path):
    fake_x.add(401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
    r = run("ingest", "x", "search", "acme", "--raw-dir", str(tmp_path))
    assert r.exit_code == 2
    assert r.stderr.strip().splitlines() == [
        "scout: error: X API refused the request (HTTP 401: Unauthorized): "
        "check X_BEARER_TOKEN and your app's access level"
    ]
    assert stats(run)["last_runs"][0]["status"] == "failed"


def test_x_without_token(run, monkeypatch):
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    monkeypatch.delenv("BEARER_TOKEN", raising=False)
    r = run("ingest", "x", "search", "acme")
    assert r.exit_code == 2 and "set X_BEARER_TOKEN" in r.stderr
