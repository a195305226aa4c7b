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

from collections.abc import Iterator
from datetime import datetime

import numpy as np
import pandas as pd

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
        secs = numeric[is_num].astype("float64")
        secs = secs.where(secs.abs() < MS_THRESHOLD, secs / 1000.0)
        with np.errstate(all="ignore"):
            out[is_num] = pd.to_datetime(secs, unit="s", utc=True, errors="coerce")
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


def _map_unique(values: pd.Series, fn) -> tuple[pd.Series, pd.Series]:
    """Apply ``fn`` once per distinct value; returns (mapped, error reason or '')."""
    codes, uniques = pd.factorize(values)
    mapped = np.empty(len(uniques), dtype=object)
    errors = np.full(len(uniques), "", dtype=object)
    for i, v in enumerate(uniques.tolist()):
        try:
            mapped[i] = fn(v)
        except ValueError as exc:
            errors[i] = str(exc)
    return pd.Series(mapped[codes], dtype=object), pd.Series(errors[codes], dtype=object)


def _topics(cell: str) -> str:
    """A ``;``-separated topics cell in store form (``;a;b;``, or ``""``)."""
    if not cell:
        return ""
    topics = [t for t in (normalize_topic(p) for p in cell.split(";")) if t]
    return ";" + ";".join(topics) + ";" if topics else ""


def _iso(at: pd.Series) -> np.ndarray:
    """``datetime.isoformat()`` of UTC times, column-wise (what row ids hash)."""
    us = at.dt.tz_convert("UTC").dt.tz_localize(None).dt.as_unit("us").to_numpy()
    text = np.datetime_as_string(us, unit="us").astype(object)
    whole = (us.astype("int64") % 1_000_000) == 0
    out = pd.Series(text, dtype=object)
    out[whole] = out[whole].str.slice(0, 19)
    return (out + "+00:00").to_numpy(dtype=object)


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
    reason = pd.Series(np.full(n, "", dtype=object), dtype=object)

    def reject(mask: pd.Series, why: str | pd.Series) -> None:
        m = (mask & reason.eq("")).to_numpy(dtype=bool)
        if m.any():
            reason[m] = why[m] if isinstance(why, pd.Series) else why

    default_platform = normalize_platform(platform) if platform else "generic"
    plat_raw = _column(cells, "platform", n).str.lower()
    plat_raw = plat_raw.where(plat_raw.ne(""), default_platform)
    plat, plat_err = _map_unique(plat_raw, normalize_platform)
    reject(plat_err.ne(""), plat_err)

    kind_raw = _column(cells, "kind", n)
    kind_raw = kind_raw.where(kind_raw.ne(""), "mention")
    kind, kind_err = _map_unique(kind_raw, normalize_kind)
    reject(kind_err.ne(""), kind_err)

    raw_src = _column(cells, "source", n)
    raw_dst = _column(cells, "target", n)
    reject(raw_src.str.lstrip("@").str.strip().eq(""), "empty source")
    reject(raw_dst.str.lstrip("@").str.strip().eq(""), "empty target")

    ts_raw = _column(cells, "timestamp", n)
    at = parse_timestamps(ts_raw)
    if default_time is not None:
        at = at.where(ts_raw.ne(""), pd.Timestamp(to_utc(default_time)))
    else:
        reject(ts_raw.eq(""), "missing timestamp (add a timestamp column or use --default-time)")
    reject(at.isna(), "unreadable timestamp " + ts_raw.map(repr))

    w_raw = _column(cells, "weight", n)
    weight = pd.to_numeric(w_raw.where(w_raw.ne(""), "1"), errors="coerce")
    reject(weight.isna() | (weight < 0), "weight must be a non-negative number, got " + w_raw.map(repr))

    # Rows refused so far need no identity; bad handles reject their row (the
    # platform of a rejected row may be unknown).
    plat_ok = plat.where(plat_err.eq(""), "generic")
    src_id, src_handle, src_err = account_identities(plat_ok, raw_src)
    dst_id, dst_handle, dst_err = account_identities(plat_ok, raw_dst)
    reject(pd.Series(src_err != ""), pd.Series(src_err))
    reject(pd.Series(dst_err != ""), pd.Series(dst_err))

    topics_raw = _column(cells, "topics", n)
    topics, _ = _map_unique(topics_raw, _topics)
    text = _column(cells, "text", n)
    out = pd.DataFrame(
        {
            "platform": plat,
            "post_id": _column(cells, "post_id", n),
            "kind": kind,
            "source": plat_ok + ":" + pd.Series(src_id, dtype=object),
            "target": plat_ok + ":" + pd.Series(dst_id, dtype=object),
            "at": at,
            "text": text.where(text.ne(""), None),
            "topics": topics,
            "lang": None,
            "weight": weight.astype("float64"),
            "source_id": src_id,
            "source_handle": src_handle,
            "target_id": dst_id,
            "target_handle": dst_handle,
        }
    )
    return out, reason


def _fill_row_ids(df: pd.DataFrame) -> None:
    """Rows without a ``post_id`` get :func:`graph.model.row_post_id` of their normalised values."""
    missing = df["post_id"].eq("").to_numpy()
    if not missing.any():
        return
    part = df.loc[missing]
    weights = part["weight"]
    w_codes, w_uniques = pd.factorize(weights)
    w_text = np.array([repr(float(w)) for w in w_uniques], dtype=object)[w_codes]
    ids = row_post_ids([
        part["platform"].to_numpy(), part["kind"].to_numpy(), part["source_id"].to_numpy(),
        part["target_id"].to_numpy(), _iso(part["at"]), part["text"].fillna("").to_numpy(),
        part["topics"].str.strip(";").to_numpy(), w_text,
    ])
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
            accounts = pd.DataFrame({
                "key": np.concatenate([df["source"].to_numpy(), df["target"].to_numpy()]),
                "platform": np.concatenate([df["platform"].to_numpy()] * 2),
                "platform_id": np.concatenate([df["source_id"].to_numpy(), df["target_id"].to_numpy()]),
                "handle": np.concatenate([df["source_handle"].to_numpy(), df["target_handle"].to_numpy()]),
            })
            chunk.account_frame = accounts.drop_duplicates("key", keep="first").reset_index(drop=True)
            chunk.frame = df[list(INTERACTION_COLUMNS)]
            chunk.frame_lines = lines
            chunk.origin_name = name
            chunk.read = len(df)
    errors.sort()
    chunk.errors.extend(f"{name}:{line}: {why}" for line, why in errors)
    return chunk


def iter_edge_chunks(
    inp: Input,
    platform: str | None = None,
    default_time: datetime | None = None,
    delimiter: str | None = None,
    warn=None,
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
    warn : callable, optional
        Told about ignored columns.

    Raises
    ------
    InputError
        Missing ``source`` / ``target`` columns, a bad ``platform`` argument, or a
        file that is not UTF-8 CSV.
    """
    if platform is not None:
        try:
            platform = normalize_platform(platform)
        except ValueError as exc:
            raise InputError(str(exc)) from None
    header, blocks = read_blocks(inp, EDGE_ALIASES, [["source"], ["target"]], delimiter)
    if header.ignored and warn is not None:
        warn(f"{inp.name}: ignoring column(s): {', '.join(header.ignored)}")
    for block in blocks:
        chunk = edges_chunk(block, inp.name, platform, default_time)
        chunk.position = inp.position()
        yield chunk
