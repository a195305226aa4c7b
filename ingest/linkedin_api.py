"""LinkedIn: comments on an organisation page's posts, via the Community Management API.

Only for a company whose LinkedIn app has been **approved for the Community
Management API** and whose token (``LINKEDIN_ACCESS_TOKEN``, a member token of
a page administrator with the ``r_organization_social`` scope) may read the
page's social actions. LinkedIn offers no other way to read comments, and
forbids scraping; everything else Scout reads from LinkedIn comes from members'
own data exports (:mod:`ingest.linkedin`). LinkedIn publishes no open-source
Python client for this API (its ``linkedin-api-client`` is under a proprietary
licence), so the calls are plain ``requests`` with the Rest.li headers the API
requires (``LinkedIn-Version``, ``X-Restli-Protocol-Version: 2.0.0``). The base
URL comes from ``SCOUT_LINKEDIN_API_BASE`` (tests point it at a local server).

A fetch makes these calls:

* ``GET /rest/posts?q=author&author=urn:li:organization:ID&sortBy=LAST_MODIFIED``
  (50 a page, ``start``/``count`` paging) until the posts are older than the
  last run's newest comment less ``--lookback`` days;
* for each post, ``GET /rest/socialActions/{post urn}/comments`` (100 a page),
  and for each comment that has replies, the same call on the comment's URN.

429 waits (``Retry-After``), 5xx and connection errors back off
(:mod:`ingest.retry`); 401 names the variable, 403 says the app lacks the
Community Management API.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from graph.errors import ApiAuthError, ApiError, InputError
from ingest.connectors import Connector, Endpoint, Option, Response
from ingest.records import Parsed
from ingest.retry import RetryPolicy, Transient, call_with_retries, retry_after

SERVICE = "LinkedIn Community Management API"
TOKEN_ENVS = ("LINKEDIN_ACCESS_TOKEN",)
DEFAULT_API_BASE = "https://api.linkedin.com"
#: The API version (YYYYMM) sent in ``LinkedIn-Version``.
API_VERSION = "202411"
POSTS_PAGE = 50
COMMENTS_PAGE = 100
_ORG_RE = re.compile(r"^(?:urn:li:organization:)?(\d{1,20})$")


class LinkedInClient:
    """A requests session with the token, the Rest.li headers and Scout's retry rule."""

    def __init__(self, token: str, retry: RetryPolicy, api_base: str | None = None) -> None:
        import requests

        self.base = (api_base or DEFAULT_API_BASE).rstrip("/")
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}",
                                     "LinkedIn-Version": API_VERSION,
                                     "X-Restli-Protocol-Version": "2.0.0"})
        self.retry = retry
        self.requests_made = 0

    def get(self, path: str, params: Mapping[str, Any], call: str, meta: Mapping[str, Any]) -> Response:
        """One ``GET`` through the retry rule.

        Raises
        ------
        ApiAuthError
            The token is refused (401) or the app lacks the API (403).
        InputError
            No such organisation or post (404), a bad request (400).
        ApiError
            Still failing after retries.
        """
        import requests

        # Rest.li 2.0 wants URNs in paths and query values percent-encoded, ':' included.
        query = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in params.items())
        url = f"{self.base}{path}?{query}" if query else f"{self.base}{path}"

        def attempt() -> Any:
            self.requests_made += 1
            r = self.session.get(url, timeout=self.retry.timeout)
            status = r.status_code
            if status == 429:
                raise Transient("rate", _message(r), retry_after(dict(r.headers)))
            if status >= 500:
                raise Transient("server", _message(r), status=status)
            if status == 401:
                raise ApiAuthError(f"{SERVICE} refused the token ({_message(r)}): check "
                                   f"{TOKEN_ENVS[0]}")
            if status == 403:
                raise ApiAuthError(f"{SERVICE}: access denied ({_message(r)}). Reading an "
                                   "organisation's comments needs an app approved for the Community "
                                   "Management API and a page administrator's token with "
                                   "r_organization_social")
            if status in (400, 404, 410):
                raise InputError(f"linkedin: {path}: HTTP {status} {_message(r)}")
            if status != 200:
                raise ApiError(f"{SERVICE} error {status} on {path}: {_message(r)}")
            try:
                return r.json()
            except ValueError:
                raise ApiError(f"{SERVICE}: an answer that is not JSON on {path}") from None

        def classify(exc: BaseException) -> Transient | None:
            if isinstance(exc, requests.ConnectionError | requests.Timeout):
                return Transient("connection", type(exc).__name__)
            return None

        body = call_with_retries(attempt, classify, self.retry, SERVICE)
        return Response(body, {"call": call, "path": path, "params": dict(params), **meta}, url)


def _message(r: Any) -> str:
    try:
        body = r.json()
    except ValueError:
        return (r.text or "")[:200]
    return str(body.get("message") or "")[:200] if isinstance(body, dict) else ""


def _next_start(body: object) -> int | None:
    """The ``start`` of the next page, from Rest.li ``paging`` (``None`` on the last page)."""
    paging = body.get("paging") if isinstance(body, Mapping) else None
    elements = body.get("elements") if isinstance(body, Mapping) else None
    if not isinstance(paging, Mapping) or not isinstance(elements, list) or not elements:
        return None
    start, count, total = paging.get("start", 0), paging.get("count", len(elements)), paging.get("total")
    nxt = int(start) + len(elements)
    if isinstance(total, int):
        return nxt if nxt < total else None
    return nxt if len(elements) >= int(count or 0) > 0 else None


class LinkedInConnector(Connector):
    """Comments on an organisation page's posts (Community Management API, approved apps only)."""

    platform = "linkedin"
    title = "LinkedIn"
    service = SERVICE
    unit = "comments"
    credentials = TOKEN_ENVS
    help = ("LinkedIn allows no scraping. Scout reads (1) an employee's own data export, given "
            "with consent (`scout ingest linkedin export`): messages → message edges, connections "
            "only counted; (2) an organisation page's comments through the Community Management "
            "API, for companies whose app LinkedIn approved (`scout ingest linkedin org`): a "
            "comment → the organisation, a reply → the parent comment's author.")
    endpoints = (
        Endpoint("org", "ORGANIZATION_ID",
                 "Comments and replies on the organisation page's posts (needs an app approved for "
                 "the Community Management API and LINKEDIN_ACCESS_TOKEN of a page admin).",
                 ("LINKEDIN_ACCESS_TOKEN=… scout ingest linkedin org 2414183",
                  "scout ingest linkedin org urn:li:organization:2414183 --lookback 30 --json")),
    )
    options = (
        Option("lookback", "Days before the last run's newest comment whose posts are read again.",
               int, 14),
    )

    def normalize_value(self, endpoint: str, value: str, options: Mapping[str, Any]) -> str:
        v = super().normalize_value(endpoint, value, options)
        m = _ORG_RE.match(v) or re.search(r"linkedin\.com/company/(\d{1,20})", v)
        if not m:
            raise InputError(f"linkedin org: give the organisation's numeric id or URN "
                             f"(urn:li:organization:ID), got {value!r}")
        return m.group(1)

    def client(self, options: Mapping[str, Any], retry: RetryPolicy,
               environ: Mapping[str, str]) -> LinkedInClient:
        return LinkedInClient(self.env(environ, *TOKEN_ENVS), retry, self.api_base(environ))

    def fetch(self, client: LinkedInClient, endpoint: str, value: str, *, cursor: str | None,
              max_posts: int | None, options: Mapping[str, Any]) -> Iterator[Response]:
        from ingest.reddit import cursor_time

        org = f"urn:li:organization:{value}"
        since = cursor_time(cursor)
        if since is not None:
            since -= timedelta(days=max(0, int(options.get("lookback", 14) or 0)))
        meta = {"organization": org}
        posts: list[str] = []
        start = 0
        while start is not None:
            page = client.get("/rest/posts", {"q": "author", "author": org, "sortBy": "LAST_MODIFIED",
                                              "count": POSTS_PAGE, "start": start}, "posts", meta)
            yield page
            elements = [e for e in (page.body.get("elements") or []) if isinstance(e, Mapping)] \
                if isinstance(page.body, Mapping) else []
            fresh = [e for e in elements if since is None
                     or int(e.get("lastModifiedAt") or e.get("createdAt") or 0) / 1000 > since.timestamp()]
            posts += [e["id"] for e in fresh if isinstance(e.get("id"), str)]
            start = _next_start(page.body) if len(fresh) == len(elements) else None
        seen = 0
        for post in posts:
            queue = [post]
            while queue:
                urn = queue.pop(0)
                start = 0
                while start is not None:
                    page = client.get(f"/rest/socialActions/{quote(urn, safe='')}/comments",
                                      {"count": COMMENTS_PAGE, "start": start}, "comments", meta)
                    yield page
                    elements = page.body.get("elements") if isinstance(page.body, Mapping) else None
                    for c in elements or []:
                        seen += 1
                        summary = c.get("commentsSummary") if isinstance(c, Mapping) else None
                        if isinstance(summary, Mapping) and (summary.get("aggregatedTotalComments")
                                                             or summary.get("totalFirstLevelComments")):
                            if isinstance(c.get("commentUrn"), str):
                                queue.append(c["commentUrn"])
                    start = _next_start(page.body)
            if max_posts is not None and seen >= max_posts:
                return

    def new_state(self) -> Any:
        from ingest.linkedin import OrgState

        return OrgState()

    def parse(self, record: dict, state: Any) -> Parsed:
        from ingest.linkedin import parse_response

        return parse_response(record, state)


CONNECTOR = LinkedInConnector()

