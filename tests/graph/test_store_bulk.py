"""Bulk loads (``GraphStore.bulk_load``) keep the store's guarantees, on both stores."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from graph.model import Account, Interaction

T0 = datetime(2026, 9, 1, tzinfo=UTC)


def frame(posts: range, source: str = "x:1", target: str = "x:2") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "platform": "x",
            "post_id": [f"p{i}" for i in posts],
            "kind": "mention",
            "source": source,
            "target": target,
            "at": [T0 + timedelta(minutes=i) for i in posts],
            "text": [f"post {i}" for i in posts],
        }
    )


@pytest.fixture(autouse=True)
def small_parallel_batches(monkeypatch):
    """Let Neo4j's parallel bulk writers take the small batches of these tests too."""
    monkeypatch.setattr("graph.neo4j_store._PARALLEL_MIN_ROWS", 2)


def second_handle(store):
    """Another connection to the same store, as another process would hold."""
    from graph.neo4j_store import Neo4jStore
    from graph.sqlite_store import SqliteStore

    if isinstance(store, SqliteStore):
        return SqliteStore(store.path)
    from tests.conftest import neo4j_test_auth, neo4j_test_uri

    user, password = neo4j_test_auth()
    return Neo4jStore(neo4j_test_uri(), user=user, password=password)


def test_bulk_load_is_idempotent_and_creates_bare_accounts(store):
    with store.bulk_load():
        first = store.write_batch([], frame(range(0, 50)))
        again = store.write_batch([], frame(range(25, 75)))
    assert (first.inserted, first.duplicates) == (50, 0)
    assert (again.inserted, again.duplicates) == (25, 25)
    assert store.stats().interactions == 75
    assert set(store.accounts()["key"]) == {"x:1", "x:2"}


def test_the_first_of_repeated_identities_wins(store):
    rows = [
        Interaction("x", "p1", "mention", "x:1", "x:2", T0, text="first"),
        Interaction("x", "p1", "mention", "x:1", "x:2", T0, text="second"),
    ]
    r = store.write_batch([], rows)
    assert (r.inserted, r.duplicates) == (1, 1)
    assert store.interactions()["text"].tolist() == ["first"]


def test_an_account_deleted_by_another_process_mid_load_comes_back(store):
    """No event may point at a removed account, even with checks relaxed in a bulk load."""
    other = second_handle(store)
    try:
        with store.bulk_load():
            store.write_batch([], frame(range(0, 10), target="x:2"))
            other.forget("x:2")
            store.write_batch([], frame(range(10, 20), target="x:2"))
        assert "x:2" in set(store.accounts()["key"])
        df = store.interactions()
        assert len(df) == 10
        assert set(df["target"]) == {"x:2"}
    finally:
        other.close()


def test_neo4j_bulk_batches_split_over_writers_count_like_one(neo4j_store):
    events = pd.concat(
        [frame(range(0, 40), source=f"x:{i}", target="x:hub") for i in range(5)], ignore_index=True
    )
    events["post_id"] = [f"p{i}" for i in range(len(events))]
    with neo4j_store.bulk_load():
        first = neo4j_store.write_batch([], events)
        again = neo4j_store.write_batch([], events.iloc[100:])
    assert (first.inserted, first.duplicates) == (200, 0)
    assert (again.inserted, again.duplicates) == (0, 100)
    df = neo4j_store.interactions()
    assert len(df) == 200
    assert df["target"].eq("x:hub").all()
    with pytest.raises(RuntimeError, match="not reentrant"):
        with neo4j_store.bulk_load():
            with neo4j_store.bulk_load():
                pass


def test_sqlite_bulk_load_restores_indexes_and_foreign_keys(sqlite_store):
    def settings() -> list:
        return [sqlite_store._conn.execute(f"PRAGMA {p}").fetchone()[0]
                for p in ("cache_size", "temp_store", "threads")]

    def index_names() -> set[str]:
        with sqlite3.connect(sqlite_store.path) as conn:
            return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}

    dropped = {"interactions_source", "interactions_target", "accounts_handle"}
    assert dropped <= index_names()
    before = settings()
    with sqlite_store.bulk_load():
        sqlite_store.write_batch([Account(platform="x", platform_id="1", handle="Ada")],
                                 frame(range(0, 10)))
        assert not dropped & index_names()
        # Lookups by handle still answer while their index is away (by a scan).
        assert sqlite_store.resolve("@ada") == ["x:1"]
        with pytest.raises(RuntimeError, match="not reentrant"):
            with sqlite_store.bulk_load():
                pass
    assert dropped <= index_names()
    assert sqlite_store.resolve("@ADA", "x") == ["x:1"]
    with sqlite3.connect(sqlite_store.path) as conn:
        # The store's own connection checks references again after the load.
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert sqlite_store._conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
    # The index builds' own settings (small cache, temporary files, sorter threads) are undone.
    assert settings() == before
    with pytest.raises(sqlite3.IntegrityError):
        sqlite_store._conn.execute(
            "INSERT INTO interactions(platform, post_id, kind, source, target, at) "
            "VALUES ('x', 'p99', 'mention', 'x:nobody', 'x:2', 0)"
        )


def test_neo4j_one_writer_loads_in_one_transaction_per_batch(neo4j_uri, monkeypatch):
    from graph.neo4j_store import Neo4jStore
    from tests.conftest import neo4j_test_auth

    monkeypatch.setenv("SCOUT_NEO4J_WRITERS", "1")
    user, password = neo4j_test_auth()
    with Neo4jStore(neo4j_uri, user=user, password=password) as s:
        s.delete_everything()
        with s.bulk_load():
            r = s.write_batch([], frame(range(0, 30)))
        assert (r.inserted, s.stats().interactions) == (30, 30)
        s.delete_everything()


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_neo4j_writers_setting_is_checked(neo4j_uri, monkeypatch, value):
    from graph.errors import StoreUnavailableError
    from graph.neo4j_store import Neo4jStore

    monkeypatch.setenv("SCOUT_NEO4J_WRITERS", value)
    with pytest.raises(StoreUnavailableError, match="SCOUT_NEO4J_WRITERS"):
        Neo4jStore(neo4j_uri, user="neo4j", password="unused")



@pytest.mark.parametrize("max_candidates", [500_000, 0], ids=["compared-in-python", "searched-in-sql"])
def test_sqlite_deferred_identity_removes_repeats_at_the_end(sqlite_store, monkeypatch, max_candidates):
    monkeypatch.setattr("graph.sqlite_store._MAX_REPEAT_CANDIDATES", max_candidates)
    events = frame(range(0, 40))
    with sqlite_store.bulk_load(defer_identity=True):
        sqlite_store.write_batch([], events)
        again = sqlite_store.write_batch([], pd.concat([events.iloc[30:], frame(range(40, 50))]))
    # Repeats of earlier batches are found when the identity index is built, at the end.
    assert (again.inserted, sqlite_store.bulk_repeats) == (20, 10)
    df = sqlite_store.interactions()
    assert df["post_id"].tolist() == [f"p{i}" for i in range(50)]
    with sqlite3.connect(sqlite_store.path) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "interactions_identity" in names
    # The identity holds again: a repeat is ignored.
    assert sqlite_store.write_batch([], frame(range(0, 5))).duplicates == 5


def test_sqlite_bulk_load_killed_with_its_identity_deferred_is_repaired_on_open(tmp_path):
    from graph.sqlite_store import SqliteStore

    path = tmp_path / "killed.db"
    code = f"""
import os
from graph.sqlite_store import SqliteStore
from tests.graph.test_store_bulk import frame
store = SqliteStore({str(path)!r})
with store.bulk_load(defer_identity=True):
    store.write_batch([], frame(range(0, 30)))
    store.write_batch([], frame(range(20, 40)))  # 10 repeats, committed
    os._exit(9)  # killed: the bulk load never ends
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 9
    with sqlite3.connect(path) as conn:  # what the killed load left: repeats, no identity index
        assert conn.execute("SELECT COUNT(*) FROM interactions").fetchone() == (50,)
    with SqliteStore(path) as reopened:
        df = reopened.interactions()
        assert df["post_id"].tolist() == [f"p{i}" for i in range(40)]
        assert df["text"].tolist() == [f"post {i}" for i in range(40)]
        assert reopened.write_batch([], frame(range(35, 45))).inserted == 5


def test_sqlite_store_with_an_inline_identity_keeps_it(tmp_path):
    """Stores created before the identity index had a name keep their constraint, bulk or not."""
    from graph.sqlite_store import SqliteStore

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE interactions (id INTEGER PRIMARY KEY, platform TEXT NOT NULL, post_id TEXT NOT NULL, "
            "kind TEXT NOT NULL, source TEXT NOT NULL REFERENCES accounts(key) ON DELETE CASCADE, "
            "target TEXT NOT NULL REFERENCES accounts(key) ON DELETE CASCADE, at INTEGER NOT NULL, text TEXT, "
            "topics TEXT NOT NULL DEFAULT '', lang TEXT, weight REAL NOT NULL DEFAULT 1.0, "
            "UNIQUE (platform, post_id, kind, target))")
    with SqliteStore(path) as store:
        with store.bulk_load(defer_identity=True):
            store.write_batch([], frame(range(0, 10)))
            again = store.write_batch([], frame(range(5, 15)))
        assert (again.inserted, again.duplicates, store.bulk_repeats) == (5, 5, 0)
        names = {r[0] for r in store._conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "interactions_identity" not in names
        assert store.stats().interactions == 15
