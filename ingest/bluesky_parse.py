"""Bluesky (AT Protocol) responses → Scout accounts and interactions.

Reads the JSON bodies of ``app.bsky.feed.searchPosts``, ``getPostThread``,
``getQuotes``, ``getPosts``, ``getRepostedBy``, ``getLikes`` and
``app.bsky.notification.listNotifications``, as archived by :mod:`ingest.bluesky`.

Edge rules
----------
* **reply**: a post whose ``record.reply.parent.uri`` is ``at://<did>/…`` →
  that DID (the author of the post replied to, not the thread's root).
* **mention**: each ``app.bsky.richtext.facet#mention`` facet → its ``did``.
* **quote**: ``record.embed`` of type ``app.bsky.embed.record`` (or the record
  of ``recordWithMedia``) pointing at a post → that post's DID.
* **repost**: each profile of ``getRepostedBy`` → the post's author (the API
  gives no repost time: the post's time when known, else the time it was
  fetched); a ``repost`` notification → the reposted post's author.
* **like**: each ``getLikes`` entry → the post's author, at the like's
  ``createdAt``; a ``like`` notification likewise.
* ``#tag`` facets (and the record's ``tags``) are the topics.

Accounts are DIDs (``bluesky:did:plc:…``, :func:`ingest.identity.bluesky_id`);
handles change and are display only. A post is its ``at://`` URI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from graph.errors import RecordError
from graph.model import Account
from ingest.identity import bluesky_did_of_uri, bluesky_id
from ingest.raw_archive import BODY_KEY, META_KEY
from ingest.records import Edge, Parsed, SeenUsers, time_cursor

PLATFORM = "bluesky"
_MENTION = "app.bsky.richtext.facet#mention"
_TAG = "app.bsky.richtext.facet#tag"
_POST_COLLECTION = "/app.bsky.feed.post/"


def parse_time(value: object) -> datetime:
    """A ``createdAt`` / ``indexedAt`` as an aware datetime; a time without a zone is UTC
    (clients write all three forms: ``Z``, ``+00:00`` and none).

    Raises
    ------
    ValueError
        Not an ISO 8601 time.

    Examples
    --------
    >>> parse_time("2023-10-16T19:38:58.807").isoformat()
    '2023-10-16T19:38:58.807000+00:00'
    """
    if not isinstance(value, str) or not value:
        raise ValueError(f"no time ({value!r})")
    at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _key(did: object) -> str | None:
    if not isinstance(did, str):
        return None
    try:
        pid, handle = bluesky_id(did)
    except ValueError:
        return None
    return f"{PLATFORM}:{pid}" if handle is None else None


def _post_did(uri: object) -> str | None:
    """The author DID of a post URI (``None`` for other records: lists, feeds)."""
    if not isinstance(uri, str) or _POST_COLLECTION not in uri:
        return None
    return bluesky_did_of_uri(uri)


@dataclass
class BlueskyState:
    """Parsing state of one run: profiles already read (an identical one is not read again)."""

    seen: SeenUsers = field(default_factory=SeenUsers)


class _Reader:
    def __init__(self, state: BlueskyState) -> None:
        self.state = state
        self.out = Parsed()
        self.accounts: dict[str, Account] = {}
        self.posts: set[str] = set()

    def profile(self, p: Any) -> str | None:
        """Keep a profile view as an account; returns its key."""
        if not isinstance(p, dict):
            return None
        key = _key(p.get("did"))
        if key is None:
            return None
        if key not in self.accounts and not self.state.seen.is_repeat(key, p):
            def count(name: str) -> int | None:
                v = p.get(name)
                return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None

            try:
                created = parse_time(p["createdAt"]) if p.get("createdAt") else None
            except ValueError:
                created = None
            handle = p.get("handle") if isinstance(p.get("handle"), str) else None
            try:
                self.accounts[key] = Account(
                    PLATFORM, key.partition(":")[2],
                    handle=None if handle == "handle.invalid" else handle,
                    name=p.get("displayName") or None if isinstance(p.get("displayName"), str) else None,
                    followers=count("followersCount"), following=count("followsCount"),
                    posts=count("postsCount"), created_at=created,
                    bio=p.get("description") if isinstance(p.get("description"), str) else None,
                    url=f"https://bsky.app/profile/{key.partition(':')[2]}",
                )
            except ValueError as exc:
                self.out.errors.append(f"profile {p.get('did')}: {exc}")
        return key

    def edge(self, kind: str, post_id: str, source: str, target: str | None, at: datetime,
             text: str | None = None, topics: tuple[str, ...] = (), lang: str | None = None) -> None:
        if target is None or target == source:
            return
        self.out.interactions.append(Edge(PLATFORM, post_id, kind, source, target, at, text,
                                          topics, lang))

    def post(self, view: Any, primary: bool = True) -> str | None:
        """Read one post view (``{uri, author, record, indexedAt…}``); returns its author's key."""
        if not isinstance(view, dict):
            self.out.errors.append("a post that is not an object")
            return None
        uri = view.get("uri")
        author = self.profile(view.get("author"))
        record = view.get("record") if isinstance(view.get("record"), dict) else None
        if not isinstance(uri, str) or author is None or record is None:
            self.out.errors.append(f"post {uri}: no uri, author or record")
            return None
        if uri in self.posts:
            return author
        try:
            at = parse_time(record.get("createdAt") or view.get("indexedAt"))
        except ValueError as exc:
            self.out.errors.append(f"post {uri}: {exc}")
            return None
        self.posts.add(uri)
        if primary:
            self.out.posts += 1
            try:
                seen = time_cursor(parse_time(view.get("indexedAt") or record.get("createdAt")))
                if self.out.newest_id is None or seen > self.out.newest_id:
                    self.out.newest_id = seen
            except ValueError:
                pass
        else:
            self.out.referenced += 1
        self.record_edges(uri, author, record, at)
        embed = view.get("embed") if isinstance(view.get("embed"), dict) else None
        quoted = _embedded_view(embed)
        if quoted is not None and isinstance(quoted.get("author"), dict):
            self.profile(quoted["author"])
        return author

    def record_edges(self, uri: str, author: str, record: dict, at: datetime) -> None:
        """The reply / mention / quote edges of a post record."""
        text = record.get("text") if isinstance(record.get("text"), str) else None
        topics: dict[str, None] = {}
        mentions: dict[str, None] = {}
        for facet in record.get("facets") or []:
            for feature in (facet.get("features") or []) if isinstance(facet, dict) else []:
                if not isinstance(feature, dict):
                    continue
                if feature.get("$type") == _MENTION:
                    key = _key(feature.get("did"))
                    if key:
                        mentions[key] = None
                elif feature.get("$type") == _TAG and isinstance(feature.get("tag"), str):
                    tag = feature["tag"].strip().lstrip("#").lower()
                    if tag:
                        topics[tag] = None
        for tag in record.get("tags") or []:
            if isinstance(tag, str) and tag.strip():
                topics[tag.strip().lstrip("#").lower()] = None
        langs = record.get("langs")
        lang = langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None
        tops = tuple(topics)
        reply = record.get("reply") if isinstance(record.get("reply"), dict) else None
        if reply is not None:
            parent = reply.get("parent") if isinstance(reply.get("parent"), dict) else {}
            target = _key(_post_did(parent.get("uri")))
            self.edge("reply", uri, author, target, at, text, tops, lang)
        for key in mentions:
            self.edge("mention", uri, author, key, at, text, tops, lang)
        embed = record.get("embed") if isinstance(record.get("embed"), dict) else None
        quoted_uri = None
        if embed is not None:
            if embed.get("$type") == "app.bsky.embed.record":
                quoted_uri = (embed.get("record") or {}).get("uri")
            elif embed.get("$type") == "app.bsky.embed.recordWithMedia":
                quoted_uri = ((embed.get("record") or {}).get("record") or {}).get("uri")
        if quoted_uri is not None:
            self.edge("quote", uri, author, _key(_post_did(quoted_uri)), at, text, tops, lang)

    def thread(self, node: Any, depth: int = 0) -> None:
        """A ``threadViewPost`` with its ``parent`` chain and nested ``replies``."""
        if not isinstance(node, dict) or depth > 200:
            return
        kind = node.get("$type", "")
        if kind and not kind.endswith("#threadViewPost"):
            return  # notFoundPost, blockedPost
        self.post(node.get("post"))
        parent = node.get("parent")
        while isinstance(parent, dict) and depth < 200:
            if parent.get("$type", "").endswith("#threadViewPost"):
                self.post(parent.get("post"))
            parent = parent.get("parent")
            depth += 1
        for child in node.get("replies") or []:
            self.thread(child, depth + 1)

    def done(self) -> Parsed:
        self.out.accounts.extend(self.accounts.values())
        return self.out


def _embedded_view(embed: dict | None) -> dict | None:
    if embed is None:
        return None
    rec = embed.get("record")
    if isinstance(rec, dict) and isinstance(rec.get("record"), dict) and "author" not in rec:
        rec = rec["record"]  # recordWithMedia#view
    return rec if isinstance(rec, dict) else None


def parse_response(record: dict, state: BlueskyState | None = None) -> Parsed:
    """Accounts and interactions of one archived Bluesky response.

    Parameters
    ----------
    record : dict
        ``{"__scout": {"call": "app.bsky.feed.searchPosts", …}, "response": body}``.
        Without a ``call`` the body's keys decide. For ``getRepostedBy``,
        ``__scout.of`` may carry the post's ``created_at`` (the repost time
        otherwise is ``__scout.retrieved_at``).
    state : BlueskyState, optional
        The run's state (profiles already read).

    Raises
    ------
    RecordError
        Not a Bluesky response this parser reads.
    """
    if not isinstance(record, dict):
        raise RecordError("not a JSON object")
    meta = record.get(META_KEY) if isinstance(record.get(META_KEY), dict) else {}
    body = record.get(BODY_KEY, record)
    if not isinstance(body, dict):
        raise RecordError("a Bluesky response is a JSON object")
    if isinstance(body.get("error"), str):
        raise RecordError(f"an API error: {body['error']}: {body.get('message', '')}")
    r = _Reader(state if state is not None else BlueskyState())
    if isinstance(body.get("thread"), dict):
        r.thread(body["thread"])
    elif isinstance(body.get("posts"), list):
        for view in body["posts"]:
            r.post(view)
    elif isinstance(body.get("feed"), list):
        for item in body["feed"]:
            r.post(item.get("post") if isinstance(item, dict) else None)
    elif isinstance(body.get("likes"), list) or isinstance(body.get("repostedBy"), list):
        _likes_or_reposts(r, body, meta)
    elif isinstance(body.get("notifications"), list):
        for n in body["notifications"]:
            _notification(r, n)
    elif isinstance(body.get("did"), str) and isinstance(body.get("handle"), str):
        r.profile(body)
        r.out.users += 1
    else:
        raise RecordError(f"not a Bluesky response this parser reads (keys {sorted(body)[:6]})")
    return r.done()


def _likes_or_reposts(r: _Reader, body: dict, meta: dict) -> None:
    uri = body.get("uri")
    target = _key(_post_did(uri))
    if target is None:
        raise RecordError(f"likes / reposts of {uri!r}: not a post URI")
    if isinstance(body.get("likes"), list):
        for like in body["likes"]:
            actor = r.profile(like.get("actor") if isinstance(like, dict) else None)
            try:
                at = parse_time(like.get("createdAt") or like.get("indexedAt"))
            except (ValueError, AttributeError) as exc:
                r.out.errors.append(f"a like of {uri}: {exc}")
                continue
            if actor is None:
                r.out.errors.append(f"a like of {uri} without an actor")
                continue
            r.out.users += 1
            r.edge("like", f"{uri}#like-by-{actor.partition(':')[2]}", actor, target, at)
        return
    of = meta.get("of") if isinstance(meta.get("of"), dict) else {}
    try:
        at = parse_time(of.get("created_at") or meta.get("retrieved_at"))
    except ValueError:
        raise RecordError(f"reposts of {uri}: no time (neither __scout.of.created_at nor "
                          "__scout.retrieved_at)") from None
    for profile in body["repostedBy"]:
        actor = r.profile(profile)
        if actor is None:
            r.out.errors.append(f"a repost of {uri} without a DID")
            continue
        r.out.users += 1
        r.edge("repost", f"{uri}#repost-by-{actor.partition(':')[2]}", actor, target, at)


def _notification(r: _Reader, n: Any) -> None:
    if not isinstance(n, dict):
        r.out.errors.append("a notification that is not an object")
        return
    reason = n.get("reason")
    author = r.profile(n.get("author"))
    uri = n.get("uri")
    record = n.get("record") if isinstance(n.get("record"), dict) else {}
    try:
        at = parse_time(record.get("createdAt") or n.get("indexedAt"))
    except ValueError as exc:
        r.out.errors.append(f"notification {uri}: {exc}")
        return
    if author is None or not isinstance(uri, str):
        r.out.errors.append(f"notification {uri}: no author or uri")
        return
    r.out.posts += 1
    if reason in ("like", "repost"):
        subject = n.get("reasonSubject")
        kind = "like" if reason == "like" else "repost"
        r.edge(kind, f"{subject}#{kind}-by-{author.partition(':')[2]}", author,
               _key(_post_did(subject)), at)
    elif reason in ("mention", "reply", "quote") and record:
        r.record_edges(uri, author, record, at)
