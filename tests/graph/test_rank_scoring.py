"""Composite score: percentiles, presets, weights files, explanations."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from graph import scoring
from graph.errors import ConfigError


def test_percentile_ranks_average_ties():
    assert scoring.percentile_ranks(np.array([5.0, 5.0, 1.0, 9.0])).tolist() == \
        pytest.approx([0.5, 0.5, 0.0, 1.0])
    assert scoring.percentile_ranks(np.array([2.0, 2.0])).tolist() == [0.5, 0.5]
    assert scoring.percentile_ranks(np.array([np.nan, 1.0])).tolist() == [0.0, 1.0]


def test_composite_contributions_sum_to_score():
    rng = np.random.default_rng(0)
    m = pd.DataFrame({k: rng.random(50) for k in scoring.PRESETS["balanced"]})
    comp = scoring.composite(m, scoring.PRESETS["balanced"])
    assert np.allclose(comp.contributions.sum(axis=1), comp.score)
    assert comp.score.between(0, 100).all()
    assert sum(comp.weights.values()) == pytest.approx(1.0)


def test_resolve_weights_presets_overrides_topics():
    for name in scoring.PRESETS:
        w = scoring.resolve_weights(name)
        assert w and all(m in scoring.METRICS for m in w)
    w = scoring.resolve_weights("balanced", {"reach": 0.0, "core": 0.3})
    assert "reach" not in w and w["core"] == 0.3
    t = scoring.resolve_weights("balanced", topic_mode=True)
    assert "pagerank" not in t and t["topic_pagerank"] == 0.25
    with pytest.raises(ConfigError):
        scoring.resolve_weights("nope")
    with pytest.raises(ConfigError):
        scoring.resolve_weights("balanced", {"bogus": 1})
    with pytest.raises(ConfigError):
        scoring.resolve_weights(None, {})


def test_load_weights_file_toml_and_json(tmp_path):
    t = tmp_path / "w.toml"
    t.write_text('preset = "conversation"\n[weights]\nreach = 0.5\n[kind_weights]\nlike = 0.05\n')
    cfg = scoring.load_weights_file(t)
    assert cfg == {"preset": "conversation", "weights": {"reach": 0.5},
                   "kind_weights": {"like": 0.05}}
    j = tmp_path / "w.json"
    j.write_text(json.dumps({"pagerank": 1, "engagers": 2}))
    assert scoring.load_weights_file(j)["weights"] == {"pagerank": 1.0, "engagers": 2.0}


@pytest.mark.parametrize("text", ["[weights]\nbogus = 1\n", "[weights]\nreach = 'x'\n",
                                  "oops = [\n", "preset = 'nope'\n", "[other]\na=1\n[weights]\n"])
def test_load_weights_file_rejects_bad_files(tmp_path, text):
    p = tmp_path / "w.toml"
    p.write_text(text)
    with pytest.raises(ConfigError):
        scoring.load_weights_file(p)


def test_missing_weights_file(tmp_path):
    with pytest.raises(ConfigError):
        scoring.load_weights_file(tmp_path / "none.toml")


def test_order_by_score_breaks_ties_by_key():
    order = scoring.order_by_score(np.array([1.0, 3.0, 3.0, 2.0]), np.array(["d", "c", "a", "b"]))
    assert order.tolist() == [2, 1, 3, 0]


def test_explain_rows_sum_to_score():
    m = pd.DataFrame({"pagerank": [0.1, 0.3, 0.2], "reach": [5, 1, 3]})
    comp = scoring.composite(m, {"pagerank": 3, "reach": 1})
    for i in range(3):
        e = scoring.explain(m.iloc[i].to_dict(), comp.levels.iloc[i].to_dict(), comp.weights,
                            comp.percentiles.iloc[i].to_dict())
        assert e["contribution"].sum() == pytest.approx(comp.score.iloc[i])
        assert list(e.columns) == ["metric", "value", "level", "percentile", "weight",
                                   "contribution"]
