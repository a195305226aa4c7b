"""X (Twitter) records → Scout accounts and interactions.

One parser serves every way X data reaches Scout: pages fetched by
:mod:`ingest.x_api`, archives saved by twarc2 or by Scout, twarc2's flattened
tweets, single API v2 tweets and API v1.1 tweets. v1.1 tweets are first
rewritten into the v2 shape (:func:`v1_tweet_to_v2`) so that the same edge
rules apply to both.

Edge rules
----------
Each rule is a small function of one tweet and the page's lookups (like
twarc-network's ``get_edge_type``); :func:`edges_of_tweet` combines them:

* **repost** (:func:`repost_target`) → the reposted tweet's author. A repost
  yields *only* this edge: its text and mentions are the original author's, and
  the original (when the page includes it) yields them for that author.
* **reply** (:func:`reply_target`) → ``in_reply_to_user_id`` (or the replied-to
  tweet's author).
* **quote** (:func:`quote_target`) → the quoted tweet's author.
* **mention** (:func:`mention_targets`) → every mentioned user, except the
  replied-to user when it sits in the reply's leading ``@handle`` run: clients
  insert that prefix themselves and the reply edge already records it. Other
  users in that prefix, and every mention in the body, count.

Identity of users
-----------------
A user is ``x:<numeric id>``. A mention whose id is unknown is resolved by
username through the same page's ``includes.users``; failing that it becomes
``x:@<username lower-cased>`` (handle kept as written). The ``@`` keeps such
keys apart from numeric ids — X usernames may be all digits. Resolution here
only uses the record itself, so re-ingesting a file always yields the same keys;
:mod:`ingest.x_aliases` then turns ``x:@name`` into ``x:<id>`` once any record
of the run, or the store, knows the id (one account, not two).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from graph.errors import InputError, RecordError  # noqa: F401 - RecordError re-exported
from graph.model import Account, normalize_handle
from ingest.records import Edge, Parsed, SeenUsers  # noqa: F401 - Parsed, SeenUsers re-exported

PLATFORM = "x"
_KEY_PREFIX = PLATFORM + ":"
_V1_TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"
_USERNAME_RE = re.compile(r"^\w{1,50}$")
_RT_PREFIX_RE = re.compile(r"^RT @(\w{1,50}):")
_REPLY_PREFIX_RE = re.compile(r"^(?:\s*@\w{1,50})+")
_HANDLE_IN_PREFIX_RE = re.compile(r"@(\w{1,50})")
#: How deep inlined referenced tweets are followed (quote of a reply of a …).
_MAX_DEPTH = 3
#: How deep lists and recorded responses may nest (file → list → {uri, body} → list).
_MAX_NESTING = 6


class Lookup:
    """The users and tweets a record carries, to resolve references.

    ``names`` maps lower-cased usernames to ids; ``handles`` collects usernames
    that could not be resolved (they become ``x:@name`` accounts) and
    ``bare_ids`` ids known only from a mention (they get their handle).
    """

    __slots__ = ("users", "names", "tweets", "handles", "bare_ids")

    def __init__(self) -> None:
        self.users: dict[str, dict] = {}
        self.names: dict[str, str] = {}
        self.tweets: dict[str, dict] = {}
        self.handles: dict[str, str] = {}
        self.bare_ids: dict[str, str] = {}

    def add_user(self, user: dict) -> str | None:
        """Index a v2 user object; returns its id (``None`` if it has none)."""
        uid = _id_or_none(user.get("id"))
        if uid is None:
            return None
        self.users[uid] = user
        name = user.get("username")
        if isinstance(name, str):
            self.names[name.lower()] = uid
        return uid

    def add_tweet(self, tweet: dict) -> None:
        tid = _id_or_none(tweet.get("id"))
        if tid is not None:
            self.tweets[tid] = tweet


# -- small value helpers ------------------------------------------------------------------


def _id_or_none(value: object) -> str | None:
    """A platform id as a string: ints and non-blank strings without spaces."""
    if type(value) is str and value.isdigit():  # the common case: a canonical X id
        return value
    if isinstance(value, str):
        v = value.strip()
        return v if v and " " not in v else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _int_or_none(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def user_key(user_id: str) -> str:
    """The account key of an X user id.

    Examples
    --------
    >>> user_key("12")
    'x:12'
    """
    return _KEY_PREFIX + user_id


def handle_key(username: str) -> str:
    """The account key of a user known only by username (see the module docs).

    Examples
    --------
    >>> handle_key("@Jack")
    'x:@jack'
    """
    return _KEY_PREFIX + "@" + username.lstrip("@").lower()


def parse_time(value: object) -> datetime:
    """Parse an X timestamp: ISO 8601 (API v2) or ``Wed Jul 09 00:08:39 +0000 2014`` (v1.1).

    Raises
    ------
    ValueError
        If ``value`` is neither.

    Examples
    --------
    >>> parse_time("2021-04-08T19:34:16.000Z").isoformat()
    '2021-04-08T19:34:16+00:00'
    >>> parse_time("Wed Jul 09 00:08:39 +0000 2014").year
    2014
    """
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
        try:
            return datetime.strptime(value, _V1_TIME_FORMAT)
        except ValueError:
            pass
    raise ValueError(f"unreadable created_at {value!r}")


def _time_or_none(value: object) -> datetime | None:
    try:
        return parse_time(value)
    except ValueError:
        return None


# -- accounts -----------------------------------------------------------------------------


def account_from_v2_user(user: dict) -> Account:
    """An :class:`Account` from an API v2 user object.

    Raises
    ------
    ValueError
        If the user has no id.

    Examples
    --------
    >>> a = account_from_v2_user({"id": "12", "username": "jack",
    ...     "public_metrics": {"followers_count": 5}})
    >>> (a.key, a.handle, a.followers)
    ('x:12', 'jack', 5)
    """
    uid = _id_or_none(user.get("id"))
    if uid is None:
        raise ValueError("user without id")
    metrics = user.get("public_metrics")
    if not isinstance(metrics, dict):
        metrics = {}
    created = user.get("created_at")
    handle = _str_or_none(user.get("username"))
    if handle is not None and not _USERNAME_RE.match(handle):
        handle = normalize_handle(handle) or None
    when = _time_or_none(created) if created is not None else None
    if when is not None and when.tzinfo is not UTC:
        when = when.astimezone(UTC)
    verified = user.get("verified")
    return _checked_account(
        uid,
        handle,
        _str_or_none(user.get("name")),
        _int_or_none(metrics.get("followers_count")),
        _int_or_none(metrics.get("following_count")),
        _int_or_none(metrics.get("tweet_count")),
        when,
        verified if isinstance(verified, bool) else None,
        _str_or_none(user.get("description")),
        _user_url(user),
    )


_ACCOUNT_FIELDS = (
    "platform", "platform_id", "handle", "name", "followers", "following", "posts",
    "created_at", "verified", "bio", "url",
)
# The fast constructor below sets every field itself: fail at import, not with
# half-built accounts, if graph.model.Account ever gains or renames a field.
assert Account.__slots__ == _ACCOUNT_FIELDS, "ingest.x_parse._checked_account needs updating"


def _checked_account(
    uid: str,
    handle: str | None,
    name: str | None,
    followers: int | None,
    following: int | None,
    posts: int | None,
    created_at: datetime | None,
    verified: bool | None,
    bio: str | None,
    url: str | None,
) -> Account:
    """An X :class:`Account` from values already normalised as ``Account`` would.

    Profiles are the bulk of every page; skipping ``Account.__post_init__``
    (platform regex, handle and time normalisation, done by the caller here)
    makes the parser markedly faster. ``uid`` comes from :func:`_id_or_none`
    (stripped, non-empty), ``handle`` is ``@``-less and stripped, ``created_at``
    is UTC.
    """
    a = object.__new__(Account)
    a.platform = PLATFORM
    a.platform_id = uid
    a.handle = handle
    a.name = name
    a.followers = followers
    a.following = following
    a.posts = posts
    a.created_at = created_at
    a.verified = verified
    a.bio = bio
    a.url = url
    return a


def _user_url(user: dict) -> str | None:
    """The expanded profile link when the entities carry it, else the t.co one."""
    entities = user.get("entities")
    if isinstance(entities, dict):
        urls = (entities.get("url") or {}).get("urls") if isinstance(entities.get("url"), dict) else None
        if isinstance(urls, list) and urls and isinstance(urls[0], dict):
            expanded = _str_or_none(urls[0].get("expanded_url"))
            if expanded:
                return expanded
    return _str_or_none(user.get("url"))


def account_from_v1_user(user: dict) -> Account:
    """An :class:`Account` from an API v1.1 user object (``id_str``, ``screen_name``…).

    Raises
    ------
    ValueError
        If the user has no id.
    """
    uid = _id_or_none(user.get("id_str")) or _id_or_none(user.get("id"))
    if uid is None:
        raise ValueError("user without id")
    created = user.get("created_at")
    return Account(
        PLATFORM,
        uid,
        handle=_str_or_none(user.get("screen_name")),
        name=_str_or_none(user.get("name")),
        followers=_int_or_none(user.get("followers_count")),
        following=_int_or_none(user.get("friends_count")),
        posts=_int_or_none(user.get("statuses_count")),
        created_at=_time_or_none(created) if created is not None else None,
        verified=user.get("verified") if isinstance(user.get("verified"), bool) else None,
        bio=_str_or_none(user.get("description")),
        url=_user_url(user),
    )


# -- edge rules -----------------------------------------------------------------------------


def resolve_user(user_id: object, username: object, lookup: Lookup) -> str | None:
    """The account key for a user reference (id and/or username).

    An id wins; otherwise the username is looked up in the record's users,
    and failing that it becomes ``x:@username`` (remembered in ``lookup.handles``).

    Examples
    --------
    >>> lk = Lookup(); lk.names["jack"] = "12"
    >>> resolve_user(None, "Jack", lk), resolve_user(None, "Ann", lk), resolve_user("7", None, lk)
    ('x:12', 'x:@ann', 'x:7')
    """
    uid = _id_or_none(user_id)
    if uid is not None:
        if uid not in lookup.users and isinstance(username, str) and _USERNAME_RE.match(username):
            lookup.bare_ids[uid] = username
        return _KEY_PREFIX + uid
    if not isinstance(username, str):
        return None
    name = username.lstrip("@")
    if not _USERNAME_RE.match(name):
        return None
    lower = name.lower()
    known = lookup.names.get(lower)
    if known is not None:
        return _KEY_PREFIX + known
    lookup.handles.setdefault(lower, name)
    return _KEY_PREFIX + "@" + lower


def _refs(tweet: dict) -> list[dict]:
    refs = tweet.get("referenced_tweets")
    if not isinstance(refs, list):
        return []
    return [r for r in refs if isinstance(r, dict)]


_NO_REFS: dict[str, dict] = {}


def _ref_map(tweet: dict) -> dict[str, dict]:
    """The tweet's references by type (first of each): computed once per tweet."""
    refs = tweet.get("referenced_tweets")
    if not refs or not isinstance(refs, list):
        return _NO_REFS
    out: dict[str, dict] = {}
    for ref in refs:
        if isinstance(ref, dict):
            kind = ref.get("type")
            if isinstance(kind, str) and kind not in out:
                out[kind] = ref
    return out


def _inline_ref_tweet(ref: dict) -> dict | None:
    """A referenced tweet inlined by twarc2's flattening (in ``ref`` or ``ref['tweet']``)."""
    inner = ref.get("tweet")
    if isinstance(inner, dict):
        return inner
    if "author_id" in ref or "text" in ref or "author" in ref:
        return ref
    return None


def _ref_author(ref: dict, lookup: Lookup) -> str | None:
    """The author id of a referenced tweet: inlined, or from the record's tweets."""
    tweet = _inline_ref_tweet(ref)
    if tweet is None:
        tid = _id_or_none(ref.get("id"))
        tweet = lookup.tweets.get(tid) if tid is not None else None
    if tweet is None:
        return None
    author = _id_or_none(tweet.get("author_id"))
    if author is None and isinstance(tweet.get("author"), dict):
        author = _id_or_none(tweet["author"].get("id"))
    return author


def repost_target(tweet: dict, lookup: Lookup) -> str | None:
    """Key of the reposted tweet's author, or ``None`` if ``tweet`` is no repost.

    Without the reposted tweet, the ``RT @name:`` prefix of the text names the author.

    Examples
    --------
    >>> repost_target({"text": "RT @ann: hi", "referenced_tweets": [{"type": "retweeted", "id": "1"}]},
    ...               Lookup())
    'x:@ann'
    """
    return _repost_target(tweet, _ref_map(tweet), lookup)


def _repost_target(tweet: dict, refs: dict[str, dict], lookup: Lookup) -> str | None:
    ref = refs.get("retweeted")
    if ref is None:
        return None
    author = _ref_author(ref, lookup)
    if author is not None:
        return _KEY_PREFIX + author
    text = tweet.get("text")
    m = _RT_PREFIX_RE.match(text) if isinstance(text, str) else None
    return resolve_user(None, m.group(1), lookup) if m else None


def is_repost(tweet: dict) -> bool:
    """Whether ``tweet`` references a tweet as ``retweeted``."""
    return "retweeted" in _ref_map(tweet)


def reply_target(tweet: dict, lookup: Lookup) -> str | None:
    """Key of the replied-to user: ``in_reply_to_user_id``, else the replied-to tweet's author.

    Examples
    --------
    >>> reply_target({"in_reply_to_user_id": "9"}, Lookup())
    'x:9'
    """
    return _reply_target(tweet, _ref_map(tweet), lookup)


def _reply_target(tweet: dict, refs: dict[str, dict], lookup: Lookup) -> str | None:
    uid = _id_or_none(tweet.get("in_reply_to_user_id"))
    if uid is not None:
        return _KEY_PREFIX + uid
    ref = refs.get("replied_to")
    if ref is None:
        return None
    author = _ref_author(ref, lookup)
    return _KEY_PREFIX + author if author is not None else None


def quote_target(tweet: dict, lookup: Lookup) -> str | None:
    """Key of the quoted tweet's author (``None`` if not a quote or the author is unknown)."""
    return _quote_target(_ref_map(tweet), lookup)


def _quote_target(refs: dict[str, dict], lookup: Lookup) -> str | None:
    ref = refs.get("quoted")
    if ref is None:
        return None
    author = _ref_author(ref, lookup)
    return _KEY_PREFIX + author if author is not None else None


def _reply_prefix_handles(text: object) -> set[str]:
    """Lower-cased handles of a text's leading ``@a @b`` run."""
    if not isinstance(text, str) or not text.lstrip().startswith("@"):
        return set()
    m = _REPLY_PREFIX_RE.match(text)
    return {h.lower() for h in _HANDLE_IN_PREFIX_RE.findall(m.group())} if m else set()


def mention_targets(tweet: dict, lookup: Lookup, replied_to: str | None = None) -> list[str]:
    """Keys of the users a tweet mentions, in order, without repeats.

    The replied-to user is left out when its mention is part of the reply's
    leading ``@handle`` run (the reply edge records it).

    Examples
    --------
    >>> t = {"text": "@ann @bob thanks @cy", "entities": {"mentions": [
    ...     {"username": "ann", "id": "1"}, {"username": "bob", "id": "2"},
    ...     {"username": "cy", "id": "3"}]}}
    >>> mention_targets(t, Lookup(), replied_to="x:1")
    ['x:2', 'x:3']
    """
    entities = tweet.get("entities")
    if not isinstance(entities, dict):
        return []
    mentions = entities.get("mentions")
    if not isinstance(mentions, list) or not mentions:
        return []
    prefix = _reply_prefix_handles(tweet.get("text")) if replied_to is not None else set()
    out: list[str] = []
    for m in mentions:
        if not isinstance(m, dict):
            continue
        username = m.get("username")
        key = resolve_user(m.get("id"), username, lookup)
        if key is None or key in out:
            continue
        if key == replied_to and isinstance(username, str) and username.lower() in prefix:
            continue
        out.append(key)
    return out


def tweet_topics(tweet: dict) -> tuple[str, ...]:
    """Hashtags (lower-case, no ``#``) then cashtags (lower-case, with ``$``).

    Examples
    --------
    >>> tweet_topics({"entities": {"hashtags": [{"tag": "AI"}], "cashtags": [{"tag": "TSLA"}]}})
    ('ai', '$tsla')
    """
    entities = tweet.get("entities")
    if not isinstance(entities, dict):
        return ()
    topics: list[str] = []
    for name, prefix in (("hashtags", ""), ("cashtags", "$")):
        items = entities.get(name)
        if isinstance(items, list):
            for item in items:
                tag = item.get("tag") if isinstance(item, dict) else None
                topic = tag.strip().lstrip("#$").lower() if isinstance(tag, str) else ""
                if topic:  # a tag of only "#" or "$" names nothing
                    topics.append(prefix + topic)
    return tuple(topics)


def edges_of_tweet(tweet: dict, lookup: Lookup) -> list[tuple[str, str]]:
    """The ``(kind, target key)`` pairs one tweet yields, by the rules in the module docs.

    Examples
    --------
    >>> t = {"text": "@ann look", "in_reply_to_user_id": "1",
    ...      "entities": {"mentions": [{"username": "ann", "id": "1"}, {"username": "bo"}]}}
    >>> edges_of_tweet(t, Lookup())
    [('reply', 'x:1'), ('mention', 'x:@bo')]
    """
    return _edges(tweet, _ref_map(tweet), lookup)


def _edges(tweet: dict, refs: dict[str, dict], lookup: Lookup) -> list[tuple[str, str]]:
    if "retweeted" in refs:
        repost = _repost_target(tweet, refs, lookup)
        # A repost whose author cannot be told yields nothing reliable to record.
        return [("repost", repost)] if repost is not None else []
    edges: list[tuple[str, str]] = []
    replied = _reply_target(tweet, refs, lookup)
    if replied is not None:
        edges.append(("reply", replied))
    if "quoted" in refs:
        quoted = _quote_target(refs, lookup)
        if quoted is not None:
            edges.append(("quote", quoted))
    for target in mention_targets(tweet, lookup, replied):
        edges.append(("mention", target))
    return edges


_REF_KINDS = {"quoted": "quote", "replied_to": "reply", "retweeted": "repost"}


def _unresolved_refs(refs: dict[str, dict], edges: list[tuple[str, str]]) -> int:
    """References (quote, reply, repost) whose author could not be told."""
    if not refs:
        return 0
    kinds = {k for k, _ in edges}
    return sum(1 for t in refs if t in _REF_KINDS and _REF_KINDS[t] not in kinds)


def interactions_of_tweet(tweet: dict, lookup: Lookup, out: Parsed) -> str:
    """Append the interactions of one v2-shaped tweet to ``out``; returns its author key.

    Raises
    ------
    ValueError
        If the tweet has no id, no author or no readable ``created_at``.
    """
    tid = _id_or_none(tweet.get("id"))
    if tid is None:
        raise ValueError("tweet without id")
    author = _id_or_none(tweet.get("author_id"))
    if author is None and isinstance(tweet.get("author"), dict):
        author = _id_or_none(tweet["author"].get("id"))
    if author is None:
        raise ValueError(f"tweet {tid}: no author_id (request expansions=author_id)")
    if "created_at" not in tweet:
        raise ValueError(f"tweet {tid}: no created_at (request tweet.fields=created_at)")
    at = parse_time(tweet["created_at"])
    source = _KEY_PREFIX + author
    refs = _ref_map(tweet)
    edges = _edges(tweet, refs, lookup)
    if refs:
        out.unresolved += _unresolved_refs(refs, edges)
    if edges:
        text = tweet.get("text")
        text = text if isinstance(text, str) else None
        topics = tweet_topics(tweet)
        lang = _str_or_none(tweet.get("lang"))
        for kind, target in edges:
            out.interactions.append(
                Edge(PLATFORM, tid, kind, source, target, at, text, topics, lang)
            )
    return source


# -- record shapes ----------------------------------------------------------------------------


def _is_v2_user(obj: dict) -> bool:
    return "username" in obj and "text" not in obj and "author_id" not in obj


def _accounts_of_lookup(lookup: Lookup, out: Parsed, seen: SeenUsers | None = None) -> None:
    """Accounts for every user the record names: profiles, bare ids with handles, handles."""
    for uid, user in lookup.users.items():
        if seen is not None and seen.is_repeat(uid, user):
            continue
        try:
            out.accounts.append(account_from_v2_user(user))
        except ValueError as exc:  # pragma: no cover - add_user only keeps users with ids
            out.errors.append(f"user {uid}: {exc}")
    for uid, name in lookup.bare_ids.items():
        if uid not in lookup.users:
            out.accounts.append(Account(PLATFORM, uid, handle=name))
    for lower, name in lookup.handles.items():
        out.accounts.append(Account(PLATFORM, "@" + lower, handle=name))


def _note_newest(out: Parsed, tid: object) -> None:
    if isinstance(tid, str) and tid.isdigit():
        n = int(tid)
        if out.newest_id is None or n > out.newest_id:
            out.newest_id = n


def parse_v2_page(page: dict, seen: SeenUsers | None = None) -> Parsed:
    """Parse one API v2 response page (``data``, ``includes``, ``meta``, ``errors``).

    ``data`` may hold tweets (a list, or one tweet as the filtered stream sends
    it) or users (user lookups). Tweets in ``includes.tweets`` are parsed too, as
    referenced tweets: a quoted tweet's own replies and mentions are interactions
    of its author.

    Parameters
    ----------
    page : dict
        The decoded JSON page.
    seen : SeenUsers, optional
        Users already turned into accounts in this run (their repeats are skipped).

    Returns
    -------
    Parsed
        Accounts (every user in ``includes.users``), interactions and counts.
        Tweets that cannot be read are listed in ``errors``; the rest is kept.

    Raises
    ------
    RecordError
        If the page's ``data`` / ``includes`` have the wrong types.
    """
    out = Parsed()
    includes = page.get("includes")
    if includes is None:
        includes = {}
    if not isinstance(includes, dict):
        raise RecordError("'includes' is not an object")
    lookup = Lookup()
    users = includes.get("users")
    if isinstance(users, list):
        for u in users:
            if isinstance(u, dict):
                lookup.add_user(u)
    ref_tweets = includes.get("tweets")
    ref_tweets = [t for t in ref_tweets if isinstance(t, dict)] if isinstance(ref_tweets, list) else []
    for t in ref_tweets:
        lookup.add_tweet(t)
    data = page.get("data")
    if data is None:
        items: list = []
    elif isinstance(data, dict):
        items = [data]
    elif isinstance(data, list):
        items = data
    else:
        raise RecordError("'data' is neither an object nor a list")
    for item in items:
        # A reply to (or quote of) a tweet of the same page finds its author here.
        if isinstance(item, dict) and "username" not in item:
            lookup.add_tweet(item)
    errors = page.get("errors")
    if isinstance(errors, list):
        out.api_errors += len(errors)
    primary: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            out.errors.append("an item of 'data' is not an object")
            continue
        if _is_v2_user(item):
            if lookup.add_user(item) is None:
                out.errors.append("user without id")
            else:
                out.users += 1
            continue
        try:
            interactions_of_tweet(item, lookup, out)
        except ValueError as exc:
            out.errors.append(str(exc))
            continue
        out.posts += 1
        tid = item.get("id")
        primary.add(str(tid))
        _note_newest(out, tid)
    _parse_referenced(ref_tweets, lookup, out, primary)
    _accounts_of_lookup(lookup, out, seen)
    return out


def _parse_referenced(tweets: list[dict], lookup: Lookup, out: Parsed, done: set[str]) -> None:
    """Parse referenced tweets not in ``done`` (once each), counting the ones that fail.

    Expansions may lack fields we need; they are context, not the record itself,
    so a failure counts as unresolved rather than as an error.
    """
    for t in tweets:
        tid = str(t.get("id"))
        if tid in done:
            continue
        done.add(tid)
        try:
            interactions_of_tweet(t, lookup, out)
            out.referenced += 1
        except ValueError:
            out.unresolved += 1


def _absorb_flat(tweet: dict, lookup: Lookup, depth: int = 0) -> list[dict]:
    """Index the users and tweets twarc2's flattening inlined into ``tweet``.

    Returns the inlined referenced tweets (to be parsed as referenced tweets).
    """
    for key in ("author", "in_reply_to_user"):
        user = tweet.get(key)
        if isinstance(user, dict):
            lookup.add_user(user)
    entities = tweet.get("entities")
    if isinstance(entities, dict) and isinstance(entities.get("mentions"), list):
        for m in entities["mentions"]:
            # A flattened mention is the user object itself plus start/end.
            if isinstance(m, dict) and "id" in m and ("public_metrics" in m or "name" in m):
                lookup.add_user(m)
    inlined: list[dict] = []
    if depth >= _MAX_DEPTH:
        return inlined
    for ref in _refs(tweet):
        inner = _inline_ref_tweet(ref)
        if inner is not None:
            lookup.add_tweet({**inner, "id": ref.get("id", inner.get("id"))})
            inlined.append(inner)
            inlined.extend(_absorb_flat(inner, lookup, depth + 1))
    return inlined


def parse_v2_tweet(tweet: dict, seen: SeenUsers | None = None) -> Parsed:
    """Parse one API v2 tweet, plain or flattened by twarc2 (``author``, inlined references).

    Raises
    ------
    RecordError
        If the tweet cannot be read (no id, author or created_at).
    """
    out = Parsed()
    lookup = Lookup()
    inlined = _absorb_flat(tweet, lookup)
    try:
        interactions_of_tweet(tweet, lookup, out)
    except ValueError as exc:
        raise RecordError(str(exc)) from None
    out.posts = 1
    _note_newest(out, tweet.get("id"))
    _parse_referenced(inlined, lookup, out, {str(tweet.get("id"))})
    _accounts_of_lookup(lookup, out, seen)
    return out


def v1_tweet_to_v2(tweet: dict) -> tuple[dict, list[dict], list[dict]]:
    """Rewrite an API v1.1 tweet into the v2 shape.

    Returns
    -------
    tuple
        ``(tweet, users, nested)``: the v2-shaped tweet, the v1.1 user objects it
        carries (its author, and ``in_reply_to`` handles as stubs) and the nested
        v1.1 tweets (``retweeted_status``, ``quoted_status``).

    Raises
    ------
    ValueError
        If the tweet has no ``user`` object.
    """
    user = tweet.get("user")
    if not isinstance(user, dict):
        raise ValueError("v1.1 tweet without 'user'")
    tid = _id_or_none(tweet.get("id_str")) or _id_or_none(tweet.get("id"))
    author = _id_or_none(user.get("id_str")) or _id_or_none(user.get("id"))
    ext = tweet.get("extended_tweet") if isinstance(tweet.get("extended_tweet"), dict) else {}
    text = ext.get("full_text") or tweet.get("full_text") or tweet.get("text")
    entities = ext.get("entities") or tweet.get("entities")
    entities = entities if isinstance(entities, dict) else {}
    mentions = [
        {"username": m.get("screen_name"), "id": _id_or_none(m.get("id_str")) or _id_or_none(m.get("id"))}
        for m in _list(entities.get("user_mentions"))
        if isinstance(m, dict)
    ]
    hashtags = [{"tag": h.get("text")} for h in _list(entities.get("hashtags")) if isinstance(h, dict)]
    cashtags = [{"tag": s.get("text")} for s in _list(entities.get("symbols")) if isinstance(s, dict)]
    refs: list[dict] = []
    nested: list[dict] = []
    users: list[dict] = [user]
    for field_name, kind in (("retweeted_status", "retweeted"), ("quoted_status", "quoted")):
        inner = tweet.get(field_name)
        if isinstance(inner, dict):
            inner_user = inner.get("user") if isinstance(inner.get("user"), dict) else {}
            refs.append(
                {
                    "type": kind,
                    "id": _id_or_none(inner.get("id_str")) or _id_or_none(inner.get("id")),
                    "author_id": _id_or_none(inner_user.get("id_str")) or _id_or_none(inner_user.get("id")),
                }
            )
            nested.append(inner)
    reply_to = _id_or_none(tweet.get("in_reply_to_user_id_str")) or _id_or_none(
        tweet.get("in_reply_to_user_id")
    )
    if reply_to is not None:
        refs.append(
            {
                "type": "replied_to",
                "id": _id_or_none(tweet.get("in_reply_to_status_id_str")),
                "author_id": reply_to,
            }
        )
        screen_name = tweet.get("in_reply_to_screen_name")
        if isinstance(screen_name, str):
            users.append({"id_str": reply_to, "screen_name": screen_name})
    v2 = {
        "id": tid,
        "author_id": author,
        "created_at": tweet.get("created_at"),
        "text": text,
        "lang": tweet.get("lang"),
        "in_reply_to_user_id": reply_to,
        "entities": {"mentions": mentions, "hashtags": hashtags, "cashtags": cashtags},
        "referenced_tweets": refs,
    }
    return v2, users, nested


def parse_v1_tweet(tweet: dict, _depth: int = 0) -> Parsed:
    """Parse one API v1.1 tweet (with its ``retweeted_status`` / ``quoted_status``).

    Raises
    ------
    RecordError
        If the tweet cannot be read.
    """
    out = Parsed()
    lookup = Lookup()
    try:
        v2, users, nested = v1_tweet_to_v2(tweet)
        for u in users:
            uid = _id_or_none(u.get("id_str")) or _id_or_none(u.get("id"))
            if uid is not None and isinstance(u.get("screen_name"), str):
                lookup.names[u["screen_name"].lower()] = uid
        interactions_of_tweet(v2, lookup, out)
        for u in users:
            out.accounts.append(account_from_v1_user(u))
    except ValueError as exc:
        raise RecordError(str(exc)) from None
    for uid, name in lookup.bare_ids.items():
        out.accounts.append(Account(PLATFORM, uid, handle=name))
    for lower, name in lookup.handles.items():
        out.accounts.append(Account(PLATFORM, "@" + lower, handle=name))
    if _depth == 0:
        out.posts = 1
        _note_newest(out, v2["id"])
    else:
        out.referenced = 1
    if _depth < _MAX_DEPTH:
        for inner in nested:
            try:
                out.extend(parse_v1_tweet(inner, _depth + 1))
            except RecordError:
                out.unresolved += 1
    return out


def parse_v1_user(user: dict) -> Parsed:
    """Parse a v1.1 user object (accounts only)."""
    try:
        return Parsed(users=1, accounts=[account_from_v1_user(user)])
    except ValueError as exc:
        raise RecordError(str(exc)) from None


def parse_v2_user(user: dict) -> Parsed:
    """Parse a v2 user object (accounts only)."""
    try:
        return Parsed(users=1, accounts=[account_from_v2_user(user)])
    except ValueError as exc:
        raise RecordError(str(exc)) from None


def detect_shape(obj: object) -> str:
    """Tell which kind of X record ``obj`` is.

    Returns
    -------
    str
        One of ``"v2_page"``, ``"v2_tweet"`` (plain or flattened), ``"v2_user"``,
        ``"v1_tweet"``, ``"v1_user"``, ``"wrapped"`` (a recorded ``{uri, body}``
        response), ``"list"`` or ``"unknown"``.

    Examples
    --------
    >>> detect_shape({"data": [], "meta": {"result_count": 0}})
    'v2_page'
    >>> detect_shape({"id": "1", "text": "hi", "author_id": "2"})
    'v2_tweet'
    >>> detect_shape({"id_str": "1", "text": "hi", "user": {}})
    'v1_tweet'
    """
    if isinstance(obj, list):
        return "list"
    if not isinstance(obj, dict):
        return "unknown"
    if "data" in obj or "includes" in obj or (
        isinstance(obj.get("meta"), dict) and "result_count" in obj["meta"]
    ):
        return "v2_page"
    if "body" in obj and "uri" in obj:
        return "wrapped"
    if isinstance(obj.get("user"), dict) and ("text" in obj or "full_text" in obj):
        return "v1_tweet"
    if "screen_name" in obj and ("id_str" in obj or "id" in obj):
        return "v1_user"
    if "id" in obj and ("text" in obj or "author_id" in obj):
        return "v2_tweet"
    if "id" in obj and "username" in obj:
        return "v2_user"
    if isinstance(obj.get("errors"), list) and "data" not in obj:
        return "v2_page"  # an error-only response: nothing to ingest, not malformed
    return "unknown"


_PARSERS = {
    "v2_page": parse_v2_page,
    "v2_tweet": parse_v2_tweet,
    "v2_user": parse_v2_user,
    "v1_tweet": parse_v1_tweet,
    "v1_user": parse_v1_user,
}


def parse_x_record(obj: object, seen: SeenUsers | None = None, _depth: int = 0) -> Parsed:
    """Parse any X record: a page, a tweet, a user, a list of those, a recorded response.

    Parameters
    ----------
    obj : object
        A decoded JSON value.
    seen : SeenUsers, optional
        Shared by the records of one run, so repeated identical profiles are
        not turned into accounts again.

    Returns
    -------
    Parsed

    Raises
    ------
    RecordError
        If the record is of no known shape or cannot be read as a whole. Never
        any other exception, whatever ``obj`` is.

    Examples
    --------
    >>> p = parse_x_record({"id": "5", "author_id": "1", "created_at": "2024-01-01T00:00:00Z",
    ...                     "text": "@bob hi", "entities": {"mentions": [{"username": "bob", "id": "2"}]}})
    >>> [(e.kind, e.source, e.target) for e in p.interactions]
    [('mention', 'x:1', 'x:2')]
    """
    shape = detect_shape(obj)
    try:
        if shape == "list" or shape == "wrapped":
            return _parse_container(obj, shape, _depth, seen)
        if shape == "v2_page":
            return parse_v2_page(obj, seen)  # type: ignore[arg-type]
        if shape == "v2_tweet":
            return parse_v2_tweet(obj, seen)  # type: ignore[arg-type]
        parser = _PARSERS.get(shape)
        if parser is None:
            raise RecordError(_unknown_reason(obj))
        return parser(obj)  # type: ignore[arg-type]
    except RecordError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError) as exc:
        # A backstop: the parsers check types, but a record is arbitrary JSON.
        raise RecordError(f"unreadable {shape} record ({type(exc).__name__}: {exc})") from None


def _parse_container(obj: object, shape: str, depth: int, seen: SeenUsers | None) -> Parsed:
    if depth >= _MAX_NESTING:
        raise RecordError("records nested too deeply")
    if shape == "wrapped":
        body = obj["body"]  # type: ignore[index]
        if isinstance(body, str | bytes):
            from ingest.jsonio import loads

            try:
                body = loads(body)
            except ValueError as exc:
                raise RecordError(f"recorded body is not JSON: {exc}") from None
        items: Iterable = [body]
    else:
        items = obj  # type: ignore[assignment]
    out = Parsed()
    for i, item in enumerate(items, start=1):
        try:
            out.extend(parse_x_record(item, seen, depth + 1))
        except RecordError as exc:
            out.errors.append(f"item {i}: {exc}" if shape == "list" else str(exc))
    return out


def _unknown_reason(obj: object) -> str:
    if isinstance(obj, dict):
        keys = ", ".join(sorted(str(k) for k in obj)[:8])
        return f"not an X record (keys: {keys or 'none'})"
    return f"not an X record (a JSON {type(obj).__name__})"
