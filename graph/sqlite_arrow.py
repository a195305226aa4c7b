"""Column-wise reads of a SQLite file into Arrow, for the big reads of the SQLite store.

Python's ``sqlite3`` hands a query's result over as one tuple of Python objects
per row, which pandas then turns back into columns: for a million interactions
that is about three quarters of ``scout rank``'s reading time. The ADBC SQLite
driver (``adbc-driver-sqlite``) steps through the same statement in C and fills
Arrow columns directly, 3-4x cheaper in CPU.

The driver infers each column's type from its first batch of rows and fails when
a later row does not fit, so the queries given here must return one storage
class per column (``CAST``, ``ifnull``): :func:`nullable_text` spells a nullable
text column as two columns that always fit.

A separate read-only connection is opened per read: it sees what the store's own
connection has committed (WAL mode lets it read while that one writes).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graph.errors import StoreUnavailableError

#: Suffix of the flag column :func:`nullable_text` adds.
NULL_FLAG = "__is_null"


def nullable_text(column: str) -> str:
    """SQL for a nullable text column: ``ifnull(col, '')`` and a 0/1 NULL flag.

    Examples
    --------
    >>> nullable_text("lang")
    "ifnull(lang, '') AS lang, lang IS NULL AS lang__is_null"
    """
    return f"ifnull({column}, '') AS {column}, {column} IS NULL AS {column}{NULL_FLAG}"


def read_table(path: Path, sql: str, params: Sequence = ()) -> pa.Table:
    """Run one read-only query on the SQLite file at ``path`` and return its result as Arrow.

    Parameters
    ----------
    path : pathlib.Path
        The database file (an existing one: it is opened read-only).
    sql : str
        One ``SELECT`` with ``?`` placeholders and one storage class per column.
    params : sequence
        The placeholders' values.

    Returns
    -------
    pyarrow.Table
        The result, column names as the query names them. An empty result has
        columns of no dependable type: check ``num_rows`` first.

    Raises
    ------
    StoreUnavailableError
        The file cannot be opened or the query fails.
    """
    import adbc_driver_manager
    import adbc_driver_sqlite.dbapi as adbc

    uri = Path(path).resolve().as_uri() + "?mode=ro"
    try:
        with adbc.connect(uri) as conn, conn.cursor() as cur:
            cur.execute(sql, tuple(params))
            return cur.fetch_arrow_table()
    except adbc_driver_manager.Error as exc:
        raise StoreUnavailableError(f"cannot read sqlite:///{path}: {exc}") from None


def to_frame(table: pa.Table) -> pd.DataFrame:
    """An Arrow result as a DataFrame, with the columns of :func:`nullable_text` folded back.

    Text columns become pandas' ``str`` dtype (missing values NaN) and stay in
    Arrow memory; a text column with no value at all becomes an ``object``
    column of ``None``, which is what pandas makes of such a column of tuples.
    """
    flags = {n[: -len(NULL_FLAG)]: n for n in table.column_names if n.endswith(NULL_FLAG)}
    columns: dict[str, object] = {}
    for name in table.column_names:
        if name.endswith(NULL_FLAG):
            continue
        col = table.column(name)
        if name in flags:
            missing = pc.not_equal(table.column(flags[name]), 0)
            if pc.all(missing).as_py():
                columns[name] = pa.nulls(len(col))  # -> object column of None
                continue
            if pc.any(missing).as_py():
                col = pc.if_else(missing, pa.scalar(None, col.type), col)
        columns[name] = col
    return pa.table(columns).to_pandas()
