"""Interactions as Parquet, partitioned by day: a portable copy of any store's events.

``scout export events --format parquet --out DIR`` writes ``DIR/day=YYYY-MM-DD/*.parquet``
(Hive-style partitions, one folder per UTC day) with :data:`PARQUET_COLUMNS`. The
Spark engine (:mod:`graph.spark_engine`) reads such a folder — from a local disk,
HDFS or object storage — so any store, the embedded SQLite file or a Neo4j
cluster, can feed a Spark cluster.

The store is read through its public interface one time slice at a time
(:data:`SLICE_DAYS`), so memory stays bounded by a slice whatever the window.
Texts are left out: they are personal data and the ranking does not need them
(the duplicate-text signal reads the few texts it needs from the store).

Examples
--------
>>> import pyarrow as pa
>>> parquet_schema().names
['platform', 'post_id', 'kind', 'source', 'target', 'at', 'topics', 'weight', 'day']
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from graph.errors import InputError

#: Columns of an events Parquet folder (``day`` is the partition column).
PARQUET_COLUMNS: tuple[str, ...] = ("platform", "post_id", "kind", "source", "target", "at",
                                    "topics", "weight")
#: The store is read this many days at a time.
SLICE_DAYS = 7
#: Partition column: the event's UTC day, ``YYYY-MM-DD``.
DAY_COLUMN = "day"


@dataclass(slots=True)
class ParquetExport:
    """What :func:`write_events_parquet` wrote."""

    path: Path
    rows: int
    days: int
    first_at: datetime | None
    last_at: datetime | None


def parquet_schema():
    """The Arrow schema of an events Parquet folder (with its ``day`` partition column)."""
    import pyarrow as pa

    return pa.schema([
        ("platform", pa.string()),
        ("post_id", pa.string()),
        ("kind", pa.string()),
        ("source", pa.string()),
        ("target", pa.string()),
        ("at", pa.timestamp("us", tz="UTC")),
        ("topics", pa.list_(pa.string())),
        ("weight", pa.float64()),
        (DAY_COLUMN, pa.string()),
    ])


def events_table(events: pd.DataFrame):
    """One slice of store events as an Arrow table of :func:`parquet_schema`.

    Examples
    --------
    >>> ev = pd.DataFrame({"platform": ["x"], "post_id": ["1"], "kind": ["reply"],
    ...                    "source": ["x:a"], "target": ["x:b"],
    ...                    "at": pd.to_datetime(["2024-05-01T10:00"], utc=True),
    ...                    "topics": [("ai",)], "weight": [1.0]})
    >>> events_table(ev).column("day").to_pylist()
    ['2024-05-01']
    """
    import pyarrow as pa

    at = pd.to_datetime(events["at"], utc=True).dt.as_unit("us")
    weight = (pd.to_numeric(events["weight"], errors="coerce") if "weight" in events
              else pd.Series(1.0, index=events.index))
    topics = events["topics"] if "topics" in events else pd.Series([()] * len(events))
    cols = {
        "platform": events["platform"].astype(str).tolist(),
        "post_id": events["post_id"].astype(str).tolist() if "post_id" in events
        else [""] * len(events),
        "kind": events["kind"].astype(str).tolist(),
        "source": events["source"].astype(str).tolist(),
        "target": events["target"].astype(str).tolist(),
        "at": at,
        "topics": [list(t) if isinstance(t, list | tuple) else [] for t in topics],
        "weight": weight.astype(float).tolist(),
        DAY_COLUMN: at.dt.strftime("%Y-%m-%d").tolist(),
    }
    return pa.Table.from_pydict(cols, schema=parquet_schema())


def write_events_parquet(store, path: str | Path, *, since: datetime | None = None,
                         until: datetime | None = None, kinds: Sequence[str] | None = None,
                         platforms: Sequence[str] | None = None, overwrite: bool = False,
                         slice_days: int = SLICE_DAYS,
                         progress: Callable[[int, int], None] | None = None) -> ParquetExport:
    """Write the store's interactions to ``path`` as Parquet partitioned by day.

    Parameters
    ----------
    store : graph.store.GraphStore
        Read through ``stats`` and ``interactions`` only.
    path : str or Path
        A folder; it must not exist, or be empty, unless ``overwrite``.
    since, until : datetime, optional
        Window ``since <= at < until`` (default: every event).
    kinds, platforms : sequence of str, optional
        Filters, as in :meth:`graph.store.GraphStore.interactions`.
    overwrite : bool
        Replace an existing folder (written aside first, swapped in at the end,
        so a failed export leaves the old folder as it was).
    slice_days : int
        Days read from the store at a time.
    progress : callable, optional
        Called with ``(rows written so far, slices done)``.

    Returns
    -------
    ParquetExport

    Raises
    ------
    InputError
        ``path`` exists and is not an empty folder (without ``overwrite``).
    """
    import pyarrow.parquet as pq

    out = Path(path)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} exists and is not a folder")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise InputError(f"{out} is not empty (use --overwrite to replace it)")
    stats = store.stats()
    first = since or stats.first_at
    # One second past the newest event: stores keep times at different precisions
    # (SQLite in milliseconds), and ``until`` is exclusive.
    last_bound = until or (stats.last_at + timedelta(seconds=1) if stats.last_at else None)
    tmp = out.parent / f".{out.name}.{uuid.uuid4().hex[:8]}.tmp"
    tmp.mkdir(parents=True)
    rows = 0
    days: set[str] = set()
    seen_first = seen_last = None
    try:
        if first is not None and last_bound is not None:
            start = pd.Timestamp(first).tz_convert("UTC") if pd.Timestamp(first).tzinfo \
                else pd.Timestamp(first).tz_localize("UTC")
            end = pd.Timestamp(last_bound).tz_convert("UTC") if pd.Timestamp(last_bound).tzinfo \
                else pd.Timestamp(last_bound).tz_localize("UTC")
            # Slices start at midnight so that each day's file is written by one slice.
            lo = start
            done = 0
            while lo < end:
                hi = min(lo.normalize() + pd.Timedelta(days=slice_days), end)
                df = store.interactions(since=lo.to_pydatetime(), until=hi.to_pydatetime(),
                                        kinds=list(kinds) if kinds else None,
                                        platforms=list(platforms) if platforms else None,
                                        with_text=False)
                if len(df):
                    table = events_table(df)
                    pq.write_to_dataset(table, root_path=str(tmp), partition_cols=[DAY_COLUMN],
                                        basename_template=f"part-{done:05d}-{{i}}.parquet")
                    rows += len(df)
                    days.update(table.column(DAY_COLUMN).unique().to_pylist())
                    at = pd.to_datetime(df["at"], utc=True)
                    seen_first = at.min() if seen_first is None else min(seen_first, at.min())
                    seen_last = at.max() if seen_last is None else max(seen_last, at.max())
                done += 1
                if progress is not None:
                    progress(rows, done)
                lo = hi
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ParquetExport(path=out, rows=rows, days=len(days),
                         first_at=seen_first.to_pydatetime() if seen_first is not None else None,
                         last_at=seen_last.to_pydatetime() if seen_last is not None else None)


def read_events_parquet(path: str | Path) -> pd.DataFrame:
    """Read an events Parquet folder back into a store-shaped DataFrame (small data, tests).

    ``topics`` become tuples and the ``day`` partition column is dropped.
    """
    import pyarrow.dataset as ds

    table = ds.dataset(str(path), format="parquet", partitioning="hive").to_table()
    df = table.to_pandas()
    df = df.drop(columns=[DAY_COLUMN], errors="ignore")
    df["topics"] = [tuple(t) if t is not None else () for t in df["topics"]]
    df["at"] = pd.to_datetime(df["at"], utc=True)
    return df.sort_values("at", kind="stable", ignore_index=True)
