"""bench/sqlite_floor.py stores the same graph with text keys and with integer ids (its figures
compare like with like), with Scout's indexes in place after the load."""

from __future__ import annotations

import sqlite3

import pytest

from bench.edges_csv import heavy_tailed_edges
from bench.sqlite_floor import BATCH, load, main, prepared_rows


def edges(path, n: int):
    heavy_tailed_edges(n).to_csv(path, index=False)
    return prepared_rows(path)


def stored(db) -> tuple[list[tuple], set[str]]:
    conn = sqlite3.connect(db)
    try:
        text = conn.execute("SELECT typeof(source) FROM interactions LIMIT 1").fetchone()[0] == "text"
        join = ("SELECT i.post_id, i.kind, i.source, i.target, i.at FROM interactions i" if text else
                "SELECT i.post_id, i.kind, s.key, t.key, i.at FROM interactions i "
                "JOIN accounts s ON s.rowid = i.source JOIN accounts t ON t.rowid = i.target")
        rows = sorted(conn.execute(join).fetchall())
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        return rows, indexes
    finally:
        conn.close()


def test_both_forms_store_the_same_graph_with_every_index(tmp_path):
    rows = edges(tmp_path / "e.csv", BATCH + 500)  # two transactions
    load(tmp_path / "t.db", rows, integer_ids=False)
    load(tmp_path / "i.db", rows, integer_ids=True)
    text_rows, text_indexes = stored(tmp_path / "t.db")
    int_rows, int_indexes = stored(tmp_path / "i.db")
    assert len(text_rows) == len(rows["at"]) and text_rows == int_rows
    wanted = {"interactions_identity", "interactions_source", "interactions_target", "accounts_handle"}
    assert wanted <= text_indexes and wanted <= int_indexes
    keys = set(rows["source"]) | set(rows["target"])
    conn = sqlite3.connect(tmp_path / "i.db")
    assert {k for (k,) in conn.execute("SELECT key FROM accounts")} == keys
    conn.close()


def test_main_prints_each_form_s_figures(tmp_path, capsys):
    heavy_tailed_edges(3000).to_csv(tmp_path / "e.csv", index=False)
    assert main(["--csv", str(tmp_path / "e.csv"), "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "3,000 rows" in out
    assert out.count("events/s") == 2 and "text keys" in out and "integer ids" in out


def test_an_edge_list_without_the_columns_is_refused_by_name(tmp_path):
    (tmp_path / "bad.csv").write_text("from,to,kind,timestamp\na,b,reply,1700000000\n")
    with pytest.raises(SystemExit, match="no column source, target"):
        prepared_rows(tmp_path / "bad.csv")
