"""The Reddit parser on real recorded API responses (praw's cassettes, see shared/real-samples)."""

from __future__ import annotations

import doctest
import json
from collections import Counter

import ingest.reddit
from ingest.reddit import RedditParser, account_id, mentioned_names
from tests.ingest.conftest import collect, real_sample


def bodies(name: str) -> list[dict]:
    return json.loads(real_sample(f"reddit/bodies/{name}").read_text())


def parse_all(parser: RedditParser, records: list[dict], label: str):
    return [parser.parse(r["body"], f"{label}:{i}") for i, r in enumerate(records, 1)]


def test_doctests():
    assert doctest.testmod(ingest.reddit).failed == 0


def test_comment_tree_replies_go_to_the_parent_author():
    records = bodies("TestMore.test_comments.json")
    tree = next(r for r in records if r["method"] == "GET")
    parser = RedditParser()
    read, accounts, edges, errors, counts = collect([parser.parse(tree["body"], "tree:1")])
    assert errors == []
    assert counts["submissions"] == 1 and counts["comments"] == 476
    # 16 comments by deleted accounts; 17 stubs, of which 12 hold children ("continue" ones do not)
    assert counts["deleted"] == 16 and counts["more"] == 12
    replies = {e.post_id: e for e in edges if e.kind == "reply"}
    # A top-level comment replies to the submission's author.
    top = replies["t1_cu5pebp"]
    assert (top.source, top.target) == ("reddit:johnnwho", "reddit:your_local_librarian")
    assert top.topics == ("funny",) and top.at.year == 2015
    # Every reply's target is its parent's author, found through parent_id.
    things = {}

    def walk(listing):
        for c in listing["data"]["children"]:
            if c["kind"] == "t1":
                things[c["data"]["name"]] = c["data"]
                if c["data"]["replies"]:
                    walk(c["data"]["replies"])

    walk(tree["body"][1])
    things["t3_3hahrw"] = tree["body"][0]["data"]["children"][0]["data"]
    for pid, e in replies.items():
        parent = things[things[pid]["parent_id"]]
        assert e.target == "reddit:" + parent["author"].lower()
        assert e.source == "reddit:" + things[pid]["author"].lower()
    assert not any(e.source == e.target for e in edges)
    assert all(a.platform == "reddit" and a.platform_id == a.handle.lower() for a in accounts)


def test_morechildren_answers_resolve_against_the_tree():
    records = bodies("TestMore.test_comments.json")
    tree = next(r for r in records if r["method"] == "GET")
    more = next(r for r in records if r["method"] == "POST")
    parser = RedditParser()
    parser.parse(tree["body"], "tree:1")
    chunk = parser.parse(more["body"], "more:1")
    assert chunk.errors == [] and chunk.counts["comments"] == 7
    assert len([e for e in chunk.interactions if e.kind == "reply"]) + chunk.counts.get(
        "reply_to_deleted", 0) + chunk.counts.get("self_replies", 0) == 7
    assert parser.unresolved() == []


def test_a_reply_whose_parent_comes_later_waits_for_it():
    records = bodies("TestMore.test_comments.json")
    tree = next(r for r in records if r["method"] == "GET")
    more = next(r for r in records if r["method"] == "POST")
    parser = RedditParser()
    first = parser.parse(more["body"], "more:1")  # before the tree: parents unknown
    assert first.interactions == [] and parser.unresolved()
    second = parser.parse(tree["body"], "tree:1")
    late = {e.post_id for e in second.interactions} & {t["data"]["name"] for t in more["body"]["json"]["data"]["things"]}
    assert late  # written once their parents were read
    assert parser.unresolved() == []


def test_comment_listing_uses_link_author_and_counts_unknown_parents():
    parser = RedditParser()
    chunks = parse_all(parser, bodies("TestSubredditListings.test_comments.json"), "comments")
    read, _, edges, errors, counts = collect([*chunks, parser.finish()])
    assert errors == [] and counts["comments"] == 100
    top_level = [e for e in edges if e.kind == "reply"]
    assert top_level and all(e.topics == ("askreddit",) for e in top_level)
    listing = bodies("TestSubredditListings.test_comments.json")[0]["body"]
    by_name = {c["data"]["name"]: c["data"] for c in listing["data"]["children"]}
    for e in top_level:
        data = by_name[e.post_id]
        assert data["parent_id"].startswith("t3_")
        assert e.target == "reddit:" + data["link_author"].lower()
    waiting = sum(1 for d in by_name.values() if d["parent_id"].startswith("t1_"))
    assert counts["unresolved_parents"] == waiting > 0


def test_context_chain_trusts_parent_id():
    records = bodies("TestComment.test_parent__chain.json")
    # The cassette scrubbed every author to "<USERNAME>", which is no Reddit name: nothing
    # can be attributed, and the parser says so instead of inventing an account.
    parser = RedditParser()
    read, _, edges, errors, counts = collect(parse_all(parser, records, "chain"))
    assert errors == [] and edges == [] and counts["deleted"] == counts["comments"] + counts["submissions"]
    # Give each thing an author named after its id (in memory): the chain, nested 10 deep
    # and starting below the root (context=100), then links each comment to its parent.
    text = json.dumps(records)
    for rec in records:
        for thing in _all_things(rec["body"]):
            thing["author"] = "u_" + thing["id"]
    parser = RedditParser()
    _, _, edges, errors, _ = collect(parse_all(parser, records, "chain"))
    assert errors == [] and "<USERNAME>" in text
    info = records[0]["body"]["data"]["children"][0]["data"]
    replies = {e.post_id: e for e in edges if e.kind == "reply"}
    assert replies[info["name"]].target == "reddit:u_" + info["parent_id"][3:]
    for e in replies.values():
        assert e.source == "reddit:u_" + e.post_id[3:]
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


def test_submission_listing_has_no_edges_but_records_authors():
    parser = RedditParser()
    (chunk,) = parse_all(parser, bodies("TestSubredditListings.test_new.json"), "new")
    assert chunk.counts["submissions"] == 100 and chunk.errors == []
    assert all(e.kind == "mention" for e in chunk.interactions)
    assert len(parser.authors) == 100
    assert parser.newest is not None and parser.newest.year == 2016


def test_mentions_and_identity_rules():
    assert mentioned_names("cc /u/Ann_1 and u/bob-2 (also u/ann_1), not e-mail u/x") == ["Ann_1", "bob-2"]
    assert account_id("[deleted]") is None and account_id("Bob-2") == "bob-2"
    comment = {"kind": "t1", "data": {"name": "t1_a", "author": "Zed", "parent_id": "t3_p",
                                      "link_author": "Ann_1", "link_id": "t3_p", "subreddit": "Python",
                                      "created_utc": 1700000000.0, "body": "thanks u/Ann_1 and u/Cyd"}}
    chunk = RedditParser().parse({"kind": "Listing", "data": {"children": [comment]}}, "x:1")
    kinds = Counter((e.kind, e.target) for e in chunk.interactions)
    assert kinds == Counter({("reply", "reddit:ann_1"): 1, ("mention", "reddit:ann_1"): 1,
                             ("mention", "reddit:cyd"): 1})
    assert {a.handle for a in chunk.accounts} >= {"Zed", "Ann_1", "Cyd"}


def test_malformed_responses_are_reported_not_raised():
    parser = RedditParser()
    chunk = parser.parse([{"kind": "Listing", "data": {}}, {"kind": "t1", "data": {"name": "t1_x"}},
                          {"no": "kind"}, 7], "bad.jsonl:3")
    assert len(chunk.errors) == 4
    assert all(m.startswith("bad.jsonl:3: ") for m in chunk.errors)
    assert chunk.interactions == []
