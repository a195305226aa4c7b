"""The blog parsers: real RSS/Atom feeds (shared/real-samples/rss) and WordPress comment pages."""

from __future__ import annotations

import doctest
import json

import pytest

import ingest.feeds
from graph.errors import InputError
from ingest.feeds import FeedParser, SiteIndex, html_links, parse_feed, site_id
from tests.conftest import FIXTURES
from tests.ingest.conftest import collect, real_sample

WP = FIXTURES / "ingest" / "wordpress"


def feed(name: str):
    path = real_sample(f"rss/{name}")
    return parse_feed(path.read_bytes(), None), path.name


def test_doctests():
    assert doctest.testmod(ingest.feeds).failed == 0


def test_links_between_blogs_and_to_the_company():
    parsed, name = feed("feed-rs/rss_2.0_cloudflare.xml")
    index = SiteIndex.of(["https://www.troyhunt.com/"], ["cloudflare.com"])
    parser = FeedParser(index=index)
    chunk = parser.parse_feed(parsed, name)
    assert chunk.errors == [] and chunk.read == 1
    links = {(e.source, e.target) for e in chunk.interactions}
    # the post links to troyhunt.com (a blog of the list) and to www/developers/workers.cloudflare.com
    # (the company); its many links to blog.cloudflare.com itself are no interaction.
    assert links == {("rss:blog.cloudflare.com", "rss:troyhunt.com"),
                     ("rss:blog.cloudflare.com", "rss:cloudflare.com")}
    e = chunk.interactions[0]
    assert e.kind == "link" and e.topics == ("research", "security", "product news")
    assert e.text.startswith("Privacy-Preserving Compromised Credential Checking")
    assert e.at.isoformat() == "2021-10-14T12:59:53+00:00"
    assert chunk.counts["links_elsewhere"] > 10
    blog = next(a for a in chunk.accounts if a.platform_id == "blog.cloudflare.com")
    assert blog.name == "The Cloudflare Blog"


def test_escaped_html_and_relative_links_are_resolved():
    # Reddit's Atom: entity-escaped HTML linking to users and comments of the same site.
    parsed, name = feed("feed-rs/atom_mediarss_reddit_1.xml")
    entry = parsed.entries[0]
    hrefs = html_links(entry.content[0].value, entry.link)
    assert any("/user/" in h for h in hrefs) and all(h.startswith("https://") for h in hrefs)
    chunk = FeedParser(index=SiteIndex.of([])).parse_feed(parsed, name)
    assert chunk.read == 25 and chunk.interactions == []  # all links stay on the same site
    assert chunk.counts["entries"] == 25
    # Hugo: per-item xml:base, relative links
    parsed, name = feed("feed-rs/rss_2.0_relurl_1.xml")
    chunk = FeedParser().parse_feed(parsed, name)
    assert chunk.errors == [] and chunk.read == 2


def test_categories_become_topics_for_every_entry():
    parsed, name = feed("feedparser/large_atom_feed_that_needs_css_sanitisation.xml")
    index = SiteIndex.of(["http://touchnokia.ru/"], ["savecase.ru"])
    chunk = FeedParser(index=index).parse_feed(parsed, name)
    assert chunk.read == 15 and chunk.errors == []
    links = [e for e in chunk.interactions if e.target == "rss:savecase.ru"]
    assert links and links[0].topics[:2] == ("новости", "5800")


def test_atom_threading_comment_goes_to_the_blog():
    parsed, name = feed("feedparser/atomthreadingwithentry.xml")
    chunk = FeedParser().parse_feed(parsed, name)
    (edge,) = chunk.interactions
    assert edge.kind == "comment"
    assert edge.source == "rss:blogger.com/profile/12344017489797258795"
    assert edge.target == "rss:salmon-test.blogspot.com"
    assert edge.text.startswith("bloffo bliff")
    assert chunk.counts["comments"] == 1


def test_wordpress_comments_feed_read_as_comments():
    parsed, name = feed("feed-rs/rss_2.0_docuverse_comments.xml")
    assert parsed.entries[0].get("wfw_commentrss")
    chunk = FeedParser().parse_feed(parsed, name, comments=True)
    (edge,) = chunk.interactions
    assert (edge.kind, edge.source, edge.target) == ("comment", "rss:blog.docuverse.com/~donpark",
                                                     "rss:blog.docuverse.com")


def test_incremental_after_skips_older_entries():
    parsed, name = feed("feedparser/large_atom_feed_that_needs_css_sanitisation.xml")
    first = FeedParser()
    first.parse_feed(parsed, name)
    again = FeedParser().parse_feed(parsed, name, after=first.newest)
    assert again.read == 0 and again.counts["older"] == 15


def test_every_real_feed_parses_without_errors():
    root = real_sample("rss")
    for path in sorted(root.glob("*/*.xml")):
        chunk = FeedParser().parse_feed(parse_feed(path.read_bytes()), path.name)
        assert chunk.errors == [], path.name
        assert chunk.read == len(parse_feed(path.read_bytes()).entries), path.name


def test_wordpress_rest_comments_replies_and_anonymous():
    parser = FeedParser()
    pages = [json.loads((WP / f"comments_page{i}.json").read_text()) for i in (1, 2)]
    read, accounts, edges, errors, counts = collect(
        parser.parse_wp_comments(p, "https://blog.example.org/", f"wp:{i}") for i, p in enumerate(pages, 1))
    got = {(e.post_id, e.kind, e.source, e.target) for e in edges}
    assert got == {
        ("blog.example.org#comment-41", "comment", "rss:janedoe.dev", "rss:blog.example.org"),
        # the blog's author answers on their own site: that address is the blog itself
        ("blog.example.org#comment-42", "reply", "rss:blog.example.org", "rss:janedoe.dev"),
        ("blog.example.org#comment-43", "comment", "rss:blog.example.org/~anon reader",
         "rss:blog.example.org"),
        ("blog.example.org#comment-44", "reply", "rss:janedoe.dev", "rss:blog.example.org"),
    }
    assert errors == ["wp:2: comment 2: no date_gmt"]
    assert read == 4
    assert next(a for a in accounts if a.platform_id == "janedoe.dev").name == "Jane Doe"


def test_not_a_feed_is_a_clear_error():
    with pytest.raises(InputError, match=r"page\.html:\d+: not a readable feed"):
        parse_feed(b"<html><body><p>hello <b>world</p></html>\n<<<", "page.html")
    with pytest.raises(InputError, match=r"x\.json:\d+: not a readable feed"):
        parse_feed(b'{"json": true}', "x.json")
    with pytest.raises(InputError, match="doc.xml: not an RSS or Atom feed"):
        parse_feed(b"<?xml version='1.0'?><root><a/></root>", "doc.xml")
    assert site_id("javascript:alert(1)") is None and site_id("") is None
