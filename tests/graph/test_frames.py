"""Column-wise validation of interaction frames (graph.frames.event_table)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graph.errors import InputError
from graph.frames import EVENT_TABLE_COLUMNS, event_table


def frame(**overrides) -> pd.DataFrame:
    base = {
        "platform": ["X", "x", "x"],
        "post_id": [" 1 ", "2", "1"],
        "kind": ["Mention", "reply", "mention"],
        "source": ["x:1", "x:2", "x:1"],
        "target": ["x:2", "x:1", "x:2"],
        "at": ["2026-09-01T10:00:00Z", "2026-09-01T11:00:00+02:00", "2026-09-02"],
        "topics": [["Data", "ML"], "ml;;Ops", None],
    }
    base.update(overrides)
    return pd.DataFrame(base)


def test_normalises_and_keys_each_identity_once():
    t = event_table(frame())
    assert list(t.columns) == list(EVENT_TABLE_COLUMNS)
    assert t["key"].tolist() == ["x|1|mention|x:2", "x|2|reply|x:1"]
    assert t["at"].tolist() == [1788256800000, 1788253200000]
    assert t["topics"].tolist() == [";data;ml;", ";ml;ops;"]
    assert t["weight"].tolist() == [1.0, 1.0]


def test_without_key_keeps_every_row_in_order():
    t = event_table(frame(), with_key=False)
    assert "key" not in t.columns
    assert t["post_id"].tolist() == ["1", "2", "1"]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("source", "alice", "invalid source account key 'alice' (expected platform:id)"),
        ("target", None, "missing target account key"),
        ("at", "not a time", "missing or invalid time"),
        ("kind", "", "invalid kind"),
    ],
)
def test_names_the_bad_value(column, value, message):
    df = frame()
    df.loc[1, column] = value
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        event_table(df)


def test_snapshot_rows_cut_records_right_when_texts_hold_record_boundaries():
    import json as _json

    from graph.frames import snapshot_rows

    table = pd.DataFrame({"account": ["x:1", "x:2", "x:3"], "rank": [1, 2, 3],
                          "score": [1.0, 0.5, 0.25], "handle": ["a},{b", "plain", None],
                          "topics": [("t},{u",), (), ("z",)], "v": [1.5, float("nan"), 2.0]})
    for t in (table, table.iloc[[1]], table.iloc[[0]]):
        rows = snapshot_rows("s1", t)
        assert [r[1] for r in rows] == t["account"].tolist()
        metrics = [_json.loads(r[4]) for r in rows]
        want = [{"handle": h if isinstance(h, str) else None, "topics": list(tp),
                 "v": None if v != v else v}
                for h, tp, v in zip(t["handle"], t["topics"], t["v"], strict=True)]
        assert metrics == want


def test_snapshot_row_chunks_equal_the_rows_in_one_piece():
    from graph.frames import snapshot_row_chunks, snapshot_rows

    table = pd.DataFrame({"account": [f"x:{i}" for i in range(11)], "rank": range(1, 12),
                          "score": np.linspace(1, 0, 11), "handle": ["a},{b"] + ["h"] * 10,
                          "v": [0.1 * i for i in range(11)]})
    whole = snapshot_rows("s", table)
    for size in (1, 3, 11, 50):
        chunks = list(snapshot_row_chunks("s", table, size))
        assert [len(c) for c in chunks][:-1] == [size] * (len(chunks) - 1)
        assert [r for c in chunks for r in c] == whole


def test_snapshot_metrics_read_by_arrow_equal_the_parsed_objects():
    import random

    import orjson

    from graph.frames import _arrow_metrics, snapshot_rows

    rng = random.Random(3)
    values = {
        "float": lambda: rng.choice([0.0, 1.5, -2.25e-9, 1e300, float("nan"), 0.1 + 0.2]),
        "int": lambda: rng.choice([0, 5, -7, 2**62]),
        "bool": lambda: rng.choice([True, False]),
        "str": lambda: rng.choice(["a", "", 'é/\\"x', "},{", "a;b"]),
        "str_gaps": lambda: rng.choice(["a", None, "b/c"]),
        "int_gaps": lambda: rng.choice([1, None, 3]),
        "bool_gaps": lambda: rng.choice([True, False, None]),
        "list": lambda: ("a", "b"),
        "none": lambda: None,
    }
    taken = 0
    for _ in range(300):
        n = rng.choice([1, 2, 7, 40])
        table = pd.DataFrame({"account": [f"x:{i}" for i in range(n)], "rank": range(1, n + 1),
                              "score": 0.5})
        for kind in rng.sample(sorted(values), rng.randint(1, 5)):
            cells = [values[kind]() for _ in range(n)]
            table[kind] = (pd.array(cells, dtype="Int64") if kind == "int_gaps"
                           else pd.Series(cells, dtype=object) if kind in ("list", "bool_gaps")
                           else cells)
        texts = [r[4] for r in snapshot_rows("s", table)]
        got = _arrow_metrics(texts)
        if got is not None:
            taken += 1
            want = pd.DataFrame.from_records(orjson.loads("[" + ",".join(texts) + "]"))
            pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert 0 < taken < 300  # both ways were taken
