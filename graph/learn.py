"""Learn metric weights from known leaders.

A company knows some of its leaders (the roster's managers, people a shortlist
already recruited, a list someone uploads). :func:`learn_weights` fits the
composite's metric weights to those labels with L2-regularised logistic
regression on the metrics' levels (:func:`graph.scoring.levels`) and picks the
regularisation by repeated stratified cross-validation. Before fitting, it
scores the weight sets that need no fitting (the default, every preset, and
engagers, in-strength and PageRank alone) on the labels; a fit is used only if
its cross-validated AUC beats the best of them by more than an AUC's standard
error, else that best set is kept. The learned weights are ordinary composite
weights, so ``scout explain`` stays exact.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> t = pd.DataFrame({"account": [f"a{i}" for i in range(40)],
...                   "pagerank": rng.random(40), "engagers": rng.random(40)})
>>> labels = pd.Series((t["engagers"] > 0.5).astype(float).to_numpy(), index=t["account"])
>>> learn_weights(t, labels, {"pagerank": 1.0}).source  # one metric alone separates them
'metric:engagers'
>>> mixed = (t["engagers"] - t["pagerank"] > 0.1).astype(float).to_numpy()
>>> fit = learn_weights(t, pd.Series(mixed, index=t["account"]), {"pagerank": 1.0})
>>> fit.source, fit.weights["engagers"] > 0 > fit.weights["pagerank"]
('learned', True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from graph import scoring
from graph.errors import InputError
from graph.evaluate import roc_auc

#: Fewer labelled leaders or non-leaders than this: refuse to learn.
MIN_PER_CLASS = 5
#: Regularisation strengths tried (penalty λ on the squared coefficients of
#: standardised features).
LAMBDAS: tuple[float, ...] = (0.01, 0.1, 1.0, 10.0, 100.0)
MAX_FOLDS = 5
#: Cross-validation is repeated with this many fold assignments: one assignment
#: on a few dozen labels is noisy enough to pick a fit that loses out of sample.
CV_REPEATS = 3
#: Metrics a learned model may weigh (descriptive ones such as automation are not
#: leadership evidence; topic metrics join when the ranking has them).
LEARNABLE: tuple[str, ...] = tuple(scoring.METRICS)


@dataclass(slots=True)
class LearnedWeights:
    """The outcome of :func:`learn_weights`.

    Attributes
    ----------
    weights : dict
        Metric → weight for :func:`graph.scoring.composite` (may be negative).
    source : str
        ``learned`` (a fitted model), or the unfitted weight set that did best
        on the labels when no fit beat it by more than its error: ``default``,
        ``preset:NAME`` or ``metric:NAME``.
    cv_auc : float
        ROC-AUC of the chosen weights: cross-validated for a fit, on the labels
        for an unfitted set.
    default_cv_auc : float
        ROC-AUC of the default weights on the same labels (they are not fitted).
    penalty : float or None
        The chosen λ.
    positives, negatives : int
        Labelled leaders and non-leaders used.
    folds : int
    """

    weights: dict[str, float]
    source: str
    cv_auc: float
    default_cv_auc: float
    penalty: float | None
    positives: int
    negatives: int
    folds: int
    candidates: dict[str, float] = field(default_factory=dict)  # λ → CV AUC

    def as_dict(self) -> dict:
        return asdict(self)


def check_labels(labels: pd.Series, min_per_class: int = MIN_PER_CLASS) -> tuple[int, int]:
    """Positives and negatives in binary ``labels``; refuse too few of either.

    Raises
    ------
    InputError
        Labels that are not 0/1, or fewer than ``min_per_class`` of a class.

    Examples
    --------
    >>> check_labels(pd.Series([1, 1, 1, 1, 1, 0, 0, 0, 0, 0]))
    (5, 5)
    """
    y = labels.astype(float)
    if not y.isin([0.0, 1.0]).all():
        raise InputError("learning needs labels 1 (leader) or 0 (not a leader), not numbers")
    pos, neg = int((y == 1).sum()), int((y == 0).sum())
    if pos < min_per_class or neg < min_per_class:
        raise InputError(f"too few labels to learn from: {pos} leader(s) and {neg} non-leader(s) "
                         f"matched; need at least {min_per_class} of each")
    return pos, neg


def feature_matrix(table: pd.DataFrame, metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """The levels of the learnable metrics of a ranking table, indexed by account.

    Metrics that are constant over the table carry no information and are
    left out.
    """
    cols = [m for m in (metrics or LEARNABLE) if m in table.columns]
    t = table.set_index("account")
    x = pd.DataFrame({m: scoring.levels(t[m].to_numpy()) for m in cols}, index=t.index)
    return x.loc[:, x.nunique() > 1]


def fit_logistic(x: np.ndarray, y: np.ndarray, penalty: float) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression (intercept not penalised).

    Returns
    -------
    (numpy.ndarray, float)
        Coefficients and intercept.
    """
    n, m = x.shape

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:m], theta[m]
        z = x @ w + b
        # log(1 + e^z) - y z, computed stably
        nll = np.logaddexp(0.0, z) - y * z
        p = 0.5 * (1.0 + np.tanh(0.5 * z))  # sigmoid without overflow
        g = p - y
        f = nll.sum() / n + 0.5 * penalty * (w @ w)
        grad = np.concatenate([x.T @ g / n + penalty * w, [g.sum() / n]])
        return float(f), grad

    from scipy import optimize  # here: a second to import, and `scout leaders` imports this module

    res = optimize.minimize(loss, np.zeros(m + 1), jac=True, method="L-BFGS-B")
    return res.x[:m], float(res.x[m])


def auc_standard_error(auc: float, positives: int, negatives: int) -> float:
    """Standard error of a ROC-AUC (Hanley & McNeil, 1982).

    Examples
    --------
    >>> round(auc_standard_error(0.8, 30, 30), 4)
    0.0577
    """
    a = min(max(float(auc), 1e-9), 1 - 1e-9) if np.isfinite(auc) else 0.5
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    var = (a * (1 - a) + (positives - 1) * (q1 - a * a)
           + (negatives - 1) * (q2 - a * a)) / (positives * negatives)
    return float(np.sqrt(max(var, 0.0)))


def stratified_folds(y: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """Fold number of each row, every fold holding both classes.

    Examples
    --------
    >>> np.bincount(stratified_folds(np.array([1, 1, 0, 0, 0, 1]), 2)).tolist()
    [4, 2]
    """
    rng = np.random.default_rng(seed)
    fold = np.empty(len(y), dtype=np.int64)
    for cls in (0, 1):
        idx = np.flatnonzero(y == cls)
        rng.shuffle(idx)
        fold[idx] = np.arange(len(idx)) % k
    return fold


def learn_weights(table: pd.DataFrame, labels: pd.Series, default: Mapping[str, float], *,
                  min_per_class: int = MIN_PER_CLASS, seed: int = 0) -> LearnedWeights:
    """Fit composite weights to labelled leaders.

    Parameters
    ----------
    table : pandas.DataFrame
        A ranking table (``account`` and metric columns).
    labels : pandas.Series
        1/0 by account key (labelled accounts missing from the table count as
        accounts with no engagement: every level 0).
    default : mapping
        The weights to keep when learning does not beat them.
    min_per_class : int
        Refuse below this many leaders or non-leaders.
    seed : int
        Seed of the fold assignment.

    Returns
    -------
    LearnedWeights

    Raises
    ------
    InputError
        Non-binary labels or too few of a class.
    """
    pos, neg = check_labels(labels, min_per_class)
    feats = feature_matrix(table)
    x_all = feats.reindex(labels.index).fillna(0.0)
    y = (labels.to_numpy(dtype=float) == 1).astype(float)
    k = int(min(MAX_FOLDS, pos, neg))
    folds = [stratified_folds(y.astype(int), k, seed + r) for r in range(CV_REPEATS)]
    # Candidates that fit nothing: the default, every preset and the three naive
    # metrics. The best of them on these labels is the bar a fitted model must clear.
    fixed = fixed_candidates(table, default)
    aucs = {name: _auc_of(table, w, labels) for name, w in fixed.items()}
    default_auc = aucs.get("default", float("nan"))
    anchor = max(aucs, key=lambda c: aucs[c] if np.isfinite(aucs[c]) else -1.0)  # first wins ties
    anchor_auc = aucs[anchor]

    def keep_anchor(cands: dict | None = None) -> LearnedWeights:
        return LearnedWeights(dict(fixed[anchor]), anchor, anchor_auc, default_auc, None, pos,
                              neg, k, cands or {})

    if x_all.shape[1] == 0:
        return keep_anchor()
    x = x_all.to_numpy(dtype=float)
    mu, sd = x.mean(axis=0), x.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    z = (x - mu) / sd
    cands: dict[str, float] = {}
    for lam in LAMBDAS:
        aucs = []
        for fold in folds:
            oof = np.empty(len(y))
            for f in range(k):
                tr, te = fold != f, fold == f
                w, b = fit_logistic(z[tr], y[tr], lam)
                oof[te] = z[te] @ w + b
            # AUC over the pooled out-of-fold predictions
            aucs.append(roc_auc(pd.Series(oof, index=labels.index), labels))
        cands[str(lam)] = float(np.mean(aucs))
    best = max(cands, key=lambda c: (cands[c], float(c)))  # ties: the simpler (larger λ)
    # One-standard-error rule: a fit must beat the best unfitted candidate by more
    # than the sampling error of an AUC on this many labels, or that candidate stays.
    # Without it, small label sets chose fits that lost out of sample.
    if not cands[best] > anchor_auc + auc_standard_error(anchor_auc, pos, neg):
        return keep_anchor(cands)
    w, _ = fit_logistic(z, y, float(best))
    raw = w / sd  # back to the level scale: the order of Σ w·level equals the model's
    weights = {m: float(v) for m, v in zip(feats.columns, raw, strict=True) if abs(v) > 1e-12}
    if not weights:
        return keep_anchor(cands)
    return LearnedWeights(weights, "learned", cands[best], default_auc, float(best), pos, neg, k,
                          cands)


def fixed_candidates(table: pd.DataFrame, default: Mapping[str, float]) -> dict[str, dict]:
    """Weight sets that need no fitting: ``default``, ``preset:NAME``, ``metric:NAME``.

    Only metrics the table has are kept; empty sets are dropped.
    """
    out: dict[str, dict] = {}
    # Simplest first: on equal AUC the earlier set is kept.
    sets = {"default": dict(default),
            **{f"metric:{m}": {m: 1.0} for m in ("engagers", "in_strength", "pagerank")},
            **{f"preset:{n}": w for n, w in scoring.PRESETS.items()}}
    seen: list[dict] = []
    for name, w in sets.items():
        kept = {m: float(v) for m, v in w.items() if m in table.columns}
        total = sum(abs(v) for v in kept.values())
        if not total:
            continue
        norm = {m: round(v / total, 12) for m, v in kept.items()}
        if norm not in seen:
            seen.append(norm)
            out[name] = kept
    return out


def _auc_of(table: pd.DataFrame, weights: Mapping[str, float], labels: pd.Series) -> float:
    score = scoring.composite(table, weights).score.set_axis(table["account"])
    return roc_auc(score, labels)


def hidden_leaders(table: pd.DataFrame, labels: pd.Series, top: int | None = 20, *,
                   exclude_negatives: bool = True) -> pd.DataFrame:
    """Unlabelled accounts that a (learned) ranking places among the known leaders.

    "Among the leaders" means a score at least that of the median labelled
    leader: the accounts look, on the evidence the model weighs, like the
    leaders the company already knows.

    Parameters
    ----------
    table : pandas.DataFrame
        A ranking table sorted by rank (``account``, ``score``).
    labels : pandas.Series
        1/0 by account key; leaders are excluded, and so are labelled
        non-leaders unless ``exclude_negatives`` is false.
    top : int, optional
        Most rows.
    exclude_negatives : bool
        False when the 0 labels only mean "not on the list" (labels made from
        a shortlist), so that listed-as-0 accounts can still be hidden leaders.

    Returns
    -------
    pandas.DataFrame
        The table's rows for those accounts, in rank order.

    Examples
    --------
    >>> t = pd.DataFrame({"account": list("abcde"), "score": [9.0, 8, 7, 6, 1]})
    >>> hidden_leaders(t, pd.Series([1.0, 1.0, 0.0], index=["a", "c", "e"]))["account"].tolist()
    ['b']
    """
    pos = labels.index[labels.to_numpy(dtype=float) == 1]
    scores = table.set_index("account")["score"]
    known = scores.reindex(pos).dropna()
    if known.empty:
        return table.iloc[0:0]
    bar = float(known.median())
    excluded = labels.index if exclude_negatives else pos
    out = table[(table["score"] >= bar) & ~table["account"].isin(excluded)]
    return out.head(top) if top is not None else out
