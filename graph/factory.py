"""Open the store a URI names: the one module that knows both implementations.

:mod:`graph.store` (the interface) knows no implementation, and the stores know
only the interface and :mod:`graph.store_uri`, so nothing imports in a circle.
"""

from __future__ import annotations

import os

from graph.store import GraphStore
from graph.store_uri import parse_store_uri


def open_store(uri: str | None = None, **options) -> GraphStore:
    """Open the store a URI names (default: ``$SCOUT_STORE``, else the embedded SQLite file).

    Neo4j credentials come from ``SCOUT_NEO4J_USER`` (default ``neo4j``),
    ``SCOUT_NEO4J_PASSWORD`` and ``SCOUT_NEO4J_DATABASE`` (default ``neo4j``)
    unless given as keyword options.

    Raises
    ------
    StoreUriError
        Malformed URI.
    StoreUnavailableError
        Neo4j unreachable or credentials refused.
    """
    loc = parse_store_uri(uri or os.environ.get("SCOUT_STORE"))
    if loc.kind == "sqlite":
        from graph.sqlite_store import SqliteStore

        return SqliteStore(loc.path, **options)
    from graph.neo4j_store import Neo4jStore

    return Neo4jStore(loc.uri, **options)
