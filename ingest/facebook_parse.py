"""Facebook Pages: Graph API comment pages → Scout accounts and interactions.

Scout reads only the **company's own Pages**: the Graph API gives a Page's
comments, with who wrote them (``from``), only to a Page access token of a Page
the token's user administers (``pages_read_engagement`` and
``pages_read_user_content``). Nobody else's Pages, groups or profiles.

The parser (:func:`parse_response`, fed by :mod:`ingest.facebook`) reads the JSON of ``GET /{post-id}/comments?filter=stream`` (every
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
from ingest.identity import facebook_id
from ingest.raw_archive import BODY_KEY, META_KEY
from ingest.records import Edge, Parsed, text_hashtags, time_cursor

PLATFORM = "facebook"
_ID_RE = re.compile(r"^[0-9_]{1,64}$")
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
        at = datetime.fromisoformat(value)  # Python 3.11 reads the +0000 offset
    except ValueError:
        raise RecordError(f"unreadable created_time {value[:40]!r}") from None
    if at.tzinfo is None:
        raise RecordError(f"created_time without a zone {value[:40]!r}")
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
    if not isinstance(fid, str) or not fid.isdigit():
        return None
    name = who.get("name")
    return facebook_id(fid)[0], name.strip()[:256] if isinstance(name, str) and name.strip() else None


def hashtags(text: object) -> tuple[str, ...]:
    """Hashtags of a message (:func:`ingest.records.text_hashtags`).

    Examples
    --------
    >>> hashtags("Love it #Acme #acme #new")
    ('acme', 'new')
    """
    return tuple(text_hashtags(text)) if isinstance(text, str) else ()


def comment_edge(comment: Mapping, author: str, target: str, kind: str, at: datetime) -> Edge | None:
    """The ``comment`` or ``reply`` edge of a comment; ``None`` for one addressed to oneself."""
    if author == target:
        return None
    message = comment.get("message")
    text = message.strip()[:SNIPPET_LENGTH] if isinstance(message, str) and message.strip() else None
    return Edge(PLATFORM, str(comment["id"]), kind, f"{PLATFORM}:{author}",
                f"{PLATFORM}:{target}", at, text, hashtags(message))


def _count(parsed: Parsed, name: str, n: int = 1) -> None:
    parsed.counts[name] = parsed.counts.get(name, 0) + n


@dataclass
class FacebookState:
    """What a run remembers: the Page (target of top-level comments) and who wrote each comment."""

    page_id: str | None = None
    page_name: str | None = None
    authors: dict[str, str] = field(default_factory=dict)

    def parse_page(self, body: object) -> Parsed:
        """The Page's own profile (``GET /{page-id}?fields=id,name,fan_count,link``)."""
        out = Parsed()
        if not isinstance(body, Mapping) or not isinstance(body.get("id"), str):
            out.errors.append("not a Graph API Page (no id)")
            return out
        self.page_id, _ = facebook_id(body["id"])
        name = body.get("name")
        self.page_name = name.strip()[:256] if isinstance(name, str) and name.strip() else None
        fans = body.get("followers_count", body.get("fan_count"))
        out.accounts.append(Account(PLATFORM, self.page_id, name=self.page_name,
                                    handle=body.get("username") if isinstance(body.get("username"), str) else None,
                                    followers=fans if isinstance(fans, int) and fans >= 0 else None,
                                    url=body.get("link") if isinstance(body.get("link"), str) else None))
        out.users += 1
        return out

    def parse_comments(self, page: object, page_id: str | None = None) -> Parsed:
        """Records of one ``/{post-id}/comments`` page; ``page_id`` is the post's Page."""
        out = Parsed()
        data = page.get("data") if isinstance(page, Mapping) else None
        if not isinstance(data, list):
            out.errors.append("not a Graph API page (no data list)")
            return out
        target_page = page_id or self.page_id
        if target_page is None:
            raise RecordError("comments of an unknown Page (no page id in the record)")
        newest = None
        known: set[str] = set()
        for i, c in enumerate(data, 1):
            if not isinstance(c, Mapping) or not isinstance(c.get("id"), str):
                out.errors.append(f"comment {i}: not a comment (no id)")
                continue
            try:
                at = graph_time(c.get("created_time"))
            except RecordError as exc:
                out.errors.append(f"comment {i}: {exc}")
                continue
            out.posts += 1
            if newest is None or at > newest:
                newest = at
            who = author_of(c)
            if who is None:
                _count(out, "hidden_authors")
                continue
            author, name = who
            self.authors[c["id"]] = author
            if author not in known:  # one account per page is enough (later ones repeat it)
                known.add(author)
                out.accounts.append(Account(PLATFORM, author, name=name))
            edge = self._edge(c, author, at, target_page, out)
            if edge is not None:
                out.interactions.append(edge)
        _count(out, "comments", out.posts)
        if newest is not None:
            out.newest_id = time_cursor(newest)
        return out

    def _edge(self, c: Mapping, author: str, at: datetime, page_id: str, out: Parsed) -> Edge | None:
        parent = c.get("parent")
        if not isinstance(parent, Mapping):
            return comment_edge(c, author, page_id, "comment", at)
        parent_who = author_of(parent)
        target = parent_who[0] if parent_who else self.authors.get(str(parent.get("id")))
        if target is None:
            _count(out, "hidden_parents")
            return None
        if parent_who is not None:
            out.accounts.append(Account(PLATFORM, parent_who[0], name=parent_who[1]))
        return comment_edge(c, author, target, "reply", at)


def post_ids(page: object) -> list[str]:
    """The post ids of one ``/{page-id}/posts`` page (entries without an id are skipped).

    Examples
    --------
    >>> post_ids({"data": [{"id": "1_2"}, {"x": 1}]})
    ['1_2']
    """
    data = page.get("data") if isinstance(page, Mapping) else None
    return [p["id"] for p in data or [] if isinstance(p, Mapping) and isinstance(p.get("id"), str)
            and _ID_RE.match(p["id"])] if isinstance(data, list) else []


def parse_response(record: dict, state: FacebookState) -> Parsed:
    """Parse one archived record: ``call`` is ``page``, ``posts`` or ``comments``.

    A ``comments`` record's ``__scout`` names its ``page_id`` and ``post_id``.

    Raises
    ------
    RecordError
        Not a Facebook record.
    """
    if not isinstance(record, dict) or BODY_KEY not in record:
        raise RecordError("not an archived Graph API response (no response body)")
    meta = record.get(META_KEY) or {}
    body = record[BODY_KEY]
    call = meta.get("call")
    if call == "page":
        return state.parse_page(body)
    if call == "posts":
        out = Parsed()
        if not isinstance(body, Mapping) or not isinstance(body.get("data"), list):
            out.errors.append("not a Graph API page (no data list)")
        else:
            _count(out, "posts_listed", len(body["data"]))
        return out
    if call == "comments":
        page_id = meta.get("page_id")
        return state.parse_comments(body, str(page_id) if page_id else None)
    raise RecordError(f"not a Graph API response Scout reads (call {call!r})")
