"""Edge lists and people files (accounts, roster, CRM)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from graph.errors import InputError
from graph.model import row_post_id
from ingest.csv_edges import iter_edge_chunks, parse_default_time, parse_timestamps
from ingest.identity import account_identity
from ingest.people import parse_bool, parse_count, read_accounts, read_crm, read_roster
from ingest.sources import open_input
from tests.ingest.conftest import FIX, collect


def edges_of(path, **kw):
    with open_input(path) as inp:
        return collect(iter_edge_chunks(inp, **kw))


def write(tmp_path, text, name="e.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# -- edges ---------------------------------------------------------------------------------------------


def test_edges_fixture():
    read, accounts, interactions, errors, _ = edges_of(FIX / "edges.csv")
    assert (read, errors) == (4, [])
    rows = {(e.source, e.target, e.kind): e for e in interactions}
    first = rows[("generic:alice", "generic:bob", "mention")]
    assert first.at == datetime(2024, 5, 1, 9, tzinfo=UTC)
    assert first.topics == ("acme", "launch")
    assert first.text == "hi @bob"
    second = rows[("generic:bob", "generic:alice", "reply")]
    assert second.at == datetime(2024, 5, 1, 7, 5, tzinfo=UTC)  # +02:00 → UTC
    assert second.weight == 1.0  # blank weight
    third = rows[("generic:carol", "generic:alice", "repost")]
    assert third.at == datetime.fromtimestamp(1714554000, UTC)
    fourth = rows[("generic:dave", "generic:alice", "mention")]  # blank kind → mention
    assert fourth.text == "multi\nline text" and fourth.weight == 2.5 and fourth.topics == ("acme",)
    assert all(e.post_id.startswith("row:") for e in interactions)
    assert {a.key: a.handle for a in accounts}["generic:bob"] in ("bob", "Bob")


def test_bad_rows_are_reported_with_their_line():
    read, _, interactions, errors, _ = edges_of(FIX / "edges_bad.csv")
    p = FIX / "edges_bad.csv"
    assert read == 2 and len(interactions) == 2
    assert errors == [
        f"{p}:3: empty source",
        f"{p}:4: empty target",
        f"{p}:5: missing timestamp (add a timestamp column or use --default-time)",
        f"{p}:6: unreadable timestamp 'yesterday'",
        f"{p}:7: invalid interaction kind 'not a kind!'",
        f"{p}:8: weight must be a non-negative number, got '-3'",
        f"{p}:9: expected 5 fields, got 6",
    ]


def test_line_numbers_count_multiline_cells(tmp_path):
    p = write(tmp_path, 'source,target,timestamp,text\na,b,2024-01-01,"x\ny\nz"\n,b,2024-01-01,\n')
    assert edges_of(p)[3] == [f"{p}:5: empty source"]


def test_semicolon_file_with_aliases_platforms_and_post_ids():
    _, accounts, interactions, errors, _ = edges_of(FIX / "edges_semicolon.csv")
    assert errors == []
    got = {(e.platform, e.post_id, e.source, e.target) for e in interactions}
    assert ("slack", "m-1", "slack:alice", "slack:bob") in got
    x = next(e for e in interactions if e.platform == "x")
    assert (x.source, x.target) == ("x:1003", "x:@ann_dev")  # numeric id vs username
    assert {a.key: a.handle for a in accounts}["x:@ann_dev"] == "ann_dev"


def test_delimiter_option_and_tab(tmp_path):
    p = write(tmp_path, "source\ttarget\ttimestamp\na\tb\t2024-01-01\n")
    assert edges_of(p, delimiter="\\t")[0] == 1
    assert edges_of(p)[0] == 1  # sniffed
    with pytest.raises(InputError, match="one character"):
        edges_of(p, delimiter="::")


def test_platform_default_and_validation(tmp_path):
    p = write(tmp_path, "source,target,timestamp\nA,B,2024-01-01\n")
    _, accounts, interactions, _, _ = edges_of(p, platform="LinkedIn")
    assert interactions[0].source == "linkedin:a"
    assert {a.handle for a in accounts} == {"A", "B"}
    with pytest.raises(InputError, match="invalid platform"):
        edges_of(p, platform="no way!")
    q = write(tmp_path, "source,target,timestamp,platform\nA,B,2024-01-01,bad platform!\n", "q.csv")
    assert "invalid platform" in edges_of(q)[3][0]


def test_missing_columns_is_one_input_error(tmp_path):
    p = write(tmp_path, "from_user,to_user\na,b\n")
    with pytest.raises(InputError, match=r"missing required column\(s\): source, target"):
        edges_of(p)


def test_default_time(tmp_path):
    p = write(tmp_path, "source,target\na,b\nc,d\n")
    assert len(edges_of(p)[3]) == 2
    when = parse_default_time("2024-02-03T04:05:06Z")
    _, _, interactions, errors, _ = edges_of(p, default_time=when)
    assert errors == [] and {e.at for e in interactions} == {datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)}
    with pytest.raises(InputError):
        parse_default_time("whenever")


def test_same_row_same_identity_different_rows_differ(tmp_path):
    p = write(tmp_path, "source,target,timestamp\na,b,2024-01-01\na,b,2024-01-01T00:00:00Z\na,b,2024-01-02\n")
    ids = [e.post_id for e in edges_of(p)[2]]
    assert ids[0] == ids[1] != ids[2]  # equal rows (after normalisation) are one event


def test_row_identity_is_stable():
    # The identity is a documented function of the row: keep it stable across versions.
    assert row_post_id("generic", "mention", "a", "b", "2024-01-01T00:00:00+00:00", "", "", "1.0") == (
        row_post_id("generic", "mention", "a", "b", "2024-01-01T00:00:00+00:00", "", "", "1.0")
    )


def test_ignored_columns_are_named(tmp_path):
    p = write(tmp_path, "source,target,timestamp,colour\na,b,2024-01-01,red\n")
    warnings = []
    with open_input(p) as inp:
        list(iter_edge_chunks(inp, note=warnings.append))
    assert warnings == [f"{p}: ignoring column(s): colour"]


def test_trailing_delimiter_is_tolerated(tmp_path):
    p = write(tmp_path, "source,target,timestamp\na,b,2024-01-01,\n")
    assert edges_of(p)[3] == []


def test_parse_timestamps_vectorised():
    s = parse_timestamps(pd.Series(["2024-01-02T03:04:05Z", "1704164645", "1704164645000", "2024-01-02", "nope", ""]))
    assert [str(v) for v in s] == [
        "2024-01-02 03:04:05+00:00",
        "2024-01-02 03:04:05+00:00",
        "2024-01-02 03:04:05+00:00",  # milliseconds
        "2024-01-02 00:00:00+00:00",
        "NaT",
        "NaT",
    ]


def test_account_identity_rules():
    assert account_identity("generic", " @Alice ") == ("alice", "Alice")
    assert account_identity("x", "2244994945") == ("2244994945", None)
    assert account_identity("x", "@12345") == ("@12345", "12345")
    with pytest.raises(ValueError):
        account_identity("slack", "@")


# -- people files --------------------------------------------------------------------------------------


def test_accounts_file():
    with open_input(FIX / "accounts.csv") as inp:
        result = read_accounts(inp)
    p = FIX / "accounts.csv"
    assert result.errors == [f"{p}:5: a row needs a handle or an id", f"{p}:6: not a count: 'lots'"]
    accounts = {a.key: a for a in result.items}
    ann = accounts["x:1002"]
    assert (ann.handle, ann.followers, ann.verified, ann.url) == ("ann_dev", 5400, False, "https://ann.example")
    assert ann.created_at == datetime(2015, 3, 1, 10, tzinfo=UTC)
    assert accounts["x:@newbie"].handle == "newbie"
    carol = accounts["linkedin:carol-smith"]
    assert (carol.handle, carol.verified, carol.bio) == ("Carol-Smith", True, "Head of Data")


def test_roster_file():
    with open_input(FIX / "roster.csv") as inp:
        result = read_roster(inp)
    assert result.errors == [f"{FIX / 'roster.csv'}:5: a roster row needs a handle or an email"]
    people = result.items
    assert [(p.handle, p.platform, p.email) for p in people] == [
        ("ann_dev", "x", "ann@acme.example"),
        ("bob_ops", "x", None),
        (None, None, "carol@acme.example"),
    ]
    assert people[1].manager == "ann@acme.example"


def test_crm_file():
    with open_input(FIX / "crm.csv") as inp:
        result = read_crm(inp)
    assert [(e.handle, e.status, e.platform) for e in result.items] == [
        ("dana_k", "customer", "x"),
        ("eve", "prospect", "x"),
        ("cyd", "prospect", None),
    ]
    assert len(result.errors) == 1 and "CRM status must be one of" in result.errors[0]


def test_people_files_need_their_columns(tmp_path):
    p = write(tmp_path, "name,department\nAnn,Eng\n")
    with open_input(p) as inp, pytest.raises(InputError, match="handle or email"):
        read_roster(inp)
    with open_input(p) as inp, pytest.raises(InputError, match="handle or id"):
        read_accounts(inp)


def test_counts_and_flags():
    assert parse_count("1_000") == 1000 and parse_count("12.0") == 12 and parse_count(" ") is None
    with pytest.raises(ValueError):
        parse_count("-1")
    assert parse_bool("Yes") is True and parse_bool("0") is False and parse_bool("") is None
    with pytest.raises(ValueError):
        parse_bool("maybe")
