"""The importer's files (``ingest.neo4j_import.ImportFiles``) and its duplicate filter, without a server.

What reaches the importer must be exact: one row per event identity, repeats of
earlier batches held back for the online path (which tells a true duplicate
from two identities sharing a 64-bit hash). The server-side equivalence with
the online path is ``tests/graph/test_neo4j_bulk_import.py``.
"""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd

from ingest.neo4j_import import NODE_FILE, RELATIONSHIP_FILE, ImportFiles, _SeenKeys


def test_seen_keys_agrees_with_a_set_through_growth_collisions_and_zero():
    rng = np.random.default_rng(7)
    seen = _SeenKeys(capacity=8)  # tiny: many probes and several doublings
    known: set[int] = set()
    for batch in range(40):
        hashes = rng.integers(0, 1 << 63, 3000, dtype=np.uint64)
        hashes[400:600] &= ~np.uint64(0xFFF)  # same low bits: the same home slot, long probes
        if known:
            hashes[:300] = rng.choice(np.array(sorted(known), dtype=np.uint64), 300)
        hashes[300:305] = 0  # the empty slot's mark: stored as 1, so it is found again
        hashes[305:310] = hashes[310:315]  # repeats inside one batch
        found = seen.seen(hashes)
        expected = np.array([max(int(h), 1) in known for h in hashes.tolist()])
        assert (found == expected).all(), f"batch {batch}"
        seen.add(hashes[~found])
        known.update(max(int(h), 1) for h in hashes[~found].tolist())
        assert np.count_nonzero(seen.table) == len(known)
        assert 2 * len(known) <= len(seen.table)  # at most half full
    assert seen.seen(np.array([1, 0], dtype=np.uint64)).all()  # 0 and 1 share the mark


def _frame(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame({
        "platform": "x", "post_id": [r[0] for r in rows], "kind": [r[1] for r in rows],
        "source": [r[2] for r in rows], "target": [r[3] for r in rows],
        "at": pd.Timestamp("2026-01-02T03:04:05.678", tz="UTC"),
    })


def test_repeats_of_earlier_batches_are_held_back_and_written_once(tmp_path):
    sink = ImportFiles(tmp_path)
    first = sink.write_batch([], _frame([("1", "reply", "x:1", "x:2"), ("2", "mention", "x:1", "x:3")]))
    # A repeat of batch one, a repeat inside this batch, a new event.
    second = sink.write_batch([], _frame([("1", "reply", "x:1", "x:2"), ("3", "quote", "x:2", "x:1"),
                                           ("3", "quote", "x:2", "x:1")]))
    sink.close()
    assert (first.inserted, first.duplicates) == (2, 0)
    assert (second.inserted, second.duplicates) == (1, 2)
    held = pd.concat(sink.held_back)
    assert held["key"].tolist() == ["x|1|reply|x:2"]
    with open(tmp_path / RELATIONSHIP_FILE, newline="", encoding="utf-8") as f:
        rels = list(csv.DictReader(f))
    assert [r["key"] for r in rels] == ["x|1|reply|x:2", "x|2|mention|x:3", "x|3|quote|x:1"]
    assert rels[0]["at:datetime"] == "2026-01-02T03:04:05.678Z"
    with open(tmp_path / NODE_FILE, newline="", encoding="utf-8") as f:
        nodes = list(csv.DictReader(f))
    # Every relationship's ends are nodes, each once (the importer runs strict).
    assert sorted(n["key:ID(Account)"] for n in nodes) == ["x:1", "x:2", "x:3"]
    assert sink.events == 3 and sink.accounts == 3
