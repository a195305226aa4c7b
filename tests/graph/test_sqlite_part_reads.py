"""Big SQLite reads are made part by part (``SqliteStore._query_frame``) and give the one-shot frame."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.model import Account, Interaction

CELLS = st.one_of(st.none(), st.integers(-(2**62), 2**62), st.floats(allow_nan=False, width=64),
                  st.text(max_size=6))


@pytest.fixture
def table(sqlite_store):
    sqlite_store._conn.execute("CREATE TABLE IF NOT EXISTS cells (id INTEGER PRIMARY KEY, a, b, c)")
    return sqlite_store


def one_shot(store, sql: str, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(store._query(sql), columns=columns)


@pytest.mark.parametrize("rows_per_part", [1, 2, 3, 1000])
def test_parts_typed_differently_give_the_one_shot_frame(table, rows_per_part):
    # Column a: missing in the first part only; b: whole numbers, then a gap, then
    # fractions; c: text in some parts, nothing in others.
    rows = [(None, 1, None), (None, 2, None), ("x", None, "t"), ("y", 2.5, None), (None, 7, None),
            ("z", None, "u")]
    table._conn.executemany("INSERT INTO cells(a, b, c) VALUES (?, ?, ?)", rows)
    sql = "SELECT a, b, c FROM cells ORDER BY id"
    got = table._query_frame(sql, (), ["a", "b", "c"], rows_per_part=rows_per_part)
    pd.testing.assert_frame_equal(got, one_shot(table, sql, ["a", "b", "c"]))
    assert got["b"].dtype == "float64" and got["b"].isna().sum() == 2


def test_an_empty_read_has_the_columns(table):
    got = table._query_frame("SELECT a, b, c FROM cells", (), ["a", "b", "c"], rows_per_part=2)
    assert list(got.columns) == ["a", "b", "c"] and got.empty


# The table is emptied at the start of each example: sharing the store is safe.
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(CELLS, CELLS, CELLS), max_size=12), rows_per_part=st.integers(1, 5))
def test_any_mix_of_cells_gives_the_one_shot_frame(sqlite_store, rows, rows_per_part):
    conn = sqlite_store._conn
    conn.execute("CREATE TABLE IF NOT EXISTS mixed (id INTEGER PRIMARY KEY, a, b, c)")
    conn.execute("DELETE FROM mixed")
    conn.executemany("INSERT INTO mixed(a, b, c) VALUES (?, ?, ?)", rows)
    sql = "SELECT a, b, c FROM mixed ORDER BY id"
    got = sqlite_store._query_frame(sql, (), ["a", "b", "c"], rows_per_part=rows_per_part)
    pd.testing.assert_frame_equal(got, one_shot(sqlite_store, sql, ["a", "b", "c"]))


def test_accounts_and_interactions_read_in_parts_equal_one_part(sqlite_store, monkeypatch):
    t0 = datetime(2026, 5, 1, tzinfo=UTC)
    accounts = [Account(platform="x", platform_id=str(i), handle=f"h{i}" if i % 3 else None,
                        followers=i * 10 if i % 2 else None, name="é" * (i % 4) or None)
                for i in range(40)]
    events = [Interaction(platform="x", post_id=f"p{i}", kind="reply" if i % 2 else "mention",
                          source=f"x:{i % 40}", target=f"x:{(i * 7) % 40}", at=t0 + timedelta(hours=i % 9),
                          text=None if i % 5 else f"text {i}", topics=("ai",) if i % 4 == 0 else ())
              for i in range(120)]
    sqlite_store.write_batch(accounts, events)
    whole = sqlite_store.accounts(), sqlite_store.interactions()
    monkeypatch.setattr("graph.sqlite_store._READ_PART_ROWS", 7)
    parted = sqlite_store.accounts(), sqlite_store.interactions()
    pd.testing.assert_frame_equal(parted[0], whole[0])
    pd.testing.assert_frame_equal(parted[1], whole[1])
    # Sorted by key, as SQLite's BINARY order would have it ("x:10" before "x:2").
    assert parted[0]["key"].tolist() == sorted(a.key for a in accounts)
    assert parted[1]["at"].is_monotonic_increasing
