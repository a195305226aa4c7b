"""Fetching from the X API v2 with tweepy: search, mentions and timelines.

Every page is appended to a raw JSONL archive *before* it is parsed (see
:class:`RawArchive`), so nothing fetched is lost and ``scout ingest jsonl`` can
replay an archive through the very same parser (:func:`ingest.x_parse.parse_v2_page`).

Requests go through :class:`ScoutClient`, a :class:`tweepy.Client` that

* takes its base URL from ``SCOUT_X_API_BASE`` (tests point it at a local server;
  also useful behind a proxy), default ``https://api.twitter.com``;
* on HTTP 429 waits until ``x-rate-limit-reset`` (telling a ``waiter`` so the CLI
  can show a countdown), then retries;
* retries 5xx answers and connection errors with exponential backoff, a bounded
  number of times;
* turns 401/403 into an :class:`~graph.errors.InputError` naming ``X_BEARER_TOKEN``;
* never logs the bearer token (tweepy's own ``request`` logs headers at DEBUG).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
import tweepy

from graph.errors import InputError, ScoutError, XApiError, XAuthError  # noqa: F401 - re-exported
from ingest.jsonl import parsed_to_chunk
from ingest.pipeline import Chunk
from ingest.raw_archive import (  # noqa: F401 - re-exported: the archive's home is ingest.raw_archive
    DEFAULT_RAW_DIR,
    RAW_DIR_ENV,
    RawArchive,
    source_slug,
)
from ingest.retry import RetryPolicy, Transient, call_with_retries, retry_after
from ingest.x_parse import RecordError, SeenUsers, parse_v2_page

API_BASE_ENV = "SCOUT_X_API_BASE"
DEFAULT_API_BASE = "https://api.twitter.com"
TOKEN_ENVS = ("X_BEARER_TOKEN", "BEARER_TOKEN")

EXPANSIONS = (
    "author_id",
    "entities.mentions.username",
    "in_reply_to_user_id",
    "referenced_tweets.id",
    "referenced_tweets.id.author_id",
)
TWEET_FIELDS = (
    "created_at",
    "public_metrics",
    "entities",
    "referenced_tweets",
    "in_reply_to_user_id",
    "lang",
    "conversation_id",
    "author_id",
)
USER_FIELDS = ("username", "name", "created_at", "description", "public_metrics", "verified", "url")


def bearer_token(environ: dict[str, str] | None = None) -> str:
    """The bearer token from ``X_BEARER_TOKEN`` (fallback ``BEARER_TOKEN``).

    Raises
    ------
    InputError
        If neither variable is set.
    """
    env = os.environ if environ is None else environ
    for name in TOKEN_ENVS:
        token = env.get(name, "").strip()
        if token:
            return token
    raise InputError("no X API token: set X_BEARER_TOKEN to your app's bearer token")


def _api_detail(response: requests.Response) -> str:
    """The API's own explanation of an error response, if it gave one."""
    try:
        body = response.json()
    except ValueError:
        return (response.text or "").strip()[:200]
    if isinstance(body, dict):
        for key in ("detail", "title", "error"):
            if isinstance(body.get(key), str):
                return body[key]
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message") or errors[0].get("detail") or "")
    return ""


class ScoutClient(tweepy.Client):
    """A :class:`tweepy.Client` (``return_type=dict``) with Scout's base URL and retry policy.

    Parameters
    ----------
    bearer_token : str
        The app's bearer token (OAuth 2 app-only).
    api_base : str, optional
        Base URL; default ``$SCOUT_X_API_BASE`` or ``https://api.twitter.com``.
    retry : RetryPolicy, optional

    Examples
    --------
    >>> ScoutClient("t", api_base="http://127.0.0.1:9/").api_base
    'http://127.0.0.1:9'
    """

    def __init__(
        self, bearer_token: str, api_base: str | None = None, retry: RetryPolicy | None = None
    ) -> None:
        super().__init__(bearer_token=bearer_token, return_type=dict, wait_on_rate_limit=False)
        self.api_base = (api_base or os.environ.get(API_BASE_ENV) or DEFAULT_API_BASE).rstrip("/")
        self.retry = retry or RetryPolicy()
        #: The last URL requested (without credentials), recorded in the raw archive.
        self.last_url: str | None = None
        self.requests_made = 0

    def request(self, method, route, params=None, json=None, user_auth=False):  # noqa: D401
        """Send one API request, waiting out rate limits and retrying server errors
        (the one rule of :func:`ingest.retry.call_with_retries`)."""
        if user_auth:  # pragma: no cover - Scout only uses app-only auth
            raise XApiError("user-context requests are not supported")
        url = self.api_base + route
        headers = {"User-Agent": self.user_agent, "Authorization": f"Bearer {self.bearer_token}"}
        policy = self.retry

        def attempt() -> requests.Response:
            self.requests_made += 1
            try:
                response = self.session.request(
                    method, url, params=params, json=json, headers=headers, timeout=policy.timeout
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise Transient("connection", f"{self.api_base}: {exc}") from None
            status = response.status_code
            if 200 <= status < 300:
                self.last_url = response.url
                return response
            detail = _api_detail(response)
            if status == 429:
                raise Transient("rate", detail, retry_after(response.headers))
            if status >= 500:
                raise Transient("server", detail, status=status)
            if status in (401, 403):
                raise XAuthError(
                    f"X API refused the request (HTTP {status}{': ' + detail if detail else ''}): "
                    "check X_BEARER_TOKEN and your app's access level"
                )
            raise XApiError(f"X API error {status}{': ' + detail if detail else ''}")

        return call_with_retries(attempt, lambda exc: None, policy, "X API", XApiError)


# -- the raw archive -------------------------------------------------------------------------------


# -- what to fetch -----------------------------------------------------------------------------------


@dataclass
class Since:
    """``--since``: a tweet id (``since_id``) or a time (``start_time``)."""

    since_id: str | None = None
    start_time: str | None = None

    @classmethod
    def parse(cls, value: str | None) -> Since:
        """Read ``--since ID|DATE``.

        Raises
        ------
        InputError
            If ``value`` is neither digits nor an ISO 8601 date / time.

        Examples
        --------
        >>> Since.parse("1500"), Since.parse("2024-05-01").start_time
        (Since(since_id='1500', start_time=None), '2024-05-01T00:00:00Z')
        """
        if value is None or not value.strip():
            return cls()
        v = value.strip()
        if v.isdigit():
            return cls(since_id=v)
        try:
            when = datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            raise InputError(f"--since takes a post id or an ISO 8601 date, got {value!r}") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return cls(start_time=when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))

    def params(self) -> dict[str, str]:
        out = {}
        if self.since_id:
            out["since_id"] = self.since_id
        if self.start_time:
            out["start_time"] = self.start_time
        return out


def _common_params(max_results: int) -> dict[str, Any]:
    return {
        "expansions": list(EXPANSIONS),
        "tweet_fields": list(TWEET_FIELDS),
        "user_fields": list(USER_FIELDS),
        "max_results": max_results,
    }


def _page_size(max_posts: int | None, low: int, high: int) -> int:
    if max_posts is None:
        return high
    return max(low, min(high, max_posts))


def fetch_pages(
    client: ScoutClient,
    endpoint: str,
    *,
    query: str | None = None,
    user_id: str | None = None,
    since: Since | None = None,
    max_posts: int | None = None,
) -> Iterator[dict]:
    """Yield raw response pages of a paginated tweets endpoint.

    Parameters
    ----------
    client : ScoutClient
    endpoint : str
        ``"search"`` (recent search, last 7 days), ``"archive"`` (full-archive
        search), ``"mentions"`` or ``"timeline"``.
    query : str, optional
        The search query (search endpoints).
    user_id : str, optional
        The user (mentions, timeline).
    since : Since, optional
        Only posts newer than an id or a time.
    max_posts : int, optional
        Stop once at least this many posts came in (whole pages are kept).

    Yields
    ------
    dict
        One decoded page per request, exactly as the API sent it.
    """
    if endpoint in ("search", "archive"):
        method = client.search_recent_tweets if endpoint == "search" else client.search_all_tweets
        args: tuple = (query,)
        params = _common_params(_page_size(max_posts, 10, 100 if endpoint == "search" else 500))
    elif endpoint in ("mentions", "timeline"):
        method = client.get_users_mentions if endpoint == "mentions" else client.get_users_tweets
        args = (user_id,)
        params = _common_params(_page_size(max_posts, 5, 100))
    else:  # pragma: no cover - the CLI only passes the four above
        raise ValueError(f"unknown endpoint {endpoint!r}")
    params.update((since or Since()).params())
    seen = 0
    for page in tweepy.Paginator(method, *args, **params):
        yield page
        data = page.get("data") if isinstance(page, dict) else None
        seen += len(data) if isinstance(data, list) else 0
        if max_posts is not None and seen >= max_posts:
            return


def lookup_user(client: ScoutClient, handle: str) -> dict:
    """The raw ``GET /2/users/by/username/:handle`` page.

    Raises
    ------
    InputError
        If no such user exists (or it is suspended).
    """
    name = handle.strip().lstrip("@")
    if not re.fullmatch(r"\w{1,50}", name):
        raise InputError(f"not an X handle: {handle!r}")
    page = client.get_user(username=name, user_fields=list(USER_FIELDS))
    data = page.get("data") if isinstance(page, dict) else None
    if not isinstance(data, dict) or not data.get("id"):
        detail = ""
        errors = page.get("errors") if isinstance(page, dict) else None
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            detail = f": {errors[0].get('detail') or errors[0].get('title') or ''}"
        raise InputError(f"no X user @{name}{detail}")
    return page


def page_chunk(page: dict, where: str = "x-api", seen: SeenUsers | None = None) -> Chunk:
    """Parse one raw page into a :class:`~ingest.pipeline.Chunk`; errors are located at ``where``."""
    chunk = Chunk()
    try:
        parsed_to_chunk(parse_v2_page(page, seen), where, chunk)
    except RecordError as exc:
        chunk.errors.append(f"{where}: {exc}")
    return chunk


def archived_chunks(
    pages: Iterator[dict], archive: RawArchive, client: ScoutClient | None = None
) -> Iterator[Chunk]:
    """Archive each page durably, then parse it: the order that guarantees nothing is lost.

    Rejected tweets are reported at their archive line (``file:line: reason``),
    where the page can be inspected and replayed with ``scout ingest jsonl``.
    """
    seen = SeenUsers()
    for page in pages:
        path, line = archive.append(page, client.last_url if client is not None else None)
        yield page_chunk(page, f"{path}:{line}", seen)
