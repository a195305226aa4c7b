"""Account profiles into an empty SQLite store: ``scout ingest accounts`` of a big file.

Generates a CSV of profiles with every column filled (platform, handle, id, name,
counts, created_at, verified, bio, url), or takes ``--csv``, and times the command
users run in a child process: wall and CPU seconds, peak memory, profiles/s.

Usage::

    .venv/bin/python bench/ingest_accounts.py                    # 1M generated profiles
    .venv/bin/python bench/ingest_accounts.py --profiles 100000 --repeat 3
    .venv/bin/python bench/ingest_accounts.py --csv my-profiles.csv
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = "platform,handle,id,name,followers,following,posts,created_at,verified,bio,url\n"


def write_profiles(path: Path, n: int, seed: int = 3) -> None:
    """``n`` X profiles, one per line, every column filled."""
    r = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        f.write(HEADER)
        for i in range(n):
            f.write(f"x,user_{i},{10**9 + i},User {i},{r.randint(0, 10**6)},{r.randint(0, 5000)},"
                    f"{r.randint(0, 10**5)},20{r.randint(10, 24)}-0{r.randint(1, 9)}-1{r.randint(0, 9)}T10:00:00Z,"
                    f"{r.choice(['true', 'false', ''])},bio of user {i} who likes things,https://example.com/u{i}\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv", type=Path, help="a profiles file to load (default: generate one)")
    ap.add_argument("--profiles", type=int, default=1_000_000, help="profiles to generate (default 1M)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--scout", default=str(Path(sys.executable).with_name("scout")))
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="scout-bench-accounts-") as tmp:
        csv = args.csv
        if csv is None:
            csv = Path(tmp) / "profiles.csv"
            write_profiles(csv, args.profiles)
        rows = sum(1 for _ in open(csv, "rb")) - 1
        print(f"{csv.name}: {rows:,} profiles, {csv.stat().st_size / 1e6:.0f} MB; "
              f"load average {os.getloadavg()[0]:.1f}")
        for i in range(args.repeat):
            db = Path(tmp) / f"accounts{i}.db"
            started = time.perf_counter()
            proc = subprocess.Popen([args.scout, "--store", f"sqlite:///{db}", "ingest", "accounts", str(csv)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - started
            out = proc.stdout.read().strip() if proc.stdout else ""
            if os.waitstatus_to_exitcode(status):
                raise SystemExit(f"scout failed: {proc.stderr.read() if proc.stderr else ''}")
            cpu = usage.ru_utime + usage.ru_stime
            print(f"scout ingest accounts {wall:7.1f} s wall {cpu:7.1f} s cpu {usage.ru_maxrss / 1024**2:5.2f} GB"
                  f"  {rows / wall:>9,.0f} profiles/s  (load {os.getloadavg()[0]:.1f})  {out}")
            for p in Path(tmp).glob("accounts*.db*"):
                p.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
