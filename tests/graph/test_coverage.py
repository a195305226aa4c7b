"""Coverage shortlists: CELF against plain greedy and brute force, stores and CLI."""

from __future__ import annotations

import itertools
import json
import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from graph.coverage import audiences, celf, greedy, plan_coverage, plan_from_snapshot
from graph.errors import InputError
from graph.ranking import RankConfig, rank_store

from .test_rank_store import fill


def _objective(aud, comm, picks, bonus):
    reached = set()
    for i in picks:
        reached |= set(aud.of(i).tolist())
    return len(reached) + bonus * len({comm[i] for i in picks})


def random_events(seed: int, n_cands: int = 40, n_accounts: int = 300, n_events: int = 1500):
    rng = np.random.default_rng(seed)
    # skewed audiences so that overlaps matter
    tgt = rng.zipf(1.6, n_events) % n_cands
    src = rng.integers(0, n_accounts, n_events)
    ev = pd.DataFrame({"source": [f"a{s}" for s in src], "target": [f"c{t}" for t in tgt]})
    # some candidates engage with each other, some engage themselves (dropped)
    extra = pd.DataFrame({"source": ["c1", "c2", "c3"], "target": ["c2", "c2", "c1"]})
    cands = pd.DataFrame({"account": [f"c{i}" for i in range(n_cands)],
                          "score": np.sort(rng.random(n_cands))[::-1] * 100,
                          "community": rng.integers(0, 5, n_cands).astype(float)})
    cands.loc[cands.index[::7], "community"] = np.nan  # unknown community: a singleton
    return pd.concat([ev, extra], ignore_index=True), cands


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("bonus", [0.0, 3.0, 12.5])
def test_celf_makes_the_same_picks_as_plain_greedy(seed, bonus):
    ev, cands = random_events(seed)
    aud = audiences(ev, cands["account"])
    for k in (1, 5, 17, 40, 60):
        lazy = celf(aud, cands["community"], k, bonus)
        plain = greedy(aud, cands["community"], k, bonus)
        assert lazy[0] == plain[0]
        assert lazy[1] == plain[1]
        assert len(lazy[0]) == min(k, len(cands))
    # laziness pays: far fewer gain evaluations than plain greedy for K = 17
    assert celf(aud, cands["community"], 17, bonus)[2] < greedy(aud, cands["community"], 17,
                                                                  bonus)[2] / 3


def test_same_picks_on_the_karate_club():
    g = nx.karate_club_graph()
    ev = pd.DataFrame([(f"n{u}", f"n{v}") for u, v in g.edges] +
                      [(f"n{v}", f"n{u}") for u, v in g.edges], columns=["source", "target"])
    comm = nx.community.louvain_communities(g, seed=1)
    of = {f"n{n}": i for i, c in enumerate(comm) for n in c}
    pr = nx.pagerank(g)
    order = sorted(g, key=lambda n: -pr[n])
    cands = pd.DataFrame({"account": [f"n{n}" for n in order],
                          "community": [of[f"n{n}"] for n in order]})
    aud = audiences(ev, cands["account"])
    for k in range(1, 12):
        for bonus in (0.0, 2.0):
            assert celf(aud, cands["community"], k, bonus)[:2] == \
                greedy(aud, cands["community"], k, bonus)[:2]
    # own reach is each node's degree in the undirected club (every edge both ways)
    assert aud.sizes().tolist() == [g.degree(n) for n in order]


@pytest.mark.parametrize("seed", range(4))
def test_greedy_keeps_the_guarantee_against_brute_force(seed):
    ev, cands = random_events(seed, n_cands=12, n_accounts=60, n_events=200)
    aud = audiences(ev, cands["account"])
    comm = cands["community"].fillna(-1 - cands.index.to_series()).tolist()
    for k, bonus in ((3, 0.0), (4, 5.0)):
        picks, gains, _ = celf(aud, cands["community"], k, bonus)
        value = _objective(aud, comm, picks, bonus)
        assert value == pytest.approx(sum(gains))
        best = max(_objective(aud, comm, s, bonus)
                   for s in itertools.combinations(range(len(cands)), k))
        assert value >= (1 - 1 / math.e) * best
        assert value <= best


def test_plan_figures_by_hand():
    ev = pd.DataFrame({"source": ["a", "b", "c", "b", "c", "d", "L1", "a", "a"],
                       "target": ["L1", "L1", "L1", "L2", "L2", "L3", "L1", "L3", "L1"]})
    cands = pd.DataFrame({"account": ["L1", "L2", "L3"], "score": [90.0, 80.0, 10.0],
                          "community": [1, 1, 2]})
    plan = plan_coverage(ev, cands, 2, community_bonus=0)
    # L1 reaches a, b, c (its self-engagement and the repeat do not count); L3 adds d
    assert plan.picks["account"].tolist() == ["L1", "L3"]
    assert plan.picks["own_reach"].tolist() == [3, 2]
    assert plan.picks["new_reach"].tolist() == [3, 1]
    assert plan.picks["total_reach"].tolist() == [3, 4]
    assert plan.picks["new_community"].tolist() == [True, True]
    assert plan.picks["score"].tolist() == [90.0, 10.0]
    assert (plan.reach, plan.top_reach, plan.overlap) == (4, 3, 3)
    assert plan.top["account"].tolist() == ["L1", "L2"]
    assert plan.top["new_reach"].tolist() == [3, 0]
    assert (plan.communities, plan.top_communities) == (2, 1)
    s = plan.summary()
    assert s["gain_over_top"] == 1 and s["candidates"] == 3
    # the default bonus is 10% of the best single reach (L1: 3)
    assert plan_coverage(ev, cands, 2).bonus == pytest.approx(0.3)


def test_community_bonus_spreads_the_picks():
    # C2 reaches one account fewer than B2 but sits in another community
    ev = pd.DataFrame({"source": list("abcdef") + list("defg") + list("xyz"),
                       "target": ["A"] * 6 + ["B2"] * 4 + ["C2"] * 3})
    cands = pd.DataFrame({"account": ["A", "B2", "C2"], "community": [1, 1, 2]})
    assert plan_coverage(ev, cands, 2, community_bonus=0).picks["account"].tolist() == ["A", "C2"]
    ev2 = pd.DataFrame({"source": list("abcdef") + list("ghij") + list("xyz"),
                        "target": ["A"] * 6 + ["B2"] * 4 + ["C2"] * 3})
    assert plan_coverage(ev2, cands, 2, community_bonus=0).picks["account"].tolist() == ["A", "B2"]
    assert plan_coverage(ev2, cands, 2, community_bonus=2).picks["account"].tolist() == ["A", "C2"]


def test_bad_input():
    ev, cands = random_events(0, n_cands=5)
    with pytest.raises(InputError, match="at least 1"):
        plan_coverage(ev, cands, 0)
    with pytest.raises(InputError, match=">= 0"):
        plan_coverage(ev, cands, 2, community_bonus=-1)
    with pytest.raises(InputError, match="no candidate"):
        plan_coverage(ev, cands.iloc[:0], 2)
    with pytest.raises(InputError, match="distinct"):
        plan_coverage(ev, pd.concat([cands, cands]), 2)
    # no events at all: picks follow the score order with zero reach
    plan = plan_coverage(ev.iloc[:0], cands, 3, community_bonus=0)
    assert plan.picks["account"].tolist() == cands["account"].head(3).tolist() and plan.reach == 0


def test_plan_from_a_stored_snapshot(store):
    fill(store)
    out = rank_store(store, RankConfig(seed=1, half_life_days=None))
    plan = plan_from_snapshot(store, out.snapshot, 4, "external", community_bonus=0)
    g = nx.karate_club_graph()
    external = [n for n in g if n not in {0, 1, 2, 3}]
    # the same plan as greedy computed on the karate club directly
    expected, covered = [], set()
    order = [int(k.removeprefix("x:u")) for k in plan.top["key"]]
    board = [int(k.removeprefix("x:u")) for k in
             out.result.table.loc[out.result.table["segment"] == "external", "account"]]
    for _ in range(4):
        best = max(board, key=lambda n: (len(set(g[n]) - covered), -board.index(n)))
        expected.append(best)
        covered |= set(g[best])
    assert [int(k.removeprefix("x:u")) for k in plan.picks["key"]] == expected
    assert plan.reach == len(covered)
    assert set(order) <= set(external)
    assert plan.reach >= plan.top_reach
    with pytest.raises(InputError, match="no ranked account"):
        plan_from_snapshot(store, out.snapshot, 3, "all", community_id=999)


def test_cli_plan_and_save(store_uri, tmp_path):
    from graph.sqlite_store import SqliteStore
    from ui.cli import cli

    s = SqliteStore(tmp_path / "scout.db")
    fill(s)
    rank_store(s, RankConfig(seed=1))
    s.close()
    runner = CliRunner()
    r = runner.invoke(cli, ["--store", store_uri, "shortlist", "plan", "--size", "3"])
    assert r.exit_code == 0, r.output
    assert "coverage shortlist of 3" in r.stdout and "top 3 by score" in r.stdout
    r = runner.invoke(cli, ["--store", store_uri, "shortlist", "plan", "--size", "5",
                            "--segment", "external", "--save", "Q3 outreach", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert len(data["picks"]) == 5 and data["saved"] == {"name": "Q3 outreach", "added": 5}
    assert data["plan_reach"] >= data["top_reach"]
    assert data["picks"][-1]["total_reach"] == data["plan_reach"]
    assert {"own_reach", "new_reach", "score", "community", "key"} <= set(data["picks"][0])
    s = SqliteStore(tmp_path / "scout.db")
    members = s.shortlist_members("Q3 outreach")
    s.close()
    assert sorted(members["account"]) == sorted(p["key"] for p in data["picks"])
    # saving again adds nothing new
    r = runner.invoke(cli, ["--store", store_uri, "shortlist", "plan", "--size", "5",
                            "--segment", "external", "--save", "Q3 outreach", "--json"])
    assert json.loads(r.stdout)["saved"]["added"] == 0
    r = runner.invoke(cli, ["--store", store_uri, "shortlist", "plan", "--size", "0"])
    assert r.exit_code == 2


def test_plan_within_a_listening_theme(store):
    fill(store)
    out = rank_store(store, RankConfig(seed=1, half_life_days=None))
    ev = store.interactions(with_text=False)
    about = ev[ev["topics"].map(lambda ts: "pricing" in ts)]
    store.set_themes(about[["platform", "post_id", "kind", "target"]].assign(
        themes=[("pricing_talk",)] * len(about)))
    plan = plan_from_snapshot(store, out.snapshot, 3, community_bonus=0, theme="pricing_talk")
    board = out.result.table
    cands = board[board["account"].isin(set(about["target"]))]
    expected = plan_coverage(about[["source", "target"]], cands.reset_index(drop=True), 3,
                             community_bonus=0)
    assert plan.picks["key"].tolist() == expected.picks["account"].tolist()
    assert plan.reach == expected.reach and plan.candidates == len(cands)
    with pytest.raises(InputError, match="theme"):
        plan_from_snapshot(store, out.snapshot, 3, theme="nobody_talks_about_this")
