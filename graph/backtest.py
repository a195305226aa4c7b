"""Backtest: does today's ranking predict who gets attention next?

Rank on the events before a split date, then measure the attention each
ranked account *receives* in ``[split, split + horizon)`` (kind-weighted
incoming engagement, no decay, self-interactions excluded). Report, for the
composite score and simple baselines (followers, distinct engagers, weighted
in-strength before the split):

* ``precision@k``: the share of the model's top ``k`` that are in the top ``k``
  by future attention;
* ``spearman``: Spearman's rank correlation between the model's value and the
  future attention, over every account ranked before the split.

A useful ranking beats the baselines; ``followers`` is what you would get
without Scout.

Examples
--------
>>> future = pd.Series([5.0, 0.0, 3.0], index=["a", "b", "c"])
>>> precision_at_k(pd.Series([3, 2, 1], index=["a", "b", "c"]), future, 2)
0.5
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
from scipy import stats

from graph.errors import InputError
from graph.projection import kind_weights_array
from graph.ranking import RankConfig, rank_events, select_events

BASELINES: dict[str, str] = {
    "followers": "reach",
    "in_degree": "engagers",
    "in_strength": "in_strength",
}
DEFAULT_TOPS: tuple[int, ...] = (10, 50, 100)
DEFAULT_HORIZON = pd.Timedelta(days=30)


@dataclass(slots=True)
class BacktestReport:
    """Precision@k and Spearman of the model and the baselines."""

    split: datetime
    horizon_days: float
    accounts: int
    train_events: int
    test_events: int
    table: pd.DataFrame  # one row per model: model, spearman, precision@k…
    config: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "split": self.split.isoformat(),
            "horizon_days": self.horizon_days,
            "accounts": self.accounts,
            "train_events": self.train_events,
            "test_events": self.test_events,
            "results": [{k: (None if isinstance(v, float) and np.isnan(v) else v)
                         for k, v in r.items()} for r in self.table.to_dict("records")],
            "config": self.config,
        }


def attention(events: pd.DataFrame, kind_weights: dict | None = None) -> pd.Series:
    """Kind-weighted incoming engagement per account (no decay, no self-interactions)."""
    if events.empty:
        return pd.Series(dtype=float)
    w = kind_weights_array(events["kind"], kind_weights) if "kind" in events else np.ones(len(events))
    if "weight" in events:
        w = w * pd.to_numeric(events["weight"], errors="coerce").fillna(1.0).to_numpy()
    keep = (events["source"] != events["target"]).to_numpy()
    return pd.Series(w[keep]).groupby(events["target"].to_numpy()[keep]).sum()


def _top_keys(values: pd.Series, k: int) -> set:
    df = pd.DataFrame({"v": values.to_numpy(dtype=float), "key": values.index.astype(str)})
    df = df.sort_values(["v", "key"], ascending=[False, True], kind="stable")
    return set(df["key"].head(k))


def precision_at_k(predicted: pd.Series, actual: pd.Series, k: int) -> float:
    """Share of the top ``k`` by ``predicted`` that are in the top ``k`` by ``actual``.

    Both series are indexed by account; ties are broken by key; accounts missing
    from ``actual`` count as 0.
    """
    if len(predicted) == 0 or k <= 0:
        return float("nan")
    k = min(k, len(predicted))
    actual = actual.reindex(predicted.index).fillna(0.0)
    return len(_top_keys(predicted, k) & _top_keys(actual, k)) / k


def spearman(predicted: pd.Series, actual: pd.Series) -> float:
    """Spearman rank correlation (NaN when either side is constant)."""
    actual = actual.reindex(predicted.index).fillna(0.0)
    if len(predicted) < 2 or predicted.nunique() < 2 or actual.nunique() < 2:
        return float("nan")
    return float(stats.spearmanr(predicted.to_numpy(float), actual.to_numpy(float)).statistic)


def backtest_events(events: pd.DataFrame, accounts: pd.DataFrame | None, split: datetime,
                    horizon: pd.Timedelta = DEFAULT_HORIZON,
                    tops: Sequence[int] = DEFAULT_TOPS,
                    config: RankConfig | None = None) -> BacktestReport:
    """Backtest on events held in memory (see the module docstring).

    Parameters
    ----------
    events : pandas.DataFrame
        Every event (before and after the split).
    accounts : pandas.DataFrame, optional
        Profiles (followers for the baseline, internal flags).
    split : datetime
        Rank with events before it; measure attention from it.
    horizon : pandas.Timedelta
        Length of the measurement window.
    tops : sequence of int
        The ``k`` of precision@k.
    config : RankConfig, optional
        Ranking config; its ``until`` is replaced by ``split``.

    Returns
    -------
    BacktestReport

    Raises
    ------
    InputError
        No events before the split.
    """
    base = config or RankConfig()
    cfg = RankConfig.from_dict({**base.to_dict(), "until": split})
    train = select_events(events, cfg.since, split, cfg.kinds, cfg.platforms)
    if train.empty:
        raise InputError(f"no events before {split.isoformat()}: nothing to rank")
    test = select_events(events, split, split + horizon, cfg.kinds, cfg.platforms)
    result = rank_events(train, accounts, cfg)
    table = result.table.set_index("account")
    future = attention(test, cfg.kind_weights).reindex(table.index).fillna(0.0)
    models = {"scout": table["score"]}
    for name, col in BASELINES.items():
        models[name] = table[col].astype(float)
    rows = []
    for name, pred in models.items():
        row: dict = {"model": name, "spearman": spearman(pred, future)}
        for k in tops:
            row[f"precision@{k}"] = precision_at_k(pred, future, int(k))
        rows.append(row)
    return BacktestReport(split=split, horizon_days=horizon.total_seconds() / 86400.0,
                          accounts=int(len(table)), train_events=int(len(train)),
                          test_events=int(len(test)), table=pd.DataFrame(rows),
                          config=cfg.to_dict())


def backtest_store(store, split: datetime, horizon: pd.Timedelta = DEFAULT_HORIZON,
                   tops: Sequence[int] = DEFAULT_TOPS,
                   config: RankConfig | None = None) -> BacktestReport:
    """Backtest reading events and accounts from a store (``interactions``, ``accounts``)."""
    cfg = config or RankConfig()
    events = store.interactions(since=cfg.since, until=split + horizon,
                                kinds=list(cfg.kinds) or None,
                                platforms=list(cfg.platforms) or None, with_text=False)
    return backtest_events(events, store.accounts(), split, horizon, tops, cfg)
