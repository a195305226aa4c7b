"""Property tests: no parser crashes, whatever it is given.

A parser may reject input — with :class:`~graph.errors.InputError` (a
``ValueError``) or an error message in its result — but never raise anything else.
"""

from __future__ import annotations

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.errors import InputError
from ingest.csv_edges import iter_edge_chunks
from ingest.jsonl import iter_x_chunks, parse_line
from ingest.people import iter_account_chunks, read_accounts, read_crm, read_roster
from ingest.sources import open_input
from ingest.x_parse import RecordError, parse_x_record

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
TWEET_KEYS = [
    "id", "author_id", "created_at", "text", "lang", "entities", "referenced_tweets",
    "in_reply_to_user_id", "author", "in_reply_to_user", "user", "id_str", "retweeted_status",
    "quoted_status", "full_text", "extended_tweet", "username", "public_metrics", "tweet",
]
ENTITY_KEYS = ["mentions", "hashtags", "cashtags", "user_mentions", "symbols", "urls"]
near_values = (
    json_values
    | st.sampled_from(["2024-01-01T00:00:00Z", "Wed Jul 09 00:08:39 +0000 2014", "12", "RT @a: x", "@a @b hi"])
)
entities = st.dictionaries(
    st.sampled_from(ENTITY_KEYS),
    st.lists(st.dictionaries(st.sampled_from(["username", "id", "tag", "text", "screen_name", "id_str", "start"]),
                             near_values, max_size=4), max_size=3) | json_values,
    max_size=4,
)
refs = st.lists(
    st.dictionaries(st.sampled_from(["type", "id", "author_id", "text", "tweet", "author"]),
                    st.sampled_from(["retweeted", "quoted", "replied_to"]) | near_values, max_size=5),
    max_size=3,
)
tweetish = st.dictionaries(
    st.sampled_from(TWEET_KEYS),
    near_values | entities | refs,
    max_size=10,
)
pageish = st.fixed_dictionaries(
    {},
    optional={
        "data": st.lists(tweetish, max_size=3) | tweetish | json_values,
        "includes": st.dictionaries(st.sampled_from(["users", "tweets"]),
                                    st.lists(tweetish, max_size=3) | json_values, max_size=2) | json_values,
        "meta": json_values,
        "errors": json_values,
        "uri": st.text(max_size=5),
        "body": st.lists(tweetish, max_size=2) | st.text(max_size=20),
    },
)


def _fixture_records() -> list:
    from tests.ingest.conftest import FIX, X_API

    records = [json.loads((X_API / "search_page1.json").read_text())]
    for name in ("x_v2_flat.jsonl", "x_v1_tweets.jsonl", "x_v2_tweets.jsonl"):
        records += [json.loads(line) for line in (FIX / name).read_text().splitlines()]
    return records


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, (*prefix, i))


def _mutate(record, picks):
    """Replace (or delete, for ``DELETE``) the values at a few paths of a copy of ``record``."""
    obj = json.loads(json.dumps(record))
    paths = [p for p in _paths(obj) if p]
    for index, value in picks:
        path = paths[index % len(paths)]
        parent = obj
        try:
            for step in path[:-1]:
                parent = parent[step]
            if value == "DELETE" and isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed this path
    return obj


mutated_fixtures = st.builds(
    _mutate,
    st.sampled_from(_fixture_records()),
    st.lists(st.tuples(st.integers(min_value=0), near_values | st.just("DELETE")), min_size=1, max_size=4),
)


#: The parser's last-resort guard names the exception it caught; the parsers are
#: meant to check types themselves, so a test that reaches the guard has found a bug.
BACKSTOP = ("TypeError:", "KeyError:", "AttributeError:", "OverflowError:", "RecursionError:")


def _parses_or_rejects(obj) -> None:
    try:
        parsed = parse_x_record(obj)
    except RecordError as exc:
        assert not any(b in str(exc) for b in BACKSTOP), str(exc)
        return
    for message in parsed.errors:
        assert not any(b in message for b in BACKSTOP), message


@SETTINGS
@given(json_values)
def test_any_json_value(obj):
    _parses_or_rejects(obj)


@SETTINGS
@given(tweetish)
def test_tweet_like_objects(obj):
    _parses_or_rejects(obj)


@SETTINGS
@given(pageish)
def test_page_like_objects(obj):
    _parses_or_rejects(obj)


@SETTINGS
@given(mutated_fixtures)
def test_mutated_real_shaped_records(obj):
    _parses_or_rejects(obj)


@SETTINGS
@given(st.binary(max_size=200))
def test_any_line(data):
    try:
        parse_line(data)
    except RecordError:
        pass


def _through_file(tmp_path, data: bytes, reader) -> None:
    p = tmp_path / "input"
    p.write_bytes(data)
    try:
        with open_input(p) as inp:
            result = reader(inp)
            if not isinstance(result, list | tuple) and hasattr(result, "__iter__") and not hasattr(result, "rows"):
                for _ in result:
                    pass
    except InputError:
        pass


csv_texts = st.text(alphabet=string.printable + "é;|\t\"@#", max_size=300)
csv_like = st.builds(
    lambda header, body: header + "\n" + body,
    st.sampled_from(["source,target,timestamp,kind,weight,topics,platform,post_id,text", "source;target",
                     "handle,status,platform", "handle,email,name,platform", "platform,handle,id,followers,verified"]),
    csv_texts,
)


@SETTINGS
@given(st.binary(max_size=300) | csv_like.map(str.encode) | json_values.map(lambda v: json.dumps(v).encode()))
def test_files_never_crash_any_reader(tmp_path_factory, data):
    tmp_path = tmp_path_factory.mktemp("prop")
    _through_file(tmp_path, data, iter_x_chunks)
    _through_file(tmp_path, data, lambda inp: iter_edge_chunks(inp, default_time=None))
    _through_file(tmp_path, data, read_accounts)
    _through_file(tmp_path, data, iter_account_chunks)
    _through_file(tmp_path, data, read_roster)
    _through_file(tmp_path, data, read_crm)
