"""Row-wise vs column-wise reads of a SQLite store: CPU seconds per table (issue 15).

Usage::

    cp /path/to/store.db /tmp/copy.db      # the store is opened read-only, but measure a copy
    .venv/bin/python bench/sqlite_reads.py /tmp/copy.db

What it compares, for the three big reads of ``scout rank`` (the events with
``graph.ranking.RANK_COLUMNS``, the texts with ``TEXT_COLUMNS``, every account):

* **rows** -- what ``SqliteStore`` does: ``fetchall()`` of tuples, then a
  ``DataFrame`` built from them (the dtype work after that is the same for both
  and left out);
* **columns** -- one aggregate query per read that has SQLite build one string
  per column in C (``group_concat(col, char(31))``, a ``'0'/'1'`` null mask for
  nullable columns, a count of values holding the separator, the ``id`` so the
  order can be restored in numpy), split by Arrow (``pyarrow.compute.split_pattern``)
  without a Python object per value.

The figures are printed, never asserted; ``getrusage`` CPU seconds, since the
machine is shared. The column path here is a measurement prototype, not the
store's code: it does not chunk, nor read REAL columns exactly (SQLite renders
them with 15 significant digits), nor sort.
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.ranking import RANK_COLUMNS, TEXT_COLUMNS  # noqa: E402

SEP = "\x1f"
#: Columns that may hold NULL (they get a null mask and ``ifnull(col, '')``).
NULLABLE = {"text", "lang", "handle", "name", "followers", "following", "posts", "created_at",
            "verified", "bio", "url", "department"}
ACCOUNT_COLUMNS = ["key", "platform", "platform_id", "handle", "name", "followers", "following",
                   "posts", "created_at", "verified", "bio", "url", "internal", "department",
                   "crm_status", "tags"]


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def rows_read(conn: sqlite3.Connection, table: str, cols: list[str], order: str) -> pd.DataFrame:
    sql = f"SELECT {', '.join(cols)} FROM {table} ORDER BY {order}"  # noqa: S608 - constants
    return pd.DataFrame(conn.execute(sql).fetchall(), columns=cols)


def columns_read(conn: sqlite3.Connection, table: str, cols: list[str],
                 sep_check: bool = True) -> dict[str, pa.Array]:
    parts = ["count(*)"]
    for c in cols:
        # Without the check, a separator inside a value shows only as a wrong count.
        check = f"sum(instr({c}, char(31)) > 0)" if sep_check else "0"
        if c in NULLABLE:
            parts += [f"group_concat(ifnull({c}, ''), char(31))", f"group_concat({c} IS NULL, '')",
                      check]
        else:
            parts += [f"group_concat({c}, char(31))", "0", check]
    sql = f"SELECT {', '.join(parts)} FROM {table}"  # noqa: S608 - constants
    row = conn.execute(sql).fetchone()
    n, out = row[0], {}
    for i, c in enumerate(cols):
        text, mask, with_sep = row[1 + 3 * i: 4 + 3 * i]
        if with_sep:
            raise SystemExit(f"{table}.{c}: {with_sep} value(s) hold the separator: the store "
                             "would read this column row-wise")
        values = pc.split_pattern(pa.array([text or ""], pa.large_string()), SEP).flatten()
        if n == 0:
            values = values.slice(0, 0)
        if mask:
            nulls = pa.array(memoryview(mask.encode()).cast("B")).to_numpy() == ord("1")
            values = pc.if_else(pa.array(nulls), pa.scalar(None, values.type), values)
        assert len(values) == n, (c, len(values), n)
        out[c] = values
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("db", type=Path)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--no-sep-check", action="store_true",
                    help="skip the per-column count of values holding the separator")
    args = ap.parse_args(argv)
    conn = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    reads = [("events", "interactions", ["id", *RANK_COLUMNS], "at, id"),
             ("texts", "interactions", ["id", *TEXT_COLUMNS], "at, id"),
             ("accounts", "accounts", ACCOUNT_COLUMNS, "rowid")]
    for name, table, cols, order in reads:
        for _ in range(args.repeat):
            t = cpu()
            df = rows_read(conn, table, [c for c in cols if c != "id"], order)  # as the store
            rows_s = cpu() - t
            del df
            t = cpu()
            got = columns_read(conn, table, cols, sep_check=not args.no_sep_check)
            cols_s = cpu() - t
            n = len(next(iter(got.values())))
            del got
            print(f"{name:9} {n:>10,} rows   rows {rows_s:5.2f} s CPU   columns {cols_s:5.2f} s CPU",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
