"""Facebook Pages: Graph API comment pages (fixtures of the documented shape) → records."""

from __future__ import annotations

import doctest
import json

import ingest.facebook_parse
from ingest.facebook_parse import FacebookState, graph_time, parse_response, post_ids
from ingest.raw_archive import archive_record
from ingest.records import Parsed
from tests.conftest import FIXTURES

FB = FIXTURES / "ingest" / "facebook"
PAGE = "104830475231234"


def page(name: str) -> dict:
    return json.loads((FB / name).read_text())


def test_doctests():
    assert doctest.testmod(ingest.facebook_parse).failed == 0


def test_comments_go_to_the_page_and_replies_to_the_parent_author():
    state = FacebookState()
    total = parse_response(archive_record({"id": PAGE, "name": "Acme Analytics", "followers_count": 1200},
                                          {"call": "page"}), state)
    for n in ("comments_page1.json", "comments_page2.json"):
        total.extend(parse_response(archive_record(page(n), {"call": "comments", "page_id": PAGE}), state))
    got = [(e.post_id, e.kind, e.source, e.target) for e in total.interactions]
    assert got == [
        ("712345678901234_1000001", "comment", "facebook:5551234567890", f"facebook:{PAGE}"),
        ("712345678901234_1000002", "reply", f"facebook:{PAGE}", "facebook:5551234567890"),
        ("712345678901234_1000004", "reply", "facebook:5559876543210", "facebook:5551234567890"),
        ("712345678901234_1000005", "comment", "facebook:5559876543210", f"facebook:{PAGE}"),
    ]
    assert total.interactions[0].topics == ("acme", "observability")
    assert total.counts["hidden_authors"] == 1  # a comment without "from"
    assert total.errors == ["comment 3: unreadable created_time 'yesterday'"]
    names = {a.platform_id: a.name for a in total.accounts if a.name}
    assert names["5559876543210"] == "Tomás Ortega" and names[PAGE] == "Acme Analytics"
    assert next(a for a in total.accounts if a.platform_id == PAGE).followers == 1200
    assert total.newest_id == "2024-05-02T11:21:00.000000Z"
    assert graph_time("2024-05-02T11:21:00+0000").hour == 11


def test_reply_to_a_parent_without_from_uses_what_was_read():
    state = FacebookState(page_id=PAGE)
    state.parse_comments(page("comments_page1.json"))
    reply = {"data": [{"id": "712345678901234_1000009", "from": {"id": "777", "name": "Kim"},
                       "message": "same", "created_time": "2024-05-03T00:00:00+0000",
                       "parent": {"id": "712345678901234_1000001"}}]}
    (edge,) = state.parse_comments(reply).interactions
    assert (edge.kind, edge.target) == ("reply", "facebook:5551234567890")
    hidden = {"data": [{"id": "1_2", "from": {"id": "778"}, "created_time": "2024-05-03T00:00:00+0000",
                        "parent": {"id": "1_1"}}]}
    out = state.parse_comments(hidden)
    assert out.interactions == [] and out.counts["hidden_parents"] == 1


def test_posts_and_malformed_pages():
    assert post_ids(page("posts.json")) == [f"{PAGE}_712345678901234", f"{PAGE}_712345678905555"]
    out = FacebookState(page_id=PAGE).parse_comments({"error": {"message": "x"}})
    assert out.errors == ["not a Graph API page (no data list)"]
    assert FacebookState(page_id=PAGE).parse_comments(page("comments_empty.json")).posts == 0
    assert isinstance(parse_response(archive_record(page("posts.json"), {"call": "posts"}),
                                     FacebookState()), Parsed)
