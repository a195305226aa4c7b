"""The one rule for waiting and retrying API calls, whatever the platform or client library.

Every connector (X through tweepy, YouTube through google-api-python-client,
Mastodon through Mastodon.py, Bluesky through the atproto SDK, …) makes its
calls through :func:`call_with_retries`. The connector only says what a failure
*is* (:class:`Transient`: a rate limit with or without a known wait, a server
error, a connection error); this module decides what to do about it:

* a **rate limit** waits as long as the API said (``Retry-After``, a reset time)
  or :attr:`RetryPolicy.default_rate_wait`, telling ``waiter`` so the CLI shows a
  countdown, at most :attr:`RetryPolicy.rate_limit_waits` times;
* a **server error** (5xx) or **connection error** backs off exponentially
  (``backoff * 2**(n-1)``, capped at ``max_backoff``), at most
  :attr:`RetryPolicy.server_retries` times;
* anything else is raised at once (the connector has already turned it into a
  :class:`~graph.errors.ScoutError` that names the fix).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from graph.errors import ApiError
from graph.errors import TransientApiError as Transient

T = TypeVar("T")
__all__ = ["RetryPolicy", "Transient", "call_with_retries", "retry_after"]


@dataclass
class RetryPolicy:
    """How API calls wait and retry.

    ``waiter(seconds, reason)`` does the waiting (default :func:`time.sleep`
    with no display); the CLI passes one that shows a countdown.
    """

    server_retries: int = 5
    backoff: float = 1.0
    max_backoff: float = 60.0
    rate_limit_waits: int = 20
    #: Wait when a rate limit carries no reset time (seconds).
    default_rate_wait: float = 60.0
    #: Longest single rate-limit wait: a longer one is a quota, reported instead.
    max_rate_wait: float = 3600.0
    timeout: tuple[float, float] = (10.0, 90.0)
    waiter: Callable[[float, str], None] = field(default=lambda s, _reason: time.sleep(s))

    def backoff_delay(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th server or connection error.

        Examples
        --------
        >>> [RetryPolicy().backoff_delay(n) for n in (1, 2, 3, 10)]
        [1.0, 2.0, 4.0, 60.0]
        """
        return min(self.max_backoff, self.backoff * 2 ** (failures - 1))


def call_with_retries(
    attempt: Callable[[], T],
    classify: Callable[[BaseException], Transient | None],
    policy: RetryPolicy,
    service: str,
    error: type[ApiError] = ApiError,
) -> T:
    """Call ``attempt()`` until it succeeds, waiting out rate limits and retrying errors.

    Parameters
    ----------
    attempt : callable
        One try; returns the result or raises.
    classify : callable
        Told each exception ``attempt`` raised: returns a :class:`Transient` to
        retry, or ``None`` to let the exception through (the connector raises
        its own :class:`~graph.errors.ScoutError` from ``attempt`` for errors
        that retrying cannot fix). A :class:`Transient` raised by ``attempt``
        itself is used as it is.
    policy : RetryPolicy
    service : str
        The API's name in messages ("YouTube Data API").
    error : type
        The :class:`~graph.errors.ApiError` subclass raised when retries run out.

    Raises
    ------
    ApiError
        Still failing after the policy's retries; the message names the service.

    Examples
    --------
    >>> tries = []
    >>> def flaky():
    ...     tries.append(1)
    ...     if len(tries) < 3:
    ...         raise Transient("server", "HTTP 503")
    ...     return "ok"
    >>> call_with_retries(flaky, lambda e: None, RetryPolicy(waiter=lambda s, r: None), "demo")
    'ok'
    """
    failures = rate_waits = 0
    while True:
        try:
            return attempt()
        except Exception as exc:  # noqa: BLE001 - classified below, re-raised when not transient
            t = exc if isinstance(exc, Transient) else classify(exc)
            if t is None:
                raise
        if t.kind == "rate":
            rate_waits += 1
            if rate_waits > policy.rate_limit_waits:
                raise error(f"{service} rate limit: still limited after waiting "
                            f"{policy.rate_limit_waits} times; try again later") from None
            wait = policy.default_rate_wait if t.wait is None else max(0.0, t.wait)
            if wait > policy.max_rate_wait:
                raise error(f"{service} rate limit: the API asks to wait {wait / 60:.0f} "
                            "minutes; try again later") from None
            policy.waiter(wait, f"{service} rate limit")
            continue
        failures += 1
        if failures > policy.server_retries:
            detail = f": {t.detail}" if t.detail else ""
            if t.kind == "connection":
                raise error(f"cannot reach the {service} (after {policy.server_retries} "
                            f"retries){detail}") from None
            status = f" {t.status}" if t.status is not None else ""
            raise error(f"{service} server error{status} after {policy.server_retries} "
                        f"retries{detail}") from None
        label = f"server error {t.status}" if t.status is not None else f"{t.kind} error"
        policy.waiter(policy.backoff_delay(failures), f"{service} {label}")


def retry_after(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """Seconds to wait from a rate-limited response's headers, or ``None`` when they do not say.

    Reads ``Retry-After`` (seconds or an HTTP date), then the reset time of
    ``x-rate-limit-reset`` (X), ``ratelimit-reset`` / ``x-ratelimit-reset``
    (Bluesky, Mastodon: epoch seconds or an ISO 8601 time). One second of slack
    is added to reset times, which the APIs round down.

    Examples
    --------
    >>> retry_after({"Retry-After": "7"})
    7.0
    >>> retry_after({"x-rate-limit-reset": "1700000010"}, now=1700000000.0)
    11.0
    >>> retry_after({"X-RateLimit-Reset": "2024-01-01T00:00:10Z"}, now=1704067200.0)
    11.0
    >>> retry_after({}) is None
    True
    """
    if not headers:
        return None
    lower = {str(k).lower(): str(v).strip() for k, v in headers.items()}
    now = time.time() if now is None else now
    value = lower.get("retry-after")
    if value:
        if value.replace(".", "", 1).isdigit():
            return float(value)
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - now)
        except (TypeError, ValueError, IndexError):
            pass
    for name in ("x-rate-limit-reset", "ratelimit-reset", "x-ratelimit-reset"):
        value = lower.get(name)
        if not value:
            continue
        if value.replace(".", "", 1).isdigit():
            reset = float(value)
            # Some servers send seconds-until-reset, others an epoch time.
            return (reset if reset < 10**9 else max(0.0, reset - now)) + 1.0
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            continue
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, when.timestamp() - now) + 1.0
    return None
