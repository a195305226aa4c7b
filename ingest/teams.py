"""Microsoft Teams messages → accounts and interactions.

Input: JSON Lines, one Microsoft Graph ``chatMessage`` per line, as
``GET /teams/{id}/channels/{id}/messages`` (and ``…/replies``) or
``GET /chats/{id}/messages`` return them (the objects of ``value``; a line may
also hold a whole response page ``{"value": [...]}``). Fields used, as the
Graph v1.0 reference documents the resource: ``id``, ``replyToId``,
``messageType``, ``createdDateTime``, ``deletedDateTime``, ``from.user``
(``id``, ``displayName``), ``mentions[].mentioned.user``,
``reactions[]`` (``reactionType``, ``user.user``), ``channelIdentity``
(``teamId``, ``channelId``), ``chatId`` and ``body.content``.

Edge rules: a reply (``replyToId``) → ``reply`` to the parent's author; each
mentioned user → ``mention``; each reaction → ``react`` from the reacting user
to the author. System messages (``messageType`` other than ``message``) and
deleted messages yield nothing. A user is ``teams:<Azure AD object id>``;
text is kept (tags stripped, 280 characters) for channel messages only, never
for chats.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from graph.model import SNIPPET_LENGTH, Account
from ingest.jsonio import loads
from ingest.pipeline import Chunk
from ingest.records import Edge
from ingest.sources import Input

PLATFORM = "teams"
MESSAGES_PER_CHUNK = 1000
_TAG_RE = re.compile(r"<[^>]+>")


@dataclass(slots=True)
class TeamsMessage:
    """One parsed ``chatMessage``: where it was, its id, author and edges still to resolve."""

    where: str
    post_id: str
    conversation: str
    author: str
    at: datetime
    parent: str | None
    text: str | None
    mentions: list[str]
    reactions: list[tuple[str, str]]


def graph_time(value: object) -> datetime:
    """A Graph ``DateTimeOffset`` (``2026-03-02T09:00:00.123Z``) as an aware UTC datetime.

    Raises
    ------
    ValueError
        If the value is not an ISO 8601 time.
    """
    if not isinstance(value, str) or not value:
        raise ValueError("no 'createdDateTime'")
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    # Graph sends up to 7 fractional digits; Python reads at most 6.
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"unreadable 'createdDateTime' {value!r}") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _user(identity: object) -> dict | None:
    """The ``user`` of an identity set, when it has an id."""
    if not isinstance(identity, dict):
        return None
    user = identity.get("user")
    if isinstance(user, dict) and isinstance(user.get("id"), str) and user["id"].strip():
        return user
    return None


def _plain(body: object) -> str | None:
    if not isinstance(body, dict) or not isinstance(body.get("content"), str):
        return None
    text = " ".join(html.unescape(_TAG_RE.sub(" ", body["content"])).split())
    return text[:SNIPPET_LENGTH] or None


def parse_message(obj: object, where: str, accounts: dict[str, Account]) -> TeamsMessage | None:
    """A ``chatMessage`` → :class:`TeamsMessage` (``None`` for system and deleted messages).

    Raises
    ------
    ValueError
        Not an object, or no id, author or time.
    """
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    if obj.get("messageType", "message") != "message" or obj.get("deletedDateTime"):
        return None
    mid = obj.get("id")
    if not isinstance(mid, str) or not mid:
        raise ValueError("message without 'id'")
    author = _user(obj.get("from"))
    if author is None:
        raise ValueError("message without 'from.user.id' (an application or a deleted user)")
    at = graph_time(obj.get("createdDateTime"))
    channel = obj.get("channelIdentity") if isinstance(obj.get("channelIdentity"), dict) else {}
    conversation = channel.get("channelId") or obj.get("chatId") or "teams"
    in_chat = not channel.get("channelId")
    for user in [author] + [_user(m.get("mentioned")) for m in obj.get("mentions") or ()
                            if isinstance(m, dict)]:
        if user is not None:
            name = user.get("displayName") if isinstance(user.get("displayName"), str) else None
            accounts.setdefault(user["id"], Account(PLATFORM, user["id"], name=name or None))
    mentions = [u["id"] for m in obj.get("mentions") or () if isinstance(m, dict)
                if (u := _user(m.get("mentioned"))) is not None]
    reactions = []
    for r in obj.get("reactions") or ():
        if isinstance(r, dict) and (u := _user(r.get("user"))) is not None:
            reactions.append((u["id"], str(r.get("reactionType") or "?")))
    parent = obj.get("replyToId") if isinstance(obj.get("replyToId"), str) else None
    return TeamsMessage(
        where, f"{conversation}:{mid}", conversation, author["id"], at,
        f"{conversation}:{parent}" if parent else None,
        None if in_chat else _plain(obj.get("body")), list(dict.fromkeys(mentions)), reactions,
    )


def message_edges(m: TeamsMessage, authors: dict[str, str]) -> list[Edge]:
    """The interactions of one message; ``authors`` maps post ids to author ids."""
    src = f"{PLATFORM}:{m.author}"
    edges = []
    parent_author = authors.get(m.parent) if m.parent else None
    if parent_author is not None and parent_author != m.author:
        edges.append(Edge(PLATFORM, m.post_id, "reply", src, f"{PLATFORM}:{parent_author}", m.at, m.text))
    for uid in m.mentions:
        if uid != m.author:
            edges.append(Edge(PLATFORM, m.post_id, "mention", src, f"{PLATFORM}:{uid}", m.at, m.text))
    for uid, kind in m.reactions:
        if uid != m.author:
            edges.append(Edge(PLATFORM, f"{m.post_id}:{uid}:{kind}", "react", f"{PLATFORM}:{uid}",
                              src, m.at))
    return edges


def iter_teams_chunks(inp: Input, per_chunk: int = MESSAGES_PER_CHUNK) -> Iterator[Chunk]:
    """Parse a JSON Lines file of ``chatMessage`` objects; replies resolve across the whole file."""
    messages: list[TeamsMessage] = []
    accounts: dict[str, Account] = {}
    errors: list[str] = []
    skipped = 0
    for n, line in inp.lines():
        if not line.strip():
            continue
        where = f"{inp.name}:{n}"
        try:
            obj = loads(line)
        except ValueError as exc:
            errors.append(f"{where}: invalid JSON ({exc})")
            continue
        items = obj["value"] if isinstance(obj, dict) and isinstance(obj.get("value"), list) else [obj]
        for i, item in enumerate(items, start=1):
            at = where if len(items) == 1 else f"{where}: message {i}"
            try:
                m = parse_message(item, at, accounts)
            except ValueError as exc:
                errors.append(f"{at}: {exc}")
                continue
            if m is None:
                skipped += 1
            else:
                messages.append(m)
    authors = {m.post_id: m.author for m in messages}
    first = Chunk(accounts=list(accounts.values()), errors=errors)
    first.counts["system_or_deleted"] = skipped
    yield first
    for i in range(0, len(messages), per_chunk):
        chunk = Chunk()
        for m in messages[i : i + per_chunk]:
            chunk.read += 1
            chunk.interactions.extend(message_edges(m, authors))
        chunk.position = inp.position()
        yield chunk
