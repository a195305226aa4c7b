"""YouTube: comments on a channel's videos, or on one video, via the YouTube Data API v3.

Uses google-api-python-client (``googleapiclient.discovery.build("youtube",
"v3")`` with the bundled discovery document, so building costs no request).
The API key comes from ``YOUTUBE_API_KEY`` (or ``GOOGLE_API_KEY``); the base
URL from ``SCOUT_YOUTUBE_API_BASE`` (tests point it at a local server).

A fetch makes these calls (quota units per call in brackets; the default
daily quota is 10,000 units):

* ``channel UC…|@handle``: ``channels.list`` (1) for the channel's profile (and
  its id, for a handle), then ``commentThreads.list`` (1 per page of up to 100
  threads) with ``allThreadsRelatedToChannelId``, newest first;
* ``video ID``: ``videos.list`` (1) for the owner, then ``commentThreads.list``
  with ``videoId``;
* for each thread whose replies are not all embedded (a thread embeds at most
  5): ``comments.list`` with ``parentId`` (1 per page of up to 100 replies).

Incremental: the cursor is the time of the newest comment seen; paging stops
after the first page whose top-level comments are all older than it. Errors:
429 and ``rateLimitExceeded`` wait and retry, 5xx back off
(:mod:`ingest.retry`); ``quotaExceeded`` stops the run with
:class:`~graph.errors.QuotaError` (the quota resets at midnight Pacific time);
a bad key or disabled comments are input errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from graph.errors import ApiAuthError, ApiError, InputError, QuotaError
from ingest.connectors import Connector, Endpoint, Response
from ingest.identity import youtube_id
from ingest.records import Parsed
from ingest.retry import RetryPolicy, Transient, call_with_retries

SERVICE = "YouTube Data API"
KEY_ENVS = ("YOUTUBE_API_KEY", "GOOGLE_API_KEY")
DEFAULT_API_BASE = "https://youtube.googleapis.com/"
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
#: Quota units of each call (https://developers.google.com/youtube/v3/determine_quota_cost).
QUOTA_COSTS = {"channels.list": 1, "videos.list": 1, "commentThreads.list": 1, "comments.list": 1}
_RATE_REASONS = ("rateLimitExceeded", "userRateLimitExceeded")
_QUOTA_REASONS = ("quotaExceeded", "dailyLimitExceeded")


def _without_key(uri: str) -> str:
    """A request URI without the API key (it must never reach the archive or a log).

    Examples
    --------
    >>> _without_key("http://h/youtube/v3/videos?part=snippet&key=SECRET&alt=json")
    'http://h/youtube/v3/videos?part=snippet&alt=json'
    """
    parts = urlsplit(uri)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "key"]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _error_reason(exc: Any) -> tuple[str, str]:
    """``(reason, message)`` of a :class:`googleapiclient.errors.HttpError`."""
    try:
        body = json.loads(exc.content.decode("utf-8") if isinstance(exc.content, bytes) else exc.content)
        err = body.get("error", {})
        reasons = [e.get("reason", "") for e in err.get("errors", []) if isinstance(e, dict)]
        return (reasons[0] if reasons else str(err.get("status", ""))), str(err.get("message", ""))
    except (ValueError, AttributeError, TypeError):
        return "", ""


class YouTubeClient:
    """The googleapiclient resource with Scout's retry rule; counts requests and quota units."""

    def __init__(self, api_key: str, retry: RetryPolicy, api_base: str | None = None) -> None:
        import httplib2
        from googleapiclient.discovery import build

        self.retry = retry
        self.requests_made = 0
        self.quota_units = 0
        http = httplib2.Http(timeout=retry.timeout[1])
        self.api = build("youtube", "v3", developerKey=api_key, http=http, static_discovery=True,
                         cache_discovery=False,
                         client_options={"api_endpoint": api_base or DEFAULT_API_BASE})

    def call(self, method: str, **params: Any) -> Response:
        """One API call (``"commentThreads.list"``) through the retry rule, as a :class:`Response`.

        Raises
        ------
        QuotaError
            The daily quota is used up.
        ApiAuthError
            The key is refused.
        InputError
            Not found, comments disabled, a bad parameter.
        ApiError
            Still failing after retries.
        """
        from googleapiclient.errors import HttpError

        resource, _, verb = method.partition(".")
        request = getattr(getattr(self.api, resource)(), verb)(**params)

        def attempt() -> Any:
            self.requests_made += 1
            self.quota_units += QUOTA_COSTS.get(method, 1)
            return request.execute(num_retries=0)

        def classify(exc: BaseException) -> Transient | None:
            if isinstance(exc, HttpError):
                status = int(exc.resp.status)
                reason, message = _error_reason(exc)
                if status == 429 or reason in _RATE_REASONS:
                    from ingest.retry import retry_after

                    return Transient("rate", message, retry_after(dict(exc.resp)))
                if status >= 500:
                    return Transient("server", message or reason, status=status)
                if reason in _QUOTA_REASONS:
                    raise QuotaError(f"{SERVICE}: the daily quota is used up ({message or reason}); "
                                     "it resets at midnight Pacific time") from None
                if status in (400, 401, 403) and reason in ("keyInvalid", "badRequest", "forbidden",
                                                            "accessNotConfigured", "ipRefererBlocked",
                                                            "") and "key" in message.lower():
                    raise ApiAuthError(f"{SERVICE} refused the API key (HTTP {status}: {message}): "
                                       f"check {KEY_ENVS[0]}") from None
                if status in (401, 403) and reason not in ("commentsDisabled", "forbidden"):
                    raise ApiAuthError(f"{SERVICE} refused the request (HTTP {status} {reason}: "
                                       f"{message}): check {KEY_ENVS[0]} and the API's access") from None
                if status in (400, 403, 404):
                    raise InputError(f"{SERVICE}: {method} {reason or status}: {message}") from None
                raise ApiError(f"{SERVICE} error {status} {reason}: {message}") from None
            if isinstance(exc, OSError | TimeoutError) or type(exc).__module__.startswith("httplib2"):
                return Transient("connection", f"{type(exc).__name__}: {exc}")
            return None

        body = call_with_retries(attempt, classify, self.retry, SERVICE)
        return Response(body, {"call": method, "params": params}, _without_key(request.uri))


class YouTubeConnector(Connector):
    """Comments on a YouTube channel's videos or on one video."""

    platform = "youtube"
    title = "YouTube"
    service = SERVICE
    unit = "comments"
    credentials = KEY_ENVS
    help = ("Fetch comments from the YouTube Data API v3: top-level comments → the video's "
            "channel, replies → the thread's author (or the @name they start with). "
            "Quota: 1 unit per page of 100 threads or replies (10,000 units a day by default).")
    endpoints = (
        Endpoint("channel", "CHANNEL_ID|@HANDLE",
                 "Comments on every video of a channel (commentThreads.list with "
                 "allThreadsRelatedToChannelId), with full reply lists.",
                 ("scout ingest youtube channel UC_x5XG1OV2P6uZZ5FSM9Ttw --max 2000",
                  "scout ingest youtube channel @GoogleDevelopers --json")),
        Endpoint("video", "VIDEO_ID",
                 "Comments on one video (commentThreads.list with videoId), with full reply lists.",
                 ("scout ingest youtube video dQw4w9WgXcQ",)),
    )

    def normalize_value(self, endpoint: str, value: str, options: Mapping[str, Any]) -> str:
        v = super().normalize_value(endpoint, value, options)
        if endpoint == "video":
            m = re.search(r"(?:v=|youtu\.be/|shorts/)([A-Za-z0-9_-]{11})", v)
            v = m.group(1) if m else v
            if not _VIDEO_ID.match(v):
                raise InputError(f"youtube video: not a video id (11 characters): {value!r}")
            return v
        pid, handle = youtube_id(v.rstrip("/").rsplit("/", 1)[-1] if "youtube.com/" in v else v)
        if handle is not None and not v.lstrip().startswith(("@", "http")):
            raise InputError(f"youtube channel: give a channel id (UC…, 24 characters) or an "
                             f"@handle, got {value!r}")
        return pid

    def client(self, options: Mapping[str, Any], retry: RetryPolicy,
               environ: Mapping[str, str]) -> YouTubeClient:
        key = self.env(environ, *KEY_ENVS)
        return YouTubeClient(key, retry, self.api_base(environ))

    def fetch(self, client: YouTubeClient, endpoint: str, value: str, *, cursor: str | None,
              max_posts: int | None, options: Mapping[str, Any]) -> Iterator[Response]:
        part = "snippet,statistics"
        if endpoint == "channel":
            params = {"forHandle": value} if value.startswith("@") else {"id": value}
            profile = client.call("channels.list", part=part, **params)
            items = profile.body.get("items") if isinstance(profile.body, dict) else None
            if not items:
                raise InputError(f"youtube: no channel {value}")
            yield profile
            threads = {"allThreadsRelatedToChannelId": items[0]["id"]}
        else:
            video = client.call("videos.list", part="snippet", id=value)
            if not (isinstance(video.body, dict) and video.body.get("items")):
                raise InputError(f"youtube: no video {value}")
            yield video
            threads = {"videoId": value}
        seen = 0
        token = None
        while True:
            page = client.call("commentThreads.list", part="snippet,replies", maxResults=100,
                               order="time", textFormat="plainText", **threads,
                               **({"pageToken": token} if token else {}))
            yield page
            body = page.body if isinstance(page.body, dict) else {}
            items = [t for t in body.get("items") or [] if isinstance(t, dict)]
            newest_on_page = None
            for t in items:
                snip = t.get("snippet") or {}
                top = (snip.get("topLevelComment") or {}).get("snippet") or {}
                published = str(top.get("publishedAt") or "")
                newest_on_page = max(newest_on_page or "", published)
                embedded = len(((t.get("replies") or {}).get("comments")) or [])
                total = int(snip.get("totalReplyCount") or 0)
                seen += 1 + embedded
                if total > embedded:
                    for replies in self._replies(client, t.get("id")):
                        seen += len(replies.body.get("items") or [])
                        yield replies
            token = body.get("nextPageToken")
            if not token or (max_posts is not None and seen >= max_posts):
                return
            if cursor is not None and newest_on_page and _older(newest_on_page, cursor):
                return

    def _replies(self, client: YouTubeClient, thread_id: Any) -> Iterator[Response]:
        token = None
        while isinstance(thread_id, str):
            page = client.call("comments.list", part="snippet", parentId=thread_id, maxResults=100,
                               textFormat="plainText", **({"pageToken": token} if token else {}))
            yield page
            token = page.body.get("nextPageToken") if isinstance(page.body, dict) else None
            if not token:
                return

    def new_state(self) -> Any:
        from ingest.youtube_parse import YouTubeState

        return YouTubeState()

    def parse(self, record: dict, state: Any) -> Parsed:
        from ingest.youtube_parse import parse_response

        return parse_response(record, state)


def _older(published: str, cursor: str) -> bool:
    """Whether an API time is not newer than a time cursor."""
    from ingest.records import time_cursor
    from ingest.youtube_parse import parse_time

    try:
        return time_cursor(parse_time(published)) <= cursor
    except ValueError:
        return False


CONNECTOR = YouTubeConnector()
