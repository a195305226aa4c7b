"""Mastodon API responses → Scout accounts and interactions.

Reads the JSON bodies of timelines (hashtag, account statuses), notifications,
a status, its context and its boosters (``reblogged_by``), as archived by
:mod:`ingest.mastodon` with the instance that answered (``__scout.instance``).

Edge rules
----------
* **repost**: a boost (a status whose ``reblog`` holds the original) → the
  original's author; and each account of ``reblogged_by`` → the status's author;
  and a ``reblog`` notification. One boost is one edge whichever way it is seen
  (post id ``<original uri>#reblog-by-<booster>``). The original is read too.
* **reply**: ``in_reply_to_account_id`` → that account (resolved by id through
  the status's mentions, the accounts seen in the run), post id the status's
  ``uri``.
* **mention**: each of ``mentions[]`` → that account, except the replied-to
  account (clients add its ``@`` themselves; the reply edge records it).
* **quote**: ``quote.quoted_status`` (state ``accepted``) → its author; the
  quoted status is read too.
* **like**: a ``favourite`` notification → the status's author.
* Hashtags (``tags[].name``) are the topics; ``content`` (HTML) becomes plain text.

Ids: a status is its ``uri`` (the same on every instance; numeric ids are per
instance); an account is ``user@instance`` (:func:`ingest.identity.mastodon_id`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graph.errors import RecordError
from graph.model import Account
from ingest.identity import instance_domain, mastodon_id
from ingest.raw_archive import BODY_KEY, META_KEY
from ingest.records import Edge, Parsed, SeenUsers

PLATFORM = "mastodon"
_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p[^>]*>", re.IGNORECASE)
_INVISIBLE = re.compile(r'<span class="invisible">[^<]*</span>')
#: Calls whose top-level items carry the cursor (their ids grow with time).
_CURSOR_CALLS = ("timeline_hashtag", "account_statuses", "notifications", "timeline_public")
MAX_IDS = 500_000


def html_text(content: object) -> str | None:
    """A status's HTML ``content`` as plain text (paragraphs and breaks as new lines).

    Examples
    --------
    >>> html_text('<p>Hi <a href="x">@<span>ann</span></a> &amp; all</p><p>bye</p>')
    'Hi @ann & all\\nbye'
    """
    if not isinstance(content, str) or not content:
        return None
    text = _BREAK.sub("\n", _INVISIBLE.sub("", content))
    return html.unescape(_TAG.sub("", text)).strip() or None


def parse_time(value: object) -> datetime:
    """An API time (``2026-08-01T13:53:14.135Z``) as an aware datetime.

    Raises
    ------
    ValueError
        Not an ISO 8601 time.
    """
    if not isinstance(value, str):
        raise ValueError(f"no time ({value!r})")
    at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if at.tzinfo is None:
        raise ValueError(f"time without a zone: {value!r}")
    return at


@dataclass
class MastodonState:
    """Parsing state of one run: account keys by ``(instance, numeric id)``."""

    ids: dict[tuple[str, str], str] = field(default_factory=dict)
    #: Account objects already read this run (an identical one is not read again).
    seen: SeenUsers = field(default_factory=SeenUsers)
    #: ``(acct, instance)`` → account key, so that the identity rule runs once per account.
    keys: dict[tuple[str, str], str | None] = field(default_factory=dict)

    def learn(self, instance: str, account_id: object, key: str) -> None:
        if isinstance(account_id, str) and account_id:
            if len(self.ids) >= MAX_IDS:
                self.ids.pop(next(iter(self.ids)))
            self.ids[(instance, account_id)] = key


class _Reader:
    """Reads the statuses of one response."""

    def __init__(self, instance: str, state: MastodonState) -> None:
        self.instance = instance
        self.state = state
        self.out = Parsed()
        self.accounts: dict[str, Account] = {}
        self.statuses: set[str] = set()

    def account(self, obj: Any) -> str | None:
        """The key of an account object (kept as an account), or ``None`` if unreadable."""
        if not isinstance(obj, dict) or not isinstance(obj.get("acct"), str):
            return None
        key = self.key_of(obj["acct"])
        if key is None:
            return None
        self.state.learn(self.instance, obj.get("id"), key)
        if key not in self.accounts and not self.state.seen.is_repeat(key, obj):
            try:
                created = parse_time(obj["created_at"]) if obj.get("created_at") else None
            except ValueError:
                created = None

            def count(name: str) -> int | None:
                v = obj.get(name)
                return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None

            pid = key[len(PLATFORM) + 1:]
            try:
                self.accounts[key] = Account(
                    PLATFORM, pid, handle=mastodon_id(obj["acct"], self.instance)[1],
                    name=obj.get("display_name") or None if isinstance(obj.get("display_name"), str) else None,
                    followers=count("followers_count"), following=count("following_count"),
                    posts=count("statuses_count"), created_at=created,
                    bio=html_text(obj.get("note")),
                    url=obj.get("url") if isinstance(obj.get("url"), str) else None,
                )
            except ValueError as exc:
                self.out.errors.append(f"account {obj['acct']}: {exc}")
        return key

    def key_of(self, acct: str) -> str | None:
        """The account key of an ``acct`` (``None`` when it is not one), once per run."""
        memo = self.state.keys
        k = (acct, self.instance)
        if k not in memo:
            try:
                memo[k] = f"{PLATFORM}:{mastodon_id(acct, self.instance)[0]}"
            except ValueError:
                memo[k] = None
            if len(memo) > MAX_IDS:
                memo.clear()
        return memo.get(k)

    def mention_key(self, m: Any) -> str | None:
        if not isinstance(m, dict) or not isinstance(m.get("acct"), str):
            return None
        key = self.key_of(m["acct"])
        if key is not None:
            self.state.learn(self.instance, m.get("id"), key)
        return key

    def edge(self, kind: str, post_id: str, source: str, target: str | None, at: datetime,
             text: str | None, topics: tuple[str, ...] = (), lang: str | None = None) -> None:
        if target is None or target == source:
            return
        self.out.interactions.append(Edge(PLATFORM, post_id, kind, source, target, at, text,
                                          topics, lang))

    def status(self, s: Any, primary: bool = True, depth: int = 0) -> str | None:
        """Read one status (and the statuses it embeds); returns its author's key."""
        if not isinstance(s, dict):
            self.out.errors.append("a status that is not an object")
            return None
        uri = s.get("uri") if isinstance(s.get("uri"), str) and s.get("uri") else None
        try:
            at = parse_time(s.get("created_at"))
        except ValueError as exc:
            self.out.errors.append(f"status {s.get('id')}: {exc}")
            return None
        author = self.account(s.get("account"))
        if uri is None or author is None:
            self.out.errors.append(f"status {s.get('id')}: no uri or no readable account")
            return None
        if uri in self.statuses:
            return author
        self.statuses.add(uri)
        if primary:
            self.out.posts += 1
        else:
            self.out.referenced += 1
        if depth > 3:
            return author
        original = s.get("reblog")
        if isinstance(original, dict):
            target = self.status(original, primary=False, depth=depth + 1)
            if target is not None and isinstance(original.get("uri"), str):
                self.edge("repost", f"{original['uri']}#reblog-by-{author.partition(':')[2]}",
                          author, target, at, None)
            return author
        text = html_text(s.get("content"))
        topics = tuple(dict.fromkeys(
            t["name"].strip().lstrip("#").lower() for t in s.get("tags") or []
            if isinstance(t, dict) and isinstance(t.get("name"), str) and t["name"].strip()))
        lang = s.get("language") if isinstance(s.get("language"), str) else None
        mentions = [self.mention_key(m) for m in s.get("mentions") or []]
        replied = s.get("in_reply_to_account_id")
        reply_to = None
        if isinstance(replied, str) and replied:
            reply_to = self.state.ids.get((self.instance, replied))
            if reply_to is None:
                self.out.unresolved += 1
        self.edge("reply", uri, author, reply_to, at, text, topics, lang)
        for key in dict.fromkeys(k for k in mentions if k is not None):
            if key != reply_to:
                self.edge("mention", uri, author, key, at, text, topics, lang)
        quote = s.get("quote")
        if isinstance(quote, dict) and quote.get("state") in (None, "accepted"):
            quoted = quote.get("quoted_status")
            if isinstance(quoted, dict):
                target = self.status(quoted, primary=False, depth=depth + 1)
                self.edge("quote", uri, author, target, at, text, topics, lang)
        return author

    def done(self) -> Parsed:
        self.out.accounts.extend(self.accounts.values())
        return self.out


def _max_id(items: list, current: int | None) -> int | None:
    for item in items:
        i = item.get("id") if isinstance(item, dict) else None
        if isinstance(i, str) and i.isdigit() and (current is None or int(i) > current):
            current = int(i)
    return current


def parse_response(record: dict, state: MastodonState | None = None) -> Parsed:
    """Accounts and interactions of one archived Mastodon response.

    Parameters
    ----------
    record : dict
        ``{"__scout": {"call": ..., "instance": ..., "of": ...}, "response": body}``.
        ``instance`` (the domain that answered) places local accounts; ``of``
        (``{"uri", "account"}``) names the status a ``status_reblogged_by`` list is about.
    state : MastodonState, optional
        Account ids seen so far in the run (to resolve ``in_reply_to_account_id``).

    Raises
    ------
    RecordError
        Not a Mastodon response this parser reads, or no instance to place accounts.
    """
    state = state if state is not None else MastodonState()
    if not isinstance(record, dict) or not isinstance(record.get(META_KEY), dict):
        raise RecordError("not an archived Mastodon response")
    meta = record[META_KEY]
    body = record.get(BODY_KEY)
    instance = meta.get("instance")
    if not isinstance(instance, str) or not instance:
        raise RecordError("no instance in __scout: local accounts cannot be placed")
    instance = instance_domain(instance)
    call = meta.get("call")
    r = _Reader(instance, state)
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        raise RecordError(f"an API error: {body['error']}")
    if call == "status_reblogged_by":
        of = meta.get("of") if isinstance(meta.get("of"), dict) else {}
        target, uri, at = of.get("account"), of.get("uri"), of.get("created_at")
        if not (isinstance(body, list) and isinstance(target, str) and isinstance(uri, str)):
            raise RecordError("a reblogged_by list needs a list body and __scout.of {uri, account}")
        try:
            when = parse_time(at)
        except ValueError as exc:
            raise RecordError(f"reblogged_by of {uri}: {exc}") from None
        for acc in body:
            booster = r.account(acc)
            if booster is None:
                r.out.errors.append("a booster without an acct")
                continue
            r.out.users += 1
            r.edge("repost", f"{uri}#reblog-by-{booster.partition(':')[2]}", booster, target,
                   when, None)
        return r.done()
    if call == "status_context":
        if not isinstance(body, dict):
            raise RecordError("a status context is an object {ancestors, descendants}")
        for part in ("ancestors", "descendants"):
            for s in body.get(part) or []:
                r.status(s)
        return r.done()
    if call in ("account_lookup", "account", "account_verify_credentials"):
        if r.account(body) is None:
            raise RecordError("not a Mastodon account")
        r.out.users += 1
        return r.done()
    if call == "notifications":
        if not isinstance(body, list):
            raise RecordError("notifications are a list")
        for n in body:
            _notification(r, n)
        r.out.newest_id = _max_id(body, None)
        return r.done()
    if isinstance(body, dict):  # one status
        r.status(body)
        return r.done()
    if not isinstance(body, list):
        raise RecordError(f"not a Mastodon response this parser reads ({type(body).__name__})")
    for s in body:
        r.status(s)
    if call in _CURSOR_CALLS:
        r.out.newest_id = _max_id(body, None)
    return r.done()


def _notification(r: _Reader, n: Any) -> None:
    if not isinstance(n, dict):
        r.out.errors.append("a notification that is not an object")
        return
    kind = n.get("type")
    status = n.get("status")
    if kind in ("mention", "status", "update", "quote") and isinstance(status, dict):
        r.status(status)
        return
    if kind in ("reblog", "favourite") and isinstance(status, dict):
        who = r.account(n.get("account"))
        target = r.account(status.get("account"))
        uri = status.get("uri")
        try:
            at = parse_time(n.get("created_at"))
        except ValueError as exc:
            r.out.errors.append(f"notification {n.get('id')}: {exc}")
            return
        if who is None or not isinstance(uri, str):
            r.out.errors.append(f"notification {n.get('id')}: no account or no status uri")
            return
        r.out.posts += 1
        suffix = "reblog" if kind == "reblog" else "like"
        r.edge("repost" if kind == "reblog" else "like",
               f"{uri}#{suffix}-by-{who.partition(':')[2]}", who, target, at, None)
        return
    r.account(n.get("account"))  # follows and others: the account only
