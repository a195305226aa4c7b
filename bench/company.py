"""Company-source ingest benchmark: Slack, mail, Teams and Viva Engage → parser → SQLite.

Generates each input with the test generators (``tests/ingest/company_fixtures``:
plausible Slack exports, mboxes, Graph chatMessage lines and Engage CSVs), then
times ``ingest.jobs.import_source`` — the path of ``scout ingest slack|mail|teams|engage``
— into a fresh SQLite store, and prints messages/s and edges/s per source.

Usage::

    python bench/company.py                # 50,000 messages per source
    python bench/company.py --messages 200000 --json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.sqlite_store import SqliteStore  # noqa: E402
from ingest.jobs import import_source  # noqa: E402
from tests.ingest import company_fixtures as fx  # noqa: E402


def make(kind: str, folder: Path, n: int) -> Path:
    """Write ``n`` messages of ``kind`` under ``folder``; returns the input path."""
    if kind == "slack":
        return fx.write_export(folder / "slack", fx.big_slack_files(n_messages=n, n_users=2000), True)
    if kind == "mail":
        return fx.big_mbox(folder / "mail.mbox", n=n, n_people=2000)
    if kind == "teams":
        return fx.big_teams(folder / "teams.jsonl", n=n, n_users=2000)
    return fx.write_export(folder / "engage", fx.big_engage_files(n=n, n_users=2000), True)


def bench(kind: str, folder: Path, n: int) -> dict:
    path = make(kind, folder, n)
    with SqliteStore(folder / f"{kind}.db") as store:
        started = time.perf_counter()
        run = import_source(store, path, kind)
        seconds = time.perf_counter() - started
    return {"source": kind, "messages": run.read, "edges": run.summary.get("edges", 0),
            "seconds": round(seconds, 2), "messages_per_s": round(run.read / seconds),
            "edges_per_s": round(run.summary.get("edges", 0) / seconds)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=50_000)
    ap.add_argument("--sources", default="slack,mail,teams,engage")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.sources.split(","):
            results.append(bench(kind, Path(tmp), args.messages))
            if not args.json:
                r = results[-1]
                print(f"{kind:7s} {r['messages']:>8,} messages in {r['seconds']:6.2f}s: "
                      f"{r['messages_per_s']:>8,} messages/s, {r['edges_per_s']:>8,} edges/s")
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
