"""Evaluate a ranking against what the user already knows.

Two kinds of truth:

* **labels** — a file ``account,label`` naming known leaders (``1``) and
  non-leaders (``0``), or a number per account (seniority, sales, …);
* **the future** — the engagement each account receives after a split date.

Each model (Scout's score and the naive baselines) is one column of scores
indexed by account key; the functions here score those columns. The naive
baselines are counts anyone could make without Scout, computed on the same
events as the ranking: *engagers* (distinct accounts that engaged with the
account), *in_strength* (events received) and *pagerank* (α = 0.85, edges
weighted by their number of events). Self-interactions are ignored.

Ties are handled the same way everywhere: ROC-AUC gives tied scores half
credit (the Mann–Whitney statistic), and top-k lists break ties by account
key, ascending, so a result never depends on input order.

Examples
--------
>>> scores = pd.Series([0.9, 0.8, 0.3, 0.1], index=["a", "b", "c", "d"])
>>> labels = pd.Series([1, 0, 1, 0], index=["a", "b", "c", "d"])
>>> roc_auc(scores, labels)
0.75
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from graph.errors import InputError

#: The naive baselines every evaluation shows beside Scout, with their meaning.
BASELINES: dict[str, str] = {
    "engagers": "distinct accounts that engaged with the account",
    "in_strength": "events received",
    "pagerank": "PageRank (α = 0.85) of the graph weighted by number of events",
}
DEFAULT_TOPS: tuple[int, ...] = (10, 50, 100)
#: NDCG is reported at this depth.
NDCG_DEPTH = 100
#: At most this many bad lines are quoted in a truth-file error.
MAX_QUOTED_ERRORS = 5


# ----------------------------------------------------------------------------- truth files
def read_truth(path: str | Path) -> pd.Series:
    """Read a truth file: CSV with columns ``account,label``.

    ``account`` is a key (``x:123``) or a handle (``@name``, as ``scout
    leaders`` prints it); ``label`` is ``1``/``0`` (also ``true``/``false``,
    ``yes``/``no``) or any number. Extra columns are ignored. An account listed
    twice must carry the same label.

    Parameters
    ----------
    path : str or Path
        The CSV file (UTF-8, optional BOM).

    Returns
    -------
    pandas.Series
        Float labels indexed by the account as written (stripped), in file order.

    Raises
    ------
    InputError
        Unreadable file, missing columns, or bad lines (quoted with file:line).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(p, "w").write("account,label\\n@ana,1\\nx:2,no\\n")
    >>> read_truth(p).to_dict()
    {'@ana': 1.0, 'x:2': 0.0}
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read truth file {p}: {exc.strerror or exc}") from None
    return parse_truth(raw, str(p))


def parse_truth(raw: bytes | str, name: str = "truth file") -> pd.Series:
    """:func:`read_truth` for content already in memory (e.g. an upload).

    ``name`` is how errors name the file.

    Examples
    --------
    >>> parse_truth(b"account,label\\n@ana,1\\n").to_dict()
    {'@ana': 1.0}
    """
    p = name
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw.lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: not UTF-8 text (byte {exc.start})") from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise InputError(f"{p}: empty file; expected a header 'account,label'")
    cols = [h.strip().lower() for h in header]
    if "account" not in cols or "label" not in cols:
        raise InputError(f"{p}:1: expected columns 'account' and 'label', found {header!r}")
    ia, il = cols.index("account"), cols.index("label")
    labels: dict[str, float] = {}
    errors: list[str] = []
    for line_no, row in enumerate(reader, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) <= max(ia, il):
            errors.append(f"{p}:{line_no}: expected {len(header)} columns, got {len(row)}")
            continue
        account, value = row[ia].strip(), row[il].strip()
        if not account:
            errors.append(f"{p}:{line_no}: empty account")
            continue
        label = parse_label(value)
        if label is None:
            errors.append(f"{p}:{line_no}: label {value!r} is not 1/0, true/false, yes/no "
                          "or a number")
            continue
        if account in labels and labels[account] != label:
            errors.append(f"{p}:{line_no}: {account!r} listed again with another label")
            continue
        labels[account] = label
    if errors:
        more = len(errors) - MAX_QUOTED_ERRORS
        shown = "\n".join(errors[:MAX_QUOTED_ERRORS])
        raise InputError(f"{len(errors)} bad line(s) in the truth file:\n{shown}"
                         + (f"\n… and {more} more" if more > 0 else ""))
    if not labels:
        raise InputError(f"{p}: no labelled accounts")
    return pd.Series(labels, dtype=float)


def parse_label(value: str) -> float | None:
    """A label as a float (``None`` if it is not one).

    Examples
    --------
    >>> [parse_label(v) for v in ("1", "yes", "False", "2.5", "nan", "x")]
    [1.0, 1.0, 0.0, 2.5, None, None]
    """
    v = str(value).strip().lower()
    if v in ("true", "yes", "y"):
        return 1.0
    if v in ("false", "no", "n"):
        return 0.0
    try:
        f = float(v)
    except ValueError:
        return None
    return f if math.isfinite(f) else None


def is_binary(labels: pd.Series) -> bool:
    """Whether every label is 0 or 1."""
    return bool(len(labels)) and bool(labels.isin([0.0, 1.0]).all())


def match_accounts(refs: Sequence[str], keys: Sequence[str],
                   handles: Sequence[str] | None = None) -> tuple[dict[str, str], list[str]]:
    """Map what a user wrote (keys or handles) to account keys.

    A reference matches a key exactly first, then a handle (``@`` optional,
    case-insensitive). A handle that several accounts share (on different
    platforms) is ambiguous and left unmatched, so a label never lands on the
    wrong person.

    Returns
    -------
    (dict, list)
        Reference → key, and the references that matched nothing or were
        ambiguous.

    Examples
    --------
    >>> match_accounts(["@Ana", "x:2", "bob"], ["x:1", "x:2"], ["ana", "two"])
    ({'@Ana': 'x:1', 'x:2': 'x:2'}, ['bob'])
    """
    key_set = set(map(str, keys))
    by_handle: dict[str, list[str]] = {}
    if handles is not None:
        for k, h in zip(keys, handles, strict=True):
            if isinstance(h, str) and h:
                by_handle.setdefault(h.lstrip("@").lower(), []).append(str(k))
    found: dict[str, str] = {}
    missing: list[str] = []
    for ref in refs:
        r = str(ref).strip()
        if r in key_set:
            found[ref] = r
            continue
        hits = by_handle.get(r.lstrip("@").lower(), [])
        if len(hits) == 1:
            found[ref] = hits[0]
        else:
            missing.append(ref)
    return found, missing


# ----------------------------------------------------------------------------- metrics
def _sort_keys(values: pd.Series) -> np.ndarray:
    """Index labels sorted by value (descending), ties by label (ascending)."""
    v = np.nan_to_num(values.to_numpy(dtype=float), nan=-np.inf)
    k = values.index.astype(str).to_numpy()
    return values.index.to_numpy()[np.lexsort((k, -v))]


def top_k(values: pd.Series, k: int) -> list:
    """The ``k`` labels with the highest values (ties by label; NaN lowest).

    Examples
    --------
    >>> top_k(pd.Series([1.0, 3.0, 3.0], index=["c", "b", "a"]), 2)
    ['a', 'b']
    """
    return list(_sort_keys(values)[: max(int(k), 0)])


def roc_auc(scores: pd.Series, labels: pd.Series) -> float:
    """ROC-AUC of ``scores`` for binary ``labels`` (ties count half).

    Accounts in ``labels`` but not in ``scores`` (or with a NaN score) tie
    with the lowest score. NaN when one class is empty.

    Examples
    --------
    >>> roc_auc(pd.Series([1.0, 1.0, 0.0], index=list("abc")), pd.Series([1, 0, 0], index=list("abc")))
    0.75
    """
    # An unranked account had no engagement: it ties with the lowest ranked one.
    floor = float(np.nanmin(scores.to_numpy(dtype=float))) if scores.notna().any() else 0.0
    s = scores.reindex(labels.index).to_numpy(dtype=float)
    s = np.where(np.isnan(s), floor, s)
    y = labels.to_numpy(dtype=float) > 0.5
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    from scipy import stats  # here: scipy.stats takes seconds to import; `scout rank` needs none

    r = stats.rankdata(s)  # average ranks for ties = Mann–Whitney U
    return float((r[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def precision_at_k(predicted: pd.Series, actual: pd.Series, k: int) -> float:
    """Share of the top ``k`` by ``predicted`` that are in the top ``k`` by ``actual``.

    Both top lists are taken over their own series, so an account that only
    shows up in ``actual`` (active only after the split) still takes a place in
    the true top ``k``. Ties are broken by account key. NaN when either series
    has fewer than ``k`` entries.

    Examples
    --------
    >>> pred = pd.Series([3.0, 2.0, 1.0], index=["a", "b", "c"])
    >>> precision_at_k(pred, pd.Series([5.0, 0.0, 3.0], index=["a", "b", "c"]), 2)
    0.5
    """
    if k <= 0 or len(predicted) < k or len(actual) < k:
        return float("nan")
    return len(set(top_k(predicted, k)) & set(top_k(actual, k))) / k


def hits_at_k(scores: pd.Series, labels: pd.Series, k: int) -> float:
    """Share of the top ``k`` by ``scores`` that are labelled leaders (label 1).

    Unlabelled accounts in the top ``k`` count as misses: the question is how
    many of the first ``k`` names a user reads are known leaders.

    Examples
    --------
    >>> hits_at_k(pd.Series([3, 2, 1], index=list("abc")), pd.Series([1, 1], index=list("ac")), 2)
    0.5
    """
    if k <= 0 or len(scores) == 0:
        return float("nan")
    k = min(k, len(scores))
    pos = set(labels.index[labels.to_numpy(dtype=float) > 0.5])
    return sum(1 for a in top_k(scores, k) if a in pos) / k


def ndcg_at_k(predicted: pd.Series, gains: pd.Series, k: int = NDCG_DEPTH) -> float:
    """Normalised discounted cumulative gain of the top ``k`` by ``predicted``.

    ``gains`` (non-negative, e.g. engagement received later) is the relevance;
    accounts missing from it have gain 0, and the ideal list is the top ``k``
    of ``gains`` itself. ``DCG = Σ gain_i / log2(i + 1)`` for positions
    ``i = 1..k``.

    Raises
    ------
    InputError
        A negative gain.

    Examples
    --------
    >>> pred = pd.Series([2.0, 1.0], index=["a", "b"])
    >>> round(ndcg_at_k(pred, pd.Series([1.0, 3.0], index=["a", "b"]), 2), 4)
    0.7967
    """
    g = gains.astype(float).fillna(0.0)
    if (g < 0).any():
        raise InputError("NDCG needs non-negative gains (labels)")
    if k <= 0 or len(predicted) == 0:
        return float("nan")
    disc = 1.0 / np.log2(np.arange(2, k + 2))
    got = g.reindex(top_k(predicted, k)).fillna(0.0).to_numpy()
    ideal = np.sort(g.to_numpy())[::-1][:k]
    idcg = float((ideal * disc[: len(ideal)]).sum())
    if idcg == 0:
        return float("nan")
    return float((got * disc[: len(got)]).sum() / idcg)


def spearman(predicted: pd.Series, actual: pd.Series) -> float:
    """Spearman's ρ over ``predicted``'s accounts (missing actual values = 0).

    NaN when either side is constant or there are fewer than 2 accounts.
    """
    a = actual.reindex(predicted.index).astype(float).fillna(0.0)
    p = predicted.astype(float).fillna(-np.inf)
    if len(p) < 2 or p.nunique() < 2 or a.nunique() < 2:
        return float("nan")
    from scipy import stats

    return float(stats.spearmanr(p.to_numpy(), a.to_numpy()).statistic)


def rank_positions(scores: pd.Series) -> pd.Series:
    """1-based position of each account when sorted by score (ties by key)."""
    order = _sort_keys(scores)
    return pd.Series(np.arange(1, len(order) + 1), index=order)


# ----------------------------------------------------------------------------- baselines
def naive_baselines(events: pd.DataFrame, alpha: float = 0.85) -> pd.DataFrame:
    """The naive baselines of every account in ``events`` (see :data:`BASELINES`).

    Parameters
    ----------
    events : pandas.DataFrame
        ``source`` and ``target`` columns; every row is one event.
    alpha : float
        PageRank damping.

    Returns
    -------
    pandas.DataFrame
        Indexed by account key (every account that appears, as source or
        target), columns ``engagers``, ``in_strength``, ``pagerank``.

    Examples
    --------
    >>> ev = pd.DataFrame({"source": ["a", "a", "b"], "target": ["c", "c", "c"]})
    >>> naive_baselines(ev).loc["c", ["engagers", "in_strength"]].tolist()
    [2.0, 3.0]
    """
    from graph.centrality import pagerank
    from graph.projection import project_events

    ev = events[["source", "target"]]
    proj = project_events(ev, half_life_days=None)  # no kind column: every event weighs 1
    adj = proj.adjacency  # weight = number of events per pair, self-loops dropped
    indeg = np.diff(adj.tocsc().indptr).astype(float)
    pr = pagerank(adj, alpha=alpha) if proj.n else np.empty(0)
    return pd.DataFrame({"engagers": indeg, "in_strength": proj.events_in.astype(float),
                         "pagerank": pr}, index=pd.Index(proj.keys, name="account"))


# ----------------------------------------------------------------------------- reports
@dataclass(slots=True)
class Evaluation:
    """Scores of several models against one truth.

    Attributes
    ----------
    kind : {"labels", "temporal"}
    table : pandas.DataFrame
        One row per model (``model`` first, then one column per measure).
    leaders : pandas.DataFrame
        For label truth: each labelled leader's position under every model.
    info : dict
        Counts and settings (accounts, labels, split, …).
    """

    kind: str
    table: pd.DataFrame
    leaders: pd.DataFrame = field(default_factory=pd.DataFrame)
    info: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """JSON-friendly form (NaN → ``None``)."""
        return {"kind": self.kind, **_clean(self.info),
                "results": [_clean(r) for r in self.table.to_dict("records")],
                "leaders": [_clean(r) for r in self.leaders.to_dict("records")]}


def _clean(d: Mapping) -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float) and not math.isfinite(v):
            v = None
        out[k] = v
    return out


def evaluate_labels(models: pd.DataFrame, truth: pd.Series,
                    tops: Sequence[int] = DEFAULT_TOPS) -> Evaluation:
    """Score each model column against labels.

    Binary labels give ROC-AUC (over the labelled accounts), precision@k (share
    of each model's top ``k`` that are labelled leaders) and every leader's
    position; numeric labels give Spearman's ρ and NDCG@k with the label as
    gain (over the labelled accounts).

    Parameters
    ----------
    models : pandas.DataFrame
        Index: account keys (every ranked account); one column per model.
    truth : pandas.Series
        Labels indexed by account key (already matched, see
        :func:`match_accounts`); labelled accounts missing from ``models``
        rank last.
    tops : sequence of int
        The ``k`` values.

    Returns
    -------
    Evaluation
    """
    binary = is_binary(truth)
    rows = []
    leaders = pd.DataFrame(index=pd.Index(truth.index[truth > 0.5] if binary else [],
                                         name="account"))
    for name in models.columns:
        s = models[name].astype(float)
        row: dict = {"model": name}
        if binary:
            row["auc"] = roc_auc(s, truth)
            for k in tops:
                row[f"precision@{k}"] = hits_at_k(s, truth, int(k)) if len(s) >= k else float("nan")
            pos = rank_positions(s)
            leaders[name] = pos.reindex(leaders.index).astype("Int64")
        else:
            lab = s.reindex(truth.index)
            row["spearman"] = spearman(lab.fillna(-np.inf), truth)
            if (truth >= 0).all():
                for k in tops:
                    row[f"ndcg@{k}"] = (ndcg_at_k(lab.fillna(-np.inf), truth, int(k))
                                        if len(truth) >= k else float("nan"))
        rows.append(row)
    info = {"accounts": int(len(models)), "labelled": int(len(truth)),
            "binary": binary,
            "positives": int((truth > 0.5).sum()) if binary else None,
            "labelled_not_ranked": int((~truth.index.isin(models.index)).sum())}
    return Evaluation(kind="labels", table=pd.DataFrame(rows),
                      leaders=leaders.reset_index(), info=info)


def evaluate_future(models: pd.DataFrame, future: pd.Series,
                    tops: Sequence[int] = DEFAULT_TOPS, ndcg_depth: int = NDCG_DEPTH) -> Evaluation:
    """Score each model column against the engagement received after a split.

    Parameters
    ----------
    models : pandas.DataFrame
        Index: accounts ranked before the split; one column per model.
    future : pandas.Series
        Engagement received after the split, per account (any account,
        including ones first seen after the split).
    tops : sequence of int
        The ``k`` of precision@k (NaN where fewer than ``2k`` accounts exist,
        where a top ``k`` says little).
    ndcg_depth : int
        Depth of NDCG.

    Returns
    -------
    Evaluation
        Columns ``model, precision@k…, ndcg@depth, spearman``.
    """
    population = len(models.index.union(future.index))
    rows = []
    for name in models.columns:
        s = models[name].astype(float)
        row: dict = {"model": name}
        for k in tops:
            row[f"precision@{k}"] = (precision_at_k(s, future, int(k))
                                     if population >= 2 * k else float("nan"))
        row[f"ndcg@{ndcg_depth}"] = ndcg_at_k(s, future, ndcg_depth)
        row["spearman"] = spearman(s, future)
        rows.append(row)
    info = {"accounts": int(len(models)), "accounts_after": int(len(future)),
            "population": int(population)}
    return Evaluation(kind="temporal", table=pd.DataFrame(rows), info=info)


def future_engagement(events: pd.DataFrame) -> pd.Series:
    """Events received per account (self-interactions excluded).

    Examples
    --------
    >>> future_engagement(pd.DataFrame({"source": ["a", "b", "c"], "target": ["c", "c", "c"]})).to_dict()
    {'c': 2.0}
    """
    if events.empty:
        return pd.Series(dtype=float)
    keep = (events["source"] != events["target"]).to_numpy()
    return events.loc[keep].groupby("target").size().astype(float).rename(None)


# ----------------------------------------------------------------------------- jobs
def scout_models(table: pd.DataFrame, events: pd.DataFrame, *, presets: Sequence[str] = (),
                 accounts: pd.DataFrame | None = None, label: str = "scout",
                 timed: bool = True) -> pd.DataFrame:
    """The models an evaluation compares, one column each, indexed by account key.

    ``label`` is the ranking's own score; each name in ``presets`` re-scores
    the same metrics with that preset (``preset:NAME``); then the naive
    baselines on ``events`` (:func:`naive_baselines`) and, when any account
    has a follower count, ``followers`` — what one would rank by without Scout.

    Parameters
    ----------
    table : pandas.DataFrame
        A ranking table (``account``, ``score`` and the metric columns).
    events : pandas.DataFrame
        The events the ranking was computed on (``source``, ``target``).
    presets : sequence of str
        Presets to show side by side.
    accounts : pandas.DataFrame, optional
        Profiles, for ``followers``.
    timed : bool
        Whether the ranking's interactions carried time (resolves ``auto``).

    Returns
    -------
    pandas.DataFrame
    """
    from graph.ranking import rescore
    from graph.scoring import resolve_weights

    t = table.set_index("account")
    out = {label: t["score"].astype(float)}
    for name in presets:
        w = {k: v for k, v in resolve_weights(name, timed=timed).items() if k in table.columns}
        if w:
            re = rescore(table, w).set_index("account")["score"]
            out[f"preset:{name}"] = re.reindex(t.index).astype(float)
    base = naive_baselines(events).reindex(t.index)
    for c in BASELINES:
        out[c] = base[c].fillna(0.0).astype(float)
    if accounts is not None and "followers" in accounts and len(accounts):
        f = pd.to_numeric(accounts.drop_duplicates("key").set_index("key")["followers"],
                          errors="coerce")
        if (f.fillna(0) > 0).any():
            out["followers"] = f.reindex(t.index).fillna(0.0).astype(float)
    return pd.DataFrame(out, index=t.index)


def match_truth(truth: pd.Series, table: pd.DataFrame,
                accounts: pd.DataFrame | None = None) -> tuple[pd.Series, list[str]]:
    """Re-index labels written as keys or handles by account key.

    Handles are looked up in the ranking table and, for labelled accounts that
    are not ranked (no interaction in the window), in ``accounts``; those stay
    in the truth and count as ranked last.

    Returns
    -------
    (pandas.Series, list)
        Labels by key, and the references nobody matched (or ambiguous ones).
    """
    keys = table["account"].astype(str).tolist()
    handles = table["handle"].tolist() if "handle" in table else None
    found, missing = match_accounts(list(truth.index), keys, handles)
    if missing and accounts is not None and len(accounts):
        a = accounts.drop_duplicates("key")
        more, missing = match_accounts(missing, a["key"].astype(str).tolist(),
                                       a["handle"].tolist() if "handle" in a else None)
        found.update(more)
    by_key: dict[str, float] = {}
    for ref, key in found.items():
        if key in by_key and by_key[key] != truth[ref]:
            raise InputError(f"the truth file labels {key} twice, with different labels")
        by_key[key] = float(truth[ref])
    return pd.Series(by_key, dtype=float), missing


def evaluate_table(table: pd.DataFrame, events: pd.DataFrame, truth: pd.Series, *,
                   accounts: pd.DataFrame | None = None, presets: Sequence[str] = (),
                   tops: Sequence[int] = DEFAULT_TOPS, timed: bool = True) -> Evaluation:
    """Evaluate a ranking table and the baselines against labels.

    Parameters
    ----------
    table : pandas.DataFrame
        The ranking (e.g. a snapshot's table).
    events : pandas.DataFrame
        The events of the ranking's window, for the baselines.
    truth : pandas.Series
        Labels by key or handle (:func:`read_truth`).
    accounts, presets, tops
        See :func:`scout_models` and :func:`evaluate_labels`.

    Returns
    -------
    Evaluation
        ``info`` also holds ``unmatched`` (at most 20 references) and its count.

    Raises
    ------
    InputError
        No labelled account matches an account of the store.
    """
    labels, missing = match_truth(truth, table, accounts)
    if labels.empty:
        shown = ", ".join(map(repr, missing[:5]))
        raise InputError(f"none of the {len(truth)} labelled accounts is known to Scout "
                         f"(e.g. {shown}); use the key or handle `scout leaders` prints")
    models = scout_models(table, events, presets=presets, accounts=accounts, timed=timed)
    ev = evaluate_labels(models, labels, tops)
    ev.info.update({"unmatched_count": len(missing), "unmatched": missing[:20]})
    if "handle" in table:
        h = table.set_index("account")["handle"]
        ev.leaders.insert(1, "handle", h.reindex(ev.leaders["account"]).to_numpy())
    return ev


def evaluate_split(events: pd.DataFrame, accounts: pd.DataFrame | None, split, *,
                   horizon: pd.Timedelta | None = None, config=None,
                   presets: Sequence[str] = (), tops: Sequence[int] = DEFAULT_TOPS,
                   progress=None) -> Evaluation:
    """Temporal check: rank on events before ``split``, score against engagement after it.

    The truth is the number of events each account receives (self-interactions
    excluded) in ``[split, split + horizon)``, or from ``split`` on when
    ``horizon`` is ``None``. Reports precision@k, NDCG@100 and Spearman for the
    ranking, the ``presets`` and the baselines, all computed on the events
    before the split.

    Parameters
    ----------
    events : pandas.DataFrame
        Every event (before and after the split).
    accounts : pandas.DataFrame, optional
        Profiles.
    split : datetime
        The cut.
    horizon : pandas.Timedelta, optional
        Length of the measured period (default: to the end of the data).
    config : graph.ranking.RankConfig, optional
        Ranking config; its ``until`` becomes ``split``.

    Returns
    -------
    Evaluation

    Raises
    ------
    InputError
        No events before the split.
    """
    from graph.ranking import RankConfig, rank_events, select_events

    base = config or RankConfig()
    cfg = RankConfig.from_dict({**base.to_dict(), "until": split})
    train = select_events(events, cfg.since, split, cfg.kinds, cfg.platforms)
    if train.empty:
        raise InputError(f"no events before {pd.Timestamp(split).isoformat()}: nothing to rank")
    end = split + horizon if horizon is not None else None
    test = select_events(events, split, end, cfg.kinds, cfg.platforms)
    result = rank_events(train, accounts, cfg, progress=progress)
    models = scout_models(result.table, train, presets=presets, accounts=accounts,
                          timed=bool(result.stats.get("timed", True)))
    ev = evaluate_future(models, future_engagement(test), tops)
    ev.info.update({
        "split": pd.Timestamp(split).isoformat(),
        "horizon_days": horizon.total_seconds() / 86400.0 if horizon is not None else None,
        "train_events": int(len(train)), "test_events": int(len(test)),
        "preset": result.stats.get("preset"), "half_life_days": result.stats.get("half_life_days"),
    })
    return ev


def evaluate_snapshot(store, truth: pd.Series, snapshot_id: str | None = None, *,
                      presets: Sequence[str] = (), tops: Sequence[int] = DEFAULT_TOPS) -> Evaluation:
    """Evaluate a stored ranking snapshot (default: the newest) against labels.

    The baselines are computed on the events of the snapshot's own window and
    filters (read again from ``store``).

    Raises
    ------
    NotFoundError
        No such snapshot (or none yet).
    InputError
        No labelled account is known.
    """
    from graph.errors import NotFoundError
    from graph.ranking import RankConfig

    snap = store.load_snapshot(snapshot_id)
    if snap is None:
        raise NotFoundError(f"no snapshot {snapshot_id!r}" if snapshot_id
                            else "no ranking yet: run `scout rank` first")
    cfg = RankConfig.from_dict(snap.config or {})
    events = store.interactions(since=cfg.since, until=cfg.until,
                                kinds=list(cfg.kinds) or None,
                                platforms=list(cfg.platforms) or None, with_text=False)
    timed = bool(((snap.config or {}).get("stats") or {}).get("timed", True))
    ev = evaluate_table(snap.table, events, truth, accounts=store.accounts(), presets=presets,
                        tops=tops, timed=timed)
    ev.info["snapshot"] = snap.id
    learned = (snap.config or {}).get("learned")
    if learned:
        # The ranking was fitted on labels: say how many of these it saw.
        seen = set(learned.get("labels", {}))
        ev.info["labels_used_in_training"] = int(sum(1 for k in truth.index if k in seen))
    return ev


def evaluate_split_store(store, split, *, horizon: pd.Timedelta | None = None, config=None,
                         presets: Sequence[str] = (), tops: Sequence[int] = DEFAULT_TOPS,
                         progress=None) -> Evaluation:
    """:func:`evaluate_split` reading events and accounts from ``store``."""
    from graph.ranking import RankConfig

    cfg = config or RankConfig()
    end = split + horizon if horizon is not None else None
    events = store.interactions(since=cfg.since, until=end, kinds=list(cfg.kinds) or None,
                                platforms=list(cfg.platforms) or None, with_text=False)
    return evaluate_split(events, store.accounts(), split, horizon=horizon, config=cfg,
                          presets=presets, tops=tops, progress=progress)
