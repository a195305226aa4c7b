"""The X API path through tweepy itself, against a scripted local server."""

from __future__ import annotations

import json
import logging
import time

import pytest

from graph.errors import InputError
from ingest.jsonl import iter_x_chunks
from ingest.pipeline import run_ingest
from ingest.sources import open_input
from ingest.x_api import (
    EXPANSIONS,
    TWEET_FIELDS,
    USER_FIELDS,
    RawArchive,
    RetryPolicy,
    ScoutClient,
    Since,
    XApiError,
    XAuthError,
    archived_chunks,
    bearer_token,
    fetch_pages,
    lookup_user,
    source_slug,
)
from tests.ingest.conftest import api_page, collect, edge_set

TOKEN = "test-token-s3cr3t"


class Waits:
    """A waiter that records what it was asked to wait, and really waits (briefly)."""

    def __init__(self, cap: float = 3.0) -> None:
        self.calls: list[tuple[float, str]] = []
        self.cap = cap

    def __call__(self, seconds: float, reason: str) -> None:
        self.calls.append((seconds, reason))
        time.sleep(min(seconds, self.cap))


def client_for(api, waits=None, **policy) -> ScoutClient:
    policy.setdefault("backoff", 0.01)
    return ScoutClient(TOKEN, api_base=api.base_url, retry=RetryPolicy(waiter=waits or Waits(), **policy))


def two_pages(api):
    api.add(body=api_page("search_page1.json"), path="/2/tweets/search/recent")
    api.add(body=api_page("search_page2.json"), path="/2/tweets/search/recent")


def test_search_paginates_with_the_requested_fields(fake_x):
    two_pages(fake_x)
    pages = list(fetch_pages(client_for(fake_x), "search", query="acme OR #acme"))
    assert [len(p["data"]) for p in pages] == [7, 2]
    first, second = fake_x.requests
    assert first.path == "/2/tweets/search/recent"
    assert first.params["query"] == "acme OR #acme"
    assert first.params["expansions"].split(",") == list(EXPANSIONS)
    assert first.params["tweet.fields"].split(",") == list(TWEET_FIELDS)
    assert first.params["user.fields"].split(",") == list(USER_FIELDS)
    assert first.params["max_results"] == "100"
    assert "next_token" not in first.params
    assert second.params["next_token"] == api_page("search_page1.json")["meta"]["next_token"]
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"


def test_archive_search_uses_search_all(fake_x):
    fake_x.add(body=api_page("search_page2.json"), path="/2/tweets/search/all")
    pages = list(fetch_pages(client_for(fake_x), "archive", query="acme", max_posts=300))
    assert len(pages) == 1 and fake_x.requests[0].params["max_results"] == "300"


def test_since_and_max(fake_x):
    two_pages(fake_x)
    since = Since.parse("2024-04-01T00:00:00+02:00")
    pages = list(fetch_pages(client_for(fake_x), "search", query="q", since=since, max_posts=5))
    assert len(pages) == 1  # 7 posts came in: enough
    req = fake_x.requests[0]
    assert req.params["start_time"] == "2024-03-31T22:00:00Z"
    assert req.params["max_results"] == "10"  # the API's minimum
    fake_x.script.clear()
    fake_x.add(body=api_page("empty.json"))
    list(fetch_pages(client_for(fake_x), "search", query="q", since=Since.parse("123")))
    assert fake_x.requests[-1].params["since_id"] == "123"
    with pytest.raises(InputError):
        Since.parse("last tuesday")


def test_timeline_and_mentions_resolve_the_handle_first(fake_x):
    client = client_for(fake_x)
    fake_x.add(body=api_page("user_acme.json"), path="/2/users/by/username/acme")
    page = lookup_user(client, "@acme")
    assert page["data"]["id"] == "1001"
    fake_x.add(body=api_page("search_page2.json"), path="/2/users/1001/tweets")
    fake_x.add(body=api_page("search_page2.json"), path="/2/users/1001/mentions")
    assert len(list(fetch_pages(client, "timeline", user_id="1001"))) == 1
    assert len(list(fetch_pages(client, "mentions", user_id="1001", max_posts=3))) == 1
    assert fake_x.requests[-1].params["max_results"] == "5"


def test_unknown_user(fake_x):
    fake_x.add(body=api_page("user_missing.json"))
    with pytest.raises(InputError, match="no X user @nobody_here_zz: Could not find user"):
        lookup_user(client_for(fake_x), "nobody_here_zz")
    with pytest.raises(InputError, match="not an X handle"):
        lookup_user(client_for(fake_x), "no spaces please")


def test_rate_limit_waits_until_reset_then_retries(fake_x):
    fake_x.rate_limited(reset_in=1)
    fake_x.add(body=api_page("search_page2.json"))
    waits = Waits()
    started = time.monotonic()
    pages = list(fetch_pages(client_for(fake_x, waits), "search", query="q"))
    assert len(pages) == 1 and len(fake_x.requests) == 2
    assert len(waits.calls) == 1
    seconds, reason = waits.calls[0]
    assert 0.5 <= seconds <= 2.5 and "rate limit" in reason
    assert time.monotonic() - started >= 0.5
    # The retry asks for the same page.
    assert fake_x.requests[0].params == fake_x.requests[1].params


def test_rate_limit_without_reset_header_uses_default_wait(fake_x):
    fake_x.add(429, {"title": "Too Many Requests"})
    fake_x.add(body=api_page("empty.json"))
    waits = Waits(cap=0)
    list(fetch_pages(client_for(fake_x, waits, default_rate_wait=7), "search", query="q"))
    assert waits.calls[0][0] == 7


def test_server_errors_are_retried_with_backoff(fake_x):
    fake_x.add(500, {"title": "Internal Error"})
    fake_x.add(503, "<html>Service Unavailable</html>")
    fake_x.add(body=api_page("search_page2.json"))
    waits = Waits()
    pages = list(fetch_pages(client_for(fake_x, waits, backoff=0.05), "search", query="q"))
    assert len(pages) == 1
    assert [round(s, 2) for s, _ in waits.calls] == [0.05, 0.1]
    assert "server error 500" in waits.calls[0][1]


def test_server_errors_give_up_after_bounded_tries(fake_x):
    for _ in range(4):
        fake_x.add(502, {"title": "Bad Gateway"})
    with pytest.raises(XApiError, match="server error 502 after 3 retries"):
        list(fetch_pages(client_for(fake_x, server_retries=3), "search", query="q"))
    assert len(fake_x.requests) == 4


@pytest.mark.parametrize("status", [401, 403])
def test_auth_errors_name_the_token_variable(fake_x, status):
    fake_x.add(status, {"title": "Unauthorized", "detail": "Unauthorized", "status": status})
    with pytest.raises(XAuthError, match=f"HTTP {status}: Unauthorized.*X_BEARER_TOKEN") as exc:
        list(fetch_pages(client_for(fake_x), "search", query="q"))
    assert isinstance(exc.value, InputError)
    assert TOKEN not in str(exc.value)
    assert len(fake_x.requests) == 1  # no retry


def test_bad_request_is_reported_with_the_api_detail(fake_x):
    fake_x.add(400, {"errors": [{"message": "Invalid query"}], "title": "Invalid Request"})
    with pytest.raises(XApiError, match="X API error 400: Invalid Request"):
        list(fetch_pages(client_for(fake_x), "search", query="((("))


def test_unreachable_api(monkeypatch):
    client = ScoutClient(TOKEN, api_base="http://127.0.0.1:9", retry=RetryPolicy(server_retries=1, backoff=0.01))
    with pytest.raises(XApiError, match="cannot reach the X API"):
        client.search_recent_tweets("q")


def test_token_comes_from_the_environment():
    assert bearer_token({"X_BEARER_TOKEN": "a", "BEARER_TOKEN": "b"}) == "a"
    assert bearer_token({"BEARER_TOKEN": "b"}) == "b"
    with pytest.raises(InputError, match="X_BEARER_TOKEN"):
        bearer_token({})


def test_token_never_logged(fake_x, caplog):
    two_pages(fake_x)
    with caplog.at_level(logging.DEBUG):
        list(fetch_pages(client_for(fake_x), "search", query="q"))
    assert TOKEN not in caplog.text


def test_pages_are_archived_before_parsing_and_replay_identically(fake_x, tmp_path, sqlite_store):
    two_pages(fake_x)
    client = client_for(fake_x)
    source = "x:search:acme OR #acme"
    archive = RawArchive(tmp_path / "raw", source)
    order = []
    real_append = archive.append

    def spy(page, url=None):
        order.append("archived")
        return real_append(page, url)

    archive.append = spy
    chunks = []
    for chunk in archived_chunks(fetch_pages(client, "search", query="acme OR #acme"), archive, client):
        order.append("parsed")
        chunks.append(chunk)
    archive.close()
    assert order == ["archived", "parsed", "archived", "parsed"]
    files = list((tmp_path / "raw" / "x").glob("*/*.jsonl"))
    assert len(files) == 1 and files[0].parent.name == source_slug(source)
    lines = [json.loads(x) for x in files[0].read_text().splitlines()]
    assert len(lines) == 2
    assert lines[0]["__scout"]["source"] == source
    assert "/2/tweets/search/recent" in lines[0]["__scout"]["url"]
    assert lines[0]["data"] == api_page("search_page1.json")["data"]
    assert TOKEN not in files[0].read_text()
    # A rejected tweet is located at its archive line.
    errors = [e for c in chunks for e in c.errors]
    assert errors == [f"{files[0]}:1: tweet 2007: no created_at (request tweet.fields=created_at)"]
    # Replaying the archive through `ingest jsonl`'s reader gives the same rows.
    with open_input(files[0]) as inp:
        replay = collect(iter_x_chunks(inp))
    assert edge_set(replay[2]) == edge_set(i for c in chunks for i in c.interactions)


def test_archive_appends_and_counts_lines(tmp_path):
    archive = RawArchive(tmp_path, "x:timeline:acme")
    assert archive.append({"data": []})[1] == 1
    archive.close()
    again = RawArchive(tmp_path, "x:timeline:acme")
    path, line = again.append({"data": []})
    again.close()
    assert line == 2 and len(path.read_text().splitlines()) == 2


def test_raw_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SCOUT_RAW_DIR", str(tmp_path / "elsewhere"))
    assert RawArchive(None, "x:search:q").folder.parent.parent == tmp_path / "elsewhere"


def test_partial_errors_are_counted_not_rejected(fake_x, tmp_path, sqlite_store):
    fake_x.add(body=api_page("search_page1.json"))
    fake_x.add(body=api_page("search_page2.json"))
    client = client_for(fake_x)
    archive = RawArchive(tmp_path, "x:search:q")
    run = run_ingest(sqlite_store, "x:search:q",
                     archived_chunks(fetch_pages(client, "search", query="q"), archive, client))
    archive.close()
    assert run.summary["api_errors"] == 1
    assert run.rejected == 1  # the tweet without created_at, not the API's partial error
    assert run.cursor == "2006"
    assert (run.read, run.inserted) == (9, 11)


def test_incremental_runs_start_after_the_cursor(fake_x, tmp_path, sqlite_store):
    from click.testing import CliRunner

    from ui.cli import cli

    runner = CliRunner()
    store_uri = sqlite_store.display
    two_pages(fake_x)
    args = ["--store", store_uri, "ingest", "x", "search", "acme", "--raw-dir", str(tmp_path), "--json"]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["cursor"] == "2006"
    fake_x.add(body=api_page("empty.json"))
    second = runner.invoke(cli, args)
    assert second.exit_code == 0, second.output
    assert fake_x.requests[-1].params["since_id"] == "2006"
    assert json.loads(second.stdout)["cursor"] == "2006"  # nothing new: the cursor stays
    fake_x.add(body=api_page("empty.json"))
    runner.invoke(cli, [*args, "--since", "1990"])
    assert fake_x.requests[-1].params["since_id"] == "1990"


def test_api_failure_mid_run_keeps_what_was_fetched(fake_x, tmp_path, sqlite_store):
    fake_x.add(body=api_page("search_page1.json"))
    for _ in range(3):
        fake_x.add(503, {"title": "Service Unavailable"})
    client = client_for(fake_x, server_retries=2)
    archive = RawArchive(tmp_path, "x:search:q")
    with pytest.raises(XApiError):
        run_ingest(sqlite_store, "x:search:q",
                   archived_chunks(fetch_pages(client, "search", query="q"), archive, client))
    archive.close()
    assert sqlite_store.stats().interactions == 9  # page 1 was written
    run = sqlite_store.runs(limit=1)[0]
    assert run.status == "failed" and "server error 503" in run.errors[-1]
    assert sqlite_store.last_cursor("x:search:q") is None  # a failed run does not move the cursor
    assert len(next((tmp_path / "x").glob("*/*.jsonl")).read_text().splitlines()) == 1
