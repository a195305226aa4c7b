"""Spark (``local[2]``) and in-process rankings agree on benchmark-shaped data.

The data come from ``bench/rank.py``'s generator (heavy-tailed activity and
popularity, planted communities, a 1% internal minority, seven kinds over 90
days, topics): the 1M-event benchmark's shape, at a tenth of its size by default
(``SCOUT_SPARK_AGREEMENT_EVENTS`` raises it; ``bench/spark.py`` runs 1M and 10M).

Measure and tolerance: Kendall τ between the two engines' scores of the
in-process top 100 ≥ 0.9 (it is 1.0 in practice), at least 95 of the top 100 in
common, engagers and activity exactly equal, in-strength equal to 1e-9 relative.
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

from graph.ranking import RankConfig, rank_events
from graph.spark_engine import rank_events_spark
from tests.conftest import REPO

pytestmark = pytest.mark.spark

EVENTS = int(os.environ.get("SCOUT_SPARK_AGREEMENT_EVENTS", "100000"))
TOP = 100
MIN_TAU = 0.9
MIN_OVERLAP = 95


def bench_synthetic():
    spec = importlib.util.spec_from_file_location("bench_rank", REPO / "bench" / "rank.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.synthetic


def kendall_tau_top(local, spark, top: int = TOP) -> float:
    """Kendall τ of the two engines' scores over the in-process top ``top``."""
    from scipy import stats

    keys = local["account"].head(top)
    a = local.set_index("account").loc[keys, "score"].to_numpy()
    b = spark.set_index("account").reindex(keys)["score"].fillna(-1.0).to_numpy()
    return float(stats.kendalltau(a, b).statistic)


def test_top_100_agrees_on_benchmark_shaped_data(spark, tmp_path):
    from graph.event_parquet import events_table

    events, accounts = bench_synthetic()(EVENTS, EVENTS // 10, seed=7)
    local = rank_events(events, accounts, RankConfig()).table
    # Through Parquet, as the engine reads a store's export.
    import pyarrow.parquet as pq

    pq.write_to_dataset(events_table(events), root_path=str(tmp_path / "ev"),
                        partition_cols=["day"])
    from graph.spark_engine import read_events

    result = rank_events_spark(spark, read_events(spark, tmp_path / "ev"), accounts,
                               RankConfig())
    table = result.table
    assert len(table) == len(local)
    tau = kendall_tau_top(local, table)
    overlap = len(set(local["account"].head(TOP)) & set(table["account"].head(TOP)))
    print(f"{EVENTS:,} events: Kendall tau top {TOP} = {tau:.4f}, overlap {overlap}/{TOP}, "
          f"PageRank iterations {result.stats['pagerank_iterations']}")
    assert tau >= MIN_TAU
    assert overlap >= MIN_OVERLAP
    a = local.set_index("account")
    b = table.set_index("account").reindex(a.index)
    assert (a["engagers"] == b["engagers"]).all()
    assert (a["activity"] == b["activity"]).all()
    np.testing.assert_allclose(b["in_strength"], a["in_strength"], rtol=1e-9)
    top = local["account"].head(TOP)
    np.testing.assert_allclose(b.loc[top, "pagerank"], a.loc[top, "pagerank"], rtol=1e-3)
