"""Store URIs: ``sqlite:///path`` or ``bolt://`` / ``neo4j://`` addresses, parsed and redacted.

Both stores and :mod:`graph.factory` use this module; it imports neither store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from graph.errors import StoreUriError

DEFAULT_STORE_URI = "sqlite:///.scout/scout.db"
ACCEPTED_FORMS = (
    "sqlite:///relative/path.db, sqlite:////absolute/path.db, "
    "bolt://host:port, neo4j://host:port (also bolt+s://, neo4j+s://)"
)
NEO4J_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


@dataclass(frozen=True, slots=True)
class StoreLocation:
    """A parsed store URI. ``display`` is safe to print (it never holds a password)."""

    kind: str  # "sqlite" or "neo4j"
    uri: str
    path: Path | None = None

    @property
    def display(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.path}"
        parts = urlsplit(self.uri)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{host}{port}"


def parse_store_uri(uri: str | None) -> StoreLocation:
    """Parse a store URI.

    Parameters
    ----------
    uri : str or None
        ``sqlite:///path`` (relative) or ``sqlite:////abs/path``, or a Neo4j
        ``bolt://`` / ``neo4j://`` URI. ``None`` or empty means the default,
        ``sqlite:///.scout/scout.db``.

    Returns
    -------
    StoreLocation

    Raises
    ------
    StoreUriError
        If the URI is of no accepted form; the message lists the accepted forms.

    Examples
    --------
    >>> parse_store_uri("sqlite:///tmp/x.db").path
    PosixPath('tmp/x.db')
    >>> parse_store_uri("bolt://127.0.0.1:7687").kind
    'neo4j'
    """
    uri = (uri or DEFAULT_STORE_URI).strip()
    shown = redact_uri(uri)
    scheme, sep, rest = uri.partition("://")
    scheme = scheme.lower()
    if sep and scheme == "sqlite":
        if not rest.startswith("/") or rest == "/":
            raise StoreUriError(f"malformed store URI {shown!r}; accepted forms: {ACCEPTED_FORMS}")
        return StoreLocation("sqlite", uri, Path(rest[1:]))
    if sep and scheme in NEO4J_SCHEMES:
        try:
            parts = urlsplit(uri)
            parts.port  # noqa: B018 - raises on a bad port
        except ValueError as exc:
            raise StoreUriError(
                f"malformed store URI {shown!r} ({exc}); accepted forms: {ACCEPTED_FORMS}"
            ) from None
        if not parts.hostname:
            raise StoreUriError(f"store URI {shown!r} has no host; accepted forms: {ACCEPTED_FORMS}")
        if parts.username or parts.password:
            raise StoreUriError(
                f"store URI {shown!r} holds credentials; put them in SCOUT_NEO4J_USER and "
                "SCOUT_NEO4J_PASSWORD instead"
            )
        return StoreLocation("neo4j", uri)
    raise StoreUriError(f"malformed store URI {shown!r}; accepted forms: {ACCEPTED_FORMS}")


def redact_uri(uri: str) -> str:
    """``uri`` with any ``user:password@`` part replaced by ``***@`` (safe to print).

    Examples
    --------
    >>> redact_uri("bolt://neo4j:secret@db:7687")
    'bolt://***@db:7687'
    """
    scheme, sep, rest = uri.partition("://")
    if not sep:
        return uri
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = "***@" + authority.rpartition("@")[2]
    return f"{scheme}{sep}{authority}{slash}{path}"
