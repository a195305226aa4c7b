"""The X parser: edge rules, record shapes, accounts — on fixtures and real samples."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

import pytest

from ingest.jsonl import iter_x_chunks
from ingest.sources import open_input
from ingest.x_parse import (
    Lookup,
    RecordError,
    account_from_v1_user,
    account_from_v2_user,
    detect_shape,
    edges_of_tweet,
    mention_targets,
    parse_time,
    parse_v1_tweet,
    parse_v2_page,
    parse_v2_tweet,
    parse_x_record,
    quote_target,
    reply_target,
    repost_target,
    resolve_user,
    tweet_topics,
    v1_tweet_to_v2,
)
from tests.ingest.conftest import FIX, api_page, collect, edge_set, real_sample


def read_jsonl(path):
    return [json.loads(line) for line in open(path) if line.strip()]


@pytest.fixture
def page1():
    return api_page("search_page1.json")


def tweet_by_id(page, tid):
    return next(t for t in page["data"] if t["id"] == tid)


def lookup_of(page):
    lk = Lookup()
    for u in page["includes"]["users"]:
        lk.add_user(u)
    for t in page["includes"].get("tweets", []) + page["data"]:
        lk.add_tweet(t)
    return lk


# -- the edge rules, one by one ---------------------------------------------------------------------


def test_reply_target_uses_in_reply_to_user_id(page1):
    assert reply_target(tweet_by_id(page1, "2002"), lookup_of(page1)) == "x:1002"


def test_reply_target_falls_back_on_replied_to_tweet_author(page1):
    t = dict(tweet_by_id(page1, "2002"))
    del t["in_reply_to_user_id"]
    assert reply_target(t, lookup_of(page1)) == "x:1002"
    assert reply_target(t, Lookup()) is None  # the replied-to tweet is unknown


def test_reply_target_none_for_original_tweet(page1):
    assert reply_target(tweet_by_id(page1, "2001"), lookup_of(page1)) is None


def test_repost_target_is_reposted_tweets_author(page1):
    assert repost_target(tweet_by_id(page1, "2003"), lookup_of(page1)) == "x:1002"


def test_repost_target_from_rt_prefix_when_tweet_missing(page1):
    lk = lookup_of(page1)
    assert repost_target(tweet_by_id(page1, "2005"), lk) == "x:@gone_user"
    assert lk.handles == {"gone_user": "gone_user"}


def test_repost_target_rt_prefix_resolves_known_username(page1):
    t = {"text": "RT @ANN_DEV: hello", "referenced_tweets": [{"type": "retweeted", "id": "424242"}]}
    assert repost_target(t, lookup_of(page1)) == "x:1002"


def test_quote_target(page1):
    assert quote_target(tweet_by_id(page1, "2004"), lookup_of(page1)) == "x:1003"
    assert quote_target(tweet_by_id(page1, "2004"), Lookup()) is None
    assert quote_target(tweet_by_id(page1, "2001"), lookup_of(page1)) is None


def test_mentions_resolve_ids_usernames_and_unknown_handles(page1):
    lk = lookup_of(page1)
    assert mention_targets(tweet_by_id(page1, "2001"), lk) == ["x:1001", "x:@ghost_user"]


def test_reply_prefix_mention_of_replied_to_user_is_not_a_mention(page1):
    # "@ann_dev @acme agreed, and see what @Cyd wrote", replying to ann_dev:
    # ann_dev is the reply edge; acme (also in the prefix) and Cyd (by username) stay.
    lk = lookup_of(page1)
    t = tweet_by_id(page1, "2002")
    assert mention_targets(t, lk, replied_to="x:1002") == ["x:1001", "x:1004"]
    assert edges_of_tweet(t, lk) == [("reply", "x:1002"), ("mention", "x:1001"), ("mention", "x:1004")]


def test_replied_to_user_mentioned_in_body_still_counts():
    t = {
        "text": "@ann thanks — and everyone follow @ann",
        "in_reply_to_user_id": "1",
        "entities": {"mentions": [{"username": "ann", "id": "1"}]},
    }
    # The one mention entity of ann is also in the prefix: the reply edge covers it.
    assert edges_of_tweet(t, Lookup()) == [("reply", "x:1")]
    t["text"] = "thanks @ann"  # no prefix (e.g. a self-thread style reply)
    assert edges_of_tweet(t, Lookup()) == [("reply", "x:1"), ("mention", "x:1")]


def test_repost_yields_only_the_repost_edge(page1):
    # The RT's mentions (acme, ghost_user) are the original author's, not the reposter's.
    assert edges_of_tweet(tweet_by_id(page1, "2003"), lookup_of(page1)) == [("repost", "x:1002")]


def test_repost_of_unknown_author_yields_nothing():
    t = {"text": "no prefix", "referenced_tweets": [{"type": "retweeted", "id": "9"}]}
    assert edges_of_tweet(t, Lookup()) == []


def test_self_reply_is_kept(page1):
    assert edges_of_tweet(tweet_by_id(page1, "2006"), lookup_of(page1)) == [("reply", "x:1002")]


def test_duplicate_mentions_counted_once():
    t = {"text": "@a @a hi", "entities": {"mentions": [{"username": "a", "id": "1"}, {"username": "a", "id": "1"}]}}
    assert mention_targets(t, Lookup()) == ["x:1"]


def test_topics_hashtags_and_cashtags(page1):
    assert tweet_topics(tweet_by_id(page1, "2001")) == ("acme", "$acme")
    assert tweet_topics({"entities": "garbage"}) == ()


def test_resolve_user_rejects_garbage():
    lk = Lookup()
    assert resolve_user(None, "not a handle!", lk) is None
    assert resolve_user(None, None, lk) is None
    assert resolve_user(True, None, lk) is None
    assert resolve_user(123, None, lk) == "x:123"


# -- pages, tweets, users ----------------------------------------------------------------------------


def test_parse_v2_page_fixture(page1):
    p = parse_v2_page(page1)
    assert p.posts == 6  # 7 tweets, one without created_at
    assert p.errors == ["tweet 2007: no created_at (request tweet.fields=created_at)"]
    assert p.api_errors == 1
    assert p.newest_id == 2006
    assert edge_set(p.interactions) == {
        ("2001", "mention", "x:1002", "x:1001"),
        ("2001", "mention", "x:1002", "x:@ghost_user"),
        ("2002", "reply", "x:1003", "x:1002"),
        ("2002", "mention", "x:1003", "x:1001"),
        ("2002", "mention", "x:1003", "x:1004"),
        ("2003", "repost", "x:1004", "x:1002"),
        ("2004", "quote", "x:1005", "x:1003"),
        ("2005", "repost", "x:1005", "x:@gone_user"),
        ("2006", "reply", "x:1002", "x:1002"),
    }
    by_key = {a.key: a for a in p.accounts}
    assert by_key["x:1001"].handle == "acme"
    assert by_key["x:1001"].followers == 120000
    assert by_key["x:1001"].url == "https://acme.example"  # expanded, not t.co
    assert by_key["x:1001"].verified is True
    assert by_key["x:@ghost_user"].handle == "ghost_user"
    assert by_key["x:@gone_user"].handle == "gone_user"


def test_interaction_evidence(page1):
    p = parse_v2_page(page1)
    e = next(i for i in p.interactions if i.post_id == "2001" and i.target == "x:1001")
    assert e.platform == "x"
    assert e.at == datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    assert e.text.startswith("Loving the new #Acme")
    assert e.topics == ("acme", "$acme")
    assert e.lang == "en"
    assert e.weight == 1.0


def test_referenced_tweets_in_includes_are_parsed_once(page1):
    p = parse_v2_page(page1)
    # 2001 and 2002 are both in data and includes.tweets: no extra interactions.
    assert len(p.interactions) == len(edge_set(p.interactions))
    assert p.referenced == 0


def test_referenced_tweet_only_in_includes_yields_its_authors_edges():
    page = {
        "data": [{"id": "2", "author_id": "20", "created_at": "2024-01-01T00:00:00Z", "text": "RT @a: @b hi",
                  "referenced_tweets": [{"type": "retweeted", "id": "1"}]}],
        "includes": {"tweets": [{"id": "1", "author_id": "10", "created_at": "2023-12-31T00:00:00Z",
                                 "text": "@b hi", "entities": {"mentions": [{"username": "b", "id": "30"}]}}]},
    }
    p = parse_v2_page(page)
    assert edge_set(p.interactions) == {("2", "repost", "x:20", "x:10"), ("1", "mention", "x:10", "x:30")}
    assert (p.posts, p.referenced) == (1, 1)


def test_stream_page_with_single_tweet_object():
    page = {"data": {"id": "5", "author_id": "1", "created_at": "2024-01-01T00:00:00Z", "text": "hi @x",
                     "entities": {"mentions": [{"username": "x", "id": "2"}]}},
            "matching_rules": [{"id": 1, "tag": None}]}
    assert edge_set(parse_v2_page(page).interactions) == {("5", "mention", "x:1", "x:2")}


def test_users_page_gives_accounts_only():
    page = {"data": [{"id": "7", "username": "seven", "public_metrics": {"followers_count": 3}}]}
    p = parse_v2_page(page)
    assert (p.users, p.posts, p.interactions) == (1, 0, [])
    assert [a.key for a in p.accounts] == ["x:7"]


def test_page_with_bad_types_raises_record_error():
    with pytest.raises(RecordError):
        parse_v2_page({"data": "nope"})
    with pytest.raises(RecordError):
        parse_v2_page({"data": [], "includes": []})


def test_flattened_tweets_match_the_page_parse(page1):
    lines = read_jsonl(FIX / "x_v2_flat.jsonl")
    got = set()
    for line in lines:
        got |= edge_set(parse_v2_tweet(line).interactions)
    want = edge_set(parse_v2_page(page1).interactions)
    assert got <= want
    assert ("2002", "reply", "x:1003", "x:1002") in got
    assert ("2003", "repost", "x:1004", "x:1002") in got  # via referenced_tweets[].tweet
    assert ("2001", "mention", "x:1002", "x:1001") in got  # the inlined referenced tweet


def test_flattened_tweet_accounts_come_from_inlined_users():
    p = parse_v2_tweet(read_jsonl(FIX / "x_v2_flat.jsonl")[0])
    keys = {a.key: a for a in p.accounts}
    assert keys["x:1003"].handle == "bob_ops"  # author
    assert keys["x:1004"].followers == 75  # an inlined mention carries the profile


def test_plain_v2_tweet_without_includes():
    t = read_jsonl(FIX / "x_v2_tweets.jsonl")
    p = parse_x_record(t[0])
    assert edge_set(p.interactions) == {("1995", "mention", "x:1006", "x:1005"), ("1995", "mention", "x:1006", "x:1001")}
    q = parse_x_record(t[1])  # a quote whose quoted tweet is not in the record
    assert q.interactions == [] and q.unresolved == 1


def test_v1_tweets():
    tweets = read_jsonl(FIX / "x_v1_tweets.jsonl")
    got = set()
    for t in tweets:
        got |= edge_set(parse_v1_tweet(t).interactions)
    assert got == {
        ("3001", "mention", "x:1002", "x:1003"),
        ("3002", "repost", "x:1006", "x:1002"),
        ("3003", "reply", "x:1003", "x:1002"),
        ("3003", "mention", "x:1003", "x:1004"),  # ann_dev is the reply prefix
        ("3004", "quote", "x:1005", "x:1002"),
    }


def test_v1_tweet_conversion_and_times():
    t = read_jsonl(FIX / "x_v1_tweets.jsonl")[2]
    v2, users, nested = v1_tweet_to_v2(t)
    assert v2["in_reply_to_user_id"] == "1002"
    assert v2["text"].startswith("@ann_dev congrats")  # full_text preferred
    assert v2["entities"]["cashtags"] == [{"tag": "ACME"}]
    assert [u.get("screen_name") for u in users] == ["bob_ops", "ann_dev"]
    p = parse_v1_tweet(t)
    assert p.interactions[0].at == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert p.interactions[0].topics == ("$acme",)


def test_v1_retweet_parses_the_original_as_referenced():
    p = parse_v1_tweet(read_jsonl(FIX / "x_v1_tweets.jsonl")[1])
    assert (p.posts, p.referenced) == (1, 1)
    assert {a.key for a in p.accounts} >= {"x:1006", "x:1002"}


def test_accounts_from_user_objects():
    a = account_from_v2_user(api_page("user_acme.json")["data"])
    assert (a.key, a.handle, a.name, a.followers, a.following, a.posts) == (
        "x:1001", "acme", "Acme Corp", 120000, 310, 8800)
    assert a.created_at == datetime(2015, 3, 1, 10, tzinfo=UTC)
    b = account_from_v1_user({"id_str": "5", "screen_name": "five", "friends_count": 2,
                              "created_at": "Mon Mar 02 10:00:00 +0000 2015"})
    assert (b.key, b.following, b.created_at.year) == ("x:5", 2, 2015)
    with pytest.raises(ValueError):
        account_from_v2_user({"username": "noid"})


def test_bad_profile_values_are_dropped_not_fatal():
    a = account_from_v2_user({"id": "1", "username": 5, "created_at": "garbage", "verified": "yes",
                              "public_metrics": {"followers_count": "many"}})
    assert (a.handle, a.created_at, a.verified, a.followers) == (None, None, None, None)


def test_parse_time():
    assert parse_time("2021-04-08T19:34:16.000Z") == datetime(2021, 4, 8, 19, 34, 16, tzinfo=UTC)
    assert parse_time("Wed Jul 09 00:08:39 +0000 2014") == datetime(2014, 7, 9, 0, 8, 39, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_time("yesterday")
    with pytest.raises(ValueError):
        parse_time(12)


@pytest.mark.parametrize(
    "obj, shape",
    [
        ({"data": []}, "v2_page"),
        ({"meta": {"result_count": 0}}, "v2_page"),
        ({"errors": [{"title": "x"}]}, "v2_page"),
        ({"id": "1", "text": "t"}, "v2_tweet"),
        ({"id": "1", "author_id": "2", "author": {}}, "v2_tweet"),
        ({"id": "1", "username": "u"}, "v2_user"),
        ({"id_str": "1", "text": "t", "user": {}}, "v1_tweet"),
        ({"id_str": "1", "screen_name": "u"}, "v1_user"),
        ({"uri": "https://api.twitter.com/1.1/x.json", "body": "[]"}, "wrapped"),
        ([], "list"),
        ({"hello": 1}, "unknown"),
        ("text", "unknown"),
    ],
)
def test_detect_shape(obj, shape):
    assert detect_shape(obj) == shape


def test_unknown_records_are_rejected_with_a_reason():
    with pytest.raises(RecordError, match="not an X record"):
        parse_x_record({"hello": 1})
    with pytest.raises(RecordError, match="not an X record"):
        parse_x_record(42)


def test_lists_and_recorded_responses_are_unwrapped():
    tweet = read_jsonl(FIX / "x_v1_tweets.jsonl")[0]
    rec = [{"uri": "https://api.twitter.com/1.1/statuses/x.json", "body": json.dumps([tweet])},
           {"uri": "u", "body": [tweet, {"bad": 1}]}]
    p = parse_x_record(rec)
    assert p.posts == 2
    assert len(p.errors) == 1 and "not an X record" in p.errors[0]


# -- the real samples -------------------------------------------------------------------------------------


def _parse_file(path):
    with open_input(path) as inp:
        return collect(iter_x_chunks(inp))


def test_real_flat_and_noflat_give_the_same_edges():
    flat = _parse_file(real_sample("x-api-v2/flat.jsonl"))
    noflat = _parse_file(real_sample("x-api-v2/noflat.jsonl"))
    assert flat[0] == noflat[0] == 100
    assert edge_set(flat[2]) == edge_set(noflat[2])
    assert len(edge_set(flat[2])) > 100
    assert flat[3] == noflat[3] == []


@pytest.mark.parametrize(
    "name", ["kpop.jsonl", "mentions_tweet.jsonl", "quoted_edit.jsonl", "two_tweets.jsonl", "noflat.jsonl"]
)
def test_real_v2_pages_parse_cleanly(name):
    read, accounts, interactions, errors, counts = _parse_file(real_sample(f"x-api-v2/{name}"))
    assert errors == []
    assert read == counts["posts"] > 0
    assert interactions
    assert all(a.platform == "x" for a in accounts)
    kinds = Counter(e.kind for e in interactions)
    assert set(kinds) <= {"mention", "reply", "repost", "quote"}


def test_real_quoted_edit_is_a_quote_and_a_reply_without_prefix_mention():
    _, _, interactions, _, _ = _parse_file(real_sample("x-api-v2/quoted_edit.jsonl"))
    primary = {(e.kind, e.target) for e in interactions if e.post_id == "1576995594388000768"}
    assert primary == {("reply", "x:337119125"), ("quote", "x:337119125")}


def test_real_retweet_mentions_are_not_the_retweeters():
    _, _, interactions, _, _ = _parse_file(real_sample("x-api-v2/mentions_tweet.jsonl"))
    rt = [(e.kind, e.target) for e in interactions if e.post_id == "1589681856941002753"]
    assert rt == [("repost", "x:1221317221714157569")]


def test_real_stream_file_reports_the_malformed_last_line():
    path = real_sample("x-api-v2/streaming_output_with_error.jsonl")
    read, _, interactions, errors, _ = _parse_file(path)
    assert read == 7
    assert len(errors) == 1
    assert errors[0].startswith(f"{path}:8: invalid JSON")
    assert interactions


def test_real_users_file_gives_accounts():
    read, accounts, _, errors, counts = _parse_file(real_sample("x-api-v2/users.jsonl"))
    assert counts["users"] == read == 96 and errors == []
    assert len({a.key for a in accounts}) >= 96


@pytest.mark.parametrize("name, posts", [("testgetretweets.json", 15), ("testhometimeline.json", 19)])
def test_real_v11_recorded_responses(name, posts):
    read, accounts, interactions, errors, counts = _parse_file(real_sample(f"x-api-v1.1/{name}"))
    assert errors == []
    assert counts["posts"] == posts
    assert all(a.key.startswith("x:") for a in accounts)
    if name == "testgetretweets.json":
        # 15 retweets of one tweet (itself a retweet of @TwitterEng by @Twitter)
        reposts = {e.target for e in interactions if e.kind == "repost" and e.source != "x:783214"}
        assert reposts == {"x:783214"}


# -- fast paths ------------------------------------------------------------------------------------


def test_fast_account_equals_a_validated_account():
    from graph.model import Account

    user = api_page("user_acme.json")["data"]
    fast = account_from_v2_user(user)
    slow = Account("x", "1001", handle="acme", name="Acme Corp", followers=120000, following=310,
                   posts=8800, created_at=datetime(2015, 3, 1, 10, tzinfo=UTC), verified=True,
                   bio="We make everything.", url="https://acme.example")
    assert fast == slow
    odd = account_from_v2_user({"id": " 7 ", "username": " @Odd ", "created_at": "2020-01-01T02:00:00+02:00"})
    assert (odd.platform_id, odd.handle, odd.created_at) == ("7", "Odd", datetime(2020, 1, 1, tzinfo=UTC))


def test_edges_are_valid_interactions(page1):
    for edge in parse_v2_page(page1).interactions:
        assert edge.to_interaction().identity == (edge.platform, edge.post_id, edge.kind, edge.target)


def test_seen_users_skip_identical_repeats_only():
    from ingest.x_parse import SeenUsers

    page = api_page("search_page2.json")
    seen = SeenUsers()
    first = parse_v2_page(page, seen)
    again = parse_v2_page(page, seen)
    assert {a.key for a in first.accounts} == {"x:1001", "x:1005", "x:1006"}
    assert again.accounts == [] and again.interactions == first.interactions
    page = json.loads(json.dumps(page))  # a freshly decoded page, as in a real run
    page["includes"]["users"][0]["public_metrics"]["followers_count"] += 1
    changed = parse_v2_page(page, seen)
    assert [a.key for a in changed.accounts] == [f"x:{page['includes']['users'][0]['id']}"]
    tiny = SeenUsers(limit=1)
    assert not tiny.is_repeat("1", {"a": 1}) and tiny.is_repeat("1", {"a": 1})
    assert not tiny.is_repeat("2", {"a": 1})  # over the limit: forgets, never wrongly skips
    assert not tiny.is_repeat("1", {"a": 1})


def test_ingest_never_imports_ranking_or_streamlit():
    import subprocess
    import sys

    code = (
        "import sys, ingest, ingest.x_api, ingest.jsonl, ingest.csv_edges, ingest.people, "
        "ingest.pipeline, ingest.progress, ingest.synthetic, ui.cli_ingest\n"
        "bad = [m for m in sys.modules if m.startswith(('streamlit', 'graph.rank', 'graph.scoring',"
        " 'graph.centrality', 'graph.community', 'ui.cli_rank'))]\n"
        "assert not bad, bad"
    )
    from tests.conftest import REPO

    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
