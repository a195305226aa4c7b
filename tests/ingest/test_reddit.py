"""The Reddit connector through praw itself, against a local server replaying real responses.

The comment tree, the ``/api/morechildren`` answer and the submission are praw's recorded
cassettes (shared/real-samples/reddit); the server adds a 429, 5xx answers and errors.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from graph.errors import ApiAuthError, ApiError, InputError
from ingest.raw_archive import archive_record
from ingest.records import Parsed
from ingest.reddit_parse import RedditState, parse_response
from tests.conftest import REPO
from tests.ingest.connector_checks import (
    archived_lines,
    edge_keys,
    fetch,
    kill_and_rerun_equals_clean,
    replay,
)
from tests.ingest.routeserver import RouteApi
from tests.ingest.test_reddit_parse import bodies

SECRET = "s3cr3t-reddit-secret"
EMPTY_MORE = {"json": {"errors": [], "data": {"things": []}}}


def recorded():
    records = bodies("TestMore.test_comments.json")
    tree = next(r for r in records if r["method"] == "GET")["body"]
    more = next(r for r in records if r["method"] == "POST")["body"]
    return tree, more


def serve(api: RouteApi) -> tuple[dict, dict]:
    """Routes of a subreddit whose one new submission is the recorded 476-comment thread."""
    tree, more = recorded()
    post = tree[0]["data"]["children"][0]
    api.on("POST", "/api/v1/access_token",
           {"access_token": "tok-123", "token_type": "bearer", "expires_in": 3600, "scope": "*"})
    api.on("GET", "/r/funny/new", {"kind": "Listing", "data": {"after": None, "before": None,
                                                               "children": [post]}})
    api.on("GET", "/comments/3hahrw", tree)
    api.on("GET", "/api/morechildren", EMPTY_MORE)
    api.on("GET", "/api/morechildren", more, match={"children": ",".join(
        ["cu5tt8h", "cu5v9yd", "cu5twf5", "cu5tkk4", "cu5tead", "cu5rxpy", "cu5oufs", "cu5tpek",
         "cu5pbdh"])})
    empty_thread = [tree[0], {"kind": "Listing", "data": {"children": [], "after": None}}]
    for parent in ("cu61zil", "cu5v5h7", "cu5uyz1", "cu5x40j", "cu5w5nv", "cu61tk1"):
        api.on("GET", f"/comments/3hahrw/_/{parent}", empty_thread)
    api.on("GET", "/api/info", {"kind": "Listing", "data": {"children": [], "after": None}})
    return tree, more


@pytest.fixture
def reddit(monkeypatch):
    with RouteApi() as api:
        env = {"REDDIT_CLIENT_ID": "test-app", "REDDIT_CLIENT_SECRET": SECRET,
               "SCOUT_REDDIT_API_BASE": api.base_url}
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        yield api, env


def offline_edges(tree, more) -> set[tuple]:
    state, total = RedditState(), Parsed()
    for body in (tree, more):
        total.extend(parse_response(archive_record(body, {"call": "comments"}), state))
    return {(e.platform, e.post_id, e.kind, e.source, e.target) for e in total.interactions}


def test_subreddit_fetch_archives_then_parses(reddit, store, tmp_path):
    api, env = reddit
    tree, more = serve(api)
    run, waits = fetch(store, "reddit", "subreddit", "r/Funny", env, tmp_path / "raw")
    assert run.status == "ok", run.errors
    assert run.source == "reddit:subreddit:funny"
    # the stored edges are exactly what the parser makes of the recorded bodies
    assert edge_keys(store) == offline_edges(tree, more)
    assert run.inserted == len(offline_edges(tree, more)) > 400
    assert run.summary["deleted"] == 16 and run.summary["comments"] == 476 + 7
    # praw asked for an app-only token (HTTP Basic), then used it
    (token,) = api.calls("POST", "/api/v1/access_token")
    assert token.params["grant_type"] == "client_credentials"
    assert token.headers["Authorization"].startswith("Basic ")
    gets = api.calls("GET")
    assert all(r.headers["Authorization"] == "bearer tok-123" for r in gets)
    assert [r.path for r in gets[:2]] == ["/r/funny/new", "/comments/3hahrw"]
    assert len(api.calls("GET", "/api/morechildren")) == 12  # every stub with children
    # every response was archived (one line each), and no secret reached the archive
    assert archived_lines(tmp_path / "raw", "reddit") == len(gets) == run.summary["responses"]
    text = "".join(p.read_text() for p in (tmp_path / "raw").rglob("*.jsonl"))
    assert SECRET not in text and "tok-123" not in text
    assert run.cursor > "2015-08-17"
    # no rate limit nor server error was met (a dropped keep-alive connection may be retried)
    assert all(reason == "Reddit API connection error" for _, reason in waits.calls)


def test_rate_limit_and_server_errors_are_waited_out(reddit, sqlite_store, tmp_path):
    api, env = reddit
    serve(api)
    api.once("GET", "/r/funny/new", {"message": "Too Many Requests", "error": 429}, 429,
             {"Retry-After": "3"})
    api.once("GET", "/comments/3hahrw", {"message": "Service Unavailable", "error": 503}, 503)
    api.once("GET", "/comments/3hahrw", {"message": "Bad Gateway", "error": 502}, 502)
    run, waits = fetch(sqlite_store, "reddit", "subreddit", "funny", env, tmp_path / "raw")
    assert run.status == "ok"
    assert waits.calls == [(3.0, "Reddit API rate limit"), (1.0, "Reddit API server error 503"),
                           (2.0, "Reddit API server error 502")]
    assert len(api.calls("GET", "/r/funny/new")) == 2 and len(api.calls("GET", "/comments/3hahrw")) == 3


def test_a_server_that_keeps_failing_stops_the_run_but_keeps_what_was_read(reddit, sqlite_store, tmp_path):
    api, env = reddit
    serve(api)
    api.on("GET", "/api/morechildren", {"error": 500}, 500)
    with pytest.raises(ApiError, match="Reddit API server error 500 after 5 retries"):
        fetch(sqlite_store, "reddit", "subreddit", "funny", env, tmp_path / "raw")
    (run,) = [r for r in sqlite_store.runs() if r.source == "reddit:subreddit:funny"]
    assert run.status == "failed"
    assert sqlite_store.stats().interactions > 400  # the tree read before the failure is kept


def test_reingest_is_empty_and_replay_is_equivalent(reddit, sqlite_store, tmp_path):
    from graph.sqlite_store import SqliteStore

    api, env = reddit
    serve(api)
    first, _ = fetch(sqlite_store, "reddit", "subreddit", "funny", env, tmp_path / "raw")
    # the next run starts from the cursor: the 2015 thread is older than it less --lookback
    again, _ = fetch(sqlite_store, "reddit", "subreddit", "funny", env, tmp_path / "raw")
    assert first.inserted > 0 and again.inserted == 0 and again.cursor == first.cursor
    assert len(api.calls("GET", "/comments/3hahrw")) == 1
    # read again from an earlier date: every interaction is found again, none is new
    since, _ = fetch(sqlite_store, "reddit", "subreddit", "funny", env, tmp_path / "raw",
                     since="2015-01-01")
    assert since.inserted == 0 and since.duplicates == first.inserted
    other = SqliteStore(tmp_path / "replayed.db")
    try:
        runs = replay(other, tmp_path / "raw", "reddit")
        assert all(r.status == "ok" for r in runs)
        assert edge_keys(other) == edge_keys(sqlite_store)
    finally:
        other.close()


def test_credentials_missing_or_refused(reddit, sqlite_store, tmp_path):
    api, env = reddit
    with pytest.raises(ApiAuthError, match="REDDIT_CLIENT_ID"):
        fetch(sqlite_store, "reddit", "subreddit", "funny", {}, tmp_path / "raw")
    api.on("POST", "/api/v1/access_token", {"error": "invalid_grant"}, 401)
    with pytest.raises(ApiAuthError, match="REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET"):
        fetch(sqlite_store, "reddit", "subreddit", "funny", env, tmp_path / "raw")


def test_bad_subreddits_are_clear(reddit, sqlite_store, tmp_path):
    api, env = reddit
    serve(api)
    with pytest.raises(InputError, match="not a subreddit name"):
        fetch(sqlite_store, "reddit", "subreddit", "no such!", env, tmp_path / "raw")
    api.on("GET", "/r/nosuchsub/new", "", 302,
           {"Location": f"{api.base_url}/subreddits/search.json?q=nosuchsub"})
    with pytest.raises(InputError, match="does not exist"):
        fetch(sqlite_store, "reddit", "subreddit", "nosuchsub", env, tmp_path / "raw")
    api.on("GET", "/r/secret/new", {"reason": "private", "message": "Forbidden", "error": 403}, 403)
    with pytest.raises(InputError, match="is private"):
        fetch(sqlite_store, "reddit", "subreddit", "secret", env, tmp_path / "raw")


def test_cli_bad_input_is_one_line_without_traceback(reddit, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "--store", f"sqlite:///{tmp_path}/s.db",
                           "ingest", "reddit", "subreddit", "bad name!"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "not a subreddit name" in proc.stderr and "Traceback" not in proc.stderr
    help_text = subprocess.run([sys.executable, "-m", "ui.cli", "ingest", "reddit", "subreddit",
                                "--help"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert "scout ingest reddit subreddit python" in help_text.stdout


def test_search_and_comment_stream(reddit, sqlite_store, tmp_path):
    api, env = reddit
    tree, _ = serve(api)
    api.on("GET", "/r/funny/search", {"kind": "Listing", "data": {
        "after": None, "children": [tree[0]["data"]["children"][0]]}})
    run, _ = fetch(sqlite_store, "reddit", "search", "drum", env, tmp_path / "raw",
                   options={"subreddit": "Funny"})
    assert run.source == "reddit:search:drum@r/funny" and run.inserted > 400
    (search,) = api.calls("GET", "/r/funny/search")
    assert search.params["q"] == "drum" and search.params["restrict_sr"] == "1"
    stream = bodies("TestSubredditListings.test_comments.json")[0]["body"]
    api.on("GET", "/r/askreddit/comments", stream)
    run, _ = fetch(sqlite_store, "reddit", "comments", "AskReddit", env, tmp_path / "raw", max_posts=50)
    # parents not in the stream are asked for, 100 ids a call
    (info,) = api.calls("GET", "/api/info")
    missing = {c["data"]["parent_id"] for c in stream["data"]["children"]
               if c["data"]["parent_id"].startswith("t1_")}
    assert set(info.params["id"].split(",")) == missing
    assert run.status == "ok"


@pytest.mark.slow
def test_killed_then_rerun_equals_clean_run(reddit, tmp_path):
    from graph.sqlite_store import SqliteStore

    api, _ = reddit
    serve(api)
    a, b = SqliteStore(tmp_path / "a.db"), SqliteStore(tmp_path / "b.db")
    try:
        kill_and_rerun_equals_clean(a, b, ("ingest", "reddit", "subreddit", "funny", "--batch-size",
                                           "40", "--raw-dir", str(tmp_path / "raw"), "--json"), 40)
    finally:
        a.close()
        b.close()


def test_archive_record_shape_is_replayable(reddit, sqlite_store, tmp_path):
    api, env = reddit
    serve(api)
    fetch(sqlite_store, "reddit", "subreddit", "funny", env, tmp_path / "raw")
    first = json.loads(next((tmp_path / "raw" / "reddit").rglob("*.jsonl")).read_text().splitlines()[0])
    assert first["__scout"]["platform"] == "reddit" and first["__scout"]["call"] == "listing"
    assert first["__scout"]["url"].startswith(api.base_url + "/r/funny/new?")
    assert first["response"]["kind"] == "Listing"
