"""YouTube Data API v3 responses → Scout accounts and interactions.

Reads the JSON bodies of ``commentThreads.list``, ``comments.list``,
``videos.list`` and ``channels.list`` (as archived by :mod:`ingest.youtube`).

Edge rules
----------
* **comment**: a thread's top-level comment → the channel that owns the video
  (or the channel, for a comment on the channel itself). The owner is the
  thread's ``snippet.channelId``, else the owner a ``videos.list`` response of
  the same run gave, else the channel the fetch was about.
* **reply**: YouTube replies are flat (every reply's ``parentId`` is the
  thread). A reply → the thread's top-level author, unless its text starts with
  ``@name`` naming someone who already wrote in the thread (top-level or an
  earlier reply, by handle or display name; the longest match wins): then →
  that author. A name not seen in the thread falls back to the top-level author.
* No edge to oneself (a channel replying in its own thread). Hashtags in the
  text are the topics.

Accounts are channel ids (``youtube:UC…``, :func:`ingest.identity.youtube_id`);
the display name is the name, a display name starting with ``@`` is the handle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graph.errors import RecordError
from graph.model import Account
from ingest.identity import youtube_id
from ingest.raw_archive import BODY_KEY, META_KEY
from ingest.records import Edge, Parsed, SeenUsers, text_hashtags, time_cursor

PLATFORM = "youtube"
#: How many threads a run remembers for reply targets (oldest forgotten first).
MAX_THREADS = 200_000


@dataclass
class Thread:
    """What a run knows of a comment thread: its author and who wrote in it, by name."""

    author: str
    names: dict[str, str] = field(default_factory=dict)


@dataclass
class YouTubeState:
    """Parsing state of one run: video owners and threads seen so far."""

    owners: dict[str, str] = field(default_factory=dict)
    threads: dict[str, Thread] = field(default_factory=dict)
    #: Authors already read this run with the same name and URL (not read again).
    seen: SeenUsers = field(default_factory=SeenUsers)

    def remember(self, thread_id: str, thread: Thread) -> None:
        if len(self.threads) >= MAX_THREADS:
            self.threads.pop(next(iter(self.threads)))
        self.threads[thread_id] = thread


def parse_time(value: object) -> datetime:
    """An API time (``2019-11-26T15:51:44.000Z``) as an aware datetime.

    Raises
    ------
    ValueError
        Not an ISO 8601 time with a zone.
    """
    if not isinstance(value, str):
        raise ValueError(f"no time ({value!r})")
    at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if at.tzinfo is None:
        raise ValueError(f"time without a zone: {value!r}")
    return at


def _author(snippet: dict, seen: SeenUsers) -> tuple[str, Account | None] | None:
    """The key and account of a comment's author (``None`` when it has no channel; no
    account when the same author was read already in this run)."""
    cid = (snippet.get("authorChannelId") or {}).get("value") if isinstance(
        snippet.get("authorChannelId"), dict) else None
    if not isinstance(cid, str) or not cid:
        return None
    pid, _ = youtube_id(cid)
    profile = (snippet.get("authorDisplayName"), snippet.get("authorChannelUrl"))
    if seen.is_repeat(pid, profile):
        return f"{PLATFORM}:{pid}", None
    name = snippet.get("authorDisplayName")
    name = name if isinstance(name, str) and name.strip() else None
    handle = name[1:] if name and name.startswith("@") and " " not in name else None
    url = snippet.get("authorChannelUrl") if isinstance(snippet.get("authorChannelUrl"), str) else None
    return f"{PLATFORM}:{pid}", Account(PLATFORM, pid, handle=handle, name=name, url=url)


def _names_of(snippet: dict) -> list[str]:
    """The names a reply may address a comment's author by (lower-cased, without ``@``)."""
    name = snippet.get("authorDisplayName")
    if not isinstance(name, str) or not name.strip():
        return []
    return [name.strip().lstrip("@").lower()]


def addressed(text: str, names: dict[str, str]) -> str | None:
    """The key of the thread author a reply's leading ``@name`` names, if known.

    Examples
    --------
    >>> addressed("@Kun Liu thanks!", {"kun liu": "youtube:A", "kun": "youtube:B"})
    'youtube:A'
    >>> addressed("@nobody hi", {"kun": "youtube:B"}) is None
    True
    """
    t = text.lstrip()
    if not t.startswith("@"):
        return None
    body = t[1:].lower()
    best = None
    for name, key in names.items():
        if body.startswith(name) and (len(body) == len(name) or not (body[len(name)].isalnum()
                                                                     or body[len(name)] in "_.-")):
            if best is None or len(name) > len(best[0]):
                best = (name, key)
    return best[1] if best else None


class _Page:
    """Accumulates one response's records."""

    def __init__(self) -> None:
        self.out = Parsed()
        self.accounts: dict[str, Account] = {}
        self.newest: datetime | None = None

    def account(self, key: str, account: Account) -> None:
        self.accounts[key] = account

    def edge(self, kind: str, post_id: str, source: str, target: str | None, at: datetime,
             text: str | None) -> None:
        if target is None or target == source:
            return
        self.out.interactions.append(
            Edge(PLATFORM, post_id, kind, source, target, at, text, text_hashtags(text or ""))
        )

    def seen(self, at: datetime) -> None:
        if self.newest is None or at > self.newest:
            self.newest = at

    def done(self) -> Parsed:
        self.out.accounts.extend(self.accounts.values())
        if self.newest is not None:
            self.out.newest_id = time_cursor(self.newest)
        return self.out


def _comment(page: _Page, state: YouTubeState, item: Any, owner: str | None,
             thread_id: str | None) -> None:
    """One comment (top-level when ``thread_id`` is None, else a reply in that thread)."""
    if not isinstance(item, dict) or not isinstance(item.get("snippet"), dict):
        page.out.errors.append("a comment without a snippet")
        return
    cid = item.get("id")
    snip = item["snippet"]
    try:
        at = parse_time(snip.get("publishedAt"))
        who = _author(snip, state.seen)
    except ValueError as exc:
        page.out.errors.append(f"comment {cid}: {exc}")
        return
    if not isinstance(cid, str) or not cid:
        page.out.errors.append("a comment without an id")
        return
    page.out.posts += 1
    page.seen(at)
    if who is None:  # a deleted or hidden author: the comment is read, gives no edge
        page.out.unresolved += 1
        return
    key, account = who
    if account is not None:
        page.account(key, account)
    text = snip.get("textOriginal") if isinstance(snip.get("textOriginal"), str) else None
    if thread_id is None:
        thread = Thread(key, {n: key for n in _names_of(snip)})
        state.remember(cid, thread)
        page.edge("comment", cid, key, owner, at, text)
        return
    parent = snip.get("parentId") if isinstance(snip.get("parentId"), str) else thread_id
    thread = state.threads.get(parent)
    if thread is None:
        page.out.unresolved += 1  # a reply whose thread this run never saw
        return
    target = addressed(text or "", thread.names) or thread.author
    page.edge("reply", cid, key, target, at, text)
    for n in _names_of(snip):
        thread.names.setdefault(n, key)


def _owner_key(channel_id: object) -> str | None:
    if isinstance(channel_id, str) and channel_id:
        return f"{PLATFORM}:{youtube_id(channel_id)[0]}"
    return None


def parse_response(record: dict, state: YouTubeState | None = None) -> Parsed:
    """Accounts and interactions of one archived YouTube response.

    Parameters
    ----------
    record : dict
        ``{"__scout": {"call": ..., "params": ...}, "response": body}``; without a
        ``call`` the body's ``kind`` decides.
    state : YouTubeState, optional
        The run's state (threads and video owners seen so far).

    Raises
    ------
    RecordError
        Not a YouTube response this parser reads.
    """
    state = state if state is not None else YouTubeState()
    if not isinstance(record, dict):
        raise RecordError("not a JSON object")
    meta = record.get(META_KEY) if isinstance(record.get(META_KEY), dict) else {}
    body = record.get(BODY_KEY, record)
    if not isinstance(body, dict):
        raise RecordError("a YouTube response is a JSON object")
    kind = body.get("kind")
    items = body.get("items")
    if kind in ("youtube#commentThread", "youtube#comment") and items is None:
        items, kind = [body], kind + "ListResponse"  # a single resource
    if not isinstance(items, list):
        if isinstance(body.get("error"), dict):
            raise RecordError(f"an API error: {body['error'].get('message', '')}")
        raise RecordError(f"not a YouTube list response (kind {kind!r})")
    params = meta.get("params") if isinstance(meta.get("params"), dict) else {}
    page = _Page()
    if kind == "youtube#commentThreadListResponse":
        fallback = _owner_key(params.get("allThreadsRelatedToChannelId") or meta.get("owner"))
        for thread in items:
            snip = thread.get("snippet") if isinstance(thread, dict) else None
            if not isinstance(snip, dict):
                page.out.errors.append("a thread without a snippet")
                continue
            video = snip.get("videoId")
            owner = _owner_key(snip.get("channelId")) or state.owners.get(video) or fallback
            top = snip.get("topLevelComment")
            _comment(page, state, top, owner, None)
            tid = top.get("id") if isinstance(top, dict) else None
            replies = (thread.get("replies") or {}).get("comments") if isinstance(
                thread.get("replies"), dict) else None
            # Embedded replies come newest first; a thread is read oldest first.
            for reply in reversed(replies or []):
                _comment(page, state, reply, owner, tid)
    elif kind == "youtube#commentListResponse":
        parent = params.get("parentId")
        for item in sorted((i for i in items if isinstance(i, dict)),
                           key=lambda i: str((i.get("snippet") or {}).get("publishedAt", ""))):
            _comment(page, state, item, None, parent if isinstance(parent, str) else "?")
    elif kind == "youtube#videoListResponse":
        for video in items:
            snip = video.get("snippet") if isinstance(video, dict) else None
            if isinstance(snip, dict) and isinstance(video.get("id"), str):
                owner = _owner_key(snip.get("channelId"))
                if owner:
                    state.owners[video["id"]] = owner
                    title = snip.get("channelTitle")
                    page.account(owner, Account(PLATFORM, owner.partition(":")[2],
                                                name=title if isinstance(title, str) else None))
    elif kind == "youtube#channelListResponse":
        for ch in items:
            _channel(page, ch)
    else:
        raise RecordError(f"not a YouTube response this parser reads (kind {kind!r})")
    return page.done()


def _channel(page: _Page, ch: Any) -> None:
    if not isinstance(ch, dict) or not isinstance(ch.get("id"), str):
        page.out.errors.append("a channel without an id")
        return
    snip = ch.get("snippet") if isinstance(ch.get("snippet"), dict) else {}
    stats = ch.get("statistics") if isinstance(ch.get("statistics"), dict) else {}
    pid, _ = youtube_id(ch["id"])
    custom = snip.get("customUrl")
    handle = custom[1:] if isinstance(custom, str) and custom.startswith("@") else None

    def count(name: str) -> int | None:
        v = stats.get(name)
        return int(v) if isinstance(v, str | int) and str(v).isdigit() else None

    try:
        created = parse_time(snip.get("publishedAt")) if snip.get("publishedAt") else None
        account = Account(
            PLATFORM, pid, handle=handle,
            name=snip.get("title") if isinstance(snip.get("title"), str) else None,
            followers=None if stats.get("hiddenSubscriberCount") else count("subscriberCount"),
            posts=count("videoCount"), created_at=created,
            bio=snip.get("description") if isinstance(snip.get("description"), str) else None,
            url=f"https://www.youtube.com/channel/{pid}",
        )
    except ValueError as exc:
        page.out.errors.append(f"channel {pid}: {exc}")
        return
    page.out.users += 1
    page.account(f"{PLATFORM}:{pid}", account)
