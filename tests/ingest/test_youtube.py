"""YouTube: the parser on real recorded responses, the client through google-api-python-client
against a local server (429, 5xx, quota, bad key), replay, re-ingest and kill-and-rerun."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from graph.errors import ApiAuthError, InputError, QuotaError, RecordError
from ingest.jobs import fetch_platform, import_file
from ingest.raw_archive import archive_record
from ingest.youtube_parse import YouTubeState, parse_response
from tests.conftest import REAL_SAMPLES
from tests.ingest.fakeapi import FakeApi
from tests.ingest.network_helpers import cli, kill_and_rerun, last_json

SAMPLES = REAL_SAMPLES / "youtube"
API = "/youtube/v3/"


def sample(rel: str) -> dict:
    path = SAMPLES / rel
    if not path.exists():
        pytest.skip(f"{path} absent (real samples are not in a user's clone)")
    return json.loads(path.read_text(encoding="utf-8"))


def rec(body, call: str, **params) -> dict:
    return archive_record(body, {"call": call, "params": params})


# -- synthetic responses of the real shape ------------------------------------------------------
OWNER = "UC_x5XG1OV2P6uZZ5FSM9Ttw"


def channel_id(i: int) -> str:
    return "UC" + f"{i:022d}"


def comment(cid: str, author: int, text: str, at: datetime, parent: str | None = None) -> dict:
    snippet = {
        "authorDisplayName": f"@viewer{author}",
        "authorChannelUrl": f"http://www.youtube.com/channel/{channel_id(author)}",
        "authorChannelId": {"value": channel_id(author)},
        "videoId": "D-lhorsDlUQ",
        "textDisplay": text, "textOriginal": text, "canRate": True, "viewerRating": "none",
        "likeCount": 0, "publishedAt": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "updatedAt": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }
    if parent:
        snippet["parentId"] = parent
    return {"kind": "youtube#comment", "etag": "e", "id": cid, "snippet": snippet}


def thread_page(start: int, n: int, base: datetime, token: str | None, replies: int = 0) -> dict:
    """``n`` threads, newest first, each with ``replies`` replies not embedded (a reply list call)."""
    items = []
    for i in range(start, start + n):
        tid = f"Ugthread{i:08d}AaABAg"
        at = base - timedelta(minutes=i)
        items.append({"kind": "youtube#commentThread", "etag": "e", "id": tid, "snippet": {
            "channelId": OWNER, "videoId": "D-lhorsDlUQ",
            "topLevelComment": comment(tid, i % 40, f"#launch comment {i}", at),
            "canReply": True, "totalReplyCount": replies, "isPublic": True}})
    body = {"kind": "youtube#commentThreadListResponse", "etag": "e",
            "pageInfo": {"totalResults": n, "resultsPerPage": n}, "items": items}
    if token:
        body["nextPageToken"] = token
    return body


def reply_page(tid: str, i: int, base: datetime, n: int) -> dict:
    items = [comment(f"{tid}.r{k:04d}", (i + k + 1) % 40, f"@viewer{i % 40} reply {k}",
                     base - timedelta(minutes=i) + timedelta(seconds=k + 1), tid) for k in range(n)]
    return {"kind": "youtube#commentListResponse", "etag": "e", "pageInfo": {"resultsPerPage": n},
            "items": items}


def video_body() -> dict:
    return {"kind": "youtube#videoListResponse", "items": [
        {"kind": "youtube#video", "id": "D-lhorsDlUQ",
         "snippet": {"channelId": OWNER, "channelTitle": "Google Developers", "title": "t"}}]}


def script(api: FakeApi, pages: int, per_page: int, replies: int,
           base=datetime(2026, 5, 1, tzinfo=UTC), faults: bool = False) -> None:
    api.add(body=video_body(), path=API + "videos")
    for p in range(pages):
        if faults and p == 1:
            api.rate_limited(path=API + "commentThreads")
            api.server_error(path=API + "commentThreads")
        token = f"page{p + 1}" if p + 1 < pages else None
        api.add(body=thread_page(p * per_page, per_page, base, token, replies),
                path=API + "commentThreads")
        if replies:
            for i in range(p * per_page, (p + 1) * per_page):
                api.add(body=reply_page(f"Ugthread{i:08d}AaABAg", i, base, replies),
                        path=API + "comments")


def env_for(api: FakeApi) -> dict[str, str]:
    return {"SCOUT_YOUTUBE_API_BASE": api.base_url + "/", "YOUTUBE_API_KEY": "SECRET-KEY-123"}


@pytest.fixture
def yt_env(monkeypatch):
    def point(api: FakeApi) -> None:
        for k, v in env_for(api).items():
            monkeypatch.setenv(k, v)
    return point


# -- the parser on real responses ---------------------------------------------------------------


def test_threads_by_video_real_sample():
    state = YouTubeState()
    parse_response(rec(sample("apidata/videos/videos_info_multi.json"), "videos.list"), state)
    body = sample("apidata/comment_threads/comment_threads_by_video_paged_1.json")
    out = parse_response(rec(body, "commentThreads.list", videoId="F1UP7wRCPH8"), state)
    assert out.posts == len(body["items"]) == 5
    assert not out.errors
    # No owner is known for this video (not in videos_info_multi): the comments are read,
    # accounts kept, no comment edge invented.
    assert {a.platform_id for a in out.accounts} >= {"UCzj-CjKYmGlZ7vTL-vOe57A"}
    assert out.newest_id == "2019-11-26T15:51:44.000000Z" or out.newest_id > "2019-11"


def test_threads_related_to_channel_have_the_owner_as_target():
    body = sample("apidata/comment_threads/comment_threads_all_to_me.json")
    out = parse_response(rec(body, "commentThreads.list",
                             allThreadsRelatedToChannelId="UCa-vrCLQHviTOVnEKDOdetQ"))
    comments = [e for e in out.interactions if e.kind == "comment"]
    assert comments and all(e.target == "youtube:UCa-vrCLQHviTOVnEKDOdetQ" for e in comments)
    assert all(e.source.startswith("youtube:UC") for e in comments)
    assert out.posts == len(body["items"])


def test_reply_pages_target_the_thread_author():
    state = YouTubeState()
    thread = sample("modeldata/comments/comment_thread_info.json")
    out = parse_response(rec(thread, "commentThreads.list", videoId="D-lhorsDlUQ"), state)
    # The embedded reply → the top-level author (the video's owner is unknown: no comment edge).
    assert [(e.kind, e.source, e.target) for e in out.interactions] == [
        ("reply", "youtube:UCsl2A_QzcSnFD2hpCyVwXxA", "youtube:UCe9i1nJCcevTa6KJa55KYog")]
    replies = sample("apidata/comments/comments_by_parent_paged_1.json")
    parent = replies["items"][0]["snippet"]["parentId"]
    out = parse_response(rec(replies, "comments.list", parentId=parent), state)
    assert out.posts == len(replies["items"])
    assert out.unresolved == len(replies["items"])  # their thread was never seen in this run


def test_reply_at_name_targets_that_author_in_the_thread():
    base = datetime(2026, 5, 1, tzinfo=UTC)
    state = YouTubeState()
    parse_response(rec(thread_page(0, 1, base, None, 0), "commentThreads.list"), state)
    tid = "Ugthread00000000AaABAg"
    first = comment(f"{tid}.a", 7, "I disagree", base + timedelta(seconds=1), tid)
    second = comment(f"{tid}.b", 8, "@viewer7 why?", base + timedelta(seconds=2), tid)
    third = comment(f"{tid}.c", 9, "@someone_else hi", base + timedelta(seconds=3), tid)
    body = {"kind": "youtube#commentListResponse", "items": [third, second, first]}
    out = parse_response(rec(body, "comments.list", parentId=tid), state)
    got = {e.post_id: e.target for e in out.interactions}
    assert got == {f"{tid}.a": "youtube:" + channel_id(0), f"{tid}.b": "youtube:" + channel_id(7),
                   f"{tid}.c": "youtube:" + channel_id(0)}


def test_channels_list_gives_profiles():
    out = parse_response(rec(sample("apidata/channels/info.json"), "channels.list"))
    (acc,) = out.accounts
    assert (acc.platform_id, acc.handle, acc.name) == (
        "UC_x5XG1OV2P6uZZ5FSM9Ttw", "googledevelopers", "Google Developers")
    assert out.users == 1


def test_unknown_response_is_a_record_error():
    with pytest.raises(RecordError, match="not a YouTube"):
        parse_response(rec({"kind": "youtube#playlistListResponse", "items": []}, "x"))
    with pytest.raises(RecordError):
        parse_response(rec([1, 2], "commentThreads.list"))


# -- the client through google-api-python-client ------------------------------------------------


def test_fetch_waits_out_429_and_5xx_archives_then_replays(store, tmp_path, yt_env):
    waits = []
    with FakeApi() as api:
        script(api, pages=2, per_page=3, replies=2, faults=True)
        yt_env(api)
        run = fetch_platform(store, "youtube", "video", "https://youtu.be/D-lhorsDlUQ",
                             raw_dir=tmp_path / "raw", waiter=lambda s, r: waits.append(r))
    assert run.status == "ok", run.errors
    # 6 threads (comment → owner) + 12 replies
    assert run.inserted == 18 and run.read == 18
    assert any("rate limit" in w for w in waits) and any("server error 503" in w for w in waits)
    assert run.source == "youtube:video:D-lhorsDlUQ" and run.cursor.startswith("2026-05-01T00:00")
    df = store.interactions()
    assert set(df["kind"]) == {"comment", "reply"} and set(df["platform"]) == {"youtube"}
    assert (df[df["kind"] == "comment"]["target"] == "youtube:" + OWNER).all()
    assert all("launch" in t for t in df[df["kind"] == "comment"]["topics"])
    # The key never reaches the archive; every call is in it, in order.
    files = list((tmp_path / "raw" / "youtube").glob("*/*.jsonl"))
    assert len(files) == 1
    text = files[0].read_text()
    assert "SECRET-KEY-123" not in text
    calls = [json.loads(line)["__scout"]["call"] for line in text.splitlines()]
    assert calls == ["videos.list", "commentThreads.list", *["comments.list"] * 3,
                     "commentThreads.list", *["comments.list"] * 3]
    # Replaying the archive reads the same records and adds nothing.
    replay = import_file(store, files[0], "replay")
    assert replay.read == 18 and replay.inserted == 0 and replay.duplicates == 18


def test_refetch_adds_nothing_and_stops_at_the_cursor(sqlite_store, tmp_path, yt_env):
    with FakeApi() as api:
        script(api, pages=3, per_page=2, replies=0)
        yt_env(api)
        first = fetch_platform(sqlite_store, "youtube", "video", "D-lhorsDlUQ",
                               raw_dir=tmp_path, waiter=lambda s, r: None)
    assert first.inserted == 6
    with FakeApi() as api:
        script(api, pages=3, per_page=2, replies=0)
        yt_env(api)
        again = fetch_platform(sqlite_store, "youtube", "video", "D-lhorsDlUQ",
                               raw_dir=tmp_path, waiter=lambda s, r: None)
        paths = [r.path for r in api.requests]
    assert again.inserted == 0 and again.cursor == first.cursor
    assert paths == [API + "videos", API + "commentThreads"]  # stopped after one old page


def test_quota_bad_key_and_missing_key_are_clear(sqlite_store, tmp_path, monkeypatch, yt_env):
    quota = {"error": {"code": 403, "message": "The request cannot be completed because you have "
                       "exceeded your quota.", "errors": [{"reason": "quotaExceeded",
                                                           "domain": "youtube.quota"}]}}
    with FakeApi() as api:
        api.add(403, quota, path=API + "videos")
        yt_env(api)
        with pytest.raises(QuotaError, match="daily quota"):
            fetch_platform(sqlite_store, "youtube", "video", "D-lhorsDlUQ", raw_dir=tmp_path)
    bad_key = {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                         "errors": [{"reason": "badRequest"}], "status": "INVALID_ARGUMENT"}}
    with FakeApi() as api:
        api.add(400, bad_key, path=API + "videos")
        yt_env(api)
        with pytest.raises(ApiAuthError, match="YOUTUBE_API_KEY") as exc:
            fetch_platform(sqlite_store, "youtube", "video", "D-lhorsDlUQ", raw_dir=tmp_path)
        assert "SECRET-KEY-123" not in str(exc.value)
    monkeypatch.delenv("YOUTUBE_API_KEY")
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    with pytest.raises(ApiAuthError, match="YOUTUBE_API_KEY or GOOGLE_API_KEY"):
        fetch_platform(sqlite_store, "youtube", "video", "D-lhorsDlUQ", raw_dir=tmp_path)
    with pytest.raises(InputError, match="not a video id"):
        fetch_platform(sqlite_store, "youtube", "video", "nope", raw_dir=tmp_path)


def test_cli_json_summary_and_bad_input_without_traceback(store_uri, tmp_path):
    with FakeApi() as api:
        script(api, pages=1, per_page=3, replies=1)
        code, out, err = cli(store_uri, "ingest", "youtube", "video", "D-lhorsDlUQ", "--json",
                             "--raw-dir", str(tmp_path), env=env_for(api))
    assert code == 0, err
    summary = last_json(out)
    assert summary["inserted"] == 6 and summary["platform"] == "youtube"
    assert summary["responses"] == 5 and "SECRET" not in out + err
    code, out, err = cli(store_uri, "ingest", "youtube", "channel", "not a channel",
                         env={"YOUTUBE_API_KEY": "k"})
    assert code == 2 and "Traceback" not in err and "channel id" in err
    code, out, err = cli(store_uri, "ingest", "youtube", "video", "D-lhorsDlUQ",
                         env={"YOUTUBE_API_KEY": "", "GOOGLE_API_KEY": ""})
    assert code == 2 and "Traceback" not in err and "YOUTUBE_API_KEY" in err
    # A malformed line in an archive is reported at file:line; the rest is read.
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"__scout": {"platform": "youtube", "call": "comments.list"}, "response": 5}\n'
                   "not json\n")
    code, out, err = cli(store_uri, "ingest", "replay", str(bad), "--json")
    assert code == 2 and f"{bad}:1:" in err and f"{bad}:2:" in err and "Traceback" not in err


@pytest.mark.slow
def test_killed_fetch_then_rerun_equals_clean_run(store, tmp_path):
    @contextmanager
    def serve():
        with FakeApi() as api:
            script(api, pages=6, per_page=10, replies=3)
            yield api

    clean = kill_and_rerun(store, ("ingest", "youtube", "video", "D-lhorsDlUQ", "--json",
                                   "--batch-size", "20", "--raw-dir", str(tmp_path)),
                           serve, env_for, batch=20)
    assert clean["inserted"] == 60 + 180


def test_channel_by_handle_asks_for_all_threads_of_the_channel(sqlite_store, tmp_path, yt_env):
    channel = {"kind": "youtube#channelListResponse", "items": [
        {"kind": "youtube#channel", "id": OWNER, "snippet": {"title": "Google Developers",
                                                             "customUrl": "@googledevelopers"},
         "statistics": {"subscriberCount": "2300000", "videoCount": "5000"}}]}
    with FakeApi() as api:
        api.add(body=channel, path=API + "channels")
        api.add(body=thread_page(0, 4, datetime(2026, 5, 1, tzinfo=UTC), None, 0),
                path=API + "commentThreads")
        yt_env(api)
        run = fetch_platform(sqlite_store, "youtube", "channel", "https://www.youtube.com/@GoogleDevelopers",
                             raw_dir=tmp_path, waiter=lambda s, r: None)
        first, second = api.requests
    assert first.params["forHandle"] == "@googledevelopers" and "key" in first.params
    assert second.params["allThreadsRelatedToChannelId"] == OWNER
    assert run.source == "youtube:channel:@googledevelopers" and run.inserted == 4
    owner = sqlite_store.accounts(["youtube:" + OWNER]).iloc[0]
    assert owner["followers"] == 2300000 and owner["handle"] == "googledevelopers"
    with FakeApi() as api:
        api.add(body={"kind": "youtube#channelListResponse", "items": []}, path=API + "channels")
        yt_env(api)
        with pytest.raises(InputError, match="no channel"):
            fetch_platform(sqlite_store, "youtube", "channel", "@nobody", raw_dir=tmp_path)
