"""Every exception Scout raises on purpose.

The CLI turns :class:`ScoutError` into one line on stderr and an exit code;
anything else is a bug and keeps its traceback.
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
