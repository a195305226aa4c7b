"""Slack workspace exports → accounts and interactions.

Reads the standard export (a ``.zip`` or its unpacked folder): ``users.json``,
``channels.json``, optional ``groups.json`` (private channels), ``dms.json``
and ``mpims.json`` (direct and group direct messages, in exports that include
them), and one folder per conversation with one ``YYYY-MM-DD.json`` per day,
each a JSON array of messages.

Edge rules (one message at a time, in export order)
----------------------------------------------------
* a **thread reply** (``thread_ts`` ≠ ``ts``) → ``reply`` to the parent's
  author (``parent_user_id``, else the author of the message whose ``ts`` is
  the ``thread_ts``);
* every ``<@U…>`` in the text, or ``user`` element of its rich-text
  ``blocks``, → ``mention`` of that user (not of the author);
* each **reaction** → ``react`` from each reacting user to the author;
* in a direct or group direct message, → ``message`` to each other member,
  weighted ``1 / (members - 1)``: a message counts once however many read it.

The channel name is the topic of every edge of a channel (not of direct
messages, whose folder names are ids or member names). Message text is kept
as evidence for channels (the first 280 characters) and never for private
channels and direct messages. System messages (joins, topic changes…) yield
nothing.

Identity: a user is ``slack:<user id>`` (``slack:U0BMYT2FL``) with the
username as handle and the real name as name; ``users.json`` also gives the
e-mail address (used to link people, see :mod:`ingest.people`), ``is_bot``
(bots and ``bot_message`` authors are tagged ``automated``) and ``deleted``.
Post ids are ``<conversation id>:<ts>`` (reactions add the reacting user and
the emoji), so importing a newer export of the same workspace adds only the
messages that are new.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from graph.errors import InputError
from graph.model import SNIPPET_LENGTH, Account
from ingest.exports import ExportFiles
from ingest.jsonio import loads
from ingest.pipeline import Chunk
from ingest.records import Edge

PLATFORM = "slack"
_MENTION_RE = re.compile(r"<@([UW][A-Z0-9]{1,20})(?:\|[^>]*)?>")
_ID_RE = re.compile(r"^[A-Z0-9]{2,24}$")
_DAY_RE = re.compile(r"^(?P<folder>[^/]+)/\d{4}-\d{2}-\d{2}\.json$")
#: Message subtypes that are about the conversation, not a message of someone.
SYSTEM_SUBTYPES = frozenset(
    {
        "channel_join", "channel_leave", "channel_topic", "channel_purpose", "channel_name",
        "channel_archive", "channel_unarchive", "group_join", "group_leave", "group_topic",
        "group_purpose", "group_name", "group_archive", "group_unarchive", "bot_add",
        "bot_remove", "pinned_item", "unpinned_item", "reminder_add", "tombstone",
        "channel_convert_to_private", "channel_convert_to_public", "huddle_thread",
        "joiner_notification", "sh_room_created", "file_comment", "app_conversation_join",
    }
)
#: Files listing conversations, with whether their text is kept and their name a topic.
CONVERSATION_FILES = (
    ("channels.json", "channel"),
    ("groups.json", "private"),
    ("mpims.json", "mpim"),
    ("dms.json", "dm"),
)
#: Day files grouped into one chunk.
FILES_PER_CHUNK = 16


@dataclass(slots=True)
class Conversation:
    """A channel, private channel or direct-message conversation of the export."""

    id: str
    name: str
    kind: str  # channel, private, mpim, dm
    members: tuple[str, ...] = ()

    @property
    def topics(self) -> tuple[str, ...]:
        return (self.name,) if self.kind in ("channel", "private") else ()

    @property
    def keeps_text(self) -> bool:
        return self.kind == "channel"


@dataclass
class SlackExport:
    """What a Slack export holds besides its messages, learnt while reading it.

    ``emails`` maps account keys to addresses (people linking), ``automated``
    holds the keys of bots, ``deleted`` the keys of deactivated users.
    """

    files: ExportFiles
    users: dict[str, Account] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    automated: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def user_key(user_id: str) -> str:
    """The account key of a Slack user id.

    Examples
    --------
    >>> user_key("U0BMYT2FL")
    'slack:U0BMYT2FL'
    """
    return f"{PLATFORM}:{user_id}"


def slack_time(ts: object) -> datetime:
    """A message's ``ts`` (``"1452837352.000006"``) as an aware UTC datetime.

    Raises
    ------
    ValueError
        If ``ts`` is not a positive number of seconds.

    Examples
    --------
    >>> slack_time("1452837352.000006").isoformat()
    '2016-01-15T05:55:52.000006+00:00'
    """
    if not isinstance(ts, str | int | float) or isinstance(ts, bool):
        raise ValueError(f"'ts' is not a timestamp: {ts!r}")
    try:
        seconds = float(ts)
    except ValueError:
        raise ValueError(f"'ts' is not a timestamp: {ts!r}") from None
    if not 0 < seconds < 32_503_680_000:  # before year 3000
        raise ValueError(f"'ts' out of range: {ts!r}")
    return datetime.fromtimestamp(seconds, tz=UTC)


def _load_json(files: ExportFiles, name: str) -> object:
    try:
        return loads(files.read(name))
    except ValueError as exc:
        raise InputError(f"{files.where(name)}: invalid JSON ({exc})") from None


def _user_id(value: object) -> str | None:
    return value if isinstance(value, str) and _ID_RE.match(value) else None


def account_of_user(user: dict) -> Account:
    """An account from a ``users.json`` entry.

    Raises
    ------
    ValueError
        If the entry has no usable ``id``.
    """
    uid = _user_id(user.get("id"))
    if uid is None:
        raise ValueError(f"user without a valid 'id': {user.get('id')!r}")
    profile = user.get("profile") if isinstance(user.get("profile"), dict) else {}
    name = user.get("real_name") or profile.get("real_name") or None
    handle = user.get("name") or profile.get("display_name") or None
    return Account(
        PLATFORM,
        uid,
        handle=handle if isinstance(handle, str) else None,
        name=name if isinstance(name, str) else None,
        bio=profile.get("title") or None if isinstance(profile.get("title"), str) else None,
    )


def read_users(export: SlackExport) -> list[Account]:
    """Read ``users.json`` into ``export`` (emails, bots, deleted users); returns the accounts."""
    files = export.files
    if not files.has("users.json"):
        return []
    data = _load_json(files, "users.json")
    if not isinstance(data, list):
        raise InputError(f"{files.where('users.json')}: expected a JSON array of users")
    accounts = []
    for i, user in enumerate(data, start=1):
        if not isinstance(user, dict):
            export.errors.append(f"{files.where('users.json')}: user {i}: not an object")
            continue
        try:
            account = account_of_user(user)
        except ValueError as exc:
            export.errors.append(f"{files.where('users.json')}: user {i}: {exc}")
            continue
        accounts.append(account)
        export.users[account.platform_id] = account
        profile = user.get("profile") if isinstance(user.get("profile"), dict) else {}
        email = profile.get("email")
        if isinstance(email, str) and "@" in email:
            export.emails[account.key] = email.strip().lower()
        if user.get("is_bot") is True or account.platform_id == "USLACKBOT":
            export.automated.add(account.key)
        if user.get("deleted") is True:
            export.deleted.add(account.key)
    return accounts


def read_conversations(export: SlackExport) -> None:
    """Read the conversation lists; folders are named by channel name (dms: by id)."""
    files = export.files
    for name, kind in CONVERSATION_FILES:
        if not files.has(name):
            continue
        data = _load_json(files, name)
        if not isinstance(data, list):
            raise InputError(f"{files.where(name)}: expected a JSON array of conversations")
        for i, conv in enumerate(data, start=1):
            cid = conv.get("id") if isinstance(conv, dict) else None
            if not isinstance(cid, str) or not cid:
                export.errors.append(f"{files.where(name)}: conversation {i}: no 'id'")
                continue
            cname = conv.get("name") if isinstance(conv.get("name"), str) else cid
            members = tuple(m for m in conv.get("members") or () if _user_id(m))
            folder = cid if kind == "dm" else cname
            export.conversations[folder] = Conversation(cid, cname, kind, members)


def open_export(path: str) -> SlackExport:
    """Open a Slack export and read its users and conversation lists.

    Raises
    ------
    InputError
        Not a zip nor a folder, or neither ``users.json`` nor ``channels.json``
        in it (not a Slack export), or one of them unreadable.
    """
    files = ExportFiles(path)
    if not (files.has("users.json") or files.has("channels.json")):
        files.close()
        raise InputError(
            f"{files.display}: not a Slack export (no users.json or channels.json at its top level)"
        )
    export = SlackExport(files)
    try:
        read_users(export)
        read_conversations(export)
    except BaseException:
        files.close()
        raise
    return export


def day_files(export: SlackExport) -> list[tuple[str, str]]:
    """``(folder, member)`` of every day file, by conversation then day."""
    out = []
    for name in export.files.names:
        m = _DAY_RE.match(name)
        if m:
            out.append((m.group("folder"), name))
    return out


def mentioned_users(message: dict) -> list[str]:
    """User ids mentioned in a message's text and rich-text blocks, in order, once each.

    Examples
    --------
    >>> mentioned_users({"text": "hi <@U1AB> and <@W2|bo> <@U1AB>"})
    ['U1AB', 'W2']
    """
    found: dict[str, None] = {}
    text = message.get("text")
    if isinstance(text, str):
        for uid in _MENTION_RE.findall(text):
            found[uid] = None
    stack = list(message.get("blocks") or ()) if isinstance(message.get("blocks"), list) else []
    while stack:
        el = stack.pop(0)
        if not isinstance(el, dict):
            continue
        if el.get("type") == "user" and _user_id(el.get("user_id")):
            found[el["user_id"]] = None
        inner = el.get("elements")
        if isinstance(inner, list):
            stack[:0] = inner
    return list(found)


@dataclass(slots=True)
class _Thread:
    """Authors of messages seen so far in one conversation, by ``ts`` (reply targets)."""

    authors: dict[str, str] = field(default_factory=dict)


def message_edges(
    message: dict, conv: Conversation, thread: _Thread, export: SlackExport
) -> tuple[list[Edge], list[Account]]:
    """The interactions of one message (see the module's edge rules).

    Returns
    -------
    tuple
        Edges, and accounts the message reveals (bots, users of its profile).

    Raises
    ------
    ValueError
        If the message has no usable ``ts`` or author.
    """
    at = slack_time(message.get("ts"))
    ts = message["ts"] if isinstance(message["ts"], str) else repr(message["ts"])
    accounts: list[Account] = []
    author_id = _user_id(message.get("user"))
    if author_id is None and message.get("subtype") == "bot_message":
        author_id = _user_id(message.get("bot_id"))
        if author_id is not None:
            name = message.get("username") if isinstance(message.get("username"), str) else None
            bot = Account(PLATFORM, author_id, handle=name or None, name=name or None)
            accounts.append(bot)
            export.automated.add(bot.key)
    if author_id is None:
        raise ValueError("message without a 'user'")
    if author_id not in export.users and isinstance(message.get("user_profile"), dict):
        profile = message["user_profile"]
        handle, name = profile.get("name"), profile.get("real_name")
        accounts.append(
            Account(
                PLATFORM,
                author_id,
                handle=handle if isinstance(handle, str) and handle else None,
                name=name if isinstance(name, str) and name else None,
            )
        )
    author = user_key(author_id)
    thread.authors[ts] = author
    post_id = f"{conv.id}:{ts}"
    text = message.get("text") if conv.keeps_text and isinstance(message.get("text"), str) else None
    text = text[:SNIPPET_LENGTH] if text else None
    topics = conv.topics
    edges: list[Edge] = []
    thread_ts = message.get("thread_ts")
    if isinstance(thread_ts, str) and thread_ts != ts:
        parent = _user_id(message.get("parent_user_id"))
        target = user_key(parent) if parent else thread.authors.get(thread_ts)
        if target is not None and target != author:
            edges.append(Edge(PLATFORM, post_id, "reply", author, target, at, text, topics))
    for uid in mentioned_users(message):
        if uid != author_id:
            edges.append(Edge(PLATFORM, post_id, "mention", author, user_key(uid), at, text, topics))
    if conv.kind in ("dm", "mpim"):
        others = [m for m in conv.members if m != author_id]
        for uid in others:
            edges.append(
                Edge(PLATFORM, post_id, "message", author, user_key(uid), at, None, (), None,
                     1.0 / len(others))
            )
    reactions = message.get("reactions")
    if isinstance(reactions, list):
        for r in reactions:
            if not isinstance(r, dict) or not isinstance(r.get("users"), list):
                continue
            emoji = r.get("name") if isinstance(r.get("name"), str) else "?"
            for uid in r["users"]:
                if _user_id(uid) and uid != author_id:
                    edges.append(
                        Edge(PLATFORM, f"{post_id}:{uid}:{emoji}", "react", user_key(uid), author,
                             at, None, topics)
                    )
    return edges, accounts


def iter_slack_chunks(export: SlackExport, files_per_chunk: int = FILES_PER_CHUNK) -> Iterator[Chunk]:
    """Parse the messages of an opened export into chunks for :func:`ingest.pipeline.run_ingest`.

    The first chunk carries the users (and the errors of the lists); each bad
    message is one ``EXPORT:member: message N: reason`` error, a day file that
    is not a JSON array one ``EXPORT:member: reason``.
    """
    files = export.files
    first = Chunk(accounts=list(export.users.values()), errors=list(export.errors))
    first.counts["users"] = len(export.users)
    yield first
    threads: dict[str, _Thread] = {}
    chunk, pending, position = Chunk(), 0, 0
    for folder, member in day_files(export):
        conv = export.conversations.get(folder) or Conversation(folder, folder, "channel")
        thread = threads.setdefault(folder, _Thread())
        position += files._size(member)
        where = files.where(member)
        try:
            data = _load_json(files, member)
        except InputError as exc:
            chunk.errors.append(str(exc))
            data = None
        if data is not None and not isinstance(data, list):
            chunk.errors.append(f"{where}: expected a JSON array of messages")
            data = None
        for i, message in enumerate(data or (), start=1):
            if not isinstance(message, dict):
                chunk.errors.append(f"{where}: message {i}: not an object")
                continue
            if message.get("subtype") in SYSTEM_SUBTYPES:
                chunk.counts["system"] = chunk.counts.get("system", 0) + 1
                continue
            try:
                edges, accounts = message_edges(message, conv, thread, export)
            except ValueError as exc:
                chunk.errors.append(f"{where}: message {i}: {exc}")
                continue
            chunk.read += 1
            chunk.accounts.extend(accounts)
            chunk.interactions.extend(edges)
        pending += 1
        if pending >= files_per_chunk:
            chunk.position = position
            yield chunk
            chunk, pending = Chunk(), 0
    if pending:
        chunk.position = position
        yield chunk
