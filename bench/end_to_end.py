"""End to end: a twarc2-style JSONL archive on disk → store → ranked leaders CSV.

Every stage is the command users run (``scout ingest jsonl``, ``scout import``,
``scout rank``, ``scout leaders --format csv --out …``) in a child process, so
that its wall time, CPU time and peak memory are its own. Paths:

* ``sqlite``: ``scout ingest jsonl`` into a new SQLite store (bulk mode: the
  store is empty and the file big);
* ``neo4j``: the same into Neo4j over Bolt (online path);
* ``neo4j-bulk``: ``scout import --kind jsonl`` (the offline importer; only for the
  local server of ``scripts/neo4j.sh``, which it restarts).

The Neo4j paths need ``--neo4j URI`` and ``--wipe`` (the database is emptied
first: never pointed at data you keep). Usage::

    .venv/bin/python bench/end_to_end.py                          # 1M events, SQLite
    .venv/bin/python bench/end_to_end.py --events 10000000        # 10M (slow on a shared machine)
    .venv/bin/python bench/end_to_end.py --paths sqlite,neo4j,neo4j-bulk --neo4j bolt://127.0.0.1:7687 --wipe

Synthetic archive: ``ingest.synthetic`` pages (real X API v2 shape: tweets with
mentions, replies, quotes, retweets; users in ``includes``), one page per line.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.jsonio import dumps_line  # noqa: E402
from ingest.synthetic import synthetic_pages  # noqa: E402

#: Interactions per synthetic post (mentions, replies, reposts, quotes), measured on the generator.
EVENTS_PER_POST = 1.23


def write_archive(path: Path, events: int, users: int, seed: int = 42) -> int:
    """A twarc2-style archive (one API v2 page per line) with about ``events`` interactions."""
    pages = max(1, round(events / EVENTS_PER_POST / 100))
    with open(path, "wb") as f:
        for page in synthetic_pages(pages, per_page=100, n_users=users, seed=seed):
            f.write(dumps_line(page))
    return pages


def timed_stage(name: str, cmd: list[str], env: dict[str, str]) -> dict:
    """Run one command; its wall seconds and, from ``os.wait4``, its own CPU seconds and peak RSS."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        text, errors = out.read(), err.read()
    if proc.returncode:
        raise SystemExit(f"{name} failed ({proc.returncode}): {errors.strip()[-2000:]}")
    return {"stage": name, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "peak_gb": usage.ru_maxrss / 1024**2, "out": (text.strip().splitlines() or [""])[-1][:120],
            "err": errors}


def run_path(path: str, archive: Path, tmp: Path, scout: str, neo4j: str | None, env: dict[str, str]) -> list[dict]:
    """The stages of one path; returns their figures."""
    if path == "sqlite":
        store = f"sqlite:///{tmp / 'e2e.db'}"
        load = [scout, "--store", store, "ingest", "jsonl", str(archive), "--no-progress"]
    else:
        from graph.neo4j_store import Neo4jStore

        store = neo4j
        with Neo4jStore(store) as s:
            s.delete_everything()
        if path == "neo4j":
            load = [scout, "--store", store, "ingest", "jsonl", str(archive), "--no-progress"]
        else:
            load = [scout, "--store", store, "import", "--kind", "jsonl", str(archive), "--no-progress",
                    "--dir", str(tmp / "neo4j-import")]
    leaders = tmp / f"leaders-{path}.csv"
    stages = [
        timed_stage("load", load, env),
        timed_stage("rank", [scout, "--store", store, "rank", "--json"], env),
        timed_stage("export leaders", [scout, "--store", store, "leaders", "--top", "100", "--format", "csv",
                                       "--out", str(leaders)], env),
    ]
    stages[-1]["out"] = f"{leaders.name}: {sum(1 for _ in open(leaders, encoding='utf-8')) - 1} rows"
    return stages


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000, help="about this many interactions (default 1M)")
    ap.add_argument("--users", type=int, default=None, help="user pool (default events / 5)")
    ap.add_argument("--paths", default="sqlite", help="comma-separated: sqlite, neo4j, neo4j-bulk")
    ap.add_argument("--neo4j", default=os.environ.get("SCOUT_NEO4J_URI"), metavar="URI")
    ap.add_argument("--wipe", action="store_true", help="allow emptying the Neo4j database")
    ap.add_argument("--archive", type=Path, help="use this archive instead of generating one")
    args = ap.parse_args(argv)
    paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    if any(p != "sqlite" for p in paths) and not (args.neo4j and args.wipe):
        ap.error("the Neo4j paths need --neo4j URI and --wipe (the database is emptied)")
    scout = str(Path(sys.executable).with_name("scout"))
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="scout-e2e-") as d:
        tmp = Path(d)
        archive = args.archive
        if archive is None:
            archive = tmp / "archive.jsonl"
            t = time.perf_counter()
            pages = write_archive(archive, args.events, args.users or max(args.events // 5, 100))
            print(f"archive: {pages:,} pages, {archive.stat().st_size / 1e6:,.0f} MB, written in "
                  f"{time.perf_counter() - t:.0f} s")
        print(f"machine: {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at start")
        for path in paths:
            stages = run_path(path, archive, tmp, scout, args.neo4j, env)
            total = sum(s["wall"] for s in stages)
            print(f"== {path}: {total:.1f} s end to end (load average {os.getloadavg()[0]:.1f})")
            print(f"  {'stage':<16} {'wall s':>8} {'cpu s':>8} {'peak GB':>8}  output")
            for s in stages:
                print(f"  {s['stage']:<16} {s['wall']:8.1f} {s['cpu']:8.1f} {s['peak_gb']:8.2f}  {s['out']}")
            for p in tmp.glob("e2e.db*"):
                p.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
