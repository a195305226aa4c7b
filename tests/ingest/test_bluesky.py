"""Bluesky: the parser on real recorded responses, the client through the atproto SDK against a
local server (login, cursor paging, 429 with ratelimit-reset, 502, 401), replay, re-ingest and
kill-and-rerun."""

from __future__ import annotations

import base64
import json
import time
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from graph.errors import ApiAuthError, InputError, RecordError
from ingest.bluesky_parse import parse_response
from ingest.jobs import fetch_platform, import_file
from ingest.raw_archive import archive_record
from tests.conftest import REAL_SAMPLES
from tests.ingest.fakeapi import FakeApi
from tests.ingest.network_helpers import cli, kill_and_rerun, last_json

SAMPLES = REAL_SAMPLES / "bluesky"
X = "/xrpc/"


def body(rel: str) -> dict:
    path = SAMPLES / rel
    if not path.exists():
        pytest.skip(f"{path} absent (real samples are not in a user's clone)")
    data = json.loads(path.read_text(encoding="utf-8"))
    return data[0]["body"] if isinstance(data, list) else data


def rec(b, call: str = "x", **meta) -> dict:
    return archive_record(b, {"call": call, **meta})


def kinds(out) -> Counter:
    return Counter(e.kind for e in out.interactions)


# -- real responses -----------------------------------------------------------------------------


def test_search_posts_real_sample():
    b = body("bskyr/bodies/f_search.json")
    out = parse_response(rec(b, "app.bsky.feed.searchPosts"))
    assert out.posts == len(b["posts"]) == 25 and not out.errors
    assert kinds(out) == Counter({"reply": 6, "quote": 2})
    for post in b["posts"]:
        parent = (post["record"].get("reply") or {}).get("parent", {}).get("uri")
        mine = [e for e in out.interactions if e.post_id == post["uri"] and e.kind == "reply"]
        if parent and parent.split("/")[2] != post["author"]["did"]:
            assert [e.target for e in mine] == ["bluesky:" + parent.split("/")[2]]
    tagged = {t for e in out.interactions for t in e.topics}
    assert all(t == t.lower() and not t.startswith("#") for t in tagged)
    assert out.newest_id == "2025-05-19T17:10:09.813000Z"
    assert all(a.platform_id.startswith("did:") and a.handle for a in out.accounts)


def test_thread_nested_replies_and_parent_chain():
    down = parse_response(rec(body("atrrr/app.bsky.feed.getPostThread_72827.json")))
    up = parse_response(rec(body("atrrr/app.bsky.feed.getPostThread_aa665.json")))
    # The same four posts, read downwards from the root and upwards from the third.
    assert down.posts == up.posts == 4
    assert {e.post_id for e in down.interactions} == {e.post_id for e in up.interactions}


def test_likes_reposts_and_quotes_real_samples():
    likes = parse_response(rec(body("atrrr/app.bsky.feed.getLikes_95deb.json")))
    assert kinds(likes) == Counter({"like": 25}) and likes.users == 25
    assert {e.target for e in likes.interactions} == {"bluesky:did:plc:ntd53albt5ffa4rgervvgibd"}
    reposts_body = body("atrrr/app.bsky.feed.getRepostedBy_95deb.json")
    reposts = parse_response(rec(reposts_body, of={"created_at": "2023-10-11T13:30:00Z"}))
    assert kinds(reposts) == Counter({"repost": 25})
    assert {e.at for e in reposts.interactions} == {datetime(2023, 10, 11, 13, 30, tzinfo=UTC)}
    with pytest.raises(RecordError, match="no time"):
        parse_response(archive_record(reposts_body, {"call": "app.bsky.feed.getRepostedBy"}))
    quotes = parse_response(rec(body("bskyr/bodies/f_getquotes.json")))
    assert kinds(quotes)["quote"] == 2
    assert {e.target for e in quotes.interactions if e.kind == "quote"} == {
        "bluesky:did:plc:5c2r73erhng4bszmxlfdtscf"}


def test_quote_with_media_and_notifications():
    b = body("atproto/thread_view_post_with_embed_media.json")
    assert parse_response(rec(b)).interactions == []  # it quotes its own author
    b["thread"]["post"]["author"] = dict(b["thread"]["post"]["author"], did="did:plc:" + "a" * 24)
    (edge,) = parse_response(rec(b)).interactions
    assert (edge.kind, edge.target) == ("quote", "bluesky:did:plc:kvwvcn5iqfooopmyzvb4qzba")
    notes = parse_response(rec(body("bskyr/bodies/n_notifications.json")))
    assert notes.posts == 50 and set(kinds(notes)) <= {"mention", "like", "reply", "quote", "repost"}
    assert kinds(notes)["like"] > 0


def test_times_without_zone_and_bad_bodies():
    post = body("bskyr/bodies/f_getposts.json")
    view = post["posts"][0]
    view["record"] = dict(view["record"], createdAt="2023-09-19T11:32:54.574",
                          reply={"parent": {"uri": "at://did:plc:" + "b" * 24 + "/app.bsky.feed.post/x"}})
    out = parse_response(rec(post))
    (edge,) = out.interactions
    assert edge.at == datetime(2023, 9, 19, 11, 32, 54, 574000, tzinfo=UTC)
    with pytest.raises(RecordError, match="not a Bluesky response"):
        parse_response(rec({"something": 1}))


# -- synthetic responses of the real shape ------------------------------------------------------
BASE = datetime(2026, 7, 1, tzinfo=UTC)


def did(i: int) -> str:
    return "did:plc:" + format(i, "024b").replace("0", "a").replace("1", "b")


def post(n: int, users: int = 25) -> dict:
    a, b, c = n % users, (n + 3) % users, (n + 5) % users
    at = (BASE - timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    record = {"$type": "app.bsky.feed.post", "createdAt": at, "langs": ["en"],
              "text": f"#Acme news {n} @u{c}",
              "facets": [{"features": [{"$type": "app.bsky.richtext.facet#mention", "did": did(c)}],
                          "index": {"byteStart": 15, "byteEnd": 19}},
                         {"features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "Acme"}],
                          "index": {"byteStart": 0, "byteEnd": 5}}]}
    if n % 2:
        parent = f"at://{did(b)}/app.bsky.feed.post/p{n}"
        record["reply"] = {"parent": {"uri": parent, "cid": "c"}, "root": {"uri": parent, "cid": "c"}}
    return {"uri": f"at://{did(a)}/app.bsky.feed.post/k{n:06d}", "cid": "bafy",
            "author": {"did": did(a), "handle": f"u{a}.bsky.social", "displayName": f"U {a}",
                       "createdAt": "2024-01-01T00:00:00.000Z"},
            "record": record, "replyCount": 0, "repostCount": 0, "likeCount": 0,
            "indexedAt": at, "labels": []}


def _b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def jwt(scope: str, ttl: int) -> str:
    now = int(time.time())
    return ".".join([_b64({"alg": "ES256K", "typ": "at+jwt"}),
                     _b64({"scope": scope, "sub": did(0), "iat": now, "exp": now + ttl,
                           "aud": "did:web:bsky.social"}), "c2ln"])


def login(api: FakeApi, status: int = 200) -> None:
    if status != 200:
        api.add(status, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
                path=X + "com.atproto.server.createSession")
        return
    api.add(body={"did": did(0), "handle": "me.bsky.social", "active": True,
                  "accessJwt": jwt("com.atproto.appPass", 7200),
                  "refreshJwt": jwt("com.atproto.refresh", 86400)},
            path=X + "com.atproto.server.createSession")


def search_script(api: FakeApi, pages: int, per_page: int, faults: bool = False) -> None:
    login(api)
    for p in range(pages):
        if faults and p == 1:
            api.add(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                    {"ratelimit-reset": lambda: str(int(time.time())), "ratelimit-remaining": "0"},
                    path=X + "app.bsky.feed.searchPosts")
            api.add(502, {"error": "UpstreamFailure", "message": "bad gateway"},
                    path=X + "app.bsky.feed.searchPosts")
        page = {"posts": [post(i) for i in range(p * per_page, (p + 1) * per_page)]}
        if p + 1 < pages:
            page["cursor"] = str((p + 1) * per_page)
        api.add(body=page, path=X + "app.bsky.feed.searchPosts")


def env_for(api: FakeApi) -> dict[str, str]:
    return {"SCOUT_BLUESKY_API_BASE": api.base_url, "BLUESKY_HANDLE": "me.bsky.social",
            "BLUESKY_APP_PASSWORD": "app-pass-SECRET"}


@pytest.fixture
def point(monkeypatch):
    def go(api: FakeApi) -> None:
        for k, v in env_for(api).items():
            monkeypatch.setenv(k, v)
    return go


def test_search_logs_in_pages_waits_and_replays(store, tmp_path, point):
    waits = []
    with FakeApi() as api:
        search_script(api, pages=3, per_page=4, faults=True)
        point(api)
        run = fetch_platform(store, "bluesky", "search", "acme", raw_dir=tmp_path,
                             waiter=lambda s, r: waits.append(r))
        reqs = api.requests
    assert run.status == "ok" and run.read == 12, run.errors
    assert any("rate limit" in w for w in waits) and any("server error 502" in w for w in waits)
    assert reqs[0].method == "POST" and b"app-pass-SECRET" in reqs[0].body
    assert reqs[1].headers["Authorization"].startswith("Bearer ")
    assert reqs[-1].params["cursor"] == "8" and reqs[1].params["q"] == "acme"
    df = store.interactions()
    assert (df["kind"] == "reply").sum() == 6 and (df["kind"] == "mention").sum() == 12
    assert run.cursor == "2026-07-01T00:00:00.000000Z"
    (archive,) = list((tmp_path / "bluesky").glob("*/*.jsonl"))
    text = archive.read_text()
    assert "app-pass-SECRET" not in text and "accessJwt" not in text
    replay = import_file(store, archive, "replay")
    assert replay.read == 12 and replay.inserted == 0


def test_search_again_asks_since_the_newest_post(sqlite_store, tmp_path, point):
    with FakeApi() as api:
        search_script(api, pages=1, per_page=3)
        point(api)
        first = fetch_platform(sqlite_store, "bluesky", "search", "acme", raw_dir=tmp_path)
    with FakeApi() as api:
        search_script(api, pages=1, per_page=3)
        point(api)
        again = fetch_platform(sqlite_store, "bluesky", "search", "acme", raw_dir=tmp_path)
        since = api.requests[1].params["since"]
    assert since == "2026-07-01T00:00:00.000Z" and first.inserted > 0
    assert again.inserted == 0 and again.cursor == first.cursor


def test_thread_then_reposts_likes_and_quotes(sqlite_store, tmp_path, point, monkeypatch):
    root = post(0)
    uri = root["uri"]
    with FakeApi() as api:
        api.add(body={"thread": {"$type": "app.bsky.feed.defs#threadViewPost", "post": root,
                                 "replies": [{"$type": "app.bsky.feed.defs#threadViewPost",
                                              "post": post(1), "replies": []},
                                             {"$type": "app.bsky.feed.defs#notFoundPost",
                                              "uri": "at://x", "notFound": True}]}},
                path=X + "app.bsky.feed.getPostThread")
        api.add(body={"uri": uri, "repostedBy": [post(7)["author"]]}, path=X + "app.bsky.feed.getRepostedBy")
        api.add(body={"uri": uri, "likes": [{"actor": post(8)["author"], "createdAt": "2026-07-02T00:00:00Z",
                                             "indexedAt": "2026-07-02T00:00:00Z"}]},
                path=X + "app.bsky.feed.getLikes")
        api.add(body={"uri": uri, "posts": []}, path=X + "app.bsky.feed.getQuotes")
        point(api)
        monkeypatch.delenv("BLUESKY_HANDLE")
        monkeypatch.delenv("BLUESKY_APP_PASSWORD")
        run = fetch_platform(sqlite_store, "bluesky", "thread",
                             f"https://bsky.app/profile/{did(0)}/post/k000000", raw_dir=tmp_path)
        assert [r.method for r in api.requests] == ["GET"] * 4  # no login needed
    df = sqlite_store.interactions()
    got = set(zip(df["kind"], df["source"], df["target"], strict=True))
    assert ("repost", "bluesky:" + did(7), "bluesky:" + did(0)) in got
    assert ("like", "bluesky:" + did(8), "bluesky:" + did(0)) in got
    assert run.status == "ok"


def test_missing_or_refused_login_and_bad_values(sqlite_store, tmp_path, monkeypatch, point):
    monkeypatch.delenv("BLUESKY_HANDLE", raising=False)
    monkeypatch.delenv("BLUESKY_APP_PASSWORD", raising=False)
    with pytest.raises(ApiAuthError, match="BLUESKY_HANDLE and BLUESKY_APP_PASSWORD"):
        fetch_platform(sqlite_store, "bluesky", "search", "acme", raw_dir=tmp_path)
    with FakeApi() as api:
        login(api, status=401)
        point(api)
        with pytest.raises(ApiAuthError, match="app password") as exc:
            fetch_platform(sqlite_store, "bluesky", "search", "acme", raw_dir=tmp_path)
        assert "SECRET" not in str(exc.value)
    with pytest.raises(InputError, match="at:// post URI"):
        fetch_platform(sqlite_store, "bluesky", "thread", "https://example.com/x", raw_dir=tmp_path)


def test_cli_json_summary_and_no_traceback(store_uri, tmp_path):
    with FakeApi() as api:
        search_script(api, pages=1, per_page=5)
        code, out, err = cli(store_uri, "ingest", "bluesky", "search", "acme", "--json",
                             "--raw-dir", str(tmp_path), env=env_for(api))
    assert code == 0, err
    assert last_json(out)["read"] == 5 and "SECRET" not in out + err
    code, out, err = cli(store_uri, "ingest", "bluesky", "search", "acme",
                         env={"BLUESKY_HANDLE": "", "BLUESKY_APP_PASSWORD": ""})
    assert code == 2 and "Traceback" not in err and "BLUESKY_APP_PASSWORD" in err


@pytest.mark.slow
def test_killed_fetch_then_rerun_equals_clean_run(store, tmp_path):
    @contextmanager
    def serve():
        with FakeApi() as api:
            search_script(api, pages=8, per_page=50)
            yield api

    clean = kill_and_rerun(store, ("ingest", "bluesky", "search", "acme", "--json",
                                   "--batch-size", "40", "--raw-dir", str(tmp_path)),
                           serve, env_for, batch=40)
    assert clean["read"] == 400


def test_author_feed_stops_at_the_cursor(sqlite_store, tmp_path, point, monkeypatch):
    def anonymous(api: FakeApi) -> None:  # no login: the public AppView
        point(api)
        monkeypatch.delenv("BLUESKY_HANDLE")
        monkeypatch.delenv("BLUESKY_APP_PASSWORD")

    def feed(start: int, n: int, cursor: str | None) -> dict:
        body = {"feed": [{"post": post(i)} for i in range(start, start + n)]}
        if cursor:
            body["cursor"] = cursor
        return body

    with FakeApi() as api:
        api.add(body=feed(0, 3, "c1"), path=X + "app.bsky.feed.getAuthorFeed")
        api.add(body=feed(3, 3, None), path=X + "app.bsky.feed.getAuthorFeed")
        anonymous(api)
        first = fetch_platform(sqlite_store, "bluesky", "author", "@U0.bsky.social", raw_dir=tmp_path)
        assert api.requests[0].params["actor"] == "u0.bsky.social"
    assert first.read == 6 and first.cursor == "2026-07-01T00:00:00.000000Z"
    with FakeApi() as api:
        api.add(body=feed(0, 3, "c1"), path=X + "app.bsky.feed.getAuthorFeed")
        anonymous(api)
        again = fetch_platform(sqlite_store, "bluesky", "author", "u0.bsky.social", raw_dir=tmp_path)
        assert len(api.requests) == 1  # the first page is all older than the cursor: stop
    assert again.inserted == 0
