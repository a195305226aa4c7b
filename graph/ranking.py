"""Rank opinion leaders: events → engagement graph → metrics → composite score.

The pure entry point is :func:`rank_events` (a DataFrame of events and one of
accounts in, a ranking table out); :func:`rank_store` reads a
:class:`graph.store.GraphStore` through its public interface, ranks, and saves a
snapshot and a run. Leaderboards (:func:`leaderboard`), explanations
(:func:`explain_account`) and rising stars (:func:`rising_stars`) work on a
ranking table, fresh or loaded from a snapshot.

Examples
--------
>>> ev = pd.DataFrame({"source": ["x:a", "x:b", "x:c", "x:c"],
...                    "target": ["x:c", "x:c", "x:a", "x:b"],
...                    "kind": ["reply"] * 4,
...                    "at": pd.to_datetime(["2024-05-01"] * 4, utc=True)})
>>> rank_events(ev).table["account"].tolist()[0]
'x:c'
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from graph import automation as auto
from graph import centrality, community, scoring
from graph.errors import ConfigError, NotFoundError
from graph.model import SEGMENTS, normalize_platform, normalize_topic
from graph.projection import (
    Projection,
    project_events,
    scale_sources,
)
from graph.store import GraphStore

#: Betweenness samples this many source nodes (exact below this many nodes) ...
DEFAULT_BETWEENNESS_K = 256
#: ... unless that exceeds this many edge visits (``k × edges``): the default k then
#: shrinks (not below :data:`MIN_AUTO_BETWEENNESS_K`) so big graphs stay fast. An
#: explicit ``betweenness_k`` is always honoured.
BETWEENNESS_BUDGET = 1_000_000_000
MIN_AUTO_BETWEENNESS_K = 64
#: Most topics listed per account in the ``topics`` column.
MAX_TOPICS_PER_ACCOUNT = 10
#: Rising stars are looked for among the current top ``RISING_POOL_FACTOR * top``.
RISING_POOL_FACTOR = 5
#: Accounts whose texts are read for the duplicate-text signal (most active first).
MAX_TEXT_ACCOUNTS = 200
#: Below this many events, ``rank_store`` reads the whole window with text at once.
TEXT_READ_ALL_BELOW = 200_000
#: Stores of more interactions than this read a window's texts in a worker process.
SHARE_PROCESS_ABOVE = TEXT_READ_ALL_BELOW
#: When the accounts whose texts are read hold at least this share of a window's
#: events, the window is read whole and the other rows dropped after the read.
WHOLE_WINDOW_TEXT_SHARE = 0.95
#: The interaction columns ranking reads (post ids, texts and languages are not needed).
RANK_COLUMNS = ["platform", "kind", "source", "target", "at", "topics", "weight"]
#: The columns the duplicate-text signal reads.
TEXT_COLUMNS = ["source", "post_id", "text"]

#: Metric columns of a ranking table, in display order.
METRIC_COLUMNS: tuple[str, ...] = (
    "engagers",
    "in_strength",
    "pagerank",
    "topic_pagerank",
    "topic_in_strength",
    "authority",
    "hub",
    "betweenness",
    "core",
    "bridging",
    "boundary_bridging",
    "reach",
    "activity",
    "profile_posts",
    "engagement_per_post",
    "automation",
)
#: Descriptive columns of a ranking table.
INFO_COLUMNS: tuple[str, ...] = (
    "handle",
    "platform",
    "segment",
    "crm_status",
    "community",
    "community_coarse",
    "automated",
    "topics",
)
#: Weights of the "boundary brokers" leaderboard (inside ↔ outside brokers).
BOUNDARY_BROKER_WEIGHTS: dict[str, float] = {
    "boundary_bridging": 0.5,
    "engagers": 0.2,
    "betweenness": 0.2,
    "pagerank": 0.1,
}
#: ``half_life_days = "auto"``: the half-life is this share of the window's span
#: (45 days for a 90-day window), so the oldest events of any window weigh about
#: a quarter as much as the newest. Chosen on the temporal benchmark sets (README).
AUTO_HALF_LIFE = "auto"
AUTO_HALF_LIFE_FRACTION = 0.5
#: Interactions spanning less than this many days carry no usable time: no decay,
#: and the ``auto`` preset ranks by status (see :func:`graph.scoring.auto_preset`).
MIN_TIMED_SPAN_DAYS = 1.0

Progress = Callable[[str], None]


@dataclass(slots=True)
class RankConfig:
    """Everything that decides a ranking (stored with each snapshot).

    Attributes
    ----------
    since, until : datetime, optional
        Window ``since <= at < until`` (aware UTC).
    topics, platforms, kinds : tuple of str
        Filters; ``topics`` switch on topic-sensitive metrics (the graph itself
        keeps every event of the window, see README_RANKING.md).
    preset : str
        ``auto`` (default) or a weight preset (:data:`graph.scoring.PRESETS`).
    weights : dict
        Metric weight overrides.
    kind_weights : dict
        Interaction kind weight overrides.
    half_life_days : float, "auto" or None
        Time-decay half-life in days (``None``/``0``: no decay; ``"auto"``, the
        default: half the window's span, see :meth:`effective_half_life`).
    resolution : float
        Community resolution.
    seed : int
        Seed for community detection and betweenness sampling.
    alpha : float
        PageRank damping.
    betweenness_k : int or None
        Betweenness source sample size (exact when the graph is smaller);
        ``None`` = 256, reduced on big graphs to keep ``k × edges`` within
        :data:`BETWEENNESS_BUDGET` (at least 64).
    downweight_automated : bool
        Multiply engagers' outgoing weight by ``1 - automation``.
    """

    since: datetime | None = None
    until: datetime | None = None
    topics: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    preset: str = scoring.DEFAULT_PRESET
    weights: dict[str, float] = field(default_factory=dict)
    kind_weights: dict[str, float] = field(default_factory=dict)
    half_life_days: float | str | None = AUTO_HALF_LIFE
    resolution: float = community.DEFAULT_RESOLUTION
    seed: int = 0
    alpha: float = 0.85
    betweenness_k: int | None = None
    downweight_automated: bool = True

    def __post_init__(self) -> None:
        self.topics = tuple(dict.fromkeys(t for t in map(normalize_topic, self.topics) if t))
        self.platforms = tuple(str(p).strip().lower() for p in self.platforms)
        self.kinds = tuple(str(k).strip().lower() for k in self.kinds)
        self.since = _utc(self.since)
        self.until = _utc(self.until)
        if self.since and self.until and self.since >= self.until:
            raise ConfigError("--since must be before --until")
        if self.preset not in scoring.PRESET_CHOICES:
            raise ConfigError(f"unknown preset {self.preset!r}; choose one of: "
                              f"{', '.join(scoring.PRESET_CHOICES)}")
        if isinstance(self.half_life_days, str):
            if self.half_life_days.strip().lower() != AUTO_HALF_LIFE:
                raise ConfigError(f"half-life must be a number of days or 'auto', "
                                  f"got {self.half_life_days!r}")
            self.half_life_days = AUTO_HALF_LIFE
        elif self.half_life_days is not None and not self.half_life_days >= 0:
            raise ConfigError("half-life must be >= 0 days")
        if not self.resolution > 0:
            raise ConfigError("resolution must be > 0")
        if not 0 < self.alpha < 1:
            raise ConfigError("PageRank damping must be in (0, 1)")
        if self.betweenness_k is not None and self.betweenness_k < 2:
            raise ConfigError("betweenness_k must be >= 2")
        for k, v in self.kind_weights.items():
            if not v >= 0:
                raise ConfigError(f"kind weight {k} must be >= 0")

    def effective_betweenness_k(self, edges: int) -> int:
        """The betweenness sample size used on a graph with ``edges`` edges."""
        if self.betweenness_k is not None:
            return int(self.betweenness_k)
        fit = BETWEENNESS_BUDGET // max(int(edges), 1)
        return int(min(DEFAULT_BETWEENNESS_K, max(MIN_AUTO_BETWEENNESS_K, fit)))

    def effective_half_life(self, span_days: float) -> float | None:
        """The half-life used on a window spanning ``span_days`` (``None`` = no decay).

        Examples
        --------
        >>> RankConfig().effective_half_life(90.0)
        45.0
        >>> RankConfig(half_life_days=7).effective_half_life(90.0)
        7.0
        """
        if self.half_life_days == AUTO_HALF_LIFE:
            if span_days < MIN_TIMED_SPAN_DAYS:
                return None
            return float(span_days) * AUTO_HALF_LIFE_FRACTION
        return float(self.half_life_days) if self.half_life_days else None

    def metric_weights(self, timed: bool = True) -> dict[str, float]:
        """The composite's weights (preset + overrides + topic mode; ``timed`` for ``auto``)."""
        return scoring.resolve_weights(self.preset, self.weights, topic_mode=bool(self.topics),
                                       timed=timed)

    def to_dict(self) -> dict:
        """JSON-friendly form (dates as ISO strings)."""
        d = asdict(self)
        for k in ("since", "until"):
            d[k] = d[k].isoformat() if d[k] else None
        for k in ("topics", "platforms", "kinds"):
            d[k] = list(d[k])
        return d

    @classmethod
    def from_dict(cls, d: Mapping) -> RankConfig:
        """Inverse of :meth:`to_dict` (unknown keys ignored)."""
        names = set(cls.__dataclass_fields__)
        kw = {k: v for k, v in d.items() if k in names}
        for k in ("since", "until"):
            if kw.get(k):
                kw[k] = parse_datetime(kw[k])
        for k in ("topics", "platforms", "kinds"):
            if k in kw:
                kw[k] = tuple(kw[k] or ())
        return cls(**kw)


@dataclass(slots=True)
class RankResult:
    """A ranking: the table (sorted by rank), its config and how it was computed."""

    table: pd.DataFrame
    config: RankConfig
    weights: dict[str, float]
    timings: dict[str, float] = field(default_factory=dict)  # wall seconds per step
    stats: dict[str, float] = field(default_factory=dict)
    cpu_timings: dict[str, float] = field(default_factory=dict)  # CPU seconds per step
    learned: dict | None = None  # see apply_learning

    def snapshot_config(self) -> dict:
        """What :func:`rank_store` stores as the snapshot's config."""
        out = {**self.config.to_dict(), "metric_weights": self.weights, "stats": self.stats,
               "version": 2}
        if self.learned is not None:
            out["learned"] = self.learned
        return out


def apply_learning(result: RankResult, labels: pd.Series,
                   accounts: pd.DataFrame | None = None) -> RankResult:
    """Re-rank ``result`` with weights learned from labelled leaders (in place).

    Parameters
    ----------
    result : RankResult
        A fresh ranking.
    labels : pandas.Series
        1/0 by account key or handle (:func:`graph.evaluate.read_truth`).
    accounts : pandas.DataFrame, optional
        Profiles, to match handles of labelled accounts that are not ranked.

    Returns
    -------
    RankResult
        The same object: table re-scored and re-ordered, ``weights`` the
        learned ones (or the default's, when learning did not beat them in
        cross-validation), ``learned`` the fit's report with the labels by key.

    Raises
    ------
    InputError
        Labels that match nobody, are not 0/1, or are too few.
    """
    from graph.evaluate import match_truth
    from graph.learn import learn_weights

    matched, missing = match_truth(labels, result.table, accounts)
    fit = learn_weights(result.table, matched, result.weights, seed=result.config.seed)
    if fit.source != "default":  # a fitted model, or a better unfitted weight set
        result.table = rescore(result.table, fit.weights)
        result.weights = scoring.normalize_weights(fit.weights)
    # Labels made from a list (e.g. a shortlist) mark everybody else 0 only for want
    # of better: hidden leaders may then come from those 0s (see learn.hidden_leaders).
    implicit = bool(labels.attrs.get("implicit_negatives", False))
    kept = matched[matched == 1] if implicit else matched
    result.learned = {**fit.as_dict(), "labels": {k: float(v) for k, v in kept.items()},
                      "implicit_negatives": implicit,
                      "unmatched_count": len(missing), "unmatched": missing[:20]}
    return result


# ----------------------------------------------------------------------------- helpers
def parse_datetime(value: str | datetime | None) -> datetime | None:
    """Parse an ISO 8601 date or date-time into an aware UTC datetime.

    Raises
    ------
    ConfigError
        Not an ISO 8601 date/date-time.

    Examples
    --------
    >>> parse_datetime("2024-05-01").isoformat()
    '2024-05-01T00:00:00+00:00'
    >>> parse_datetime("2024-05-01T12:00:00Z").isoformat()
    '2024-05-01T12:00:00+00:00'
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _utc(value)
    s = str(value).strip()
    try:
        dt = datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s)
    except ValueError:
        raise ConfigError(f"not an ISO 8601 date or date-time: {value!r} "
                          "(e.g. 2024-05-01 or 2024-05-01T12:00:00Z)") from None
    return _utc(dt)


def parse_duration(value: str) -> pd.Timedelta:
    """Parse ``30d``, ``12h``, ``2w`` or ``90m`` into a :class:`pandas.Timedelta`.

    Examples
    --------
    >>> parse_duration("30d").days
    30
    """
    s = str(value).strip().lower()
    units = {"w": "W", "d": "D", "h": "h", "m": "min"}
    try:
        if s and s[-1] in units:
            td = pd.Timedelta(float(s[:-1]), unit=units[s[-1]])
        else:
            td = pd.Timedelta(float(s), unit="D")
    except ValueError:
        raise ConfigError(f"not a duration: {value!r} (e.g. 30d, 12h, 2w)") from None
    if td <= pd.Timedelta(0):
        raise ConfigError(f"duration must be positive: {value!r}")
    return td


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        return parse_datetime(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def select_events(events: pd.DataFrame, since: datetime | None = None,
                  until: datetime | None = None, kinds: Sequence[str] = (),
                  platforms: Sequence[str] = ()) -> pd.DataFrame:
    """Events within ``since <= at < until`` of the given kinds and platforms.

    (The store applies the same filters; this is for events held in memory.)
    """
    mask = np.ones(len(events), dtype=bool)
    if (since is not None or until is not None) and len(events):
        at = pd.to_datetime(events["at"], utc=True)
        if since is not None:
            mask &= (at >= pd.Timestamp(since)).to_numpy()
        if until is not None:
            mask &= (at < pd.Timestamp(until)).to_numpy()
    if kinds:
        mask &= events["kind"].isin(list(kinds)).to_numpy()
    if platforms:
        mask &= events["platform"].isin(list(platforms)).to_numpy()
    return events if mask.all() else events.loc[mask]


def _factorize_topics(topics: pd.Series) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    vals = topics.to_numpy(dtype=object)
    try:
        codes, uniques = pd.factorize(vals)
    except TypeError:  # lists are unhashable
        codes, uniques = pd.factorize(np.array([tuple(v) if isinstance(v, list) else v
                                                for v in vals], dtype=object))
    out = []
    for u in uniques:
        if isinstance(u, str):
            u = tuple(t for t in u.split(";") if t)
        out.append(tuple(normalize_topic(t) for t in (u or ()) if t))
    return codes, out


def topic_mask(topics: pd.Series, wanted: Iterable[str]) -> np.ndarray:
    """Events carrying any of the ``wanted`` topics (case-insensitive, ``#`` ignored).

    Examples
    --------
    >>> topic_mask(pd.Series([("ai",), (), ("cloud", "AI")]), ["#ai"]).tolist()
    [True, False, True]
    """
    want = {normalize_topic(t) for t in wanted}
    if len(topics) == 0:
        return np.zeros(0, dtype=bool)
    codes, uniques = _factorize_topics(topics)
    hit = np.array([bool(want.intersection(u)) for u in uniques] + [False])
    return hit[codes]


def account_topics(src: np.ndarray, dst: np.ndarray, topics: pd.Series, n: int,
                   limit: int = MAX_TOPICS_PER_ACCOUNT) -> np.ndarray:
    """Per node, the topics of the events it authored or received, most frequent first.

    Vectorised: events are grouped by their topic tuple first (there are few
    distinct tuples), so the per-event work is integer arithmetic.

    Returns
    -------
    numpy.ndarray of str
        ``"topic1;topic2"`` per node (``""`` for none), at most ``limit`` topics,
        ties by topic name.
    """
    out = np.full(n, "", dtype=object)
    if len(topics) == 0 or n == 0:
        return out
    codes, uniques = _factorize_topics(topics)
    vocab = sorted({t for u in uniques for t in u})
    if not vocab:
        return out
    tid = {t: i for i, t in enumerate(vocab)}
    combo_topics = [sorted({tid[t] for t in u}) for u in uniques]
    combo_len = np.array([len(c) for c in combo_topics], dtype=np.int64)
    combo_start = np.concatenate([[0], np.cumsum(combo_len)[:-1]])
    flat = np.array([t for c in combo_topics for t in c], dtype=np.int64)
    keep = codes >= 0
    keep[keep] = combo_len[codes[keep]] > 0
    c = codes[keep].astype(np.int64)
    nodes = np.concatenate([src[keep], dst[keep]]).astype(np.int64)
    cc = np.concatenate([c, c])
    n_combos = len(uniques)
    pair, counts = np.unique(nodes * n_combos + cc, return_counts=True)
    p_node, p_combo = pair // n_combos, pair % n_combos
    lens = combo_len[p_combo]
    node_rep = np.repeat(p_node, lens)
    count_rep = np.repeat(counts, lens)
    first = np.repeat(np.cumsum(lens) - lens, lens)
    topic_rep = flat[np.repeat(combo_start[p_combo], lens) + np.arange(lens.sum()) - first]
    n_topics = len(vocab)
    key, inverse = np.unique(node_rep * n_topics + topic_rep, return_inverse=True)
    total = np.bincount(inverse, weights=count_rep)
    k_node, k_topic = key // n_topics, key % n_topics
    order = np.lexsort((k_topic, -total, k_node))
    k_node, k_topic = k_node[order], k_topic[order]
    starts = np.flatnonzero(np.r_[True, k_node[1:] != k_node[:-1]])
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(k_node)]))
    top = (np.arange(len(k_node)) - group_start) < limit
    k_node, k_topic = k_node[top], k_topic[top]
    names = np.asarray(vocab, dtype=object)[k_topic]
    bounds = np.flatnonzero(k_node[1:] != k_node[:-1]) + 1
    heads = k_node[np.r_[0, bounds]] if len(k_node) else k_node
    out[heads] = [";".join(g) for g in np.split(names, bounds)] if len(k_node) else []
    return out


def time_span(events: pd.DataFrame, config: RankConfig) -> tuple[float, bool]:
    """The window's span in days, and whether its interactions carry time.

    The span runs from ``since`` (else the oldest event) to ``until`` (else the
    newest event). Interactions *carry time* when their own timestamps spread
    over at least :data:`MIN_TIMED_SPAN_DAYS` — a survey or a static edge list
    loaded with one date does not.

    Examples
    --------
    >>> ev = pd.DataFrame({"at": pd.to_datetime(["2024-01-01", "2024-03-01"], utc=True)})
    >>> time_span(ev, RankConfig())
    (60.0, True)
    """
    if len(events) == 0 or "at" not in events:
        return 0.0, False
    at = pd.to_datetime(events["at"], utc=True)
    first, last = at.min(), at.max()
    if pd.isna(first):
        return 0.0, False
    own = (last - first).total_seconds() / 86400.0
    start = pd.Timestamp(config.since) if config.since is not None else first
    end = pd.Timestamp(config.until) if config.until is not None else last
    span = max((end - start).total_seconds() / 86400.0, 0.0)
    return span, own >= MIN_TIMED_SPAN_DAYS


def _window_days(events: pd.DataFrame, config: RankConfig, reference: pd.Timestamp | None) -> float:
    start = config.since
    if start is None and len(events):
        start = pd.to_datetime(events["at"], utc=True).min()
    end = reference
    if start is None or end is None:
        return 1.0
    return max((pd.Timestamp(end) - pd.Timestamp(start)).total_seconds() / 86400.0, 1.0)


def _profiles(keys: np.ndarray, accounts: pd.DataFrame | None) -> pd.DataFrame:
    cols = ["handle", "platform", "followers", "following", "posts", "created_at", "internal",
            "crm_status"]
    if accounts is None or accounts.empty:
        prof = pd.DataFrame(index=pd.Index(keys, name="key"), columns=cols)
    else:
        a = accounts.drop_duplicates("key").set_index("key")
        prof = a.reindex(keys)
        for c in cols:
            if c not in prof:
                prof[c] = None
        prof = prof[cols]
    plat = prof["platform"].to_numpy(dtype=object, copy=True)
    handle = prof["handle"].to_numpy(dtype=object, copy=True)
    no_plat = pd.isna(plat)
    no_handle = pd.isna(handle) | (handle == "")
    if no_plat.any():
        plat[no_plat] = [k.partition(":")[0] for k in keys[no_plat]]
    if no_handle.any():
        handle[no_handle] = [k.partition(":")[2] for k in keys[no_handle]]
    prof["platform"] = plat
    prof["handle"] = handle
    prof["internal"] = prof["internal"].astype("boolean").fillna(False).astype(bool)
    prof["crm_status"] = prof["crm_status"].where(prof["crm_status"].notna(), "none")
    return prof


def _step(progress: Progress | None, timings: dict, name: str, t0: list) -> None:
    """Close the previous step's timing (wall and CPU seconds) and announce ``name``."""
    now, cpu = time.perf_counter(), time.process_time()
    if t0:
        timings[t0[2]] = (now - t0[0], cpu - t0[1])
    t0[:] = [now, cpu, name]
    if progress is not None:
        progress(name)


# ----------------------------------------------------------------------------- ranking
def rank_events(events: pd.DataFrame, accounts: pd.DataFrame | None = None,
                config: RankConfig | None = None, *, texts: pd.DataFrame | None = None,
                progress: Progress | None = None, workers: int | None = None,
                duplicate: Callable[[], pd.Series] | None = None) -> RankResult:
    """Rank every account of the window's engagement graph.

    Parameters
    ----------
    events : pandas.DataFrame
        Interactions (:data:`graph.model.INTERACTION_COLUMNS`; ``source``,
        ``target`` required, ``kind``, ``at``, ``weight``, ``topics``, ``text``
        optional). Filtered here by the config's window, kinds and platforms.
    accounts : pandas.DataFrame, optional
        Profiles (:data:`graph.model.ACCOUNT_COLUMNS`); accounts without a
        profile count as external with unknown reach.
    config : RankConfig, optional
        Defaults: the ``auto`` preset and half-life (see :class:`RankConfig`).
    texts : pandas.DataFrame, optional
        ``source, post_id, text`` for the duplicate-text signal; by default the
        ``text`` column of ``events`` is used when it holds any text.
    progress : callable, optional
        Called with the name of each step.
    workers : int, optional
        Processes for betweenness on big graphs (default: the CPUs, at most 4);
        the results do not depend on it.
    duplicate : callable, optional
        Returns the duplicate-text share per account key
        (:func:`graph.automation.duplicate_text_share`), when it is computed
        elsewhere, e.g. on a thread while the graph is projected; ``texts`` is
        then not read.

    Returns
    -------
    RankResult
        ``table`` has one row per account (``account`` = key, ``rank`` from 1,
        ``score`` 0–100, :data:`INFO_COLUMNS` and :data:`METRIC_COLUMNS`),
        sorted by rank; ties broken by key.

    Raises
    ------
    ConfigError
        Bad configuration (unknown preset or metric, …).
    """
    config = config or RankConfig()
    config.metric_weights()  # a bad preset or weight fails before any work
    timings: dict = {}
    tick: list = []
    _step(progress, timings, "selecting events", tick)
    ev = select_events(events, config.since, config.until, config.kinds, config.platforms)
    span_days, timed = time_span(ev, config)
    half_life = config.effective_half_life(span_days) if timed else None
    weights = config.metric_weights(timed=timed)

    _step(progress, timings, "projecting the engagement graph", tick)
    proj: Projection = project_events(ev, kind_weights=config.kind_weights,
                                      half_life_days=half_life, until=config.until,
                                      keep_events=True)
    n = proj.n
    keys = proj.keys
    prof = _profiles(keys, accounts)
    followers = pd.to_numeric(prof["followers"], errors="coerce").to_numpy(dtype=float)
    following = pd.to_numeric(prof["following"], errors="coerce").to_numpy(dtype=float)
    internal = prof["internal"].to_numpy(dtype=bool)

    _step(progress, timings, "scoring likely automation", tick)
    dup = np.zeros(n)
    if duplicate is not None:
        share = duplicate()
    else:
        text_src = texts
        if text_src is None and "text" in ev and len(ev) and ev["text"].notna().any():
            text_src = ev
        share = (auto.duplicate_text_share(text_src) if text_src is not None and len(text_src)
                 else pd.Series(dtype=float))
    if len(share):
        idx = proj.index_of(share.index.to_numpy(dtype=object))
        ok = idx >= 0
        dup[idx[ok]] = share.to_numpy()[ok]
    age_days = np.full(n, np.nan)
    if proj.reference is not None:
        created = pd.to_datetime(prof["created_at"], utc=True, errors="coerce")
        age_days = ((proj.reference - created).dt.total_seconds() / 86400.0).to_numpy(dtype=float)
    sig = auto.automation_scores(proj.adjacency, proj.events_out,
                                 _window_days(ev, config, proj.reference), followers=followers,
                                 following=following, age_days=age_days, duplicate=dup)
    automation = sig["automation"].to_numpy()
    automation = np.where(auto.declared_automated(keys, accounts), 1.0, automation)
    factor = 1.0 - automation if config.downweight_automated else np.ones(n)
    adj = scale_sources(proj.adjacency, factor) if config.downweight_automated else proj.adjacency

    _step(progress, timings, "starting betweenness", tick)
    # Betweenness dominates the cost on big graphs: it runs in worker processes
    # (when large enough) while the other metrics are computed here.
    btw_k = config.effective_betweenness_k(adj.nnz)
    collect_btw = centrality.start_betweenness(
        adj, k=btw_k, seed=config.seed, workers=workers,
        graph=centrality.to_igraph(adj, directed=True) if n >= 3 else None)

    _step(progress, timings, "degree and strength", tick)
    engagers = centrality.in_degree(adj)
    strength = centrality.in_strength(adj)

    _step(progress, timings, "pagerank", tick)
    pr = centrality.pagerank(adj, alpha=config.alpha) if n else np.empty(0)

    topic_pr = topic_strength = None
    if config.topics:
        _step(progress, timings, "topic-sensitive pagerank", tick)
        tmask = topic_mask(ev["topics"], config.topics) if "topics" in ev else np.zeros(len(ev), bool)
        tw = proj.event_weight[tmask] * factor[proj.src[tmask]]
        topic_strength = np.bincount(proj.dst[tmask], weights=tw, minlength=n)
        person = (np.bincount(proj.src[tmask], weights=proj.event_weight[tmask], minlength=n)
                  + np.bincount(proj.dst[tmask], weights=proj.event_weight[tmask], minlength=n))
        topic_pr = (centrality.pagerank(adj, alpha=config.alpha, personalization=person,
                                        nstart=0.5 * pr + 0.5 * person / person.sum())
                    if person.sum() > 0 else np.zeros(n))

    _step(progress, timings, "hits", tick)
    hub, authority = centrality.hits(adj) if n else (np.empty(0), np.empty(0))

    _step(progress, timings, "k-core", tick)
    w_sym = community.symmetrize(adj)
    g_und = community.weighted_igraph(w_sym)  # simple undirected: coreness = nx.core_number
    core = (np.asarray(g_und.coreness(mode="all"), dtype=np.int64) if n
            else np.empty(0, np.int64))

    _step(progress, timings, "communities", tick)
    fine, coarse = community.communities(adj, resolution=config.resolution, seed=config.seed,
                                         w=w_sym, graph=g_und)
    del g_und
    bridging = community.bridging_share(adj, fine)
    boundary = community.bridging_share(adj, internal.astype(np.int8))
    modularity = community.modularity(adj, fine, w=w_sym) if n else 0.0
    del w_sym

    _step(progress, timings, "topics per account", tick)
    topics_col = (account_topics(proj.src, proj.dst, ev["topics"], n)
                  if "topics" in ev else np.full(n, "", dtype=object))

    _step(progress, timings, "betweenness (waiting for workers)", tick)
    btw = collect_btw()

    _step(progress, timings, "composite score", tick)
    activity = proj.events_out
    metrics = pd.DataFrame({
        "engagers": engagers,
        "in_strength": strength,
        "pagerank": pr,
        "topic_pagerank": topic_pr if topic_pr is not None else np.full(n, np.nan),
        "topic_in_strength": topic_strength if topic_strength is not None else np.full(n, np.nan),
        "authority": authority,
        "hub": hub,
        "betweenness": btw,
        "core": core,
        "bridging": bridging,
        "boundary_bridging": boundary,
        "reach": np.nan_to_num(followers, nan=0.0),
        "activity": activity,
        "profile_posts": pd.to_numeric(prof["posts"], errors="coerce").fillna(0).to_numpy(),
        "engagement_per_post": strength / np.maximum(activity, 1),
        "automation": automation,
    })
    table, comp = leaderboard_table(keys, metrics, weights, config, prof, internal, fine, coarse,
                                    automation, topics_col)
    _step(progress, timings, "done", tick)
    cpu_timings = {k: c for k, (_, c) in timings.items()}
    timings = {k: w for k, (w, _) in timings.items()}
    stats = {
        "events": int(len(ev)),
        "accounts": int(n),
        "edges": int(adj.nnz),
        "communities": int(fine.max() + 1) if n else 0,
        "modularity": round(modularity, 6),
        "reference": proj.reference.isoformat() if proj.reference is not None else None,
        "automated": int((automation >= auto.AUTOMATED_THRESHOLD).sum()),
        "betweenness_k": int(min(btw_k, n)),
        "timed": bool(timed),
        "half_life_days": half_life,
        "preset": (scoring.auto_preset(timed) if config.preset == scoring.AUTO_PRESET
                   else config.preset),
    }
    return RankResult(table=table, config=config, weights=comp.weights, timings=timings,
                      stats=stats, cpu_timings=cpu_timings)


# ----------------------------------------------------------------------------- store
@dataclass(slots=True)
class RankOutcome:
    """What :func:`rank_store` did."""

    result: RankResult
    snapshot: object  # graph.model.Snapshot
    previous: object | None  # the snapshot before (for rising stars)
    run: object  # graph.model.Run


def read_texts(store, config: RankConfig, sources: Sequence[str],
               until: datetime | None = None) -> pd.DataFrame:
    """Texts authored by ``sources`` in the window (one store read, rows in any order).

    Only the most active accounts are read, where the duplicate-text signal
    matters; reading the whole window with text would double a big read. The
    rows come in whatever order is cheapest for the store: the duplicate-text
    share does not depend on it.

    Parameters
    ----------
    store : graph.store.GraphStore
    config : RankConfig
    sources : sequence of str
        Account keys.
    until : datetime, optional
        The window's end as read (default ``config.until``).
    """
    if len(sources) == 0:
        return pd.DataFrame(columns=TEXT_COLUMNS)
    return store.interactions(**_window_filters(config, until or config.until), sources=list(sources),
                              with_text=True, columns=TEXT_COLUMNS, ordered=False).reset_index(drop=True)


def window_duplicate_share(store, config: RankConfig, until: datetime | None,
                           source_counts: pd.Series) -> pd.Series:
    """The duplicate-text share of a window's accounts.

    Small windows (up to :data:`TEXT_READ_ALL_BELOW` events) are read whole with
    text; bigger ones only for the :data:`MAX_TEXT_ACCOUNTS` most active sources
    with at least :data:`graph.automation.MIN_TEXT_POSTS` events. When those hold
    :data:`WHOLE_WINDOW_TEXT_SHARE` of the window's events, the whole window is read
    (one pass over the table instead of an index lookup per row) and the share
    skips the other accounts' rows, without a filtered copy of the texts.

    Parameters
    ----------
    store : graph.store.GraphStore
    config : RankConfig
    until : datetime, optional
        The window's end as read (``rank_store`` bounds an open window).
    source_counts : pandas.Series
        Events per source in the window, most active first.
    """
    n_events = int(source_counts.sum())
    if not n_events:
        return pd.Series(dtype=float)
    accounts = None  # every account's share
    if n_events > TEXT_READ_ALL_BELOW:
        chosen = source_counts[source_counts >= auto.MIN_TEXT_POSTS].iloc[:MAX_TEXT_ACCOUNTS]
        accounts = list(chosen.index)
        if int(chosen.sum()) < WHOLE_WINDOW_TEXT_SHARE * n_events:
            return auto.duplicate_text_share(read_texts(store, config, accounts, until))
    texts = store.interactions(**_window_filters(config, until), with_text=True,
                               columns=TEXT_COLUMNS, ordered=False)
    return auto.duplicate_text_share(texts, accounts=accounts)


class BackgroundShare:
    """:func:`window_duplicate_share` of a window, computed in the background.

    On a big store (over :data:`SHARE_PROCESS_ABOVE` interactions) that can be
    reopened (:meth:`graph.store.GraphStore.reopen`), where the platform forks,
    a worker process starts at once: it reads the window's events per source
    itself (the filters and order of the ranking's read), then the texts. A
    million rows of Python objects hold the GIL, which on a thread would stall
    the projection running meanwhile. Otherwise a thread starts once the
    counts are known (:meth:`given`). The answer is the same either way: if the
    worker's counts differ from the ranking's (events written in between), the
    share is computed again from the ranking's.

    Parameters
    ----------
    store : graph.store.GraphStore
    config : RankConfig
    until : datetime, optional
        The window's end as the ranking reads it.
    """

    def __init__(self, store, config: RankConfig, until: datetime | None) -> None:
        self._store, self._config, self._until = store, config, until
        self._process = self._answer = None
        import gc
        import multiprocessing as mp

        if not (getattr(type(store), "reopen", GraphStore.reopen) is not GraphStore.reopen
                and sys.platform != "win32" and "fork" in mp.get_all_start_methods()
                and not mp.current_process().daemon  # daemons may not have children
                and store.size_hint() > SHARE_PROCESS_ABOVE):
            return
        context = mp.get_context("fork")  # the arguments are inherited, not pickled
        self._answer, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=_share_worker, args=(store, config, until, sender),
                                        name="scout-duplicate-share", daemon=True)
        gc.freeze()  # keep the child's garbage collector off the parent's pages
        try:
            self._process.start()
        finally:
            gc.unfreeze()
        sender.close()

    def given(self, source_counts: pd.Series) -> Callable[[], pd.Series]:
        """The share for the window whose events per source are ``source_counts``."""
        if self._process is None:
            thread = ThreadPoolExecutor(1)
            future = thread.submit(window_duplicate_share, self._store, self._config,
                                   self._until, source_counts)
            thread.shutdown(wait=False)
            return future.result

        def collect() -> pd.Series:
            try:
                ok, answer = self._answer.recv()
            except EOFError:  # the worker died without answering: compute it here
                ok, answer = True, None
            finally:
                self.close()
            if not ok:
                raise answer
            if answer is None or not answer[0].equals(source_counts):
                return window_duplicate_share(self._store, self._config, self._until,
                                              source_counts)
            return answer[1]

        return collect

    def close(self) -> None:
        """Stop the worker process, if any."""
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join()
            self._answer.close()
            self._process = None


def _share_worker(store, config: RankConfig, until: datetime | None, answer) -> None:
    """In the forked worker: send ``(True, (counts, share))`` or ``(False, error)``.

    The parent's connection is left alone (it must not cross ``fork``): the
    worker reads through its own (:meth:`graph.store.GraphStore.reopen`).
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops this worker
    try:
        with store.reopen() as fresh:
            counts = fresh.interactions(**_window_filters(config, until),
                                        columns=["source"])["source"].value_counts()
            reply = (True, (counts, window_duplicate_share(fresh, config, until, counts)))
    except Exception as exc:  # noqa: BLE001 - sent to the parent, raised there
        reply = (False, exc)
    answer.send(reply)
    answer.close()


def _window_filters(config: RankConfig, until: datetime | None) -> dict:
    """The filters of the ranking's events read (one home: the share's worker reads the same)."""
    return {"since": config.since, "until": until, "kinds": list(config.kinds) or None,
            "platforms": list(config.platforms) or None}


def _rank_events_read(store, config: RankConfig, events: pd.DataFrame, save: bool,
                      background: BackgroundShare, progress: Progress | None):
    """:func:`rank_events` of the events :func:`rank_store` read; the result and the accounts."""
    if save and events.empty:
        raise NotFoundError("no interactions in the window and filters: nothing to rank "
                            "(no snapshot saved)")
    if save and config.topics and not topic_mask(events["topics"], config.topics).any():
        # A topic ranking of nothing would become the newest snapshot, which
        # every leaderboard and refresh then reads: refuse instead.
        raise NotFoundError(f"no interaction in the window carries the topic(s) "
                            f"{', '.join(config.topics)}: nothing to rank (no snapshot saved)")
    # The texts are read and their duplicate share computed in the background
    # while the accounts are read and the graph projected.
    share = background.given(events["source"].value_counts())
    if progress:
        progress("reading accounts")
    accounts = store.accounts()
    return rank_events(events, accounts, config, progress=progress, duplicate=share), accounts


def rank_store(store, config: RankConfig | None = None, *, progress: Progress | None = None,
               save: bool = True, learn_from: pd.Series | None = None) -> RankOutcome:
    """Rank from a store and save the result as a snapshot and a ``rank`` run.

    Parameters
    ----------
    store : graph.store.GraphStore
        Read through ``interactions`` and ``accounts`` only; written through
        ``save_snapshot`` and ``save_run``.
    config : RankConfig, optional
    progress : callable, optional
        Called with each step's name.
    save : bool
        ``False`` ranks without storing anything.
    learn_from : pandas.Series, optional
        Labelled leaders (1/0 by key or handle): the snapshot is ranked with
        weights learned from them (:func:`apply_learning`).

    Returns
    -------
    RankOutcome

    Raises
    ------
    NotFoundError
        With ``save``, when the window holds no interactions (an empty snapshot
        would hide the previous ranking).
    """
    import uuid

    from graph.model import FUTURE_SLACK, utcnow
    from graph.runs import new_run, recorded_run

    config = config or RankConfig()
    previous = store.load_snapshot() if save else None
    run = new_run("rank", kind="rank", run_id="rank-" + uuid.uuid4().hex[:12])
    # Without --until, events dated in the future (stored before the time rule, or
    # with --any-time) are left out: they would become the decay's "now" and wipe
    # out the weight of everything else.
    until = config.until if config.until is not None else utcnow() + FUTURE_SLACK
    with recorded_run(store, run, save=save):
        if progress:
            progress("reading events")
        # Started before the events are read: a worker process reads its own.
        background = BackgroundShare(store, config, until)
        try:
            events = store.interactions(**_window_filters(config, until), with_text=False,
                                        columns=RANK_COLUMNS)
            result, accounts = _rank_events_read(store, config, events, save, background,
                                                 progress)
        finally:
            background.close()
        if learn_from is not None:
            if progress:
                progress("learning weights from the labelled leaders")
            apply_learning(result, learn_from, accounts)
        snapshot = None
        if save:
            if progress:
                progress("saving snapshot")
            snapshot = store.save_snapshot(result.snapshot_config(), result.table)
            run.read = int(len(events))
            run.summary.update({"snapshot": snapshot.id, **result.stats})
    return RankOutcome(result=result, snapshot=snapshot, previous=previous, run=run)


# ----------------------------------------------------------------------------- tables
def snapshot_weights(table: pd.DataFrame, config: Mapping | None) -> dict[str, float]:
    """The metric weights a snapshot was ranked with (recomputed from its config)."""
    cfg = dict(config or {})
    if cfg.get("metric_weights"):
        return {k: float(v) for k, v in cfg["metric_weights"].items() if k in table.columns}
    rc = RankConfig.from_dict(cfg) if cfg else RankConfig()
    return {k: v for k, v in rc.metric_weights().items() if k in table.columns}


def rescore(table: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Re-rank a ranking table with other weights (e.g. a preset) without recomputing metrics."""
    comp = scoring.composite(table, weights)
    out = table.copy()
    out["score"] = comp.score.to_numpy()
    out = out.iloc[scoring.order_by_score(out["score"].to_numpy(), out["account"].to_numpy())]
    out = out.reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return out


def refresh_profiles(table: pd.DataFrame, accounts: pd.DataFrame | None) -> pd.DataFrame:
    """Update handle, platform, segment and CRM status from current account data."""
    if accounts is None or accounts.empty or table.empty:
        return table
    a = accounts.drop_duplicates("key").set_index("key").reindex(table["account"])
    out = table.copy()
    if "handle" in a:
        h = a["handle"].to_numpy(dtype=object)
        ok = pd.notna(h) & (h != "")
        out["handle"] = np.where(ok, h, out.get("handle", out["account"]))
    if "internal" in a:
        known = a["internal"].notna().to_numpy()
        seg = np.where(a["internal"].fillna(False).astype(bool), "internal", "external")
        out["segment"] = np.where(known, seg, out.get("segment", "external"))
    if "crm_status" in a:
        c = a["crm_status"].to_numpy(dtype=object)
        out["crm_status"] = np.where(pd.notna(c), c, out.get("crm_status", "none"))
    return out


def leaderboard(table: pd.DataFrame, segment: str = "all", community_id: int | None = None,
                topic: str | None = None, top: int | None = 20,
                platforms: Iterable[str] = ()) -> pd.DataFrame:
    """A leaderboard cut from a ranking table.

    Parameters
    ----------
    table : pandas.DataFrame
        A ranking table (fresh or from a snapshot).
    segment : {"all", "internal", "external", "brokers", "boundary"}
        ``brokers`` re-scores with the ``brokers`` preset among accounts with
        bridging > 0; ``boundary`` with :data:`BOUNDARY_BROKER_WEIGHTS` among
        accounts engaged with from the other side of the company boundary.
    community_id : int, optional
        Only this community (fine level).
    topic : str, optional
        Only accounts whose ``topics`` include it; ordered by the topic-sensitive
        score when the snapshot was ranked for that topic.
    top : int, optional
        Keep the first ``top`` rows (``None`` = all).
    platforms : iterable of str
        Only accounts on these platforms (default: every platform — the ranking
        itself is always computed across platforms).

    Returns
    -------
    pandas.DataFrame
        ``rank`` (position in this leaderboard), ``account`` (handle),
        ``platform``, ``segment``, ``score``, ``community``, ``crm_status``, every
        metric, ``overall_rank`` and ``key``.

    Raises
    ------
    ConfigError
        Unknown segment.
    """
    if segment not in SEGMENTS:
        raise ConfigError(f"unknown segment {segment!r}; choose one of: {', '.join(SEGMENTS)}")
    t = table
    if segment == "brokers":
        t = rescore(t, {k: v for k, v in scoring.PRESETS["brokers"].items() if k in t})
        t = t[t["bridging"] > 0]
    elif segment == "boundary":
        t = rescore(t, {k: v for k, v in BOUNDARY_BROKER_WEIGHTS.items() if k in t})
        t = t[t["boundary_bridging"] > 0]
    elif segment in ("internal", "external"):
        t = t[t["segment"] == segment]
    if community_id is not None:
        t = t[t["community"].astype("Int64") == int(community_id)]
    if topic:
        want = normalize_topic(topic)
        tops = t["topics"].fillna("").astype(str).str.split(";")
        t = t[tops.map(lambda ts: want in ts)]
    wanted = [normalize_platform(p) for p in platforms]
    if wanted:
        t = t[t["platform"].isin(wanted)]
    out = t.head(top) if top is not None else t
    return format_leaderboard(out, overall_rank=table.set_index("account")["rank"])


def current_leaderboard(store, table: pd.DataFrame, segment: str = "all", top: int | None = None,
                        community_id: int | None = None,
                        topic: str | None = None, platforms: Iterable[str] = ()) -> pd.DataFrame:
    """:func:`leaderboard` with each account's current handle and CRM status from ``store``.

    A snapshot keeps the handles and CRM statuses of its time; exports and the CLI
    show today's (a renamed account, a prospect who became a customer).
    """
    board = leaderboard(table, segment, community_id=community_id, topic=topic, top=top,
                        platforms=platforms)
    if len(board):
        fresh = refresh_profiles(board.rename(columns={"account": "handle", "key": "account"}),
                                 store.accounts(board["key"].tolist()))
        board["account"] = fresh["handle"].to_numpy()
        board["crm_status"] = fresh["crm_status"].to_numpy()
    return board


#: :func:`snapshot_leaderboard` first reads this many rows per leaderboard row wanted
#: (at least :data:`MIN_SNAPSHOT_READ`), then 8x more each time a cut finds too few.
SNAPSHOT_READ_FACTOR = 10
MIN_SNAPSHOT_READ = 1000
#: Segments re-scored over the whole table, so read whole.
_RESCORED_SEGMENTS = ("brokers", "boundary")


def snapshot_leaderboard(store, snapshot_id: str | None = None, segment: str = "all",
                         top: int | None = 20, community_id: int | None = None,
                         topic: str | None = None, platforms: Iterable[str] = ()):
    """:func:`current_leaderboard` of a stored snapshot, reading only the rows it needs.

    A leaderboard is the first ``top`` rows of the ranking table that pass its
    cut (segment, community, topic, platforms): the best-ranked rows are read
    first, and more only when they hold too few such rows. The ``brokers`` and
    ``boundary`` segments re-score the whole table, so read it whole.

    Parameters
    ----------
    store : graph.store.GraphStore
    snapshot_id : str, optional
        Default: the newest snapshot.
    segment, top, community_id, topic, platforms
        As for :func:`leaderboard`.

    Returns
    -------
    tuple of (Snapshot, pandas.DataFrame) or None
        The snapshot (its ``table`` may hold only the best-ranked rows) and the
        leaderboard, the same as from the whole table; ``None`` without such a
        snapshot.
    """
    wanted = None
    if top is not None and segment not in _RESCORED_SEGMENTS:
        wanted = max(int(top) * SNAPSHOT_READ_FACTOR, MIN_SNAPSHOT_READ)
    while True:
        snap = store.load_snapshot(snapshot_id, top=wanted)
        if snap is None:
            return None
        snapshot_id = snap.id  # the same snapshot on a second read, whatever ranks meanwhile
        board = current_leaderboard(store, snap.table, segment, top=top,
                                    community_id=community_id, topic=topic, platforms=platforms)
        if wanted is None or len(board) >= top or len(snap.table) < wanted:
            return snap, board
        wanted *= 8


def format_leaderboard(t: pd.DataFrame, overall_rank: pd.Series | None = None) -> pd.DataFrame:
    """Order and name a leaderboard's columns for display and export."""
    metric_cols = [c for c in METRIC_COLUMNS if c in t.columns]
    out = pd.DataFrame({
        "rank": np.arange(1, len(t) + 1, dtype=np.int64),
        "account": t["handle"].where(t["handle"].notna(), t["account"]).to_numpy(dtype=object)
        if "handle" in t else t["account"].to_numpy(dtype=object),
        "platform": t["platform"].to_numpy(dtype=object) if "platform" in t else "",
        "segment": t["segment"].to_numpy(dtype=object) if "segment" in t else "",
        "score": t["score"].to_numpy(dtype=float).round(4),
        "community": t["community"].to_numpy() if "community" in t else np.nan,
        "community_coarse": t["community_coarse"].to_numpy() if "community_coarse" in t else np.nan,
        "crm_status": t["crm_status"].to_numpy(dtype=object) if "crm_status" in t else "none",
        "automated": t["automated"].to_numpy() if "automated" in t else False,
    })
    for c in metric_cols:
        out[c] = t[c].to_numpy()
    out["topics"] = t["topics"].to_numpy(dtype=object) if "topics" in t else ""
    out["overall_rank"] = (overall_rank.reindex(t["account"]).to_numpy()
                           if overall_rank is not None else t["rank"].to_numpy())
    out["key"] = t["account"].to_numpy(dtype=object)
    return out


def explain_account(table: pd.DataFrame, ref: str, weights: Mapping[str, float]) -> dict:
    """Why an account has its score: each metric's value, level, weight, contribution.

    Parameters
    ----------
    table : pandas.DataFrame
        The full ranking table (percentiles are over all its rows).
    ref : str
        Account key or handle (``@`` optional, case-insensitive).
    weights : mapping
        The snapshot's metric weights (see :func:`snapshot_weights`).

    Returns
    -------
    dict
        ``key, handle, rank, score, segment, community, crm_status, automated,
        accounts`` and ``metrics`` (a list of dicts); contributions sum to ``score``.

    Raises
    ------
    NotFoundError
        The account is not in the ranking.
    """
    pos = find_rows(table, ref)
    if not len(pos):
        raise NotFoundError(f"{ref!r} is not in this ranking")
    comp = scoring.composite(table, weights)
    i = pos[0]
    row = table.iloc[i]
    pct = {m: float(scoring.percentile_ranks(table[m].to_numpy())[i]) for m in comp.weights}
    parts = scoring.explain(row.to_dict(), comp.levels.iloc[i].to_dict(), comp.weights, pct)
    parts = parts.sort_values("contribution", ascending=False, kind="stable")
    metrics = [{k: (_plain(v)) for k, v in r.items()} for r in parts.to_dict("records")]
    return {
        "key": row["account"],
        "handle": row.get("handle", row["account"]),
        "rank": int(row["rank"]),
        "score": float(comp.score.iloc[i]),
        "accounts": int(len(table)),
        "segment": row.get("segment"),
        "community": _plain(row.get("community")),
        "crm_status": row.get("crm_status"),
        "automated": _plain(row.get("automated")),
        "automation": _plain(row.get("automation")),
        "metrics": metrics,
    }


def find_rows(table: pd.DataFrame, ref: str) -> np.ndarray:
    """Positions of the rows a key or handle names (key match first)."""
    ref = str(ref).strip()
    pos = np.flatnonzero(table["account"].to_numpy(dtype=object) == ref)
    if len(pos) or "handle" not in table:
        return pos
    h = ref.lstrip("@").lower()
    handles = table["handle"].fillna("").astype(str).str.lower().to_numpy()
    pos = np.flatnonzero(handles == h)
    if len(pos):
        return pos
    pid = table["account"].astype(str).str.split(":", n=1).str[1].str.lower().to_numpy()
    return np.flatnonzero(pid == h)


def _plain(v):
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def rising_stars(current: pd.DataFrame, previous: pd.DataFrame | None, top: int = 50,
                 by: str = "auto") -> pd.DataFrame:
    """Accounts climbing since the previous snapshot: rank gains and newcomers to the top.

    Candidates are the current top ``5 * top``. For each: its rank gain
    (``previous_rank - rank``; an account absent before counts as ranked just
    below the last place), the relative gain ``log2(previous_rank / rank)``,
    the growth of the attention it receives ``log2((in_strength + 1) /
    (previous in_strength + 1))`` and whether it is a *newcomer* to the top
    ``top``. Rows are every newcomer plus the ``top`` best candidates, ordered by:

    * ``by="growth"``: attention growth. Percentile-based scores compress the
      top of the ranking (on the sample data an account going from 17 to 213
      engagers only climbs from 42nd to 9th, while accounts from the long tail
      jump thousands of places), so growth separates true risers best;
    * ``by="rank"``: relative rank gain;
    * ``by="auto"`` (default): growth when both tables have ``in_strength``.

    Parameters
    ----------
    current, previous : pandas.DataFrame
        Ranking tables (``account``, ``rank``, optionally ``in_strength``);
        ``previous`` may be ``None`` (no rows returned).
    top : int
        Size of the top list.
    by : {"auto", "growth", "rank"}

    Returns
    -------
    pandas.DataFrame
        ``account, [handle], rank, previous_rank, gain, gain_log2, growth, newcomer``.

    Examples
    --------
    >>> cur = pd.DataFrame({"account": ["a", "b", "c"], "rank": [1, 2, 3]})
    >>> prev = pd.DataFrame({"account": ["b", "a", "c"], "rank": [1, 3, 2]})
    >>> rising_stars(cur, prev, top=1)[["account", "gain", "newcomer"]].values.tolist()
    [['a', 2, True]]
    """
    cols = ["account", "rank", "previous_rank", "gain", "gain_log2", "growth", "newcomer"]
    if previous is None or len(current) == 0:
        return pd.DataFrame(columns=cols)
    if by == "auto":
        by = "growth" if "in_strength" in current and "in_strength" in previous else "rank"
    if by not in ("growth", "rank"):
        raise ConfigError(f"rising stars by 'growth' or 'rank', not {by!r}")
    pool = current[current["rank"] <= RISING_POOL_FACTOR * top]
    prev = previous.drop_duplicates("account").set_index("account")
    pr = prev["rank"].reindex(pool["account"]).to_numpy(dtype=float)
    absent = np.isnan(pr)
    filled = np.where(absent, len(previous) + 1, pr)
    rank = pool["rank"].to_numpy(dtype=float)
    growth = np.full(len(pool), np.nan)
    if "in_strength" in pool and "in_strength" in prev:
        now = pd.to_numeric(pool["in_strength"], errors="coerce").to_numpy(dtype=float)
        before = pd.to_numeric(prev["in_strength"], errors="coerce").reindex(pool["account"])
        growth = np.log2((now + 1.0) / (before.fillna(0.0).to_numpy(dtype=float) + 1.0))
    out = pd.DataFrame({
        "account": pool["account"].to_numpy(dtype=object),
        "rank": pool["rank"].to_numpy(dtype=np.int64),
        "previous_rank": pd.array(np.where(absent, np.nan, pr), dtype="Int64"),
        "gain": (filled - rank).astype(np.int64),
        "gain_log2": np.log2(filled / rank),
        "growth": growth,
        "newcomer": (rank <= top) & (absent | (filled > top)),
    })
    if "handle" in pool:
        out.insert(1, "handle", pool["handle"].to_numpy(dtype=object))
    if by == "growth":
        out = out[(out["growth"] > 0) | out["newcomer"]]
        keys, asc = ["growth", "rank", "account"], [False, True, True]
    else:
        out = out[out["gain"] > 0]
        keys, asc = ["gain_log2", "rank", "account"], [False, True, True]
    out = out.sort_values(keys, ascending=asc, kind="stable")
    keep = np.zeros(len(out), dtype=bool)
    keep[: min(top, len(out))] = True
    keep |= out["newcomer"].to_numpy()
    return out[keep].reset_index(drop=True)


def leaderboard_table(keys, metrics: pd.DataFrame, weights, config: RankConfig, prof: pd.DataFrame,
                      internal, fine, coarse, automation, topics_col) -> tuple[pd.DataFrame, scoring.Composite]:
    """The ranked table of a snapshot, from its metrics: one rule for every engine.

    Parameters
    ----------
    keys : numpy.ndarray
        Account keys, in the order of the metric rows.
    metrics : pandas.DataFrame
        One column per metric (``topic_*`` columns are dropped unless ``config.topics``).
    weights : mapping
        Composite weights (:func:`graph.scoring.composite`).
    config : RankConfig
        The ranking's configuration.
    prof : pandas.DataFrame
        Account profiles aligned with ``keys`` (``handle``, ``platform``, ``crm_status``).
    internal, fine, coarse, automation, topics_col : numpy.ndarray
        Employee flags, fine and coarse communities, automation scores, topics per account.

    Returns
    -------
    tuple
        The table sorted by score with a 1-based ``rank`` column, and the composite
        (:class:`graph.scoring.Composite`: its ``weights`` are the ones applied).
    """
    if not config.topics:
        metrics = metrics.drop(columns=["topic_pagerank", "topic_in_strength"])
    comp = scoring.composite(metrics, weights)
    order = scoring.order_by_score(comp.score.to_numpy(), keys)
    info = pd.DataFrame({
        "handle": prof["handle"].to_numpy(dtype=object),
        "platform": prof["platform"].to_numpy(dtype=object),
        "segment": np.where(internal, "internal", "external"),
        "crm_status": prof["crm_status"].to_numpy(dtype=object),
        "community": fine,
        "community_coarse": coarse,
        "automated": automation >= auto.AUTOMATED_THRESHOLD,
        "topics": topics_col,
    })
    table = pd.concat([pd.DataFrame({"account": keys, "score": comp.score.to_numpy()}), info,
                       metrics], axis=1)
    table = table.iloc[order].reset_index(drop=True)
    table.insert(1, "rank", np.arange(1, len(table) + 1, dtype=np.int64))
    return table, comp
