"""Bluesky through the atproto SDK (``atproto.Client``): search, threads, reposts, likes, quotes.

Calls go through the SDK's ``invoke_query`` with its typed parameter models,
which returns the server's JSON untouched: that is what is archived and parsed.
Credentials: ``BLUESKY_HANDLE`` and ``BLUESKY_APP_PASSWORD`` (an app password,
never the account's own); ``search`` needs them (``searchPosts`` requires a
login), the other endpoints work without, against the public AppView. The base
URL is ``SCOUT_BLUESKY_API_BASE`` when set (tests), else ``https://bsky.social``
with a login, ``https://public.api.bsky.app`` without.

Endpoints: ``search QUERY`` (incremental: ``since`` = the newest post's time of
the last run), ``thread AT-URI|URL`` (the thread, then who reposted, liked and
quoted its root), ``author HANDLE|DID`` (an author's feed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from graph.errors import ApiAuthError, ApiError, InputError
from ingest.connectors import Connector, Endpoint, Option, Response
from ingest.records import Parsed
from ingest.retry import RetryPolicy, Transient, call_with_retries, retry_after

SERVICE = "Bluesky API"
HANDLE_ENV = "BLUESKY_HANDLE"
PASSWORD_ENV = "BLUESKY_APP_PASSWORD"
LOGIN_BASE = "https://bsky.social"
PUBLIC_BASE = "https://public.api.bsky.app"
_POST_URL = re.compile(r"bsky\.app/profile/([^/]+)/post/([A-Za-z0-9]+)")
_AT_URI = re.compile(r"^at://[^/]+/app\.bsky\.feed\.post/[A-Za-z0-9._~-]+$")


class BlueskyClient:
    """An :class:`atproto.Client` used for raw queries through Scout's retry rule."""

    def __init__(self, base_url: str, login: tuple[str, str] | None, retry: RetryPolicy) -> None:
        from atproto import Client

        self.retry = retry
        self.requests_made = 0
        self.api = Client(base_url=base_url)
        self.logged_in = False
        if login is not None:
            self._retrying("com.atproto.server.createSession",
                           lambda: self.api.login(login[0], login[1], fetch_bsky_profile=False))
            self.logged_in = True

    def _retrying(self, nsid: str, fn):
        from atproto_client import exceptions as ex

        def attempt():
            self.requests_made += 1
            return fn()

        def classify(exc: BaseException) -> Transient | None:
            response = getattr(exc, "response", None)
            status = getattr(response, "status_code", None)
            headers = dict(getattr(response, "headers", None) or {})
            detail = str(exc)
            if isinstance(exc, ex.RateLimitExceededError):
                return Transient("rate", detail, retry_after(headers))
            if isinstance(exc, ex.NetworkError):  # transport errors, 409, 413, 502
                if status is None:
                    return Transient("connection", f"{type(exc).__name__}: "
                                                   f"{exc.__cause__ or detail}")
                return Transient("server", detail, status=status)
            if isinstance(exc, ex.UnauthorizedError):
                raise ApiAuthError(f"{SERVICE} refused the request ({detail}): check "
                                   f"{HANDLE_ENV} and {PASSWORD_ENV} (an app password)") from None
            if isinstance(exc, ex.BadRequestError):
                raise InputError(f"{SERVICE}: {nsid}: {detail}") from None
            if isinstance(exc, ex.RequestException):
                if status is not None and status >= 500:
                    return Transient("server", detail, status=status)
                raise ApiError(f"{SERVICE}: {nsid}: {detail}") from None
            if isinstance(exc, ex.AtProtocolError):
                raise ApiError(f"{SERVICE}: {nsid}: {detail or type(exc).__name__}") from None
            return None

        return call_with_retries(attempt, classify, self.retry, SERVICE)

    def query(self, nsid: str, params: Any, meta: dict | None = None) -> Response:
        """One XRPC query (``params`` a model of ``atproto.models``), as a raw :class:`Response`."""
        response = self._retrying(nsid, lambda: self.api.invoke_query(nsid, params=params))
        body = response.content
        if isinstance(body, bytes):
            raise ApiError(f"{SERVICE}: {nsid}: the answer is not JSON")
        shown = {k: v for k, v in params.model_dump(exclude_none=True, by_alias=True).items()}
        return Response(body, {"call": nsid, "params": shown, **(meta or {})},
                        f"{self.api._base_url}/{nsid}")


class BlueskyConnector(Connector):
    """Posts, threads, reposts, likes and quotes on Bluesky."""

    platform = "bluesky"
    title = "Bluesky"
    service = SERVICE
    unit = "posts"
    credentials = (HANDLE_ENV, PASSWORD_ENV)
    help = ("Fetch from Bluesky with the atproto SDK: replies → the parent post's author (the DID "
            "in reply.parent), mention facets → mention, quote embeds → quote, reposts → repost, "
            "likes → like. Accounts are DIDs; handles are display only.")
    endpoints = (
        Endpoint("search", "QUERY",
                 f"Posts matching QUERY (app.bsky.feed.searchPosts; needs {HANDLE_ENV} and "
                 f"{PASSWORD_ENV}), newest first.",
                 ('scout ingest bluesky search "acme analytics" --max 500',
                  "scout ingest bluesky search '#dataviz' --since 2026-11-01")),
        Endpoint("thread", "AT_URI|POST_URL",
                 "A post's thread (getPostThread) and who reposted, liked and quoted it "
                 "(getRepostedBy, getLikes, getQuotes).",
                 ("scout ingest bluesky thread https://bsky.app/profile/acme.com/post/3kbi55xm6u62v",)),
        Endpoint("author", "HANDLE|DID", "An author's posts and reposts (getAuthorFeed).",
                 ("scout ingest bluesky author acme.bsky.social",)),
    )
    options = (
        Option("engagement", "With thread: also fetch reposts, likes and quotes of the root post.",
               bool, True),
    )

    def normalize_value(self, endpoint: str, value: str, options: Mapping[str, Any]) -> str:
        v = super().normalize_value(endpoint, value, options)
        if endpoint == "thread":
            m = _POST_URL.search(v)
            if m:
                v = f"at://{m.group(1)}/app.bsky.feed.post/{m.group(2)}"
            if not _AT_URI.match(v):
                raise InputError(f"bluesky thread: give an at:// post URI or a bsky.app post URL, "
                                 f"got {value!r}")
            return v
        if endpoint == "author":
            return v.lstrip("@").lower() if not v.startswith("did:") else v
        return v

    def client(self, options: Mapping[str, Any], retry: RetryPolicy,
               environ: Mapping[str, str]) -> BlueskyClient:
        handle = self.env(environ, HANDLE_ENV, required=False)
        password = self.env(environ, PASSWORD_ENV, required=False)
        login = (handle, password) if handle and password else None
        base = self.api_base(environ, LOGIN_BASE if login else PUBLIC_BASE)
        return BlueskyClient(base, login, retry)

    def fetch(self, client: BlueskyClient, endpoint: str, value: str, *, cursor: str | None,
              max_posts: int | None, options: Mapping[str, Any]) -> Iterator[Response]:
        from atproto import models

        if endpoint == "search":
            if not client.logged_in:
                raise ApiAuthError(f"bluesky search needs a login: set {HANDLE_ENV} and "
                                   f"{PASSWORD_ENV} (an app password)")
            yield from self._paged(
                client, "app.bsky.feed.searchPosts", "posts", max_posts,
                lambda page: models.AppBskyFeedSearchPosts.Params(
                    q=value, limit=100, sort="latest", cursor=page,
                    since=_api_time(cursor) if cursor else None))
            return
        if endpoint == "author":
            yield from self._paged(
                client, "app.bsky.feed.getAuthorFeed", "feed", max_posts,
                lambda page: models.AppBskyFeedGetAuthorFeed.Params(actor=value, limit=100,
                                                                    cursor=page),
                stop_at=cursor)
            return
        thread = client.query("app.bsky.feed.getPostThread",
                              models.AppBskyFeedGetPostThread.Params(uri=value, depth=1000,
                                                                     parent_height=1000))
        yield thread
        if not options.get("engagement", True):
            return
        root = (thread.body or {}).get("thread", {}).get("post") or {}
        record = root.get("record") or {}
        of = {"uri": value, "created_at": record.get("createdAt") or root.get("indexedAt")}
        for nsid, key, params in (
            ("app.bsky.feed.getRepostedBy", "repostedBy",
             lambda page: models.AppBskyFeedGetRepostedBy.Params(uri=value, limit=100, cursor=page)),
            ("app.bsky.feed.getLikes", "likes",
             lambda page: models.AppBskyFeedGetLikes.Params(uri=value, limit=100, cursor=page)),
            ("app.bsky.feed.getQuotes", "posts",
             lambda page: models.AppBskyFeedGetQuotes.Params(uri=value, limit=100, cursor=page)),
        ):
            yield from self._paged(client, nsid, key, None, params, meta={"of": of})

    def _paged(self, client: BlueskyClient, nsid: str, key: str, max_posts: int | None,
               params, meta: dict | None = None, stop_at: str | None = None) -> Iterator[Response]:
        """Pages of one query; stops after ``max_posts`` items, at the last page, or (``stop_at``,
        a time cursor) after a page whose posts are all older."""
        page_cursor = None
        seen = 0
        while True:
            response = client.query(nsid, params(page_cursor), meta)
            yield response
            body = response.body if isinstance(response.body, dict) else {}
            items = body.get(key) or []
            seen += len(items)
            page_cursor = body.get("cursor")
            if not items or not page_cursor or (max_posts is not None and seen >= max_posts):
                return
            if stop_at is not None and all(_indexed(i) <= stop_at for i in items):
                return

    def new_state(self) -> Any:
        from ingest.bluesky_parse import BlueskyState

        return BlueskyState()

    def parse(self, record: dict, state: Any) -> Parsed:
        from ingest.bluesky_parse import parse_response

        return parse_response(record, state)


def _indexed(item: Any) -> str:
    """A feed item's or post's ``indexedAt`` as a time cursor (``""`` when unreadable)."""
    from ingest.bluesky_parse import parse_time
    from ingest.records import time_cursor

    post = item.get("post", item) if isinstance(item, dict) else {}
    try:
        return time_cursor(parse_time(post.get("indexedAt")))
    except (ValueError, AttributeError):
        return ""


def _api_time(cursor: str) -> str:
    """A time cursor as the API's ``since`` (``2026-11-01T00:00:00.000Z``).

    Examples
    --------
    >>> _api_time("2026-11-01T00:00:00.123456Z")
    '2026-11-01T00:00:00.123Z'
    """
    return cursor[:23] + "Z" if len(cursor) >= 23 else cursor


CONNECTOR = BlueskyConnector()
