"""Benchmark listening: tag 1,000,000 stored interactions with their themes.

Usage::

    .venv/bin/python bench/listening.py                   # 1M interactions into a temporary SQLite store
    .venv/bin/python bench/listening.py --events 200000
    .venv/bin/python bench/listening.py --neo4j bolt://127.0.0.1:7687   # also Neo4j (WIPED)
    .venv/bin/python bench/listening.py --neo4j bolt://127.0.0.1:7687 --no-sqlite

Synthetic English and Spanish texts (with accents, hashtags, mentions and
links) over 100,000 accounts; five themes. Times the pure matching, the
one-off tagging through the store (:func:`graph.listening.tag_store`: read
with text, match, write the tags), and the real command users run,
``scout listen tag`` (a new process: start-up, configuration, the same work).
With ``--neo4j`` the same interactions are loaded into that Neo4j — **which is
emptied before and after** — and tagged there with the command too. The
figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
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


def write_config(path: Path) -> Path:
    """A ``scout.toml`` naming :data:`THEMES` (for the ``scout listen tag`` command)."""
    lines = []
    for t in THEMES:
        lines.append(f"[listening.themes.{t.name}]")
        lines.append(f'kind = "{t.kind}"')
        for field in ("keywords", "hashtags", "handles", "domains"):
            values = getattr(t, field)
            if values:
                lines.append(f"{field} = {json.dumps(list(values), ensure_ascii=False)}")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def run_command(uri: str, config: Path) -> tuple[float, dict]:
    """``scout --store URI listen --config CONFIG tag --json``: wall seconds and its output."""
    exe = Path(sys.executable).with_name("scout")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "ui.cli"]
    t0 = time.perf_counter()
    out = subprocess.run(  # noqa: S603 - our own CLI
        [*cmd, "--store", uri, "listen", "--config", str(config), "tag", "--json"],
        capture_output=True, text=True, check=False, env=os.environ.copy())
    secs = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"scout listen tag failed ({out.returncode}):\n{out.stderr}")
    lines = [ln for ln in out.stdout.splitlines() if ln.strip().startswith("{")]
    return secs, json.loads(lines[-1]) if lines else {}


def bench_neo4j(uri: str, ev: pd.DataFrame, config: Path) -> None:
    from graph.neo4j_store import Neo4jStore

    user = os.environ.get("SCOUT_NEO4J_USER", "neo4j")
    password = os.environ.get("SCOUT_NEO4J_PASSWORD", "scout-dev-password")
    os.environ.setdefault("SCOUT_NEO4J_USER", user)
    os.environ.setdefault("SCOUT_NEO4J_PASSWORD", password)
    store = Neo4jStore(uri, user=user, password=password)
    try:
        store.delete_everything()
        t0 = time.perf_counter()
        with store.bulk_load():
            for i in range(0, len(ev), 50_000):
                store.write_batch([], ev.iloc[i:i + 50_000])
        print(f"neo4j: loaded {len(ev):,} interactions in {time.perf_counter() - t0:.1f} s")
        secs, out = run_command(uri, config)
        print(f"neo4j: `scout listen tag` (the whole command) {secs:.1f} s for "
              f"{out.get('read', 0):,} interactions, {out.get('tagged', 0):,} tagged")
        secs, out = run_command(uri, config)
        print(f"neo4j: again (re-tag, same tags) {secs:.1f} s")
    finally:
        store.delete_everything()
        store.close()


def bench_sqlite(ev: pd.DataFrame, tmp: Path, config: Path) -> None:
    t0 = time.perf_counter()
    tags = tag_frame(ev, THEMES)
    t_match = time.perf_counter() - t0
    print(f"matching alone: {len(ev):,} texts × {len(THEMES)} themes in {t_match:.1f} s "
          f"({len(ev) / t_match:,.0f} texts/s); {int((tags.map(len) > 0).sum()):,} match")
    store = SqliteStore(tmp / "bench.db")
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
    secs, out = run_command(f"sqlite:///{tmp / 'bench.db'}", config)
    print(f"`scout listen tag` (the whole command, SQLite): {secs:.1f} s for "
          f"{out.get('read', 0):,} interactions, {out.get('tagged', 0):,} tagged")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--neo4j", metavar="URI",
                    help="also tag in this Neo4j (EMPTIED before and after)")
    ap.add_argument("--no-sqlite", action="store_true", help="Neo4j only")
    args = ap.parse_args()
    ev = synthetic(args.events)
    with tempfile.TemporaryDirectory() as tmp:
        config = write_config(Path(tmp) / "scout.toml")
        if not args.no_sqlite:
            bench_sqlite(ev, Path(tmp), config)
        if args.neo4j:
            bench_neo4j(args.neo4j, ev, config)


if __name__ == "__main__":
    main()
