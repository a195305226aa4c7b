"""Edge lists: ``source,target`` CSV files from any platform.

Columns (case-insensitive; only ``source`` and ``target`` are required):

==========  ===========================================================================
source      who acts (a handle; on ``x`` a numeric id or a username)
target      whom the act is aimed at
kind        ``mention`` (default), ``reply``, ``repost`` (``retweet``), ``quote``, any name
timestamp   ISO 8601 (no offset = UTC) or unix seconds (values above 10^11 are taken
            as milliseconds); a row without one is rejected unless ``default_time`` is given
platform    default: the ``platform`` argument, else ``generic``
post_id     the event's id on its platform; without one the whole row is its identity
text        a snippet of the post
topics      ``;``-separated hashtags / topics
weight      a non-negative number (default 1)
==========  ===========================================================================

Without ``post_id``, :func:`graph.model.row_post_id` of the row's normalised
values (platform, kind, source, target, time, text, topics, weight) is the post
id, so ingesting the same file twice adds nothing — and two identical rows are
one event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graph.errors import InputError
from graph.model import (
    INTERACTION_COLUMNS,
    normalize_kind,
    normalize_platform,
    normalize_topic,
    row_post_ids,
    to_utc,
)
from ingest.csvfiles import CsvBlock, read_blocks
from ingest.identity import account_identities
from ingest.pipeline import Chunk
from ingest.sources import Input

EDGE_COLUMNS = ("source", "target", "kind", "timestamp", "platform", "post_id", "text", "topics", "weight")
EDGE_ALIASES: dict[str, str] = {
    **{c: c for c in EDGE_COLUMNS},
    "src": "source",
    "from": "source",
    "actor": "source",
    "dst": "target",
    "to": "target",
    "type": "kind",
    "interaction": "kind",
    "time": "timestamp",
    "date": "timestamp",
    "datetime": "timestamp",
    "created_at": "timestamp",
    "at": "timestamp",
    "ts": "timestamp",
    "id": "post_id",
    "post": "post_id",
    "tweet_id": "post_id",
    "message_id": "post_id",
    "hashtags": "topics",
    "tags": "topics",
    "topic": "topics",
}
#: Unix times above this are milliseconds (10^11 s is in the year 5138).
MS_THRESHOLD = 1e11


def parse_timestamps(values: pd.Series) -> pd.Series:
    """Vectorised timestamp parsing: ISO 8601 strings or unix seconds / milliseconds.

    Parameters
    ----------
    values : pandas.Series of str
        Blank strings are missing values.

    Returns
    -------
    pandas.Series
        ``datetime64[us, UTC]``; ``NaT`` where a value is missing or unreadable
        (whether a readable time is plausible is :mod:`ingest.pipeline`'s call).

    Examples
    --------
    >>> s = parse_timestamps(pd.Series(["2024-01-02T03:04:05Z", "1704164645", "x", ""]))
    >>> [str(v) for v in s]
    ['2024-01-02 03:04:05+00:00', '2024-01-02 03:04:05+00:00', 'NaT', 'NaT']
    """
    values = values.astype("string").str.strip()
    numeric = pd.to_numeric(values, errors="coerce")
    is_num = numeric.notna()
    # Microseconds hold any year up to 294,000, so a far-off date is a value the
    # time rule refuses per row, never an overflow that loses the file.
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
    if is_num.any():
        secs = numeric[is_num].astype("float64").to_numpy()
        # Whole microseconds, rounded: a float time such as 1700000000123 ms has
        # no exact binary value, and nanoseconds cannot go into this column.
        with np.errstate(all="ignore"):
            us = np.where(np.abs(secs) < MS_THRESHOLD, secs * 1e6, secs * 1e3)
            fits = np.isfinite(us) & (np.abs(us) < 9e18)
            whole = np.where(fits, np.round(us), 0).astype("int64")
        times = pd.Series(pd.to_datetime(whole, unit="us", utc=True), index=numeric.index[is_num])
        out[is_num] = times.where(fits, pd.NaT)
    text = ~is_num & values.fillna("").ne("")
    if text.any():
        parsed = pd.to_datetime(values[text], utc=True, errors="coerce", format="ISO8601")
        out[text] = parsed.dt.as_unit("us") if hasattr(parsed, "dt") else parsed
    return out


def parse_default_time(value: str | None) -> datetime | None:
    """``--default-time``: an ISO 8601 time or unix seconds, or ``None``.

    Raises
    ------
    InputError
        If ``value`` is given but unreadable.
    """
    if value is None:
        return None
    ts = parse_timestamps(pd.Series([value]))
    if ts.isna().iloc[0]:
        raise InputError(f"unreadable --default-time {value!r}: use ISO 8601 or unix seconds")
    return ts.iloc[0].to_pydatetime()


def _column(cells: dict[str, pd.Series], name: str, n: int) -> pd.Series:
    """A column's cells, stripped (``""`` when the file has no such column)."""
    if name in cells:
        return cells[name].reset_index(drop=True).str.strip()
    return pd.Series([""] * n, dtype="str")


def _factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, uniques)`` of a text column (object arrays hash much faster than Arrow ones)."""
    return pd.factorize(values.to_numpy(dtype=object))


def _map_unique(values: pd.Series, fn) -> tuple[pd.Series, pd.Series]:
    """Apply ``fn`` once per distinct value; returns (mapped, error reason or '')."""
    codes, uniques = _factorize(values)
    mapped = np.empty(len(uniques), dtype=object)
    errors = np.full(len(uniques), "", dtype=object)
    for i, v in enumerate(uniques.tolist()):
        try:
            mapped[i] = fn(v)
        except ValueError as exc:
            errors[i] = str(exc)
    return pd.Series(mapped[codes], dtype=object), pd.Series(errors[codes], dtype=object)


def _identities(platforms: pd.Series, raw: pd.Series) -> tuple[np.ndarray, ...]:
    """:func:`ingest.identity.account_identities` of each row, and its account key
    (``platform:platform_id``, ``None`` where refused), computed once per distinct value.

    Handles repeat a lot (a block of 100,000 rows names far fewer accounts), so
    with one platform for the whole block the rule runs on the distinct values
    only and the answers are spread back over the rows.
    """
    plat_codes, plat_uniques = _factorize(platforms)
    if len(plat_uniques) != 1:
        ids, handles, errors = account_identities(platforms, raw)
        keys = (platforms.astype(object) + ":" + pd.Series(ids, dtype=object)).to_numpy(dtype=object)
        return ids, handles, errors, keys
    codes, uniques = _factorize(raw)
    ids, handles, errors = account_identities(np.full(len(uniques), plat_uniques[0], dtype=object), uniques)
    keys = np.array([None if i is None else f"{plat_uniques[0]}:{i}" for i in ids.tolist()], dtype=object)
    return ids[codes], handles[codes], errors[codes], keys[codes]


def _topics(cell: str) -> str:
    """A ``;``-separated topics cell in store form (``;a;b;``, or ``""``)."""
    if not cell:
        return ""
    topics = [t for t in (normalize_topic(p) for p in cell.split(";")) if t]
    return ";" + ";".join(topics) + ";" if topics else ""


def _iso(at: pd.Series) -> pa.Array:
    """``datetime.isoformat()`` of UTC times, column-wise (what row ids hash), as Arrow text."""
    us = at.dt.tz_convert("UTC").dt.tz_localize(None).dt.as_unit("us").to_numpy()
    whole = (us.astype("int64") % 1_000_000) == 0
    if whole.all():
        text = pa.array(np.datetime_as_string(us, unit="s"))
    else:
        parts = np.datetime_as_string(us, unit="us").astype(object)
        parts[whole] = np.datetime_as_string(us[whole], unit="s")
        text = pa.array(parts, type=pa.string())
    return pc.binary_join_element_wise(text, "+00:00", "")


def _unix_seconds(values: pd.Series) -> pd.Series | None:
    """Whole unix seconds (the common case) straight to times; ``None`` when any cell is something else."""
    if not len(values) or not values.str.fullmatch(r"[0-9]{1,10}").all():
        return None
    secs = values.astype("int64").to_numpy()
    return pd.Series(pd.to_datetime(secs, unit="s", utc=True).as_unit("us"))


def edges_frame(
    cells: dict[str, np.ndarray],
    n: int,
    platform: str | None = None,
    default_time: datetime | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """Normalise rows of an edge list, all columns at once.

    Parameters
    ----------
    cells : dict
        Canonical column name → cell texts (see :class:`ingest.csvfiles.CsvBlock`).
    n : int
        Rows.
    platform, default_time
        As for :func:`iter_edge_chunks`.

    Returns
    -------
    tuple
        A frame with :data:`graph.model.INTERACTION_COLUMNS` (``topics`` as
        ``;a;b;`` text) plus ``source_id, source_handle, target_id,
        target_handle``, and a Series with the reason each row is rejected
        (``""`` for good rows).
    """
    reason = np.full(n, "", dtype=object)

    def reject(mask, why) -> None:
        """Give rows of ``mask`` not rejected yet the reason ``why``: a text, or a
        per-row array, or a function of the rows' positions (messages are built for
        rejected rows only)."""
        m = np.asarray(mask, dtype=bool) & (reason == "")
        if m.any():
            if callable(why):
                reason[m] = why(np.flatnonzero(m))
            else:
                reason[m] = why[m] if isinstance(why, np.ndarray) else why

    def quoted(col: pd.Series, prefix: str):
        return lambda rows: [prefix + repr(v) for v in col.iloc[rows].tolist()]

    default_platform = normalize_platform(platform) if platform else "generic"
    if "platform" in cells:
        plat_raw = _column(cells, "platform", n).str.lower()
        plat_raw = plat_raw.where(plat_raw.ne(""), default_platform)
    else:
        plat_raw = pd.Series(np.full(n, default_platform, dtype=object), dtype="str")
    plat, plat_err = _map_unique(plat_raw, normalize_platform)
    reject(plat_err.ne(""), plat_err.to_numpy())

    kind_raw = _column(cells, "kind", n)
    kind_raw = kind_raw.where(kind_raw.ne(""), "mention")
    kind, kind_err = _map_unique(kind_raw, normalize_kind)
    reject(kind_err.ne(""), kind_err.to_numpy())

    raw_src = _column(cells, "source", n)
    raw_dst = _column(cells, "target", n)
    reject(raw_src.str.lstrip("@").str.strip().eq(""), "empty source")
    reject(raw_dst.str.lstrip("@").str.strip().eq(""), "empty target")

    ts_raw = _column(cells, "timestamp", n)
    at = _unix_seconds(ts_raw)
    if at is None:
        at = parse_timestamps(ts_raw)
        if default_time is not None:
            at = at.where(ts_raw.ne(""), pd.Timestamp(to_utc(default_time)))
        else:
            reject(ts_raw.eq(""), "missing timestamp (add a timestamp column or use --default-time)")
        reject(at.isna(), quoted(ts_raw, "unreadable timestamp "))

    if "weight" in cells:
        w_raw = _column(cells, "weight", n)
        weight = pd.to_numeric(w_raw.where(w_raw.ne(""), "1"), errors="coerce")
        reject(weight.isna() | (weight < 0), quoted(w_raw, "weight must be a non-negative number, got "))
        weight = weight.astype("float64")
    else:
        weight = pd.Series(np.ones(n))

    # Rows refused so far need no identity; bad handles reject their row (the
    # platform of a rejected row may be unknown).
    plat_ok = plat.where(plat_err.eq(""), "generic")
    src_id, src_handle, src_err, src_key = _identities(plat_ok, raw_src)
    dst_id, dst_handle, dst_err, dst_key = _identities(plat_ok, raw_dst)
    reject(src_err != "", src_err)
    reject(dst_err != "", dst_err)

    if "topics" in cells:
        topics, _ = _map_unique(_column(cells, "topics", n), _topics)
    else:
        topics = pd.Series(np.full(n, "", dtype=object), dtype=object)
    if "text" in cells:
        text = _column(cells, "text", n)
        text = text.where(text.ne(""), None)
    else:
        text = pd.Series(np.full(n, None, dtype=object), dtype="str")
    out = pd.DataFrame(
        {
            "platform": plat,
            "post_id": _column(cells, "post_id", n),
            "kind": kind,
            "source": pd.Series(src_key, dtype=object),
            "target": pd.Series(dst_key, dtype=object),
            "at": at,
            "text": text,
            "topics": topics,
            "lang": None,
            "weight": weight,
            # Object columns as they are: inferring a text dtype would cost a copy each.
            "source_id": pd.Series(src_id, dtype=object),
            "source_handle": pd.Series(src_handle, dtype=object),
            "target_id": pd.Series(dst_id, dtype=object),
            "target_handle": pd.Series(dst_handle, dtype=object),
        }
    )
    return out, pd.Series(reason, dtype=object)


def _fill_row_ids(df: pd.DataFrame) -> None:
    """Rows without a ``post_id`` get :func:`graph.model.row_post_id` of their normalised values."""
    missing = df["post_id"].eq("").to_numpy()
    if not missing.any():
        return
    part = df.loc[missing] if not missing.all() else df
    w_codes, w_uniques = pd.factorize(part["weight"])
    w_text = np.array([repr(float(w)) for w in w_uniques], dtype=object)[w_codes]

    def text(col) -> pa.Array:
        return pa.array(np.asarray(col, dtype=object), type=pa.string())

    ids = row_post_ids([
        text(part["platform"]), text(part["kind"]), text(part["source_id"]), text(part["target_id"]),
        _iso(part["at"]), part["text"].astype("str").fillna(""), pc.utf8_trim(text(part["topics"]), ";"),
        text(w_text),
    ])
    if missing.all():
        df["post_id"] = pd.Series(ids, dtype="str", index=df.index)
    else:
        df.loc[missing, "post_id"] = np.asarray(ids, dtype=object)


def edges_chunk(block: CsvBlock, name: str, platform: str | None = None,
                default_time: datetime | None = None) -> Chunk:
    """Convert a block of rows into a column-wise :class:`Chunk`.

    Each rejected row gives one ``file:line: reason`` error.
    """
    chunk = Chunk()
    errors = [(line, why) for line, why in block.errors]
    n = len(block)
    if n:
        df, reason = edges_frame(block.cells, n, platform, default_time)
        bad = reason.ne("").to_numpy()
        if bad.any():
            errors.extend(zip(block.lines[bad].tolist(), reason[bad].tolist(), strict=True))
            df = df.loc[~bad].reset_index(drop=True)
        lines = block.lines[~bad]
        if len(df):
            _fill_row_ids(df)
            def both(a: str, b: str) -> pd.Series:
                return pd.Series(np.concatenate([df[a].to_numpy(dtype=object), df[b].to_numpy(dtype=object)]),
                                 dtype=object)

            accounts = pd.DataFrame({
                "key": both("source", "target"), "platform": both("platform", "platform"),
                "platform_id": both("source_id", "target_id"), "handle": both("source_handle", "target_handle"),
            })
            chunk.account_frame = accounts.drop_duplicates("key", keep="first").reset_index(drop=True)
            chunk.frame = df[list(INTERACTION_COLUMNS)]
            chunk.frame_lines = lines
            chunk.origin_name = name
            chunk.read = len(df)
    errors.sort()
    chunk.errors.extend(f"{name}:{line}: {why}" for line, why in errors)
    return chunk


def open_blocks(inp: Input, aliases: dict[str, str], required: list[list[str]], platform: str | None,
                delimiter: str | None, note: Callable[[str], None] | None, pad: bool = False
                ) -> tuple[str | None, Iterator[CsvBlock]]:
    """The start of a column-wise CSV reader: its default platform, normalised, and the file's
    blocks (:func:`ingest.csvfiles.read_blocks`); ``note`` is told about ignored columns.

    Raises
    ------
    InputError
        An invalid ``platform``, a missing required column, or a file that is not UTF-8 CSV.
    """
    if platform is not None:
        try:
            platform = normalize_platform(platform)
        except ValueError as exc:
            raise InputError(str(exc)) from None
    header, blocks = read_blocks(inp, aliases, required, delimiter, pad=pad)
    if header.ignored and note is not None:
        note(f"{inp.name}: ignoring column(s): {', '.join(header.ignored)}")
    return platform, blocks


def iter_edge_chunks(
    inp: Input,
    platform: str | None = None,
    default_time: datetime | None = None,
    delimiter: str | None = None,
    note: Callable[[str], None] | None = None,
) -> Iterator[Chunk]:
    """Parse an opened edge-list CSV into column-wise chunks for :func:`ingest.pipeline.run_ingest`.

    Parameters
    ----------
    inp : Input
        The opened file.
    platform : str, optional
        Platform of rows without a ``platform`` cell (default ``generic``).
    default_time : datetime, optional
        Time of rows without a ``timestamp`` cell (otherwise they are rejected).
    delimiter : str, optional
        Skip sniffing.
    note : callable, optional
        Told about ignored columns.

    Raises
    ------
    InputError
        Missing ``source`` / ``target`` columns, a bad ``platform`` argument, or a
        file that is not UTF-8 CSV.
    """
    platform, blocks = open_blocks(inp, EDGE_ALIASES, [["source"], ["target"]], platform, delimiter, note)
    for block in blocks:
        chunk = edges_chunk(block, inp.name, platform, default_time)
        chunk.position = inp.position()
        yield chunk
