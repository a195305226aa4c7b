"""Each centrality agrees with networkx's own implementation on small graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from graph import centrality as c


def weighted_digraph(n: int, p: float, seed: int) -> nx.DiGraph:
    g = nx.gnp_random_graph(n, p, directed=True, seed=seed)
    rng = np.random.default_rng(seed)
    for u, v in g.edges:
        g[u][v]["weight"] = float(rng.random() + 0.05)
    return g


def adj(g: nx.Graph) -> sp.csr_matrix:
    return nx.to_scipy_sparse_array(g, nodelist=range(len(g)), weight="weight", format="csr")


def vec(d: dict, n: int) -> np.ndarray:
    return np.array([d[i] for i in range(n)], dtype=float)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pagerank_matches_networkx_weighted_with_dangling_nodes(seed):
    g = weighted_digraph(80, 0.04, seed)  # sparse: several dangling nodes
    assert any(g.out_degree(v) == 0 for v in g)
    ours = c.pagerank(adj(g))
    ref = vec(nx.pagerank(g, alpha=0.85, tol=1e-15, max_iter=2000), len(g))
    assert np.abs(ours - ref).max() < 1e-10
    assert ours.sum() == pytest.approx(1.0)


def test_personalized_pagerank_matches_networkx():
    g = weighted_digraph(50, 0.08, 4)
    person = np.zeros(50)
    person[[3, 7, 11]] = [1.0, 2.0, 1.0]
    ours = c.pagerank(adj(g), personalization=person)
    ref = vec(nx.pagerank(g, personalization={i: person[i] for i in range(50)}, tol=1e-15,
                          max_iter=2000), 50)
    assert np.abs(ours - ref).max() < 1e-10


def test_pagerank_tolerance_is_l1_not_scaled_by_n():
    g = weighted_digraph(300, 0.01, 5)
    loose = c.pagerank(adj(g), tol=1e-4)
    tight = c.pagerank(adj(g), tol=1e-12)
    assert np.abs(loose - tight).sum() < 1e-3


def test_pagerank_raises_when_not_converged():
    g = weighted_digraph(30, 0.2, 1)
    with pytest.raises(c.ConvergenceError):
        c.pagerank(adj(g), max_iter=2)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 25), p=st.floats(0.05, 0.6), seed=st.integers(0, 10_000))
def test_pagerank_property_matches_networkx(n, p, seed):
    g = weighted_digraph(n, p, seed)
    ours = c.pagerank(adj(g))
    ref = vec(nx.pagerank(g, tol=1e-15, max_iter=3000), n)
    assert np.abs(ours - ref).max() < 1e-9


@pytest.mark.parametrize("seed", [0, 3])
def test_hits_matches_networkx(seed):
    g = weighted_digraph(60, 0.1, seed)
    hubs, auth = c.hits(adj(g), tol=1e-14, max_iter=10_000)
    h_ref, a_ref = nx.hits(g, tol=1e-12, max_iter=10_000)
    assert np.abs(auth - vec(a_ref, 60)).max() < 1e-7
    assert np.abs(hubs - vec(h_ref, 60)).max() < 1e-7


def test_in_strength_and_in_degree_match_networkx():
    g = weighted_digraph(40, 0.15, 9)
    a = adj(g)
    assert np.allclose(c.in_strength(a), vec(dict(g.in_degree(weight="weight")), 40))
    assert (c.in_degree(a) == vec(dict(g.in_degree()), 40)).all()
    assert np.allclose(c.out_strength(a), vec(dict(g.out_degree(weight="weight")), 40))


@pytest.mark.parametrize("normalized", [True, False])
def test_betweenness_exact_matches_networkx_when_k_at_least_n(normalized):
    g = weighted_digraph(45, 0.08, 6)
    a = adj(g)
    ref = vec(nx.betweenness_centrality(g, normalized=normalized), 45)
    assert np.allclose(c.betweenness(a, normalized=normalized), ref, atol=1e-12)
    assert np.allclose(c.betweenness(a, k=45, normalized=normalized), ref, atol=1e-12)
    assert np.allclose(c.betweenness(a, k=1000, normalized=normalized), ref, atol=1e-12)


@pytest.mark.parametrize("normalized", [True, False])
def test_sampled_betweenness_matches_networkx_same_sample(normalized):
    g = weighted_digraph(60, 0.07, 8)
    ours = c.betweenness(adj(g), k=15, seed=42, normalized=normalized)
    ref = vec(nx.betweenness_centrality(g, k=15, seed=42, normalized=normalized), 60)
    assert np.allclose(ours, ref, atol=1e-12)


def test_sampled_betweenness_is_deterministic():
    g = weighted_digraph(60, 0.07, 8)
    a = adj(g)
    assert np.array_equal(c.betweenness(a, k=10, seed=1), c.betweenness(a, k=10, seed=1))


def test_krackhardt_kite_broker_has_top_betweenness():
    kite = nx.krackhardt_kite_graph()
    a = adj(kite.to_directed())
    b = c.betweenness(a)
    assert int(np.argmax(b)) == 7  # "Heather", the broker between the clique and the tail
    ref = vec(nx.betweenness_centrality(kite.to_directed()), 10)
    assert np.allclose(b, ref)


@pytest.mark.parametrize("seed", [0, 1])
def test_core_number_matches_networkx(seed):
    g = weighted_digraph(70, 0.08, seed)
    g.add_edge(3, 3, weight=1.0)  # a self-loop is ignored by Scout's projection anyway
    a = adj(g)
    a.setdiag(0)
    a.eliminate_zeros()
    gu = nx.Graph(g.to_undirected())
    gu.remove_edges_from(nx.selfloop_edges(gu))
    assert (c.core_number(a) == vec(nx.core_number(gu), 70)).all()


def test_karate_core_numbers():
    k = nx.karate_club_graph()
    a = adj(k.to_directed())
    assert (c.core_number(a) == vec(nx.core_number(k), 34)).all()


def test_empty_and_tiny_graphs():
    empty = sp.csr_matrix((0, 0))
    assert c.pagerank(empty).size == 0
    assert c.hits(empty)[0].size == 0
    assert c.core_number(empty).size == 0
    two = sp.csr_matrix(np.array([[0.0, 1.0], [0.0, 0.0]]))
    assert c.betweenness(two).tolist() == [0.0, 0.0]
    assert c.pagerank(two).sum() == pytest.approx(1.0)


def test_parallel_betweenness_equals_in_process(monkeypatch):
    g = weighted_digraph(200, 0.03, 11)
    a = adj(g)
    sequential = c.betweenness(a, k=64, seed=2, workers=1)
    monkeypatch.setattr(c, "PARALLEL_MIN_WORK", 0)
    parallel = c.betweenness(a, k=64, seed=2, workers=2)
    assert np.array_equal(parallel, sequential)
    ref = vec(nx.betweenness_centrality(g, k=64, seed=2), 200)
    assert np.allclose(parallel, ref, atol=1e-12)


def test_pagerank_warm_start_same_answer():
    g = weighted_digraph(80, 0.05, 12)
    a = adj(g)
    person = np.arange(80, dtype=float)
    cold = c.pagerank(a, personalization=person)
    warm = c.pagerank(a, personalization=person, nstart=c.pagerank(a))
    assert np.abs(cold - warm).sum() < 1e-9
