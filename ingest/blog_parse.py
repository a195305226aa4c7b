"""Blogs: RSS/Atom feeds and WordPress comments → Scout accounts and interactions.

Feeds are parsed with feedparser (RSS 0.9x–2.0, RSS 1.0, Atom; relative links
resolved against ``xml:base`` and the feed's address); links are taken from the
entries' HTML with the standard library's HTML parser. WordPress comments come
from the REST API (``/wp-json/wp/v2/comments``), whose JSON objects carry
``id``, ``post``, ``parent``, ``author_name``, ``author_url``, ``date_gmt``,
``content.rendered`` and ``link``.

Edge rules
----------
* **link** (:func:`link_edges`) → each *known* site an entry's content links
  to: another blog of the list being read, or one of the company's domains.
  One edge per site and entry; links to the blog itself and to unknown sites
  are not interactions (they are counted as ``links_elsewhere``).
* **comment** (:func:`comment_edge`) → the blog that holds the post: an entry
  of a comments feed (Atom threading ``thr:in-reply-to``, or any entry of a
  feed read as comments) or a top-level WordPress comment.
* **reply** → the author of the parent comment (``thr:in-reply-to`` naming
  another comment, WordPress ``parent``), when that comment is known.
* The entry's **categories** (``<category>``, Atom ``term``) are the topics of
  its edges; a comment has its post's topics when the post was read first.

Identity (:func:`site_id`)
--------------------------
A blog is ``rss:<site>``: its address without scheme, ``www.``, query,
fragment or trailing slash (``rss:blog.cloudflare.com``,
``rss:medium.com/@alice``) — feeds name authors by display name only, so the
blog stands for its authors. A commenter who gave a web address is the site
at that address (often their own blog: one account for both roles); one who
did not is known only to that blog, as ``rss:<blog>/~<name lower-cased>``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from graph.errors import InputError, RecordError
from graph.model import SNIPPET_LENGTH, Account, normalize_topic
from ingest.pipeline import Chunk
from ingest.records import Edge

PLATFORM = "rss"
_TAG_RE = re.compile(r"<[^>]+>")
_SPACES_RE = re.compile(r"\s+")
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):(?!//)")
_SPACE_BEFORE_PUNCT_RE = re.compile(r"\s+([,.!?;:])")


# -- identity ------------------------------------------------------------------------------------


def site_id(url: object) -> str | None:
    """The account id of a web address: host (lower-cased, no ``www.``) and path, or ``None``.

    Examples
    --------
    >>> site_id("https://www.Example.com/"), site_id("http://medium.com/@Alice/?x=1#top")
    ('example.com', 'medium.com/@Alice')
    >>> site_id("mailto:a@b.c") is None
    True
    """
    if not isinstance(url, str) or not url.strip():
        return None
    text = url.strip()
    scheme = _SCHEME_RE.match(text)
    if scheme and "." not in scheme.group(1):  # mailto:, tel:, javascript:…
        return None
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host or "." not in host:
        return None
    if host.startswith("www."):
        host = host[4:]
    path = parts.path.rstrip("/")
    return host + path if path else host


def host_of(url: str) -> str:
    """The host part of a site id or URL.

    Examples
    --------
    >>> host_of("medium.com/@alice")
    'medium.com'
    """
    return url.split("/", 1)[0]


def commenter_id(blog: str, name: object, url: object) -> str | None:
    """The account id of a commenter: their site when they gave one, else a name local to ``blog``.

    Examples
    --------
    >>> commenter_id("blog.example", "Jane Doe", "https://jane.example/")
    'jane.example'
    >>> commenter_id("blog.example", "Jane Doe", "")
    'blog.example/~jane doe'
    """
    site = site_id(url)
    if site is not None:
        return site
    if not isinstance(name, str) or not name.strip():
        return None
    return f"{blog}/~{_SPACES_RE.sub(' ', name.strip()).lower()}"


def blog_account(site: str, name: object = None, url: object = None) -> Account:
    """The :class:`~graph.model.Account` of a site or commenter id."""
    return Account(PLATFORM, site, handle=site,
                   name=name.strip()[:256] if isinstance(name, str) and name.strip() else None,
                   url=url if isinstance(url, str) and url.startswith(("http://", "https://")) else None)


@dataclass
class SiteIndex:
    """The sites whose links count: the blogs being read and the company's domains.

    A link goes to the blog with the longest matching address (``medium.com/@a``
    before ``medium.com``), else to a company domain it is in (``www.acme.com``
    and ``docs.acme.com`` → ``acme.com``).
    """

    blogs: dict[str, list[str]] = field(default_factory=dict)  # host -> [site ids]
    domains: tuple[str, ...] = ()

    @classmethod
    def of(cls, blogs: Iterable[str], domains: Iterable[str] = ()) -> SiteIndex:
        """An index of blog addresses (URLs or site ids) and company domains.

        Examples
        --------
        >>> ix = SiteIndex.of(["https://troyhunt.com/"], ["acme.com"])
        >>> ix.match("https://www.troyhunt.com/a-post/"), ix.match("https://docs.acme.com/x")
        ('troyhunt.com', 'acme.com')
        """
        index = cls(domains=tuple(d for d in (site_id(x) for x in domains) if d))
        for b in blogs:
            index.add(b)
        return index

    def add(self, blog: str) -> None:
        site = site_id(blog)
        if site is not None:
            sites = self.blogs.setdefault(host_of(site), [])
            if site not in sites:
                sites.append(site)
                sites.sort(key=len, reverse=True)

    def match(self, url: str) -> str | None:
        """The known site ``url`` belongs to, or ``None``."""
        site = site_id(url)
        if site is None:
            return None
        host = host_of(site)
        for blog in self.blogs.get(host, ()):
            if site == blog or site.startswith(blog + "/"):
                return blog
        for domain in self.domains:
            if host == domain or host.endswith("." + domain):
                return domain
        return None


# -- HTML ----------------------------------------------------------------------------------------


class _Links(HTMLParser):
    """Collects ``<a href>`` values of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            for name, value in attrs:
                if name == "href" and value:
                    self.hrefs.append(value.strip())


def html_links(html: object, base: str | None = None) -> list[str]:
    """The ``<a href>`` targets of an HTML fragment, made absolute against ``base``, in order.

    Examples
    --------
    >>> html_links('<p><a href="/b">b</a> <a href="https://c.example/">c</a></p>', "https://a.example/x/")
    ['https://a.example/b', 'https://c.example/']
    """
    if not isinstance(html, str) or "href" not in html:
        return []
    parser = _Links()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # malformed markup: keep what was read
        pass
    return [urljoin(base, h) if base else h for h in parser.hrefs]


def html_text(html: object) -> str | None:
    """Plain text of an HTML fragment (tags dropped, entities decoded, blanks folded), cut short.

    Examples
    --------
    >>> html_text("<p>Great&nbsp;post, <b>thanks</b>!</p>")
    'Great post, thanks!'
    """
    if not isinstance(html, str):
        return None
    text = _SPACES_RE.sub(" ", unescape(_TAG_RE.sub(" ", html))).strip()
    text = _SPACE_BEFORE_PUNCT_RE.sub(r"\1", text)
    return text[:SNIPPET_LENGTH] or None


# -- feeds ---------------------------------------------------------------------------------------


def parse_feed(content: bytes | str, url: str | None = None):
    """Parse a feed document with feedparser.

    Raises
    ------
    InputError
        Not a feed: malformed XML with no entries, or no feed elements at all
        (the message gives the line when the XML parser said where).
    """
    import feedparser

    raw = content.encode("utf-8") if isinstance(content, str) else content
    headers = {"content-location": url} if url else None
    parsed = feedparser.parse(raw, response_headers=headers, sanitize_html=False)
    where = url or "feed"
    if not parsed.entries:
        exc = parsed.get("bozo_exception") if parsed.bozo else None
        line = getattr(exc, "getLineNumber", lambda: None)()
        if line:
            raise InputError(f"{where}:{line}: not a readable feed: {exc}")
        if not parsed.version:
            raise InputError(f"{where}: not an RSS or Atom feed")
    return parsed


def entry_time(entry: Mapping) -> datetime:
    """An entry's time: ``published``, else ``updated`` (feedparser's UTC struct times).

    Raises
    ------
    RecordError
        The entry has no readable date.
    """
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), UTC)
    raise RecordError("no readable date (pubDate, published or updated)")


def entry_id(entry: Mapping) -> str | None:
    """An entry's stable id: ``<id>``/``<guid>``, else its link."""
    for key in ("id", "link"):
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def entry_topics(entry: Mapping) -> tuple[str, ...]:
    """The entry's categories, normalised, in order.

    Examples
    --------
    >>> entry_topics({"tags": [{"term": "Security"}, {"term": "#AI"}, {"term": "security"}]})
    ('security', 'ai')
    """
    seen: dict[str, None] = {}
    for tag in entry.get("tags") or ():
        term = tag.get("term") if isinstance(tag, Mapping) else None
        if isinstance(term, str):
            t = normalize_topic(term)
            if t:
                seen[t] = None
    return tuple(seen)


def entry_html(entry: Mapping) -> tuple[str, str | None]:
    """The entry's HTML (``content``, else ``summary``) and the base of its relative links."""
    for item in entry.get("content") or ():
        value = item.get("value") if isinstance(item, Mapping) else None
        if isinstance(value, str) and value:
            return value, item.get("base") or entry.get("link")
    summary = entry.get("summary_detail") or {}
    return entry.get("summary") or "", summary.get("base") or entry.get("link")


def link_edges(entry: Mapping, blog: str, post_id: str, at: datetime, index: SiteIndex,
               topics: tuple[str, ...], counts: dict[str, int]) -> list[Edge]:
    """``link`` edges from ``blog`` to each known site the entry links to (one per site)."""
    html, base = entry_html(entry)
    targets: dict[str, None] = {}
    for href in html_links(html, base):
        site = index.match(href)
        if site is None:
            if site_id(href) is not None:
                counts["links_elsewhere"] = counts.get("links_elsewhere", 0) + 1
            continue
        if site != blog:
            targets[site] = None
    title = entry.get("title")
    text = title.strip()[:SNIPPET_LENGTH] if isinstance(title, str) and title.strip() else None
    return [Edge(PLATFORM, post_id, "link", f"{PLATFORM}:{blog}", f"{PLATFORM}:{site}", at, text,
                 topics) for site in targets]


def comment_edge(post_id: str, commenter: str, target: str, at: datetime, text: str | None,
                 topics: tuple[str, ...], kind: str = "comment") -> Edge | None:
    """The ``comment`` (or ``reply``) edge of a commenter; ``None`` when it is the target itself."""
    if commenter == target:
        return None
    return Edge(PLATFORM, post_id, kind, f"{PLATFORM}:{commenter}", f"{PLATFORM}:{target}", at,
                text, topics)


@dataclass
class FeedParser:
    """Reads feeds and WordPress comment pages, remembering posts and comments across them.

    ``index`` says which sites' links count; ``authors`` maps comment ids to
    their authors (replies), ``post_topics`` post addresses to categories.
    """

    index: SiteIndex = field(default_factory=SiteIndex)
    authors: dict[str, str] = field(default_factory=dict)
    post_topics: dict[str, tuple[str, ...]] = field(default_factory=dict)
    newest: datetime | None = None

    def blog_of(self, url: str) -> str | None:
        """The blog a post address belongs to: a known blog, else the address's host."""
        site = self.index.match(url)
        if site is not None:
            return site
        site = site_id(url)
        return host_of(site) if site is not None else None

    def _seen(self, at: datetime) -> None:
        if self.newest is None or at > self.newest:
            self.newest = at

    def parse_feed(self, parsed, origin: str, *, comments: bool = False,
                   after: datetime | None = None) -> Chunk:
        """Records of one parsed feed (:func:`parse_feed`).

        Parameters
        ----------
        parsed : feedparser.FeedParserDict
        origin : str
            Where the feed came from (a file, or ``archive:line``).
        comments : bool
            Every entry is a comment on the post the feed is about (a
            WordPress ``/feed/`` of a post, reached through ``wfw:commentRss``).
        after : datetime, optional
            Skip entries not newer than this (an incremental source's cursor).
        """
        chunk = Chunk(counts={"entries": 0, "comments": 0})
        feed = parsed.get("feed") or {}
        home = feed.get("link") or parsed.get("href") or ""
        threaded = any(isinstance(e.get("thr_in-reply-to"), Mapping) for e in parsed.get("entries") or ())
        # A comments feed is about one post: its blog is the post's, not the post's address.
        blog = self.blog_of(home) if comments or threaded else site_id(home)
        if blog is None:
            chunk.errors.append(f"{origin}: the feed names no site (no <link>)")
            return chunk
        if not (comments or threaded):
            self.index.add(blog)
            chunk.accounts.append(blog_account(blog, feed.get("title"), home))
        for i, entry in enumerate(parsed.get("entries") or (), 1):
            where = f"{origin}: entry {i}"
            try:
                at = entry_time(entry)
            except RecordError as exc:
                chunk.errors.append(f"{where}: {exc}")
                continue
            pid = entry_id(entry)
            if pid is None:
                chunk.errors.append(f"{where}: no id, guid or link")
                continue
            if after is not None and at <= after:
                chunk.counts["older"] = chunk.counts.get("older", 0) + 1
                continue
            self._seen(at)
            chunk.read += 1
            reply_to = entry.get("thr_in-reply-to")
            if comments or isinstance(reply_to, Mapping):
                chunk.counts["comments"] += 1
                self._feed_comment(entry, pid, at, blog, reply_to, where, chunk)
                continue
            chunk.counts["entries"] += 1
            topics = entry_topics(entry)
            link = entry.get("link")
            if isinstance(link, str):
                self.post_topics[link.split("#", 1)[0]] = topics
            for edge in link_edges(entry, blog, pid, at, self.index, topics, chunk.counts):
                chunk.interactions.append(edge)
                chunk.origins.append(where)
                chunk.accounts.append(blog_account(edge.target.partition(":")[2]))
        return chunk

    def _feed_comment(self, entry: Mapping, pid: str, at: datetime, blog: str, reply_to,
                      where: str, chunk: Chunk) -> None:
        detail = entry.get("author_detail") or {}
        commenter = commenter_id(blog, detail.get("name") or entry.get("author"), detail.get("href"))
        if commenter is None:
            chunk.counts["anonymous"] = chunk.counts.get("anonymous", 0) + 1
            return
        self.authors[pid] = commenter
        post_url = (reply_to or {}).get("href") if isinstance(reply_to, Mapping) else None
        post_url = (post_url or entry.get("link") or "").split("#", 1)[0].split("?", 1)[0]
        target_blog = self.blog_of(post_url) or blog
        parent = (reply_to or {}).get("ref") if isinstance(reply_to, Mapping) else None
        parent_author = self.authors.get(parent) if isinstance(parent, str) else None
        html, _ = entry_html(entry)
        topics = self.post_topics.get(post_url, ())
        if parent_author is not None:
            edge = comment_edge(pid, commenter, parent_author, at, html_text(html), topics, "reply")
        else:
            edge = comment_edge(pid, commenter, target_blog, at, html_text(html), topics)
        chunk.accounts.append(blog_account(commenter, detail.get("name") or entry.get("author"),
                                           detail.get("href")))
        if edge is not None:
            chunk.interactions.append(edge)
            chunk.origins.append(where)
            chunk.accounts.append(blog_account(edge.target.partition(":")[2]))

    def parse_wp_comments(self, page: object, site: str, origin: str) -> Chunk:
        """Records of one ``/wp-json/wp/v2/comments`` page (a JSON array of comments).

        ``site`` is the blog's address; comments are on its posts. A comment
        whose ``parent`` is another comment replies to that comment's author.
        """
        chunk = Chunk(counts={"comments": 0})
        blog = site_id(site)
        if blog is None:
            raise InputError(f"{site!r} is not a web address")
        if not isinstance(page, list):
            chunk.errors.append(f"{origin}: not a list of WordPress comments")
            return chunk
        for i, c in enumerate(page, 1):
            where = f"{origin}: comment {i}"
            if not isinstance(c, Mapping) or not isinstance(c.get("id"), int):
                chunk.errors.append(f"{where}: not a WordPress comment (no id)")
                continue
            try:
                at = wp_time(c)
            except RecordError as exc:
                chunk.errors.append(f"{where}: {exc}")
                continue
            if c.get("type") not in (None, "comment", ""):
                chunk.counts["pingbacks"] = chunk.counts.get("pingbacks", 0) + 1
                continue
            chunk.read += 1
            chunk.counts["comments"] += 1
            self._seen(at)
            pid = f"{blog}#comment-{c['id']}"
            commenter = commenter_id(blog, c.get("author_name"), c.get("author_url"))
            if commenter is None:
                chunk.counts["anonymous"] = chunk.counts.get("anonymous", 0) + 1
                continue
            self.authors[pid] = commenter
            chunk.accounts.append(blog_account(commenter, c.get("author_name"), c.get("author_url")))
            content = c.get("content")
            text = html_text(content.get("rendered") if isinstance(content, Mapping) else None)
            parent = c.get("parent")
            parent_author = self.authors.get(f"{blog}#comment-{parent}") if parent else None
            link = c.get("link") if isinstance(c.get("link"), str) else ""
            topics = self.post_topics.get(link.split("#", 1)[0], ())
            if parent_author is not None:
                edge = comment_edge(pid, commenter, parent_author, at, text, topics, "reply")
            else:
                if parent:
                    chunk.counts["unknown_parents"] = chunk.counts.get("unknown_parents", 0) + 1
                edge = comment_edge(pid, commenter, blog, at, text, topics)
            if edge is not None:
                chunk.interactions.append(edge)
                chunk.origins.append(where)
        return chunk


def wp_time(comment: Mapping) -> datetime:
    """A WordPress comment's time from ``date_gmt`` (``date`` is the site's local time).

    Examples
    --------
    >>> wp_time({"date_gmt": "2024-05-01T08:00:00"}).isoformat()
    '2024-05-01T08:00:00+00:00'
    """
    value = comment.get("date_gmt")
    if not isinstance(value, str):
        raise RecordError("no date_gmt")
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RecordError(f"unreadable date_gmt {value!r}") from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
