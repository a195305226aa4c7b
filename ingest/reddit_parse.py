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
from ingest.pipeline import Chunk
from ingest.records import Edge

PLATFORM = "reddit"
#: Authors that stand for a deleted or removed account.
DELETED_AUTHORS = frozenset({"", "[deleted]", "[removed]"})
_USERNAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
# u/name as Reddit links it: at a word start, optionally with a leading slash.
_MENTION_RE = re.compile(r"(?<![\w/])/?u/([A-Za-z0-9_-]{3,20})(?![\w-])")
#: How deep nested replies are followed (Reddit shows at most ~10 levels per page).
_MAX_DEPTH = 200


def account_id(name: object) -> str | None:
    """The platform id of a Reddit username, or ``None`` for a deleted or invalid one.

    Examples
    --------
    >>> account_id("Your_Local_Librarian"), account_id("[deleted]")
    ('your_local_librarian', None)
    """
    if not isinstance(name, str) or name in DELETED_AUTHORS or not _USERNAME_RE.match(name):
        return None
    return name.lower()


def account_of(name: str) -> Account:
    """The :class:`~graph.model.Account` of a (valid) Reddit username."""
    return Account(PLATFORM, name.lower(), handle=name, url=f"https://www.reddit.com/user/{name}")


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


@dataclass
class RedditParser:
    """Reads Reddit responses one at a time, remembering who wrote what.

    A reply needs its parent's author, which may come in a later response of
    the same run (``more`` stubs, ``/api/info``); such replies wait in
    :attr:`pending` and are written as soon as the parent is known.
    ``known`` maps fullnames to authors' ids learnt earlier (the store's
    previous comments, see :func:`known_authors`).
    """

    known: dict[str, str] = field(default_factory=dict)
    #: fullname -> author id, or "" for a deleted author.
    authors: dict[str, str] = field(default_factory=dict)
    #: parent fullname -> [(comment data, origin)] waiting for the parent's author.
    pending: dict[str, list[tuple[dict, str]]] = field(default_factory=dict)
    #: Newest time of a submission or comment read (the source's cursor).
    newest: datetime | None = None
    #: ``more`` stubs seen (``replace_more`` expands them when fetching).
    more: int = 0

    def parse(self, body: object, origin: str) -> Chunk:
        """Accounts and interactions of one response body.

        Parameters
        ----------
        body : object
            A decoded response: a ``Listing``, a comments page (list of two
            listings), a ``/api/morechildren`` answer or a single thing.
        origin : str
            ``file:line`` of the body (error messages, evidence).

        Returns
        -------
        Chunk
            ``read`` counts the submissions and comments; ``counts`` has
            ``submissions``, ``comments``, ``deleted`` (things by deleted
            authors), ``more`` (unexpanded stubs).
        """
        chunk = Chunk(counts={"submissions": 0, "comments": 0, "deleted": 0, "more": 0})
        if isinstance(body, dict) and isinstance(body.get("json"), dict):
            errors = body["json"].get("errors") or []
            if errors:
                chunk.errors.append(f"{origin}: Reddit API errors: {errors}"[:300])
            data = body["json"].get("data")
            things = data.get("things") if isinstance(data, dict) else None
            body = {"kind": "Listing", "data": {"children": things or []}}
        for thing in _things(body, origin, chunk, 0):
            self._thing(thing, origin, chunk)
        return chunk

    def _thing(self, thing: dict, origin: str, chunk: Chunk) -> None:
        kind = thing.get("kind")
        data = thing.get("data")
        if not isinstance(data, dict):
            chunk.errors.append(f"{origin}: a {kind!s:.10} thing without data")
            return
        if kind == "more":
            children = data.get("children")
            if isinstance(children, list) and children:
                self.more += 1
                chunk.counts["more"] += 1
            return
        if kind not in ("t1", "t3"):
            return  # subreddits, accounts, messages: not interactions
        name = data.get("name")
        if not isinstance(name, str) or not name.startswith(kind + "_"):
            chunk.errors.append(f"{origin}: {kind} without a fullname")
            return
        try:
            at = created_at(data)
        except RecordError as exc:
            chunk.errors.append(f"{origin}: {exc}")
            return
        chunk.counts["submissions" if kind == "t3" else "comments"] += 1
        chunk.read += 1
        if self.newest is None or at > self.newest:
            self.newest = at
        author = account_id(data.get("author"))
        self.authors[name] = author or ""
        if kind == "t1" and data.get("link_author") is not None:
            link_id = data.get("link_id")
            if isinstance(link_id, str) and link_id not in self.authors:
                self.authors[link_id] = account_id(data.get("link_author")) or ""
                self._release(link_id, chunk)
        if author is None:
            chunk.counts["deleted"] += 1
        else:
            chunk.accounts.append(account_of(data["author"]))
            text = _snippet(data.get("body") if kind == "t1" else data.get("title"))
            for edge in mention_edges(data, author, at, text):
                chunk.interactions.append(edge)
                chunk.origins.append(origin)
                chunk.accounts.append(account_of(_name_as_written(data, edge.target)))
            if kind == "t1":
                self._reply(data, author, at, origin, chunk)
        self._release(name, chunk)

    def _reply(self, data: dict, author: str, at: datetime, origin: str, chunk: Chunk) -> None:
        parent = data.get("parent_id")
        if not isinstance(parent, str):
            chunk.errors.append(f"{origin}: {data['name']}: no parent_id")
            return
        parent_author = self.authors.get(parent)
        if parent_author is None:
            parent_author = self.known.get(parent)
        if parent_author is None:
            self.pending.setdefault(parent, []).append((data, origin))
            return
        self._emit_reply(data, author, parent_author, at, origin, chunk)

    def _emit_reply(self, data: dict, author: str, parent_author: str, at: datetime, origin: str,
                    chunk: Chunk) -> None:
        if not parent_author:
            chunk.counts["reply_to_deleted"] = chunk.counts.get("reply_to_deleted", 0) + 1
            return
        edge = reply_edge(data, author, parent_author, at)
        if edge is None:
            chunk.counts["self_replies"] = chunk.counts.get("self_replies", 0) + 1
            return
        chunk.interactions.append(edge)
        chunk.origins.append(origin)

    def _release(self, fullname: str, chunk: Chunk) -> None:
        """Write the replies that waited for ``fullname``'s author."""
        waiting = self.pending.pop(fullname, None)
        if not waiting:
            return
        parent_author = self.authors[fullname]
        for data, origin in waiting:
            author = account_id(data.get("author"))
            if author is not None:
                self._emit_reply(data, author, parent_author, created_at(data), origin, chunk)

    def unresolved(self) -> list[str]:
        """Fullnames of parents still unknown (to look up with ``/api/info``)."""
        return sorted(self.pending)

    def finish(self) -> Chunk:
        """A last chunk counting the replies whose parent never became known."""
        waiting = sum(len(v) for v in self.pending.values())
        return Chunk(counts={"unresolved_parents": waiting} if waiting else {})


def _name_as_written(data: Mapping, key: str) -> str:
    """The spelling of a mentioned username as written in the thing (for its handle)."""
    target = key.partition(":")[2]
    text = data.get("body") if "body" in data else f"{data.get('title')}\n{data.get('selftext')}"
    for name in mentioned_names(text):
        if name.lower() == target:
            return name
    return target


def _things(body: object, origin: str, chunk: Chunk, depth: int) -> Iterator[dict]:
    """Every thing in a response, parents before their replies (depth-first)."""
    if depth > _MAX_DEPTH:
        chunk.errors.append(f"{origin}: replies nested deeper than {_MAX_DEPTH}")
        return
    if isinstance(body, list):
        for part in body:
            yield from _things(part, origin, chunk, depth + 1)
        return
    if not isinstance(body, dict):
        chunk.errors.append(f"{origin}: not a Reddit response (a {type(body).__name__})")
        return
    kind = body.get("kind")
    if kind == "Listing":
        data = body.get("data")
        children = data.get("children") if isinstance(data, dict) else None
        if not isinstance(children, list):
            chunk.errors.append(f"{origin}: a Listing without children")
            return
        for child in children:
            yield from _things(child, origin, chunk, depth + 1)
        return
    if not isinstance(kind, str):
        chunk.errors.append(f"{origin}: not a Reddit thing (no kind)")
        return
    yield body
    data = body.get("data")
    replies = data.get("replies") if isinstance(data, dict) else None
    if isinstance(replies, dict):
        yield from _things(replies, origin, chunk, depth + 1)


def known_authors(store, fullnames: list[str] | None = None) -> dict[str, str]:
    """Authors of Reddit comments stored by earlier runs: fullname → account id.

    A reply fetched today to a comment stored last week finds its target here.
    """
    frame = store.interactions(platforms=[PLATFORM], with_text=False)
    if frame.empty:
        return {}
    frame = frame[frame["post_id"].str.startswith("t1_")]
    ids = frame["source"].str.partition(":")[2]
    return dict(zip(frame["post_id"], ids, strict=True))


def after_cursor(newest: datetime | None) -> str | None:
    """The cursor string of the newest time read (see :func:`ingest.records.time_cursor`)."""
    if newest is None:
        return None
    return newest.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
