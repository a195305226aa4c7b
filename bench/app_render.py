"""Benchmark the web app: time to render the Leaders page with 100,000 ranked accounts.

Usage::

    .venv/bin/python bench/app_render.py                 # 100,000 accounts
    .venv/bin/python bench/app_render.py --accounts 1000000 --runs 3

A synthetic snapshot (heavy-tailed metrics, 1 % internal accounts, 40 communities,
topics, a few bots) is saved in a temporary SQLite store, then the page is run
with Streamlit's AppTest:

* **cold** — every cache empty: the ranking is read from the store, enriched with
  the current profiles, filtered and sent to the table;
* **warm** — the same page again (cached ranking; filtering and the table only);
* **filtered** — warm, with a search, a platform and a minimum followers filter;
* **all rows** — warm, the table holding every row (the "Rows: All" choice).

The target is 2 s for a cold render. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.model import Account, Person  # noqa: E402
from graph.ranking import METRIC_COLUMNS  # noqa: E402
from graph.sqlite_store import SqliteStore  # noqa: E402

APP = ROOT / "ui" / "app.py"
TARGET_SECONDS = 2.0
TOPICS = np.array(["dataeng", "ml", "analytics", "devops", "ai;ml", "dbt;dataeng", ""], dtype=object)


def synthetic_snapshot(n: int, seed: int = 7) -> tuple[list[Account], pd.DataFrame]:
    """``n`` accounts and a ranking table of them, as ``rank_store`` would save it."""
    rng = np.random.default_rng(seed)
    keys = np.array([f"x:{100000 + i}" for i in range(n)], dtype=object)
    handles = np.array([f"user_{i:07d}" for i in range(n)], dtype=object)
    followers = np.floor(rng.pareto(1.2, n) * 50).astype(np.int64)
    accounts = [
        Account("x", k[2:], handle=h, name=f"User {i}", followers=int(f))
        for i, (k, h, f) in enumerate(zip(keys, handles, followers, strict=True))
    ]
    metrics = {}
    for m in METRIC_COLUMNS:
        if m in ("topic_pagerank", "topic_in_strength"):
            continue
        metrics[m] = rng.pareto(1.5, n)
    metrics["reach"] = followers.astype(float)
    metrics["core"] = rng.integers(1, 30, n)
    metrics["engagers"] = rng.integers(0, 5000, n)
    metrics["automation"] = rng.random(n) ** 8
    score = np.sort(rng.random(n) * 100)[::-1]
    table = pd.DataFrame({
        "account": keys,
        "rank": np.arange(1, n + 1),
        "score": score,
        "handle": handles,
        "platform": "x",
        "segment": np.where(rng.random(n) < 0.01, "internal", "external"),
        "crm_status": rng.choice(["none", "customer", "prospect"], n, p=[0.95, 0.03, 0.02]),
        "community": rng.integers(0, 40, n),
        "community_coarse": rng.integers(0, 8, n),
        "automated": metrics["automation"] > 0.6,
        "topics": rng.choice(TOPICS, n),
        **metrics,
    })
    return accounts, table


def build_store(path: Path, n: int) -> None:
    t0 = time.perf_counter()
    accounts, table = synthetic_snapshot(n)
    store = SqliteStore(path)
    with store.bulk_load():
        store.upsert_accounts(accounts, batch_size=20_000)
    internal = table.loc[table["segment"] == "internal", "handle"]
    store.set_roster([Person(handle=h, platform="x") for h in internal])
    store.save_snapshot({"preset": "balanced", "metric_weights": {
        "pagerank": 0.25, "engagers": 0.2, "in_strength": 0.15, "authority": 0.1,
        "engagement_per_post": 0.1, "betweenness": 0.1, "reach": 0.1}}, table)
    store.close()
    print(f"store: {n:,} accounts and a snapshot of {len(table):,} rows "
          f"in {time.perf_counter() - t0:.1f}s ({path})")


def render(at, page: str | None = None) -> float:
    if page is not None:
        at.switch_page(page)
    t0 = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - t0
    if at.exception:
        raise SystemExit(f"the page failed: {at.exception[0].value}")
    return elapsed


def clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="repetitions of each measure")
    args = parser.parse_args()

    from streamlit.testing.v1 import AppTest

    with tempfile.TemporaryDirectory(prefix="scout-bench-app-") as tmp:
        db = Path(tmp) / "bench.db"
        build_store(db, args.accounts)
        os.environ["SCOUT_STORE"] = f"sqlite:///{db}"
        os.environ.pop("SCOUT_APP_PASSWORD", None)

        cold, warm, filtered, everything = [], [], [], []
        for _ in range(args.runs):
            at = AppTest.from_file(str(APP), default_timeout=300)
            at.run()  # registers the pages (Overview)
            clear_caches()
            cold.append(render(at, "views/leaders.py"))
            warm.append(render(at))
            rows = next(d for d in at.dataframe if d.key == "leaders_table_internal").value
            assert len(rows) == 500, len(rows)
            at.session_state["leaders_tab"] = "External"
            at.text_input(key="lf_search").input("user_00")
            at.number_input(key="lf_min_followers").set_value(10)
            filtered.append(render(at))
            at.text_input(key="lf_search").input("")
            at.number_input(key="lf_min_followers").set_value(0)
            at.selectbox(key="lf_rows").set_value("All")
            everything.append(render(at))
            shown = next(d for d in at.dataframe if d.key == "leaders_table_external").value
            clear_caches()

    def fmt(xs: list[float]) -> str:
        return f"median {statistics.median(xs):.2f}s (min {min(xs):.2f}, max {max(xs):.2f})"

    print(f"Leaders page, {args.accounts:,} ranked accounts, {args.runs} runs each:")
    print(f"  cold (empty caches)          {fmt(cold)}")
    print(f"  warm                         {fmt(warm)}")
    print(f"  warm, filtered               {fmt(filtered)}")
    print(f"  warm, all {len(shown):,} rows in the table {fmt(everything)}")
    verdict = "OK" if statistics.median(cold) <= TARGET_SECONDS else "over target"
    print(f"  target: cold ≤ {TARGET_SECONDS:.0f}s → {verdict}")


if __name__ == "__main__":
    main()
