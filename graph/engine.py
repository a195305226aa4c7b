"""Which engine ranks: the one place that chooses between in-process and Spark.

``scout rank --engine``, ``[ranking] engine`` in ``scout.toml`` (scheduled
refreshes) and anything else that ranks a store call :func:`rank_with_engine`.

* ``local`` (default): :func:`graph.ranking.rank_store`, in this process; every
  metric, exact; bounded by this machine's memory (see ``docs/scale.md``).
* ``spark``: :func:`graph.spark_engine.rank_store_spark` on a Spark master
  (``local[2]`` by default); the default ranking's metrics, for graphs past one
  machine. Needs the ``spark`` extra.

Examples
--------
>>> resolve_engine(None), resolve_engine("Spark")
('local', 'spark')
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

import pandas as pd

from graph.errors import ConfigError

ENGINES: tuple[str, ...] = ("local", "spark")
DEFAULT_ENGINE = "local"
#: Environment variable that sets the default engine.
ENGINE_ENV = "SCOUT_RANK_ENGINE"


def resolve_engine(name: str | None) -> str:
    """The engine a name (or ``$SCOUT_RANK_ENGINE``, else ``local``) stands for.

    Raises
    ------
    ConfigError
        Unknown engine.
    """
    value = name if name else os.environ.get(ENGINE_ENV) or DEFAULT_ENGINE
    value = str(value).strip().lower()
    if value not in ENGINES:
        raise ConfigError(f"unknown ranking engine {value!r}; choose one of: {', '.join(ENGINES)}")
    return value


def rank_with_engine(store, config=None, *, engine: str | None = None,
                     spark: Mapping | None = None,
                     progress: Callable[[str], None] | None = None, save: bool = True,
                     learn_from: pd.Series | None = None):
    """Rank a store with the chosen engine, saving a snapshot and a run.

    Parameters
    ----------
    store : graph.store.GraphStore
    config : graph.ranking.RankConfig, optional
    engine : str, optional
        ``local`` or ``spark`` (default: ``$SCOUT_RANK_ENGINE``, else ``local``).
    spark : mapping, optional
        Spark settings (:class:`graph.spark_engine.SparkSettings` fields, e.g.
        the ``[spark]`` table of ``scout.toml``).
    progress : callable, optional
    save : bool
    learn_from : pandas.Series, optional
        Labelled leaders (local engine only).

    Returns
    -------
    graph.ranking.RankOutcome

    Raises
    ------
    ConfigError
        Unknown engine, or an option the engine does not support.
    """
    engine = resolve_engine(engine)
    if engine == "local":
        from graph.ranking import rank_store

        return rank_store(store, config, progress=progress, save=save, learn_from=learn_from)
    if learn_from is not None:
        raise ConfigError("--learn-from is not supported by the spark engine: learn weights "
                          "with --engine local on a window that fits this machine")
    from graph.spark_engine import SparkSettings, rank_store_spark

    settings = spark if isinstance(spark, SparkSettings) else SparkSettings.from_mapping(spark)
    return rank_store_spark(store, config, settings, progress=progress, save=save)
