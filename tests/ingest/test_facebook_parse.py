"""Facebook Pages: Graph API comment pages (fixtures of the documented shape) → records."""

from __future__ import annotations

import doctest
import json

import ingest.facebook
from ingest.facebook import FacebookParser, graph_time
from tests.conftest import FIXTURES
from tests.ingest.conftest import collect

FB = FIXTURES / "ingest" / "facebook"
PAGE = "104830475231234"


def page(name: str) -> dict:
    return json.loads((FB / name).read_text())


def test_doctests():
    assert doctest.testmod(ingest.facebook).failed == 0


def test_comments_go_to_the_page_and_replies_to_the_parent_author():
    parser = FacebookParser(PAGE, "Acme Analytics")
    read, accounts, edges, errors, counts = collect(
        parser.parse_comments(page(n), f"{n}:1") for n in ("comments_page1.json", "comments_page2.json"))
    got = [(e.post_id, e.kind, e.source, e.target) for e in edges]
    assert got == [
        ("712345678901234_1000001", "comment", "facebook:5551234567890", f"facebook:{PAGE}"),
        ("712345678901234_1000002", "reply", f"facebook:{PAGE}", "facebook:5551234567890"),
        ("712345678901234_1000004", "reply", "facebook:5559876543210", "facebook:5551234567890"),
        ("712345678901234_1000005", "comment", "facebook:5559876543210", f"facebook:{PAGE}"),
    ]
    assert edges[0].topics == ("acme", "observability")
    assert counts["hidden_authors"] == 1  # a comment without "from"
    assert errors == ["comments_page2.json:1: comment 3: unreadable created_time 'yesterday'"]
    names = {a.platform_id: a.name for a in accounts if a.name}
    assert names["5559876543210"] == "Tomás Ortega" and names[PAGE] == "Acme Analytics"
    assert parser.newest == graph_time("2024-05-02T11:21:00+0000")


def test_reply_to_a_parent_without_from_uses_what_was_read():
    parser = FacebookParser(PAGE)
    parser.parse_comments(page("comments_page1.json"), "p1")
    reply = {"data": [{"id": "712345678901234_1000009", "from": {"id": "777", "name": "Kim"},
                       "message": "same", "created_time": "2024-05-03T00:00:00+0000",
                       "parent": {"id": "712345678901234_1000001"}}]}
    (edge,) = parser.parse_comments(reply, "p3").interactions
    assert (edge.kind, edge.target) == ("reply", "facebook:5551234567890")
    hidden = {"data": [{"id": "1_2", "from": {"id": "778"}, "created_time": "2024-05-03T00:00:00+0000",
                        "parent": {"id": "1_1"}}]}
    chunk = parser.parse_comments(hidden, "p4")
    assert chunk.interactions == [] and chunk.counts["hidden_parents"] == 1


def test_posts_and_malformed_pages():
    ids, errors = FacebookParser(PAGE).parse_posts(page("posts.json"), "posts:1")
    assert ids == [f"{PAGE}_712345678901234", f"{PAGE}_712345678905555"] and errors == []
    chunk = FacebookParser(PAGE).parse_comments({"error": {"message": "x"}}, "bad:1")
    assert chunk.errors == ["bad:1: not a Graph API page (no data list)"]
    assert FacebookParser(PAGE).parse_comments(page("comments_empty.json"), "e:1").read == 0
