"""Reddit API responses → Scout accounts and interactions.

The parser reads the JSON bodies the Reddit API sends (and that
:mod:`ingest.reddit_api` archives before parsing): listings of submissions
(``/r/<sub>/new``, searches), comment pages (``/comments/<post>``, a
two-element array: the ``t3`` post's listing, then the nested ``t1`` comments),
comment listings (``/r/<sub>/comments``), ``/api/info`` listings and
``/api/morechildren`` answers (``{"json": {"data": {"things": [...]}}}``, flat).

Edge rules
----------
Each rule is a small function of one thing (a ``t1`` comment or a ``t3``
submission) and what the parser already knows:

* **reply** (:func:`reply_edge`) → the author of ``parent_id``: a ``t1_``
  comment or the ``t3_`` post (for comment listings, ``link_author`` names the
  post's author). A parent not seen yet waits (it may come later in the same
  run: a ``more`` stub expanded by ``replace_more``, an ``/api/info`` lookup);
  a parent still unknown at the end is counted, never guessed.
* **mention** (:func:`mention_edges`) → every ``u/name`` (or ``/u/name``) in a
  comment's body or a submission's title and self-text, except the author.
* The **subreddit** is the topic of every edge (``askreddit``).
* Deleted or removed authors (``[deleted]``) are skipped and counted, as their
  replies' targets and as sources; so are replies to oneself.

Identity
--------
A Reddit account is ``reddit:<username lower-cased>`` with the username as
written as its handle: Reddit usernames cannot be changed and are unique
regardless of case, so the name is the stable id (``author_fullname``, the
``t2_`` id, is missing from older responses and from mentions).
Reddit's terms forbid linking Reddit accounts to identities elsewhere: Scout
never joins a Reddit account to a person (see :mod:`ingest.identity`).

Post ids are fullnames (``t1_cu5tt8h``): re-reading a response, or the same
comment in another response, stores nothing new.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from graph.errors import RecordError
from graph.model import SNIPPET_LENGTH, Account
from ingest.identity import reddit_id
from ingest.raw_archive import BODY_KEY
from ingest.records import Edge, Parsed, time_cursor

PLATFORM = "reddit"
# u/name as Reddit links it: at a word start, optionally with a leading slash.
_MENTION_RE = re.compile(r"(?<![\w/])/?u/([A-Za-z0-9_-]{3,20})(?![\w-])")
#: How deep nested replies are followed (Reddit shows at most ~10 levels per page).
_MAX_DEPTH = 200


def account_id(name: object) -> str | None:
    """The platform id of a Reddit author (:func:`ingest.identity.reddit_id`), or ``None``.

    ``None`` for a deleted or removed author, and for a value that is no Reddit
    username (recorded responses scrub names to ``<USERNAME>``): such a thing is
    read, but gives no edge from or to anyone.

    Examples
    --------
    >>> account_id("Your_Local_Librarian"), account_id("[deleted]"), account_id("<USERNAME>")
    ('your_local_librarian', None, None)
    """
    if not isinstance(name, str):
        return None
    try:
        ident = reddit_id(name)
    except ValueError:
        return None
    return ident[0] if ident is not None else None


def account_of(name: str) -> Account:
    """The :class:`~graph.model.Account` of a (valid) Reddit username."""
    pid, handle = reddit_id(name)  # type: ignore[misc] - callers pass valid names
    return Account(PLATFORM, pid, handle=handle, url=f"https://www.reddit.com/user/{handle}")


def created_at(data: Mapping) -> datetime:
    """A thing's time from ``created_utc`` (epoch seconds; ``created`` is offset, never used).

    Raises
    ------
    RecordError
        No usable ``created_utc``.

    Examples
    --------
    >>> created_at({"created_utc": 1467590690.0}).isoformat()
    '2016-07-04T00:04:50+00:00'
    """
    value = data.get("created_utc")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RecordError(f"{data.get('name') or 'thing'}: no created_utc")
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (OverflowError, OSError, ValueError):
        raise RecordError(f"{data.get('name')}: created_utc {value!r} out of range") from None


def topics_of(data: Mapping) -> tuple[str, ...]:
    """The subreddit as a topic.

    Examples
    --------
    >>> topics_of({"subreddit": "AskReddit"})
    ('askreddit',)
    """
    sub = data.get("subreddit")
    return (sub.lower(),) if isinstance(sub, str) and sub else ()


def mentioned_names(text: object) -> list[str]:
    """Usernames written as ``u/name`` or ``/u/name`` in ``text``, first spelling kept, in order.

    Examples
    --------
    >>> mentioned_names("thanks /u/Alice and u/bob_2, not you/u/x nor u/alice")
    ['Alice', 'bob_2']
    """
    if not isinstance(text, str) or "u/" not in text:
        return []
    seen: dict[str, str] = {}
    for m in _MENTION_RE.finditer(text):
        seen.setdefault(m.group(1).lower(), m.group(1))
    return list(seen.values())


def _snippet(text: object) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    return text.strip()[:SNIPPET_LENGTH]


def reply_edge(data: Mapping, author: str, parent_author: str, at: datetime) -> Edge | None:
    """The ``reply`` edge of comment ``data`` by ``author`` to ``parent_author`` (both ids).

    ``None`` for a reply to oneself.
    """
    if parent_author == author:
        return None
    return Edge(PLATFORM, str(data["name"]), "reply", f"{PLATFORM}:{author}",
                f"{PLATFORM}:{parent_author}", at, _snippet(data.get("body")), topics_of(data))


def mention_edges(data: Mapping, author: str, at: datetime, text: str | None) -> list[Edge]:
    """``mention`` edges of a comment or submission to every ``u/name`` in it but its author."""
    edges = []
    names = mentioned_names(data.get("body")) if "body" in data else (
        mentioned_names(f"{data.get('title') or ''}\n{data.get('selftext') or ''}"))
    for name in names:
        target = name.lower()
        if target != author:
            edges.append(Edge(PLATFORM, str(data["name"]), "mention", f"{PLATFORM}:{author}",
                              f"{PLATFORM}:{target}", at, text, topics_of(data)))
    return edges


def _count(parsed: Parsed, name: str, n: int = 1) -> None:
    parsed.counts[name] = parsed.counts.get(name, 0) + n


@dataclass
class RedditState:
    """What one run (or replay) remembers across responses: who wrote what.

    A reply needs its parent's author, which may come in a later response of
    the same run (``more`` stubs, ``/api/info``); such replies wait in
    :attr:`pending` and are written as soon as the parent is read (counted as
    ``replies_waiting`` then ``replies_resolved``).
    """

    #: fullname -> author id, or "" for a deleted author.
    authors: dict[str, str] = field(default_factory=dict)
    #: parent fullname -> comments waiting for the parent's author.
    pending: dict[str, list[dict]] = field(default_factory=dict)
    _newest: datetime | None = field(default=None, repr=False)

    def parse(self, body: object) -> Parsed:
        """Accounts and interactions of one response body.

        Parameters
        ----------
        body : object
            A decoded response: a ``Listing``, a comments page (list of two
            listings), a ``/api/morechildren`` answer or a single thing.

        Returns
        -------
        Parsed
            ``posts`` counts submissions and comments; ``counts`` has
            ``submissions``, ``comments``, ``deleted`` (things by deleted
            authors), ``more`` (stubs with children), ``reply_to_deleted``,
            ``self_replies``, ``replies_waiting`` / ``replies_resolved``;
            ``newest_id`` is the newest thing's time (a time cursor).
        """
        parsed = Parsed()
        if isinstance(body, dict) and isinstance(body.get("json"), dict):
            errors = body["json"].get("errors") or []
            if errors:
                parsed.errors.append(f"Reddit API errors: {errors}"[:300])
            data = body["json"].get("data")
            things = data.get("things") if isinstance(data, dict) else None
            body = {"kind": "Listing", "data": {"children": things or []}}
        self._newest = None
        for thing in _things(body, parsed, 0):
            self._thing(thing, parsed)
        if self._newest is not None:  # formatted once per response
            parsed.newest_id = time_cursor(self._newest)
        return parsed

    def _thing(self, thing: dict, parsed: Parsed) -> None:
        kind = thing.get("kind")
        data = thing.get("data")
        if not isinstance(data, dict):
            parsed.errors.append(f"a {kind!s:.10} thing without data")
            return
        if kind == "more":
            children = data.get("children")
            if isinstance(children, list) and children:
                _count(parsed, "more")
            return
        if kind not in ("t1", "t3"):
            return  # subreddits, accounts, messages: not interactions
        name = data.get("name")
        if not isinstance(name, str) or not name.startswith(kind + "_"):
            parsed.errors.append(f"a {kind} without a fullname")
            return
        try:
            at = created_at(data)
        except RecordError as exc:
            parsed.errors.append(str(exc))
            return
        _count(parsed, "submissions" if kind == "t3" else "comments")
        parsed.posts += 1
        if self._newest is None or at > self._newest:
            self._newest = at
        author = account_id(data.get("author"))
        self.authors[name] = author or ""
        if kind == "t1" and data.get("link_author") is not None:
            link_id = data.get("link_id")
            if isinstance(link_id, str) and link_id not in self.authors:
                self.authors[link_id] = account_id(data.get("link_author")) or ""
                self._release(link_id, parsed)
        if author is None:
            _count(parsed, "deleted")
        else:
            parsed.accounts.append(account_of(data["author"]))
            text = _snippet(data.get("body") if kind == "t1" else data.get("title"))
            for edge in mention_edges(data, author, at, text):
                parsed.interactions.append(edge)
                parsed.accounts.append(account_of(_name_as_written(data, edge.target)))
            if kind == "t1":
                self._reply(data, author, at, parsed)
        self._release(name, parsed)

    def _reply(self, data: dict, author: str, at: datetime, parsed: Parsed) -> None:
        parent = data.get("parent_id")
        if not isinstance(parent, str):
            parsed.errors.append(f"{data['name']}: no parent_id")
            return
        parent_author = self.authors.get(parent)
        if parent_author is None:
            self.pending.setdefault(parent, []).append(data)
            _count(parsed, "replies_waiting")
            return
        self._emit_reply(data, author, parent_author, at, parsed)

    def _emit_reply(self, data: dict, author: str, parent_author: str, at: datetime,
                    parsed: Parsed) -> None:
        if not parent_author:
            _count(parsed, "reply_to_deleted")
            return
        edge = reply_edge(data, author, parent_author, at)
        if edge is None:
            _count(parsed, "self_replies")
            return
        parsed.interactions.append(edge)

    def _release(self, fullname: str, parsed: Parsed) -> None:
        """Write the replies that waited for ``fullname``'s author."""
        waiting = self.pending.pop(fullname, None)
        if not waiting:
            return
        parent_author = self.authors[fullname]
        for data in waiting:
            author = account_id(data.get("author"))
            if author is not None:
                _count(parsed, "replies_resolved")
                self._emit_reply(data, author, parent_author, created_at(data), parsed)

    def unresolved(self) -> list[str]:
        """Fullnames of parents still unknown (what ``/api/info`` would be asked)."""
        return sorted(self.pending)


def parse_response(record: dict, state: RedditState) -> Parsed:
    """Parse one archived record ``{"__scout": meta, "response": body}`` (see :mod:`ingest.reddit`).

    Raises
    ------
    RecordError
        The record holds no response body.
    """
    if not isinstance(record, dict) or BODY_KEY not in record:
        raise RecordError("not an archived Reddit response (no response body)")
    return state.parse(record[BODY_KEY])


def _name_as_written(data: Mapping, key: str) -> str:
    """The spelling of a mentioned username as written in the thing (for its handle)."""
    target = key.partition(":")[2]
    text = data.get("body") if "body" in data else f"{data.get('title')}\n{data.get('selftext')}"
    for name in mentioned_names(text):
        if name.lower() == target:
            return name
    return target


def _things(body: object, parsed: Parsed, depth: int) -> Iterator[dict]:
    """Every thing in a response, parents before their replies (depth-first)."""
    if depth > _MAX_DEPTH:
        parsed.errors.append(f"replies nested deeper than {_MAX_DEPTH}")
        return
    if isinstance(body, list):
        for part in body:
            yield from _things(part, parsed, depth + 1)
        return
    if not isinstance(body, dict):
        parsed.errors.append(f"not a Reddit response (a {type(body).__name__})")
        return
    kind = body.get("kind")
    if kind == "Listing":
        data = body.get("data")
        children = data.get("children") if isinstance(data, dict) else None
        if not isinstance(children, list):
            parsed.errors.append("a Listing without children")
            return
        for child in children:
            yield from _things(child, parsed, depth + 1)
        return
    if not isinstance(kind, str):
        parsed.errors.append("not a Reddit thing (no kind)")
        return
    yield body
    data = body.get("data")
    replies = data.get("replies") if isinstance(data, dict) else None
    if isinstance(replies, dict):
        yield from _things(replies, parsed, depth + 1)
