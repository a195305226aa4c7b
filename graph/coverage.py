"""Coverage shortlists: the K leaders who together reach the most distinct engaged accounts.

A list of the top K by score often holds K accounts engaged by the same
crowd. A *coverage* shortlist instead maximises how many distinct accounts the
list reaches, with a bonus for spreading its picks across communities.

Objective
---------
Let ``E(c)`` be the accounts that engaged with candidate ``c`` in the
snapshot's window (sources of events ``s → c``, ``s != c``), ``comm(c)`` the
candidate's community and ``S`` a set of picks::

    f(S) = |∪_{c ∈ S} E(c)|  +  B · |{comm(c) : c ∈ S}|

The first term is the *reach* (distinct engaged accounts), the second counts
each community represented among the picks ``B`` times (``B >= 0`` in units of
reached accounts; ``B = 0`` is plain reach). Both terms are coverage
functions, hence monotone submodular, and so is their non-negative sum: the
greedy algorithm — pick the candidate with the largest marginal gain, K times —
reaches at least ``(1 − 1/e) ≈ 63 %`` of the best possible ``f`` for a list of
K (Nemhauser, Wolsey & Fisher, 1978).

Lazy greedy (CELF, Leskovec et al. 2007) returns exactly the greedy picks with
far fewer evaluations: by submodularity a candidate's gain can only shrink,
so a stale gain is an upper bound and a candidate is re-evaluated only when
its bound reaches the top of a heap. Ties go to the better-ranked candidate
(its position in the candidate table), in both algorithms, so the two agree
pick by pick. When no candidate adds anything any more, the remaining picks
follow the candidate order (marginal gain 0).

Examples
--------
>>> import pandas as pd
>>> ev = pd.DataFrame({"source": ["a", "b", "c", "b", "c", "d"],
...                    "target": ["L1", "L1", "L1", "L2", "L2", "L3"]})
>>> cands = pd.DataFrame({"account": ["L1", "L2", "L3"], "score": [90.0, 80.0, 10.0],
...                       "community": [1, 1, 2]})
>>> plan = plan_coverage(ev, cands, 2, community_bonus=0)
>>> plan.picks["account"].tolist(), plan.reach, plan.top_reach
(['L1', 'L3'], 4, 3)
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from graph.errors import InputError

#: Default community bonus, as a fraction of the best single candidate's reach.
DEFAULT_BONUS_FRACTION = 0.1


@dataclass(slots=True)
class Audiences:
    """Each candidate's engaged accounts, as CSR-style integer arrays.

    ``members[ptr[i]:ptr[i+1]]`` are the (distinct, integer-coded) accounts that
    engaged with candidate ``i``; ``n_accounts`` is the size of the code space.
    """

    ptr: np.ndarray
    members: np.ndarray
    n_accounts: int

    def of(self, i: int) -> np.ndarray:
        return self.members[self.ptr[i]:self.ptr[i + 1]]

    def sizes(self) -> np.ndarray:
        return np.diff(self.ptr)


@dataclass(slots=True)
class CoveragePlan:
    """A coverage shortlist and its comparison with the top K by score.

    Attributes
    ----------
    picks : pandas.DataFrame
        One row per pick, in pick order: ``pick``, every column of the
        candidate row (``account``, ``score``…), ``own_reach`` (its engaged
        accounts), ``new_reach`` (those no earlier pick reached),
        ``new_community`` (first pick of its community), ``gain`` (the
        objective's marginal gain) and ``total_reach`` (cumulative).
    reach : int
        Distinct accounts the picks reach.
    top : pandas.DataFrame
        The top K candidates by score (the candidate order), same columns.
    top_reach : int
        Distinct accounts the top K reach.
    overlap : int
        Accounts in both lists.
    communities, top_communities : int
        Distinct communities among the picks / the top K.
    bonus : float
        The community bonus ``B`` used.
    evaluations : int
        Marginal-gain evaluations performed (CELF's saving shows here).
    """

    picks: pd.DataFrame
    reach: int
    top: pd.DataFrame
    top_reach: int
    overlap: int
    communities: int
    top_communities: int
    bonus: float
    evaluations: int = 0
    candidates: int = 0
    extra: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """JSON-friendly figures of the comparison."""
        return {"size": int(len(self.picks)), "candidates": int(self.candidates),
                "plan_reach": int(self.reach), "top_reach": int(self.top_reach),
                "gain_over_top": int(self.reach - self.top_reach),
                "overlap": int(self.overlap), "plan_communities": int(self.communities),
                "top_communities": int(self.top_communities),
                "community_bonus": float(self.bonus), "evaluations": int(self.evaluations)}


def audiences(events: pd.DataFrame, candidates: pd.Series | np.ndarray | list) -> Audiences:
    """The distinct engaged accounts of each candidate (column-wise, no Python loop per event).

    Parameters
    ----------
    events : pandas.DataFrame
        Interactions with ``source`` and ``target`` (account keys).
    candidates : sequence of str
        Candidate account keys, in candidate order.

    Returns
    -------
    Audiences
        Self-engagements are dropped; repeated engagements count once.
    """
    cand = pd.Index(pd.Series(candidates, dtype=object))
    if cand.has_duplicates:
        raise InputError("candidate accounts must be distinct")
    if len(events) == 0:
        return Audiences(np.zeros(len(cand) + 1, dtype=np.int64), np.zeros(0, dtype=np.int64), 0)
    src = events["source"].to_numpy(dtype=object)
    dst = events["target"].to_numpy(dtype=object)
    ci = cand.get_indexer(dst)
    keep = (ci >= 0) & (src != dst)
    codes, _ = pd.factorize(src[keep])
    ci = ci[keep].astype(np.int64)
    n_acc = int(codes.max()) + 1 if len(codes) else 0
    pair = np.unique(ci * max(n_acc, 1) + codes.astype(np.int64))
    rows, members = np.divmod(pair, max(n_acc, 1))
    ptr = np.zeros(len(cand) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=len(cand)), out=ptr[1:])
    return Audiences(ptr, members.astype(np.int64), n_acc)


def default_bonus(aud: Audiences, fraction: float = DEFAULT_BONUS_FRACTION) -> float:
    """``fraction`` of the best single candidate's reach (the default community bonus)."""
    sizes = aud.sizes()
    return float(fraction * sizes.max()) if len(sizes) else 0.0


def _community_codes(communities) -> np.ndarray:
    """Integer codes of communities; a missing community is its own singleton (code -1 → unique)."""
    s = pd.Series(communities, dtype=object)
    codes, _ = pd.factorize(s)  # NaN → -1
    codes = codes.astype(np.int64)
    missing = codes < 0
    codes[missing] = codes.max(initial=-1) + 1 + np.arange(int(missing.sum()))
    return codes


def _check(k: int, bonus: float) -> None:
    if k < 1:
        raise InputError("the shortlist size must be at least 1")
    if not bonus >= 0:  # also rejects NaN: a negative bonus would break submodularity
        raise InputError("the community bonus must be >= 0")


def celf(aud: Audiences, communities, k: int, bonus: float = 0.0) -> tuple[list[int], list[float], int]:
    """Lazy greedy (CELF) maximisation of reach + ``bonus`` × communities represented.

    Parameters
    ----------
    aud : Audiences
        Candidates' engaged accounts (candidate ``i`` is row ``i``).
    communities : sequence
        Each candidate's community (``None``/NaN: a community of its own).
    k : int
        Picks wanted (capped at the number of candidates).
    bonus : float
        Gain of a pick whose community is not yet represented.

    Returns
    -------
    picks : list of int
        Candidate indices in pick order.
    gains : list of float
        Each pick's marginal gain of the objective.
    evaluations : int
        Gain evaluations performed.
    """
    _check(k, bonus)
    n = len(aud.ptr) - 1
    comm = _community_codes(communities)
    covered = np.zeros(aud.n_accounts, dtype=bool)
    seen = np.zeros(int(comm.max(initial=-1)) + 1, dtype=bool)
    sizes = aud.sizes()
    # Heap entries: (-gain bound, candidate index, round the bound was computed in).
    heap = [(-(float(sizes[i]) + bonus), i, 0) for i in range(n)]
    heapq.heapify(heap)
    picks: list[int] = []
    gains: list[float] = []
    evaluations = n
    while heap and len(picks) < min(k, n):
        neg, i, stamp = heapq.heappop(heap)
        rnd = len(picks)
        if stamp == rnd:  # fresh: by submodularity no other bound can beat it
            picks.append(i)
            gains.append(-neg)
            covered[aud.of(i)] = True
            seen[comm[i]] = True
            continue
        m = aud.of(i)
        gain = float(np.count_nonzero(~covered[m])) + (0.0 if seen[comm[i]] else bonus)
        evaluations += 1
        heapq.heappush(heap, (-gain, i, rnd))
    return picks, gains, evaluations


def greedy(aud: Audiences, communities, k: int, bonus: float = 0.0) -> tuple[list[int], list[float], int]:
    """Plain greedy (every gain recomputed each round); the reference :func:`celf` must match.

    Same parameters and returns as :func:`celf`.
    """
    _check(k, bonus)
    n = len(aud.ptr) - 1
    comm = _community_codes(communities)
    covered = np.zeros(aud.n_accounts, dtype=bool)
    seen = np.zeros(int(comm.max(initial=-1)) + 1, dtype=bool)
    chosen = np.zeros(n, dtype=bool)
    picks: list[int] = []
    gains: list[float] = []
    evaluations = 0
    for _ in range(min(k, n)):
        best, best_gain = -1, -1.0
        for i in range(n):
            if chosen[i]:
                continue
            gain = float(np.count_nonzero(~covered[aud.of(i)])) + (0.0 if seen[comm[i]] else bonus)
            evaluations += 1
            if gain > best_gain:  # strict: ties keep the better-ranked candidate
                best, best_gain = i, gain
        picks.append(best)
        gains.append(best_gain)
        chosen[best] = True
        covered[aud.of(best)] = True
        seen[comm[best]] = True
    return picks, gains, evaluations


def _walk(aud: Audiences, comm: np.ndarray, order: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Own reach, new reach and new-community flags of candidates taken in ``order``."""
    covered = np.zeros(aud.n_accounts, dtype=bool)
    seen: set[int] = set()
    own, new, fresh = [], [], []
    for i in order:
        m = aud.of(i)
        own.append(len(m))
        new.append(int(np.count_nonzero(~covered[m])))
        covered[m] = True
        fresh.append(int(comm[i]) not in seen)
        seen.add(int(comm[i]))
    return np.asarray(own, dtype=np.int64), np.asarray(new, dtype=np.int64), np.asarray(fresh, bool)


def _reached(aud: Audiences, order: list[int]) -> np.ndarray:
    if not order:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate([aud.of(i) for i in order]))


def plan_coverage(events: pd.DataFrame, candidates: pd.DataFrame, k: int,
                  community_bonus: float | None = None, key: str = "account") -> CoveragePlan:
    """Plan a coverage shortlist of ``k`` and compare it with the top ``k`` by score.

    Parameters
    ----------
    events : pandas.DataFrame
        The snapshot window's interactions (``source``, ``target``).
    candidates : pandas.DataFrame
        Candidate rows in score order (best first), with the account key in
        column ``key`` and optionally ``community``.
    k : int
        Shortlist size.
    community_bonus : float, optional
        ``B`` of the objective (see the module docstring); ``None`` means
        :data:`DEFAULT_BONUS_FRACTION` of the best candidate's reach, ``0``
        plain reach.
    key : str
        Column of ``candidates`` holding account keys.

    Returns
    -------
    CoveragePlan

    Raises
    ------
    InputError
        ``k < 1``, a negative bonus, duplicate candidates or no candidates.
    """
    if candidates.empty:
        raise InputError("no candidate accounts to plan a shortlist from")
    cand = candidates.reset_index(drop=True)
    aud = audiences(events, cand[key])
    comm_values = cand["community"] if "community" in cand else pd.Series([None] * len(cand))
    bonus = default_bonus(aud) if community_bonus is None else float(community_bonus)
    picks, gains, evaluations = celf(aud, comm_values, k, bonus)
    comm = _community_codes(comm_values)
    top = list(range(min(k, len(cand))))

    def frame(order: list[int], gain: list[float] | None) -> pd.DataFrame:
        own, new, fresh = _walk(aud, comm, order)
        out = cand.iloc[order].reset_index(drop=True)
        out.insert(0, "pick", np.arange(1, len(order) + 1))
        out["own_reach"] = own
        out["new_reach"] = new
        out["new_community"] = fresh
        if gain is not None:
            out["gain"] = np.round(np.asarray(gain, dtype=float), 3)
        out["total_reach"] = np.cumsum(new)
        return out

    plan_set, top_set = _reached(aud, picks), _reached(aud, top)
    return CoveragePlan(
        picks=frame(picks, gains), reach=len(plan_set), top=frame(top, None),
        top_reach=len(top_set), overlap=len(np.intersect1d(plan_set, top_set)),
        communities=len(set(comm[picks].tolist())), top_communities=len(set(comm[top].tolist())),
        bonus=bonus, evaluations=evaluations, candidates=len(cand))


def window_events(store, snapshot, theme: str | None = None) -> pd.DataFrame:
    """The interactions of a snapshot's window and filters (``source``, ``target`` only).

    The same window the snapshot was ranked on: its ``since``, ``until``,
    ``platforms`` and ``kinds``; with ``theme``, only interactions tagged with
    that listening theme (:mod:`graph.listening`).
    """
    cfg = dict(snapshot.config or {})
    from graph.ranking import parse_datetime

    df = store.interactions(since=parse_datetime(cfg.get("since")),
                            until=parse_datetime(cfg.get("until")),
                            kinds=list(cfg.get("kinds") or []) or None,
                            platforms=list(cfg.get("platforms") or []) or None, with_text=False)
    if theme is not None:
        from graph.listening import only_themes

        df = only_themes(df, store, theme)
    return df[["source", "target"]]


def plan_from_snapshot(store, snapshot, k: int, segment: str = "all",
                       community_id: int | None = None, topic: str | None = None,
                       pool: int | None = None,
                       community_bonus: float | None = None,
                       theme: str | None = None) -> CoveragePlan:
    """Plan a coverage shortlist among a snapshot's leaderboard cut.

    Parameters
    ----------
    store : graph.store.GraphStore
        Read for the window's interactions and current handles.
    snapshot : graph.model.Snapshot
    k : int
    segment, community_id, topic :
        The leaderboard cut candidates come from (:func:`graph.ranking.leaderboard`).
    pool : int, optional
        Only the first ``pool`` accounts of the cut are candidates (default: all).
    community_bonus : float, optional
        See :func:`plan_coverage`.
    theme : str, optional
        A listening theme: reach counts only engagements in interactions
        tagged with it, and candidates are the accounts engaged with there.

    Returns
    -------
    CoveragePlan
        ``picks`` and ``top`` carry the leaderboard's columns (``account`` is the
        current handle, ``key`` the account key, ``overall_rank``…).
    """
    from graph.ranking import current_leaderboard

    board = current_leaderboard(store, snapshot.table, segment, top=None,
                                community_id=community_id, topic=topic)
    events = window_events(store, snapshot, theme)
    if theme is not None:
        board = board[board["key"].isin(pd.unique(events["target"]))]
    if pool is not None:
        board = board.head(pool)
    if board.empty:
        what = "segment, community, topic and theme" if theme else "segment, community and topic"
        raise InputError(f"no ranked account matches the {what}")
    return plan_coverage(events, board.reset_index(drop=True), k, community_bonus, key="key")


def save_plan(store, name: str, plan: CoveragePlan) -> dict:
    """Save a plan's picks as shortlist ``name`` (created when missing, else added to).

    Members already on the list are left as they are.

    Returns
    -------
    dict
        ``{"name": name, "added": new members}``.

    Raises
    ------
    InputError
        An empty name.
    """
    name = name.strip()
    if not name:
        raise InputError("a shortlist needs a name")
    if name not in {s.name for s in store.shortlists()}:
        store.create_shortlist(name, f"Coverage plan of {len(plan.picks)}: reaches "
                                     f"{plan.reach} accounts")
    key = "key" if "key" in plan.picks else "account"
    added = store.add_to_shortlist(name, plan.picks[key].tolist(), note="planned for coverage")
    return {"name": name, "added": int(added)}
