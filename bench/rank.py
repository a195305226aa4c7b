"""Benchmark the ranking: speed and peak memory, and agreement with networkx.

Usage::

    .venv/bin/python bench/rank.py                     # 1M events / 100k accounts
    .venv/bin/python bench/rank.py --size large        # 10M events / 1M accounts
    .venv/bin/python bench/rank.py --size compare      # networkx vs fast engines, 50k events
    .venv/bin/python bench/rank.py --size small --sqlite   # also through a SqliteStore
    .venv/bin/python bench/rank.py --size heavy        # real-graph shape vs a plain networkx pipeline
    .venv/bin/python bench/rank.py --size heavy --no-networkx --profile   # Scout's stages only, profiled

Synthetic data: heavy-tailed activity and popularity (Zipf-like), planted
communities (80% of engagement stays inside), a 1% internal minority, a mix of
kinds over 90 days, and topics. The figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.ranking import RankConfig, rank_events  # noqa: E402

SIZES = {
    "small": (1_000_000, 100_000),
    "large": (10_000_000, 1_000_000),
    "compare": (50_000, 5_000),
    # Shaped like the real Twitter graph of issue 15 (563k interactions, 305k
    # accounts, most accounts in one or two interactions).
    "heavy": (563_000, 305_000),
}
KINDS = np.array(["like", "repost", "reply", "mention", "quote", "follow", "comment"], dtype=object)
KIND_P = np.array([0.40, 0.20, 0.15, 0.10, 0.05, 0.05, 0.05])
TOPICS = [("pricing",), ("api",), ("outage",), ("pricing", "api"), ("launch",), ()]


def peak_rss_gb() -> float:
    """Peak resident set size of this process so far, in GB (Linux: ru_maxrss is KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def current_rss_gb() -> float:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024**3


def synthetic(n_events: int, n_accounts: int, seed: int = 7,
              communities: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Heavy-tailed synthetic events and accounts, as the store would return them.

    Returns
    -------
    (events, accounts) : tuple of pandas.DataFrame
    """
    rng = np.random.default_rng(seed)
    communities = communities or max(n_accounts // 2000, 4)
    group = rng.integers(0, communities, n_accounts)
    # heavy-tailed propensities: activity (sources) and popularity (targets)
    activity = rng.pareto(1.5, n_accounts) + 1.0
    popularity = rng.pareto(1.2, n_accounts) + 1.0
    src = rng.choice(n_accounts, n_events, p=activity / activity.sum())
    # 80% of targets inside the source's community, drawn by popularity
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(communities + 1))
    pop_sorted = popularity[order]
    cum = np.cumsum(pop_sorted)
    inside = rng.random(n_events) < 0.8
    g = group[src]
    lo, hi = bounds[g], bounds[g + 1]
    base = np.where(lo > 0, cum[np.maximum(lo - 1, 0)], 0.0)
    u = base + rng.random(n_events) * (cum[hi - 1] - base)
    dst_in = order[np.minimum(np.searchsorted(cum, u), len(cum) - 1)]
    dst_out = rng.choice(n_accounts, n_events, p=popularity / popularity.sum())
    dst = np.where(inside, dst_in, dst_out)
    keys = np.array([f"x:{i}" for i in range(n_accounts)], dtype=object)
    t0 = pd.Timestamp("2024-01-01", tz="UTC").value
    at = t0 + rng.integers(0, 90 * 86_400, n_events) * 1_000_000_000
    topic_objs = np.empty(len(TOPICS), dtype=object)
    topic_objs[:] = TOPICS
    events = pd.DataFrame({
        "platform": "x",
        "kind": pd.array(KINDS[rng.choice(len(KINDS), n_events, p=KIND_P)], dtype="str"),
        # Arrow-backed strings, as the stores return them
        "source": pd.array(keys[src], dtype="str"),
        "target": pd.array(keys[dst], dtype="str"),
        "at": pd.to_datetime(at, utc=True),
        "topics": topic_objs[rng.integers(0, len(TOPICS), n_events)],
        "weight": 1.0,
    }).sort_values("at", kind="stable", ignore_index=True)
    internal = rng.random(n_accounts) < 0.01
    accounts = pd.DataFrame({
        "key": keys,
        "platform": "x",
        "handle": np.array([f"user{i}" for i in range(n_accounts)], dtype=object),
        "followers": np.round(popularity * 50).astype(np.int64),
        "following": rng.integers(10, 2000, n_accounts),
        "posts": rng.integers(0, 10_000, n_accounts),
        "created_at": pd.to_datetime(t0 - rng.integers(0, 3000, n_accounts) * 86_400 * 10**9,
                                     utc=True),
        "internal": internal,
        "crm_status": np.where(rng.random(n_accounts) < 0.02, "customer", "none"),
    })
    return events, accounts


def run_full(size: str, seed: int, betweenness_k: int, sqlite: bool) -> None:
    n_events, n_accounts = SIZES[size]
    print(f"== full ranking, {n_events:,} events over {n_accounts:,} accounts "
          f"({os.cpu_count()} cpus)")
    t = time.perf_counter()
    events, accounts = synthetic(n_events, n_accounts, seed)
    gc.collect()
    print(f"generated data in {time.perf_counter() - t:.1f} s; RSS {current_rss_gb():.2f} GB")
    config = RankConfig(betweenness_k=betweenness_k, topics=("pricing",))
    t, c = time.perf_counter(), time.process_time()
    result = rank_events(events, accounts, config)
    total, cpu = time.perf_counter() - t, time.process_time() - c
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"rank_events: {total:.1f} s wall, {cpu:.1f} s CPU here + "
          f"{kids.ru_utime + kids.ru_stime:.1f} s CPU in betweenness workers; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"peak RSS {peak_rss_gb():.2f} GB (data alone {current_rss_gb():.2f} GB now); "
          f"largest worker {kids.ru_maxrss / 1024**2:.2f} GB (mostly pages shared with the parent)")
    print(f"  {'step':<34} {'wall s':>8} {'cpu s':>8}")
    for step, secs in result.timings.items():
        print(f"  {step:<34} {secs:8.2f} {result.cpu_timings.get(step, 0.0):8.2f}")
    print(f"stats: {result.stats}")
    print(result.table.head(5)[["account", "rank", "score", "engagers", "pagerank",
                                "community"]].to_string(index=False))
    if sqlite:
        run_sqlite(events, accounts, config)


def run_sqlite(events: pd.DataFrame, accounts: pd.DataFrame, config: RankConfig) -> None:
    """Load the events into a SqliteStore and rank through the store interface."""
    import tempfile

    from graph.model import Account, Interaction
    from graph.ranking import rank_store
    from graph.sqlite_store import SqliteStore

    with tempfile.TemporaryDirectory() as d:
        store = SqliteStore(Path(d) / "bench.db")
        t = time.perf_counter()
        accts = [Account("x", k.split(":", 1)[1], handle=h, followers=int(f))
                 for k, h, f in zip(accounts["key"], accounts["handle"], accounts["followers"],
                                    strict=True)]
        store.upsert_accounts(accts)
        batch = []
        for i, row in enumerate(events.itertuples(index=False)):
            batch.append(Interaction("x", f"p{i}", row.kind, row.source, row.target,
                                     row.at.to_pydatetime(), topics=row.topics))
            if len(batch) == 50_000:
                store.write_batch([], batch)
                batch = []
        if batch:
            store.write_batch([], batch)
        print(f"sqlite: loaded in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        events_read = store.interactions(with_text=False)
        print(f"sqlite: read {len(events_read):,} events in {time.perf_counter() - t:.1f} s")
        del events_read
        t = time.perf_counter()
        out = rank_store(store, config)
        print(f"sqlite: rank_store (read + rank + snapshot) {time.perf_counter() - t:.1f} s; "
              f"snapshot {out.snapshot.id}; peak RSS {peak_rss_gb():.2f} GB")
        store.close()


def run_compare(seed: int) -> None:
    """networkx (the reference) vs the fast engines on the same graph."""
    import networkx as nx
    from scipy import stats

    from graph import centrality, community
    from graph.projection import project_events

    n_events, n_accounts = SIZES["compare"]
    events, _ = synthetic(n_events, n_accounts, seed)
    proj = project_events(events)
    a = proj.adjacency
    n = proj.n
    print(f"== networkx vs fast engines: {n_events:,} events, {n:,} nodes, {a.nnz:,} edges")
    t = time.perf_counter()
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    coo = a.tocoo()
    g.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(),
                                  strict=True))
    print(f"{'build networkx graph':<28} {time.perf_counter() - t:8.2f} s")
    rows = []

    def timed(fn):
        t0 = time.perf_counter()
        out = fn()
        return out, time.perf_counter() - t0

    pr_nx, t_nx = timed(lambda: nx.pagerank(g, tol=1e-12 / n, max_iter=1000))
    pr, t_fast = timed(lambda: centrality.pagerank(a))
    v = np.array([pr_nx[i] for i in range(n)])
    rows.append(("pagerank", t_nx, t_fast, f"spearman {stats.spearmanr(v, pr).statistic:.6f}, "
                 f"max |Δ| {np.abs(v - pr).max():.1e}"))
    (h_nx, a_nx), t_nx = timed(lambda: nx.hits(g))
    (h, au), t_fast = timed(lambda: centrality.hits(a))
    v = np.array([a_nx[i] for i in range(n)])
    rows.append(("hits authority", t_nx, t_fast,
                 f"spearman {stats.spearmanr(v, au).statistic:.6f}"))
    k = 256
    b_nx, t_nx = timed(lambda: nx.betweenness_centrality(g, k=k, seed=seed))
    b, t_fast = timed(lambda: centrality.betweenness(a, k=k, seed=seed))
    v = np.array([b_nx[i] for i in range(n)])
    rows.append((f"betweenness k={k}", t_nx, t_fast, f"max |Δ| {np.abs(v - b).max():.1e}"))
    gu = g.to_undirected()
    c_nx, t_nx = timed(lambda: nx.core_number(gu))
    c, t_fast = timed(lambda: centrality.core_number(a))
    v = np.array([c_nx[i] for i in range(n)])
    rows.append(("core_number", t_nx, t_fast, f"exact match {bool((v == c).all())}"))
    w = community.symmetrize(a)
    gw = nx.from_scipy_sparse_array(w)
    louv, t_nx = timed(lambda: nx.community.louvain_communities(gw, seed=seed))
    (fine, _), t_fast = timed(lambda: community.communities(a, seed=seed))
    q_nx = nx.community.modularity(gw, louv)
    q = community.modularity(a, fine)
    rows.append(("communities", t_nx, t_fast,
                 f"modularity nx louvain {q_nx:.4f} ({len(louv)}) vs leiden {q:.4f} "
                 f"({fine.max() + 1})"))
    print(f"{'metric':<20} {'networkx s':>10} {'fast s':>8}  agreement")
    for name, tn, tf, agree in rows:
        print(f"{name:<20} {tn:10.2f} {tf:8.3f}  {agree}")


def heavy_events(n_events: int, n_accounts: int, seed: int) -> pd.DataFrame:
    """The heavy-tailed edge list of ``bench/edges_csv.py`` as the store returns events."""
    from bench.edges_csv import heavy_tailed_edges

    edges = heavy_tailed_edges(n_events, n_accounts, seed)
    return pd.DataFrame({
        "platform": "x",
        "kind": pd.array(edges["kind"].to_numpy(), dtype="str"),
        "source": pd.array(("x:" + edges["source"]).to_numpy(), dtype="str"),
        "target": pd.array(("x:" + edges["target"]).to_numpy(), dtype="str"),
        "at": pd.to_datetime(edges["timestamp"], unit="s", utc=True),
        "topics": [()] * len(edges),
        "weight": 1.0,
    })


def networkx_pipeline(a, k: int, seed: int) -> dict[str, float]:
    """The plain networkx pipeline: the same metrics on the same weighted graph; seconds per stage."""
    import networkx as nx

    from graph import community

    times: dict[str, float] = {}
    t = time.perf_counter()
    g = nx.DiGraph()
    g.add_nodes_from(range(a.shape[0]))
    coo = a.tocoo()
    g.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True))
    times["build graph"] = time.perf_counter() - t
    for name, fn in (
        ("pagerank", lambda: nx.pagerank(g)),
        ("hits", lambda: nx.hits(g, max_iter=1000)),
        (f"betweenness k={k}", lambda: nx.betweenness_centrality(g, k=min(k, a.shape[0]), seed=seed)),
        ("k-core", lambda: nx.core_number(nx.Graph(g.to_undirected()))),
        ("louvain", lambda: nx.community.louvain_communities(
            nx.from_scipy_sparse_array(community.symmetrize(a)), seed=seed)),
    ):
        t = time.perf_counter()
        try:
            fn()
        except nx.PowerIterationFailedConvergence:
            pass  # timed all the same: it ran its iterations
        times[name] = time.perf_counter() - t
        print(f"  networkx {name:<24} {times[name]:8.1f} s", flush=True)
    return times


def run_heavy(seed: int, betweenness_k: int | None, with_networkx: bool, profile: bool) -> None:
    """Scout's ranking vs the plain networkx pipeline on the heavy-tailed, real-graph shape."""
    import cProfile
    import pstats

    from graph.projection import project_events

    n_events, n_accounts = SIZES["heavy"]
    events = heavy_events(n_events, n_accounts, seed)
    print(f"== heavy-tailed shape: {len(events):,} events; load average {os.getloadavg()[0]:.1f}")
    config = RankConfig(betweenness_k=betweenness_k) if betweenness_k else RankConfig()
    profiler = cProfile.Profile() if profile else None
    best = None
    for _ in range(1 if profile else 2):
        t, c = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        result = rank_events(events, None, config)
        if profiler:
            profiler.disable()
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        if best is None or wall < best[0]:
            best = (wall, cpu, result)
    wall, cpu, result = best
    print(f"scout rank_events: {wall:.1f} s wall, {cpu:.1f} s CPU (best of runs); {result.stats}")
    for step, secs in result.timings.items():
        print(f"  {step:<34} {secs:8.2f} s wall {result.cpu_timings.get(step, 0.0):8.2f} s cpu")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    if not with_networkx:
        return
    proj = project_events(events)
    k = result.stats.get("betweenness_k", config.betweenness_k) if isinstance(result.stats, dict) else 256
    print(f"networkx pipeline on the same graph ({proj.n:,} nodes, {proj.adjacency.nnz:,} edges, k={k}):")
    times = networkx_pipeline(proj.adjacency, int(k or 256), seed)
    total = sum(times.values())
    print(f"networkx total {total:.1f} s; scout {wall:.1f} s: {total / wall:.1f}x faster "
          f"(load average {os.getloadavg()[0]:.1f})")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", choices=list(SIZES), default="small")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--betweenness-k", type=int, default=None,
                   help="default: Scout's (256, fewer on graphs over ~4M edges)")
    p.add_argument("--sqlite", action="store_true", help="also load and rank through SQLite")
    p.add_argument("--no-networkx", action="store_true", help="heavy: skip the networkx pipeline")
    p.add_argument("--profile", action="store_true", help="heavy: cProfile Scout's ranking")
    args = p.parse_args(argv)
    if args.size == "heavy":
        run_heavy(args.seed, args.betweenness_k, not args.no_networkx, args.profile)
    elif args.size == "compare":
        run_compare(args.seed)
    else:
        run_full(args.size, args.seed, args.betweenness_k, args.sqlite)


if __name__ == "__main__":
    main()
