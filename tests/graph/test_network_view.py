"""The network view's map: which accounts and ties, sampling by score, ego networks, the
per-snapshot layout and its cache file (both stores where a store is read)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from graph.errors import InputError, NotFoundError
from graph.layout import LayoutCache, cached_layout, force_layout, normalise, place_missing
from graph.model import Interaction
from graph.network_view import (
    NODE_COLUMNS,
    account_map,
    account_table,
    ego_map,
    layout_key,
    map_from_store,
    select_accounts,
    tie_table,
)
from graph.ranking import RankConfig, rank_store

from .test_rank_store import INTERNAL, T0, fill


def star_events() -> pd.DataFrame:
    """Two leaders (a, b) with their engagers; e1 engages both; x talks with y only."""
    pairs = [("e1", "a"), ("e1", "a"), ("e2", "a"), ("e3", "a"), ("e1", "b"), ("e4", "b"),
             ("a", "b"), ("x", "y"), ("a", "a")]
    return pd.DataFrame(pairs, columns=["source", "target"])


def star_table() -> pd.DataFrame:
    return pd.DataFrame({
        "account": ["a", "b", "e1", "e2", "e3", "e4", "x", "y"],
        "score": [90.0, 70.0, 20.0, 10.0, 10.0, 5.0, 50.0, 1.0],
        "rank": [1, 2, 4, 5, 6, 7, 3, 8],
        "community": [0, 1, 0, 0, 0, 1, 2, 2],
        "segment": ["external", "internal", "external", "external", "external", "external",
                    "external", "external"],
        "handle": ["ann", "bob", "e1", "e2", "e3", "e4", "xi", "yu"],
    })


# ----------------------------------------------------------------------------- the rule
def test_ties_merge_directions_and_drop_self_loops():
    ties = tie_table(star_events())
    got = {(s, t): c for s, t, c in ties.itertuples(index=False)}
    assert got == {("a", "e1"): 2, ("a", "e2"): 1, ("a", "e3"): 1, ("b", "e1"): 1,
                   ("b", "e4"): 1, ("a", "b"): 1, ("x", "y"): 1}
    assert tie_table(star_events().iloc[:0]).empty


def test_account_table_with_and_without_ranking():
    ties = tie_table(star_events())
    nodes = account_table(ties, star_table()).set_index("account")
    assert nodes.at["a", "interactions"] == 5  # e1 twice, e2, e3, b
    assert nodes.at["b", "segment"] == "internal" and nodes.at["a", "handle"] == "ann"
    unranked = account_table(ties, None).set_index("account")
    assert (unranked["score"] == 0).all() and (unranked["rank"] == -1).all()
    assert (unranked["community"] == -1).all() and (unranked["segment"] == "external").all()


def test_leaders_and_their_engagers_sampled_by_score():
    ties = tie_table(star_events())
    nodes = account_table(ties, star_table())
    everyone, total = select_accounts(nodes, ties, None, limit=100)
    assert total == 8 and everyone["account"].tolist() == ["a", "b", "x", "e1", "e2", "e3",
                                                           "e4", "y"]
    # leader b: b and its engagers (e1, e4, a); x/y are not engagers of b
    cut, total = select_accounts(nodes, ties, ["b"], limit=100)
    assert total == 4 and set(cut["account"]) == {"b", "e1", "e4", "a"}
    assert cut["account"].iloc[0] == "b" and cut["leader"].tolist() == [True, False, False, False]
    # above the limit: leaders first, then engagers by score
    top, total = select_accounts(nodes, ties, ["b"], limit=2)
    assert total == 4 and top["account"].tolist() == ["b", "a"]
    m = account_map(star_events(), star_table(), ["b"], limit=2)
    assert m.sampled and m.total == 4 and m.shown == 2
    assert m.ties.values.tolist() == [["a", "b", 1]]
    assert list(m.nodes.columns) == NODE_COLUMNS


def test_map_positions_come_from_the_snapshot_layout_cache(tmp_path):
    cache = LayoutCache(tmp_path / "layouts")
    key = LayoutCache.key("snap-1", "store", None)
    first = account_map(star_events(), star_table(), limit=100, cache=cache, layout_key=key)
    assert not first.layout_cached and cache.path(key).exists()
    again = account_map(star_events(), star_table(), ["a"], limit=100, cache=cache,
                        layout_key=key)
    assert again.layout_cached
    # a filtered map reuses the snapshot's positions: the map does not jump
    pos1 = first.nodes.set_index("account")[["x", "y"]]
    pos2 = again.nodes.set_index("account")[["x", "y"]]
    assert np.allclose(pos2.to_numpy(), pos1.loc[pos2.index].to_numpy(), atol=1e-6)
    assert np.isfinite(first.nodes[["x", "y"]].to_numpy(dtype=float)).all()


def test_ego_network_one_and_two_hops():
    one = ego_map(star_events(), star_table(), "b", hops=1)
    assert one.nodes["account"].tolist()[0] == "b"
    assert set(one.nodes["account"]) == {"b", "a", "e1", "e4"}
    assert one.nodes.set_index("account").loc["b", ["x", "y"]].tolist() == [0.0, 0.0]
    assert one.nodes["hops"].tolist()[0] == 0 and set(one.nodes["hops"][1:]) == {1}
    # the tie between two neighbours (a–e1) is drawn, not only the star
    assert ("a", "e1") in set(zip(one.ties["source"], one.ties["target"], strict=True))
    two = ego_map(star_events(), star_table(), "b", hops=2)
    assert set(two.nodes["account"]) == {"b", "a", "e1", "e4", "e2", "e3"}
    assert two.nodes.set_index("account").at["e2", "hops"] == 2
    # cut to 3: the ego, then the strongest 1-hop ties (e1 has the same count as e4 and a,
    # so the score decides: a 90, e1 20)
    cut = ego_map(star_events(), star_table(), "b", hops=2, limit=3)
    assert cut.nodes["account"].tolist() == ["b", "a", "e1"] and cut.sampled and cut.total == 6
    assert ego_map(star_events(), star_table(), "nobody").shown == 0
    with pytest.raises(InputError):
        ego_map(star_events(), star_table(), "b", hops=3)


# ----------------------------------------------------------------------------- layout
def test_force_layout_is_deterministic_and_separates_communities():
    g = nx.connected_caveman_graph(4, 12)
    ties = pd.DataFrame([(f"n{u}", f"n{v}", 1) for u, v in g.edges],
                        columns=["source", "target", "count"])
    keys = [f"n{i}" for i in g]
    a = force_layout(keys, ties)
    assert a.equals(force_layout(keys, ties))
    assert a["account"].tolist() == keys
    xy = a[["x", "y"]].to_numpy()
    cave = np.arange(len(keys)) // 12
    within = np.mean([np.linalg.norm(xy[cave == c] - xy[cave == c].mean(0), axis=1).mean()
                      for c in range(4)])
    centres = np.array([xy[cave == c].mean(0) for c in range(4)])
    between = np.mean([np.linalg.norm(centres[i] - centres[j])
                       for i in range(4) for j in range(i + 1, 4)])
    assert between > 2 * within
    assert force_layout([], ties.iloc[:0]).empty


def test_normalise_and_place_missing():
    xy = normalise(np.array([[0.0, 0.0]] * 98 + [[1.0, 0.0], [1000.0, 0.0]]))
    assert np.hypot(xy[:, 0], xy[:, 1]).max() <= 1.1 + 1e-9
    pos = pd.DataFrame({"account": ["a"], "x": [0.5], "y": [-0.5]})
    ties = pd.DataFrame({"source": ["a", "p"], "target": ["b", "q"], "count": [1, 1]})
    out = place_missing(["a", "b", "p"], pos, ties).set_index("account")
    assert out.loc["a", ["x", "y"]].tolist() == [0.5, -0.5]
    assert abs(out.at["b", "x"] - 0.5) < 0.05 and abs(out.at["b", "y"] + 0.5) < 0.05
    assert np.hypot(out.at["p", "x"], out.at["p", "y"]) == pytest.approx(1.1)


def test_layout_cache_round_trip_corruption_and_pruning(tmp_path):
    cache = LayoutCache(tmp_path)
    ties = pd.DataFrame({"source": ["a"], "target": ["b"], "count": [2]})
    key = LayoutCache.key("20261130T101010.123Z-a1b2c3", "sqlite:///x.db", None)
    assert key.startswith("20261130T101010.123Z-a1b2c3-")
    assert key != LayoutCache.key("20261130T101010.123Z-a1b2c3", "sqlite:///y.db", None)
    pos, hit = cached_layout(cache, key, ["a", "b", "ü:é"], ties)
    assert not hit
    got, hit = cached_layout(cache, key, ["a", "b", "ü:é"], ties)
    assert hit and got["account"].tolist() == ["a", "b", "ü:é"]
    assert np.allclose(got[["x", "y"]].to_numpy(), pos[["x", "y"]].to_numpy(), atol=1e-6)
    cache.path(key).write_bytes(b"not a zip")  # a torn or foreign file: recomputed
    assert cache.get(key) is None
    _, hit = cached_layout(cache, key, ["a", "b"], ties)
    assert not hit and cache.get(key) is not None
    for i in range(5):
        cache.put(f"k{i}", pos)
    assert cache.prune(keep=2) == 4 and len(list(tmp_path.glob("layout-*.npz"))) == 2


# ----------------------------------------------------------------------------- both stores
def test_map_from_store(store, tmp_path):
    with pytest.raises(NotFoundError):
        map_from_store(store)
    fill(store)
    store.write_batch([], [Interaction("x", "late", "reply", "x:u5", "x:u33", T0)])
    rank_store(store, RankConfig(seed=1, half_life_days=None))
    snap = store.load_snapshot()
    cache = LayoutCache(tmp_path)
    m = map_from_store(store, cache=cache)
    assert m.shown == m.total == 34 and not m.sampled and not m.layout_cached
    assert len(m.ties) == nx.karate_club_graph().number_of_edges() + 1  # and the late tie
    nodes = m.nodes.set_index("account")
    assert nodes["score"].tolist() == sorted(nodes["score"], reverse=True)  # score order
    assert set(nodes.index[nodes["segment"] == "internal"]) == {f"x:u{i}" for i in INTERNAL}
    table = snap.table.set_index("account")
    assert (nodes["community"] == table.loc[nodes.index, "community"].astype(int)).all()
    assert cache.path(layout_key(snap.id, store.display)).exists()
    # the employees' leaders and their engagers, from the cached layout
    cut = map_from_store(store, leaders=[f"x:u{i}" for i in INTERNAL], limit=10, cache=cache)
    assert cut.layout_cached and cut.sampled and cut.shown == 10
    assert cut.nodes["account"].head(4).tolist() == sorted(
        (f"x:u{i}" for i in INTERNAL), key=lambda k: -table.at[k, "score"])
    theme = map_from_store(store, theme="nothing-tagged", cache=cache)
    assert theme.shown == 0 and theme.total == 0
