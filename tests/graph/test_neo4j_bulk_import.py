"""The offline bulk import gives the database the online path gives (Neo4j's importer, real server).

The files are read once through the importer (``scout import``) and once through
the online path into SQLite: both stores must then hold the same accounts and
interactions, and the bulk-loaded database must keep the store contract
(constraints enforced, idempotent re-ingest, ordinary writes and deletes).
"""

from __future__ import annotations

import pandas as pd
import pytest

from graph.model import ANY_TIME, Account, Interaction
from ingest.jobs import import_file
from ingest.neo4j_import import NODE_FILE, RELATIONSHIP_FILE, bulk_import, is_local
from tests.conftest import neo4j_test_auth
from tests.ingest.conftest import FIX

FILES = [(FIX / "edges.csv", "edges"), (FIX / "x_v2_pages.jsonl", "jsonl")]


def _canonical(store) -> tuple[pd.DataFrame, pd.DataFrame]:
    acc = store.accounts().drop(columns=["tags"]).sort_values("key").reset_index(drop=True)
    inter = store.interactions().sort_values(["platform", "post_id", "kind", "target"]).reset_index(drop=True)
    inter = inter[[c for c in inter.columns if c != "themes"]]
    return acc, inter


@pytest.fixture
def bulk_loaded(neo4j_uri, tmp_path):
    """The fixtures bulk-imported into the test server (which is restarted on the new database)."""
    from graph.neo4j_store import Neo4jStore

    if not is_local(neo4j_uri):
        pytest.skip(f"{neo4j_uri} is not the server of scripts/neo4j.sh")
    user, password = neo4j_test_auth()
    with Neo4jStore(neo4j_uri, user=user, password=password) as s:
        s.delete_everything()
    result = bulk_import(neo4j_uri, [FILES[0][0]], "edges", tmp_path / "import", times=ANY_TIME)
    store = Neo4jStore(neo4j_uri, user=user, password=password)
    yield store, result
    store.delete_everything()
    store.close()


def test_bulk_import_matches_the_online_path(bulk_loaded, sqlite_store):
    store, result = bulk_loaded
    assert result.imported and (result.directory / NODE_FILE).exists()
    assert (result.directory / RELATIONSHIP_FILE).exists()
    import_file(sqlite_store, FILES[0][0], "edges", times=ANY_TIME)
    acc_bulk, inter_bulk = _canonical(store)
    acc_online, inter_online = _canonical(sqlite_store)
    pd.testing.assert_frame_equal(acc_bulk, acc_online, check_dtype=False)
    pd.testing.assert_frame_equal(inter_bulk, inter_online, check_dtype=False)
    assert result.runs[0].inserted == len(inter_online) > 0
    assert store.runs(limit=5)[0].id == result.runs[0].id


def test_bulk_loaded_database_keeps_the_store_contract(bulk_loaded):
    store, result = bulk_loaded
    before = store.stats().interactions
    # The uniqueness constraints exist: the same file again, online, adds nothing.
    again = import_file(store, FILES[0][0], "edges", times=ANY_TIME)
    assert again.inserted == 0 and again.duplicates == before
    names = {r[0] for r in store._read("SHOW CONSTRAINTS YIELD name RETURN name")}
    assert {"account_key", "interaction_key"} <= names
    # Later increments go through the online path.
    run = import_file(store, FILES[1][0], "jsonl", times=ANY_TIME)
    assert run.inserted > 0 and store.stats().interactions == before + run.inserted
    when = pd.Timestamp("2026-09-01", tz="UTC").to_pydatetime()
    key = store.accounts()["key"].iloc[0]
    res = store.write_batch([Account("x", "900", handle="newcomer")],
                            [Interaction("x", "bulk-1", "mention", "x:900", key, when)])
    assert res.inserted == 1
    assert store.write_batch([], [Interaction("x", "bulk-1", "mention", "x:900", key, when)]).duplicates == 1
    assert store.resolve("@newcomer") == ["x:900"]
    removed = store.forget("x:900")
    assert removed["interactions"] >= 1 and store.resolve("@newcomer") == []
