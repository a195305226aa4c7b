"""Edge-list ingest into an empty SQLite store, side by side with the sqlite3 shell.

Times ``scout ingest edges FILE`` (the command users run, in a child process) into
a new SQLite store, and the sqlite3 shell's ``.import`` of the same file into a
plain table followed by the same three indexes (the identity, source and target
indexes of the interactions table), alternately, ``--repeat`` times each. Prints
wall and CPU seconds (of the child processes), events/s and the ratio.

Usage::

    .venv/bin/python bench/ingest_csv.py                       # 1M heavy-tailed rows (generated)
    .venv/bin/python bench/ingest_csv.py --events 10000000 --repeat 1
    .venv/bin/python bench/ingest_csv.py --csv my-edges.csv --platform x

The machine may be shared: CPU seconds tell what an idle machine would do.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.edges_csv import heavy_tailed_edges  # noqa: E402

SHELL_SCRIPT = """
PRAGMA page_size=16384;
PRAGMA journal_mode=WAL;
CREATE TABLE e(source TEXT, target TEXT, kind TEXT, timestamp INTEGER);
.mode csv
.import --skip 1 {csv} e
CREATE INDEX e_identity ON e(kind, target, timestamp, source);
CREATE INDEX e_source ON e(source);
CREATE INDEX e_target ON e(target);
"""


def child_times(cmd: list[str], stdin: str | None = None) -> tuple[float, float, str]:
    """Run ``cmd``; returns (wall s, CPU s of the child, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def load_avg() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv", type=Path, help="an edge list to load (default: generate one)")
    ap.add_argument("--events", type=int, default=1_000_000, help="rows to generate (default 1M)")
    ap.add_argument("--platform", default="x")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--scout", default=str(Path(sys.executable).with_name("scout")))
    args = ap.parse_args(argv)
    sqlite3 = shutil.which("sqlite3")
    with tempfile.TemporaryDirectory(prefix="scout-bench-csv-") as tmp:
        csv = args.csv
        if csv is None:
            csv = Path(tmp) / "edges.csv"
            heavy_tailed_edges(args.events).to_csv(csv, index=False)
        rows = sum(1 for _ in open(csv, "rb")) - 1
        print(f"{csv.name}: {rows:,} rows, {csv.stat().st_size / 1e6:.0f} MB; load average {load_avg()}")
        scout_best = shell_best = None
        for i in range(args.repeat):
            db = Path(tmp) / f"scout{i}.db"
            wall, cpu, out = child_times([args.scout, "--store", f"sqlite:///{db}", "ingest", "edges", str(csv),
                                          "--platform", args.platform, "--no-progress"])
            print(f"scout ingest edges  {wall:7.1f} s wall {cpu:7.1f} s cpu  {rows / wall:>10,.0f} events/s"
                  f"  (load {load_avg()})  {out.strip()}")
            scout_best = min(scout_best or (wall, cpu), (wall, cpu))
            if sqlite3:
                shell_db = Path(tmp) / f"shell{i}.db"
                wall, cpu, _ = child_times([sqlite3, str(shell_db)], SHELL_SCRIPT.format(csv=csv))
                print(f"sqlite3 .import     {wall:7.1f} s wall {cpu:7.1f} s cpu  {rows / wall:>10,.0f} rows/s"
                      f"  (load {load_avg()})")
                shell_best = min(shell_best or (wall, cpu), (wall, cpu))
            for p in Path(tmp).glob("*.db*"):
                p.unlink()
        if shell_best:
            print(f"ratio scout / sqlite3 shell (best of {args.repeat}): wall {scout_best[0] / shell_best[0]:.1f}x, "
                  f"cpu {scout_best[1] / shell_best[1]:.1f}x; scout {rows / scout_best[0]:,.0f} events/s wall, "
                  f"{rows / scout_best[1]:,.0f} events/s per CPU second")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
