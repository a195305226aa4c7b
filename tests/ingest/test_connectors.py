"""The shared infrastructure of the network connectors: identity rules, the retry rule, the raw
archive and its replay, ``[[sources.<platform>]]`` in scout.toml and the refresh, the CLI groups,
and the rule that Reddit accounts never join a person (both stores)."""

from __future__ import annotations

import doctest
import importlib
import json

import pandas as pd
import pytest

from graph.errors import ApiError, ConfigError, InputError
from graph.model import Account, Person
from graph.people import UNLINKABLE_PLATFORMS, linkable, resolve_people, suggest_links
from ingest.connectors import connector, platforms
from ingest.identity import account_identities, account_identity, blog_id, mastodon_id, reddit_id
from ingest.jobs import import_file
from ingest.jsonio import dumps_line
from ingest.ops.config import load_config, parse_config
from ingest.raw_archive import RawArchive, archive_record
from ingest.retry import RetryPolicy, Transient, call_with_retries, retry_after
from tests.ingest.fakeapi import FakeApi
from tests.ingest.network_helpers import cli
from tests.ingest.test_youtube import env_for as yt_env
from tests.ingest.test_youtube import script as yt_script

MODULES = ("ingest.identity", "ingest.retry", "ingest.raw_archive", "ingest.records",
           "ingest.connectors", "ingest.youtube", "ingest.youtube_parse", "ingest.mastodon_parse",
           "ingest.bluesky", "ingest.bluesky_parse", "graph.people")


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# -- identity ------------------------------------------------------------------------------------


def test_one_identity_rule_per_platform():
    assert account_identity("youtube", "UC_x5XG1OV2P6uZZ5FSM9Ttw") == ("UC_x5XG1OV2P6uZZ5FSM9Ttw", None)
    assert account_identity("bluesky", "did:plc:z72i7hdynmk6r22z27h6tvur")[0].startswith("did:plc:")
    assert account_identity("blog", "https://www.Example.com/x") == ("example.com", "example.com")
    assert account_identity("linkedin", "https://www.linkedin.com/in/ann-lee/")[0] == "ann-lee"
    assert account_identity("facebook", "1001") == ("1001", None)
    assert account_identity("generic", "@Ann") == ("ann", "Ann")  # unchanged for other platforms
    assert mastodon_id("ann", "mastodon.social") == mastodon_id("@Ann@Mastodon.social")[:1] + (
        "ann@mastodon.social",)
    assert reddit_id("[deleted]") is None and reddit_id("[removed]") is None
    for bad in ("", "a b"):
        with pytest.raises(ValueError):
            account_identity("reddit", bad)
    with pytest.raises(ValueError, match="deleted"):
        account_identity("reddit", "[deleted]")
    with pytest.raises(ValueError, match="without the instance"):
        mastodon_id("ann")
    with pytest.raises(ValueError):
        blog_id("not a host")


def test_column_wise_identities_follow_each_platforms_rule():
    # The vectorised twin used by the CSV readers must give what the one rule gives,
    # row by row, on every platform (its string-kernel fast path is X/generic only).
    rows = [("x", "12"), ("x", "@Jack"), ("generic", " @Ann "), ("youtube", "UC_x5XG1OV2P6uZZ5FSM9Ttw"),
            ("youtube", "@AcmeHQ"), ("mastodon", "@Ann@Fosstodon.org"), ("bluesky", "did:plc:abc"),
            ("reddit", "u/Bob"), ("reddit", "[deleted]"), ("blog", "https://www.Example.com/x"),
            ("linkedin", "https://www.linkedin.com/in/ann-lee/"), ("facebook", "1001"),
            ("generic", "Zoë"), ("generic", " ")]
    ids, handles, errors = account_identities([p for p, _ in rows], [v for _, v in rows])
    for i, (platform, value) in enumerate(rows):
        try:
            expected = account_identity(platform, value)
        except ValueError as exc:
            assert (ids[i], handles[i], errors[i]) == (None, None, str(exc)), (platform, value)
        else:
            assert (ids[i], handles[i], errors[i]) == (*expected, ""), (platform, value)


def test_edge_lists_use_the_platform_rules(sqlite_store, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("source,target,kind,timestamp,platform\n"
                    "@Ann@Fosstodon.org,bob@mastodon.social,mention,2026-01-01T00:00:00Z,mastodon\n"
                    "u/Carol,dave,reply,2026-01-01T00:00:00Z,reddit\n")
    run = import_file(sqlite_store, path, "edges")
    assert run.inserted == 2
    assert set(sqlite_store.accounts()["key"]) == {
        "mastodon:ann@fosstodon.org", "mastodon:bob@mastodon.social", "reddit:carol", "reddit:dave"}


# -- retry rule ----------------------------------------------------------------------------------


def test_retry_rule_waits_backs_off_and_gives_up():
    waits: list[tuple[float, str]] = []
    policy = RetryPolicy(server_retries=2, rate_limit_waits=2, waiter=lambda s, r: waits.append((s, r)))
    calls = iter([Transient("rate", "429", 3.0), Transient("server", "boom", status=503), "ok"])

    def attempt():
        v = next(calls)
        if isinstance(v, Exception):
            raise v
        return v

    assert call_with_retries(attempt, lambda e: None, policy, "Demo API") == "ok"
    assert waits == [(3.0, "Demo API rate limit"), (1.0, "Demo API server error 503")]

    def always_500():
        raise Transient("server", "still down", status=500)

    with pytest.raises(ApiError, match="Demo API server error 500 after 2 retries: still down"):
        call_with_retries(always_500, lambda e: None, policy, "Demo API")

    def always_429():
        raise Transient("rate", "", None)

    with pytest.raises(ApiError, match="still limited"):
        call_with_retries(always_429, lambda e: None, policy, "Demo API")
    with pytest.raises(ApiError, match="asks to wait"):
        call_with_retries(lambda: (_ for _ in ()).throw(Transient("rate", "", 10_000.0)),
                          lambda e: None, policy, "Demo API")
    with pytest.raises(KeyError):  # not transient: through at once
        call_with_retries(lambda: {}["x"], lambda e: None, policy, "Demo API")
    assert retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, now=1445412470.0) == 10.0


# -- the archive and its replay ------------------------------------------------------------------


def test_one_archive_for_every_platform_and_a_mixed_replay(sqlite_store, tmp_path):
    x_page = {"data": [{"id": "10", "author_id": "1", "text": "hi @b", "created_at": "2026-01-01T00:00:00Z",
                        "entities": {"mentions": [{"username": "b", "id": "2"}]}}],
              "includes": {"users": [{"id": "1", "username": "a"}, {"id": "2", "username": "b"}]}}
    with RawArchive(tmp_path, "x:search:acme") as xa:
        path_x, _ = xa.append(x_page, "https://api.example/2/tweets/search/recent?query=acme")
    assert path_x.parent.parent.name == "x" and json.loads(path_x.read_text())["data"]
    comment = {"kind": "youtube#commentThreadListResponse", "items": [
        {"id": "t1", "snippet": {"channelId": "UC" + "0" * 22, "topLevelComment": {
            "id": "t1", "snippet": {"authorChannelId": {"value": "UC" + "1" * 22},
                                    "authorDisplayName": "@ann", "textOriginal": "#Acme rocks",
                                    "publishedAt": "2026-01-02T00:00:00Z"}}}}]}
    with RawArchive(tmp_path, "youtube:channel:UC" + "0" * 22) as ya:
        path_y, line = ya.append(comment, None, {"call": "commentThreads.list", "params": {}})
    assert path_y.parent.parent.name == "youtube" and line == 1
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(path_x.read_bytes() + path_y.read_bytes()
                      + dumps_line(archive_record({}, {"platform": "myspace", "call": "x"}))
                      + dumps_line(archive_record({"items": 3}, {"platform": "youtube"})))
    run = import_file(sqlite_store, mixed, "replay")
    assert run.status == "partial" and run.rejected == 2 and run.inserted == 2
    assert any("mixed.jsonl:3:" in e and "no connector for 'myspace'" in e for e in run.errors)
    assert any("mixed.jsonl:4:" in e for e in run.errors)
    df = sqlite_store.interactions()
    assert set(zip(df["platform"], df["kind"], strict=True)) == {("x", "mention"), ("youtube", "comment")}
    assert list(df.loc[df["platform"] == "youtube", "topics"].iloc[0]) == ["acme"]


def test_registry_cli_groups_and_help():
    assert set(platforms()) >= {"youtube", "mastodon", "bluesky"}
    for platform in ("youtube", "mastodon", "bluesky"):
        conn = connector(platform)
        assert conn.platform == platform and conn.endpoints and conn.credentials
        code, out, err = cli("sqlite:///unused.db", "ingest", platform, conn.endpoints[0].name,
                             "--help")
        assert code == 0 and "Examples:" in out and "--since" in out and "--max" in out
    with pytest.raises(InputError, match="no connector for 'myspace'"):
        connector("myspace")


# -- scout.toml and the refresh ------------------------------------------------------------------


def test_config_reads_network_sources_and_reports_problems(tmp_path):
    cfg = parse_config({"sources": {
        "youtube": [{"video": "D-lhorsDlUQ", "max": 500}],
        "mastodon": [{"tag": "acme", "instance": "fosstodon.org", "boosters": True}],
        "bluesky": [{"search": "acme", "since": "2026-01-01"}]}}, base=tmp_path)
    assert [(n.platform, n.endpoint, n.value, n.max) for n in cfg.networks] == [
        ("youtube", "video", "D-lhorsDlUQ", 500), ("mastodon", "tag", "acme", None),
        ("bluesky", "search", "acme", None)]
    assert [n.name for n in cfg.networks] == [
        "youtube:video:D-lhorsDlUQ", "mastodon:tag:acme@fosstodon.org", "bluesky:search:acme"]
    with pytest.raises(ConfigError, match=r"sources.youtube\[0\].playlist: unknown key"):
        parse_config({"sources": {"youtube": [{"playlist": "p"}]}})
    with pytest.raises(ConfigError) as exc:
        parse_config({"sources": {"youtube": [{"video": "x", "channel": "UC"}, {"video": "bad id"}]}})
    message = str(exc.value)
    assert "sources.youtube[0]: give exactly one of channel, video" in message
    assert "sources.youtube[1].video: youtube video: not a video id" in message


def test_refresh_fetches_network_sources_incrementally(tmp_path, monkeypatch):
    from ingest.ops.refresh import run_refresh

    (tmp_path / "scout.toml").write_text(
        f'store = {{ uri = "sqlite:///{tmp_path / "s.db"}" }}\n'
        '[sources]\nraw_dir = "raw"\n[[sources.youtube]]\nvideo = "D-lhorsDlUQ"\n')
    with FakeApi() as api:
        yt_script(api, pages=1, per_page=3, replies=1)
        for k, v in yt_env(api).items():
            monkeypatch.setenv(k, v)
        first = run_refresh(load_config(tmp_path / "scout.toml"))
    src = first.summary["sources"][0]
    assert first.run.status == "ok", first.summary["errors"]
    assert src["name"] == "youtube:video:D-lhorsDlUQ" and src["new_events"] == 6
    assert list((tmp_path / "raw" / "youtube").glob("*/*.jsonl"))
    with FakeApi() as api:
        yt_script(api, pages=1, per_page=3, replies=1)
        for k, v in yt_env(api).items():
            monkeypatch.setenv(k, v)
        second = run_refresh(load_config(tmp_path / "scout.toml"))
    assert second.summary["sources"][0]["new_events"] == 0 and not second.summary["errors"]


# -- Reddit accounts never join a person --------------------------------------------------------


def _accounts(rows):
    return pd.DataFrame(rows, columns=["key", "platform", "platform_id", "handle", "name", "url", "bio"])


def test_reddit_accounts_never_join_a_person():
    assert UNLINKABLE_PLATFORMS == {"reddit"} and not linkable("reddit:ann") and linkable("x:1")
    acc = _accounts([("reddit:ann_lee", "reddit", "ann_lee", "ann_lee", "Ann Lee", None, None),
                     ("x:1", "x", "1", "ann_lee", "Ann Lee", None, None),
                     ("email:ann@acme.com", "email", "ann@acme.com", "ann@acme.com", None, None, None)])
    roster = pd.DataFrame({"handle": ["ann_lee"], "platform": [None], "email": ["ann@acme.com"],
                           "employee_id": [None]})
    decisions = pd.DataFrame({"a": ["reddit:ann_lee"], "b": ["x:1"], "decision": ["link"]})
    links = resolve_people(acc, roster, {"reddit:ann_lee": "ann@acme.com"}, decisions)
    assert "reddit:ann_lee" not in set(links["account"])
    assert set(links["account"]) == {"x:1", "email:ann@acme.com"}
    assert suggest_links(acc, links, decisions.iloc[0:0]).query(
        "a == 'reddit:ann_lee' or b == 'reddit:ann_lee'").empty


def test_stores_refuse_a_reddit_link_and_keep_reddit_out_of_the_roster(store):
    store.upsert_accounts([Account("reddit", "ann_lee", handle="ann_lee"),
                           Account("x", "1", handle="ann_lee")])
    store.set_roster([Person(handle="ann_lee")])
    accounts = store.accounts().set_index("key")
    assert bool(accounts.loc["x:1", "internal"]) is True
    assert not bool(accounts.loc["reddit:ann_lee", "internal"])
    with pytest.raises(InputError, match="never join a person"):
        store.set_link_decision("reddit:ann_lee", "x:1", "link")
    store.set_link_decision("reddit:ann_lee", "x:1", "reject")  # keeping apart is fine
    assert set(store.link_decisions()["decision"]) == {"reject"}


def test_people_link_cli_refuses_reddit(store_uri, tmp_path):
    from graph.factory import open_store

    with open_store(store_uri) as s:
        s.upsert_accounts([Account("reddit", "ann_lee", handle="ann_lee"), Account("x", "1", handle="ann")])
    code, out, err = cli(store_uri, "people", "link", "reddit:ann_lee", "x:1")
    assert code == 2 and "never join a person" in err and "Traceback" not in err
