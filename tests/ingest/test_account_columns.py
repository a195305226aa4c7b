"""The column-wise accounts reader gives what the row-wise one gives.

:func:`ingest.people.iter_account_chunks` (what ``scout ingest accounts`` runs)
against :func:`ingest.people.read_accounts` (:func:`~ingest.people.account_from_row`
on every row, then :class:`~graph.model.Account`'s own cleaning): the same
accounts, value for value, and the same ``file:line: reason`` for every rejected
row — on a fixture of every rule's branches, through both CSV paths (Arrow
blocks and the csv module), and on generated files.
"""

from __future__ import annotations

import random
import sqlite3
import string
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.errors import InputError
from graph.model import Account
from graph.sqlite_store import SqliteStore
from ingest.jobs import import_file
from ingest.people import iter_account_chunks, read_accounts
from ingest.sources import open_input

HEADER = "platform,handle,id,name,followers,following,posts,created_at,verified,bio,url"


def tricky_rows(n: int, seed: int = 1) -> list[list[str]]:
    """Rows that take every branch of the account rules, good and bad."""
    rng = random.Random(seed)
    platforms = ["", "", "", "x", "X ", "mastodon", "reddit", "generic", "bad plat!", "linkedin"]
    handles = ["", "", "ann", "@Ann", " bob ", "12345", "@12345", "Zoë", "日本", "@", "a\x07b", "ann@Fosstodon.org",
               "u/Carl", "x" * 300, "@@dup", "tab\there", "\u202eevil"]
    ids = ["", "", "", "", "1002", " 77 ", "id\x01x", "9" * 300, "é1"]
    counts = ["", "", "12", "1,234", "1_000", "7.0", "-1", "lots", "١٢", "²", "99999999999999999999999", " 5 ",
              "1000000000001", "0"]
    times = ["", "", "2015-03-01T10:00:00Z", "2015-03-01T10:00:00", "2015-03-01T10:00:00.5+02:00",
             "2015-03-01T10:00:00.123456-05:30", "2015-03-01", "2015-03-01 10:00", "1425204000",
             "1425204000123", "not a time", "1800-01-01T00:00:00Z", "2015-02-30T10:00:00Z",
             "2015-03-01T10:00:00.1234567Z", "20150301T100000Z", "3000-01-01T00:00:00Z"]
    flags = ["", "", "true", "False", "yes", "N", "1", "0", "maybe", " T "]
    texts = ["", "", "Ann Smith", "  padded  ", "ctrl\x01char", "Zoë ☃", "line\u2028sep", "a" * 400,
             "https://ann.example", "\u200bzero", " "]
    rows = []
    for _ in range(n):
        rows.append([rng.choice(platforms), rng.choice(handles), rng.choice(ids), rng.choice(texts),
                     rng.choice(counts), rng.choice(counts), rng.choice(counts), rng.choice(times),
                     rng.choice(flags), rng.choice(texts), rng.choice(texts)])
    return rows


def write_csv(path: Path, rows: list[list[str]], quoted: bool = False, header: str = HEADER) -> Path:
    """Rows as CSV: without quotes (Arrow's blocks) where no cell needs them, unless ``quoted``."""
    def cell(c: str) -> str:
        if quoted or any(ch in c for ch in ',"\n\r'):
            return '"' + c.replace('"', '""') + '"'
        return c

    path.write_text(header + "\n" + "".join(",".join(cell(c) for c in r) + "\n" for r in rows),
                    encoding="utf-8", newline="")
    return path


def _as_values(a: Account) -> tuple:
    created = None if a.created_at is None else pd.Timestamp(a.created_at).tz_convert("UTC").isoformat()
    return (a.key, a.platform, a.platform_id, a.handle, a.name, a.followers, a.following, a.posts,
            created, a.verified, a.bio, a.url)


def row_wise(path: Path, **kw) -> tuple[list[tuple], list[str]]:
    with open_input(path) as inp:
        result = read_accounts(inp, **kw)
    return [_as_values(a) for a in result.items], result.errors


def column_wise(path: Path, **kw) -> tuple[list[tuple], list[str]]:
    accounts, errors = [], []
    with open_input(path) as inp:
        for chunk in iter_account_chunks(inp, **kw):
            f = chunk.account_frame
            if f is not None and len(f):
                assert chunk.read == len(f)
                for row in f.astype(object).itertuples(index=False):
                    v = list(row)
                    v = [None if not isinstance(x, bool | str) and pd.isna(x) else x for x in v]
                    for i in (5, 6, 7):
                        v[i] = None if v[i] is None else int(v[i])
                    v[8] = None if v[8] is None else pd.Timestamp(v[8]).tz_convert("UTC").isoformat()
                    accounts.append(tuple(v))
            errors += chunk.errors
    return accounts, errors


@pytest.mark.parametrize("quoted", [False, True])
def test_tricky_rows_read_alike_row_and_column_wise(tmp_path, quoted):
    path = write_csv(tmp_path / "accounts.csv", tricky_rows(3000), quoted=quoted)
    want, got = row_wise(path, platform="x"), column_wise(path, platform="x")
    assert len(want[0]) > 300 and len(want[1]) > 300  # the fixture has good rows and bad ones
    assert got[1] == want[1]
    assert got[0] == want[0]


def test_blocks_short_rows_extra_cells_and_blank_lines_read_alike(tmp_path):
    rows = tricky_rows(500, seed=4)
    lines = [",".join(r) for r in rows if not any(ch in "".join(r) for ch in ',"\n\r')]
    lines[3] = "x,shorty"  # fewer cells than the header: the rest are empty
    lines[4] = lines[4] + ",extra,cells"  # more: ignored
    lines.insert(6, "")
    lines.insert(9, " , ,")
    path = tmp_path / "ragged.csv"
    path.write_text(HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    want, got = row_wise(path), column_wise(path)
    assert any(v[0] == "x:@shorty" for v in want[0])
    assert got == want


def test_blocks_of_many_rows_keep_their_line_numbers(tmp_path):
    rows = [r for r in tricky_rows(150_000, seed=9) if not any(ch in "".join(r) for ch in ',"\n\r')]
    path = write_csv(tmp_path / "big.csv", rows)
    want, got = row_wise(path), column_wise(path)
    assert len(got[0]) > 10_000 and int(got[1][-1].split(":")[1]) > 100_000  # past the first block
    assert got == want
    with SqliteStore(tmp_path / "big.db") as store:
        run = import_file(store, path, "accounts")
    # A transaction per block of rows, not one for the whole file.
    assert run.summary["batches"] >= 2 and run.inserted == len(want[0])


def test_a_file_without_handle_or_id_or_with_a_bad_platform_is_refused(tmp_path):
    path = write_csv(tmp_path / "a.csv", [["Ann"]], header="name")
    with open_input(path) as inp, pytest.raises(InputError, match="handle or id"):
        list(iter_account_chunks(inp))
    with open_input(write_csv(tmp_path / "b.csv", [["ann"]], header="handle")) as inp:
        with pytest.raises(InputError, match="invalid platform name"):
            list(iter_account_chunks(inp, platform="no way"))


def test_an_accounts_import_stores_what_the_row_wise_reader_gives(tmp_path):
    path = write_csv(tmp_path / "accounts.csv", tricky_rows(2000, seed=2))
    with SqliteStore(tmp_path / "columns.db") as store:
        run = import_file(store, path, "accounts", platform="x", batch_size=300)
    with open_input(path) as inp:
        result = read_accounts(inp, platform="x")
    with SqliteStore(tmp_path / "rows.db") as store:
        store.upsert_accounts(result.items)
        from ingest.x_aliases import merge_handle_aliases

        merge_handle_aliases(store)
    assert (run.read, run.inserted, run.rejected) == (len(result.rows) + len(result.errors), len(result.rows),
                                                     len(result.errors))
    tables = []
    for name in ("columns", "rows"):
        with sqlite3.connect(tmp_path / f"{name}.db") as conn:
            tables.append(conn.execute("SELECT * FROM accounts ORDER BY key").fetchall())
    assert len(tables[0]) > 30  # later rows of a key update what earlier ones stored, in order
    assert tables[0] == tables[1]


cells = st.sampled_from(["", "ann", "@Bob", "12", "1,2", "x", "true", "2015-03-01T10:00:00Z", "é", " ", "-1",
                         "1425204000", "2015-03-01"]) | st.text(alphabet=string.printable + "é☃\u2028@", max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(cells, min_size=11, max_size=11), min_size=1, max_size=15))
def test_generated_files_read_alike(tmp_path_factory, rows):
    path = write_csv(tmp_path_factory.mktemp("acc") / "g.csv", rows)
    try:
        want = row_wise(path)
    except InputError as exc:
        with pytest.raises(InputError) as err:
            column_wise(path)
        assert str(err.value) == str(exc)
        return
    assert column_wise(path) == want


def test_both_stores_keep_the_column_wise_accounts_as_the_row_wise_ones(store, tmp_path):
    rows = [r for r in tricky_rows(400, seed=6) if r[0].strip().lower() in ("", "x", "generic")]
    path = write_csv(tmp_path / "accounts.csv", rows)
    run = import_file(store, path, "accounts")
    got = store.accounts().sort_values("key").reset_index(drop=True)
    store.delete_everything()
    with open_input(path) as inp:
        result = read_accounts(inp)
    store.upsert_accounts(result.items)
    from ingest.x_aliases import merge_handle_aliases

    merge_handle_aliases(store)
    want = store.accounts().sort_values("key").reset_index(drop=True)
    assert run.inserted == len(result.rows) and len(want) > 20
    pd.testing.assert_frame_equal(got, want)


def test_an_accounts_file_read_in_a_child_process_stores_the_same(tmp_path, monkeypatch):
    import multiprocessing as mp

    from ingest import child_reader

    path = write_csv(tmp_path / "accounts.csv", tricky_rows(1500, seed=8))
    path.write_text(path.read_text(encoding="utf-8").replace(HEADER, HEADER + ",colour", 1), encoding="utf-8")
    results = []
    for least in (1 << 60, 0):  # in this process, then in a child
        monkeypatch.setitem(child_reader.CHILD_READER_MIN_BYTES, "accounts", least)
        notes: list[str] = []
        with SqliteStore(tmp_path / f"child-{least}.db") as store:
            run = import_file(store, path, "accounts", platform="x", report=notes.append)
        with sqlite3.connect(tmp_path / f"child-{least}.db") as conn:
            table = conn.execute("SELECT * FROM accounts ORDER BY key").fetchall()
        results.append(((run.read, run.inserted, run.rejected, run.errors), notes, table))
        assert not mp.active_children()
    assert f"{path}: ignoring column(s): colour" in results[1][1] and results[1][0][2] > 100
    assert results[1] == results[0]
