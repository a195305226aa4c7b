"""The account map the app draws: which accounts and ties it shows, and where.

The rule, in one place:

* **Ties** are the interactions of the snapshot's window (:func:`graph.coverage.window_events`)
  merged per pair of accounts, whatever the direction and kind (``count`` = how
  many interactions); self-interactions are dropped.
* **Accounts** are the *leaders* (the accounts a filter selects, every account
  without a filter) and *their engagers* (every account with a tie to a leader).
* Above ``limit`` accounts the map is **sampled by score**: leaders first, then
  engagers, each by score (then by interactions, then key), and the first
  ``limit`` are kept — the map says so (:attr:`AccountMap.sampled`).
* **Positions** come from one layout per snapshot of its best
  :data:`LAYOUT_ACCOUNTS` accounts by the same order, cached on disk
  (:func:`graph.layout.cached_layout`), so every filtered map of the snapshot
  shares them; other accounts go next to their neighbours.
* An **ego network** is an account, its neighbours (1 hop) and theirs (2 hops),
  nearest first, strongest tie first; it gets its own small layout.

Examples
--------
>>> ev = pd.DataFrame({"source": ["a", "b", "c", "a"], "target": ["b", "a", "a", "a"]})
>>> tie_table(ev).values.tolist()
[['a', 'b', 2], ['a', 'c', 1]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from graph.layout import LayoutCache, cached_layout, force_layout, place_missing

#: Accounts the app draws at most (a WebGL renderer keeps 20,000 fluid).
MAX_ACCOUNTS = 20_000
#: Accounts in the per-snapshot layout every map of the snapshot reuses.
LAYOUT_ACCOUNTS = MAX_ACCOUNTS
#: Ego networks larger than this are cut (nearest, strongest first).
EGO_ACCOUNTS = 2_000
NODE_COLUMNS = ["account", "score", "rank", "community", "segment", "platform", "handle",
                "interactions", "leader", "x", "y"]


@dataclass(slots=True)
class AccountMap:
    """What the network view draws.

    Attributes
    ----------
    nodes : pandas.DataFrame
        :data:`NODE_COLUMNS`: ``interactions`` = total tie count of the account
        in the window, ``leader`` = selected by the filter (or the ego itself,
        hop distance in ``hops`` for ego maps), ``x``/``y`` positions.
    ties : pandas.DataFrame
        ``source, target, count`` between shown accounts (``source < target``).
    total : int
        Accounts the filter selected with their engagers, before sampling.
    sampled : bool
        Whether ``total`` exceeded the limit (the map shows the best by score).
    layout_cached : bool
        Whether the positions came from the layout cache.
    """

    nodes: pd.DataFrame
    ties: pd.DataFrame
    total: int
    sampled: bool
    layout_cached: bool = False

    @property
    def shown(self) -> int:
        """How many accounts the map draws."""
        return len(self.nodes)


def tie_table(events: pd.DataFrame) -> pd.DataFrame:
    """One row per unordered pair of accounts that interacted: ``source < target, count``."""
    if events.empty:
        return pd.DataFrame({"source": pd.Series(dtype=object), "target": pd.Series(dtype=object),
                             "count": pd.Series(dtype=np.int64)})
    s = events["source"].to_numpy(dtype=object)
    t = events["target"].to_numpy(dtype=object)
    keep = s != t
    s, t = s[keep], t[keep]
    lo = np.where(s < t, s, t)
    hi = np.where(s < t, t, s)
    out = (pd.DataFrame({"source": lo, "target": hi}).groupby(["source", "target"], sort=True)
           .size().rename("count").reset_index())
    out["count"] = out["count"].astype(np.int64)
    return out


def account_table(ties: pd.DataFrame, table: pd.DataFrame | None) -> pd.DataFrame:
    """Every account of ``ties`` with its ranking (score 0, rank -1, community -1 when unranked)
    and its total interactions."""
    both = pd.concat([ties[["source", "count"]].rename(columns={"source": "account"}),
                      ties[["target", "count"]].rename(columns={"target": "account"})],
                     ignore_index=True)
    act = both.groupby("account", sort=True)["count"].sum()
    out = pd.DataFrame({"account": act.index.to_numpy(dtype=object),
                        "interactions": act.to_numpy(dtype=np.int64)})
    keys = out["account"]
    t = (table.drop_duplicates("account").set_index("account").reindex(keys)
         if table is not None and not table.empty else pd.DataFrame(index=keys))
    for col, default, dtype in (("score", 0.0, float), ("rank", -1, np.int64),
                                ("community", -1, np.int64)):
        vals = pd.to_numeric(t[col], errors="coerce") if col in t else pd.Series(np.nan, keys)
        out[col] = vals.fillna(default).to_numpy(dtype=dtype)
    platform = np.array([k.split(":", 1)[0] if ":" in k else "" for k in keys], dtype=object)
    def column(col: str) -> np.ndarray:
        return t[col].to_numpy(dtype=object) if col in t else np.full(len(keys), None, object)

    seg, plat = column("segment"), column("platform")
    out["segment"] = np.where(pd.notna(seg), seg, "external")
    out["platform"] = np.where(pd.notna(plat) & (plat != ""), plat, platform)
    out["handle"] = column("handle")
    return out


def priority_order(nodes: pd.DataFrame) -> np.ndarray:
    """Row order of the sampling rule: leaders first, then by score, interactions, key."""
    return np.lexsort((nodes["account"].to_numpy(dtype=str),
                       -nodes["interactions"].to_numpy(dtype=float),
                       -nodes["score"].to_numpy(dtype=float),
                       ~nodes["leader"].to_numpy(dtype=bool)))


def select_accounts(nodes: pd.DataFrame, ties: pd.DataFrame, leaders: Sequence[str] | None,
                    limit: int) -> tuple[pd.DataFrame, int]:
    """The leaders, their engagers, sampled by score to ``limit`` (the module's rule).

    Parameters
    ----------
    nodes : pandas.DataFrame
        :func:`account_table`.
    ties : pandas.DataFrame
        :func:`tie_table`.
    leaders : sequence of str, optional
        The accounts a filter selected; ``None`` selects every account.
    limit : int
        Accounts kept at most.

    Returns
    -------
    (nodes, total)
        The kept rows (``leader`` column added) in priority order, and how many
        accounts the rule selected before sampling.
    """
    if leaders is None:
        chosen = nodes.assign(leader=True)
    else:
        lead = pd.Index(pd.unique(np.asarray(list(leaders), dtype=object)))
        is_lead = nodes["account"].isin(lead).to_numpy()
        s_in = ties["source"].isin(lead).to_numpy()
        t_in = ties["target"].isin(lead).to_numpy()
        engagers = pd.unique(np.concatenate([ties["target"].to_numpy(dtype=object)[s_in],
                                             ties["source"].to_numpy(dtype=object)[t_in]]))
        keep = is_lead | nodes["account"].isin(engagers).to_numpy()
        chosen = nodes[keep].assign(leader=is_lead[keep])
    total = len(chosen)
    chosen = chosen.iloc[priority_order(chosen)].head(max(int(limit), 0))
    return chosen.reset_index(drop=True), total


def ties_among(ties: pd.DataFrame, accounts: Sequence[str]) -> pd.DataFrame:
    """The ties whose two ends are both in ``accounts``."""
    keys = pd.Index(np.asarray(list(accounts), dtype=object))
    inside = ties["source"].isin(keys).to_numpy() & ties["target"].isin(keys).to_numpy()
    return ties[inside].reset_index(drop=True)


def snapshot_layout(nodes: pd.DataFrame, ties: pd.DataFrame, cache: LayoutCache | None,
                    key: str) -> tuple[pd.DataFrame, bool]:
    """The snapshot's shared layout: its best :data:`LAYOUT_ACCOUNTS` accounts (no filter),
    cached under ``key``. Returns ``(positions, cache_hit)``."""
    best = nodes.assign(leader=True)
    best = best.iloc[priority_order(best)].head(LAYOUT_ACCOUNTS)["account"].tolist()
    return cached_layout(cache, key, best, ties_among(ties, best))


def account_map(events: pd.DataFrame, table: pd.DataFrame | None,
                leaders: Sequence[str] | None = None, limit: int = MAX_ACCOUNTS,
                cache: LayoutCache | None = None, layout_key: str = "") -> AccountMap:
    """The map of ``events``: leaders and engagers, sampled by score, laid out.

    Parameters
    ----------
    events : pandas.DataFrame
        Interactions (``source, target``) — the snapshot's window.
    table : pandas.DataFrame, optional
        The snapshot's ranking table (``account, score, rank, community``,
        optionally ``segment, platform, handle``).
    leaders : sequence of str, optional
        Accounts a filter selected (:func:`select_accounts`).
    limit : int
        At most this many accounts.
    cache, layout_key : optional
        Where the snapshot's layout is kept, and under which key
        (:meth:`graph.layout.LayoutCache.key` of the snapshot id). Without a
        cache the layout is computed each time.
    """
    ties = tie_table(events)
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in NODE_COLUMNS})
    if ties.empty:
        return AccountMap(empty, ties, 0, False)
    nodes = account_table(ties, table)
    shown, total = select_accounts(nodes, ties, leaders, limit)
    base, hit = snapshot_layout(nodes, ties, cache, layout_key or "uncached")
    shown_ties = ties_among(ties, shown["account"])
    pos = place_missing(shown["account"], base, shown_ties)
    shown["x"], shown["y"] = pos["x"].to_numpy(), pos["y"].to_numpy()
    return AccountMap(shown[NODE_COLUMNS], shown_ties, total, total > len(shown), hit)


def ego_map(events: pd.DataFrame, table: pd.DataFrame | None, key: str, hops: int = 1,
            limit: int = EGO_ACCOUNTS) -> AccountMap:
    """The ego network of ``key``: itself, its neighbours and (``hops=2``) theirs.

    Neighbours are kept nearest first, then by tie strength with the nearer
    ring, then by score, up to ``limit`` accounts. ``nodes`` gets a ``hops``
    column (0 = the account); ``leader`` marks the account itself. The layout
    is computed for the ego network alone and centred on the account.
    """
    if hops not in (1, 2):
        from graph.errors import InputError

        raise InputError("an ego network has 1 or 2 hops")
    ties = tie_table(events)
    cols = [*NODE_COLUMNS, "hops"]
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    if ties.empty or not ((ties["source"] == key) | (ties["target"] == key)).any():
        return AccountMap(empty, ties.iloc[:0], 0, False)
    dist = {key: 0}
    strength = {key: np.inf}
    ring = {key}
    for h in range(1, hops + 1):
        s_in = ties["source"].isin(ring).to_numpy()
        t_in = ties["target"].isin(ring).to_numpy()
        near = pd.concat([
            pd.DataFrame({"account": ties["target"][s_in], "count": ties["count"][s_in]}),
            pd.DataFrame({"account": ties["source"][t_in], "count": ties["count"][t_in]}),
        ])
        near = near[~near["account"].isin(list(dist))]
        got = near.groupby("account")["count"].sum()
        for a, c in got.items():
            dist[a] = h
            strength[a] = float(c)
        ring = set(got.index)
    keys = list(dist)
    nodes = account_table(ties_among(ties, keys), table)
    nodes["hops"] = nodes["account"].map(dist).astype(np.int64)
    nodes["leader"] = nodes["account"] == key
    tie_w = nodes["account"].map(strength).to_numpy(dtype=float)
    order = np.lexsort((nodes["account"].to_numpy(dtype=str),
                        -nodes["score"].to_numpy(dtype=float), -tie_w,
                        nodes["hops"].to_numpy()))
    total = len(nodes)
    nodes = nodes.iloc[order].head(max(int(limit), 1)).reset_index(drop=True)
    shown_ties = ties_among(ties, nodes["account"])
    pos = force_layout(nodes["account"], shown_ties, iterations=300)
    pos = pos.set_index("account").reindex(nodes["account"])
    nodes["x"] = pos["x"].to_numpy() - float(pos["x"].iloc[0])
    nodes["y"] = pos["y"].to_numpy() - float(pos["y"].iloc[0])
    return AccountMap(nodes[cols], shown_ties, total, total > len(nodes))


def layout_key(snapshot_id: str, store_display: str, theme: str | None = None) -> str:
    """The layout cache key of a snapshot's map: its id, the store's address (copies of a
    store share snapshot ids), the theme and :data:`LAYOUT_ACCOUNTS`."""
    return LayoutCache.key(snapshot_id, store_display, theme, LAYOUT_ACCOUNTS)


def map_from_store(store, snapshot=None, leaders: Sequence[str] | None = None,
                   limit: int = MAX_ACCOUNTS, theme: str | None = None,
                   cache: LayoutCache | None = None) -> AccountMap:
    """:func:`account_map` of a store's snapshot (default: the newest) and its window.

    The layout is cached under :func:`layout_key`.
    """
    from graph.coverage import window_events

    snap = snapshot if snapshot is not None else store.load_snapshot()
    if snap is None:
        from graph.errors import NotFoundError

        raise NotFoundError("no ranking yet: run `scout rank` first")
    events = window_events(store, snap, theme)
    return account_map(events, snap.table, leaders, limit, cache,
                       layout_key(snap.id, store.display, theme))
