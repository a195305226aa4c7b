"""The composite score: a weighted sum of log-scaled metric levels, and its explanation.

Each metric is turned into a *level* in ``[0, 1]`` over the ranked accounts::

    level = log(1 + x / mean(x)) / log(1 + max(x) / mean(x))

(0 for a metric that is 0 everywhere). The level keeps the heavy tails that
separate a leader from the rest of the top 5 %: an account with ten times the
attention of another stays far ahead of it, where a percentile rank would put
both near 1. (Measured on real data, see the README: percentile averaging let
weakly predictive metrics decide the order at the top, and the v0.1
``balanced`` score lost to plain counting.) The score is::

    score = 100 * Σ_m (w_m / Σ|w|) * level_m

so it lies in ``[0, 100]`` for non-negative weights and each metric's
*contribution* ``100 * w_m / Σ|w| * level_m`` adds up to the score.

Presets (:data:`PRESETS`) name weight sets for common questions; the default,
``auto``, picks ``attention`` when the interactions carry time and ``status``
when they do not (:func:`auto_preset`). A weights file (TOML or JSON) can
start from a preset and override any weight.

Examples
--------
>>> m = pd.DataFrame({"pagerank": [0.1, 0.5, 0.4], "reach": [10, 5, 0]})
>>> composite(m, {"pagerank": 1, "reach": 1}).score.round(1).tolist()
[64.3, 81.5, 43.0]
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from graph.errors import ConfigError

#: Metrics the composite can weigh, with a one-line meaning.
METRICS: dict[str, str] = {
    "engagers": "distinct accounts that engaged with the account",
    "in_strength": "weighted incoming engagement (kind weight × decay × event weight)",
    "pagerank": "weighted PageRank: engagement from well-engaged accounts counts more",
    "topic_pagerank": "PageRank personalised on the accounts of the chosen topics",
    "topic_in_strength": "weighted incoming engagement on events tagged with the chosen topics",
    "authority": "HITS authority: engaged with by accounts that engage widely",
    "hub": "HITS hub: engages with the authorities",
    "betweenness": "share of shortest engagement paths passing through the account",
    "core": "k-core number: depth in the densely connected core of the conversation",
    "bridging": "share of incoming engagement from other communities",
    "boundary_bridging": "share of incoming engagement from the other side of the company boundary",
    "reach": "followers (from the profile)",
    "activity": "events authored in the window",
    "engagement_per_post": "incoming engagement per authored event",
}

#: The default preset: chooses ``attention`` or ``status`` from the data (:func:`auto_preset`).
AUTO_PRESET = "auto"

#: Named weight sets. Weights need not sum to 1 (they are normalised).
#: How each was chosen, and how each fares against the naive baselines on real
#: data, is in :data:`PRESET_DESCRIPTIONS` and the README (``bench/quality.py``).
PRESETS: dict[str, dict[str, float]] = {
    # Who the conversation turns to, now: recent engagement received, from many
    # accounts and from accounts that are themselves engaged with.
    "attention": {
        "in_strength": 0.70,
        "pagerank": 0.20,
        "engagers": 0.10,
    },
    # Recursive status: endorsed by the endorsed. For networks without time.
    "status": {
        "pagerank": 1.0,
    },
    # The v0.1 default, kept for comparison.
    "balanced": {
        "pagerank": 0.25,
        "engagers": 0.20,
        "in_strength": 0.15,
        "authority": 0.10,
        "engagement_per_post": 0.10,
        "betweenness": 0.10,
        "reach": 0.10,
    },
    # Audience size first: announcements, amplification.
    "reach": {
        "reach": 0.45,
        "pagerank": 0.20,
        "engagers": 0.20,
        "in_strength": 0.15,
    },
    # Who the conversation answers to: engagement received, engagement rate, depth.
    "conversation": {
        "in_strength": 0.30,
        "engagers": 0.25,
        "engagement_per_post": 0.20,
        "core": 0.15,
        "hub": 0.10,
    },
    # Who connects otherwise separate groups (communities, inside and outside).
    "brokers": {
        "betweenness": 0.45,
        "bridging": 0.30,
        "boundary_bridging": 0.15,
        "engagers": 0.10,
    },
}
#: What each preset (and ``auto``) is for, and what the real-data benchmark says of it.
PRESET_DESCRIPTIONS: dict[str, str] = {
    "auto": "the default: `attention` when interactions carry time, `status` when they do not "
            "(surveys, static edge lists); at least as good as the best naive baseline on "
            "every benchmark set",
    "attention": "who gets the conversation's engagement, now: recent attention received; "
                 "beats engagers, in-strength and PageRank on every temporal benchmark set, "
                 "below PageRank at finding formal leaders in survey networks",
    "status": "recursive status (PageRank): endorsed by the endorsed; ties the best baseline "
              "on the formal-leader benchmark sets, below in-strength at predicting attention "
              "in messages and e-mail",
    "balanced": "the v0.1 all-round mix, kept for comparison: below the best naive baseline "
                "on 4 of the 6 benchmark sets",
    "reach": "audience size (followers) first; not validated (the benchmark sets have no "
             "follower counts) and below the best naive baseline on 4 of 6 sets",
    "conversation": "engagement received, its rate and core depth; below the best naive "
                    "baseline at finding formal leaders (law firm, high-tech firm) and on "
                    "e-mail",
    "brokers": "who connects separate groups (betweenness, bridging); not a leader ranking: "
               "below the best naive baseline on 5 of 6 sets, the worst preset on 5",
}
DEFAULT_PRESET = AUTO_PRESET
#: Every name ``--preset`` accepts.
PRESET_CHOICES: tuple[str, ...] = (AUTO_PRESET, *PRESETS)
#: With topics, these metrics' weights move to their topic-sensitive versions.
TOPIC_SUBSTITUTES: dict[str, str] = {
    "pagerank": "topic_pagerank",
    "in_strength": "topic_in_strength",
}


def auto_preset(timed: bool) -> str:
    """The preset ``auto`` stands for.

    When interactions carry time, attention received recently predicts who
    the conversation turns to next better than any status measure; without
    time (a survey, a static edge list) there is no recency to use and
    recursive status finds formal leaders best (measured, see the README).

    Examples
    --------
    >>> auto_preset(True), auto_preset(False)
    ('attention', 'status')
    """
    return "attention" if timed else "status"


def resolve_weights(preset: str | None = DEFAULT_PRESET,
                    overrides: Mapping[str, float] | None = None,
                    topic_mode: bool = False, timed: bool = True) -> dict[str, float]:
    """The weights a ranking uses: a preset, overridden, with topic substitutions.

    Parameters
    ----------
    preset : str, optional
        ``auto`` (default) or a name from :data:`PRESETS`; ``None`` = no base
        (only ``overrides``).
    overrides : mapping, optional
        Metric → weight; ``0`` removes a metric.
    topic_mode : bool
        Move ``pagerank``/``in_strength`` weights to their topic versions.
    timed : bool
        For ``auto``: whether the interactions carry time (see :func:`auto_preset`).

    Returns
    -------
    dict
        Metric → weight (zero weights dropped), in :data:`METRICS` order.

    Raises
    ------
    ConfigError
        Unknown preset or metric, a non-numeric weight, or all weights zero.

    Examples
    --------
    >>> resolve_weights("reach", {"reach": 0})
    {'engagers': 0.2, 'in_strength': 0.15, 'pagerank': 0.2}
    >>> resolve_weights("auto", timed=False)
    {'pagerank': 1.0}
    """
    if preset == AUTO_PRESET:
        preset = auto_preset(timed)
    if preset is not None and preset not in PRESETS:
        raise ConfigError(f"unknown preset {preset!r}; choose one of: {', '.join(PRESET_CHOICES)}")
    w: dict[str, float] = dict(PRESETS[preset]) if preset else {}
    for k, v in (overrides or {}).items():
        if k not in METRICS:
            raise ConfigError(f"unknown metric {k!r} in weights; known: {', '.join(METRICS)}")
        if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v):
            raise ConfigError(f"weight of {k!r} must be a number, got {v!r}")
        w[k] = float(v)
    if topic_mode:
        for plain, topical in TOPIC_SUBSTITUTES.items():
            if plain in w and (overrides is None or topical not in overrides):
                w[topical] = w.get(topical, 0.0) + w.pop(plain)
    out = {m: w[m] for m in METRICS if w.get(m, 0.0) != 0.0}
    if not out:
        raise ConfigError("every weight is zero: nothing to rank by")
    return out


def load_weights_file(path: str | Path) -> dict:
    """Read a weights file (``.toml`` or ``.json``).

    Accepted shapes::

        preset = "conversation"        # optional base preset
        [weights]                      # metric = weight (overrides)
        reach = 0.3
        [kind_weights]                 # optional: interaction kind = weight
        like = 0.1

    A file with only ``metric = weight`` pairs at top level is read as ``[weights]``.

    Returns
    -------
    dict
        ``{"preset": str | None, "weights": dict, "kind_weights": dict}``.

    Raises
    ------
    ConfigError
        Unreadable file, bad syntax, unknown keys or non-numeric values.
    """
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read weights file {p}: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw) if p.suffix.lower() == ".json" else tomllib.loads(raw)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"weights file {p}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"weights file {p}: expected a table/object at top level")
    sections = {"preset", "weights", "kind_weights"}
    if not (set(data) & sections):
        data = {"weights": data}
    unknown = set(data) - sections
    if unknown:
        raise ConfigError(f"weights file {p}: unknown keys {', '.join(sorted(unknown))}")
    preset = data.get("preset")
    if preset is not None and preset not in PRESET_CHOICES:
        raise ConfigError(f"weights file {p}: unknown preset {preset!r}")
    weights = data.get("weights", {}) or {}
    kinds = data.get("kind_weights", {}) or {}
    for name, table in (("weights", weights), ("kind_weights", kinds)):
        if not isinstance(table, dict):
            raise ConfigError(f"weights file {p}: [{name}] must be a table")
        for k, v in table.items():
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise ConfigError(f"weights file {p}: {name}.{k} must be a number, got {v!r}")
    for k in weights:
        if k not in METRICS:
            raise ConfigError(f"weights file {p}: unknown metric {k!r}; known: {', '.join(METRICS)}")
    for k, v in kinds.items():
        if v < 0:
            raise ConfigError(f"weights file {p}: kind weight {k} must be >= 0")
    return {"preset": preset, "weights": {k: float(v) for k, v in weights.items()},
            "kind_weights": {k: float(v) for k, v in kinds.items()}}


#: Values equal to this many significant digits tie (removes floating-point noise,
#: e.g. the same sum accumulated in another order).
SIGNIFICANT_DIGITS = 6


def round_significant(values: np.ndarray, digits: int = SIGNIFICANT_DIGITS) -> np.ndarray:
    """Round to ``digits`` significant digits (0, NaN and ±inf unchanged).

    Examples
    --------
    >>> round_significant(np.array([0.123456789, 1234567.0, 0.0]), 3).tolist()
    [0.123, 1230000.0, 0.0]
    """
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(v) & (v != 0)
    with np.errstate(all="ignore"):
        mag = np.where(ok, np.floor(np.log10(np.abs(v))), 0.0)
        unit = np.power(10.0, mag - (digits - 1))
        out = np.round(v / unit) * unit
    return np.where(ok & np.isfinite(out) & (unit > 0), out, v)


def percentile_ranks(values: pd.Series | np.ndarray) -> np.ndarray:
    """Percentile rank in ``[0, 1]``: ``(rank - 1) / (n - 1)``, ties averaged.

    Values are compared at :data:`SIGNIFICANT_DIGITS` significant digits. NaN
    counts as the lowest value. A single value, or all-equal values, get 0.5.

    Examples
    --------
    >>> percentile_ranks(np.array([3.0, 1.0, 1.0, 7.0])).tolist()
    [0.6666666666666666, 0.16666666666666666, 0.16666666666666666, 1.0]
    """
    v = pd.Series(round_significant(np.asarray(values, dtype=float))).fillna(-np.inf)
    n = len(v)
    if n == 0:
        return np.empty(0)
    if n == 1:
        return np.array([0.5])
    r = v.rank(method="average").to_numpy()
    return (r - 1.0) / (n - 1.0)


def levels(values: pd.Series | np.ndarray) -> np.ndarray:
    """Log-scaled level in ``[0, 1]``: ``log1p(x / mean) / log1p(max / mean)``.

    Dividing by the mean makes the level independent of the metric's unit
    (PageRank sums to 1, in-strength counts events); the logarithm keeps the
    order and the heavy tail while stopping one extreme value from flattening
    everybody else to 0. NaN and negative values count as 0; a metric that is
    0 everywhere gives 0.

    Examples
    --------
    >>> levels(np.array([0.0, 1.0, 2.0, 9.0])).round(3).tolist()
    [0.0, 0.208, 0.368, 1.0]
    """
    x = np.asarray(values, dtype=float)
    x = np.where(np.isfinite(x) & (x > 0), x, 0.0)
    if x.size == 0:
        return np.empty(0)
    mean = float(x.mean())
    if not mean > 0:
        return np.zeros_like(x)
    v = np.log1p(x / mean)
    top = float(v.max())
    return v / top if top > 0 else np.zeros_like(x)


@dataclass(slots=True)
class Composite:
    """A composite score with its parts (all indexed like the metrics frame)."""

    score: pd.Series
    levels: pd.DataFrame
    contributions: pd.DataFrame
    weights: dict[str, float]  # normalised (Σ|w| = 1)

    @property
    def percentiles(self) -> pd.DataFrame:
        """Percentile rank of each weighted metric (for display; the score uses levels)."""
        return self.levels.apply(lambda c: pd.Series(percentile_ranks(c.to_numpy()),
                                                     index=c.index))


def normalize_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Weights divided by the sum of their absolute values (Σ|w| = 1).

    Raises
    ------
    ConfigError
        Every weight is zero.

    Examples
    --------
    >>> normalize_weights({"pagerank": 3, "reach": -1})
    {'pagerank': 0.75, 'reach': -0.25}
    """
    total = float(sum(abs(float(w)) for w in weights.values()))
    if total == 0:
        raise ConfigError("every weight is zero: nothing to rank by")
    return {m: float(w) / total for m, w in weights.items()}


def composite(metrics: pd.DataFrame, weights: Mapping[str, float]) -> Composite:
    """Weighted sum of the metrics' levels (:func:`levels`), on a 0–100 scale.

    Parameters
    ----------
    metrics : pandas.DataFrame
        One row per account, one column per metric.
    weights : mapping
        Metric → weight (negative weights, e.g. learned ones, subtract);
        missing metric columns raise.

    Returns
    -------
    Composite

    Raises
    ------
    ConfigError
        A weighted metric is not a column of ``metrics``.
    """
    missing = [m for m in weights if m not in metrics.columns]
    if missing:
        raise ConfigError(f"metrics not computed for this ranking: {', '.join(missing)}")
    norm = normalize_weights(weights)
    lev = pd.DataFrame({m: levels(metrics[m]) for m in norm}, index=metrics.index)
    contrib = pd.DataFrame({m: 100.0 * norm[m] * lev[m].to_numpy() for m in norm},
                           index=metrics.index)
    score = contrib.sum(axis=1) if len(norm) else pd.Series(0.0, index=metrics.index)
    return Composite(score=score.astype(float), levels=lev, contributions=contrib,
                     weights=norm)


def order_by_score(score: np.ndarray | pd.Series, keys: np.ndarray | pd.Series) -> np.ndarray:
    """Positions sorted by score (descending) then key (ascending): a deterministic order.

    Examples
    --------
    >>> order_by_score(np.array([1.0, 2.0, 2.0]), np.array(["c", "b", "a"])).tolist()
    [2, 1, 0]
    """
    s = np.round(np.asarray(score, dtype=float), 9)  # ignore float noise below 1e-9
    k = np.asarray(keys, dtype=object).astype(str)
    return np.lexsort((k, -s))


def explain(row: Mapping[str, float], levels: Mapping[str, float],
            weights: Mapping[str, float],
            percentiles: Mapping[str, float] | None = None) -> pd.DataFrame:
    """One account's score, metric by metric.

    Parameters
    ----------
    row : mapping
        Metric values of the account.
    levels : mapping
        Its level per weighted metric (:attr:`Composite.levels`).
    weights : mapping
        Normalised weights (see :attr:`Composite.weights`).
    percentiles : mapping, optional
        Its percentile per metric, shown for orientation.

    Returns
    -------
    pandas.DataFrame
        Columns ``metric, value, level, percentile, weight, contribution``;
        ``contribution = 100 × weight × level`` and the contributions sum to
        the account's score.
    """
    rows = []
    for m, w in weights.items():
        lv = float(levels[m])
        pc = float(percentiles[m]) if percentiles is not None and m in percentiles else np.nan
        rows.append({"metric": m, "value": row.get(m), "level": lv, "percentile": pc,
                     "weight": float(w), "contribution": 100.0 * float(w) * lv})
    return pd.DataFrame(rows, columns=["metric", "value", "level", "percentile", "weight",
                                       "contribution"])
