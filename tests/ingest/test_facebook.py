"""The Facebook Page connector through the facebook-business SDK, against a local server
replaying Graph API responses of the documented shape (tests/fixtures/ingest/facebook)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from graph.errors import ApiAuthError, ApiError, InputError
from tests.conftest import FIXTURES, REPO
from tests.ingest.connector_checks import (
    archived_lines,
    edge_keys,
    fetch,
    kill_and_rerun_equals_clean,
    replay,
)
from tests.ingest.routeserver import RouteApi

FB = FIXTURES / "ingest" / "facebook"
PAGE = "104830475231234"
POST = f"{PAGE}_712345678901234"
TOKEN = "EAAB-page-token-s3cr3t"
V = "/v26.0"


def body(name: str) -> dict:
    return json.loads((FB / name).read_text())


def graph_error(code: int, message: str, transient: bool = False) -> dict:
    return {"error": {"message": message, "type": "OAuthException", "code": code,
                      "is_transient": transient, "fbtrace_id": "AbCdEf"}}


def serve(api: RouteApi) -> None:
    api.on("GET", f"{V}/{PAGE}", {"id": PAGE, "name": "Acme Analytics", "username": "acmeanalytics",
                                   "link": "https://www.facebook.com/acmeanalytics", "followers_count": 1200})
    api.on("GET", f"{V}/{PAGE}/posts", body("posts.json"))
    api.on("GET", f"{V}/{POST}/comments", body("comments_page1.json"))
    after = body("comments_page1.json")["paging"]["cursors"]["after"]
    api.on("GET", f"{V}/{POST}/comments", body("comments_page2.json"), match={"after": after})
    api.on("GET", f"{V}/{PAGE}_712345678905555/comments", body("comments_empty.json"))


@pytest.fixture
def graph(monkeypatch):
    with RouteApi() as api:
        env = {"FACEBOOK_PAGE_TOKEN": TOKEN, "SCOUT_FACEBOOK_API_BASE": api.base_url}
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        monkeypatch.delenv("FACEBOOK_APP_SECRET", raising=False)
        yield api, env


def test_page_comments_through_the_sdk(graph, store, tmp_path):
    api, env = graph
    serve(api)
    run, waits = fetch(store, "facebook", "page", PAGE, env, tmp_path / "raw")
    assert run.status == "partial" and run.rejected == 1  # the comment dated "yesterday"
    assert any(e.endswith("comment 3: unreadable created_time 'yesterday'") for e in run.errors)
    assert {(k, s, t) for _, _, k, s, t in edge_keys(store)} == {
        ("comment", "facebook:5551234567890", f"facebook:{PAGE}"),
        ("reply", f"facebook:{PAGE}", "facebook:5551234567890"),
        ("reply", "facebook:5559876543210", "facebook:5551234567890"),
        ("comment", "facebook:5559876543210", f"facebook:{PAGE}"),
    }
    assert run.summary["hidden_authors"] == 1
    assert run.cursor == "2024-05-02T11:21:00.000000Z"
    # the SDK sent the token as a parameter; Scout paged with the `after` cursor
    paths = [r.path for r in api.requests]
    assert paths == [f"{V}/{PAGE}", f"{V}/{PAGE}/posts", f"{V}/{POST}/comments",
                     f"{V}/{POST}/comments", f"{V}/{PAGE}_712345678905555/comments"]
    assert all(r.params["access_token"] == TOKEN for r in api.requests)
    first = api.calls("GET", f"{V}/{POST}/comments")[0].params
    assert first["filter"] == "stream" and "parent{id,from{id,name}}" in first["fields"]
    # the token never reaches the archive
    assert archived_lines(tmp_path / "raw", "facebook") == 5
    assert TOKEN not in "".join(p.read_text() for p in (tmp_path / "raw").rglob("*.jsonl"))
    page = store.accounts([f"facebook:{PAGE}"]).iloc[0]
    assert page["name"] == "Acme Analytics" and page["followers"] == 1200
    assert waits.calls == []


def test_appsecret_proof_and_incremental_since(graph, sqlite_store, tmp_path):
    api, env = graph
    serve(api)
    env = {**env, "FACEBOOK_APP_SECRET": "app-secret"}
    fetch(sqlite_store, "facebook", "page", PAGE, env, tmp_path / "raw")
    assert all(len(r.params["appsecret_proof"]) == 64 for r in api.requests)
    again, _ = fetch(sqlite_store, "facebook", "page", PAGE, env, tmp_path / "raw",
                     options={"lookback": 1})
    assert again.inserted == 0
    posts = api.calls("GET", f"{V}/{PAGE}/posts")
    assert "since" not in posts[0].params
    assert posts[1].params["since"] == str(1714562460)  # 2024-05-02T11:21Z less one day


def test_rate_limits_and_transient_errors_are_waited_out(graph, sqlite_store, tmp_path):
    api, env = graph
    serve(api)
    api.once("GET", f"{V}/{PAGE}/posts", graph_error(4, "(#4) Application request limit reached", True),
             400)
    api.once("GET", f"{V}/{POST}/comments", graph_error(2, "An unexpected error has occurred.", True), 500)
    api.once("GET", f"{V}/{POST}/comments", graph_error(613, "Calls to this api have exceeded the rate limit."),
             429, {"Retry-After": "5"})
    run, waits = fetch(sqlite_store, "facebook", "page", PAGE, env, tmp_path / "raw")
    assert run.inserted == 4
    assert waits.calls == [(60.0, "Facebook Graph API rate limit"),
                           (1.0, "Facebook Graph API server error 500"),
                           (5.0, "Facebook Graph API rate limit")]
    api.on("GET", f"{V}/{PAGE}/posts", graph_error(1, "Please retry your request later.", True), 503)
    with pytest.raises(ApiError, match="server error 503 after 5 retries"):
        fetch(sqlite_store, "facebook", "page", PAGE, env, tmp_path / "raw")
    api.on("GET", f"{V}/{PAGE}/posts", {"error": "not the Graph shape"}, 400)
    with pytest.raises(ApiError, match="an answer Scout cannot read"):
        fetch(sqlite_store, "facebook", "page", PAGE, env, tmp_path / "raw")


def test_tokens_and_pages_the_company_does_not_administer(graph, sqlite_store, tmp_path):
    api, env = graph
    with pytest.raises(ApiAuthError, match="FACEBOOK_PAGE_TOKEN"):
        fetch(sqlite_store, "facebook", "page", PAGE, {}, tmp_path / "raw")
    api.on("GET", f"{V}/{PAGE}", graph_error(190, "Error validating access token: Session has expired"), 400)
    with pytest.raises(ApiAuthError, match="refused the access token.*FACEBOOK_PAGE_TOKEN"):
        fetch(sqlite_store, "facebook", "page", PAGE, env, tmp_path / "raw")
    api.on("GET", f"{V}/{PAGE}", graph_error(200, "(#200) Permissions error"), 403)
    with pytest.raises(ApiAuthError, match="Pages you administer"):
        fetch(sqlite_store, "facebook", "page", PAGE, env, tmp_path / "raw")
    api.on("GET", f"{V}/nosuchpage", graph_error(100, "Object with ID 'nosuchpage' does not exist"), 400)
    with pytest.raises(InputError, match="does not exist"):
        fetch(sqlite_store, "facebook", "page", "NoSuchPage", env, tmp_path / "raw")
    with pytest.raises(InputError, match="not a Page id or username"):
        fetch(sqlite_store, "facebook", "page", "a b/c", env, tmp_path / "raw")
    assert TOKEN not in json.dumps([r.errors for r in sqlite_store.runs()])


def test_reingest_replay_and_cli(graph, sqlite_store, tmp_path):
    from graph.sqlite_store import SqliteStore

    api, env = graph
    serve(api)
    first, _ = fetch(sqlite_store, "facebook", "page", PAGE, env, tmp_path / "raw")
    again, _ = fetch(sqlite_store, "facebook", "page", PAGE, env, tmp_path / "raw", since="2024-01-01")
    assert first.inserted == 4 and again.inserted == 0 and again.duplicates == 4
    other = SqliteStore(tmp_path / "replayed.db")
    try:
        replay(other, tmp_path / "raw", "facebook")
        assert edge_keys(other) == edge_keys(sqlite_store)
    finally:
        other.close()
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "--store", sqlite_store.display, "ingest",
                           "facebook", "page", "https://www.facebook.com/104830475231234/",
                           "--raw-dir", str(tmp_path / "raw"), "--json"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1])["source"] == f"facebook:page:{PAGE}"
    assert TOKEN not in proc.stdout + proc.stderr


@pytest.mark.slow
def test_killed_then_rerun_equals_clean_run(graph, tmp_path):
    from graph.sqlite_store import SqliteStore

    api, _ = graph
    serve(api)
    posts = [{"id": f"{PAGE}_{9000 + i}", "created_time": "2024-05-02T08:00:00+0000"} for i in range(30)]
    api.on("GET", f"{V}/{PAGE}/posts", {"data": posts})
    for i in range(30):
        comments = [{"id": f"{9000 + i}_{j}", "from": {"id": str(5550000 + j), "name": f"Fan {j}"},
                     "message": "nice", "created_time": "2024-05-02T09:00:00+0000"} for j in range(20)]
        api.on("GET", f"{V}/{PAGE}_{9000 + i}/comments", {"data": comments})
    a, b = SqliteStore(tmp_path / "a.db"), SqliteStore(tmp_path / "b.db")
    try:
        kill_and_rerun_equals_clean(a, b, ("ingest", "facebook", "page", PAGE, "--batch-size", "20",
                                           "--raw-dir", str(tmp_path / "raw"), "--json"), 20)
    finally:
        a.close()
        b.close()
