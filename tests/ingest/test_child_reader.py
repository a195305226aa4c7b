"""Big X archives and edge lists are read in a child process: same chunks, same errors, no
stray process.

``file_chunks(inp, path, kind, reader, …, child=True)`` forces the child on small files
(the default uses it only from :data:`ingest.child_reader.CHILD_READER_MIN_BYTES`).
"""

from __future__ import annotations

import gzip
import multiprocessing as mp
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.errors import InputError
from graph.model import Account
from graph.sqlite_store import SqliteStore
from ingest import child_reader
from ingest.child_reader import chunks_in_child, file_chunks, wants_child
from ingest.csv_edges import iter_edge_chunks
from ingest.jobs import import_file
from ingest.jsonio import dumps_line
from ingest.jsonl import iter_x_chunks
from ingest.pipeline import Chunk
from ingest.sources import open_input
from ingest.synthetic import synthetic_pages
from tests.ingest.test_bulk_equivalence import HEADER, WINDOW, store_content, tricky_rows
from tests.ingest.test_x_columns import SAMPLES, tricky_pages, write_lines


def summary(path: Path, child: bool, name: str | None = None, kind: str = "jsonl", **kw) -> dict:
    """Everything the chunks of a file say, as plain values."""
    edges, accounts, errors, counts, positions, cursors, read = [], [], [], [], [], [], 0
    with open_input(path) as inp:
        if name:
            inp.name = name
        chunks = (file_chunks(inp, path, kind, iter_x_chunks, child=child) if kind == "jsonl"
                  else file_chunks(inp, path, kind, iter_edge_chunks, kw.get("platform"), child=child,
                                   note=kw.get("note")))
        for chunk in chunks:
            rec = chunk.as_records()
            edges += [(e.platform, e.post_id, e.kind, e.source, e.target, e.at.isoformat(), e.text,
                       tuple(e.topics), e.lang, float(e.weight)) for e in rec.interactions]
            accounts += [tuple(getattr(a, f) for f in Account.__slots__) for a in rec.accounts]
            errors += rec.errors
            counts.append(rec.counts)
            positions.append(rec.position)
            cursors.append(rec.cursor)
            read += rec.read
    return {"edges": edges, "accounts": accounts, "errors": errors, "counts": counts,
            "positions": positions, "cursors": cursors, "read": read}


def test_tricky_pages_give_the_same_chunks_in_a_child(tmp_path):
    pages = tricky_pages()
    path = write_lines(tmp_path / "tricky.jsonl", [pages[0], b'{"data": [ not json\n', *pages[1:]])
    here, there = summary(path, child=False, name="upload.jsonl"), summary(path, child=True, name="upload.jsonl")
    assert there == here
    assert here["edges"] and here["accounts"]
    # The name given to the input (an upload's own name) reaches the child's messages.
    assert any(e.startswith("upload.jsonl:2: invalid JSON") for e in there["errors"])


def test_synthetic_archive_gives_the_same_chunks_in_a_child(tmp_path):
    path = tmp_path / "archive.jsonl.gz"
    with gzip.open(path, "wb") as f:
        for page in synthetic_pages(60, per_page=50, n_users=300, seed=7):
            f.write(dumps_line(page))
    here, there = summary(path, child=False), summary(path, child=True)
    assert there == here
    assert len(here["edges"]) > 2500


@pytest.mark.parametrize("name", ["kpop.jsonl", "quoted_edit.jsonl", "streaming_output_with_error.jsonl"])
def test_real_archives_give_the_same_chunks_in_a_child(name):
    path = SAMPLES / name
    if not path.exists():
        pytest.skip("../shared/real-samples is absent")
    here, there = summary(path, child=False), summary(path, child=True)
    assert there == here
    assert here["edges"] or here["accounts"]


def test_a_damaged_gzip_fails_the_same_way_in_a_child(tmp_path):
    raw = b"".join(dumps_line(p) for p in synthetic_pages(60, per_page=50, n_users=300, seed=5))
    data = gzip.compress(raw)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    messages = []
    for child in (False, True):
        with open_input(path) as inp, pytest.raises(InputError, match="cannot read past line") as err:
            list(file_chunks(inp, path, "jsonl", iter_x_chunks, child=child))
        messages.append(str(err.value))
    assert messages[0] == messages[1]
    assert not mp.active_children()


def endless_chunks(size: int) -> Iterator[Chunk]:
    """Chunks for ever (a reader the parent must stop)."""
    n = 0
    while True:
        n += 1
        yield Chunk(read=size, position=n)


def failing_chunks(kind: str) -> Iterator[Chunk]:
    yield Chunk(read=1)
    if kind == "input":
        raise InputError("archive.jsonl: cannot read past line 9: damaged")

    class Unpicklable(Exception):  # a local class cannot cross the pipe
        pass

    raise Unpicklable("odd failure")


def test_stopping_early_stops_the_child():
    chunks = chunks_in_child(endless_chunks, 3)
    first = next(chunks)
    assert (first.read, first.position) == (3, 1)
    assert len(mp.active_children()) == 1
    chunks.close()  # what a consumer that stops (strict mode, a write error) does
    assert not mp.active_children()


def test_a_killed_child_is_a_clear_error():
    chunks = chunks_in_child(endless_chunks, 1)
    next(chunks)
    (child,) = mp.active_children()
    os.kill(child.pid, signal.SIGKILL)
    with pytest.raises(InputError, match=r"reader process stopped unexpectedly \(exit code -9\)"):
        for _ in chunks:  # the chunks already made arrive first
            pass
    assert not mp.active_children()


def test_the_childs_errors_reach_the_parent():
    got = []
    with pytest.raises(InputError, match="cannot read past line 9: damaged"):
        for chunk in chunks_in_child(failing_chunks, "input"):
            got.append(chunk.read)
    assert got == [1]
    with pytest.raises(InputError, match="Unpicklable: odd failure"):
        list(chunks_in_child(failing_chunks, "other"))
    assert not mp.active_children()


def test_small_files_and_pipes_are_read_in_this_process(tmp_path):
    path = write_lines(tmp_path / "small.jsonl", tricky_pages())
    with open_input(path) as inp:
        chunks = file_chunks(inp, path, "jsonl", iter_x_chunks)
        next(chunks)
        assert not mp.active_children()  # below CHILD_READER_MIN_BYTES: no process started
        list(chunks)


def edge_list(tmp_path: Path, name: str, quoted: bool = False, extra: str = "") -> Path:
    """An edge list with good, repeated and bad rows; ``quoted`` sends it through the csv module."""
    rows = [r for r in tricky_rows(2000, seed=3) if not any(c in "".join(r) for c in ',"\n\r')]
    lines = [",".join(r) + (f",{extra}" if extra else "") + "\n" for r in rows]
    if quoted:
        lines[7] = f'"{rows[7][0]}"' + lines[7][len(rows[7][0]):]
    path = tmp_path / name
    path.write_text(HEADER.rstrip("\n") + (",colour" if extra else "") + "\n" + "".join(lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("quoted", [False, True])
def test_edge_lists_give_the_same_chunks_in_a_child(tmp_path, quoted):
    path = edge_list(tmp_path, "edges.csv", quoted=quoted, extra="blue")
    notes: dict[bool, list[str]] = {False: [], True: []}
    here, there = (summary(path, child=c, name="upload.csv", kind="edges", platform="x", note=notes[c].append)
                   for c in (False, True))
    assert there == here
    assert len(here["edges"]) > 500 and len(here["errors"]) > 100  # good rows and bad ones
    assert all(e.startswith("upload.csv:") for e in there["errors"])
    # The reader's notes (an ignored column) are relayed from the child to the parent.
    assert notes[True] == notes[False] == ["upload.csv: ignoring column(s): colour"]


def test_an_edge_list_imported_through_the_child_stores_the_same(tmp_path, monkeypatch):
    csv = edge_list(tmp_path, "edges.csv", extra="red")
    results = {}
    for child in (False, True):
        monkeypatch.setitem(child_reader.CHILD_READER_MIN_BYTES, "edges", 0 if child else 1 << 60)
        reports: list[str] = []
        with SqliteStore(tmp_path / f"child-{child}.db") as store:
            run = import_file(store, csv, "edges", platform="x", bulk=True, batch_size=300, times=WINDOW,
                              report=reports.append)
        results[child] = ((run.read, run.inserted, run.duplicates, run.rejected, run.status, run.errors),
                          reports, store_content(tmp_path / f"child-{child}.db"))
        assert not mp.active_children()
    assert results[True][0][1] > 500 and results[True][0][3] > 100
    assert f"{csv}: ignoring column(s): colour" in results[True][1]
    assert results[True] == results[False]


def noting_chunks(n: int, note=None) -> Iterator[Chunk]:
    for i in range(n):
        note(f"before chunk {i}")
        yield Chunk(read=i)
    note("after the last chunk")


def test_notes_arrive_in_order_with_the_chunks():
    seen: list[object] = []
    for chunk in chunks_in_child(noting_chunks, 3, note=seen.append):
        seen.append(chunk.read)
    assert seen == ["before chunk 0", 0, "before chunk 1", 1, "before chunk 2", 2, "after the last chunk"]


def test_which_files_are_read_in_a_child(tmp_path):
    big = tmp_path / "big.csv"
    line = b"source,target\n" + b"a,b\n" * 1000
    with open(big, "wb") as f:
        for _ in range(child_reader.CHILD_READER_MIN_BYTES["edges"] // len(line) + 1):
            f.write(line)
    small = write_lines(tmp_path / "small.jsonl", tricky_pages())
    with open_input(big) as inp:
        assert wants_child(inp, "edges")
        assert not wants_child(inp, "jsonl")  # an X archive needs more before a child pays
        assert not wants_child(inp, "accounts")  # profiles are longer lines: a bigger file first
        assert not wants_child(inp, "roster")  # read in this process whatever its size
    with open_input(small) as inp:
        assert not wants_child(inp, "jsonl")
