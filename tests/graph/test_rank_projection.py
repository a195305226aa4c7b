"""Projection of events onto the weighted engagement graph, and automation scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graph import automation as auto
from graph.projection import (
    DEFAULT_KIND_WEIGHTS,
    event_weights,
    kind_weights_array,
    project_events,
    scale_sources,
)


def ev(rows, **cols) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["source", "target", "kind", "at"])
    df["at"] = pd.to_datetime(df["at"], utc=True)
    for k, v in cols.items():
        df[k] = v
    return df


def test_default_kind_weights_documented_values():
    assert DEFAULT_KIND_WEIGHTS == {"repost": 1.0, "quote": 1.0, "reply": 0.8, "mention": 0.6,
                                    "comment": 0.6, "message": 0.5, "link": 0.3, "like": 0.2,
                                    "follow": 0.1}
    assert kind_weights_array(pd.Series(["like", "custom_zap"])).tolist() == [0.2, 0.5]
    assert kind_weights_array(pd.Series(["like", "zap"]), {"like": 0.7, "*": 0.9}).tolist() == \
        [0.7, 0.9]


def test_parallel_events_summed_and_self_interactions_dropped():
    df = ev([("x:a", "x:b", "reply", "2024-05-01"), ("x:a", "x:b", "repost", "2024-05-01"),
             ("x:a", "x:a", "reply", "2024-05-01"), ("x:c", "x:b", "like", "2024-05-01")])
    p = project_events(df, half_life_days=None)
    assert p.keys.tolist() == ["x:a", "x:b", "x:c"]
    dense = p.adjacency.toarray()
    assert dense[0, 1] == pytest.approx(1.8)
    assert dense[2, 1] == pytest.approx(0.2)
    assert dense[0, 0] == 0 and p.adjacency.nnz == 2
    assert p.events_out.tolist() == [3, 0, 1]
    assert p.events_in.tolist() == [0, 3, 0]


def test_time_decay_half_life_counted_from_until_or_newest():
    df = ev([("x:a", "x:b", "repost", "2024-01-01"), ("x:c", "x:b", "repost", "2024-01-31")])
    p = project_events(df, half_life_days=30)
    assert p.adjacency[0, 1] == pytest.approx(0.5)
    assert p.adjacency[2, 1] == pytest.approx(1.0)
    p = project_events(df, half_life_days=30, until=pd.Timestamp("2024-03-01", tz="UTC"))
    assert p.adjacency[2, 1] == pytest.approx(0.5)
    p = project_events(df, half_life_days=None)
    assert p.adjacency[0, 1] == pytest.approx(1.0)


def test_event_weight_column_is_multiplied_and_nan_read_as_one():
    df = ev([("x:a", "x:b", "reply", "2024-05-01"), ("x:c", "x:b", "reply", "2024-05-01")],
            weight=[2.0, np.nan])
    w = event_weights(df, half_life_days=None)
    assert w.tolist() == pytest.approx([1.6, 0.8])


def test_node_order_does_not_depend_on_event_order():
    df = ev([("x:b", "x:a", "reply", "2024-05-01"), ("x:c", "x:a", "like", "2024-05-02")])
    p1 = project_events(df)
    p2 = project_events(df.iloc[::-1])
    assert p1.keys.tolist() == p2.keys.tolist()
    assert (p1.adjacency != p2.adjacency).nnz == 0


def test_index_of():
    p = project_events(ev([("x:a", "x:b", "reply", "2024-05-01")]))
    assert p.index_of(["x:b", "x:zz", "x:a"]).tolist() == [1, -1, 0]


def test_scale_sources_downweights_outgoing_only():
    df = ev([("x:a", "x:b", "repost", "2024-05-01"), ("x:b", "x:a", "repost", "2024-05-01")])
    p = project_events(df, half_life_days=None)
    s = scale_sources(p.adjacency, np.array([0.25, 1.0])).toarray()
    assert s[0, 1] == 0.25 and s[1, 0] == 1.0


def test_empty_events():
    p = project_events(ev([]))
    assert p.n == 0 and p.adjacency.shape == (0, 0)


# -- automation ---------------------------------------------------------------------------


def test_duplicate_text_share_counts_posts_once_and_ignores_urls_mentions():
    df = pd.DataFrame({
        "source": ["x:bot"] * 7 + ["x:h"] * 5,
        "post_id": ["1", "1", "2", "3", "4", "5", "6"] + list("abcde"),
        "text": ["Buy now @a https://t.co/1", "Buy now @a https://t.co/1", "buy NOW @b",
                 "buy now https://t.co/2", "buy now", "hello", "other"]
        + ["one", "two", "three", "four", "five"],
    })
    share = auto.duplicate_text_share(df)
    assert share["x:bot"] == pytest.approx((1 + 0.5 + 1 + 0.5) / 6)  # plain repeats count half
    assert share["x:h"] == 0.0


def test_signals_and_combination():
    assert auto.rate_signal(np.array([10, 100, 1000, 0]), 1).tolist() == [0, 1, 1, 0]
    assert auto.ratio_signal(np.array([9.0, 1.0, np.nan]), np.array([1000.0, 10.0, 500.0])
                             ).tolist() == [pytest.approx(1.0), 0.0, 0.0]
    assert auto.young_signal(np.array([10.0, 400.0, np.nan])).tolist() == [1.0, 0.0, 0.0]
    total = auto.combine_signals(**{k: np.ones(1) for k in auto.SIGNAL_WEIGHTS})
    assert total.tolist() == [1.0]
    assert sum(auto.SIGNAL_WEIGHTS.values()) == pytest.approx(1.0)


def test_one_way_signal_needs_enough_targets():
    import scipy.sparse as sp

    n = 13
    rows = [0] * 12
    cols = list(range(1, 13))
    a = sp.csr_matrix((np.ones(12), (rows, cols)), shape=(n, n))
    s = auto.one_way_signal(a)
    assert s[0] == 1.0 and s[1] == 0.0  # node 1 engages nobody


def test_automation_scores_flags_a_spammy_account():
    import scipy.sparse as sp

    n = 15
    a = sp.csr_matrix((np.ones(14), ([0] * 14, range(1, 15))), shape=(n, n))
    out = np.zeros(n)
    out[0] = 500
    dup = np.zeros(n)
    dup[0] = 0.9
    df = auto.automation_scores(a, out, 2.0, duplicate=dup)
    assert df.loc[0, "automation"] >= auto.AUTOMATED_THRESHOLD
    assert (df.loc[1:, "automation"] == 0).all()
    assert set(df.columns) == {"rate", "duplicate", "one_way", "ratio", "young", "automation"}
