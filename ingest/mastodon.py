"""Mastodon (and the fediverse servers that speak its API) through Mastodon.py.

Endpoints: a hashtag timeline, an account's statuses, the authenticated
account's notifications (mentions, boosts, favourites), and a thread (a status,
its context and its boosters). The instance to ask is ``--instance`` (or
``$MASTODON_INSTANCE``, default ``mastodon.social``); an access token in
``MASTODON_ACCESS_TOKEN`` is needed for notifications and for instances that
close their public timelines. ``SCOUT_MASTODON_API_BASE`` overrides the URL
actually requested (tests point it at a local server) while ``--instance``
still names the accounts' home.

Raw bodies: Mastodon.py turns responses into its own objects (dates parsed);
the client is given a :class:`requests.Session` whose response hook keeps each
response's exact JSON, which is what is archived and parsed. Paging follows the
``Link`` header through Mastodon.py's ``fetch_next``.

Incremental: the cursor is the newest status (or notification) id; the next
run asks with ``since_id``. ``--since DATE`` is turned into the id Mastodon
gives statuses of that time (ids are milliseconds << 16).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from graph.errors import ApiAuthError, ApiError, InputError
from ingest.connectors import Connector, Endpoint, Option, Response
from ingest.identity import instance_domain, mastodon_id
from ingest.records import Parsed
from ingest.retry import RetryPolicy, Transient, call_with_retries, retry_after

SERVICE = "Mastodon API"
TOKEN_ENV = "MASTODON_ACCESS_TOKEN"
INSTANCE_ENV = "MASTODON_INSTANCE"
DEFAULT_INSTANCE = "mastodon.social"
PAGE_SIZE = 40
_TAG = re.compile(r"^#?([\w]{1,100})$")
_STATUS_URL = re.compile(r"/(?:@[^/]+|users/[^/]+/statuses)/(\d+)/?$")


class MastodonClient:
    """A :class:`mastodon.Mastodon` whose raw responses are kept, with Scout's retry rule."""

    def __init__(self, instance: str, base_url: str, token: str | None, retry: RetryPolicy) -> None:
        import requests
        from mastodon import Mastodon

        self.instance = instance
        self.retry = retry
        self.requests_made = 0
        self.last: Any = None
        session = requests.Session()
        session.hooks["response"].append(self._keep)
        self.api = Mastodon(access_token=token, api_base_url=base_url, ratelimit_method="throw",
                            version_check_mode="none", session=session,
                            request_timeout=retry.timeout[1])

    def _keep(self, response, *args, **kwargs):
        self.last = response
        return response

    def call(self, call: str, fn, *args, meta: dict | None = None, **kwargs) -> tuple[Response, Any]:
        """``fn(*args, **kwargs)`` through the retry rule: the raw :class:`Response` and the result.

        Raises
        ------
        ApiAuthError
            401/403: the token is missing, wrong or lacks a scope.
        InputError
            404 (no such account, tag or status) and other 4xx.
        ApiError
            Still failing after retries.
        """
        from mastodon.errors import (
            MastodonAPIError,
            MastodonNetworkError,
            MastodonNotFoundError,
            MastodonRatelimitError,
            MastodonServerError,
            MastodonUnauthorizedError,
        )

        def attempt():
            self.requests_made += 1
            self.last = None
            return fn(*args, **kwargs)

        def classify(exc: BaseException) -> Transient | None:
            headers = dict(self.last.headers) if self.last is not None else {}
            if isinstance(exc, MastodonRatelimitError):
                return Transient("rate", "HTTP 429", retry_after(headers))
            if isinstance(exc, MastodonServerError):
                status = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
                return Transient("server", str(exc.args[-1] or ""), status=status)
            if isinstance(exc, MastodonNetworkError):
                return Transient("connection", str(exc))
            if isinstance(exc, MastodonUnauthorizedError) or (
                    isinstance(exc, MastodonAPIError) and len(exc.args) > 1 and exc.args[1] == 403):
                raise ApiAuthError(f"{SERVICE} at {self.instance} refused the request "
                                   f"({_detail(exc)}): set {TOKEN_ENV} to a token with read "
                                   "access") from None
            if isinstance(exc, MastodonNotFoundError):
                raise InputError(f"{self.instance}: {call}: not found ({_detail(exc)})") from None
            if isinstance(exc, MastodonAPIError):
                raise ApiError(f"{SERVICE} at {self.instance}: {call}: {_detail(exc)}") from None
            return None

        result = call_with_retries(attempt, classify, self.retry, SERVICE)
        raw = self.last
        body = raw.json() if raw is not None and raw.content else None
        info = {"call": call, "instance": self.instance, **(meta or {})}
        url = raw.url if raw is not None else None
        return Response(body, info, url), result


def _detail(exc: BaseException) -> str:
    parts = [str(a) for a in exc.args[1:] if a not in (None, "")]
    return " ".join(parts) or str(exc)


class MastodonConnector(Connector):
    """Hashtags, accounts, notifications and threads on a Mastodon instance."""

    platform = "mastodon"
    title = "Mastodon"
    service = SERVICE
    unit = "statuses"
    credentials = (TOKEN_ENV,)
    help = ("Fetch from a Mastodon instance with Mastodon.py: boosts → repost, "
            "in_reply_to_account_id → reply, mentions → mention, quote posts → quote, "
            "favourites (notifications) → like. Accounts are user@instance.")
    endpoints = (
        Endpoint("tag", "HASHTAG", "Statuses of a hashtag timeline (timeline_hashtag), newest first.",
                 ("scout ingest mastodon tag opensource --instance fosstodon.org --max 400",)),
        Endpoint("account", "USER[@INSTANCE]",
                 "An account's statuses (account_lookup, account_statuses).",
                 ("scout ingest mastodon account Gargron@mastodon.social",)),
        Endpoint("notifications", "YOUR_ACCOUNT",
                 "The token's account's notifications: mentions, boosts, favourites (needs "
                 f"{TOKEN_ENV}; YOUR_ACCOUNT is checked against the token).",
                 (f"{TOKEN_ENV}=… scout ingest mastodon notifications acme@mastodon.social",)),
        Endpoint("thread", "STATUS_ID|URL",
                 "A status with its context (ancestors and replies) and its boosters "
                 "(status, status_context, status_reblogged_by).",
                 ("scout ingest mastodon thread https://mastodon.social/@Gargron/1100000",)),
    )
    options = (
        Option("instance", f"The instance to ask (default ${INSTANCE_ENV} or {DEFAULT_INSTANCE})."),
        Option("boosters", "Also fetch who boosted each status that has boosts (status_reblogged_by, "
               "one request per boosted status).", bool, False),
    )

    def _instance(self, options: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> str:
        import os

        env = os.environ if environ is None else environ
        raw = options.get("instance") or env.get(INSTANCE_ENV) or DEFAULT_INSTANCE
        domain = instance_domain(str(raw))
        if not domain or "." not in domain and not domain.startswith("localhost"):
            raise InputError(f"mastodon: not an instance: {raw!r}")
        return domain

    def normalize_value(self, endpoint: str, value: str, options: Mapping[str, Any]) -> str:
        v = super().normalize_value(endpoint, value, options)
        if endpoint == "tag":
            m = _TAG.match(v)
            if not m:
                raise InputError(f"mastodon tag: not a hashtag: {value!r}")
            return m.group(1).lower()
        if endpoint in ("account", "notifications"):
            try:
                return mastodon_id(v, self._instance(options))[0]
            except ValueError as exc:
                raise InputError(f"mastodon {endpoint}: {exc}") from None
        m = _STATUS_URL.search(v)
        v = m.group(1) if m else v
        if not v.isdigit():
            raise InputError(f"mastodon thread: give a status id or URL, got {value!r}")
        return v

    def source_name(self, endpoint: str, value: str, options: Mapping[str, Any]) -> str:
        if endpoint in ("account", "notifications"):
            return f"mastodon:{endpoint}:{value}"
        return f"mastodon:{endpoint}:{value}@{self._instance(options)}"

    def since_cursor(self, since: str) -> str:
        from ingest.connectors import parse_since

        when = datetime.fromisoformat(parse_since(since, self.platform).replace("Z", "+00:00"))
        return str(int(when.timestamp() * 1000) << 16)

    def client(self, options: Mapping[str, Any], retry: RetryPolicy,
               environ: Mapping[str, str]) -> MastodonClient:
        instance = self._instance(options, environ)
        token = self.env(environ, TOKEN_ENV, required=False)
        base = self.api_base(environ, f"https://{instance}")
        return MastodonClient(instance, base, token, retry)

    def fetch(self, client: MastodonClient, endpoint: str, value: str, *, cursor: str | None,
              max_posts: int | None, options: Mapping[str, Any]) -> Iterator[Response]:
        api = client.api
        since = int(cursor) if cursor and cursor.isdigit() else None
        if endpoint == "thread":
            yield from self._thread(client, value)
            return
        if endpoint == "tag":
            first = client.call("timeline_hashtag", api.timeline_hashtag, value, since_id=since,
                                limit=PAGE_SIZE, meta={"params": {"hashtag": value}})
        elif endpoint == "account":
            user, _, domain = value.partition("@")
            acct = user if domain == client.instance else value
            profile, account = client.call("account_lookup", api.account_lookup, acct,
                                           meta={"params": {"acct": acct}})
            yield profile
            first = client.call("account_statuses", api.account_statuses, account["id"],
                                since_id=since, limit=PAGE_SIZE,
                                meta={"params": {"id": str(account["id"])}})
        else:
            me, account = client.call("account_verify_credentials",
                                      api.account_verify_credentials)
            mine = mastodon_id(account["acct"], client.instance)[0]
            if mine != value:
                raise InputError(f"mastodon notifications: the token belongs to {mine}, not {value}")
            yield me
            first = client.call("notifications", api.notifications, since_id=since,
                                types=["mention", "reblog", "favourite"], limit=PAGE_SIZE,
                                meta={"params": {}})
        seen = 0
        response, result = first
        while True:
            yield response
            items = response.body if isinstance(response.body, list) else []
            seen += len(items)
            if options.get("boosters") and endpoint != "notifications":
                for s in items:
                    if isinstance(s, dict) and not s.get("reblog") and s.get("reblogs_count"):
                        yield from self._boosters(client, s)
            if not items or (max_posts is not None and seen >= max_posts):
                return
            nxt = getattr(result, "_pagination_next", None)
            if not nxt:
                return
            response, result = client.call(response.meta["call"], api.fetch_next, result,
                                           meta={"params": response.meta.get("params", {})})
            if result is None:
                return

    def _thread(self, client: MastodonClient, status_id: str) -> Iterator[Response]:
        api = client.api
        root, status = client.call("status", api.status, status_id,
                                   meta={"params": {"id": status_id}})
        yield root
        context, _ = client.call("status_context", api.status_context, status_id,
                                 meta={"params": {"id": status_id}})
        yield context
        statuses = [root.body] + list((context.body or {}).get("descendants") or [])
        for s in statuses:
            if isinstance(s, dict) and s.get("reblogs_count"):
                yield from self._boosters(client, s)

    def _boosters(self, client: MastodonClient, s: dict) -> Iterator[Response]:
        acct = (s.get("account") or {}).get("acct")
        if not isinstance(acct, str) or not isinstance(s.get("uri"), str):
            return
        author = f"mastodon:{mastodon_id(acct, client.instance)[0]}"
        of = {"id": s.get("id"), "uri": s["uri"], "account": author, "created_at": s.get("created_at")}
        response, _ = client.call("status_reblogged_by", client.api.status_reblogged_by, s["id"],
                                  meta={"params": {"id": str(s["id"])}, "of": of})
        yield response

    def new_state(self) -> Any:
        from ingest.mastodon_parse import MastodonState

        return MastodonState()

    def parse(self, record: dict, state: Any) -> Parsed:
        from ingest.mastodon_parse import parse_response

        return parse_response(record, state)


CONNECTOR = MastodonConnector()
