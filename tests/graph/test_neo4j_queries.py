"""Static guards on Neo4jStore's Cypher (no server needed)."""

from __future__ import annotations

import inspect
import re

import graph.neo4j_store as ns


def test_index_hints_force_seeks():
    """A plain ``USING INDEX`` admits an index scan per key, which stalled loads for minutes."""
    source = inspect.getsource(ns)
    hints = re.findall(r"USING INDEX(?: SEEK)? \w+:\w+\(\w+\)", source)
    assert hints, "expected index hints on the key-list lookups"
    assert all(h.startswith("USING INDEX SEEK") for h in hints), hints

