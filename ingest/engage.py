"""Viva Engage (Yammer) network data exports → accounts and interactions.

Input: the zip the Network Data Export produces (Network Admin → Export
Data, or ``GET /api/v1/export``), or its unpacked folder. Two of its CSV files
are read, with the column names of Microsoft's export documentation:

* ``Users.csv`` — ``id``, ``name``, ``email``, ``job_title``, ``department``,
  ``deleted_at`` / ``suspended_at``;
* ``Messages.csv`` — ``id``, ``replied_to_id``, ``thread_id``, ``group_id``,
  ``group_name``, ``participants``, ``in_private_group``,
  ``in_private_conversation``, ``sender_id``, ``sender_type``, ``sender_name``,
  ``sender_email``, ``body``, ``created_at``, ``deleted_at``.

Edge rules: a message with ``replied_to_id`` → ``reply`` to that message's
sender (anywhere in the export, or in an earlier import of the same network);
a private conversation message → ``message`` to each other participant,
weighted ``1 / (participants - 1)``. The group name is the topic. Deleted
messages and messages not sent by a user (``sender_type`` other than
``user``) yield nothing. Text (280 characters of ``body``) is kept for public
groups only. A user is ``engage:<id>``; their e-mail address links people.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from graph.errors import InputError
from graph.model import SNIPPET_LENGTH, Account
from ingest.exports import ExportFiles
from ingest.pipeline import Chunk
from ingest.records import Edge

PLATFORM = "engage"
MESSAGES_PER_CHUNK = 1000
_TRUE = {"true", "t", "1", "yes"}
_PARTICIPANT_RE = re.compile(r"user:(\d+)")


@dataclass
class EngageExport:
    """An opened export: its files, users, addresses."""

    files: ExportFiles
    messages_name: str
    users: dict[str, Account] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _find(files: ExportFiles, name: str) -> str | None:
    """A member called ``name`` (any case, any folder depth: exports nest them differently)."""
    hits = [n for n in files.names if n.rsplit("/", 1)[-1].lower() == name.lower()]
    return min(hits, key=len) if hits else None


def _rows(files: ExportFiles, member: str) -> Iterator[tuple[int, dict[str, str] | str]]:
    """``(line, row)`` of a CSV member (``row`` is an error message for a malformed one).

    Raises
    ------
    InputError
        If the member is not UTF-8 text or has no header.
    """
    raw = files.read(member)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{files.where(member)}: not UTF-8 text (byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise InputError(f"{files.where(member)}: empty file, expected a CSV header") from None
    while True:
        # A quoted field may span lines: a record is named by the line it starts on.
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, f"malformed CSV ({exc})"
            continue
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            yield start, f"{len(cells)} fields, the header has {len(header)}"
            continue
        yield start, dict(zip(header, cells, strict=True))


def engage_time(value: str) -> datetime:
    """``2026-03-02T09:00:00Z``, ``2026-03-02 09:00:00 UTC`` or ``2013/06/25 18:14:45 +0000``.

    Examples
    --------
    >>> engage_time("2013/06/25 18:14:45 +0000").isoformat()
    '2013-06-25T18:14:45+00:00'
    """
    text = value.strip().replace("/", "-")
    if not text:
        raise ValueError("no created_at")
    text = re.sub(r"\s*(UTC|Z)$", "+00:00", text)
    text = re.sub(r"\s*([+-]\d{2}):?(\d{2})$", r"\1:\2", text)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"unreadable created_at {value!r}") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def open_export(path: str) -> EngageExport:
    """Open an export and read ``Users.csv``.

    Raises
    ------
    InputError
        Not a zip nor a folder, or no ``Messages.csv`` in it.
    """
    files = ExportFiles(path)
    messages = _find(files, "Messages.csv")
    if messages is None:
        files.close()
        raise InputError(f"{files.display}: not a Viva Engage export (no Messages.csv)")
    export = EngageExport(files, messages)
    users = _find(files, "Users.csv")
    if users is not None:
        for line, row in _rows(files, users):
            where = f"{files.where(users)}:{line}"
            if isinstance(row, str):
                export.errors.append(f"{where}: {row}")
                continue
            uid = row.get("id", "").strip()
            if not uid:
                export.errors.append(f"{where}: user without id")
                continue
            account = Account(PLATFORM, uid, name=row.get("name") or None,
                              bio=row.get("job_title") or None)
            export.users[uid] = account
            email = row.get("email", "").strip().lower()
            if "@" in email:
                export.emails[account.key] = email
    return export


@dataclass(slots=True)
class _Message:
    post_id: str
    sender: str
    parent: str | None
    at: datetime
    group: str | None
    text: str | None
    participants: list[str]


def _message(row: dict[str, str]) -> _Message | None:
    if row.get("deleted_at", "").strip():
        return None
    if row.get("sender_type", "user").strip().lower() not in ("user", ""):
        return None
    mid, sender = row.get("id", "").strip(), row.get("sender_id", "").strip()
    if not mid:
        raise ValueError("message without id")
    if not sender:
        raise ValueError("message without sender_id")
    at = engage_time(row.get("created_at", ""))
    private_conv = row.get("in_private_conversation", "").strip().lower() in _TRUE
    private_group = row.get("in_private_group", "").strip().lower() in _TRUE
    group = (row.get("group_name") or "").strip() or None
    body = (row.get("body") or "").strip()
    return _Message(
        mid, sender, row.get("replied_to_id", "").strip() or None, at,
        None if private_conv else group,
        body[:SNIPPET_LENGTH] or None if not (private_conv or private_group) else None,
        _PARTICIPANT_RE.findall(row.get("participants", "")) if private_conv else [],
    )


def iter_engage_chunks(export: EngageExport, known: dict[str, str],
                       per_chunk: int = MESSAGES_PER_CHUNK) -> Iterator[Chunk]:
    """Parse ``Messages.csv`` into chunks; ``known`` (post id → sender key) is extended in place."""
    files, member = export.files, export.messages_name
    messages: list[_Message] = []
    errors = list(export.errors)
    skipped = 0
    names: dict[str, str] = {}
    for line, row in _rows(files, member):
        where = f"{files.where(member)}:{line}"
        if isinstance(row, str):
            errors.append(f"{where}: {row}")
            continue
        try:
            m = _message(row)
        except ValueError as exc:
            errors.append(f"{where}: {exc}")
            continue
        if m is None:
            skipped += 1
            continue
        messages.append(m)
        known[m.post_id] = f"{PLATFORM}:{m.sender}"
        if row.get("sender_name"):
            names.setdefault(m.sender, row["sender_name"])
        if row.get("sender_email") and "@" in row["sender_email"]:
            export.emails.setdefault(f"{PLATFORM}:{m.sender}", row["sender_email"].strip().lower())
    accounts = dict(export.users)
    for uid, name in names.items():
        accounts.setdefault(uid, Account(PLATFORM, uid, name=name))
    first = Chunk(accounts=list(accounts.values()), errors=errors)
    first.counts["users"] = len(export.users)
    first.counts["deleted_or_not_users"] = skipped
    yield first
    for i in range(0, len(messages), per_chunk):
        chunk = Chunk()
        for m in messages[i : i + per_chunk]:
            chunk.read += 1
            src = f"{PLATFORM}:{m.sender}"
            topics = (m.group,) if m.group else ()
            target = known.get(m.parent) if m.parent else None
            if target is not None and target != src:
                chunk.interactions.append(Edge(PLATFORM, m.post_id, "reply", src, target, m.at, m.text, topics))
            others = [p for p in dict.fromkeys(m.participants) if p != m.sender]
            for p in others:
                chunk.interactions.append(Edge(PLATFORM, m.post_id, "message", src, f"{PLATFORM}:{p}", m.at,
                                               None, (), None, 1.0 / len(others)))
        yield chunk
