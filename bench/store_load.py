"""Benchmark: load N synthetic interactions into each store; print events/s and peak RSS.

    python bench/store_load.py                      # 1,000,000 events over 100,000 accounts
    python bench/store_load.py --events 200000 --accounts 20000 --stores sqlite
    python bench/store_load.py --stores sqlite,neo4j --neo4j bolt://127.0.0.1:7687

Targets on a 2-core machine: SQLite >= 200,000 events/s, Neo4j >= 50,000 events/s
over Bolt with idempotent writes. Each store is loaded in a child process so that
the peak RSS printed is that store's own. The second pass re-writes every event
and measures the duplicate path (idempotence: nothing inserted).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

KINDS = np.array(["mention", "reply", "repost", "quote", "like", "comment"])


def synthetic_events(n: int, accounts: int, seed: int = 7) -> pd.DataFrame:
    """Heavy-tailed synthetic interactions (Zipf attention, uniform activity)."""
    rng = np.random.default_rng(seed)
    source = rng.integers(0, accounts, n)
    target = (rng.zipf(1.7, n) - 1 + rng.integers(0, accounts, n) // 50) % accounts
    at = pd.Timestamp("2026-08-01", tz="UTC") + pd.to_timedelta(
        np.sort(rng.integers(0, 90 * 86400, n)), unit="s"
    )
    return pd.DataFrame(
        {
            "platform": "x",
            "post_id": np.char.add("p", np.arange(n).astype(str)),
            "kind": KINDS[rng.integers(0, len(KINDS), n)],
            "source": np.char.add("x:", source.astype(str)),
            "target": np.char.add("x:", target.astype(str)),
            "at": at,
            "text": "synthetic post about #dataobservability",
            "topics": "dataobservability",
            "lang": "en",
            "weight": 1.0,
        }
    )


def load(store_uri: str, events: pd.DataFrame, batch: int, queue: mp.Queue) -> None:
    from graph.factory import open_store

    with open_store(store_uri) as store:
        store.delete_everything()
        t0 = time.perf_counter()
        inserted = 0
        with store.bulk_load():
            for i in range(0, len(events), batch):
                inserted += store.write_batch([], events.iloc[i : i + batch]).inserted
        t1 = time.perf_counter()
        dup = 0
        sample = events.iloc[: min(len(events), 200_000)]
        for i in range(0, len(sample), batch):
            dup += store.write_batch([], sample.iloc[i : i + batch]).duplicates
        t2 = time.perf_counter()
        df = store.interactions(with_text=False)
        t3 = time.perf_counter()
        if store_uri.startswith("bolt") or store_uri.startswith("neo4j"):
            store.delete_everything()
    queue.put(
        {
            "store": store_uri.split(":")[0],
            "events": len(events),
            "inserted": inserted,
            "load_s": round(t1 - t0, 2),
            "events_per_s": round(len(events) / (t1 - t0)),
            "rewrite_events_per_s": round(len(sample) / (t2 - t1)),
            "rewrite_duplicates": dup,
            "read_events_per_s": round(len(df) / (t3 - t2)),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
    )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", type=int, default=1_000_000)
    p.add_argument("--accounts", type=int, default=100_000)
    p.add_argument("--batch", type=int, default=50_000)
    p.add_argument("--stores", default="sqlite,neo4j")
    p.add_argument("--neo4j", default=os.environ.get("SCOUT_TEST_NEO4J_URI", "bolt://127.0.0.1:7687"))
    p.add_argument("--json", action="store_true", help="one JSON line per store")
    args = p.parse_args(argv)
    os.environ.setdefault("SCOUT_NEO4J_PASSWORD", "scout-dev-password")

    events = synthetic_events(args.events, args.accounts)
    targets = {"sqlite": 200_000, "neo4j": 50_000}
    for name in args.stores.split(","):
        if name == "sqlite":
            uri = f"sqlite:///{tempfile.mkdtemp(prefix='scout-bench-')}/bench.db"
        else:
            uri = args.neo4j
        q: mp.Queue = mp.get_context("fork").Queue()
        proc = mp.get_context("fork").Process(target=load, args=(uri, events, args.batch, q))
        proc.start()
        proc.join()
        if proc.exitcode != 0:
            print(f"{name}: failed (exit {proc.exitcode})", file=sys.stderr)
            continue
        r = q.get()
        if args.json:
            print(json.dumps(r))
        else:
            ok = "meets" if r["events_per_s"] >= targets[name] else "BELOW"
            print(
                f"{name:6s} {r['events']:>10,} events in {r['load_s']:>7.2f} s = "
                f"{r['events_per_s']:>9,} events/s ({ok} target {targets[name]:,}); "
                f"re-write {r['rewrite_events_per_s']:,}/s ({r['rewrite_duplicates']:,} duplicates); "
                f"read {r['read_events_per_s']:,}/s; peak RSS {r['peak_rss_mb']:,} MB"
            )


if __name__ == "__main__":
    main()
