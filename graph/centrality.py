"""Centrality of accounts in an engagement graph (pure functions of a CSR matrix).

Every function takes the adjacency matrix of a :class:`graph.projection.Projection`
(``A[i, j]`` = weight of ``i`` engaging with ``j``) and returns one value per
node, in node order. The answers are those of ``networkx`` (the reference,
checked in ``tests/graph/test_rank_centrality.py``), computed with engines that
scale: scipy sparse power iteration for PageRank and HITS, igraph for
betweenness and core numbers.

Examples
--------
>>> import numpy as np, scipy.sparse as sp
>>> a = sp.csr_matrix(np.array([[0, 1, 1], [0, 0, 1], [1, 0, 0]], dtype=float))
>>> in_degree(a).tolist(), in_strength(a).tolist()
([1, 1, 2], [1.0, 1.0, 2.0])
"""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp

from graph.errors import ConvergenceError  # noqa: F401 - raised here, re-exported

#: PageRank / HITS stop when the L1 change of the whole vector is below this.
#: (``networkx`` stops at ``N * tol``, which loosens with the graph's size: on a
#: million nodes its default 1e-6 allows an L1 error of 1, i.e. no convergence.)
DEFAULT_TOL = 1e-10
DEFAULT_MAX_ITER = 1000
#: Sources per betweenness work unit; partial sums are added in a fixed order, so
#: the result does not depend on the number of worker processes.
BETWEENNESS_CHUNK = 16
#: Below this much work (sources × edges), betweenness runs in-process.
PARALLEL_MIN_WORK = 50_000_000


def in_degree(adjacency: sp.spmatrix) -> np.ndarray:
    """Distinct engagers of each node (number of non-zero entries per column)."""
    a = sp.csc_matrix(adjacency)
    return np.diff(a.indptr).astype(np.int64)


def out_degree(adjacency: sp.spmatrix) -> np.ndarray:
    """Distinct accounts each node engaged with (non-zero entries per row)."""
    a = sp.csr_matrix(adjacency)
    return np.diff(a.indptr).astype(np.int64)


def in_strength(adjacency: sp.spmatrix) -> np.ndarray:
    """Weighted in-strength: the summed engagement each node received."""
    return np.asarray(adjacency.sum(axis=0)).ravel().astype(float)


def out_strength(adjacency: sp.spmatrix) -> np.ndarray:
    """Weighted out-strength: the summed engagement each node gave."""
    return np.asarray(adjacency.sum(axis=1)).ravel().astype(float)


def pagerank(adjacency: sp.spmatrix, alpha: float = 0.85,
             personalization: np.ndarray | None = None, *, tol: float = DEFAULT_TOL,
             max_iter: int = DEFAULT_MAX_ITER, dangling: np.ndarray | None = None,
             nstart: np.ndarray | None = None) -> np.ndarray:
    """Weighted PageRank by sparse power iteration, with networkx's semantics.

    Each node passes ``alpha`` of its score along its out-edges in proportion to
    their weight; dangling nodes (no out-edges) pass theirs according to
    ``dangling`` (default: the personalization vector), like ``nx.pagerank``.

    Parameters
    ----------
    adjacency : scipy.sparse matrix
        ``A[i, j]`` = weight of the edge ``i → j`` (non-negative).
    alpha : float
        Damping factor (0.85).
    personalization : numpy.ndarray, optional
        Teleport distribution (normalised here); default uniform.
    tol : float
        Stop when ``sum(|x_new - x|) < tol`` (an L1 tolerance on the whole vector,
        unlike networkx's ``N * tol``).
    max_iter : int
        Iteration limit.
    dangling : numpy.ndarray, optional
        Where dangling nodes' score goes; default ``personalization``.
    nstart : numpy.ndarray, optional
        Starting vector (normalised here), e.g. a related PageRank to warm-start
        from; default uniform. The answer does not depend on it.

    Returns
    -------
    numpy.ndarray
        Scores summing to 1.

    Raises
    ------
    ConvergenceError
        If the iteration has not converged after ``max_iter`` steps.
    ValueError
        If ``personalization`` sums to zero.

    Examples
    --------
    >>> a = sp.csr_matrix(np.array([[0, 1], [1, 0]], dtype=float))
    >>> pagerank(a).round(3).tolist()
    [0.5, 0.5]
    """
    a = sp.csr_matrix(adjacency, dtype=float)
    n = a.shape[0]
    if n == 0:
        return np.empty(0)
    p = _distribution(personalization, n)
    d = p if dangling is None else _distribution(dangling, n)
    s = np.asarray(a.sum(axis=1)).ravel()
    is_dangling = s == 0
    inv = np.divide(1.0, s, out=np.zeros_like(s), where=~is_dangling)
    mt = (sp.diags(inv) @ a).T.tocsr()  # column-stochastic transpose: x_new = mt @ x
    x = np.full(n, 1.0 / n) if nstart is None else _distribution(nstart, n)
    for _ in range(max_iter):
        xlast = x
        x = alpha * (mt @ xlast + xlast[is_dangling].sum() * d) + (1.0 - alpha) * p
        if np.abs(x - xlast).sum() < tol:
            return x / x.sum()
    raise ConvergenceError(f"PageRank did not converge in {max_iter} iterations")


def hits(adjacency: sp.spmatrix, *, tol: float = DEFAULT_TOL,
         max_iter: int = DEFAULT_MAX_ITER) -> tuple[np.ndarray, np.ndarray]:
    """Weighted HITS hubs and authorities (networkx's ``nx.hits`` answers).

    Authorities are the principal eigenvector of ``AᵀA`` (found by power
    iteration from the uniform vector), hubs are ``A @ authorities``; both are
    normalised to sum 1.

    Parameters
    ----------
    adjacency : scipy.sparse matrix
        Weighted adjacency ``A[i, j]`` for ``i → j``.
    tol : float
        L1 tolerance on the normalised authority vector.
    max_iter : int
        Iteration limit; when reached the current vector is returned (HITS
        converges slowly on graphs whose top singular values are close; the
        ranking is stable long before that).

    Returns
    -------
    (hubs, authorities) : tuple of numpy.ndarray

    Examples
    --------
    >>> a = sp.csr_matrix(np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]], dtype=float))
    >>> h, au = hits(a)
    >>> int(au.argmax()), int(h.argmax())
    (2, 0)
    """
    a = sp.csr_matrix(adjacency, dtype=float)
    n = a.shape[0]
    if n == 0:
        return np.empty(0), np.empty(0)
    if a.nnz:
        a = a / a.data.max()  # scale-free; avoids under/overflow of AᵀA products
    at = a.T.tocsr()
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        xlast = x
        x = at @ (a @ xlast)
        total = x.sum()
        if total == 0:
            return np.zeros(n), np.zeros(n)
        x = x / total
        if np.abs(x - xlast).sum() < tol:
            break
    h = a @ x
    hs = h.sum()
    return (h / hs if hs else h), x


def sample_sources(n: int, k: int | None, seed: int = 0) -> list[int] | None:
    """The ``k`` source nodes sampled for approximate betweenness.

    Uses ``random.Random(seed).sample(range(n), k)``, which is what
    ``nx.betweenness_centrality(G, k, seed=seed)`` draws when ``G``'s nodes are
    ``0..n-1`` in order. ``None`` means *all* nodes (exact betweenness).
    """
    if k is None or k >= n:
        return None
    return random.Random(seed).sample(range(n), k)


def to_igraph(adjacency: sp.spmatrix, directed: bool = True):
    """An unweighted igraph ``Graph`` with the non-zero pattern of ``adjacency``."""
    import igraph as ig

    a = sp.coo_matrix(adjacency)
    g = ig.Graph(n=a.shape[0], directed=directed)
    # add_edges with an (m, 2) int64 array is several times faster than Graph(edges=...)
    g.add_edges(np.column_stack([a.row, a.col]).astype(np.int64))
    return g


def betweenness(adjacency: sp.spmatrix, k: int | None = None, seed: int = 0, *,
                normalized: bool = True, sources: Sequence[int] | None = None,
                graph=None, workers: int | None = 1) -> np.ndarray:
    """Directed shortest-path betweenness (hop counts), exact or source-sampled.

    Same answers as ``nx.betweenness_centrality(G, k=k, seed=seed,
    normalized=normalized)`` on the unweighted directed graph whose nodes are
    ``0..n-1`` in order (the sample is drawn the same way, see
    :func:`sample_sources`); computed by igraph's ``betweenness(sources=…)``.
    Edge weights are ignored: a path of engagements is as short as its number of
    hops (weights are intensities, not distances).

    Parameters
    ----------
    adjacency : scipy.sparse matrix
        Non-zero pattern = edges.
    k : int, optional
        Number of sampled source nodes; ``None`` or ``k >= n`` = exact.
    seed : int
        Sampling seed.
    normalized : bool
        Divide by the number of ordered pairs ``(n-1)(n-2)`` (networkx's rule,
        including its sampling correction).
    sources : sequence of int, optional
        Explicit source nodes (overrides ``k``/``seed``).
    graph : igraph.Graph, optional
        A prebuilt directed igraph graph of ``adjacency`` (saves a conversion).
    workers : int, optional
        Worker processes (``None`` = as many as CPUs, at most 4, when the work is
        large; POSIX ``fork`` only). The answer does not depend on it.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> a = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float))
    >>> betweenness(a).tolist()
    [0.0, 1.0, 0.0]
    """
    return start_betweenness(adjacency, k, seed, normalized=normalized, sources=sources,
                             graph=graph, workers=workers)()


_FORKED_GRAPH = None


def _chunk_betweenness(chunk: list[int]) -> np.ndarray:
    return np.asarray(_FORKED_GRAPH.betweenness(directed=True, sources=chunk), dtype=float)


def start_betweenness(adjacency: sp.spmatrix, k: int | None = None, seed: int = 0, *,
                      normalized: bool = True, sources: Sequence[int] | None = None,
                      graph=None, workers: int | None = None) -> Callable[[], np.ndarray]:
    """Start :func:`betweenness`, possibly in worker processes; call the result to collect it.

    With worker processes the caller can compute other metrics meanwhile.
    Parameters as for :func:`betweenness`.

    Returns
    -------
    callable
        ``collect()`` → the betweenness array (waits for the workers).
    """
    global _FORKED_GRAPH
    n = adjacency.shape[0]
    if n < 3:
        return lambda: np.zeros(n)
    if sources is None:
        sources = sample_sources(n, k, seed)
    exact = sources is None
    src = list(range(n)) if exact else list(sources)
    kk = len(src)
    if exact:
        scale = np.full(n, 1.0 / ((n - 1) * (n - 2)) if normalized else 1.0)
    elif normalized:
        scale = np.full(n, 1.0 / (kk * (n - 2)))
        scale[src] = 1.0 / ((kk - 1) * (n - 2)) if kk > 1 else 0.0
    else:
        scale = np.full(n, (n - 1) / kk)
        scale[src] = (n - 1) / (kk - 1) if kk > 1 else 0.0
    g = graph if graph is not None else to_igraph(adjacency, directed=True)
    if workers is None:
        workers = min(os.cpu_count() or 1, 4)
    work = kk * max(adjacency.nnz, 1)
    parallel = (workers > 1 and work >= PARALLEL_MIN_WORK and kk >= 2 * BETWEENNESS_CHUNK
                and sys.platform != "win32" and "fork" in _mp_methods())
    if exact and not parallel:
        b = np.asarray(g.betweenness(directed=True), dtype=float)
        return lambda: b * scale
    chunks = [src[i : i + BETWEENNESS_CHUNK] for i in range(0, kk, BETWEENNESS_CHUNK)]
    if not parallel:
        total = np.zeros(n)
        for c in chunks:
            total += np.asarray(g.betweenness(directed=True, sources=c), dtype=float)
        return lambda: total * scale
    import gc
    import multiprocessing as mp

    _FORKED_GRAPH = g
    gc.freeze()  # keep the garbage collector from copying the parent's pages in the workers
    try:
        pool = mp.get_context("fork").Pool(min(workers, len(chunks)))
    finally:
        _FORKED_GRAPH = None
        gc.unfreeze()
    pending = pool.map_async(_chunk_betweenness, chunks, chunksize=1)
    pool.close()

    def collect() -> np.ndarray:
        try:
            parts = pending.get()
        finally:
            pool.join()
        total = np.zeros(n)
        for part in parts:  # fixed order: same sum whatever the number of workers
            total += part
        return total * scale

    return collect


def _mp_methods() -> list[str]:
    import multiprocessing as mp

    return mp.get_all_start_methods()


def core_number(adjacency: sp.spmatrix, graph=None) -> np.ndarray:
    """k-core number on the undirected simple graph (``nx.core_number`` answers).

    Parameters
    ----------
    adjacency : scipy.sparse matrix
        Directed adjacency; direction, weights, loops and multiplicity are dropped.
    graph : igraph.Graph, optional
        A prebuilt undirected simple igraph graph.

    Returns
    -------
    numpy.ndarray of int

    Examples
    --------
    >>> a = sp.csr_matrix(np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0]], dtype=float))
    >>> core_number(a).tolist()
    [2, 2, 2]
    """
    n = adjacency.shape[0]
    if n == 0:
        return np.empty(0, dtype=np.int64)
    if graph is None:
        from graph.projection import simple_undirected

        u = sp.triu(simple_undirected(sp.csr_matrix(adjacency)), k=1)
        graph = to_igraph(u, directed=False)
    return np.asarray(graph.coreness(mode="all"), dtype=np.int64)


def _distribution(v: np.ndarray | None, n: int) -> np.ndarray:
    if v is None:
        return np.full(n, 1.0 / n)
    v = np.asarray(v, dtype=float)
    if v.shape != (n,):
        raise ValueError(f"expected a vector of length {n}, got shape {v.shape}")
    total = v.sum()
    if not total > 0:
        raise ValueError("personalization vector sums to zero")
    return v / total
