"""Benchmark the Spark engine against the in-process ranking, and the in-process scaling.

Usage::

    .venv/bin/python bench/spark.py                          # 1M events: both engines
    .venv/bin/python bench/spark.py --events 10000000        # 10M events: both engines
    .venv/bin/python bench/spark.py --engine local --events 1000000 3000000 10000000 20000000
    .venv/bin/python bench/spark.py --master spark://head:7077 --driver-memory 8g

Data: ``bench/rank.py``'s generator (10 events per account by default), written
to Parquet partitioned by day as ``scout export events`` does. Each in-process
run happens in a child process so that its peak memory (RSS) is its own; the
Spark run reads the Parquet folder and prints its wall time, the driver's peak
RSS, and its agreement with the in-process ranking (Kendall τ of the top 100,
top-100 overlap, in-strength error). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def child_local(n_events: int, n_accounts: int, out: str | None) -> None:
    """In a fresh process: generate, rank in-process, print one JSON line of figures."""
    import gc

    from rank import synthetic

    from graph.ranking import RankConfig, rank_events

    events, accounts = synthetic(n_events, n_accounts, seed=7)
    gc.collect()
    data_gb = peak_rss_gb()
    t = time.perf_counter()
    result = rank_events(events, accounts, RankConfig())
    wall = time.perf_counter() - t
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out:
        result.table[["account", "score", "in_strength", "engagers", "pagerank"]].to_parquet(out)
    print(json.dumps({"events": n_events, "accounts": int(result.stats["accounts"]),
                      "edges": int(result.stats["edges"]), "wall_s": round(wall, 1),
                      "peak_rss_gb": round(peak_rss_gb(), 2), "data_rss_gb": round(data_gb, 2),
                      "worker_rss_gb": round(kids.ru_maxrss / 1024**2, 2),
                      "steps": {k: round(v, 1) for k, v in result.timings.items()}}))


def run_local(n_events: int, n_accounts: int, out: str | None = None) -> dict:
    cmd = [sys.executable, __file__, "--child-local", str(n_events), str(n_accounts)]
    if out:
        cmd += ["--child-out", out]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode:
        return {"events": n_events, "error": proc.stderr.strip().splitlines()[-1:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_spark(n_events: int, n_accounts: int, args, reference: str | None) -> dict:
    import pandas as pd
    import pyarrow.parquet as pq
    from rank import synthetic
    from scipy import stats

    from graph.event_parquet import events_table
    from graph.ranking import RankConfig
    from graph.spark_engine import SparkSettings, rank_events_spark, read_events, spark_session

    with tempfile.TemporaryDirectory(prefix="scout-bench-spark-") as tmp:
        events, accounts = synthetic(n_events, n_accounts, seed=7)
        t = time.perf_counter()
        step = 2_000_000  # write in slices: the Arrow copy of 10M rows is large
        for i in range(0, len(events), step):
            pq.write_to_dataset(events_table(events.iloc[i:i + step]), root_path=tmp,
                                partition_cols=["day"],
                                basename_template=f"part-{i // step:04d}-{{i}}.parquet")
        del events
        print(f"  parquet written in {time.perf_counter() - t:.1f} s", flush=True)
        settings = SparkSettings(master=args.master, driver_memory=args.driver_memory,
                                 partitions=args.partitions,
                                 conf={"spark.ui.enabled": "false"})
        t = time.perf_counter()
        spark = spark_session(settings)
        started = time.perf_counter() - t
        t0 = time.perf_counter()

        def progress(step: str) -> None:
            print(f"  {time.perf_counter() - t0:7.1f} s  {step}", flush=True)

        result = rank_events_spark(spark, read_events(spark, tmp), accounts, RankConfig(),
                                   progress=progress)
        wall = time.perf_counter() - t0
        out = {"events": n_events, "accounts": int(result.stats["accounts"]),
               "edges": int(result.stats["edges"]), "spark_start_s": round(started, 1),
               "wall_s": round(wall, 1), "driver_peak_rss_gb": round(peak_rss_gb(), 2),
               "pagerank_iterations": result.stats["pagerank_iterations"],
               "label_propagation_rounds": result.stats["label_propagation_rounds"],
               "steps": {k: round(v, 1) for k, v in result.timings.items()}}
        if reference and Path(reference).exists():
            local = pd.read_parquet(reference)
            top = local["account"].head(100)
            a = local.set_index("account")
            b = result.table.set_index("account").reindex(a.index)
            out["kendall_tau_top100"] = round(float(stats.kendalltau(
                a.loc[top, "score"], b.loc[top, "score"]).statistic), 4)
            out["top100_overlap"] = len(set(top) & set(result.table["account"].head(100)))
            err = (b["in_strength"] - a["in_strength"]).abs() / a["in_strength"].abs().clip(1e-300)
            out["in_strength_max_rel_err"] = float(err.max())
            out["engagers_equal"] = bool((a["engagers"] == b["engagers"]).all())
        spark.stop()
        return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, nargs="+", default=[1_000_000])
    p.add_argument("--per-account", type=int, default=10, help="events per account")
    p.add_argument("--engine", choices=["both", "local", "spark"], default="both")
    p.add_argument("--master", default="local[2]")
    p.add_argument("--driver-memory", default="3g")
    p.add_argument("--partitions", type=int, default=None)
    p.add_argument("--child-local", type=int, nargs=2, help=argparse.SUPPRESS)
    p.add_argument("--child-out", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child_local:
        child_local(*args.child_local, args.child_out)
        return
    print(f"== {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f}")
    for n in args.events:
        accounts = max(n // args.per_account, 10)
        ref = None
        with tempfile.TemporaryDirectory(prefix="scout-bench-ref-") as tmp:
            if args.engine in ("both", "local"):
                ref = str(Path(tmp) / "local.parquet") if args.engine == "both" else None
                print(f"-- in-process, {n:,} events / {accounts:,} accounts", flush=True)
                print(json.dumps(run_local(n, accounts, ref)), flush=True)
            if args.engine in ("both", "spark"):
                print(f"-- spark {args.master}, {n:,} events / {accounts:,} accounts", flush=True)
                print(json.dumps(run_spark(n, accounts, args, ref)), flush=True)


if __name__ == "__main__":
    main()
