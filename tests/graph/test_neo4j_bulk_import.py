"""The offline bulk import gives the database the online path gives (Neo4j's importer, real server).

Each file is read once through the importer (``scout import``) and once through
the online path, into the same Neo4j server and into SQLite: the databases must
hold the same nodes and relationships *property by property* (names, value
types and values: an empty list stored by one path and left out by the other
is a difference), and the bulk-loaded database must keep the store contract
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

# Every property of every account and interaction as (name, Cypher value type,
# text): datetimes keep their zone, numbers their type, lists their element type.
_PROPERTIES = """
[k IN keys(x) | [k, valueType(x[k]),
  CASE WHEN valueType(x[k]) STARTS WITH 'LIST'
       THEN reduce(s = '', v IN x[k] | s + '|' + toString(v)) ELSE toString(x[k]) END]]
"""


def _database(store) -> dict:
    """The whole graph but the runs' bookkeeping, in comparable form."""
    nodes = store._read(f"MATCH (x:Account) RETURN x.key, labels(x), {_PROPERTIES}")
    rels = store._read(f"MATCH (s)-[x]->(t) WHERE NOT s:Run RETURN x.key, type(x), s.key, t.key, {_PROPERTIES}")
    labels = store._read("MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) ORDER BY label")
    return {
        "accounts": sorted((k, tuple(lab), tuple(sorted(map(tuple, props)))) for k, lab, props in nodes),
        "interactions": sorted((k, t, s, e, tuple(sorted(map(tuple, props)))) for k, t, s, e, props in rels),
        "labels": [tuple(r) for r in labels],
    }


def _canonical(store) -> tuple[pd.DataFrame, pd.DataFrame]:
    acc = store.accounts().sort_values("key").reset_index(drop=True)
    inter = store.interactions().sort_values(["platform", "post_id", "kind", "target"]).reset_index(drop=True)
    inter = inter[[c for c in inter.columns if c != "themes"]]
    return acc, inter


def _bulk_load(neo4j_uri, path, kind, directory):
    from graph.neo4j_store import Neo4jStore

    if not is_local(neo4j_uri):
        pytest.skip(f"{neo4j_uri} is not the server of scripts/neo4j.sh")
    user, password = neo4j_test_auth()
    with Neo4jStore(neo4j_uri, user=user, password=password) as s:
        s.delete_everything()
    result = bulk_import(neo4j_uri, [path], kind, directory, times=ANY_TIME)
    return Neo4jStore(neo4j_uri, user=user, password=password), result


@pytest.fixture
def bulk_loaded(neo4j_uri, tmp_path):
    """The edge list bulk-imported into the test server (which is restarted on the new database)."""
    store, result = _bulk_load(neo4j_uri, *FILES[0], tmp_path / "import")
    yield store, result
    store.delete_everything()
    store.close()


@pytest.mark.parametrize(("path", "kind"), FILES, ids=["edges", "jsonl"])
def test_bulk_import_gives_the_online_database(neo4j_uri, sqlite_store, tmp_path, path, kind):
    store, result = _bulk_load(neo4j_uri, path, kind, tmp_path / "import")
    try:
        assert result.imported and (result.directory / NODE_FILE).exists()
        assert (result.directory / RELATIONSHIP_FILE).exists()
        assert store.runs(limit=5)[0].id == result.runs[0].id
        bulk = _database(store)
        acc_bulk, inter_bulk = _canonical(store)
        # The same file through the online path, into the same server.
        store.delete_everything()
        online_run = import_file(store, path, kind, times=ANY_TIME)
        online = _database(store)
    finally:
        store.delete_everything()
        store.close()
    assert online_run.inserted == result.runs[0].inserted > 0
    assert len(bulk["interactions"]) == online_run.inserted
    assert bulk["labels"] == online["labels"]
    for name in ("accounts", "interactions"):
        differ = [(b, o) for b, o in zip(bulk[name], online[name], strict=True) if b != o]
        assert not differ, f"{name} differ (bulk, online): {differ[:3]}"
    # And what the store API reads back equals the embedded store's.
    import_file(sqlite_store, path, kind, times=ANY_TIME)
    acc_online, inter_online = _canonical(sqlite_store)
    pd.testing.assert_frame_equal(acc_bulk, acc_online, check_dtype=False)
    pd.testing.assert_frame_equal(inter_bulk, inter_online, check_dtype=False)


def test_bulk_loaded_database_keeps_the_store_contract(bulk_loaded):
    store, result = bulk_loaded
    before = store.stats().interactions
    # The uniqueness constraints exist: the same file again, online, adds nothing.
    again = import_file(store, FILES[0][0], "edges", times=ANY_TIME)
    assert again.inserted == 0 and again.duplicates == before
    names = {r[0] for r in store._read("SHOW CONSTRAINTS YIELD name RETURN name")}
    assert {"account_key", "interaction_key"} <= names
    states = {r[0]: r[1] for r in store._read("SHOW INDEXES YIELD name, state RETURN name, state")}
    assert states and set(states.values()) == {"ONLINE"}
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
    store.set_tags("x:900", ["press"])
    assert tuple(store.accounts(["x:900"])["tags"].iloc[0]) == ("press",)
    store.set_tags("x:900", [])
    assert tuple(store.accounts(["x:900"])["tags"].iloc[0]) == ()
    assert store._read("MATCH (a:Account {key: 'x:900'}) RETURN a.tags IS NULL")[0][0]
    removed = store.forget("x:900")
    assert removed["interactions"] >= 1 and store.resolve("@newcomer") == []
