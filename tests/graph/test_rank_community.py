"""Communities: modularity as good as networkx's Louvain; bridging shares."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from graph import community


def karate_adj() -> sp.csr_matrix:
    k = nx.karate_club_graph().to_directed()
    return nx.to_scipy_sparse_array(k, nodelist=range(34), weight=None, format="csr").astype(float)


def test_modularity_function_matches_networkx():
    a = karate_adj()
    labels = np.array([0 if nx.karate_club_graph().nodes[i]["club"] == "Mr. Hi" else 1
                       for i in range(34)])
    g = nx.karate_club_graph()
    ref = nx.community.modularity(g, [set(np.flatnonzero(labels == c)) for c in (0, 1)],
                                  weight=None)
    assert community.modularity(a, labels) == pytest.approx(ref)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_leiden_modularity_close_to_networkx_louvain(seed):
    a = karate_adj()
    fine, coarse = community.communities(a, seed=seed)
    g = nx.karate_club_graph()
    louvain = nx.community.louvain_communities(g, weight=None, seed=seed)
    q_ref = nx.community.modularity(g, louvain, weight=None)
    q = community.modularity(a, fine)
    assert q >= q_ref - 0.02
    ours_nx = nx.community.modularity(g, [set(np.flatnonzero(fine == c)) for c in
                                          range(fine.max() + 1)], weight=None)
    assert q == pytest.approx(ours_nx)


def test_random_graph_modularity_close_to_networkx_louvain():
    g = nx.planted_partition_graph(6, 30, 0.3, 0.02, seed=3)
    a = nx.to_scipy_sparse_array(g.to_directed(), nodelist=range(180), weight=None,
                                 format="csr").astype(float)
    fine, _ = community.communities(a, seed=0)
    q_ref = nx.community.modularity(g, nx.community.louvain_communities(g, seed=0))
    assert community.modularity(a, fine) >= q_ref - 0.02


def test_communities_deterministic_with_seed():
    a = karate_adj()
    assert np.array_equal(community.communities(a, seed=5)[0],
                          community.communities(a, seed=5)[0])


def test_coarse_level_merges_fine_communities():
    g = nx.planted_partition_graph(8, 20, 0.4, 0.01, seed=1)
    a = nx.to_scipy_sparse_array(g.to_directed(), nodelist=range(160), weight=None,
                                 format="csr").astype(float)
    fine, coarse = community.communities(a, seed=0, coarse_factor=0.05)
    for c in np.unique(fine):
        assert len(np.unique(coarse[fine == c])) == 1  # nested
    assert coarse.max() <= fine.max()


def test_resolution_controls_granularity():
    g = nx.planted_partition_graph(8, 20, 0.4, 0.02, seed=1)
    a = nx.to_scipy_sparse_array(g.to_directed(), nodelist=range(160), weight=None,
                                 format="csr").astype(float)
    few = community.communities(a, resolution=0.1, seed=0)[0].max()
    many = community.communities(a, resolution=3.0, seed=0)[0].max()
    assert few < many


def test_relabel_by_size_is_canonical():
    assert community.relabel_by_size(np.array([7, 7, 3, 3, 3, 9])).tolist() == [1, 1, 0, 0, 0, 2]
    assert community.relabel_by_size(np.array([2, 1, 2, 1])).tolist() == [0, 1, 0, 1]


def test_bridging_share():
    # 0 and 1 in group A, 2 in group B; node 1 receives 1.0 from 0 (same) and 3.0 from 2 (other)
    a = sp.csr_matrix(np.array([[0, 1, 0], [0, 0, 0], [0, 3, 0]], dtype=float))
    assert community.bridging_share(a, np.array([0, 0, 1])).tolist() == [0.0, 0.75, 0.0]


def test_isolated_nodes_get_their_own_community():
    a = sp.csr_matrix((3, 3))
    fine, coarse = community.communities(a)
    assert sorted(fine.tolist()) == [0, 1, 2]
