"""Parse-speed benchmark of the network connectors (YouTube, Mastodon, Bluesky, and any other
registered connector that has responses in the sample archive).

Takes the real-shaped responses of ``data/networks_raw.jsonl.gz`` (what the connectors archive,
see ``data/README.md``), repeats each platform's responses until about ``--events`` interactions,
and times the connector's parser on them (the same function a live fetch and a replay use),
then a full ``scout ingest replay`` of that archive into a fresh SQLite store.

Usage::

    python bench/networks.py                  # about 200,000 events per platform
    python bench/networks.py --events 50000 --json

Prints records/s (responses), posts/s and events/s (interactions) per platform.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.connectors import connector, platforms  # noqa: E402
from ingest.jsonio import dumps_line  # noqa: E402
from ingest.records import Parsed  # noqa: E402

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "networks_raw.jsonl.gz"


def sample_records() -> dict[str, list[dict]]:
    """The sample archive's records by platform."""
    out: dict[str, list[dict]] = defaultdict(list)
    for line in gzip.decompress(SAMPLE.read_bytes()).decode("utf-8").splitlines():
        record = json.loads(line)
        out[record["__scout"]["platform"]].append(record)
    return out


def parse_speed(platform: str, records: list[dict], events: int) -> dict:
    """Parse ``records`` again and again (fresh state each round) until ``events`` interactions."""
    conn = connector(platform)
    per_round = Parsed()
    state = conn.new_state()
    for r in records:
        per_round.extend(conn.parse(r, state))
    rounds = max(1, events // max(1, len(per_round.interactions)))
    t0 = time.perf_counter()
    n_events = n_posts = 0
    for _ in range(rounds):
        state = conn.new_state()
        for r in records:
            out = conn.parse(r, state)
            n_events += len(out.interactions)
            n_posts += out.posts + out.users
    seconds = time.perf_counter() - t0
    return {"platform": platform, "responses": rounds * len(records), "posts": n_posts,
            "events": n_events, "seconds": round(seconds, 3),
            "responses_per_s": round(rounds * len(records) / seconds),
            "posts_per_s": round(n_posts / seconds), "events_per_s": round(n_events / seconds)}


def replay_speed(records: dict[str, list[dict]], rounds: int) -> dict:
    """``import_file(kind="replay")`` of the sample archive repeated ``rounds`` times into a fresh
    SQLite store: read → parse → batched writes (after the first copy every event is a
    duplicate, which takes the same write path)."""
    from graph.sqlite_store import SqliteStore
    from ingest.jobs import import_file

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "raw.jsonl"
        with open(path, "wb") as f:
            for _ in range(rounds):
                for rs in records.values():
                    for r in rs:
                        f.write(dumps_line(r))
        store = SqliteStore(Path(tmp) / "s.db")
        t0 = time.perf_counter()
        run = import_file(store, path, "replay")
        seconds = time.perf_counter() - t0
        store.close()
    events = run.summary.get("edges", 0)
    return {"replay_responses": run.read + run.rejected, "replay_events": events,
            "replay_inserted": run.inserted, "replay_seconds": round(seconds, 3),
            "replay_events_per_s": round(events / seconds) if seconds else None}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=200_000, help="events to parse per platform")
    ap.add_argument("--replay-rounds", type=int, default=20,
                    help="copies of the sample archive in the replay benchmark")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    records = sample_records()
    figures = [parse_speed(p, records[p], args.events) for p in platforms() if records.get(p)]
    replay = replay_speed(records, args.replay_rounds)
    if args.json:
        print(json.dumps({"parse": figures, **replay}, indent=2))
        return 0
    print(f"{'platform':<10} {'responses/s':>12} {'posts/s':>10} {'events/s':>10}")
    for f in figures:
        print(f"{f['platform']:<10} {f['responses_per_s']:>12,} {f['posts_per_s']:>10,} "
              f"{f['events_per_s']:>10,}")
    print(f"replay into SQLite: {replay['replay_events']:,} events ({replay['replay_inserted']:,} "
          f"new) in {replay['replay_seconds']:.2f} s = {replay['replay_events_per_s']:,} events/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
