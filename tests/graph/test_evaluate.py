"""``graph.evaluate``: metrics computed by hand on small fixtures, and ``scout evaluate``."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from click.testing import CliRunner

from graph import evaluate as E
from graph.errors import InputError
from ui.cli import cli


def test_roc_auc_by_hand_with_ties_and_unranked():
    s = pd.Series([0.9, 0.8, 0.3, 0.1], index=list("abcd"))
    y = pd.Series([1, 0, 1, 0], index=list("abcd"))
    # pairs (pos, neg): (a,b) 1, (a,d) 1, (c,b) 0, (c,d) 1 -> 3/4
    assert E.roc_auc(s, y) == 0.75
    # a tie between a leader and a non-leader counts half
    assert E.roc_auc(pd.Series([1.0, 1.0], index=["a", "b"]), pd.Series([1, 0], index=["a", "b"])) == 0.5
    # "e" is labelled but not ranked: it ties with the lowest score (0.1 of d)
    y2 = pd.Series([1, 0, 0], index=["a", "d", "e"])
    assert E.roc_auc(s, y2) == 1.0
    y3 = pd.Series([1, 0], index=["e", "a"])  # unranked leader below a ranked non-leader
    assert E.roc_auc(s, y3) == 0.0
    assert math.isnan(E.roc_auc(s, pd.Series([1, 1], index=["a", "b"])))


def test_precision_at_k_counts_accounts_only_seen_later():
    pred = pd.Series([5.0, 4.0, 3.0, 2.0], index=["a", "b", "c", "d"])
    # "z" was not active before the split but takes a place in the true top 2
    future = pd.Series([9.0, 0.0, 1.0, 7.0], index=["z", "b", "c", "a"])
    assert E.precision_at_k(pred, future, 2) == 0.5          # {a, b} ∩ {z, a}
    assert E.precision_at_k(pred, future, 3) == pytest.approx(2 / 3)  # {a,b,c} ∩ {z,a,c}
    # ties broken by key: b and c tie at 1 in the future, b comes first
    assert E.top_k(pd.Series([1.0, 1.0, 2.0], index=["c", "b", "a"]), 2) == ["a", "b"]


def test_ndcg_by_hand():
    pred = pd.Series([3.0, 2.0, 1.0], index=["a", "b", "c"])
    gains = pd.Series([1.0, 3.0, 0.0, 2.0], index=["a", "b", "c", "z"])
    dcg = 1 / math.log2(2) + 3 / math.log2(3) + 0 / math.log2(4)
    idcg = 3 / math.log2(2) + 2 / math.log2(3) + 1 / math.log2(4)
    assert E.ndcg_at_k(pred, gains, 3) == pytest.approx(dcg / idcg)
    with pytest.raises(InputError):
        E.ndcg_at_k(pred, pd.Series([-1.0], index=["a"]), 3)


def test_hits_and_leader_positions():
    models = pd.DataFrame({"m": [4.0, 3.0, 2.0, 1.0]}, index=list("abcd"))
    truth = pd.Series([1.0, 0.0, 1.0], index=["a", "b", "d"])
    ev = E.evaluate_labels(models, truth, tops=(1, 2, 4))
    row = ev.table.iloc[0]
    assert row["precision@1"] == 1.0 and row["precision@2"] == 0.5 and row["precision@4"] == 0.5
    assert row["auc"] == 0.5  # (a,b) 1, (d,b) 0
    assert dict(zip(ev.leaders["account"], ev.leaders["m"], strict=True)) == {"a": 1, "d": 4}


def test_numeric_labels_give_spearman_and_ndcg():
    models = pd.DataFrame({"m": [3.0, 2.0, 1.0]}, index=list("abc"))
    ev = E.evaluate_labels(models, pd.Series([30.0, 20.0, 10.0], index=list("abc")), tops=(2,))
    assert ev.table.iloc[0]["spearman"] == pytest.approx(1.0)
    assert ev.table.iloc[0]["ndcg@2"] == pytest.approx(1.0)
    assert not ev.info["binary"]


def test_naive_baselines_by_hand():
    ev = pd.DataFrame({"source": ["b", "c", "d", "d", "a", "a"],
                       "target": ["a", "a", "a", "a", "b", "a"]})  # a -> a is a self-loop
    base = E.naive_baselines(ev)
    assert base.loc["a", "engagers"] == 3 and base.loc["a", "in_strength"] == 4
    assert base.loc["b", "engagers"] == 1 and base.loc["c", "in_strength"] == 0
    import networkx as nx

    g = nx.DiGraph()
    g.add_weighted_edges_from([("b", "a", 1), ("c", "a", 1), ("d", "a", 2), ("a", "b", 1)])
    ref = nx.pagerank(g, alpha=0.85, weight="weight", tol=1e-13, max_iter=10_000)
    for k, v in ref.items():
        assert base.loc[k, "pagerank"] == pytest.approx(v, abs=1e-8)


def test_future_engagement_excludes_self():
    ev = pd.DataFrame({"source": ["a", "b", "c", "c"], "target": ["c", "c", "c", "a"]})
    assert E.future_engagement(ev).to_dict() == {"a": 1.0, "c": 2.0}


def test_read_truth_formats_and_errors(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("\ufeffAccount,Label,note\n@ana,1,x\nx:2,no,\nbob,0.5,\n\n")
    assert E.read_truth(p).to_dict() == {"@ana": 1.0, "x:2": 0.0, "bob": 0.5}
    p.write_text("account,label\na,1\nb,maybe\nc\na,0\n")
    with pytest.raises(InputError) as err:
        E.read_truth(p)
    msg = str(err.value)
    assert "t.csv:3: label 'maybe'" in msg and "t.csv:4: expected 2 columns" in msg
    assert "t.csv:5: 'a' listed again" in msg
    p.write_text("name,score\n")
    with pytest.raises(InputError, match="expected columns 'account' and 'label'"):
        E.read_truth(p)
    with pytest.raises(InputError, match="cannot read"):
        E.read_truth(tmp_path / "missing.csv")


def test_match_accounts_keys_handles_and_ambiguity():
    found, missing = E.match_accounts(["x:1", "@Ana", "bo", "zed"], ["x:1", "x:2", "m:9", "x:3"],
                                      ["one", "ana", "bo", "bo"])
    assert found == {"x:1": "x:1", "@Ana": "x:2"} and missing == ["bo", "zed"]


# ----------------------------------------------------------------------------- CLI
EDGES = """source,target,kind,timestamp
b,a,reply,2024-05-01T10:00:00Z
c,a,reply,2024-05-02T10:00:00Z
d,a,reply,2024-05-03T10:00:00Z
f,a,reply,2024-05-04T10:00:00Z
a,b,reply,2024-05-05T10:00:00Z
c,b,reply,2024-05-06T10:00:00Z
d,c,reply,2024-05-07T10:00:00Z
d,c,mention,2024-05-08T10:00:00Z
d,c,quote,2024-05-09T10:00:00Z
e,d,reply,2024-05-10T10:00:00Z
"""


def run(uri, *args, ok=True):
    r = CliRunner().invoke(cli, ["--store", uri, *args], catch_exceptions=False)
    if ok:
        assert r.exit_code == 0, (r.output, r.stderr)
    return r


@pytest.fixture
def tiny(tmp_path):
    uri = f"sqlite:///{tmp_path / 's.db'}"
    (tmp_path / "e.csv").write_text(EDGES)
    run(uri, "ingest", "edges", str(tmp_path / "e.csv"), "--platform", "generic")
    run(uri, "rank")
    return uri


def test_scout_evaluate_truth_baselines_by_hand(tiny, tmp_path):
    truth = tmp_path / "truth.csv"
    truth.write_text("account,label\n@a,1\ngeneric:c,1\nb,0\ne,0\nf,0\nnobody,0\n")
    data = json.loads(run(tiny, "evaluate", "--truth", str(truth), "--top", "1,2", "--json").stdout)
    res = {r["model"]: r for r in data["results"]}
    assert list(res) == ["scout", "engagers", "in_strength", "pagerank"]
    # in-strength a4 c3 b2 e0 f0: every leader above every non-leader
    assert res["in_strength"]["auc"] == 1.0 and res["in_strength"]["precision@2"] == 1.0
    # engagers a4 b2 c1 e0 f0: (c, b) is the one pair out of order -> 5/6
    assert res["engagers"]["auc"] == pytest.approx(5 / 6)
    assert res["engagers"]["precision@2"] == 0.5
    assert 0.0 <= res["scout"]["auc"] <= 1.0
    assert data["unmatched"] == ["nobody"] and data["labelled"] == 5 and data["positives"] == 2
    lead = {r["account"]: r for r in data["leaders"]}
    assert lead["generic:c"]["engagers"] == 3  # a4, b2, then c1 ties d1 (c before d by key)
    table = run(tiny, "evaluate", "--truth", str(truth), "--presets").stdout
    assert "preset:attention" in table and "position of each labelled leader" in table


def test_scout_evaluate_refuses_bad_use(tiny, tmp_path):
    r = run(tiny, "evaluate", ok=False)
    assert r.exit_code == 2 and "--truth" in r.stderr
    t = tmp_path / "t.csv"
    t.write_text("account,label\nstranger,1\n")
    r = run(tiny, "evaluate", "--truth", str(t), ok=False)
    assert r.exit_code == 2 and "none of the 1 labelled accounts" in r.stderr


def test_scout_evaluate_split_by_hand(tiny):
    # before 2024-05-06: a <- b,c,d,f ; b <- a. From then on: b <- c, c <- d x3, d <- e.
    data = json.loads(run(tiny, "evaluate", "--split", "2024-05-06", "--horizon", "all",
                          "--top", "1", "--json").stdout)
    res = {r["model"]: r for r in data["results"]}
    assert data["train_events"] == 5 and data["test_events"] == 5
    # the future top 1 is c (3 events); in-strength's top 1 is a -> 0
    assert res["in_strength"]["precision@1"] == 0.0
    # NDCG@100 of in-strength: order a(4), b(1), then c,d,f (0, by key)
    # gains: a0 b1 c3 d1 f0 -> DCG = 1/log2(3) + 3/log2(4) + 1/log2(5)
    dcg = 1 / math.log2(3) + 3 / math.log2(4) + 1 / math.log2(5)
    idcg = 3 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)
    assert res["in_strength"]["ndcg@100"] == pytest.approx(dcg / idcg)
