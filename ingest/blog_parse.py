"""Blogs: RSS/Atom feeds and WordPress comments → Scout accounts and interactions.

Feeds are parsed with feedparser (RSS 0.9x–2.0, RSS 1.0, Atom; relative links
resolved against ``xml:base`` and the feed's address); links are taken from the
entries' HTML with the standard library's HTML parser. WordPress comments come
from the REST API (``/wp-json/wp/v2/comments``), whose JSON objects carry
``id``, ``post``, ``parent``, ``author_name``, ``author_url``, ``date_gmt``,
``content.rendered`` and ``link``. :mod:`ingest.blog` fetches both and
archives each response as ``{"xml": …}`` (a feed) or the JSON list (comments).

Edge rules
----------
* **link** (:func:`link_edges`) → each *known* site an entry's content links
  to: another blog of the list being read, or one of the company's domains
  (``docs.acme.com`` counts as ``acme.com``). One edge per site and entry;
  links to the blog itself and to other sites are no interaction (counted as
  ``links_elsewhere``).
* **comment** (:func:`comment_edge`) → the blog that holds the post: an entry
  of a comments feed (Atom threading ``thr:in-reply-to``, or any entry of a
  feed read as comments, such as a WordPress post's ``wfw:commentRss``) or a
  top-level WordPress comment.
* **reply** → the author of the parent comment (``thr:in-reply-to`` naming
  another comment, WordPress ``parent``) when that comment was read.
* The entry's **categories** (``<category>``, Atom ``term``) are the topics of
  its edges; a comment has its post's categories when the post was read first.

Identity (:func:`ingest.identity.blog_id`): a blog is ``blog:<host>``, lower-cased
without ``www.`` (``blog:blog.cloudflare.com``); feeds name authors by display
name only, so the blog stands for its authors. A commenter who gave a web
address is the site at that address (often their own blog: one account for
both roles); one who did not is known only to that blog, as ``blog:<name>@<blog host>``
(:func:`ingest.identity.blog_commenter_id`).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin

from graph.errors import InputError, RecordError
from graph.model import SNIPPET_LENGTH, Account, normalize_topic
from ingest.identity import BLOG, blog_commenter_id, blog_id
from ingest.raw_archive import BODY_KEY, META_KEY
from ingest.records import Edge, Parsed, time_cursor

PLATFORM = BLOG
_TAG_RE = re.compile(r"<[^>]+>")
_SPACES_RE = re.compile(r"\s+")
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):(?!//)")
_SPACE_BEFORE_PUNCT_RE = re.compile(r"\s+([,.!?;:])")
_URI_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S")


# -- identity ------------------------------------------------------------------------------------


def site_of(url: object) -> str | None:
    """The blog id (host) of a web address, or ``None`` when it is no web address.

    Examples
    --------
    >>> site_of("https://www.Example.com/a/b?x=1"), site_of("mailto:a@b.c"), site_of("#top")
    ('example.com', None, None)
    """
    if not isinstance(url, str) or not url.strip():
        return None
    text = url.strip()
    scheme = _SCHEME_RE.match(text)
    if scheme and "." not in scheme.group(1):  # mailto:, tel:, javascript:…
        return None
    if text.startswith(("#", "/", "?")):
        return None
    try:
        return blog_id(text)[0]
    except ValueError:
        return None


def blog_account(site: str, name: object = None, url: object = None) -> Account:
    """The :class:`~graph.model.Account` of a blog or commenter id."""
    clean = name.strip()[:256] if isinstance(name, str) and name.strip() else None
    link = url if isinstance(url, str) and url.startswith(("http://", "https://")) else None
    handle = site if "@" not in site else None
    return Account(PLATFORM, site, handle=handle, name=clean, url=link)


#: Hosts of profiles of many people: a commenter whose address is on one of them is
#: known by name on the blog (``blogger.com/profile/123`` is not a site of its own).
SHARED_HOSTS = frozenset({
    "blogger.com", "draft.blogger.com", "wordpress.com", "gravatar.com", "en.gravatar.com",
    "medium.com", "substack.com", "twitter.com", "x.com", "facebook.com", "linkedin.com",
    "github.com", "youtube.com", "instagram.com", "reddit.com", "plus.google.com", "google.com",
    "disqus.com", "livejournal.com", "tumblr.com", "mastodon.social", "bsky.app",
})


def commenter(blog: str, name: object, url: object) -> tuple[str, Account] | None:
    """The id and account of a commenter on ``blog`` (``None`` without name or site).

    A commenter's own site identifies them, unless it is a profile on a shared host
    (:data:`SHARED_HOSTS`): then they are known by name on that blog.

    Examples
    --------
    >>> commenter("b.example", "Ann", "https://ann.example/")[0]
    'ann.example'
    >>> commenter("b.example", "John", "http://www.blogger.com/profile/1234")[0]
    'john@b.example'
    """
    if site_of(url) in SHARED_HOSTS:
        url = None
    try:
        pid, handle = blog_commenter_id(name if isinstance(name, str) else "",
                                        url if isinstance(url, str) else None, blog)
    except ValueError:
        return None
    account = blog_account(pid, name, url)
    if "@" in pid:
        account.handle = handle
    return pid, account


@dataclass
class SiteIndex:
    """The sites whose links count: the blogs being read and the company's domains.

    Examples
    --------
    >>> ix = SiteIndex.of(["https://troyhunt.com/"], ["acme.com"])
    >>> ix.match("https://www.troyhunt.com/a-post/"), ix.match("https://docs.acme.com/x")
    ('troyhunt.com', 'acme.com')
    >>> ix.match("https://example.org/") is None
    True
    """

    blogs: set[str] = field(default_factory=set)
    domains: tuple[str, ...] = ()

    @classmethod
    def of(cls, blogs: Iterable[str] = (), domains: Iterable[str] = ()) -> SiteIndex:
        """An index of blog addresses and company domains (URLs or hosts)."""
        index = cls(domains=tuple(d for d in (site_of(x) for x in domains) if d))
        for b in blogs:
            index.add(b)
        return index

    def add(self, blog: str) -> None:
        site = site_of(blog)
        if site is not None:
            self.blogs.add(site)

    def extend(self, blogs: Iterable[str], domains: Iterable[str]) -> None:
        for b in blogs:
            self.add(b)
        more = [d for d in (site_of(x) for x in domains) if d and d not in self.domains]
        self.domains = (*self.domains, *more)

    def match(self, url: str) -> str | None:
        """The known site ``url`` belongs to, or ``None``."""
        site = site_of(url)
        if site is None:
            return None
        if site in self.blogs:
            return site
        for domain in self.domains:
            if site == domain or site.endswith("." + domain):
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
        Not a feed: malformed XML with no entries (the message gives the line
        when the XML parser said where), or no feed elements at all.
    """
    import feedparser

    raw = content.encode("utf-8") if isinstance(content, str) else content
    headers = {"content-location": url} if url else None
    # Scout resolves the links it keeps itself (against each content's xml:base): feedparser's
    # own rewriting of every relative URI in every entry's HTML would double the cost.
    parsed = feedparser.parse(raw, response_headers=headers, sanitize_html=False,
                              resolve_relative_uris=False)
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


def entry_id(entry: Mapping, blog: str = "") -> str | None:
    """An entry's stable id: ``<id>``/``<guid>``, else its link.

    An id that is no URI (a bare ``<guid isPermaLink="false">``) is only unique
    within its blog, so it is prefixed with the blog.

    Examples
    --------
    >>> entry_id({"id": "6166e7e0"}, "blog.example"), entry_id({"id": "tag:a.b,2009://1.6"}, "x")
    ('blog.example/6166e7e0', 'tag:a.b,2009://1.6')
    """
    for key in ("id", "link"):
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            value = value.strip()
            return value if _URI_RE.match(value) or not blog else f"{blog}/{value}"
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
            if site_of(href) is not None:
                counts["links_elsewhere"] = counts.get("links_elsewhere", 0) + 1
            continue
        if site != blog:
            targets[site] = None
    title = entry.get("title")
    text = title.strip()[:SNIPPET_LENGTH] if isinstance(title, str) and title.strip() else None
    return [Edge(PLATFORM, post_id, "link", f"{PLATFORM}:{blog}", f"{PLATFORM}:{site}", at, text,
                 topics) for site in targets]


def comment_edge(post_id: str, source: str, target: str, at: datetime, text: str | None,
                 topics: tuple[str, ...], kind: str = "comment") -> Edge | None:
    """The ``comment`` (or ``reply``) edge of a commenter; ``None`` when it is the target itself."""
    if source == target:
        return None
    return Edge(PLATFORM, post_id, kind, f"{PLATFORM}:{source}", f"{PLATFORM}:{target}", at,
                text, topics)


def _count(parsed: Parsed, name: str, n: int = 1) -> None:
    parsed.counts[name] = parsed.counts.get(name, 0) + n


def _newest(parsed: Parsed, at: datetime) -> None:
    parsed.newest_id = max(parsed.newest_id or "", time_cursor(at))


@dataclass
class BlogState:
    """What a run remembers across feeds and comment pages.

    ``index`` says which sites' links count; ``authors`` maps comment ids to
    their authors (replies), ``post_topics`` post addresses to categories.
    """

    index: SiteIndex = field(default_factory=SiteIndex)
    authors: dict[str, str] = field(default_factory=dict)
    post_topics: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def blog_of(self, url: str) -> str | None:
        """The blog a post address belongs to: a known blog, else the address's host."""
        return self.index.match(url) or site_of(url)

    def parse_feed(self, parsed_feed, *, comments: bool = False, site: str | None = None) -> Parsed:
        """Records of one feed parsed by :func:`parse_feed`.

        ``comments``: every entry is a comment on the post the feed is about (a
        WordPress ``/feed/`` of a post, reached through ``wfw:commentRss``).
        ``site``: the blog's address when the feed lives elsewhere (default: its ``<link>``).
        """
        out = Parsed()
        feed = parsed_feed.get("feed") or {}
        home = feed.get("link") or parsed_feed.get("href") or ""
        entries = parsed_feed.get("entries") or ()
        threaded = any(isinstance(e.get("thr_in-reply-to"), Mapping) for e in entries)
        if site:
            blog = site_of(site)
        else:
            blog = self.blog_of(home) if comments or threaded else site_of(home)
        if blog is None:
            out.errors.append("the feed names no site (no <link>)")
            return out
        if not (comments or threaded):
            self.index.add(blog)
            out.accounts.append(blog_account(blog, feed.get("title"), home))
        for i, entry in enumerate(entries, 1):
            try:
                at = entry_time(entry)
            except RecordError as exc:
                out.errors.append(f"entry {i}: {exc}")
                continue
            pid = entry_id(entry, blog)
            if pid is None:
                out.errors.append(f"entry {i}: no id, guid or link")
                continue
            _newest(out, at)
            out.posts += 1
            reply_to = entry.get("thr_in-reply-to")
            if comments or isinstance(reply_to, Mapping):
                _count(out, "comments")
                self._feed_comment(entry, pid, at, blog, reply_to, out)
                continue
            _count(out, "entries")
            topics = entry_topics(entry)
            link = entry.get("link")
            if isinstance(link, str):
                self.post_topics[link.split("#", 1)[0]] = topics
            for edge in link_edges(entry, blog, pid, at, self.index, topics, out.counts):
                out.interactions.append(edge)
                out.accounts.append(blog_account(edge.target.partition(":")[2]))
        return out

    def _feed_comment(self, entry: Mapping, pid: str, at: datetime, blog: str, reply_to,
                      out: Parsed) -> None:
        detail = entry.get("author_detail") or {}
        who = commenter(blog, detail.get("name") or entry.get("author"), detail.get("href"))
        if who is None:
            _count(out, "anonymous")
            return
        source, account = who
        self.authors[pid] = source
        out.accounts.append(account)
        post_url = reply_to.get("href") if isinstance(reply_to, Mapping) else None
        post_url = (post_url or entry.get("link") or "").split("#", 1)[0].split("?", 1)[0]
        target_blog = self.blog_of(post_url) or blog
        parent = reply_to.get("ref") if isinstance(reply_to, Mapping) else None
        parent_author = self.authors.get(parent) if isinstance(parent, str) else None
        html, _ = entry_html(entry)
        topics = self.post_topics.get(post_url, ())
        if parent_author is not None:
            edge = comment_edge(pid, source, parent_author, at, html_text(html), topics, "reply")
        else:
            edge = comment_edge(pid, source, target_blog, at, html_text(html), topics)
        if edge is not None:
            out.interactions.append(edge)
            out.accounts.append(blog_account(edge.target.partition(":")[2]))

    def parse_wp_comments(self, page: object, site: str) -> Parsed:
        """Records of one ``/wp-json/wp/v2/comments`` page (a JSON array of comments).

        ``site`` is the blog's address; comments are on its posts. A comment
        whose ``parent`` is another comment replies to that comment's author.
        """
        out = Parsed()
        blog = site_of(site)
        if blog is None:
            raise RecordError(f"{site!r} is not a web address")
        if not isinstance(page, list):
            out.errors.append("not a list of WordPress comments")
            return out
        out.accounts.append(blog_account(blog, None, site))
        for i, c in enumerate(page, 1):
            if not isinstance(c, Mapping) or not isinstance(c.get("id"), int):
                out.errors.append(f"comment {i}: not a WordPress comment (no id)")
                continue
            try:
                at = wp_time(c)
            except RecordError as exc:
                out.errors.append(f"comment {i}: {exc}")
                continue
            if c.get("type") not in (None, "comment", ""):
                _count(out, "pingbacks")
                continue
            out.posts += 1
            _count(out, "comments")
            _newest(out, at)
            pid = f"{blog}#comment-{c['id']}"
            who = commenter(blog, c.get("author_name"), c.get("author_url"))
            if who is None:
                _count(out, "anonymous")
                continue
            source, account = who
            self.authors[pid] = source
            out.accounts.append(account)
            content = c.get("content")
            text = html_text(content.get("rendered") if isinstance(content, Mapping) else None)
            parent = c.get("parent")
            parent_author = self.authors.get(f"{blog}#comment-{parent}") if parent else None
            link = c.get("link") if isinstance(c.get("link"), str) else ""
            topics = self.post_topics.get(link.split("#", 1)[0], ())
            if parent_author is not None:
                edge = comment_edge(pid, source, parent_author, at, text, topics, "reply")
            else:
                if parent:
                    _count(out, "unknown_parents")
                edge = comment_edge(pid, source, blog, at, text, topics)
            if edge is not None:
                out.interactions.append(edge)
        return out


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


def parse_response(record: dict, state: BlogState) -> Parsed:
    """Parse one archived record (see :mod:`ingest.blog` for what ``__scout`` holds).

    * ``call: "feed"``: the body is ``{"xml": feed text}``, or ``{"error": …}``
      for a feed that could not be fetched (reported, the run goes on);
      ``meta`` holds ``url``, the ``blogs`` and company ``domains`` whose links
      count, and ``comments`` (a comments feed);
    * ``call: "wp_comments"``: the body is the JSON list, ``meta.site`` the blog;
      ``{"closed": status}`` when the site's comment API is not open.

    Raises
    ------
    RecordError
        Not a blog record, or a feed that is not one.
    """
    if not isinstance(record, dict) or BODY_KEY not in record:
        raise RecordError("not an archived blog response (no response body)")
    meta = record.get(META_KEY) or {}
    body = record[BODY_KEY]
    state.index.extend(meta.get("blogs") or (), meta.get("domains") or ())
    call = meta.get("call")
    if call == "feed":
        where = meta.get("feed") or meta.get("url") or "feed"
        if isinstance(body, dict) and "error" in body:
            out = Parsed()
            out.errors.append(f"{where}: {body['error']}")
            return out
        if not isinstance(body, dict) or not isinstance(body.get("xml"), str):
            raise RecordError("a feed record without its XML")
        try:
            parsed_feed = parse_feed(body["xml"], where)
        except InputError as exc:
            raise RecordError(str(exc)) from None
        return state.parse_feed(parsed_feed, comments=bool(meta.get("comments")),
                                site=meta.get("site"))
    if call == "wp_comments":
        if isinstance(body, dict) and "closed" in body:
            out = Parsed()
            _count(out, "wp_comments_closed")
            return out
        return state.parse_wp_comments(body, str(meta.get("site") or ""))
    raise RecordError(f"not a blog response (call {call!r})")
