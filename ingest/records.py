"""The row form of an interaction that the ingest parsers produce.

:class:`Edge` has the fields (and attribute names) of
:class:`graph.model.Interaction`, but it is a plain named tuple: no per-row
validation on construction. Batches of edges go to the store as one
DataFrame (:meth:`graph.store.GraphStore.write_batch` validates frames column
by column), which is several times cheaper than building one ``Interaction``
per row. The parsers only build edges from values they have checked: a known
platform and kind, a non-empty post id, ``platform:id`` keys, an aware time
and a non-negative weight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

import pandas as pd

from graph.model import INTERACTION_COLUMNS, Account, Interaction


class Edge(NamedTuple):
    """One interaction: ``source`` engages with ``target`` (see :class:`graph.model.Interaction`)."""

    platform: str
    post_id: str
    kind: str
    source: str
    target: str
    at: datetime
    text: str | None = None
    topics: tuple[str, ...] = ()
    lang: str | None = None
    weight: float = 1.0

    def to_interaction(self) -> Interaction:
        """The validated record (tests, and callers that want one)."""
        return Interaction(*self)


assert Edge._fields == INTERACTION_COLUMNS, "Edge must mirror graph.model.INTERACTION_COLUMNS"


def edges_frame(rows: list) -> pd.DataFrame:
    """A DataFrame with :data:`graph.model.INTERACTION_COLUMNS` from edges (or ``Interaction`` objects).

    Examples
    --------
    >>> from datetime import UTC
    >>> edges_frame([Edge("x", "1", "mention", "x:1", "x:2", datetime(2024, 1, 1, tzinfo=UTC))]).shape
    (1, 10)
    """
    tuples = [r if isinstance(r, tuple) else tuple(getattr(r, f) for f in Edge._fields) for r in rows]
    return pd.DataFrame.from_records(tuples, columns=list(Edge._fields))


_HASHTAG = re.compile(r"(?<![\w&/#])#(\w{1,100})")


def text_hashtags(text: str) -> tuple[str, ...]:
    """The hashtags of a plain text, lower-cased, in order, once each: topics.

    For platforms whose API gives no hashtag entities (YouTube comments, blog
    posts…); a tag needs a letter (``#1`` is a number), ``&#39;`` is no tag.

    Examples
    --------
    >>> text_hashtags("Love #DataViz and #dataviz, not #1 or &#39; (#Ünïcode)")
    ('dataviz', 'ünïcode')
    """
    if "#" not in text:
        return ()
    seen: dict[str, None] = {}
    for tag in _HASHTAG.findall(text):
        if any(c.isalpha() for c in tag):
            seen[tag.lower()] = None
    return tuple(seen)


def newer_cursor(a: int | str | None, b: int | str | None) -> int | str | None:
    """The newer of two cursor values (``None`` is older than anything).

    Ids (``int``) compare as numbers, time cursors (``str``) as text, which is
    time order for :func:`time_cursor` values.

    Examples
    --------
    >>> newer_cursor(None, 5), newer_cursor(12, 9), newer_cursor("2024-01-02", "2024-01-01")
    (5, 12, '2024-01-02')
    """
    if a is None:
        return b
    if b is None:
        return a
    if type(a) is not type(b):  # an old cursor of another form: the newer value wins
        return b
    return b if b > a else a  # type: ignore[operator]


def time_cursor(at: datetime) -> str:
    """A time as a cursor string whose text order is time order (UTC, microseconds).

    Examples
    --------
    >>> time_cursor(datetime(2024, 5, 1, 12, tzinfo=UTC))
    '2024-05-01T12:00:00.000000Z'
    """
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(slots=True)
class Parsed:
    """What one record (a page, a response, a tweet) yielded, on any platform.

    ``posts`` counts primary tweets (the ones the query or file is about),
    ``users`` primary user objects, ``referenced`` tweets that came along as
    expansions. ``errors`` are reasons for rejected tweets inside the record.
    """

    posts: int = 0
    users: int = 0
    referenced: int = 0
    accounts: list[Account] = field(default_factory=list)
    interactions: list[Edge] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: The newest cursor value seen: a post id (``int``, compared as a number) or a
    #: time cursor (``str`` from :func:`time_cursor`, compared as text).
    newest_id: int | str | None = None
    api_errors: int = 0
    unresolved: int = 0
    #: Other counters for the run's summary (``deleted``, ``hidden_authors``…), summed.
    counts: dict[str, int] = field(default_factory=dict)

    def extend(self, other: Parsed) -> None:
        """Add ``other``'s counts and rows to this one."""
        self.posts += other.posts
        self.users += other.users
        self.referenced += other.referenced
        self.accounts.extend(other.accounts)
        self.interactions.extend(other.interactions)
        self.errors.extend(other.errors)
        self.api_errors += other.api_errors
        self.unresolved += other.unresolved
        for name, n in other.counts.items():
            self.counts[name] = self.counts.get(name, 0) + n
        self.newest_id = newer_cursor(self.newest_id, other.newest_id)


class SeenUsers:
    """The user objects already turned into accounts during one run, by id (every platform's
    parser keeps one in its run state).

    A page repeats the profiles of its authors' followers-of-followers again and
    again; when a user object is identical to the last one seen, its account
    would be upserted with the very same values, so it is skipped. That is safe
    for re-runs: the earlier copy is in the same or an earlier batch.
    """

    __slots__ = ("users", "limit")

    def __init__(self, limit: int = 500_000) -> None:
        self.users: dict[str, object] = {}
        self.limit = limit

    def is_repeat(self, uid: str, user: object) -> bool:
        """Whether ``user`` equals the last object seen for ``uid`` (and remember it)."""
        users = self.users
        if users.get(uid) == user:
            return True
        if len(users) >= self.limit:
            users.clear()  # bound memory; at worst some unchanged profiles are rewritten
        users[uid] = user
        return False
