"""Fuzzing (issue 11): hostile files through every ingest command, then ranking and every export.

Hypothesis writes random bytes, random unicode (control, bidi, NUL, surrogates)
and structured rows with extreme numbers and times to a file, feeds it to
``scout ingest jsonl|edges|accounts|roster|crm``, then ranks and exports the
leaderboard as a table, CSV, JSON and XLSX. Every command must end with a
ScoutError's exit status (0, 1 or 2), never a traceback: the click runner
re-raises anything else. A handful of valid events are always there, so the
ranking has something to rank.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ui.cli import cli

RECENT = datetime.now(UTC) - timedelta(days=3)
BASE_EDGES = "source,target,timestamp\n" + "".join(
    f"base{i},base{(i * 3 + 1) % 7},{(RECENT - timedelta(hours=i)).isoformat()}\n" for i in range(21))

# -- strategies -------------------------------------------------------------------------------

NASTY_CHARS = "\x00\x07\x1b\x7f\x85\u200b\u200e\u202a\u202e\u2066\ufeff\r\n\t=+-@\"',;|:#$"
nasty_text = st.text(alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from(NASTY_CHARS)),
                     max_size=40)
huge_numbers = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
).map(str)
extreme_times = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31),
                 timezones=st.just(UTC)).map(lambda d: d.isoformat()),
    st.sampled_from(["2999-01-01T00:00:00Z", "2100-01-01", "1969-12-31T23:59:59Z", "0001-01-01",
                     "9999-12-31T23:59:59.999999Z", "-1", "1e20", "99999999999999999999",
                     "Wed Jul 09 00:08:39 +0000 2014", "2024-02-30", "", "now"]),
    st.just(RECENT.isoformat()),
)
cell = st.one_of(nasty_text, huge_numbers, extreme_times)


def csv_text(columns: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8", "surrogatepass")


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), huge_numbers.map(lambda s: s), nasty_text,
              st.integers(min_value=-(2**70), max_value=2**70)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(nasty_text, inner, max_size=4)),
    max_leaves=12,
)
tweet = st.fixed_dictionaries({
    "id": st.one_of(st.integers(min_value=0, max_value=2**70).map(str), nasty_text),
    "author_id": st.one_of(st.integers(min_value=0, max_value=2**70).map(str), nasty_text),
    "created_at": extreme_times,
    "text": nasty_text,
    "lang": nasty_text,
    "entities": st.fixed_dictionaries({"mentions": st.lists(st.fixed_dictionaries(
        {"username": nasty_text, "id": st.integers(min_value=0, max_value=2**70).map(str)}), max_size=3),
        "hashtags": st.lists(st.fixed_dictionaries({"tag": nasty_text}), max_size=2)}),
})
user = st.fixed_dictionaries({
    "id": st.integers(min_value=0, max_value=2**70).map(str),
    "username": nasty_text,
    "name": nasty_text,
    "created_at": extreme_times,
    "description": nasty_text,
    "public_metrics": st.fixed_dictionaries({"followers_count": st.one_of(
        st.integers(min_value=-(2**70), max_value=2**70), huge_numbers)}),
})
page = st.fixed_dictionaries({"data": st.lists(tweet, max_size=3),
                              "includes": st.fixed_dictionaries({"users": st.lists(user, max_size=3)})})
jsonl_file = st.lists(st.one_of(page, tweet, user, json_value), max_size=6).map(
    lambda objs: "\n".join(json.dumps(o) for o in objs).encode("utf-8", "surrogatepass"))

base_name = st.sampled_from([f"base{i}" for i in range(7)])
name = st.one_of(nasty_text, base_name)
recent = st.just(RECENT.isoformat())


def rows(*columns: st.SearchStrategy[str]) -> st.SearchStrategy[list[list[str]]]:
    """Rows that often parse (so hostile values reach ranking and exports), sometimes ragged."""
    row = st.tuples(*columns).map(list)
    ragged = st.lists(cell, max_size=len(columns) + 2)
    return st.lists(st.one_of(row, row, row, ragged), max_size=12)


FILES = {
    "jsonl": jsonl_file,
    "edges": rows(name, name, st.one_of(st.sampled_from(["mention", "reply", "like", ""]), nasty_text),
                  st.one_of(recent, recent, extreme_times), st.one_of(st.just(""), nasty_text),
                  nasty_text, nasty_text, nasty_text, st.one_of(st.just("1"), huge_numbers)).map(
        lambda r: csv_text(["source", "target", "kind", "timestamp", "platform", "post_id", "text",
                            "topics", "weight"], r)),
    "accounts": rows(st.one_of(st.just(""), nasty_text), name, nasty_text, huge_numbers, huge_numbers,
                     huge_numbers, extreme_times, nasty_text, nasty_text, nasty_text).map(
        lambda r: csv_text(["platform", "handle", "name", "followers", "following", "posts",
                            "created_at", "verified", "bio", "url"], r)),
    "roster": rows(name, st.one_of(st.just(""), nasty_text), nasty_text, nasty_text, nasty_text,
                   nasty_text).map(
        lambda r: csv_text(["handle", "platform", "email", "name", "department", "manager"], r)),
    "crm": rows(name, st.one_of(st.sampled_from(["customer", "prospect"]), nasty_text),
                st.one_of(st.just(""), nasty_text), nasty_text).map(
        lambda r: csv_text(["handle", "status", "platform", "company"], r)),
}
SUFFIX = {"jsonl": ".jsonl"}

# Inputs that once broke Scout (issue 11), tried first on every run.
_R = RECENT.isoformat()
KNOWN = {
    "jsonl": json.dumps({"data": [{"id": "1", "author_id": "10", "created_at": "2999-01-01T00:00:00Z",
                                   "text": "@b \u0007", "entities": {"mentions": [
                                       {"username": "b\u202e", "id": "11"}]}}],
                         "includes": {"users": [{"id": "11", "username": "b\u0007",
                                                 "public_metrics": {"followers_count": str(2**64)}}]}}),
    "edges": f"source,target,timestamp\nbell\x07,base1,{_R}\n{'h' * 9000},base2,{_R}\n"
             f"base3,base4,2999-01-01T00:00:00Z\nbase4,base5,2100-01-01\n\u202eevil,base1,{_R}\n",
    "accounts": f"handle,followers,name\nbase1,{2**64},x\nbase2,5,=bell\x07\n{'h' * 9000},1,x\n",
    "roster": "handle,name\nbase1,\u202eAnn\x07\nbase2,Bob\n",
    "crm": "handle,status,company\nbase3,customer,=HYPERLINK(\"x\")\x07\n",
}


def any_file(kind: str) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=600), nasty_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
                     FILES[kind])


# -- the round trip ------------------------------------------------------------------------------


def round_trip(uri: str, kind: str, data: bytes, any_time: bool, folder: Path) -> None:
    runner = CliRunner()

    def scout(*args: str):
        r = runner.invoke(cli, ["--store", uri, *args], catch_exceptions=False)
        assert r.exit_code in (0, 1, 2), (args, r.exit_code, r.output)
        return r

    path = folder / f"input{SUFFIX.get(kind, '.csv')}"
    path.write_bytes(data)
    options = ["--any-time"] if any_time and kind in ("jsonl", "edges") else []
    scout("ingest", kind, str(path), *options)
    ranked = scout("rank")
    assert ranked.exit_code == 0, ranked.output
    assert scout("leaders", "--top", "50").exit_code == 0
    for fmt in ("csv", "json"):
        out = scout("leaders", "--top", "50", "--format", fmt).stdout
        assert out.strip()
    xlsx = folder / "leaders.xlsx"
    assert scout("leaders", "--top", "50", "--out", str(xlsx)).exit_code == 0
    assert openpyxl.load_workbook(xlsx).active.max_row >= 2
    assert scout("stats", "--format", "json").exit_code == 0


def fresh_store(kind_of_store: str, folder: Path, neo4j_uri: str | None) -> str:
    base = folder / "base.csv"
    base.write_text(BASE_EDGES)
    if kind_of_store == "sqlite":
        uri = f"sqlite:///{folder / 'scout.db'}"
    else:
        from graph.neo4j_store import Neo4jStore

        with Neo4jStore(neo4j_uri) as s:
            s.delete_everything()
        uri = neo4j_uri
    r = CliRunner().invoke(cli, ["--store", uri, "ingest", "edges", str(base)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return uri


FUZZ = settings(max_examples=12, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("kind", list(FILES))
def test_fuzz_ingest_rank_export_sqlite(kind):
    @FUZZ
    @given(data=any_file(kind), any_time=st.booleans())
    @example(data=KNOWN[kind].encode("utf-8"), any_time=False)
    @example(data=KNOWN[kind].encode("utf-8"), any_time=True)
    def check(data: bytes, any_time: bool) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            round_trip(fresh_store("sqlite", folder, None), kind, data, any_time, folder)

    check()


@pytest.mark.parametrize("kind", list(FILES))
def test_fuzz_ingest_rank_export_neo4j(kind, neo4j_uri):
    @settings(FUZZ, max_examples=3)
    @given(data=any_file(kind), any_time=st.booleans())
    @example(data=KNOWN[kind].encode("utf-8"), any_time=False)
    def check(data: bytes, any_time: bool) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            round_trip(fresh_store("neo4j", folder, neo4j_uri), kind, data, any_time, folder)

    check()
