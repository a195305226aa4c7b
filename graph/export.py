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
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from graph.errors import InputError
from graph.model import clean_text

FORMATS: tuple[str, ...] = ("table", "csv", "json", "xlsx")
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: object) -> object:
    """Make a text value safe in any export: no formula, no control characters.

    Control characters (which XLSX cannot hold at all), lone surrogates and
    bidi overrides are removed (:func:`graph.model.clean_text`; tabs and line
    breaks stay), then a value that a spreadsheet would read as a formula is
    prefixed with ``'``. Non-text values are returned unchanged, so a store
    holding anything at all still exports.

    Examples
    --------
    >>> neutralize("@alice"), neutralize(-3), neutralize("ok"), neutralize("a\x07b")
    ("'@alice", -3, 'ok', 'ab')
    """
    if isinstance(value, str):
        if not (value.isascii() and value.isprintable()):
            value = clean_text(value, multiline=True)
        if value.startswith(_DANGEROUS):
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


FORMATS = ("csv", "json", "xlsx")


def table_bytes(df: pd.DataFrame, fmt: str, sheet_name: str = "leaders", bom: bool = False) -> bytes:
    """Encode a table as CSV, JSON or XLSX, with every text cell spreadsheet-safe.

    JSON is neutralised too: exported JSON is often opened in a spreadsheet.

    Parameters
    ----------
    df : pandas.DataFrame
    fmt : {"csv", "json", "xlsx"}
    sheet_name : str
        XLSX sheet name (characters Excel forbids are replaced; 31 at most).
    bom : bool
        Start CSV with a UTF-8 byte-order mark, so that Excel reads accents right.

    Raises
    ------
    InputError
        Unknown format.

    Examples
    --------
    >>> table_bytes(pd.DataFrame({"h": ["=cmd", "ok"], "n": [-1, 2]}), "csv").decode().splitlines()
    ['h,n', "'=cmd,-1", 'ok,2']
    """
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}; choose csv, json or xlsx")
    safe = spreadsheet_safe(df)
    if fmt == "json":
        return (json.dumps(to_records(safe), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt == "csv":
        buf = io.StringIO()
        safe.to_csv(buf, index=False, lineterminator="\n")
        return buf.getvalue().encode("utf-8-sig" if bom else "utf-8")
    for col in safe.columns:  # openpyxl refuses time-zone-aware datetimes
        if isinstance(safe[col].dtype, pd.DatetimeTZDtype):
            safe[col] = safe[col].dt.tz_convert(None)
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        safe.to_excel(writer, index=False, sheet_name=excel_sheet_name(sheet_name))
    return out.getvalue()


def excel_sheet_name(name: str) -> str:
    """A valid Excel sheet name: no ``[]:*?/\\``, 1 to 31 characters."""
    clean = re.sub(r"[\[\]:*?/\\]", " ", name).strip() or "sheet"
    return clean[:31]


def write_table(df: pd.DataFrame, fmt: str, path: str | Path | None = None,
                stream: IO[str] | None = None, sheet_name: str = "leaders",
                make_dirs: bool = False) -> None:
    """Write a table as CSV, JSON or XLSX (spreadsheet-safe), to a file or a stream.

    A file is written with :func:`write_output`: atomically for a regular file,
    straight into a FIFO or device.

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
    make_dirs : bool
        Create missing parent folders (otherwise they are an error).

    Raises
    ------
    InputError
        Unknown format, XLSX without a file, or an output that cannot be written.

    Examples
    --------
    >>> buf = io.StringIO()
    >>> write_table(pd.DataFrame({"a": ["=1"], "b": [-2]}), "csv", stream=buf)
    >>> buf.getvalue().splitlines()
    ['a,b', "'=1,-2"]
    """
    if path is None and fmt.lower() == "xlsx":
        raise InputError("xlsx needs an output file (--out FILE.xlsx)")
    data = table_bytes(df, fmt, sheet_name=sheet_name)
    if path is None:
        (stream or sys.stdout).write(data.decode("utf-8"))
        return
    write_output(Path(path), data, make_dirs=make_dirs)


def write_output(path: Path, data: bytes, make_dirs: bool = False) -> None:
    """Write ``data`` to ``path`` the way a careful tool does.

    * an existing FIFO, character device or socket is written *into* (``/dev/stdout``,
      a named pipe), never replaced by a regular file;
    * a symlink is followed: its target is written, the link stays;
    * a regular file is replaced atomically (a temporary file in the same folder,
      then a rename), so a reader never sees half an export;
    * a missing parent folder is an error unless ``make_dirs``.

    Raises
    ------
    InputError
        The parent folder is missing (without ``make_dirs``), the path is a
        folder, or the file cannot be written.
    """
    try:
        target = path.resolve() if path.is_symlink() else path
        if target.exists() and not target.is_file():
            if target.is_dir():
                raise InputError(f"{path}: is a directory")
            with open(target, "wb") as f:  # a FIFO or device: write into it
                f.write(data)
            return
        if not target.parent.is_dir():
            if not make_dirs:
                raise InputError(f"{path}: folder {target.parent} does not exist "
                                 "(create it first)")
            target.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(target, data)
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to the regular file ``path`` through a temporary file and a rename."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file private; an export keeps the target's mode, or 0644.
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
