"""SQLite's floor for an edge-list load: Scout's statements with nothing else, text keys vs integer ids.

``scout ingest edges`` into an empty store cannot be faster than the SQL it runs.
This benchmark runs only that SQL, from Python, on rows prepared beforehand (not
timed; the accounts part includes the least bookkeeping any writer needs: which
of a batch's keys are new), into a new store with Scout's schema and its
bulk-load settings (secondary and identity indexes dropped, built at the end
with the same sort settings), one transaction per 100,000 events, each writing
the batch's new accounts (``INSERT OR IGNORE``) then its events. It does so
twice: with Scout's
``platform:id`` text keys in every event row, and with the events pointing at
accounts by integer id (the narrower store format a faster load would need),
which adds the per-event id lookups a writer would do. It prints the seconds of
each part and events/s, so that ``bench/ingest_csv.py``'s figures (the whole
command, and the sqlite3 shell) can be read against the floor.

Usage::

    .venv/bin/python bench/sqlite_floor.py                    # 1M heavy-tailed rows (generated)
    .venv/bin/python bench/sqlite_floor.py --csv e10m.csv --repeat 1
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.edges_csv import heavy_tailed_edges  # noqa: E402
from graph.sqlite_store import (  # noqa: E402
    _BULK_CACHE_KIB,
    _BULK_INDEXES,
    _IDENTITY_INDEX,
    _IDENTITY_SQL,
    _SORT_CACHE_KIB,
    _SORT_THREADS,
    SCHEMA,
    SqliteStore,
)

BATCH = 100_000
_TEXT_REFERENCES = ("source TEXT NOT NULL REFERENCES accounts(key) ON DELETE CASCADE,\n"
                    "    target TEXT NOT NULL REFERENCES accounts(key) ON DELETE CASCADE,")
_INTEGER_REFERENCES = "source INTEGER NOT NULL,\n    target INTEGER NOT NULL,"


def prepared_rows(csv: Path, platform: str = "generic") -> dict[str, list]:
    """The columns a load writes, from an edge list with ``source, target, kind, timestamp``."""
    table = pacsv.read_csv(csv).to_pandas()
    missing = {"source", "target", "kind", "timestamp"} - set(table.columns)
    if missing:
        raise SystemExit(f"{csv}: no column {', '.join(sorted(missing))} (needs source, target, kind, "
                         "timestamp in unix seconds)")
    n = len(table)
    return {
        "source": (platform + ":" + table["source"].astype(str)).tolist(),
        "target": (platform + ":" + table["target"].astype(str)).tolist(),
        "kind": table["kind"].astype(str).tolist(),
        "at": (table["timestamp"].to_numpy(dtype=np.int64) * 1000).tolist(),
        # As long as Scout's row ids ("row:" + 24 hex digits), unique per row.
        "post_id": [f"row:{i:024x}" for i in range(n)],
    }


def schema(integer_ids: bool) -> str:
    if not integer_ids:
        return SCHEMA
    if _TEXT_REFERENCES not in SCHEMA:
        raise SystemExit("the interactions table's references changed: update this benchmark")
    return SCHEMA.replace(_TEXT_REFERENCES, _INTEGER_REFERENCES)


def load(path: Path, rows: dict[str, list], integer_ids: bool, platform: str = "generic") -> dict[str, float]:
    """One load into a new store at ``path``: seconds per part."""
    with SqliteStore(path):  # the file, its pragmas (WAL), the meta rows
        pass
    conn = sqlite3.connect(path, isolation_level=None)
    if integer_ids:
        conn.execute("DROP TABLE interactions")
    conn.executescript(schema(integer_ids))
    conn.execute("PRAGMA foreign_keys=OFF")
    for name in (*_BULK_INDEXES, _IDENTITY_INDEX):
        conn.execute(f"DROP INDEX IF EXISTS {name}")
    conn.execute(f"PRAGMA cache_size=-{_BULK_CACHE_KIB}")
    n = len(rows["at"])
    ids: dict[str, int] = {}
    parts = {"accounts": 0.0, "events": 0.0, "commits": 0.0}
    cut = len(platform) + 1  # "platform:" before each id
    for start in range(0, n, BATCH):
        stop = min(start + BATCH, n)
        conn.execute("BEGIN IMMEDIATE")
        t = time.perf_counter()
        named = pd.unique(np.array(rows["source"][start:stop] + rows["target"][start:stop], dtype=object))
        new = [k for k in named.tolist() if k not in ids]
        first = len(ids) + 1
        ids.update(zip(new, range(first, first + len(new)), strict=True))
        conn.executemany("INSERT OR IGNORE INTO accounts(rowid, key, platform, platform_id) VALUES (?, ?, ?, ?)",
                         [(ids[k], k, platform, k[cut:]) for k in new])
        parts["accounts"] += time.perf_counter() - t
        t = time.perf_counter()
        source, target = rows["source"][start:stop], rows["target"][start:stop]
        if integer_ids:
            get = ids.__getitem__
            source, target = list(map(get, source)), list(map(get, target))
        conn.executemany(
            "INSERT INTO interactions(platform, post_id, kind, source, target, at) VALUES (?, ?, ?, ?, ?, ?)",
            zip([platform] * (stop - start), rows["post_id"][start:stop], rows["kind"][start:stop],
                source, target, rows["at"][start:stop], strict=True))
        parts["events"] += time.perf_counter() - t
        t = time.perf_counter()
        conn.execute("COMMIT")
        parts["commits"] += time.perf_counter() - t
    t = time.perf_counter()
    conn.execute(f"PRAGMA threads={_SORT_THREADS}")
    conn.execute(f"PRAGMA cache_size=-{_SORT_CACHE_KIB}")
    conn.execute("PRAGMA temp_store=FILE")
    conn.execute(_IDENTITY_SQL)
    conn.executescript(schema(integer_ids))  # the dropped secondary indexes
    parts["indexes"] = time.perf_counter() - t
    conn.close()
    parts["total"] = sum(parts.values())
    parts["size_mb"] = os.path.getsize(path) / 1e6
    return parts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, help="edge list (source,target,kind,timestamp); default: generated")
    parser.add_argument("--events", type=int, default=1_000_000, help="rows to generate without --csv")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="scout-sqlite-floor-") as tmp:
        csv = args.csv
        if csv is None:
            csv = Path(tmp) / "edges.csv"
            heavy_tailed_edges(args.events).to_csv(csv, index=False)
        rows = prepared_rows(csv)
        n = len(rows["at"])
        print(f"{csv.name}: {n:,} rows, {len(set(rows['source']) | set(rows['target'])):,} accounts; "
              f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        for i in range(args.repeat):
            for integer_ids in (False, True):
                db = Path(tmp) / f"floor{i}-{int(integer_ids)}.db"
                p = load(db, rows, integer_ids)
                print(f"{'integer ids' if integer_ids else 'text keys  '}  accounts {p['accounts']:5.2f} s  "
                      f"events {p['events']:5.2f} s  commits {p['commits']:5.2f} s  indexes {p['indexes']:5.2f} s  "
                      f"total {p['total']:6.2f} s = {n / p['total']:,.0f} events/s  ({p['size_mb']:,.0f} MB)",
                      flush=True)
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{db}{suffix}").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
