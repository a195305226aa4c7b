"""Ingest benchmark: synthetic X API v2 pages → parser → store.

Generates real-shaped search pages (``ingest.synthetic``), writes them as a
raw JSONL archive, then times the same path as ``scout ingest jsonl``
(read → parse → batched ``write_batch``) into SQLite, and into Neo4j when
``--neo4j URI`` or ``SCOUT_NEO4J_URI`` is given and answers.

Usage::

    python bench/ingest.py                 # 1000 pages = 100,000 posts
    python bench/ingest.py --pages 200 --profile
    python bench/ingest.py --neo4j bolt://127.0.0.1:7687

Prints posts/s and edges/s per phase; ``--json`` prints the figures as JSON.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import socket
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.store import DEFAULT_BATCH_SIZE  # noqa: E402
from ingest.jsonio import HAVE_ORJSON, dumps_line  # noqa: E402
from ingest.jsonl import iter_x_chunks  # noqa: E402
from ingest.pipeline import run_ingest  # noqa: E402
from ingest.sources import open_input  # noqa: E402
from ingest.synthetic import synthetic_pages  # noqa: E402


def write_archive(path: Path, pages: int, per_page: int, users: int) -> int:
    """Write the synthetic archive; returns its size in bytes."""
    with open(path, "wb") as f:
        for page in synthetic_pages(pages, per_page=per_page, n_users=users, seed=42):
            f.write(dumps_line(page))
    return path.stat().st_size


def parse_only(path: Path) -> dict:
    """Read and parse, no store."""
    started, cpu = time.perf_counter(), time.process_time()
    posts = edges = accounts = 0
    with open_input(path) as inp:
        for chunk in iter_x_chunks(inp):
            posts += chunk.read
            edges += len(chunk.interactions)
            accounts += len(chunk.accounts)
    seconds = time.perf_counter() - started
    return {"phase": "parse", "posts": posts, "edges": edges, "seconds": seconds,
            "cpu_seconds": time.process_time() - cpu}


def into_store(store, path: Path, label: str, batch_size: int) -> dict:
    """The full ``scout ingest jsonl`` path into ``store``."""

    def chunks():
        with open_input(path) as inp:
            yield from iter_x_chunks(inp)

    # Time spent inside the store, to tell parser cost from store cost.
    in_store = 0.0
    real_write = store.write_batch

    def timed_write(accounts, interactions):
        nonlocal in_store
        t = time.perf_counter()
        try:
            return real_write(accounts, interactions)
        finally:
            in_store += time.perf_counter() - t

    store.write_batch = timed_write
    started, cpu = time.perf_counter(), time.process_time()
    try:
        run = run_ingest(store, f"bench:{path.name}", chunks(), batch_size=batch_size, keep_cursor=False)
    finally:
        del store.write_batch
    seconds = time.perf_counter() - started
    return {
        "phase": label,
        "posts": run.read,
        "edges": run.summary.get("edges", 0),
        "inserted": run.inserted,
        "accounts_written": run.summary.get("accounts", 0),
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu,
        "store_seconds": in_store,
    }


def best(run, repeat: int) -> dict:
    """The fastest of ``repeat`` runs (wall time), with how many were made."""
    results = [run() for _ in range(max(1, repeat))]
    fastest = min(results, key=lambda r: r["seconds"])
    fastest["runs"] = len(results)
    return fastest


def neo4j_reachable(uri: str) -> bool:
    parts = urlsplit(uri)
    try:
        with socket.create_connection((parts.hostname, parts.port or 7687), timeout=2):
            return True
    except OSError:
        return False


def report(result: dict) -> str:
    s = result["seconds"]
    line = (
        f"{result['phase']:<14} {result['posts']:>9,} posts {result['edges']:>9,} edges "
        f"{s:7.2f}s  {result['posts'] / s:>10,.0f} posts/s {result['edges'] / s:>10,.0f} edges/s"
    )
    # CPU time of this process: what the rate would be on an idle machine
    # (wall time suffers when other processes share the cores).
    line += f"  cpu {result['cpu_seconds']:.2f}s = {result['posts'] / result['cpu_seconds']:,.0f} posts/s"
    if "store_seconds" in result:
        line += f"  (in store {result['store_seconds']:.2f}s; {result['accounts_written']:,} account rows)"
    return line


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=1000, help="pages to generate (default 1000)")
    ap.add_argument("--per-page", type=int, default=100, help="tweets per page (default 100)")
    ap.add_argument("--users", type=int, default=20_000, help="size of the user pool")
    ap.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    ap.add_argument("--neo4j", default=os.environ.get("SCOUT_NEO4J_URI"), metavar="URI",
                    help="also load into this Neo4j (credentials: SCOUT_NEO4J_USER / SCOUT_NEO4J_PASSWORD); "
                         "it must be empty, or pass --wipe")
    ap.add_argument("--wipe", action="store_true", help="empty the Neo4j store before and after")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs per phase; the fastest is reported (default 3: the machine may be shared)")
    ap.add_argument("--profile", action="store_true", help="cProfile the SQLite phase")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args(argv)

    results = []
    with tempfile.TemporaryDirectory(prefix="scout-bench-") as tmp:
        archive = Path(tmp) / "pages.jsonl"
        t = time.perf_counter()
        size = write_archive(archive, args.pages, args.per_page, args.users)
        if not args.json:
            print(
                f"generated {args.pages * args.per_page:,} posts in {args.pages:,} pages "
                f"({size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f}s; orjson: {HAVE_ORJSON}"
            )
        results.append(best(lambda: parse_only(archive), args.repeat))
        if not args.json:
            print(report(results[-1]))

        from graph.sqlite_store import SqliteStore

        profiler = cProfile.Profile() if args.profile else None

        def fresh_sqlite(i: int = 0) -> dict:
            # A new, empty database each time: the first load is the one that counts.
            db = Path(tmp) / f"bench-{time.monotonic_ns()}.db"
            store = SqliteStore(db)
            try:
                if profiler:
                    profiler.enable()
                result = into_store(store, archive, "sqlite", args.batch_size)
                if profiler:
                    profiler.disable()
                return result
            finally:
                store.close()
                for suffix in ("", "-wal", "-shm"):
                    Path(str(db) + suffix).unlink(missing_ok=True)

        results.append(best(fresh_sqlite, 1 if profiler else args.repeat))
        if not args.json:
            print(report(results[-1]))
        store = SqliteStore(Path(tmp) / "again.db")
        try:
            into_store(store, archive, "warm-up", args.batch_size)
            results.append(best(lambda: into_store(store, archive, "sqlite (again)", args.batch_size),
                                args.repeat))
            if not args.json:
                print(report(results[-1]))
        finally:
            store.close()
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
            print(out.getvalue())

        if args.neo4j:
            if not neo4j_reachable(args.neo4j):
                print(f"neo4j: nothing answers at {args.neo4j}; skipped", file=sys.stderr)
            else:
                from graph.neo4j_store import Neo4jStore

                neo = Neo4jStore(args.neo4j)
                try:
                    if neo.stats().accounts and not args.wipe:
                        # Never empty somebody's store by accident.
                        print(f"neo4j: {args.neo4j} is not empty; pass --wipe to empty it first", file=sys.stderr)
                    else:
                        neo.delete_everything()
                        results.append(into_store(neo, archive, "neo4j", args.batch_size))
                        if not args.json:
                            print(report(results[-1]))
                        neo.delete_everything()
                finally:
                    neo.close()
    if args.json:
        for r in results:
            r["posts_per_s"] = r["posts"] / r["seconds"]
            r["edges_per_s"] = r["edges"] / r["seconds"]
        print(json.dumps({"orjson": HAVE_ORJSON, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
