"""The blog connector: feeds fetched with requests and parsed with feedparser, WordPress
comments, against a local server serving real feeds (shared/real-samples/rss) and fixtures."""

from __future__ import annotations

import subprocess
import sys

import pytest

from graph.errors import ApiError, InputError
from tests.conftest import FIXTURES, REPO
from tests.ingest.conftest import real_sample
from tests.ingest.connector_checks import (
    archived_lines,
    edge_keys,
    fetch,
    kill_and_rerun_equals_clean,
    replay,
)
from tests.ingest.routeserver import RouteApi

RSS = "application/rss+xml; charset=utf-8"
BLOG = FIXTURES / "ingest" / "blog"
WP = FIXTURES / "ingest" / "wordpress"


@pytest.fixture
def web():
    with RouteApi() as api:
        api.on("GET", "/cloudflare/rss/", real_sample("rss/feed-rs/rss_2.0_cloudflare.xml").read_bytes(),
               content_type=RSS)
        api.on("GET", "/feed/", (BLOG / "market_blog.xml").read_bytes(), content_type=RSS)
        api.on("GET", "/wp-json/wp/v2/comments", (WP / "comments_page1.json").read_text(),
               headers={"X-WP-Total": "5", "X-WP-TotalPages": "2"}, match={"page": "1"})
        api.on("GET", "/wp-json/wp/v2/comments", (WP / "comments_page2.json").read_text(),
               headers={"X-WP-Total": "5", "X-WP-TotalPages": "2"}, match={"page": "2"})
        yield api


def blog_list(tmp_path, api) -> str:
    path = tmp_path / "blogs.txt"
    path.write_text(f"# the market's blogs\n{api.base_url}/cloudflare/rss/ https://blog.cloudflare.com/\n"
                    f"\n{api.base_url}/feed/ https://blog.example.org/   # a WordPress blog\n")
    return str(path)


def test_list_links_between_blogs_and_to_the_company(web, store, tmp_path):
    run, waits = fetch(store, "blog", "list", blog_list(tmp_path, web), {}, tmp_path / "raw",
                       options={"company": "acme.example"})
    assert run.status == "ok", run.errors
    links = {(s, t) for _, _, k, s, t in edge_keys(store) if k == "link"}
    # the WordPress blog links to Cloudflare's (a blog of the list) and to Acme's docs
    # (a company domain); Cloudflare's post links to neither. Wikipedia and itself do not count.
    assert links == {("blog:blog.example.org", "blog:blog.cloudflare.com"),
                     ("blog:blog.example.org", "blog:acme.example")}
    inter = store.interactions()
    row = inter[inter["target"] == "blog:blog.cloudflare.com"].iloc[0]
    assert list(row["topics"]) == ["tracing", "opentelemetry"] and row["text"] == "Tracing at scale"
    assert [r.headers["User-Agent"].startswith("Scout/") for r in web.requests] == [True, True]
    assert archived_lines(tmp_path / "raw", "blog") == 2 == run.summary["responses"]
    assert run.cursor == "2024-05-02T07:30:00.000000Z" and waits.calls == []
    names = dict(zip(store.accounts()["key"], store.accounts()["name"], strict=True))
    assert names["blog:blog.example.org"] == "Observability Notes"


def test_wordpress_comments_paged_and_incremental(web, sqlite_store, tmp_path):
    run, _ = fetch(sqlite_store, "blog", "feed", f"{web.base_url}/feed/", {}, tmp_path / "raw",
                   options={"wp_comments": True, "site": "https://blog.example.org/"})
    assert run.status == "partial" and run.rejected == 1  # the comment without date_gmt
    assert any("comment 2: no date_gmt" in e for e in run.errors)
    got = {(k, s, t) for _, _, k, s, t in edge_keys(sqlite_store) if k != "link"}
    assert got == {("comment", "blog:janedoe.dev", "blog:blog.example.org"),
                   ("reply", "blog:blog.example.org", "blog:janedoe.dev"),
                   ("comment", "blog:anon reader@blog.example.org", "blog:blog.example.org"),
                   ("reply", "blog:janedoe.dev", "blog:blog.example.org")}
    # comments read after their post have its categories as topics
    inter = sqlite_store.interactions()
    assert list(inter[inter["kind"] == "comment"].iloc[0]["topics"]) == ["tracing", "opentelemetry"]
    pages = web.calls("GET", "/wp-json/wp/v2/comments")
    assert [p.params["page"] for p in pages] == ["1", "2"]
    assert pages[0].params["orderby"] == "date" and "after" not in pages[0].params
    again, _ = fetch(sqlite_store, "blog", "feed", f"{web.base_url}/feed/", {}, tmp_path / "raw",
                     options={"wp_comments": True, "lookback": 1, "site": "https://blog.example.org/"})
    assert again.inserted == 0
    after = web.calls("GET", "/wp-json/wp/v2/comments")[2].params["after"]
    assert after == "2024-05-02T11:00:00"  # the newest comment less one day


def test_closed_comment_api_is_counted_not_an_error(web, sqlite_store, tmp_path):
    web.on("GET", "/wp-json/wp/v2/comments", {"code": "rest_no_route"}, 404, match={"page": "1"})
    run, _ = fetch(sqlite_store, "blog", "feed", f"{web.base_url}/feed/", {}, tmp_path / "raw",
                   options={"wp_comments": True})
    assert run.status == "ok" and run.summary["wp_comments_closed"] == 1


def test_rate_limits_and_server_errors(web, sqlite_store, tmp_path):
    web.once("GET", "/feed/", "slow down", 429, {"Retry-After": "7"})
    web.once("GET", "/feed/", "oops", 503)
    run, waits = fetch(sqlite_store, "blog", "feed", f"{web.base_url}/feed/", {}, tmp_path / "raw")
    assert run.status == "ok"
    origin = web.base_url
    assert waits.calls == [(7.0, f"blog at {origin} rate limit"),
                           (1.0, f"blog at {origin} server error 503")]
    web.on("GET", "/cloudflare/rss/", "down", 500)
    with pytest.raises(ApiError, match="server error 500 after 5 retries"):
        fetch(sqlite_store, "blog", "feed", f"{web.base_url}/cloudflare/rss/", {}, tmp_path / "raw")


def test_dead_feed_in_a_list_is_reported_and_the_rest_read(web, sqlite_store, tmp_path):
    web.on("GET", "/cloudflare/rss/", "gone", 410)
    run, _ = fetch(sqlite_store, "blog", "list", blog_list(tmp_path, web), {}, tmp_path / "raw")
    assert run.status == "partial"
    assert any(e.endswith(f"{web.base_url}/cloudflare/rss/: HTTP 410") for e in run.errors)
    assert run.inserted == 1  # the WordPress blog's link to Cloudflare's still counts
    with pytest.raises(InputError, match="HTTP 410"):
        fetch(sqlite_store, "blog", "feed", f"{web.base_url}/cloudflare/rss/", {}, tmp_path / "raw")


def test_not_a_feed_is_a_located_error(web, sqlite_store, tmp_path):
    web.on("GET", "/page.html", "<html><body><p>hello <b>world</p></html>\n<<<", content_type="text/html")
    run, _ = fetch(sqlite_store, "blog", "feed", f"{web.base_url}/page.html", {}, tmp_path / "raw")
    assert run.status == "failed" and run.read == 1
    assert "not a readable feed" in run.errors[0] and ".jsonl:1: " in run.errors[0]


def test_bad_list_files(tmp_path, sqlite_store):
    bad = tmp_path / "blogs.txt"
    bad.write_text("https://ok.example/feed\nftp://nope.example/feed\n")
    with pytest.raises(InputError, match=r"blogs\.txt:2: not a feed or site URL"):
        fetch(sqlite_store, "blog", "list", str(bad), {}, tmp_path / "raw")
    with pytest.raises(InputError, match="cannot read the list of feeds"):
        fetch(sqlite_store, "blog", "list", str(tmp_path / "missing.txt"), {}, tmp_path / "raw")
    with pytest.raises(InputError, match="not a feed URL"):
        fetch(sqlite_store, "blog", "feed", "blog.example.org/feed", {}, tmp_path / "raw")


def test_reingest_replay_and_cli_alias(web, sqlite_store, tmp_path):
    from graph.sqlite_store import SqliteStore

    args = ("list", blog_list(tmp_path, web))
    first, _ = fetch(sqlite_store, "blog", *args, {}, tmp_path / "raw", options={"company": "acme.example"})
    again, _ = fetch(sqlite_store, "blog", *args, {}, tmp_path / "raw", options={"company": "acme.example"})
    assert first.inserted == 2 and again.inserted == 0 and again.duplicates == 2
    other = SqliteStore(tmp_path / "replayed.db")
    try:
        assert all(r.status == "ok" for r in replay(other, tmp_path / "raw", "blog"))
        assert edge_keys(other) == edge_keys(sqlite_store)
    finally:
        other.close()
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "--store", sqlite_store.display, "ingest",
                           "rss", *args, "--company", "acme.example", "--raw-dir",
                           str(tmp_path / "raw"), "--json"], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert '"inserted": 0' in proc.stdout and '"source": "blog:list:' in proc.stdout


@pytest.mark.slow
def test_killed_then_rerun_equals_clean_run(tmp_path):
    from graph.sqlite_store import SqliteStore

    feed = real_sample("rss/feedparser/large_atom_feed_that_needs_css_sanitisation.xml").read_text()
    with RouteApi() as api:
        lines = []
        for i in range(40):  # 40 blogs, each the real 15-entry feed under its own ids
            api.on("GET", f"/feed{i}", feed.replace("tag:touchnokia.ru", f"tag:blog{i}.example"),
                   content_type="application/atom+xml")
            lines.append(f"{api.base_url}/feed{i} https://blog{i}.example/\n")
        (tmp_path / "blogs.txt").write_text("".join(lines))
        a, b = SqliteStore(tmp_path / "a.db"), SqliteStore(tmp_path / "b.db")
        try:
            kill_and_rerun_equals_clean(a, b, ("ingest", "rss", "list", str(tmp_path / "blogs.txt"),
                                               "--company", "savecase.ru", "--batch-size", "10",
                                               "--raw-dir", str(tmp_path / "raw"), "--json"), 10)
        finally:
            a.close()
            b.close()
