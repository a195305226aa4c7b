"""Export tables safely: CSV, JSON, XLSX, without spreadsheet formula injection.

A spreadsheet treats a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return as a formula. An account handle or a bio is user-controlled
text, so every *text* cell starting with one of these characters is prefixed
with a single quote (OWASP "CSV injection" advice). Numbers stay numbers: a
negative number is a number, not text, and is left alone.

Examples
--------
>>> df = pd.DataFrame({"handle": ["=HYPERLINK(1)", "bob", "-x"], "score": [-1.5, 2.0, 3.0]})
>>> spreadsheet_safe(df).to_dict("list")
{'handle': ["'=HYPERLINK(1)", 'bob', "'-x"], 'score': [-1.5, 2.0, 3.0]}
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from graph.errors import InputError

FORMATS: tuple[str, ...] = ("table", "csv", "json", "xlsx")
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: object) -> object:
    """Prefix a text value that a spreadsheet would read as a formula with ``'``.

    Non-text values are returned unchanged.

    Examples
    --------
    >>> neutralize("@alice"), neutralize(-3), neutralize("ok")
    ("'@alice", -3, 'ok')
    """
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` where every dangerous text cell is neutralised.

    Only object/string columns are touched; numeric, boolean and datetime
    columns are returned as they are. Column names are neutralised too.

    Parameters
    ----------
    df : pandas.DataFrame

    Returns
    -------
    pandas.DataFrame
    """
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype):
            out[col] = s.astype(object).map(neutralize)
    out.columns = [neutralize(c) if isinstance(c, str) else c for c in out.columns]
    return out


def _jsonable(v: object) -> object:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if v is pd.NA or v is pd.NaT:
        return None
    return v


def to_records(df: pd.DataFrame) -> list[dict]:
    """Rows as JSON-friendly dicts (NaN → null, numpy scalars → Python)."""
    cols = list(df.columns)
    return [{c: _jsonable(v) for c, v in zip(cols, row, strict=True)}
            for row in df.itertuples(index=False, name=None)]


def write_table(df: pd.DataFrame, fmt: str, path: str | Path | None = None,
                stream: IO[str] | None = None, sheet_name: str = "leaders") -> None:
    """Write a table as CSV, JSON or XLSX (spreadsheet-safe), to a file or a stream.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    fmt : {"csv", "json", "xlsx"}
        Output format (``table`` is the CLI's rich rendering, not handled here).
    path : str or Path, optional
        Output file; ``None`` writes CSV/JSON to ``stream`` (default stdout).
    stream : text stream, optional
        Where CSV/JSON go when there is no ``path``.
    sheet_name : str
        XLSX sheet name.

    Raises
    ------
    InputError
        Unknown format, or XLSX without a file.

    Examples
    --------
    >>> buf = io.StringIO()
    >>> write_table(pd.DataFrame({"a": ["=1"], "b": [-2]}), "csv", stream=buf)
    >>> buf.getvalue().splitlines()
    ['a,b', "'=1,-2"]
    """
    fmt = fmt.lower()
    if fmt not in ("csv", "json", "xlsx"):
        raise InputError(f"unknown export format {fmt!r}; choose csv, json or xlsx")
    if fmt == "json":
        text = json.dumps(to_records(df), ensure_ascii=False, indent=2) + "\n"
        _emit(text, path, stream)
        return
    safe = spreadsheet_safe(df)
    if fmt == "csv":
        buf = io.StringIO()
        safe.to_csv(buf, index=False, lineterminator="\n")
        _emit(buf.getvalue(), path, stream)
        return
    if path is None:
        raise InputError("xlsx needs an output file (--out FILE.xlsx)")
    safe.to_excel(Path(path), index=False, sheet_name=sheet_name[:31], engine="openpyxl")


def _emit(text: str, path: str | Path | None, stream: IO[str] | None) -> None:
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    else:
        (stream or sys.stdout).write(text)
