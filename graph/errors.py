"""Every exception Scout raises on purpose, all under :class:`ScoutError`.

The CLI turns :class:`ScoutError` into one line on stderr and its ``exit_code``
(1: a failure, 2: bad input, configuration or store address, 3: another refresh
is running); anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class ScoutError(Exception):
    """Base class: a failure with a message meant for the user."""

    exit_code = 1


class StoreUriError(ScoutError, ValueError):
    """The store URI is not one of the accepted forms."""

    exit_code = 2


class StoreUnavailableError(ScoutError):
    """The store cannot be reached or refuses our credentials."""

    exit_code = 2


class NotFoundError(ScoutError, LookupError):
    """An account, shortlist or snapshot that does not exist."""


class ConflictError(ScoutError):
    """A name already taken, or another run holding the lock."""


class InputError(ScoutError, ValueError):
    """Bad input: a malformed file, line or value."""

    exit_code = 2


class ConfigError(ScoutError, ValueError):
    """A configuration file with unknown keys or wrong types."""

    exit_code = 2


class RecordError(InputError):
    """A record (line, tweet) that cannot be read; the message is the reason."""


class ApiError(ScoutError):
    """A platform's API failed in a way waiting and retrying did not fix."""


class ApiAuthError(InputError):
    """A platform's API refused the credentials (missing, wrong or without access)."""


class TransientApiError(ApiError):
    """A failure worth retrying, as a connector classifies it (:mod:`ingest.retry`, which
    calls it ``Transient``); only seen by the user when retries run out.

    Parameters
    ----------
    kind : {"rate", "server", "connection"}
    detail : str
        What the API said (for the final error message).
    wait : float, optional
        Rate limits: seconds until the limit resets, when the API said.
    status : int, optional
        The HTTP status of a server error.
    """

    def __init__(self, kind: str, detail: str = "", wait: float | None = None,
                 status: int | None = None) -> None:
        super().__init__(detail or kind)
        if kind not in ("rate", "server", "connection"):
            raise ValueError(f"unknown transient failure kind {kind!r}")
        self.kind = kind
        self.detail = detail
        self.wait = wait
        self.status = status


class QuotaError(ApiError):
    """A platform's quota is used up until a later time (e.g. YouTube's daily units)."""


class XApiError(ApiError):
    """The X API failed in a way retrying did not fix."""


class XAuthError(ApiAuthError):
    """The X API refused the bearer token (HTTP 401 / 403)."""


class ConvergenceError(ScoutError, RuntimeError):
    """A power iteration (PageRank, HITS) did not converge within ``max_iter`` iterations."""


class RefreshBusyError(ConflictError):
    """Another refresh holds the lock; this one did nothing."""

    exit_code = 3


class EngineError(ScoutError):
    """A ranking engine could not run: Spark missing, unreachable, or its job failed."""
