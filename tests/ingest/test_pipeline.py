"""Batching, run records, strict mode and idempotence, against the real stores."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest

from graph.errors import InputError
from graph.model import Account, Interaction
from ingest.csv_edges import iter_edge_chunks
from ingest.jsonl import iter_x_chunks
from ingest.pipeline import BatchWriter, Chunk, merge_account, run_ingest, run_summary, summary_line
from ingest.sources import open_input
from tests.ingest.conftest import FIX


def ingest_file(store, path, kind="jsonl", **kw):
    def chunks():
        with open_input(path) as inp:
            if kind == "jsonl":
                yield from iter_x_chunks(inp)
            else:
                yield from iter_edge_chunks(inp)

    return run_ingest(store, f"{kind}:{path}", chunks(), keep_cursor=False, **kw)


def contents(store):
    acc = store.accounts().sort_values("key").reset_index(drop=True)
    inter = store.interactions().sort_values(["platform", "post_id", "kind", "target"]).reset_index(drop=True)
    return acc, inter


def test_ingest_then_reingest_inserts_nothing(store):
    first = ingest_file(store, FIX / "x_v2_pages.jsonl")
    assert (first.status, first.read, first.inserted, first.duplicates, first.rejected) == ("partial", 9, 11, 0, 1)
    second = ingest_file(store, FIX / "x_v2_pages.jsonl")
    assert (second.inserted, second.duplicates) == (0, 11)
    edges = ingest_file(store, FIX / "edges.csv", kind="edges")
    assert (edges.status, edges.inserted) == ("ok", 4)
    assert ingest_file(store, FIX / "edges.csv", kind="edges").inserted == 0
    assert store.stats().interactions == 15


def test_accounts_and_evidence_are_stored(store):
    ingest_file(store, FIX / "x_v2_pages.jsonl")
    acc = store.accounts().set_index("key")
    assert acc.loc["x:1001", "handle"] == "acme"
    assert acc.loc["x:1001", "followers"] == 120000
    assert acc.loc["x:@ghost_user", "handle"] == "ghost_user"
    ev = store.interactions(account="x:1005")
    quote = ev[ev["kind"] == "quote"].iloc[0]
    assert quote["post_id"] == "2004" and quote["target"] == "x:1003"
    assert quote["at"] == datetime(2024, 5, 1, 10, tzinfo=UTC)


def test_small_batches_same_result(sqlite_store, tmp_path):
    from graph.sqlite_store import SqliteStore

    run = ingest_file(sqlite_store, FIX / "x_v2_pages.jsonl", batch_size=1)
    assert run.summary["batches"] >= 2
    other = SqliteStore(tmp_path / "other.db")
    try:
        ingest_file(other, FIX / "x_v2_pages.jsonl")
        a, b = contents(sqlite_store), contents(other)
        assert a[0].equals(b[0]) and a[1].equals(b[1])
    finally:
        other.close()


def test_run_is_recorded_running_then_finished(sqlite_store):
    seen = []
    real_save = sqlite_store.save_run

    def spy(run):
        seen.append(run.status)
        real_save(run)

    sqlite_store.save_run = spy
    run = ingest_file(sqlite_store, FIX / "edges_bad.csv", kind="edges")
    assert seen == ["running", "partial"]
    stored = sqlite_store.runs(limit=1)[0]
    assert (stored.id, stored.kind, stored.status, stored.rejected) == (run.id, "ingest", "partial", 7)
    assert stored.errors[0].endswith("edges_bad.csv:3: empty source")
    assert stored.finished_at is not None and stored.summary["seconds"] >= 0


def test_errors_kept_in_run_are_capped(sqlite_store, tmp_path):
    p = tmp_path / "many.csv"
    p.write_text("source,target,timestamp\n" + "a,,2024-01-01\n" * 50)
    reported = []
    run = ingest_file(sqlite_store, p, kind="edges", report=reported.append)
    # The first ten are shown one by one, the other 40 counted by reason.
    assert run.rejected == 50 and len(run.errors) == 20
    assert reported[:10] == [f"{p}:{n}: empty target" for n in range(2, 12)]
    assert reported[10:] == [f"edges:{p}: 40 more rejected record(s) not shown:", "  40 × empty target"]
    assert run.summary["rejected_by_reason"] == {"empty target": 50}


def test_strict_writes_nothing_from_a_bad_file(store):
    with pytest.raises(InputError, match="edges_bad.csv:3: empty source"):
        ingest_file(store, FIX / "edges_bad.csv", kind="edges", strict=True)
    assert store.stats().interactions == 0
    run = store.runs(limit=1)[0]
    assert run.status == "failed"
    good = ingest_file(store, FIX / "edges.csv", kind="edges", strict=True)
    assert good.status == "ok" and good.inserted == 4


def test_strict_bad_line_late_in_jsonl_writes_nothing(sqlite_store, tmp_path):
    p = tmp_path / "late.jsonl"
    p.write_text((FIX / "x_v2_tweets.jsonl").read_text() + "{broken\n")
    with pytest.raises(InputError, match=":3: invalid JSON"):
        ingest_file(sqlite_store, p, strict=True, batch_size=1)
    assert sqlite_store.stats().interactions == 0


def test_reader_failure_keeps_what_was_read_and_fails_the_run(sqlite_store, tmp_path):
    p = tmp_path / "cut.jsonl.gz"
    data = gzip.compress(b"".join(
        (FIX / "x_v2_tweets.jsonl").read_bytes().replace(b'"1995"', f'"{i}"'.encode()) for i in range(2000)))
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError):
        ingest_file(sqlite_store, p)
    run = sqlite_store.runs(limit=1)[0]
    assert run.status == "failed" and "cannot read past line" in run.errors[-1]
    assert sqlite_store.stats().interactions > 0


def test_interrupt_marks_the_run(sqlite_store):
    def chunks():
        yield Chunk(read=1)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_ingest(sqlite_store, "test:interrupt", chunks())
    assert sqlite_store.runs(limit=1)[0].status == "interrupted"


def test_cursor_is_the_newest_post_or_the_previous_one(sqlite_store):
    run = run_ingest(sqlite_store, "x:search:t", iter([Chunk(cursor=5), Chunk(cursor=9), Chunk()]), cursor="7")
    assert run.cursor == "9"
    assert sqlite_store.last_cursor("x:search:t") == "9"
    again = run_ingest(sqlite_store, "x:search:t", iter([Chunk()]), cursor="9")
    assert again.cursor == "9"


def test_batch_writer_merges_accounts_within_a_batch(sqlite_store):
    w = BatchWriter(sqlite_store, batch_size=100)
    w.add([Account("x", "1", handle="a", followers=1)], [])
    w.add([Account("x", "1", followers=2, name="A")], [])
    w.flush()
    row = sqlite_store.accounts(["x:1"]).iloc[0]
    assert (row["handle"], row["followers"], row["name"]) == ("a", 2, "A")
    assert w.batches == 1 and w.accounts_written == 1


def test_batch_writer_flushes_at_batch_size(sqlite_store):
    w = BatchWriter(sqlite_store, batch_size=2)
    at = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(5):
        w.add([], [Interaction("x", str(i), "mention", "x:1", "x:2", at)])
    assert w.batches == 2
    w.flush()
    assert w.batches == 3 and w.result.inserted == 5
    with pytest.raises(InputError):
        BatchWriter(sqlite_store, batch_size=0)


def test_merge_account_never_overwrites_with_none():
    a = Account("x", "1", handle="a", bio="b")
    merge_account(a, Account("x", "1", bio=None, followers=3))
    assert (a.handle, a.bio, a.followers) == ("a", "b", 3)


def test_summary_formats(sqlite_store):
    run = ingest_file(sqlite_store, FIX / "edges.csv", kind="edges")
    line = summary_line(run)
    assert line.startswith(f"edges:{FIX / 'edges.csv'}: read 4, inserted 4, duplicates 0, rejected 0 (ok)")
    d = run_summary(run)
    assert {"run", "source", "status", "read", "inserted", "duplicates", "rejected", "errors"} <= set(d)
