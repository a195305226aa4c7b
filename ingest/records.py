"""The row form of an interaction that the ingest parsers produce.

:class:`Edge` has the fields (and attribute names) of
:class:`graph.model.Interaction`, but it is a plain named tuple: no per-row
validation on construction. Batches of edges go to the store as one
DataFrame (:meth:`graph.store.GraphStore.write_batch` validates frames column
by column), which is several times cheaper than building one ``Interaction``
per row. The parsers only build edges from values they have checked: a known
platform and kind, a non-empty post id, ``platform:id`` keys, an aware time
and a non-negative weight.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import pandas as pd

from graph.model import INTERACTION_COLUMNS, Interaction


class Edge(NamedTuple):
    """One interaction: ``source`` engages with ``target`` (see :class:`graph.model.Interaction`)."""

    platform: str
    post_id: str
    kind: str
    source: str
    target: str
    at: datetime
    text: str | None = None
    topics: tuple[str, ...] = ()
    lang: str | None = None
    weight: float = 1.0

    def to_interaction(self) -> Interaction:
        """The validated record (tests, and callers that want one)."""
        return Interaction(*self)


assert Edge._fields == INTERACTION_COLUMNS, "Edge must mirror graph.model.INTERACTION_COLUMNS"


def edges_frame(rows: list) -> pd.DataFrame:
    """A DataFrame with :data:`graph.model.INTERACTION_COLUMNS` from edges (or ``Interaction`` objects).

    Examples
    --------
    >>> from datetime import UTC
    >>> edges_frame([Edge("x", "1", "mention", "x:1", "x:2", datetime(2024, 1, 1, tzinfo=UTC))]).shape
    (1, 10)
    """
    tuples = [r if isinstance(r, tuple) else tuple(getattr(r, f) for f in Edge._fields) for r in rows]
    return pd.DataFrame.from_records(tuples, columns=list(Edge._fields))
