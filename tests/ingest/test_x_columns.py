"""The column-wise reader of X page archives gives what the line-by-line reader gives.

Every test reads the same file both ways (``iter_x_chunks(columnar=True/False)``)
and compares interactions in order, accounts merged by key as the writer merges
them, errors with their ``file:line``, counters and the cursor.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import ingest.x_columns as x_columns
from graph.model import Account
from graph.sqlite_store import SqliteStore
from ingest.jsonio import dumps_line
from ingest.jsonl import iter_x_chunks
from ingest.pipeline import merge_account, run_ingest
from ingest.records import newer_cursor
from ingest.sources import open_input
from ingest.synthetic import synthetic_pages

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "real-samples" / "x-api-v2"


def read_both_ways(path: Path) -> tuple[dict, dict]:
    return collect(path, columnar=False), collect(path, columnar=True)


def collect(path: Path, columnar: bool) -> dict:
    edges, accounts, errors, counts, read, cursor = [], {}, [], {}, 0, None
    with open_input(path) as inp:
        for chunk in iter_x_chunks(inp, columnar=columnar):
            rec = chunk.as_records()
            edges += [(e.platform, e.post_id, e.kind, e.source, e.target, e.at.isoformat(), e.text,
                       tuple(e.topics), e.lang, float(e.weight)) for e in rec.interactions]
            for a in rec.accounts:
                if a.key in accounts:
                    merge_account(accounts[a.key], copy.copy(a))
                else:
                    accounts[a.key] = copy.copy(a)
            errors += rec.errors
            read += rec.read
            for k, v in rec.counts.items():
                counts[k] = counts.get(k, 0) + v
            cursor = newer_cursor(cursor, rec.cursor)
    return {"edges": edges, "accounts": {k: tuple(getattr(a, f) for f in Account.__slots__)
                                         for k, a in accounts.items()},
            "errors": errors, "counts": counts, "read": read, "cursor": cursor}


def assert_same(path: Path) -> dict:
    line, columns = read_both_ways(path)
    assert columns["edges"] == line["edges"]
    assert columns["accounts"] == line["accounts"]
    for k in ("errors", "counts", "read", "cursor"):
        assert columns[k] == line[k], k
    return line


def hard_pages(path: Path) -> list[bool]:
    """Which lines of a one-block file the column reader sends line by line."""
    block = path.read_bytes()
    table = x_columns.read_pages(block, block.count(b"\n"))
    assert table is not None
    return x_columns.PageColumns(table).hard.tolist()


def tweet(tid, author, text="hi", at="2024-03-01T10:00:00.000Z", **extra) -> dict:
    return {"id": str(tid), "author_id": str(author), "created_at": at, "text": text, **extra}


def user(uid, username, **extra) -> dict:
    return {"id": str(uid), "username": username, "name": username.title(), **extra}


def write_lines(path: Path, objs: list) -> Path:
    with open(path, "wb") as f:
        for o in objs:
            f.write(o if isinstance(o, bytes) else dumps_line(o))
    return path


def tricky_pages() -> list:
    """Pages covering each branch of the edge rules, common and rare."""
    users = [user(1, "ann", description="bio\nline", public_metrics={"followers_count": 5,
                                                                       "following_count": 2,
                                                                       "tweet_count": 9},
                  verified=True, created_at="2010-01-01T00:00:00.000Z",
                  entities={"url": {"urls": [{"expanded_url": "https://ann.example"}]}}, url="https://t.co/a"),
             user(2, "Bob", url="https://t.co/b"), user(3, "cy")]
    return [
        {   # replies, quotes of known and unknown tweets, reposts, mentions with and without ids
            "data": [
                tweet(100, 1, "@Bob @cy thanks @dan #AI #ai $TSLA", in_reply_to_user_id="2",
                      referenced_tweets=[{"type": "replied_to", "id": "90"}],
                      entities={"mentions": [{"username": "Bob", "id": "2"}, {"username": "cy"},
                                             {"username": "dan"}, {"username": "Bob", "id": "2"}],
                                "hashtags": [{"tag": "AI"}, {"tag": " ai "}, {"tag": "\x1cX\x1c"}, {"tag": "   "},
                                             {"tag": "#"}, {"tag": None}], "cashtags": [{"tag": "TSLA"}]},
                      lang="en"),
                tweet(101, 2, "look", referenced_tweets=[{"type": "quoted", "id": "90"}], lang=""),
                tweet(102, 3, "RT @ann: hello", referenced_tweets=[{"type": "retweeted", "id": "100"}]),
                tweet(103, 3, "quoting the unknown", referenced_tweets=[{"type": "quoted", "id": "999"}]),
                tweet(104, 2, "@ann reply via ref", referenced_tweets=[{"type": "replied_to", "id": "100"}],
                      entities={"mentions": [{"username": "ann", "id": "1"}, {"username": "eve", "id": "77"},
                                             {"username": "Eve", "id": "77"}]}),
            ],
            "includes": {"users": users + [user(1, "Ann")],
                         "tweets": [tweet(90, 3, "@ann the original", entities={"mentions": [{"username": "ann"}]}),
                                    tweet(90, 3, "@ann the original"), tweet(100, 1, "again")]},
            "errors": [{"title": "Not Found Error"}],
            "meta": {"result_count": 5},
        },
        {   # a repost whose original is missing: its "RT @name:" prefix names the author
            "data": [tweet(200, 1, "RT @Zed: hi", referenced_tweets=[{"type": "retweeted", "id": "5"}])],
            "includes": {"users": [user(1, "ann")]},
        },
        {   # the same users with changed profiles
            "data": [tweet(300, 2, "@ann hi", entities={"mentions": [{"username": "ann", "id": "1"}]})],
            "includes": {"users": [user(1, "ann", public_metrics={"followers_count": 6}), user(2, "bob")]},
        },
        {   # a page of users
            "data": [user(9, "ivy")],
        },
        {   # odd values: a v1.1 time, a non-ASCII username
            "data": [tweet(400, 2, "@jöe hi", at="Wed Jul 09 00:08:39 +0000 2014",
                           entities={"mentions": [{"username": "jöe"}]})],
        },
        {"errors": [{"title": "Authorization Error"}]},
        {"data": [], "meta": {"result_count": 0}},
        {   # unicode hashtags, ids given as strings with a username-only mention resolved by includes
            "data": [tweet(500, 3, "@Bob 사랑 #사랑해 #İstanbul", entities={
                "mentions": [{"username": "Bob"}], "hashtags": [{"tag": "사랑해"}, {"tag": "#İstanbul"}]})],
            "includes": {"users": [user(2, "bob")]},
        },
    ]


def test_tricky_pages_read_the_same_both_ways(tmp_path):
    path = write_lines(tmp_path / "tricky.jsonl", tricky_pages())
    line = assert_same(path)
    hard = hard_pages(path)
    # Both paths were taken: common pages column-wise, rare branches line by line.
    assert hard == [False, True, False, True, True, True, False, False]
    assert line["counts"]["api_errors"] == 2 and line["counts"]["unresolved"] >= 1
    assert ("x", "100", "reply", "x:1", "x:2") in {e[:5] for e in line["edges"]}


def test_bad_lines_and_blank_lines_keep_their_file_line(tmp_path):
    pages = tricky_pages()
    path = write_lines(tmp_path / "bad.jsonl", [pages[0], b'{"data": [ not json\n', pages[2], b"\n",
                                                  b'{"data": {"id": "1"}}\n', pages[7]])
    line = assert_same(path)
    assert any(e.startswith(f"{path}:2: invalid JSON") for e in line["errors"])
    # A block that Arrow cannot take (invalid JSON, a blank line) goes line by line as a whole.
    assert x_columns.read_pages(path.read_bytes(), path.read_bytes().count(b"\n")) is None


def test_synthetic_archive_in_many_blocks(tmp_path, monkeypatch):
    path = tmp_path / "archive.jsonl"
    with open(path, "wb") as f:
        for page in synthetic_pages(40, per_page=50, n_users=300, seed=3):
            f.write(dumps_line(page))
    monkeypatch.setattr(x_columns, "BLOCK_BYTES", 100_000)  # many blocks, not one
    line = assert_same(path)
    assert len(line["edges"]) > 2000
    assert not any(hard_pages(path))


def test_byte_order_mark_and_missing_final_newline(tmp_path):
    body = b"\xef\xbb\xbf" + dumps_line(tricky_pages()[0]) + json.dumps(tricky_pages()[2]).encode()
    path = tmp_path / "bom.jsonl"
    path.write_bytes(body)
    line = assert_same(path)
    assert line["read"] == 6


@pytest.mark.parametrize("name", ["kpop.jsonl", "noflat.jsonl", "mentions_tweet.jsonl", "quoted_edit.jsonl",
                                  "two_tweets.jsonl", "users.jsonl", "streaming_output_with_error.jsonl",
                                  "flat.jsonl"])
def test_real_archives_read_the_same_both_ways(name):
    path = SAMPLES / name
    if not path.exists():
        pytest.skip("../shared/real-samples is absent")
    line = assert_same(path)
    assert line["edges"] or line["accounts"]


def test_store_holds_the_same_after_either_reader(tmp_path):
    path = write_lines(tmp_path / "tricky.jsonl", tricky_pages() * 2)
    stores = []
    for columnar in (False, True):
        store = SqliteStore(tmp_path / f"s{columnar}.db")
        with open_input(path) as inp:
            run = run_ingest(store, f"jsonl:{path}", iter_x_chunks(inp, columnar=columnar))
        stores.append((store, run))
    (a, run_a), (b, run_b) = stores
    assert (run_a.read, run_a.inserted, run_a.rejected) == (run_b.read, run_b.inserted, run_b.rejected)
    assert run_a.inserted > 0 and run_a.errors == run_b.errors
    assert a.interactions().equals(b.interactions())
    assert a.accounts().equals(b.accounts())


def test_filtered_stream_lines_read_the_same_both_ways(tmp_path):
    """twarc2 stream: one tweet per line (``data`` an object), its users and references in ``includes``."""
    lines = []
    for page in tricky_pages()[:3] + tricky_pages()[7:]:
        for t in page.get("data", []):
            lines.append({"data": t, "includes": page.get("includes", {}), "matching_rules": [{"id": "1"}]})
    lines.insert(2, {"errors": [{"title": "operational-disconnect"}]})
    path = write_lines(tmp_path / "stream.jsonl", lines)
    line = assert_same(path)
    table = x_columns.read_pages(path.read_bytes(), path.read_bytes().count(b"\n"), stream=True)
    hard = x_columns.PageColumns(table).hard.tolist()
    assert hard.count(False) >= 5 and hard[2]  # most lines column-wise; the error line line by line
    assert len(line["edges"]) > 10


def test_damaged_gzip_archive_keeps_the_lines_before_the_damage(tmp_path):
    import gzip

    from graph.errors import InputError
    from ingest.jobs import import_file

    raw = b"".join(dumps_line(p) for p in synthetic_pages(60, per_page=50, n_users=300, seed=5))
    data = gzip.compress(raw)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    store = SqliteStore(tmp_path / "s.db")
    with pytest.raises(InputError, match="cannot read past line"):
        import_file(store, path, "jsonl")
    run = store.runs(limit=1)[0]
    assert run.status == "failed"
    assert store.stats().interactions > 0


def test_reply_prefix_rule_column_wise_equals_the_line_rule():
    """``reply_prefix_skips`` (RE2 on ASCII texts, Python otherwise) against ``_reply_prefix_handles``
    on texts built from the characters where the two regex engines could differ."""
    import random

    import numpy as np
    import pyarrow as pa

    from ingest.x_parse import _reply_prefix_handles

    rng = random.Random(11)
    pieces = ["@", "@", " ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1f", "a", "B", "_", "7", ".", "-",
              "é", "\u00a0", "\u2003", "\u3000", "ß", "@ann", "@Ann", "@bob", "ann", "İ"]
    texts, users = [], []
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        if rng.random() < 0.03:  # handles at and past the rule's 50 characters
            text = "@" + "a" * rng.randint(48, 53) + rng.choice([" @ann", "@ann", " hi"])
        texts.append(None if rng.random() < 0.02 else text)
        users.append(rng.choice(["ann", "Ann", "bob", "a", "B", "a" * 50, "a" * 51, "i"]))
    got = x_columns.reply_prefix_skips(pa.array(texts, pa.string()), pa.array(users, pa.string()))
    want = np.array([u.lower() in _reply_prefix_handles(t) for t, u in zip(texts, users, strict=True)])
    assert got.tolist() == want.tolist()
    assert 200 < int(want.sum()) < 19_000  # both answers are common


def test_a_line_longer_than_arrows_block_is_still_read_column_wise(monkeypatch):
    monkeypatch.setattr(x_columns, "_ARROW_BLOCK", 1 << 20)
    small = dumps_line({"data": [tweet("1", "2", text="short")]})
    long = dumps_line({"data": [tweet("3", "2", text="y" * (1500 << 10))]})
    block = small * 20_000 + long + small * 20_000
    assert len(block) > 2 * (1 << 20)  # so the reader first tries Arrow blocks of 1 MiB
    table = x_columns.read_pages(block, block.count(b"\n"))
    assert table is not None and table.num_rows == 40_001
    assert x_columns.PageColumns(table).hard.sum() == 0
