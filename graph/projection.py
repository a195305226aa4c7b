"""Project interaction events onto a weighted directed engagement graph.

An event ``source → target`` (a reply, a repost, a mention…) says that
``source`` paid attention to ``target``. The projection turns a window of such
events into one weighted directed graph *engager → engaged*, stored as integer
indexed arrays and a :class:`scipy.sparse.csr_matrix` (``networkx`` costs about
410 bytes per edge and seconds per million edges to build; a CSR matrix costs
12 bytes per edge and is built in a fraction of a second).

Weight of one event::

    w = kind_weight[kind] * event.weight * 0.5 ** (age_days / half_life_days)

where ``age_days`` is counted back from the reference time (the end of the
window, ``until``, or the newest event when the window is open). Parallel
events between the same pair are summed; self-interactions are dropped.
Likely-automated engagers are down-weighted afterwards by scaling their rows
(see :func:`scale_sources`).

Examples
--------
>>> import pandas as pd
>>> ev = pd.DataFrame({"source": ["x:a", "x:b", "x:a"], "target": ["x:b", "x:a", "x:a"],
...                    "kind": ["reply", "repost", "like"],
...                    "at": pd.to_datetime(["2024-05-01"] * 3, utc=True)})
>>> p = project_events(ev)
>>> p.n, p.adjacency.nnz   # the self-like is dropped
(2, 2)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
import scipy.sparse as sp

#: Default weight of each interaction kind (documented in README_RANKING.md).
DEFAULT_KIND_WEIGHTS: dict[str, float] = {
    "repost": 1.0,
    "quote": 1.0,
    "reply": 0.8,
    "mention": 0.6,
    "comment": 0.6,
    "message": 0.5,
    "link": 0.3,
    "like": 0.2,
    "follow": 0.1,
}
#: Weight of a kind that is not in the table (custom kinds).
DEFAULT_CUSTOM_KIND_WEIGHT = 0.5
#: Default half-life of an event's weight, in days.
DEFAULT_HALF_LIFE_DAYS = 30.0


@dataclass(slots=True)
class Projection:
    """A weighted directed engagement graph over integer node ids.

    Attributes
    ----------
    keys : numpy.ndarray
        ``keys[i]`` is the account key of node ``i`` (object array of str),
        sorted, so node ids do not depend on event order.
    adjacency : scipy.sparse.csr_matrix
        ``adjacency[i, j]`` is the summed (decayed, kind-weighted) engagement of
        ``i`` with ``j``; float64, no self-loops, no explicit zeros.
    events_out : numpy.ndarray
        Events (self-interactions included) each node authored in the window.
    events_in : numpy.ndarray
        Events each node received (self-interactions excluded).
    reference : pandas.Timestamp or None
        Time the decay is counted back from.
    """

    keys: np.ndarray
    adjacency: sp.csr_matrix
    events_out: np.ndarray
    events_in: np.ndarray
    reference: pd.Timestamp | None = None
    src: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    dst: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    event_weight: np.ndarray = field(default_factory=lambda: np.empty(0))

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.keys)

    def index_of(self, keys: Sequence[str]) -> np.ndarray:
        """Node ids of ``keys`` (``-1`` where a key is not a node)."""
        k = np.asarray(list(keys), dtype=object)
        if self.n == 0 or len(k) == 0:
            return np.full(len(k), -1, dtype=np.int64)
        idx = np.minimum(np.searchsorted(self.keys, k), self.n - 1)
        return np.where(self.keys[idx] == k, idx, -1).astype(np.int64)


def kind_weights_array(kinds: pd.Series, weights: Mapping[str, float] | None = None,
                       custom: float = DEFAULT_CUSTOM_KIND_WEIGHT) -> np.ndarray:
    """Weight of each event's kind.

    Parameters
    ----------
    kinds : pandas.Series
        Interaction kinds (``"reply"``, ``"repost"``…).
    weights : mapping, optional
        Overrides of :data:`DEFAULT_KIND_WEIGHTS`; a key ``"*"`` or ``"custom"``
        sets the weight of unknown kinds.
    custom : float
        Weight of kinds absent from the table.

    Returns
    -------
    numpy.ndarray
        float64, one weight per event.

    Examples
    --------
    >>> kind_weights_array(pd.Series(["reply", "zap"])).tolist()
    [0.8, 0.5]
    """
    table = dict(DEFAULT_KIND_WEIGHTS)
    if weights:
        table.update({str(k): float(v) for k, v in weights.items()})
    custom = float(table.pop("*", table.pop("custom", custom)))
    codes, uniques = pd.factorize(kinds, use_na_sentinel=True)
    per_unique = np.array([table.get(str(k), custom) for k in uniques] + [custom], dtype=float)
    return per_unique[codes]  # -1 (NA) picks the trailing custom weight


def decay_factors(at: pd.Series, reference: pd.Timestamp | None,
                  half_life_days: float | None) -> np.ndarray:
    """``0.5 ** (age / half_life)`` per event; ``1`` when there is no half-life.

    Events after the reference (there should be none) get factor 1.

    Examples
    --------
    >>> at = pd.Series(pd.to_datetime(["2024-01-01", "2024-01-31"], utc=True))
    >>> decay_factors(at, pd.Timestamp("2024-01-31", tz="UTC"), 30).round(3).tolist()
    [0.5, 1.0]
    """
    if not half_life_days or half_life_days <= 0 or reference is None or len(at) == 0:
        return np.ones(len(at))
    # Microseconds, not nanoseconds: any stored time (even a bogus year 2999) fits.
    ts = pd.Series(pd.to_datetime(at, utc=True)).dt.as_unit("us")
    ref_us = int(pd.Timestamp(reference).as_unit("us").asm8.astype(np.int64))
    age_us = (ref_us - ts.array.asi8).astype(np.float64)
    age_days = np.maximum(age_us, 0.0) / 86_400e6
    return np.exp2(-age_days / float(half_life_days))


def reference_time(events: pd.DataFrame, until: datetime | None = None) -> pd.Timestamp | None:
    """The time decay counts back from: ``until`` if given, else the newest event."""
    if until is not None:
        ts = pd.Timestamp(until)
        return ts.tz_convert("UTC") if ts.tzinfo else ts.tz_localize("UTC")
    if len(events) == 0 or "at" not in events:
        return None
    newest = pd.to_datetime(events["at"], utc=True).max()
    return None if pd.isna(newest) else newest


def event_weights(events: pd.DataFrame, *, kind_weights: Mapping[str, float] | None = None,
                  half_life_days: float | None = DEFAULT_HALF_LIFE_DAYS,
                  reference: pd.Timestamp | None = None) -> np.ndarray:
    """Weight of each event: kind weight × event ``weight`` column × time decay.

    Parameters
    ----------
    events : pandas.DataFrame
        With ``kind`` and ``at``; ``weight`` is optional (default 1, NaN read as 1).
    kind_weights : mapping, optional
        Overrides of :data:`DEFAULT_KIND_WEIGHTS`.
    half_life_days : float or None
        ``None`` or ``0`` disables decay.
    reference : pandas.Timestamp, optional
        Decay reference; default the newest event.

    Returns
    -------
    numpy.ndarray
    """
    w = kind_weights_array(events["kind"], kind_weights) if "kind" in events else np.ones(len(events))
    if "weight" in events:
        ew = pd.to_numeric(events["weight"], errors="coerce").to_numpy(dtype=float, na_value=1.0)
        w = w * np.where(np.isfinite(ew) & (ew >= 0), ew, 1.0)
    if "at" in events and half_life_days:
        ref = reference if reference is not None else reference_time(events)
        w = w * decay_factors(events["at"], ref, half_life_days)
    return w


def project_events(events: pd.DataFrame, *, nodes: Sequence[str] | None = None,
                   kind_weights: Mapping[str, float] | None = None,
                   half_life_days: float | None = DEFAULT_HALF_LIFE_DAYS,
                   until: datetime | None = None,
                   keep_events: bool = False) -> Projection:
    """Aggregate events into a weighted directed engagement graph.

    Parameters
    ----------
    events : pandas.DataFrame
        Columns ``source`` and ``target`` (account keys) and optionally ``kind``,
        ``at`` and ``weight`` (see :data:`graph.model.INTERACTION_COLUMNS`).
    nodes : sequence of str, optional
        Extra account keys to include as (possibly isolated) nodes.
    kind_weights : mapping, optional
        Overrides of :data:`DEFAULT_KIND_WEIGHTS` (``"*"`` = custom kinds).
    half_life_days : float or None
        Half-life of the time decay (default 30 days); ``None``/``0`` = no decay.
    until : datetime, optional
        End of the window; the decay reference (default: newest event).
    keep_events : bool
        Keep per-event node ids and weights (``src``, ``dst``, ``event_weight``)
        for callers that need per-event aggregations (topics, boundaries).

    Returns
    -------
    Projection

    Examples
    --------
    >>> ev = pd.DataFrame({"source": ["x:a", "x:a"], "target": ["x:b", "x:b"],
    ...                    "kind": ["reply", "repost"]})
    >>> project_events(ev, half_life_days=None).adjacency.toarray().tolist()
    [[0.0, 1.8], [0.0, 0.0]]
    """
    ref = reference_time(events, until)
    m = len(events)
    parts = [events["source"], events["target"]] if m else []
    if nodes is not None and len(nodes):
        parts.append(pd.Series(list(nodes), dtype=events["source"].dtype if m else object))
    # Factorizing the pandas columns keeps their dtype: the stores return Arrow-backed
    # strings, which factorize about twice as fast as Python objects.
    both = pd.concat(parts, ignore_index=True) if parts else pd.Series([], dtype=object)
    codes, uniques = pd.factorize(both, sort=True)
    keys = np.asarray(uniques, dtype=object)
    n = len(keys)
    src = codes[:m].astype(np.int64)
    dst = codes[m : 2 * m].astype(np.int64)
    w = event_weights(events, kind_weights=kind_weights, half_life_days=half_life_days,
                      reference=ref) if m else np.empty(0)
    events_out = np.bincount(src, minlength=n).astype(np.int64)
    loop = src == dst
    keep = ~loop & (w > 0)
    events_in = np.bincount(dst[~loop], minlength=n).astype(np.int64)
    adj = sp.coo_matrix((w[keep], (src[keep], dst[keep])), shape=(n, n)).tocsr()
    adj.sum_duplicates()
    adj.eliminate_zeros()
    adj.sort_indices()
    proj = Projection(keys=keys, adjacency=adj, events_out=events_out, events_in=events_in,
                      reference=ref)
    if keep_events:
        proj.src, proj.dst, proj.event_weight = src, dst, np.where(loop, 0.0, w)
    return proj


def scale_sources(adjacency: sp.csr_matrix, factors: np.ndarray) -> sp.csr_matrix:
    """Multiply each row (the engager's outgoing weights) by ``factors[row]``.

    Used to down-weight likely-automated engagers: ``factors = 1 - automation``.

    Examples
    --------
    >>> a = sp.csr_matrix(np.array([[0.0, 2.0], [1.0, 0.0]]))
    >>> scale_sources(a, np.array([0.5, 1.0])).toarray().tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    out = sp.diags(np.asarray(factors, dtype=float)) @ adjacency
    out = out.tocsr()
    out.eliminate_zeros()
    out.sort_indices()
    return out


def simple_undirected(adjacency: sp.csr_matrix) -> sp.csr_matrix:
    """The undirected simple graph (0/1 entries, symmetric, no loops) of a projection."""
    a = adjacency.copy().tocsr()
    a.data = np.ones_like(a.data)
    from graph.community import _without_diagonal

    u = (a + a.T).tocsr()
    u.data = np.ones_like(u.data)
    return _without_diagonal(u)
