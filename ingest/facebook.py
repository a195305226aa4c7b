"""Facebook Pages: comments on the posts of a Page the company administers (Graph API).

Uses the facebook-business SDK (``FacebookAdsApi`` over a ``FacebookSession``)
with a **Page access token** (``FACEBOOK_PAGE_TOKEN``) of a Page the token's user
administers, with the ``pages_read_engagement`` and ``pages_read_user_content``
permissions; ``FACEBOOK_APP_SECRET`` (optional) adds the ``appsecret_proof``
Meta recommends. Facebook shows comment authors only to the Page's own
administrators: Scout reads only the company's own Pages, never other Pages,
groups or profiles. The Graph URL comes from ``SCOUT_FACEBOOK_API_BASE`` (tests
point it at a local server).

A fetch makes these calls:

* ``GET /{page-id}?fields=id,name,username,link,followers_count`` (the Page);
* ``GET /{page-id}/posts?fields=id,created_time&since=…`` (100 a page, paged
  with ``after`` cursors), the posts newer than the last run's newest comment
  less ``--lookback`` days (comments keep coming on recent posts);
* for each post ``GET /{post-id}/comments?filter=stream&order=chronological``
  with ``fields=id,from{id,name},message,created_time,parent{id,from{id,name}}``
  (every comment and reply, flat; 100 a page).

Rate limits (HTTP 429, error codes 4, 17, 32, 613 and the 80000s) wait as long
as ``Retry-After`` says, else a minute; 5xx and transient errors (codes 1, 2)
back off (:mod:`ingest.retry`). An expired or wrong token (code 190, HTTP 401)
and missing permissions (10, 200–299) name the variable to fix. Access
tokens never reach the archive, a log or the run record (Graph's ``paging.next``
URLs carry them, so Scout pages with the ``after`` cursor instead).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from graph.errors import ApiAuthError, ApiError, InputError
from ingest.connectors import Connector, Endpoint, Option, Response
from ingest.records import Parsed
from ingest.retry import RetryPolicy, Transient, call_with_retries, retry_after

SERVICE = "Facebook Graph API"
TOKEN_ENVS = ("FACEBOOK_PAGE_TOKEN", "FACEBOOK_ACCESS_TOKEN")
SECRET_ENV = "FACEBOOK_APP_SECRET"
APP_ID_ENV = "FACEBOOK_APP_ID"
DEFAULT_GRAPH = "https://graph.facebook.com"
PAGE = 100
_PAGE_ID_RE = re.compile(r"^[0-9]{1,32}$|^[A-Za-z0-9.]{5,100}$")
_RATE_CODES = {4, 17, 32, 613}
_TRANSIENT_CODES = {1, 2}


class GraphClient:
    """``FacebookAdsApi`` with Scout's retry rule; GETs return :class:`~ingest.connectors.Response`."""

    def __init__(self, token: str, retry: RetryPolicy, graph: str | None = None,
                 app_id: str | None = None, app_secret: str | None = None) -> None:
        from facebook_business.api import FacebookAdsApi
        from facebook_business.session import FacebookSession

        session = FacebookSession(app_id=app_id, app_secret=app_secret, access_token=token,
                                  timeout=retry.timeout)
        if graph:
            session.GRAPH = graph  # an instance attribute: only this session goes there
        self.graph = graph or DEFAULT_GRAPH
        self.api = FacebookAdsApi(session)
        self.retry = retry
        self.requests_made = 0

    def get(self, path: tuple[str, ...], params: Mapping[str, Any], call: str,
            meta: Mapping[str, Any] | None = None) -> Response:
        """One ``GET /{path}`` through the retry rule.

        Raises
        ------
        ApiAuthError
            The token is refused or lacks the permissions.
        InputError
            No such Page or post (code 100), or one the token cannot see.
        ApiError
            Still failing after retries.
        """
        import requests
        from facebook_business.exceptions import FacebookRequestError

        def attempt() -> Any:
            self.requests_made += 1
            return self.api.call("GET", path, params=dict(params)).json()

        def classify(exc: BaseException) -> Transient | None:
            if isinstance(exc, FacebookRequestError):
                status = exc.http_status()
                code = exc.api_error_code()
                message = exc.api_error_message() or ""
                headers = dict(exc.http_headers() or {})
                if status == 429 or code in _RATE_CODES or (isinstance(code, int) and 80000 <= code < 80100):
                    return Transient("rate", message, retry_after(headers))
                if status >= 500 or code in _TRANSIENT_CODES or exc.api_transient_error():
                    return Transient("server", message, status=status)
                if code == 190 or status == 401:
                    raise ApiAuthError(f"{SERVICE} refused the access token ({message}): check "
                                       f"{TOKEN_ENVS[0]} (a Page access token)") from None
                if code == 10 or (isinstance(code, int) and 200 <= code < 300) or status == 403:
                    raise ApiAuthError(
                        f"{SERVICE}: permission denied ({message}). Scout reads only Pages you "
                        f"administer: {TOKEN_ENVS[0]} must be that Page's token, with "
                        "pages_read_engagement and pages_read_user_content") from None
                if code == 100 or status == 404:
                    raise InputError(f"facebook: {'/'.join(path)}: {message or 'not found'}") from None
                raise ApiError(f"{SERVICE} error {status} (code {code}): {message}") from None
            if isinstance(exc, requests.ConnectionError | requests.Timeout):
                return Transient("connection", type(exc).__name__)
            if isinstance(exc, AttributeError | KeyError | TypeError | ValueError):
                # the SDK could not read the answer (not the Graph API's error shape)
                raise ApiError(f"{SERVICE}: an answer Scout cannot read on /{'/'.join(path)} "
                               f"({type(exc).__name__})") from None
            return None

        body = call_with_retries(attempt, classify, self.retry, SERVICE)
        url = f"{self.graph}/{self.api.API_VERSION}/{'/'.join(path)}?{urlencode(params)}"
        return Response(body, {"call": call, "params": dict(params), **(meta or {})}, url)


def _after(body: object) -> str | None:
    """The ``after`` cursor of a page, only when there is a next page."""
    paging = body.get("paging") if isinstance(body, Mapping) else None
    if not isinstance(paging, Mapping) or not paging.get("next"):
        return None
    cursors = paging.get("cursors")
    after = cursors.get("after") if isinstance(cursors, Mapping) else None
    return after if isinstance(after, str) and after else None


class FacebookConnector(Connector):
    """Comments on the posts of a Page the company administers."""

    platform = "facebook"
    title = "Facebook"
    service = SERVICE
    unit = "comments"
    credentials = (*TOKEN_ENVS, SECRET_ENV, APP_ID_ENV)
    help = ("Fetch comments on the posts of a Facebook Page the company administers (Graph API, "
            "facebook-business SDK, a Page access token): a comment → the Page, a reply → the "
            "parent comment's author; #hashtags are topics. Only your own Pages: Facebook gives "
            "comment authors to a Page's administrators only.")
    endpoints = (
        Endpoint("page", "PAGE_ID",
                 "Comments (and replies) on the Page's posts, newer than the last run less "
                 "--lookback days.",
                 ("FACEBOOK_PAGE_TOKEN=… scout ingest facebook page 104830475231234",
                  "scout ingest facebook page acmeanalytics --lookback 30 --json")),
    )
    options = (
        Option("lookback", "Days before the last run's newest comment whose posts are read "
               "again (comments keep coming on recent posts).", int, 14),
    )

    def normalize_value(self, endpoint: str, value: str, options: Mapping[str, Any]) -> str:
        v = super().normalize_value(endpoint, value, options)
        v = re.sub(r"^https?://(?:www\.|m\.)?facebook\.com/", "", v).strip("/")
        if not _PAGE_ID_RE.match(v):
            raise InputError(f"facebook page: not a Page id or username: {value!r}")
        return v.lower() if not v.isdigit() else v

    def client(self, options: Mapping[str, Any], retry: RetryPolicy,
               environ: Mapping[str, str]) -> GraphClient:
        token = self.env(environ, *TOKEN_ENVS)
        return GraphClient(token, retry, self.api_base(environ),
                           self.env(environ, APP_ID_ENV, required=False),
                           self.env(environ, SECRET_ENV, required=False))

    def fetch(self, client: GraphClient, endpoint: str, value: str, *, cursor: str | None,
              max_posts: int | None, options: Mapping[str, Any]) -> Iterator[Response]:
        from ingest.reddit import cursor_time

        page = client.get((value,), {"fields": "id,name,username,link,followers_count"}, "page")
        if not isinstance(page.body, Mapping) or not isinstance(page.body.get("id"), str):
            raise InputError(f"facebook: {value} is not a Page")
        yield page
        page_id = page.body["id"]
        params: dict[str, Any] = {"fields": "id,created_time", "limit": PAGE}
        since = cursor_time(cursor)
        if since is not None:
            back = since - timedelta(days=max(0, int(options.get("lookback", 14) or 0)))
            params["since"] = int(back.timestamp())
        posts: list[str] = []
        after = None
        while True:
            listing = client.get((page_id, "posts"), {**params, **({"after": after} if after else {})},
                                 "posts")
            yield listing
            from ingest.facebook_parse import post_ids

            posts += post_ids(listing.body)
            after = _after(listing.body)
            if after is None:
                break
        seen = 0
        fields = "id,from{id,name},message,created_time,parent{id,from{id,name}}"
        for post in posts:
            after = None
            while True:
                comments = client.get((post, "comments"), {
                    "fields": fields, "filter": "stream", "order": "chronological", "limit": PAGE,
                    **({"after": after} if after else {})}, "comments",
                    {"page_id": page_id, "post_id": post})
                yield comments
                data = comments.body.get("data") if isinstance(comments.body, Mapping) else None
                seen += len(data) if isinstance(data, list) else 0
                after = _after(comments.body)
                if after is None:
                    break
            if max_posts is not None and seen >= max_posts:
                return

    def new_state(self) -> Any:
        from ingest.facebook_parse import FacebookState

        return FacebookState()

    def parse(self, record: dict, state: Any) -> Parsed:
        from ingest.facebook_parse import parse_response

        return parse_response(record, state)


CONNECTOR = FacebookConnector()
