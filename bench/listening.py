"""Benchmark listening: tag 1,000,000 stored interactions with their themes.

Usage::

    .venv/bin/python bench/listening.py                   # 1M interactions into a temporary SQLite store
    .venv/bin/python bench/listening.py --events 200000

Synthetic English and Spanish texts (with accents, hashtags, mentions and
links) over 100,000 accounts; five themes. Times the one-off tagging
(`scout listen tag`: read with text, match, write the tags) and the pure
matching alone. The figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.listening import Theme, tag_frame, tag_store  # noqa: E402
from graph.sqlite_store import SqliteStore  # noqa: E402

THEMES = [
    Theme("acme", "brand", keywords=("acme", "analítica acme"), hashtags=("acmedata",),
          handles=("acme_hq",), domains=("acme.io",)),
    Theme("rocket", "competitor", keywords=("rocket data",), handles=("rocketdata",)),
    Theme("orbit", "competitor", keywords=("orbit labs", "orbit"), domains=("orbitlabs.com",)),
    Theme("observability", "market", keywords=("data observability",
                                                "observabilidad de datos"),
          hashtags=("dataobservability", "observabilidad")),
    Theme("pricing", "market", keywords=("pricing", "precio", "precios")),
]
PHRASES = np.array([
    "Me encanta la analítica ACME para la observabilidad de datos",
    "Rocket Data just shipped a new release, thoughts?",
    "¿Alguien probó Orbit Labs? El precio parece alto",
    "Great thread on #DataObservability by @acme_hq",
    "see https://docs.acme.io/pricing for details",
    "Lunch plans anyone?",
    "Qué día más largo, mañana seguimos",
    "orbitlabs.com has a webinar on pipelines #observabilidad",
    "We migrated from acmecorp tooling last year",
    "Nothing to see here, just dbt models and coffee",
], dtype=object)


def synthetic(n: int, n_accounts: int = 100_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    at = pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 90 * 86400, n), unit="s")
    return pd.DataFrame({
        "platform": "x", "post_id": np.arange(n).astype(str), "kind": "reply",
        "source": [f"x:{i}" for i in rng.integers(0, n_accounts, n)],
        "target": [f"x:{i}" for i in rng.integers(0, n_accounts, n)],
        "at": at, "text": PHRASES[rng.integers(0, len(PHRASES), n)] + " #" +
        rng.integers(0, 1000, n).astype(str),
        "topics": "", "lang": "", "weight": 1.0,
    })


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    args = ap.parse_args()
    ev = synthetic(args.events)
    t0 = time.perf_counter()
    tags = tag_frame(ev, THEMES)
    t_match = time.perf_counter() - t0
    print(f"matching alone: {len(ev):,} texts × {len(THEMES)} themes in {t_match:.1f} s "
          f"({len(ev) / t_match:,.0f} texts/s); {int((tags.map(len) > 0).sum()):,} match")
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "bench.db")
        t0 = time.perf_counter()
        with store.bulk_load():
            for i in range(0, len(ev), 100_000):
                store.write_batch([], ev.iloc[i:i + 100_000])
        print(f"loaded {len(ev):,} interactions into SQLite in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        out = tag_store(store, THEMES)
        t_tag = time.perf_counter() - t0
        print(f"tag_store (read with text, match, write tags): {t_tag:.1f} s for "
              f"{out['read']:,} interactions, {out['tagged']:,} tagged: {out['by_theme']}")
        t0 = time.perf_counter()
        n = len(store.theme_tags())
        print(f"reading the tags back: {n:,} rows in {time.perf_counter() - t0:.1f} s")
        store.close()


if __name__ == "__main__":
    main()
