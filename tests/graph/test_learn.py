"""Learning weights from known leaders: ``graph.learn`` and ``scout rank --learn-from``."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from graph import learn
from graph.errors import InputError

from .test_evaluate import run
from .test_rank_store import fill


def _table(n=80, seed=1):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"account": [f"a{i:03d}" for i in range(n)],
                         "pagerank": rng.random(n), "engagers": rng.random(n),
                         "in_strength": rng.random(n), "score": np.zeros(n)})


def test_check_labels_refuses_too_few_and_numbers():
    with pytest.raises(InputError, match="4 leader\\(s\\) and 6 non-leader\\(s\\).*at least 5"):
        learn.check_labels(pd.Series([1] * 4 + [0] * 6))
    with pytest.raises(InputError, match="1 \\(leader\\) or 0"):
        learn.check_labels(pd.Series([1, 2, 0, 0, 0, 1, 1, 1, 1, 0, 0]))


def test_learns_the_metric_that_separates_leaders():
    t = _table()
    # a single metric that separates the leaders is found without fitting
    labels = pd.Series((t["engagers"] > 0.6).astype(float).to_numpy(), index=t["account"])
    fit = learn.learn_weights(t, labels, {"pagerank": 1.0})
    assert fit.source == "metric:engagers" and fit.weights == {"engagers": 1.0}
    assert fit.cv_auc == 1.0 and fit.default_cv_auc < 0.8
    # leaders = many engagers but *little* in-strength: only a fit can express that
    labels = pd.Series((t["engagers"] - t["in_strength"] > 0.2).astype(float).to_numpy(),
                       index=t["account"])
    fit = learn.learn_weights(t, labels, {"pagerank": 1.0})
    assert fit.source == "learned"
    assert fit.weights["engagers"] > 0 > fit.weights["in_strength"]
    assert fit.cv_auc > 0.9 > fit.default_cv_auc
    assert set(fit.candidates) == {str(x) for x in learn.LAMBDAS}


def test_noise_labels_keep_the_default():
    t = _table(seed=2)
    rng = np.random.default_rng(5)
    labels = pd.Series(rng.integers(0, 2, len(t)).astype(float), index=t["account"])
    fit = learn.learn_weights(t, labels, {"pagerank": 1.0})
    assert fit.source != "learned"
    assert fit.weights in list(learn.fixed_candidates(t, {"pagerank": 1.0}).values())


def test_fit_logistic_matches_a_known_solution():
    # separable in x0 only: the coefficient of x0 dominates and is positive
    x = np.array([[0.0, 1.0], [0.2, 0.0], [0.8, 1.0], [1.0, 0.0]])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    w, b = learn.fit_logistic(x, y, penalty=0.01)
    assert w[0] > 5 * abs(w[1]) and w[0] > 0
    # the gradient of the penalised loss is ~0 at the optimum
    z = x @ w + b
    p = 1 / (1 + np.exp(-z))
    assert np.allclose(x.T @ (p - y) / 4 + 0.01 * w, 0, atol=1e-4)


def test_hidden_leaders_exclude_labelled_accounts():
    t = pd.DataFrame({"account": list("abcdef"), "score": [9.0, 8, 7, 6, 5, 1]})
    labels = pd.Series([1.0, 1.0, 1.0, 0.0], index=["a", "c", "e", "b"])
    # median leader score 7: d (6) is below; b is a labelled non-leader
    assert learn.hidden_leaders(t, labels)["account"].tolist() == []
    labels = pd.Series([1.0, 1.0, 0.0], index=["a", "e", "f"])  # median leader score 7
    assert learn.hidden_leaders(t, labels)["account"].tolist() == ["b", "c"]


@pytest.fixture
def karate(tmp_path):
    from graph.sqlite_store import SqliteStore

    s = SqliteStore(tmp_path / "scout.db")
    fill(s)
    s.close()
    return f"sqlite:///{tmp_path / 'scout.db'}"


def test_rank_learn_from_hidden_and_explain(karate, tmp_path, monkeypatch):
    monkeypatch.setenv("SCOUT_SHOW_EMPLOYEE_NAMES", "1")  # members 0-3 are employees
    deg = dict(nx.karate_club_graph().degree)
    by_degree = sorted(deg, key=lambda n: (-deg[n], n))
    # the 2nd and 3rd most connected members are left unlabelled: they are hidden leaders
    leaders, unlabelled = by_degree[:1] + by_degree[3:8], by_degree[1:3]
    lows = [n for n in by_degree if deg[n] <= 3][:12]
    truth = tmp_path / "known.csv"
    truth.write_text("account,label\n" + "".join(f"User{n},1\n" for n in leaders)
                     + "".join(f"x:u{n},0\n" for n in lows))
    data = json.loads(run(karate, "rank", "--learn-from", str(truth), "--json").stdout)
    learned = data["learned"]
    assert learned["positives"] == 6 and learned["negatives"] == 12
    assert learned["source"] and 0.5 <= learned["cv_auc"] <= 1.0
    assert "labels" not in learned
    hidden = json.loads(run(karate, "leaders", "--hidden", "--format", "json").stdout)
    names = [r["account"] for r in hidden]
    labelled = {f"User{n}" for n in leaders + lows}
    assert names and not (set(names) & labelled)
    assert {f"User{n}" for n in unlabelled} & set(names)
    # explain stays faithful to the learned weights
    board = json.loads(run(karate, "leaders", "--format", "json", "--top", "3").stdout)
    for row in board:
        info = json.loads(run(karate, "explain", row["key"], "--json").stdout)
        assert sum(m["contribution"] for m in info["metrics"]) == pytest.approx(row["score"],
                                                                              abs=1e-3)
    table = run(karate, "rank", "--learn-from", str(truth)).stdout
    assert "cross-validated AUC" in table


def test_learn_from_refusals(karate, tmp_path):
    few = tmp_path / "few.csv"
    few.write_text("account,label\nUser0,1\nUser33,1\nUser5,0\n")
    r = run(karate, "rank", "--learn-from", str(few), ok=False)
    assert r.exit_code == 2
    assert "too few labels to learn from: 2 leader(s) and 1 non-leader(s)" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    run(karate, "rank")
    r = run(karate, "leaders", "--hidden", ok=False)
    assert r.exit_code == 2 and "--learn-from" in r.stderr


def test_apply_learning_reranks_with_the_chosen_weights():
    from graph.ranking import RankConfig, RankResult, apply_learning, rescore

    t = _table(n=60, seed=3)
    default = {"in_strength": 0.7, "pagerank": 0.2, "engagers": 0.1}
    t = rescore(t, default)
    result = RankResult(table=t.copy(), config=RankConfig(), weights=default)
    # engagers alone separates the leaders; the default (mostly in-strength) does not
    labels = pd.Series((t["engagers"] > 0.7).astype(float).to_numpy(), index=t["account"])
    apply_learning(result, labels)
    assert result.learned["source"] == "metric:engagers"
    assert result.weights == {"engagers": 1.0}
    # the stored table is ranked by exactly the weights the snapshot carries
    expected = rescore(t, result.weights)
    assert result.table["account"].tolist() == expected["account"].tolist()
    assert np.allclose(result.table["score"], expected["score"])
