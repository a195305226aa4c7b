"""Mastodon: the parser on real recorded responses, the client through Mastodon.py against a
local server (Link paging, 429, 5xx, 401, 404), replay, re-ingest and kill-and-rerun."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from graph.errors import ApiAuthError, InputError, RecordError
from ingest.jobs import fetch_platform, import_file
from ingest.mastodon_parse import MastodonState, html_text, parse_response
from ingest.raw_archive import archive_record
from tests.conftest import REAL_SAMPLES
from tests.ingest.fakeapi import FakeApi
from tests.ingest.network_helpers import cli, kill_and_rerun, last_json

BODIES = REAL_SAMPLES / "mastodon" / "bodies"
HOST = "localhost:3000"
TL = "/api/v1/timelines/tag/"


def bodies(name: str) -> list[dict]:
    path = BODIES / name
    if not path.exists():
        pytest.skip(f"{path} absent (real samples are not in a user's clone)")
    return json.loads(path.read_text(encoding="utf-8"))


def rec(body, call: str, instance: str = HOST, **meta) -> dict:
    return archive_record(body, {"call": call, "instance": instance, **meta})


def key(user: str, host: str = HOST) -> str:
    return f"mastodon:{user}@{host}"


# -- real responses -----------------------------------------------------------------------------


def test_hashtag_timeline_real_sample():
    out = parse_response(rec(bodies("test_hashtag_tl.json")[2]["body"], "timeline_hashtag"))
    assert out.posts == 1 and not out.errors
    assert [a.key for a in out.accounts] == [key("mastodonpy_test_2")]
    assert out.newest_id == 117020593741189701  # the cursor: the newest status id


def test_reply_resolves_the_replied_account_through_mentions_and_drops_that_mention():
    status = bodies("test_status_reply.json")[2]["body"]
    assert status["in_reply_to_account_id"] == status["mentions"][0]["id"]
    out = parse_response(rec(status, "status"))
    assert [(e.kind, e.source, e.target, e.post_id) for e in out.interactions] == [
        ("reply", key("admin"), key("mastodonpy_test_2"), status["uri"])]


def test_quote_of_oneself_gives_no_edge_but_reads_the_quoted_status():
    out = parse_response(rec(bodies("test_status_reply_with_quote.json")[3]["body"], "status"))
    assert out.posts == 1 and out.referenced == 1 and out.interactions == []


def test_quote_and_boost_of_someone_else():
    s = bodies("test_status_reply_with_quote.json")[3]["body"]
    quoted = dict(s["quote"]["quoted_status"], account=dict(s["account"], acct="ann@fosstodon.org"))
    s = dict(s, quote={"state": "accepted", "quoted_status": quoted}, in_reply_to_account_id=None,
             mentions=[])
    out = parse_response(rec(s, "status"))
    assert [(e.kind, e.target) for e in out.interactions] == [("quote", "mastodon:ann@fosstodon.org")]
    boost = dict(bodies("test_status_reblogged_by.json")[1]["body"])
    original = dict(boost["reblog"], account=dict(boost["reblog"]["account"], acct="bob@mas.to"))
    out = parse_response(rec(dict(boost, reblog=original), "status"))
    (edge,) = out.interactions
    assert (edge.kind, edge.source, edge.target) == ("repost", key("mastodonpy_test_2"),
                                                     "mastodon:bob@mas.to")
    assert edge.post_id == original["uri"] + "#reblog-by-mastodonpy_test_2@localhost:3000"


def test_reblogged_by_gives_repost_edges_with_the_same_id_as_the_boost():
    calls = bodies("test_status_reblogged_by.json")
    original = calls[1]["body"]["reblog"]
    of = {"uri": original["uri"], "account": key("someone"), "created_at": original["created_at"]}
    out = parse_response(rec(calls[2]["body"], "status_reblogged_by", of=of))
    (edge,) = out.interactions
    assert (edge.kind, edge.source, edge.target) == ("repost", key("mastodonpy_test_2"), key("someone"))
    assert edge.post_id == original["uri"] + "#reblog-by-mastodonpy_test_2@localhost:3000"
    with pytest.raises(RecordError, match="reblogged_by"):
        parse_response(rec(calls[2]["body"], "status_reblogged_by"))


def test_notifications_and_public_timeline_real_samples():
    out = parse_response(rec(bodies("test_notifications.json")[1]["body"], "notifications"))
    assert [(e.kind, e.source, e.target) for e in out.interactions] == [
        ("mention", key("admin"), key("mastodonpy_test"))]
    assert out.newest_id == 20
    state = MastodonState()
    out = parse_response(rec(bodies("test_timeline_disabled.json")[2]["body"], "timeline_public"),
                         state)
    assert out.posts == 20 and not out.errors
    assert {e.kind for e in out.interactions} == {"mention"}


def test_accounts_local_and_remote_and_html():
    acc = bodies("test_status_reply_with_quote.json")[3]["body"]["account"]
    out = parse_response(rec(acc, "account_verify_credentials", instance="https://Mastodon.Social/"))
    (a,) = out.accounts
    assert a.key == "mastodon:mastodonpy_test@mastodon.social" and a.handle == "mastodonpy_test@mastodon.social"
    assert a.bio == "I walk funny"
    assert html_text('<p>a<br>b</p><p>c &lt;3</p>') == "a\nb\nc <3"
    with pytest.raises(RecordError, match="instance"):
        parse_response(archive_record(acc, {"call": "account"}))


# -- synthetic responses of the real shape, for the client tests -----------------------------------
BASE = datetime(2026, 6, 1, tzinfo=UTC)


def account(i: int) -> dict:
    return {"id": str(1000 + i), "username": f"user{i}", "acct": f"user{i}" if i % 3 else f"user{i}@remote.example",
            "display_name": f"User {i}", "created_at": "2026-01-01T00:00:00.000Z",
            "note": "<p>hi</p>", "url": f"https://{HOST}/@user{i}", "followers_count": i,
            "following_count": 1, "statuses_count": 5}


def status(n: int, users: int = 30) -> dict:
    """Status ``n`` (ids grow with time): a reply to the previous author mentioning another."""
    a, b, c = n % users, (n + 1) % users, (n + 7) % users
    sid = str((int(BASE.timestamp() * 1000) + n * 60_000) << 16)
    return {"id": sid, "created_at": (BASE + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "in_reply_to_id": "1" if n % 2 else None,
            "in_reply_to_account_id": str(1000 + b) if n % 2 else None,
            "language": "en", "uri": f"https://{HOST}/users/user{a}/statuses/{sid}",
            "content": f'<p>#Acme <span class="h-card"><a href="x">@<span>user{c}</span></a></span> n{n}</p>',
            "reblog": None, "account": account(a),
            "mentions": [{"id": str(1000 + c), "username": f"user{c}", "acct": account(c)["acct"],
                          "url": "x"}] + ([{"id": str(1000 + b), "username": f"user{b}",
                                             "acct": account(b)["acct"], "url": "x"}] if n % 2 else []),
            "tags": [{"name": "acme", "url": "x"}], "quote": None}


def tag_script(api: FakeApi, pages: int, per_page: int, faults: bool = False) -> None:
    api.add(body={"domain": HOST, "configuration": {"timelines_access": {}}}, path="/api/v2/instance")
    total = pages * per_page
    for p in range(pages):
        if faults and p == 1:
            api.rate_limited(path=TL + "acme")
            api.server_error(path=TL + "acme", status=503)
        items = [status(total - 1 - i) for i in range(p * per_page, (p + 1) * per_page)]
        headers = {}
        if p + 1 < pages:
            headers["Link"] = lambda items=items: (f'<{api.base_url}{TL}acme?max_id={items[-1]["id"]}>; '
                                           'rel="next"')
        api.add(body=items, headers=headers, path=TL + "acme")


def env_for(api: FakeApi) -> dict[str, str]:
    return {"SCOUT_MASTODON_API_BASE": api.base_url, "MASTODON_ACCESS_TOKEN": "TOKEN-SECRET-9"}


@pytest.fixture
def point(monkeypatch):
    def go(api: FakeApi) -> None:
        for k, v in env_for(api).items():
            monkeypatch.setenv(k, v)
    return go


def test_fetch_pages_through_link_waits_out_429_and_5xx_then_replays(store, tmp_path, point):
    waits = []
    with FakeApi() as api:
        tag_script(api, pages=3, per_page=4, faults=True)
        point(api)
        run = fetch_platform(store, "mastodon", "tag", "#Acme", options={"instance": HOST},
                             raw_dir=tmp_path, waiter=lambda s, r: waits.append(r))
        auth = {r.headers.get("Authorization") for r in api.requests}
    assert auth == {"Bearer TOKEN-SECRET-9"}
    assert run.status == "ok" and run.read == 12, run.errors
    assert any("rate limit" in w for w in waits) and any("server error 503" in w for w in waits)
    assert run.source == f"mastodon:tag:acme@{HOST}" and run.cursor == status(11)["id"]
    df = store.interactions()
    # every status mentions one account; odd ones reply too (that mention is the reply edge)
    assert (df["kind"] == "reply").sum() == 6 and (df["kind"] == "mention").sum() == 12
    assert all(t == ["acme"] or tuple(t) == ("acme",) for t in df["topics"])
    keys = set(store.accounts()["key"])
    assert key("user1") in keys and "mastodon:user3@remote.example" in keys
    (archive,) = list((tmp_path / "mastodon").glob("*/*.jsonl"))
    assert "TOKEN-SECRET-9" not in archive.read_text()
    replay = import_file(store, archive, "replay")
    assert replay.inserted == 0 and replay.duplicates == run.inserted


def test_refetch_asks_since_the_cursor_and_adds_nothing(sqlite_store, tmp_path, point):
    with FakeApi() as api:
        tag_script(api, pages=2, per_page=3)
        point(api)
        first = fetch_platform(sqlite_store, "mastodon", "tag", "acme", options={"instance": HOST},
                               raw_dir=tmp_path, waiter=lambda s, r: None)
    with FakeApi() as api:
        api.add(body={"domain": HOST}, path="/api/v2/instance")
        api.add(body=[], path=TL + "acme")
        point(api)
        again = fetch_platform(sqlite_store, "mastodon", "tag", "acme", options={"instance": HOST},
                               raw_dir=tmp_path, waiter=lambda s, r: None)
        asked = api.requests[-1].params
    assert asked["since_id"] == first.cursor
    assert again.inserted == 0 and again.cursor == first.cursor


def test_thread_with_boosters_and_account_statuses(sqlite_store, tmp_path, point):
    root = dict(status(1), reblogs_count=2)
    reply = status(2)
    with FakeApi() as api:
        api.add(body=root, path="/api/v1/statuses/")
        api.add(body={"ancestors": [], "descendants": [reply]}, path="/api/v1/statuses/")
        api.add(body=[account(5), account(6)], path="/api/v1/statuses/")
        point(api)
        run = fetch_platform(sqlite_store, "mastodon", "thread",
                             f"https://{HOST}/@user1/{root['id']}", options={"instance": HOST},
                             raw_dir=tmp_path, waiter=lambda s, r: None)
        paths = [r.path for r in api.requests]
    assert paths == [f"/api/v1/statuses/{root['id']}", f"/api/v1/statuses/{root['id']}/context",
                     f"/api/v1/statuses/{root['id']}/reblogged_by"]
    df = sqlite_store.interactions()
    reposts = df[df["kind"] == "repost"]
    assert set(reposts["source"]) == {key("user5"), "mastodon:user6@remote.example"}
    assert set(reposts["target"]) == {key("user1")}
    assert run.inserted == len(df)
    with FakeApi() as api:
        api.add(body=account(4), path="/api/v1/accounts/lookup")
        api.add(body=[status(4), status(34)], path="/api/v1/accounts/1004/statuses")
        point(api)
        run = fetch_platform(sqlite_store, "mastodon", "account", f"user4@{HOST}",
                             options={"instance": HOST}, raw_dir=tmp_path, waiter=lambda s, r: None)
        assert api.requests[0].params == {"acct": "user4"}
    assert run.status == "ok" and run.read == 3  # the profile and two statuses


def test_bad_token_unknown_tag_and_bad_values_are_clear(sqlite_store, tmp_path, point):
    with FakeApi() as api:
        api.add(401, {"error": "The access token is invalid"}, path="/api/v1/accounts/verify")
        point(api)
        with pytest.raises(ApiAuthError, match="MASTODON_ACCESS_TOKEN") as exc:
            fetch_platform(sqlite_store, "mastodon", "notifications", f"me@{HOST}",
                           options={"instance": HOST}, raw_dir=tmp_path, waiter=lambda s, r: None)
        assert "TOKEN-SECRET-9" not in str(exc.value)
    with FakeApi() as api:
        api.add(404, {"error": "Record not found"}, path="/api/v1/accounts/lookup")
        point(api)
        with pytest.raises(InputError, match="not found"):
            fetch_platform(sqlite_store, "mastodon", "account", f"ghost@{HOST}",
                           options={"instance": HOST}, raw_dir=tmp_path, waiter=lambda s, r: None)
    with pytest.raises(InputError, match="not a hashtag"):
        fetch_platform(sqlite_store, "mastodon", "tag", "two words", raw_dir=tmp_path)
    with pytest.raises(InputError, match="status id or URL"):
        fetch_platform(sqlite_store, "mastodon", "thread", "nope", raw_dir=tmp_path)


def test_cli_json_summary_and_no_traceback(store_uri, tmp_path):
    with FakeApi() as api:
        tag_script(api, pages=1, per_page=5)
        code, out, err = cli(store_uri, "ingest", "mastodon", "tag", "acme", "--instance", HOST,
                             "--json", "--raw-dir", str(tmp_path), env=env_for(api))
    assert code == 0, err
    summary = last_json(out)
    assert summary["read"] == 5 and summary["platform"] == "mastodon" and "TOKEN" not in out + err
    code, out, err = cli(store_uri, "ingest", "mastodon", "account", "not an account!",
                         env={"MASTODON_INSTANCE": HOST})
    assert code == 2 and "Traceback" not in err and "fediverse" in err


@pytest.mark.slow
def test_killed_fetch_then_rerun_equals_clean_run(store, tmp_path):
    @contextmanager
    def serve():
        with FakeApi() as api:
            tag_script(api, pages=8, per_page=40)
            yield api

    clean = kill_and_rerun(store, ("ingest", "mastodon", "tag", "acme", "--instance", HOST, "--json",
                                   "--batch-size", "40", "--raw-dir", str(tmp_path)),
                           serve, env_for, batch=40)
    assert clean["read"] == 320


def test_notifications_of_the_token_account(sqlite_store, tmp_path, point):
    me = bodies("test_notifications.json")[1]["body"][0]["status"]["mentions"][0]
    notes = bodies("test_notifications.json")[1]["body"]
    with FakeApi() as api:
        api.add(body=dict(account(1), acct=me["acct"], id=me["id"], username=me["username"]),
                path="/api/v1/accounts/verify_credentials")
        api.add(body=notes, path="/api/v1/notifications")
        point(api)
        run = fetch_platform(sqlite_store, "mastodon", "notifications", f"{me['acct']}@{HOST}",
                             options={"instance": HOST}, raw_dir=tmp_path, waiter=lambda s, r: None)
        asked = api.requests[-1].query
    assert run.status == "ok" and run.cursor == "20"
    assert asked["types[]"] == ["mention", "reblog", "favourite"]
    df = sqlite_store.interactions()
    assert list(zip(df["kind"], df["target"], strict=True)) == [("mention", key("mastodonpy_test"))]
    with FakeApi() as api:
        api.add(body=account(2), path="/api/v1/accounts/verify_credentials")
        point(api)
        with pytest.raises(InputError, match="the token belongs to"):
            fetch_platform(sqlite_store, "mastodon", "notifications", f"someone@{HOST}",
                           options={"instance": HOST}, raw_dir=tmp_path, waiter=lambda s, r: None)
