"""Reddit: a subreddit's submissions with their full comment trees, a search, a comment stream.

Uses praw (``praw.Reddit`` in read-only, application-only mode: a "script" or
"web" app's ``REDDIT_CLIENT_ID`` and ``REDDIT_CLIENT_SECRET``, and a
descriptive ``REDDIT_USER_AGENT`` as Reddit's API rules ask). Requests go
through ``Reddit.request``, which returns the JSON exactly as Reddit sent it:
that body is archived, then parsed by :mod:`ingest.reddit_parse`. The base URL
comes from ``SCOUT_REDDIT_API_BASE`` (tests point it at a local server).

A fetch makes these calls:

* ``subreddit NAME``: ``GET /r/NAME/new`` (100 submissions a page, newest
  first) until a page reaches what the last run already read (its cursor,
  less ``--lookback`` days: comments keep coming in on recent posts), then for
  each submission its comment tree ``GET /comments/ID`` and, for every
  ``more`` stub, ``GET /api/morechildren`` (100 ids a call) or, for "continue
  this thread" stubs, ``GET /comments/ID/_/COMMENT`` — the calls praw's
  ``replace_more(limit=None)`` makes;
* ``search QUERY``: ``GET /search`` (or ``/r/NAME/search`` with
  ``--subreddit``), newest first, then the same comment trees;
* ``comments NAME``: ``GET /r/NAME/comments``, the subreddit's newest
  comments (cheap: catches replies on older submissions).

Finally the parents that no response held are asked for with ``GET
/api/info`` (100 per call), so that each reply finds its target.

Rate limits: praw's own limiter paces requests by Reddit's
``X-Ratelimit-*`` headers; a 429 waits as long as ``Retry-After`` /
``X-Ratelimit-Reset`` say, 5xx and connection errors back off
(:mod:`ingest.retry`; praw's own retries are turned off so that there is one
rule). Reddit's terms forbid linking Reddit accounts to identities elsewhere:
Scout never joins a Reddit account to a person.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from graph.errors import ApiAuthError, ApiError, InputError
from ingest.connectors import Connector, Endpoint, Option, Response
from ingest.records import Parsed
from ingest.retry import RetryPolicy, Transient, call_with_retries, retry_after

SERVICE = "Reddit API"
ID_ENVS = ("REDDIT_CLIENT_ID",)
SECRET_ENVS = ("REDDIT_CLIENT_SECRET",)
AGENT_ENV = "REDDIT_USER_AGENT"
DEFAULT_AGENT = "python:scout-influencer-discovery:0.1 (read-only)"
DEFAULT_OAUTH_URL = "https://oauth.reddit.com"
DEFAULT_REDDIT_URL = "https://www.reddit.com"
_SUBREDDIT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$")
#: Ids per /api/morechildren and /api/info call (Reddit's limit).
IDS_PER_CALL = 100
#: Most calls spent expanding one submission's ``more`` stubs (a runaway thread stops here).
MAX_CALLS_PER_TREE = 200
PAGE = 100


class RedditClient:
    """A read-only ``praw.Reddit`` whose raw requests go through Scout's retry rule."""

    def __init__(self, client_id: str, client_secret: str, user_agent: str, retry: RetryPolicy,
                 api_base: str | None = None) -> None:
        import praw

        self.retry = retry
        self.requests_made = 0
        self.base = api_base or DEFAULT_OAUTH_URL
        self.reddit = praw.Reddit(
            client_id=client_id, client_secret=client_secret, user_agent=user_agent,
            oauth_url=api_base or DEFAULT_OAUTH_URL, reddit_url=api_base or DEFAULT_REDDIT_URL,
            check_for_updates=False, check_for_async=False, timeout=retry.timeout[1],
        )
        # One retry rule (ingest.retry): prawcore's own retries are turned off (its
        # FiniteRetryStrategy(1) would still sleep 2-4 s before every request).
        self.reddit._core._retry_strategy_class = _no_retries()

    def call(self, path: str, params: Mapping[str, Any], call: str) -> Response:
        """One ``GET`` through the retry rule, as a :class:`~ingest.connectors.Response`.

        Raises
        ------
        ApiAuthError
            The app's credentials are refused.
        InputError
            No such subreddit or thing, a private or banned subreddit, a bad query.
        ApiError
            Still failing after retries.
        """
        import prawcore

        query = {**params, "raw_json": 1}

        def attempt() -> Any:
            self.requests_made += 1
            return self.reddit.request(method="GET", path=path, params=dict(query))

        def classify(exc: BaseException) -> Transient | None:
            if isinstance(exc, prawcore.TooManyRequests):
                return Transient("rate", "HTTP 429", retry_after(dict(exc.response.headers)))
            if isinstance(exc, prawcore.ServerError):
                return Transient("server", "", status=exc.response.status_code)
            if isinstance(exc, prawcore.RequestException):
                return Transient("connection", f"{type(exc.original_exception).__name__}")
            if isinstance(exc, prawcore.OAuthException | prawcore.InvalidToken):
                raise ApiAuthError(f"{SERVICE} refused the app's credentials: check "
                                   f"{ID_ENVS[0]} and {SECRET_ENVS[0]}") from None
            if isinstance(exc, prawcore.Redirect | prawcore.NotFound):
                raise InputError(f"reddit: {path} does not exist") from None
            if isinstance(exc, prawcore.Forbidden):
                reason = _reason(exc.response)
                if reason in ("private", "banned", "quarantined", "gold_only"):
                    raise InputError(f"reddit: {path} is {reason}") from None
                raise ApiAuthError(f"{SERVICE} refused the request (HTTP 403): check "
                                   f"{ID_ENVS[0]} and {SECRET_ENVS[0]}") from None
            if isinstance(exc, prawcore.ResponseException):
                status = exc.response.status_code
                if status == 401:
                    raise ApiAuthError(f"{SERVICE} refused the app's credentials (HTTP 401): "
                                       f"check {ID_ENVS[0]} and {SECRET_ENVS[0]}") from None
                if 400 <= status < 500:
                    raise InputError(f"reddit: {path}: HTTP {status}") from None
                raise ApiError(f"{SERVICE} error {status} on {path}") from None
            return None

        body = call_with_retries(attempt, classify, self.retry, SERVICE)
        return Response(body, {"call": call, "path": path, "params": dict(params)},
                        f"{self.base}{path}?{urlencode(query)}")


def _no_retries() -> type:
    """A prawcore retry strategy that neither retries nor sleeps."""
    from prawcore.sessions import RetryStrategy

    class NoRetries(RetryStrategy):
        def _sleep_seconds(self) -> float | None:
            return None

        def consume_available_retry(self) -> NoRetries:
            return self

        def should_retry_on_failure(self) -> bool:
            return False

    return NoRetries


def _reason(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("reason") or "") if isinstance(body, dict) else ""


# -- walking raw bodies (what to ask for next) ---------------------------------------------------


def _children(listing: object) -> list[dict]:
    data = listing.get("data") if isinstance(listing, dict) else None
    children = data.get("children") if isinstance(data, dict) else None
    return [c for c in children or [] if isinstance(c, dict)] if isinstance(children, list) else []


def walk(body: object) -> Iterator[dict]:
    """Every thing (``t1``, ``t3``, ``more``…) of a raw body, nested replies included."""
    if isinstance(body, list):
        for part in body:
            yield from walk(part)
        return
    if not isinstance(body, dict):
        return
    if isinstance(body.get("json"), dict):  # /api/morechildren
        data = body["json"].get("data")
        yield from walk({"kind": "Listing", "data": {"children": (data or {}).get("things") or []}})
        return
    if body.get("kind") == "Listing":
        for child in _children(body):
            yield from walk(child)
        return
    if isinstance(body.get("kind"), str):
        yield body
        data = body.get("data")
        if isinstance(data, dict) and isinstance(data.get("replies"), dict):
            yield from walk(data["replies"])


def thing_time(data: Mapping) -> datetime | None:
    value = data.get("created_utc")
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def cursor_time(cursor: str | None) -> datetime | None:
    """The time a time cursor stands for (``None`` for none or an unreadable one).

    Examples
    --------
    >>> cursor_time("2024-05-01T12:00:00.000000Z").isoformat()
    '2024-05-01T12:00:00+00:00'
    """
    if not cursor:
        return None
    try:
        return datetime.strptime(cursor, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        return None


class _Seen:
    """Fullnames read so far and parents asked for, across a fetch's responses."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.parents: set[str] = set()
        self.things = 0

    def add(self, body: object) -> list[dict]:
        """Record a body's things; returns its ``more`` stubs."""
        stubs = []
        for thing in walk(body):
            data = thing.get("data")
            if not isinstance(data, dict):
                continue
            if thing.get("kind") == "more":
                stubs.append(data)
                continue
            name = data.get("name")
            if isinstance(name, str):
                self.names.add(name)
                self.things += 1
            parent = data.get("parent_id")
            if thing.get("kind") == "t1" and isinstance(parent, str):
                self.parents.add(parent)
            link = data.get("link_id")
            if isinstance(link, str) and data.get("link_author") is not None:
                self.names.add(link)
        return stubs

    def missing(self) -> list[str]:
        return sorted(p for p in self.parents - self.names if p.startswith("t1_"))


# -- the connector ---------------------------------------------------------------------------------


class RedditConnector(Connector):
    """Submissions and comment trees of a subreddit, a search, or a subreddit's comment stream."""

    platform = "reddit"
    title = "Reddit"
    service = SERVICE
    unit = "things"
    credentials = (*ID_ENVS, *SECRET_ENVS, AGENT_ENV)
    help = ("Fetch from the Reddit API with praw (read-only): a reply → the parent comment's or "
            "the submission's author, u/name → mention, the subreddit is the topic. Reddit's "
            "terms forbid linking Reddit accounts to identities elsewhere: they never join a person.")
    endpoints = (
        Endpoint("subreddit", "NAME",
                 "New submissions of a subreddit with their full comment trees (every `more` "
                 "stub expanded), back to the last run's newest less --lookback days.",
                 ("scout ingest reddit subreddit python --max 5000",
                  "scout ingest reddit subreddit r/dataengineering --lookback 7 --json")),
        Endpoint("search", "QUERY",
                 "Submissions matching a search (newest first; --subreddit to search one), with "
                 "their comment trees.",
                 ('scout ingest reddit search "acme analytics" --max 500',
                  "scout ingest reddit search acme --subreddit devops")),
        Endpoint("comments", "NAME",
                 "A subreddit's newest comments (up to about 1,000), with their parents looked up.",
                 ("scout ingest reddit comments python",)),
    )
    options = (
        Option("lookback", "Days before the last run's newest submission whose comment trees "
               "are read again (new comments on recent posts).", int, 2),
        Option("subreddit", "search: search this subreddit only.", str, None),
    )

    def normalize_value(self, endpoint: str, value: str, options: Mapping[str, Any]) -> str:
        v = super().normalize_value(endpoint, value, options)
        if endpoint in ("subreddit", "comments"):
            name = re.sub(r"^(?:https?://(?:www\.|old\.)?reddit\.com)?/?r/", "", v).strip("/")
            if not _SUBREDDIT_RE.match(name):
                raise InputError(f"reddit {endpoint}: not a subreddit name: {value!r}")
            return name.lower()
        return v

    def source_name(self, endpoint: str, value: str, options: Mapping[str, Any]) -> str:
        sub = options.get("subreddit")
        if endpoint == "search" and sub:
            return f"reddit:search:{value}@r/{str(sub).lower()}"
        return super().source_name(endpoint, value, options)

    def client(self, options: Mapping[str, Any], retry: RetryPolicy,
               environ: Mapping[str, str]) -> RedditClient:
        client_id = self.env(environ, *ID_ENVS, required=False)
        secret = self.env(environ, *SECRET_ENVS, required=False)
        if not (client_id and secret):
            raise ApiAuthError(f"no Reddit credentials: set {ID_ENVS[0]} and {SECRET_ENVS[0]} "
                               "(the id and secret of a Reddit app, reddit.com/prefs/apps)")
        agent = self.env(environ, AGENT_ENV, required=False) or DEFAULT_AGENT
        return RedditClient(client_id, secret, agent, retry, self.api_base(environ))

    def fetch(self, client: RedditClient, endpoint: str, value: str, *, cursor: str | None,
              max_posts: int | None, options: Mapping[str, Any]) -> Iterator[Response]:
        seen = _Seen()
        since = cursor_time(cursor)
        if endpoint == "comments":
            yield from self._listing(client, f"/r/{value}/comments", {}, since, max_posts, seen)
        else:
            if endpoint == "subreddit":
                path, params = f"/r/{value}/new", {}
                lookback = timedelta(days=max(0, int(options.get("lookback", 2) or 0)))
                since = since - lookback if since is not None else None
            else:
                sub = options.get("subreddit")
                path = f"/r/{str(sub).lower()}/search" if sub else "/search"
                params = {"q": value, "sort": "new", "type": "link", "restrict_sr": 1 if sub else 0}
            posts: list[str] = []
            for response in self._listing(client, path, params, since, max_posts, seen):
                yield response
                posts += [c["data"]["id"] for c in _children(response.body)
                          if c.get("kind") == "t3" and isinstance((c.get("data") or {}).get("id"), str)
                          and _newer(c["data"], since)]
            for post in posts:
                yield from self._tree(client, post, seen)
                if max_posts is not None and seen.things >= max_posts:
                    break
        yield from self._parents(client, seen)

    def _listing(self, client: RedditClient, path: str, params: dict, since: datetime | None,
                 max_posts: int | None, seen: _Seen) -> Iterator[Response]:
        after = None
        while True:
            page = client.call(path, {**params, "limit": PAGE, **({"after": after} if after else {})},
                               "listing")
            yield page
            seen.add(page.body)
            things = [c.get("data") or {} for c in _children(page.body)]
            after = (page.body.get("data") or {}).get("after") if isinstance(page.body, dict) else None
            if not after or not things or (max_posts is not None and seen.things >= max_posts):
                return
            if since is not None and not any(_newer(t, since) for t in things):
                return

    def _tree(self, client: RedditClient, post: str, seen: _Seen) -> Iterator[Response]:
        """A submission's comment tree with every ``more`` stub expanded."""
        page = client.call(f"/comments/{post}", {"limit": 500, "sort": "old"}, "comments")
        yield page
        stubs = seen.add(page.body)
        calls = 1
        while stubs and calls < MAX_CALLS_PER_TREE:
            stub = stubs.pop(0)
            ids = [c for c in stub.get("children") or [] if isinstance(c, str)]
            if ids:
                for i in range(0, len(ids), IDS_PER_CALL):
                    more = client.call("/api/morechildren", {
                        "link_id": f"t3_{post}", "children": ",".join(ids[i:i + IDS_PER_CALL]),
                        "api_type": "json", "sort": "old"}, "morechildren")
                    calls += 1
                    yield more
                    stubs += seen.add(more.body)
            elif str(stub.get("parent_id", "")).startswith("t1_"):  # "continue this thread"
                cont = client.call(f"/comments/{post}/_/{stub['parent_id'][3:]}", {"sort": "old"},
                                   "comments")
                calls += 1
                yield cont
                stubs += seen.add(cont.body)

    def _parents(self, client: RedditClient, seen: _Seen) -> Iterator[Response]:
        missing = seen.missing()
        for i in range(0, len(missing), IDS_PER_CALL):
            info = client.call("/api/info", {"id": ",".join(missing[i:i + IDS_PER_CALL])}, "info")
            yield info
            seen.add(info.body)

    def new_state(self) -> Any:
        from ingest.reddit_parse import RedditState

        return RedditState()

    def parse(self, record: dict, state: Any) -> Parsed:
        from ingest.reddit_parse import parse_response

        return parse_response(record, state)


def _newer(data: Mapping, since: datetime | None) -> bool:
    if since is None:
        return True
    at = thing_time(data)
    return at is not None and at > since


CONNECTOR = RedditConnector()
