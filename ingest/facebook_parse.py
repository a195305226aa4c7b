"""Facebook Pages: Graph API comment pages → Scout accounts and interactions.

Scout reads only the **company's own Pages**: the Graph API gives a Page's
comments, with who wrote them (``from``), only to a Page access token of a Page
the token's user administers (``pages_read_engagement`` and
``pages_read_user_content``). Nobody else's Pages, groups or profiles.

The parser reads the JSON of ``GET /{post-id}/comments?filter=stream`` (every
comment and reply of a post, flat, oldest first) with the fields
``id, from{id,name}, message, created_time, parent{id,from{id,name}}``, and of
``GET /{page-id}/posts`` (the posts, which carry no interaction themselves).
A page of results is ``{"data": [...], "paging": {"cursors": {"before",
"after"}, "next"}}`` (``next`` is absent on the last page); times look like
``2024-01-02T03:04:05+0000``.

Edge rules
----------
* a comment without ``parent`` → **comment** to the Page that published the post;
* a reply (``parent``) → **reply** to the parent comment's author (from
  ``parent.from``, or a parent read earlier in the run);
* ``#hashtags`` in the message are the edge's topics;
* a comment without ``from`` (Facebook hides the author of people who have not
  allowed it to apps) is counted as ``hidden_authors``, never guessed.

Identity: ``facebook:<id>`` — the numeric id Facebook gives the author (a
Page's own id for Pages), the display name as the account's name. Facebook
ids are stable; there are no handles.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from graph.errors import RecordError
from graph.model import SNIPPET_LENGTH, Account
from ingest.pipeline import Chunk
from ingest.records import Edge

PLATFORM = "facebook"
_ID_RE = re.compile(r"^[0-9_]{1,64}$")
_HASHTAG_RE = re.compile(r"(?<![\w&])#(\w{1,100})")
COMMENT_FIELDS = ("id", "from{id,name}", "message", "created_time", "parent{id,from{id,name}}")
POST_FIELDS = ("id", "created_time", "from{id,name}")


def graph_time(value: object) -> datetime:
    """A Graph API time (``2024-01-02T03:04:05+0000``) as an aware UTC datetime.

    Raises
    ------
    RecordError
        Unreadable.

    Examples
    --------
    >>> graph_time("2024-01-02T03:04:05+0000").isoformat()
    '2024-01-02T03:04:05+00:00'
    """
    if not isinstance(value, str):
        raise RecordError("no created_time")
    try:
        at = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        raise RecordError(f"unreadable created_time {value[:40]!r}") from None
    return at.astimezone(UTC)


def author_of(obj: object) -> tuple[str, str | None] | None:
    """``(id, name)`` of a Graph object's ``from``, or ``None`` when hidden or malformed.

    Examples
    --------
    >>> author_of({"from": {"id": "10", "name": "Ann"}}), author_of({"message": "hi"})
    (('10', 'Ann'), None)
    """
    who = obj.get("from") if isinstance(obj, Mapping) else None
    if not isinstance(who, Mapping):
        return None
    fid = who.get("id")
    if not isinstance(fid, str) or not _ID_RE.match(fid):
        return None
    name = who.get("name")
    return fid, name.strip()[:256] if isinstance(name, str) and name.strip() else None


def hashtags(text: object) -> tuple[str, ...]:
    """Hashtags of a message, lower-cased, first occurrence first.

    Examples
    --------
    >>> hashtags("Love it #Acme #acme #new")
    ('acme', 'new')
    """
    if not isinstance(text, str) or "#" not in text:
        return ()
    return tuple(dict.fromkeys(m.lower() for m in _HASHTAG_RE.findall(text)))


def comment_edge(comment: Mapping, author: str, target: str, kind: str, at: datetime) -> Edge | None:
    """The ``comment`` or ``reply`` edge of a comment; ``None`` for one addressed to oneself."""
    if author == target:
        return None
    message = comment.get("message")
    text = message.strip()[:SNIPPET_LENGTH] if isinstance(message, str) and message.strip() else None
    return Edge(PLATFORM, str(comment["id"]), kind, f"{PLATFORM}:{author}",
                f"{PLATFORM}:{target}", at, text, hashtags(message))


@dataclass
class FacebookParser:
    """Reads the comment pages of one Page's posts.

    ``page_id`` and ``page_name`` name the Page, the target of top-level comments.
    """

    page_id: str
    page_name: str | None = None
    authors: dict[str, str] = field(default_factory=dict)
    newest: datetime | None = None

    def parse_comments(self, page: object, origin: str) -> Chunk:
        """Records of one ``/{post-id}/comments`` page."""
        chunk = Chunk(counts={"comments": 0})
        data = page.get("data") if isinstance(page, Mapping) else None
        if not isinstance(data, list):
            chunk.errors.append(f"{origin}: not a Graph API page (no data list)")
            return chunk
        chunk.accounts.append(Account(PLATFORM, self.page_id, name=self.page_name))
        for i, c in enumerate(data, 1):
            where = f"{origin}: comment {i}"
            if not isinstance(c, Mapping) or not isinstance(c.get("id"), str):
                chunk.errors.append(f"{where}: not a comment (no id)")
                continue
            try:
                at = graph_time(c.get("created_time"))
            except RecordError as exc:
                chunk.errors.append(f"{where}: {exc}")
                continue
            chunk.read += 1
            chunk.counts["comments"] += 1
            if self.newest is None or at > self.newest:
                self.newest = at
            who = author_of(c)
            if who is None:
                chunk.counts["hidden_authors"] = chunk.counts.get("hidden_authors", 0) + 1
                continue
            author, name = who
            self.authors[c["id"]] = author
            chunk.accounts.append(Account(PLATFORM, author, name=name))
            edge = self._edge(c, author, at, chunk)
            if edge is not None:
                chunk.interactions.append(edge)
                chunk.origins.append(where)
        return chunk

    def _edge(self, c: Mapping, author: str, at: datetime, chunk: Chunk) -> Edge | None:
        parent = c.get("parent")
        if not isinstance(parent, Mapping):
            return comment_edge(c, author, self.page_id, "comment", at)
        parent_who = author_of(parent)
        target = parent_who[0] if parent_who else self.authors.get(str(parent.get("id")))
        if target is None:
            chunk.counts["hidden_parents"] = chunk.counts.get("hidden_parents", 0) + 1
            return None
        if parent_who is not None:
            chunk.accounts.append(Account(PLATFORM, parent_who[0], name=parent_who[1]))
        return comment_edge(c, author, target, "reply", at)

    def parse_posts(self, page: object, origin: str) -> tuple[list[str], list[str]]:
        """The post ids of one ``/{page-id}/posts`` page, and messages for bad entries."""
        data = page.get("data") if isinstance(page, Mapping) else None
        if not isinstance(data, list):
            return [], [f"{origin}: not a Graph API page (no data list)"]
        ids, errors = [], []
        for i, p in enumerate(data, 1):
            pid = p.get("id") if isinstance(p, Mapping) else None
            if isinstance(pid, str) and _ID_RE.match(pid):
                ids.append(pid)
            else:
                errors.append(f"{origin}: post {i}: no id")
        return ids, errors
