"""The Reddit parser on real recorded API responses (praw's cassettes, see shared/real-samples)."""

from __future__ import annotations

import doctest
import json
from collections import Counter

import ingest.reddit_parse
from ingest.raw_archive import archive_record
from ingest.records import Parsed
from ingest.reddit_parse import RedditState, account_id, mentioned_names, parse_response
from tests.ingest.conftest import real_sample


def bodies(name: str) -> list[dict]:
    return json.loads(real_sample(f"reddit/bodies/{name}").read_text())


def parse_all(state: RedditState, records: list[dict]) -> Parsed:
    total = Parsed()
    for r in records:
        total.extend(parse_response(archive_record(r["body"], {"call": "listing"}), state))
    return total


def test_doctests():
    assert doctest.testmod(ingest.reddit_parse).failed == 0


def _tree_things(tree_body) -> dict:
    things = {}

    def walk(listing):
        for c in listing["data"]["children"]:
            if c["kind"] == "t1":
                things[c["data"]["name"]] = c["data"]
                if c["data"]["replies"]:
                    walk(c["data"]["replies"])

    walk(tree_body[1])
    things["t3_3hahrw"] = tree_body[0]["data"]["children"][0]["data"]
    return things


def test_comment_tree_replies_go_to_the_parent_author():
    tree = next(r for r in bodies("TestMore.test_comments.json") if r["method"] == "GET")
    parsed = RedditState().parse(tree["body"])
    assert parsed.errors == []
    assert parsed.counts["submissions"] == 1 and parsed.counts["comments"] == 476
    assert parsed.posts == 477
    # 16 comments by deleted accounts; 18 stubs, 12 of which hold ids ("continue" ones do not)
    assert parsed.counts["deleted"] == 16 and parsed.counts["more"] == 12
    replies = {e.post_id: e for e in parsed.interactions if e.kind == "reply"}
    top = replies["t1_cu5pebp"]  # a top-level comment replies to the submission's author
    assert (top.source, top.target) == ("reddit:johnnwho", "reddit:your_local_librarian")
    assert top.topics == ("funny",) and top.at.year == 2015
    things = _tree_things(tree["body"])
    for pid, e in replies.items():
        parent = things[things[pid]["parent_id"]]
        assert e.target == "reddit:" + parent["author"].lower()
        assert e.source == "reddit:" + things[pid]["author"].lower()
    # every comment is accounted for: an edge, a deleted author or parent, or a self-reply
    c = parsed.counts
    assert len(replies) + c["deleted"] + c.get("reply_to_deleted", 0) + c.get("self_replies", 0) == 476
    assert not any(e.source == e.target for e in parsed.interactions)
    assert all(a.platform == "reddit" and a.platform_id == a.handle.lower() for a in parsed.accounts)
    assert parsed.newest_id > "2015-08-17"  # a time cursor (ingest.records.time_cursor)


def test_morechildren_answers_resolve_against_the_tree():
    records = bodies("TestMore.test_comments.json")
    tree = next(r for r in records if r["method"] == "GET")
    more = next(r for r in records if r["method"] == "POST")
    state = RedditState()
    state.parse(tree["body"])
    parsed = state.parse(more["body"])
    assert parsed.errors == [] and parsed.counts["comments"] == 7
    c = parsed.counts
    assert len(parsed.interactions) + c.get("reply_to_deleted", 0) + c.get("self_replies", 0) == 7
    assert state.unresolved() == []


def test_a_reply_whose_parent_comes_later_waits_for_it():
    records = bodies("TestMore.test_comments.json")
    tree = next(r for r in records if r["method"] == "GET")
    more = next(r for r in records if r["method"] == "POST")
    state = RedditState()
    first = state.parse(more["body"])  # before the tree: parents unknown
    assert first.interactions == [] and state.unresolved()
    second = state.parse(tree["body"])
    names = {t["data"]["name"] for t in more["body"]["json"]["data"]["things"]}
    late = {e.post_id for e in second.interactions} & names
    assert late and second.counts["replies_resolved"] == first.counts["replies_waiting"]
    assert state.unresolved() == []


def test_comment_listing_uses_link_author_and_leaves_unknown_parents_waiting():
    state = RedditState()
    parsed = parse_all(state, bodies("TestSubredditListings.test_comments.json"))
    assert parsed.errors == [] and parsed.counts["comments"] == 100
    replies = [e for e in parsed.interactions if e.kind == "reply"]
    assert replies and all(e.topics == ("askreddit",) for e in replies)
    listing = bodies("TestSubredditListings.test_comments.json")[0]["body"]
    by_name = {c["data"]["name"]: c["data"] for c in listing["data"]["children"]}
    for e in replies:
        data = by_name[e.post_id]
        assert data["parent_id"].startswith("t3_")
        assert e.target == "reddit:" + data["link_author"].lower()
    waiting = sum(1 for d in by_name.values() if d["parent_id"].startswith("t1_")
                  and account_id(d["author"]))
    assert parsed.counts["replies_waiting"] == waiting > 0
    assert len(state.unresolved()) == len({d["parent_id"] for d in by_name.values()
                                           if d["parent_id"].startswith("t1_") and account_id(d["author"])})


def test_context_chain_trusts_parent_id():
    records = bodies("TestComment.test_parent__chain.json")
    # The cassette scrubbed every author to "<USERNAME>", which is no Reddit name: nothing
    # can be attributed, and the parser says so instead of inventing an account.
    parsed = parse_all(RedditState(), records)
    assert parsed.errors == [] and parsed.interactions == []
    assert parsed.counts["deleted"] == parsed.posts
    # Give each thing an author named after its id (in memory): the chain, nested 10 deep and
    # starting below the root (context=100), then links each comment to its parent.
    for rec in records:
        for thing in _all_things(rec["body"]):
            thing["author"] = "u_" + thing["id"]
    parsed = parse_all(RedditState(), records)
    assert parsed.errors == []
    info = records[0]["body"]["data"]["children"][0]["data"]
    replies = {e.post_id: e for e in parsed.interactions if e.kind == "reply"}
    assert replies[info["name"]].target == "reddit:u_" + info["parent_id"][3:]
    assert all(e.source == "reddit:u_" + e.post_id[3:] for e in replies.values())
    assert len(replies) >= 10


def _all_things(body):
    if isinstance(body, list):
        for b in body:
            yield from _all_things(b)
    elif isinstance(body, dict):
        if body.get("kind") == "Listing":
            for c in body["data"]["children"]:
                yield from _all_things(c)
        elif body.get("kind") in ("t1", "t3"):
            yield body["data"]
            if isinstance(body["data"].get("replies"), dict):
                yield from _all_things(body["data"]["replies"])


def test_submission_listing_has_no_reply_edges_but_records_authors():
    state = RedditState()
    parsed = parse_all(state, bodies("TestSubredditListings.test_new.json"))
    assert parsed.counts["submissions"] == 100 and parsed.errors == []
    assert all(e.kind == "mention" for e in parsed.interactions)
    assert len(state.authors) == 100
    assert parsed.newest_id.startswith("2016-")


def test_mentions_and_identity_rules():
    assert mentioned_names("cc /u/Ann_1 and u/bob-2 (also u/ann_1), not you/u/x") == ["Ann_1", "bob-2"]
    assert account_id("[deleted]") is None and account_id("Bob-2") == "bob-2"
    comment = {"kind": "t1", "data": {"name": "t1_a", "author": "Zed", "parent_id": "t3_p",
                                      "link_author": "Ann_1", "link_id": "t3_p", "subreddit": "Python",
                                      "created_utc": 1700000000.0, "body": "thanks u/Ann_1 and u/Cyd"}}
    parsed = RedditState().parse({"kind": "Listing", "data": {"children": [comment]}})
    kinds = Counter((e.kind, e.target) for e in parsed.interactions)
    assert kinds == Counter({("reply", "reddit:ann_1"): 1, ("mention", "reddit:ann_1"): 1,
                             ("mention", "reddit:cyd"): 1})
    assert {a.handle for a in parsed.accounts} >= {"Zed", "Ann_1", "Cyd"}


def test_malformed_responses_are_reported_not_raised():
    parsed = RedditState().parse([{"kind": "Listing", "data": {}}, {"kind": "t1", "data": {"name": "t1_x"}},
                                  {"no": "kind"}, 7])
    assert parsed.errors == ["a Listing without children", "t1_x: no created_utc",
                             "not a Reddit thing (no kind)", "not a Reddit response (a int)"]
    assert parsed.interactions == []
