"""Blogs: RSS/Atom feeds of a list of blogs, and WordPress comments where they are open.

``scout ingest rss feed URL`` reads one feed, ``scout ingest rss list FILE`` every
feed listed in a text file (``FEED_URL [SITE_URL]`` a line, ``#`` comments; the
site names the blog when its feed lives elsewhere): links between the
blogs of one list are the ``link`` edges, so a list of the market's blogs is
the usual source. ``--company acme.com,acme.io`` makes links to the company's
sites count too. Feeds are fetched with requests (one ``GET`` per feed, a
descriptive ``User-Agent``), archived as ``{"xml": …}`` and parsed with
feedparser by :mod:`ingest.blog_parse`.

``--wp-comments`` also reads each blog's WordPress comments
(``GET <site>/wp-json/wp/v2/comments?orderby=date&order=asc&per_page=100``,
``after`` the last run's newest item less ``--lookback`` days, paged with
``page`` up to ``X-WP-TotalPages``). A site whose comment API is closed
(401/403/404, or no WordPress) is counted as ``wp_comments_closed``, not an
error. A feed that cannot be fetched in a list is reported and the others are
read; a single feed that cannot be fetched stops the run with its reason.

Feeds have no server-side cursor: each run reads the whole feed (its newest
entries) and the store keeps each entry once. 429 waits (``Retry-After``), 5xx
and connection errors back off (:mod:`ingest.retry`). No credentials.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from graph.errors import ApiError, InputError
from ingest.connectors import Connector, Endpoint, Option, Response
from ingest.records import Parsed
from ingest.retry import RetryPolicy, Transient, call_with_retries, retry_after

SERVICE = "blog"
USER_AGENT = "Scout/0.1 (+https://github.com/; feed reader for influencer discovery)"
#: WordPress allows at most 100 comments a page.
WP_PAGE = 100
#: Most comment pages read per site and run.
MAX_WP_PAGES = 50
#: Biggest feed read (bytes); a bigger answer is no feed.
MAX_FEED_BYTES = 20 * 1024 * 1024
_XML_ENCODING_RE = re.compile(rb"""^\s*<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']""")


class FeedClient:
    """A requests session that fetches through Scout's retry rule."""

    def __init__(self, retry: RetryPolicy) -> None:
        import requests

        self.retry = retry
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.requests_made = 0

    def get(self, url: str, params: Mapping[str, Any] | None = None, *, accept: str) -> Any:
        """``GET url`` through the retry rule; the :class:`requests.Response` of any final status.

        Raises
        ------
        ApiError
            Still failing (5xx, connection) after retries.
        """
        import requests

        def attempt() -> Any:
            self.requests_made += 1
            r = self.session.get(url, params=params, timeout=self.retry.timeout,
                                 headers={"Accept": accept})
            if r.status_code == 429:
                raise Transient("rate", f"HTTP 429 from {url}", retry_after(dict(r.headers)))
            if r.status_code >= 500:
                raise Transient("server", f"{url}", status=r.status_code)
            return r

        def classify(exc: BaseException) -> Transient | None:
            if isinstance(exc, requests.ConnectionError | requests.Timeout):
                return Transient("connection", f"{url}: {type(exc).__name__}")
            if isinstance(exc, requests.RequestException):
                raise InputError(f"{url}: {exc}") from None
            return None

        return call_with_retries(attempt, classify, self.retry, f"{SERVICE} at {_origin(url)}")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def feed_text(content: bytes) -> str:
    """A feed's bytes as text, decoded by its XML declaration (UTF-8 by default).

    Examples
    --------
    >>> feed_text('<?xml version="1.0" encoding="windows-1251"?><rss/>'.encode("cp1251"))[:5]
    '<?xml'
    """
    m = _XML_ENCODING_RE.match(content[:200])
    encoding = m.group(1).decode("ascii") if m else "utf-8"
    try:
        return content.decode(encoding, errors="replace")
    except LookupError:
        return content.decode("utf-8", errors="replace")


def read_list(path: str) -> list[tuple[str, str | None]]:
    """The feeds of a list file: ``(feed URL, site URL or None)`` per line.

    A line is ``FEED_URL [SITE_URL]``: the site names the blog when the feed lives
    elsewhere (``https://feeds.feedburner.com/TroyHunt https://www.troyhunt.com/``);
    without it the feed's own ``<link>`` does. Blank lines and ``#`` comments are skipped.

    Raises
    ------
    InputError
        Unreadable file, no URL in it, or a line that is no http(s) URL (``file:line``).
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the list of feeds ({exc})") from None
    feeds: list[tuple[str, str | None]] = []
    for n, line in enumerate(text.splitlines(), 1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        urls = [w for w in words[:2] if not w.startswith("#")]
        for url in urls:
            if not url.startswith(("http://", "https://")) or not urlsplit(url).hostname:
                raise InputError(f"{path}:{n}: not a feed or site URL (http:// or https://): "
                                 f"{url[:80]!r}")
        feeds.append((urls[0], urls[1] if len(urls) > 1 else None))
    if not feeds:
        raise InputError(f"{path}: no feed URL in the list")
    return feeds


def _domains(options: Mapping[str, Any]) -> list[str]:
    raw = options.get("company") or ""
    return [d.strip() for d in str(raw).split(",") if d.strip()]


class BlogConnector(Connector):
    """RSS/Atom feeds of blogs, and their WordPress comments."""

    platform = "blog"
    aliases = ("rss",)
    title = "Blogs"
    service = "blog feeds"
    unit = "entries"
    credentials = ()
    help = ("Read RSS/Atom feeds with feedparser: a blog → each blog of the list or company "
            "domain its entries link to (link), a commenter → the post's blog (comment) or the "
            "comment answered (reply); feed categories are the topics. Optionally the WordPress "
            "comments of each site (--wp-comments) where its REST API is open.")
    endpoints = (
        Endpoint("feed", "URL", "One feed (RSS or Atom).",
                 ("scout ingest rss feed https://blog.cloudflare.com/rss/ --company cloudflare.com",
                  "scout ingest rss feed https://example.org/feed/ --wp-comments --json")),
        Endpoint("list", "FILE",
                 "Every feed of a text file, one \"FEED_URL [SITE_URL]\" a line (the site names "
                 "the blog when its feed lives elsewhere): links between these blogs count.",
                 ("scout ingest rss list market-blogs.txt --company acme.com,acme.io",
                  "scout ingest rss list blogs.txt --wp-comments --lookback 14")),
    )
    options = (
        Option("company", "The company's domains, comma-separated: links to them (and their "
               "subdomains) count as link edges.", str, None),
        Option("wp_comments", "Also read each site's WordPress comments (/wp-json/wp/v2/comments).",
               bool, False),
        Option("site", "feed: the blog's address when its feed lives elsewhere (FeedBurner…); "
               "default: the feed's own <link>.", str, None),
        Option("lookback", "WordPress comments: read back this many days before the last run's "
               "newest item.", int, 7),
    )

    def normalize_value(self, endpoint: str, value: str, options: Mapping[str, Any]) -> str:
        v = super().normalize_value(endpoint, value, options)
        if endpoint == "feed":
            if not v.startswith(("http://", "https://")) or not urlsplit(v).hostname:
                raise InputError(f"rss feed: not a feed URL (http:// or https://): {value!r}")
            return v
        read_list(v)  # says what is wrong with the file now, not after a fetch
        return str(Path(v).resolve())

    def client(self, options: Mapping[str, Any], retry: RetryPolicy,
               environ: Mapping[str, str]) -> FeedClient:
        return FeedClient(retry)

    def fetch(self, client: FeedClient, endpoint: str, value: str, *, cursor: str | None,
              max_posts: int | None, options: Mapping[str, Any]) -> Iterator[Response]:
        if endpoint == "feed":
            feeds = [(value, options.get("site") or None)]
            blogs = [site for _, site in feeds if site]
        else:
            feeds = read_list(value)
            blogs = [site or feed for feed, site in feeds]  # a feed usually lives on its blog
        meta = {"blogs": blogs, "domains": _domains(options)}
        seen = 0
        for url, site in feeds:
            response = self._feed(client, url, {**meta, "site": site}, single=endpoint == "feed")
            yield response
            xml = response.body.get("xml", "") if isinstance(response.body, dict) else ""
            seen += xml.count("<item") + xml.count("<entry")
            if options.get("wp_comments"):
                yield from self._wp_comments(client, url, site, cursor, options)
            if max_posts is not None and seen >= max_posts:
                return

    def _feed(self, client: FeedClient, url: str, meta: dict, *, single: bool) -> Response:
        r = client.get(url, accept="application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5")
        info = {"call": "feed", "feed": url, **meta}
        if r.status_code != 200 or len(r.content) > MAX_FEED_BYTES:
            reason = (f"HTTP {r.status_code}" if r.status_code != 200
                      else f"bigger than {MAX_FEED_BYTES // 2**20} MiB")
            if single:
                raise InputError(f"rss feed {url}: {reason}")
            return Response({"error": reason}, info, url)
        return Response({"xml": feed_text(r.content)}, info, r.url)

    def _wp_comments(self, client: FeedClient, feed_url: str, site: str | None, cursor: str | None,
                     options: Mapping[str, Any]) -> Iterator[Response]:
        from ingest.reddit import cursor_time

        # WordPress serves its feed at <site>/feed/: the REST API is at the feed's origin.
        endpoint = f"{_origin(feed_url)}/wp-json/wp/v2/comments"
        params: dict[str, Any] = {"per_page": WP_PAGE, "orderby": "date", "order": "asc"}
        since = cursor_time(cursor)
        if since is not None:
            back = since - timedelta(days=max(0, int(options.get("lookback", 7) or 0)))
            params["after"] = back.strftime("%Y-%m-%dT%H:%M:%S")
        info = {"call": "wp_comments", "site": site or _origin(feed_url)}
        for page in range(1, MAX_WP_PAGES + 1):
            r = client.get(endpoint, {**params, "page": page}, accept="application/json")
            url = f"{endpoint}?{urlencode({**params, 'page': page})}"
            if r.status_code in (400, 401, 403, 404, 410) and page == 1:
                yield Response({"closed": r.status_code}, info, url)
                return
            if r.status_code == 400:  # past the last page (rest_comment_invalid_page_number)
                return
            if r.status_code != 200:
                raise ApiError(f"WordPress comments of {site}: HTTP {r.status_code}")
            try:
                body = r.json()
            except ValueError:
                yield Response({"closed": "not JSON"}, info, url)
                return
            yield Response(body, info, url)
            pages = r.headers.get("X-WP-TotalPages", "")
            last = page >= int(pages) if pages.isdigit() else len(body) < WP_PAGE
            if not isinstance(body, list) or not body or last:
                return

    def new_state(self) -> Any:
        from ingest.blog_parse import BlogState

        return BlogState()

    def parse(self, record: dict, state: Any) -> Parsed:
        from ingest.blog_parse import parse_response

        return parse_response(record, state)


CONNECTOR = BlogConnector()
