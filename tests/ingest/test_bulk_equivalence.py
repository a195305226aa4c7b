"""The fast paths of an edge-list import store exactly what the plain paths store.

Bulk mode (deferred indexes, big batches) against the ordinary per-batch path,
Arrow's CSV reader (quote-free blocks) against the csv module, and the
column-wise row ids against :func:`graph.model.row_post_id` one row at a time.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime

import pytest

from graph.model import TimeWindow, row_post_id, row_post_ids
from graph.sqlite_store import SqliteStore
from ingest.jobs import import_file
from tests.ingest.test_csv import edges_of, write

HEADER = "source,target,kind,timestamp,platform,post_id,text,topics,weight\n"
#: A fixed window, so that both runs word their refusals alike (the default one moves with the clock).
WINDOW = TimeWindow(datetime(2000, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))


def tricky_rows(n: int, seed: int = 5) -> list[list[str]]:
    """Rows of every kind an edge list meets: good, repeated, and bad in each column."""
    rng = random.Random(seed)
    names = [f"user_{i}" for i in range(60)] + [
        "Ünï", "日本語", "@Mixed_Case", "@mixed_case", "1234567", "99", "  spaced  ", "@", "", "bob\x07",
    ]
    kinds = ["mention", "reply", "repost", "retweet", "quote", "", "Mention", "bogus kind!"]
    platforms = ["", "", "", "x", "generic", "mastodon", "bogus plat"]
    texts = ["", "", "hello", "héllo wörld", "tab\there", "emoji 😀", "back\\slash", "ctrl\x07char", "line\u2028sep"]
    topics = ["", "", "a;b", "#Foo; bar ;", "Ünï;x"]
    times = ["1700000000", "2024-01-02T03:04:05Z", "2024-01-02T03:04:05.123456+02:00", "1700000000123", "",
             "notatime", "1700000000.5", "2200-01-01T00:00:00Z"]
    rows = []
    for i in range(n):
        rows.append([
            rng.choice(names), rng.choice(names), rng.choice(kinds),
            str(1_700_000_000 + 7 * i) if rng.random() < 0.5 else rng.choice(times),
            rng.choice(platforms), rng.choice(["", "", f"p{i % 300}", "pö"]), rng.choice(texts),
            rng.choice(topics), rng.choice(["", "", "1", "2.5", "-1", "x", "0"]),
        ])
    return rows + rows[: n // 10]  # repeated rows: duplicates, never new events


def store_content(path) -> dict:
    """Everything an import leaves in a store, ids aside (they only order the events)."""
    with sqlite3.connect(path) as conn:
        return {
            "interactions": conn.execute(
                "SELECT platform, post_id, kind, source, target, at, text, topics, lang, weight, themes "
                "FROM interactions ORDER BY id").fetchall(),
            "accounts": conn.execute("SELECT * FROM accounts ORDER BY key").fetchall(),
            "indexes": conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").fetchall(),
        }


def test_bulk_and_per_batch_imports_store_the_same(tmp_path):
    csv = write(tmp_path, HEADER + "".join(",".join(r) + "\n" for r in tricky_rows(3000)
                                           if not any(c in "".join(r) for c in ',"\n\r')))
    results = {}
    for bulk in (True, False):
        path = tmp_path / f"bulk-{bulk}.db"
        reports: list[str] = []
        with SqliteStore(path) as store:
            run = import_file(store, csv, "edges", platform="x", bulk=bulk, batch_size=250, times=WINDOW,
                              report=reports.append, rejects=tmp_path / f"rejects-{bulk}.txt")
        assert run.summary.get("bulk", False) is bulk
        results[bulk] = (
            (run.read, run.inserted, run.duplicates, run.rejected, run.status, run.errors),
            (tmp_path / f"rejects-{bulk}.txt").read_text(encoding="utf-8"),
            [r.replace(f"rejects-{bulk}", "rejects") for r in reports],
            store_content(path),
        )
    bulk_run = results[True][0]
    assert bulk_run[1] > 100 and bulk_run[2] > 0 and bulk_run[3] > 100  # the fixture has all three
    assert results[True] == results[False]


def test_arrow_split_blocks_read_like_the_csv_module(tmp_path):
    rows = [r for r in tricky_rows(400, seed=9) if not any(c in "".join(r) for c in ',"\n\r')]
    lines = [",".join(r) + "\n" for r in rows]
    for at in (5, 50, 51):  # blank lines count as lines but hold no row
        lines.insert(at, "\n" if at != 50 else " ,, \n")
    fast = write(tmp_path, HEADER + "".join(lines), "fast.csv")
    # One quoted cell sends the whole file through the csv module.
    lines[0] = f'"{rows[0][0]}"' + lines[0][len(rows[0][0]):]
    slow = write(tmp_path, HEADER + "".join(lines), "slow.csv")
    got_fast, got_slow = edges_of(fast, platform="x"), edges_of(slow, platform="x")
    assert got_fast[0] > 100 and got_fast[3]  # good rows and bad ones
    assert got_fast[:3] == got_slow[:3]
    assert [e.replace("fast.csv", "f") for e in got_fast[3]] == [e.replace("slow.csv", "f") for e in got_slow[3]]


@pytest.mark.parametrize("seed", range(3))
def test_row_post_ids_match_row_post_id(seed):
    rng = random.Random(seed)
    alphabet = ["a", "Z", "0", " ", '"', "\\", "é", "日", "\x00", "\x1f", "\x7f", "\u2028", "😀", ";", "/"]
    columns = [["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6))) for _ in range(300)]
               for _ in range(4)]
    assert row_post_ids(columns) == [row_post_id(*row) for row in zip(*columns, strict=True)]
