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
    Account,
    normalize_kind,
    normalize_platform,
    normalize_topic,
    row_post_id,
    to_utc,
)
from ingest.csvfiles import CsvHeader, chunked, open_csv
from ingest.identity import account_identity
from ingest.pipeline import Chunk
from ingest.records import Edge
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


def _column(df: pd.DataFrame, name: str) -> pd.Series:
    if name in df.columns:
        return df[name].fillna("").astype(str).str.strip()
    return pd.Series([""] * len(df), index=df.index, dtype=object)


def _map_unique(values: pd.Series, fn) -> tuple[pd.Series, pd.Series]:
    """Apply ``fn`` once per distinct value; returns (mapped, error reason or '')."""
    mapping: dict[str, str] = {}
    errors: dict[str, str] = {}
    for v in values.unique():
        try:
            mapping[v] = fn(v)
        except ValueError as exc:
            errors[v] = str(exc)
    reasons = values.map(lambda v: errors.get(v, "")).astype(object)
    return values.map(mapping), reasons


def edges_frame(
    rows: list[list[str]],
    header: CsvHeader,
    platform: str | None = None,
    default_time: datetime | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """Normalise rows of an edge list, all columns at once.

    Returns
    -------
    tuple
        A frame with ``platform, kind, source_id, source_handle, target_id,
        target_handle, at, text, topics, weight, post_id`` and a Series with the
        reason each row is rejected (``""`` for good rows).
    """
    index = header.index()
    width = len(header.columns)
    data = {name: [r[i] if i < len(r) else "" for r in rows] for name, i in index.items()}
    df = pd.DataFrame(data, dtype=object)
    n = len(rows)
    reason = pd.Series([""] * n, dtype=object)

    def reject(mask: pd.Series, why: str | pd.Series) -> None:
        m = mask & reason.eq("")
        if m.any():
            reason[m] = why[m] if isinstance(why, pd.Series) else why

    # Trailing empty cells (a trailing delimiter) are harmless; anything else is a broken row.
    bad_width = pd.Series([len(r) < width or any(c.strip() for c in r[width:]) for r in rows])
    reject(bad_width, pd.Series([f"expected {width} fields, got {len(r)}" for r in rows], dtype=object))

    default_platform = normalize_platform(platform) if platform else "generic"
    plat_raw = _column(df, "platform").str.lower()
    plat_raw = plat_raw.where(plat_raw.ne(""), default_platform)
    plat, plat_err = _map_unique(plat_raw, normalize_platform)
    reject(plat_err.ne(""), plat_err)

    kind_raw = _column(df, "kind")
    kind_raw = kind_raw.where(kind_raw.ne(""), "mention")
    kind, kind_err = _map_unique(kind_raw, normalize_kind)
    reject(kind_err.ne(""), kind_err)

    src = _column(df, "source").str.lstrip("@").str.strip()
    dst = _column(df, "target").str.lstrip("@").str.strip()
    reject(src.eq(""), "empty source")
    reject(dst.eq(""), "empty target")

    ts_raw = _column(df, "timestamp")
    at = parse_timestamps(ts_raw)
    if default_time is not None:
        at = at.where(ts_raw.ne(""), pd.Timestamp(to_utc(default_time)))
    else:
        reject(ts_raw.eq(""), "missing timestamp (add a timestamp column or use --default-time)")
    reject(at.isna(), "unreadable timestamp " + ts_raw.map(repr))

    w_raw = _column(df, "weight")
    weight = pd.to_numeric(w_raw.where(w_raw.ne(""), "1"), errors="coerce")
    reject(weight.isna() | (weight < 0), "weight must be a non-negative number, got " + w_raw.map(repr))

    out = pd.DataFrame(
        {
            "platform": plat,
            "kind": kind,
            "source": src,
            "target": dst,
            "at": at,
            "text": _column(df, "text"),
            "topics": _column(df, "topics"),
            "weight": weight,
            "post_id": _column(df, "post_id"),
            "raw_source": _column(df, "source"),
            "raw_target": _column(df, "target"),
        }
    )
    return out, reason


def _topics(cell: str) -> tuple[str, ...]:
    if not cell:
        return ()
    return tuple(t for t in (normalize_topic(p) for p in cell.split(";")) if t)


def edges_chunk(
    block: list[tuple[int, list[str] | str]],
    header: CsvHeader,
    name: str,
    platform: str | None = None,
    default_time: datetime | None = None,
) -> Chunk:
    """Convert a block of ``(line, cells)`` rows into a :class:`Chunk`.

    Each rejected row gives one ``file:line: reason`` error.
    """
    chunk = Chunk()
    good = [(line, cells) for line, cells in block if not isinstance(cells, str)]
    chunk.errors.extend(f"{name}:{line}: {cells}" for line, cells in block if isinstance(cells, str))
    if not good:
        return chunk
    lines = [line for line, _ in good]
    df, reason = edges_frame([cells for _, cells in good], header, platform, default_time)
    accounts: dict[str, Account] = {}
    interactions = chunk.interactions
    at_list = df["at"].tolist()
    cols = zip(
        lines,
        reason.tolist(),
        df["platform"].tolist(),
        df["kind"].tolist(),
        df["raw_source"].tolist(),
        df["raw_target"].tolist(),
        at_list,
        df["text"].tolist(),
        df["topics"].tolist(),
        df["weight"].tolist(),
        df["post_id"].tolist(),
        strict=True,
    )
    # Handles and topic cells repeat a lot: convert each distinct value once.
    identities: dict[tuple[str, str], tuple[str, str | None]] = {}
    topic_cells: dict[str, tuple[str, ...]] = {}

    def identity(plat: str, value: str) -> tuple[str, str | None]:
        got = identities.get((plat, value))
        if got is None:
            got = identities[(plat, value)] = account_identity(plat, value)
        return got

    for line, why, plat, kind, raw_src, raw_dst, at, text, topics_cell, weight, post_id in cols:
        if why:
            chunk.errors.append(f"{name}:{line}: {why}")
            continue
        try:
            src_id, src_handle = identity(plat, raw_src)
            dst_id, dst_handle = identity(plat, raw_dst)
            topics = topic_cells.get(topics_cell)
            if topics is None:
                topics = topic_cells[topics_cell] = _topics(topics_cell)
            when = at.to_pydatetime()
            if not post_id:
                post_id = row_post_id(
                    plat, kind, src_id, dst_id, when.isoformat(), text, ";".join(topics), repr(float(weight))
                )
            edge = Edge(
                plat,
                post_id,
                kind,
                f"{plat}:{src_id}",
                f"{plat}:{dst_id}",
                when,
                text or None,
                topics,
                None,
                float(weight),
            )
            # Accounts before the edge: a handle the data model refuses rejects the row.
            for pid, handle in ((src_id, src_handle), (dst_id, dst_handle)):
                key = f"{plat}:{pid}"
                if key not in accounts:
                    accounts[key] = Account(plat, pid, handle=handle)
        except ValueError as exc:
            chunk.errors.append(f"{name}:{line}: {exc}")
            continue
        interactions.append(edge)
        chunk.origins.append(f"{name}:{line}")
        chunk.read += 1
    chunk.accounts.extend(accounts.values())
    return chunk


def iter_edge_chunks(
    inp: Input,
    platform: str | None = None,
    default_time: datetime | None = None,
    delimiter: str | None = None,
    warn=None,
) -> Iterator[Chunk]:
    """Parse an opened edge-list CSV into chunks for :func:`ingest.pipeline.run_ingest`.

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
    header, rows = open_csv(inp, EDGE_ALIASES, [["source"], ["target"]], delimiter)
    if header.ignored and warn is not None:
        warn(f"{inp.name}: ignoring column(s): {', '.join(header.ignored)}")
    for block in chunked(rows):
        chunk = edges_chunk(block, header, inp.name, platform, default_time)
        chunk.position = inp.position()
        yield chunk
