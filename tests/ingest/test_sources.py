"""Opening inputs (plain, gzip, stdin) and reading X archives line by line."""

from __future__ import annotations

import gzip
import io
import json
import sys

import pytest

from graph.errors import InputError
from ingest.jsonl import iter_x_chunks
from ingest.sources import open_input
from tests.ingest.conftest import FIX, collect, edge_set


def chunks_of(path):
    with open_input(path) as inp:
        return collect(iter_x_chunks(inp))


def test_lines_are_numbered_from_one(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(b"one\r\ntwo\n\nfour")
    with open_input(p) as inp:
        assert list(inp.lines()) == [(1, b"one"), (2, b"two"), (3, b""), (4, b"four")]


def test_gzip_is_read_transparently(tmp_path):
    src = (FIX / "x_v2_pages.jsonl").read_bytes()
    gz = tmp_path / "pages.jsonl.gz"
    gz.write_bytes(gzip.compress(src))
    plain = chunks_of(FIX / "x_v2_pages.jsonl")
    zipped = chunks_of(gz)
    assert zipped[0] == plain[0]
    assert edge_set(zipped[2]) == edge_set(plain[2])
    # Errors carry the file name and the line within the decompressed text.
    assert zipped[3] == [e.replace(str(FIX / "x_v2_pages.jsonl"), str(gz)) for e in plain[3]]


def test_gzip_detected_by_magic_number_without_extension(tmp_path):
    p = tmp_path / "pages.data"
    p.write_bytes(gzip.compress((FIX / "x_v2_tweets.jsonl").read_bytes()))
    assert chunks_of(p)[0] == 2


def test_stdin(monkeypatch):
    data = (FIX / "x_v2_tweets.jsonl").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    read, _, interactions, errors, _ = chunks_of("-")
    assert (read, errors) == (2, [])
    assert interactions


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "file is empty"),
        (b"   \n\n  \n", "file is empty"),
        (b"\x00\x01\x02binary\x00", "binary file"),
        (b"\xff\xfe\xfa\xfb not utf-8 at all " * 10, "not UTF-8"),
    ],
)
def test_bad_files_give_one_input_error(tmp_path, content, message):
    p = tmp_path / "bad.jsonl"
    p.write_bytes(content)
    with pytest.raises(InputError, match=message) as exc:
        open_input(p)
    assert str(p) in str(exc.value)
    assert "\n" not in str(exc.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        open_input(tmp_path / "nope.jsonl")
    with pytest.raises(InputError, match="is a directory"):
        open_input(tmp_path)


def test_unreadable_file(tmp_path):
    import os

    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    p = tmp_path / "secret.jsonl"
    p.write_text("{}\n")
    p.chmod(0)
    with pytest.raises(InputError, match="cannot open"):
        open_input(p)


def test_truncated_gzip_is_an_input_error(tmp_path):
    p = tmp_path / "cut.jsonl.gz"
    p.write_bytes(gzip.compress((FIX / "x_v2_pages.jsonl").read_bytes() * 50)[:3000])
    with pytest.raises(InputError, match="cannot read past line"):
        chunks_of(p)


def test_utf8_cut_by_the_sniff_window_is_fine(tmp_path):
    p = tmp_path / "accents.jsonl"
    line = json.dumps({"id": "1", "author_id": "2", "created_at": "2024-01-01T00:00:00Z",
                       "text": "é" * 5000}, ensure_ascii=False)
    p.write_text(line + "\n", encoding="utf-8")
    assert chunks_of(p)[0] == 1


def test_bad_lines_are_reported_and_the_rest_kept(tmp_path):
    good = (FIX / "x_v2_tweets.jsonl").read_text().splitlines()
    p = tmp_path / "mixed.jsonl"
    p.write_text("\n".join([good[0], "{not json", '{"hello": 1}', "", "[1, 2]", good[1]]) + "\n")
    read, _, interactions, errors, _ = chunks_of(p)
    assert read == 2
    assert errors[0].startswith(f"{p}:2: invalid JSON")
    assert errors[1] == f"{p}:3: not an X record (keys: hello)"
    assert errors[2].startswith(f"{p}:5: item 1: not an X record")
    assert len(errors) == 4
    assert interactions


def test_bom_on_first_line(tmp_path):
    p = tmp_path / "bom.jsonl"
    p.write_bytes(b"\xef\xbb\xbf" + (FIX / "x_v2_tweets.jsonl").read_bytes())
    assert chunks_of(p)[3] == []


def test_pretty_printed_document(tmp_path):
    tweets = [json.loads(line) for line in (FIX / "x_v1_tweets.jsonl").read_text().splitlines()]
    p = tmp_path / "recorded.json"
    p.write_text(json.dumps([{"uri": "https://api.twitter.com/1.1/statuses/home_timeline.json",
                              "body": tweets}], indent=2))
    read, _, interactions, errors, _ = chunks_of(p)
    assert (read, errors) == (4, [])
    assert len(edge_set(interactions)) == 5


def test_broken_pretty_printed_document(tmp_path):
    p = tmp_path / "broken.json"
    p.write_text('[\n  {"a": 1},\n')
    read, _, _, errors, _ = chunks_of(p)
    assert read == 0 and len(errors) == 1 and errors[0].startswith(f"{p}:1: invalid JSON")


def test_chunks_report_progress_positions():
    with open_input(FIX / "x_v2_pages.jsonl") as inp:
        positions = [c.position for c in iter_x_chunks(inp, lines_per_chunk=1)]
    assert positions == sorted(positions) and positions[-1] == (FIX / "x_v2_pages.jsonl").stat().st_size
