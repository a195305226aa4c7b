"""Generate a heavy-tailed edge-list CSV shaped like a real Twitter interaction graph.

Most accounts appear in one or two interactions, a few in tens of thousands
(Pareto activity and popularity), usernames as handles, unix-second times.
Columns: ``source,target,kind,timestamp`` (no post id, as public edge lists have).

Usage::

    .venv/bin/python bench/edges_csv.py out.csv --events 1000000
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

KINDS = np.array(["mention", "reply", "repost", "quote"], dtype=object)
KIND_P = np.array([0.45, 0.2, 0.3, 0.05])


def heavy_tailed_edges(n_events: int, n_accounts: int | None = None, seed: int = 11) -> pd.DataFrame:
    """``source, target, kind, timestamp`` rows: heavy-tailed activity and attention.

    Parameters
    ----------
    n_events : int
        Rows.
    n_accounts : int, optional
        Size of the account pool (default ``n_events // 2``: most accounts seen once or twice).
    seed : int
        Random seed.

    Returns
    -------
    pandas.DataFrame
    """
    rng = np.random.default_rng(seed)
    n_accounts = n_accounts or max(n_events // 2, 10)
    activity = rng.pareto(1.1, n_accounts) + 1.0
    popularity = rng.pareto(0.9, n_accounts) + 1.0
    src = rng.choice(n_accounts, n_events, p=activity / activity.sum())
    dst = rng.choice(n_accounts, n_events, p=popularity / popularity.sum())
    dst = np.where(dst == src, (dst + 1) % n_accounts, dst)
    names = np.char.add("user_", np.arange(n_accounts).astype(str)).astype(object)
    ts = 1_700_000_000 + np.sort(rng.integers(0, 90 * 86400, n_events))
    return pd.DataFrame({
        "source": names[src],
        "target": names[dst],
        "kind": KINDS[rng.choice(len(KINDS), n_events, p=KIND_P)],
        "timestamp": ts,
    })


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--accounts", type=int, default=None)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args(argv)
    df = heavy_tailed_edges(args.events, args.accounts, args.seed)
    df.to_csv(args.out, index=False)
    print(f"{args.out}: {len(df):,} rows, {pd.unique(df[['source', 'target']].values.ravel()).size:,} accounts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
