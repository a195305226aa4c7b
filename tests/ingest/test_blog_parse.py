"""The blog parser: real RSS/Atom feeds (shared/real-samples/rss) and WordPress comment pages."""

from __future__ import annotations

import doctest
import json

import pytest

import ingest.blog_parse
from graph.errors import InputError
from ingest.blog_parse import BlogState, SiteIndex, html_links, parse_feed, site_of
from ingest.records import Parsed
from tests.conftest import FIXTURES
from tests.ingest.conftest import real_sample

WP = FIXTURES / "ingest" / "wordpress"


def feed(name: str):
    path = real_sample(f"rss/{name}")
    return parse_feed(path.read_bytes(), None), path.name


def test_doctests():
    assert doctest.testmod(ingest.blog_parse).failed == 0


def test_links_between_blogs_and_to_the_company():
    parsed, name = feed("feed-rs/rss_2.0_cloudflare.xml")
    index = SiteIndex.of(["https://www.troyhunt.com/"], ["cloudflare.com"])
    parser = BlogState(index=index)
    chunk = parser.parse_feed(parsed)
    assert chunk.errors == [] and chunk.posts == 1
    links = {(e.source, e.target) for e in chunk.interactions}
    # the post links to troyhunt.com (a blog of the list) and to www/developers/workers.cloudflare.com
    # (the company); its many links to blog.cloudflare.com itself are no interaction.
    assert links == {("blog:blog.cloudflare.com", "blog:troyhunt.com"),
                     ("blog:blog.cloudflare.com", "blog:cloudflare.com")}
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
    chunk = BlogState(index=SiteIndex.of([])).parse_feed(parsed)
    assert chunk.posts == 25 and chunk.interactions == []  # all links stay on the same site
    assert chunk.counts["entries"] == 25
    # Hugo: per-item xml:base, relative links
    parsed, name = feed("feed-rs/rss_2.0_relurl_1.xml")
    chunk = BlogState().parse_feed(parsed)
    assert chunk.errors == [] and chunk.posts == 2


def test_categories_become_topics_for_every_entry():
    parsed, name = feed("feedparser/large_atom_feed_that_needs_css_sanitisation.xml")
    index = SiteIndex.of(["http://touchnokia.ru/"], ["savecase.ru"])
    chunk = BlogState(index=index).parse_feed(parsed)
    assert chunk.posts == 15 and chunk.errors == []
    links = [e for e in chunk.interactions if e.target == "blog:savecase.ru"]
    assert links and links[0].topics[:2] == ("новости", "5800")


def test_atom_threading_comment_goes_to_the_blog():
    parsed, name = feed("feedparser/atomthreadingwithentry.xml")
    chunk = BlogState().parse_feed(parsed)
    (edge,) = chunk.interactions
    assert edge.kind == "comment"
    # Blogger gives a profile address on a host shared by everyone: known by name on the blog
    assert edge.source == "blog:john@salmon-test.blogspot.com"
    assert edge.target == "blog:salmon-test.blogspot.com"
    assert edge.text.startswith("bloffo bliff")
    assert chunk.counts["comments"] == 1


def test_wordpress_comments_feed_read_as_comments():
    parsed, name = feed("feed-rs/rss_2.0_docuverse_comments.xml")
    assert parsed.entries[0].get("wfw_commentrss")
    chunk = BlogState().parse_feed(parsed, comments=True)
    (edge,) = chunk.interactions
    assert (edge.kind, edge.source, edge.target) == ("comment", "blog:donpark@blog.docuverse.com",
                                                     "blog:blog.docuverse.com")


def test_newest_entry_is_the_cursor():
    parsed, name = feed("feedparser/large_atom_feed_that_needs_css_sanitisation.xml")
    out = BlogState().parse_feed(parsed)
    assert out.newest_id == max(
        e.published_parsed and f"{e.published_parsed.tm_year:04d}-{e.published_parsed.tm_mon:02d}"
        for e in parsed.entries) + out.newest_id[7:]


def test_every_real_feed_parses_without_errors():
    root = real_sample("rss")
    for path in sorted(root.glob("*/*.xml")):
        chunk = BlogState().parse_feed(parse_feed(path.read_bytes()))
        assert chunk.errors == [], path.name
        assert chunk.posts == len(parse_feed(path.read_bytes()).entries), path.name


def test_wordpress_rest_comments_replies_and_anonymous():
    state = BlogState()
    pages = [json.loads((WP / f"comments_page{i}.json").read_text()) for i in (1, 2)]
    total = Parsed()
    for p in pages:
        total.extend(state.parse_wp_comments(p, "https://blog.example.org/"))
    got = {(e.post_id, e.kind, e.source, e.target) for e in total.interactions}
    assert got == {
        ("blog.example.org#comment-41", "comment", "blog:janedoe.dev", "blog:blog.example.org"),
        # the blog's author answers with their own site as address: the blog itself
        ("blog.example.org#comment-42", "reply", "blog:blog.example.org", "blog:janedoe.dev"),
        ("blog.example.org#comment-43", "comment", "blog:anon reader@blog.example.org",
         "blog:blog.example.org"),
        ("blog.example.org#comment-44", "reply", "blog:janedoe.dev", "blog:blog.example.org"),
    }
    assert total.errors == ["comment 2: no date_gmt"]
    assert total.posts == 4
    assert next(a for a in total.accounts if a.platform_id == "janedoe.dev").name == "Jane Doe"
    anon = next(a for a in total.accounts if a.platform_id == "anon reader@blog.example.org")
    assert anon.handle == "anon reader"


def test_not_a_feed_is_a_clear_error():
    with pytest.raises(InputError, match=r"page\.html:\d+: not a readable feed"):
        parse_feed(b"<html><body><p>hello <b>world</p></html>\n<<<", "page.html")
    with pytest.raises(InputError, match=r"x\.json:\d+: not a readable feed"):
        parse_feed(b'{"json": true}', "x.json")
    with pytest.raises(InputError, match="doc.xml: not an RSS or Atom feed"):
        parse_feed(b"<?xml version='1.0'?><root><a/></root>", "doc.xml")
    assert site_of("javascript:alert(1)") is None and site_of("") is None
