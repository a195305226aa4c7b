"""The Spark engine (``local[2]``) against the in-process ranking, on a small fixture.

Agreement measure (documented in docs/scale.md): same accounts; engagers,
activity, automation and topics exactly equal; in-strength and boundary
bridging equal to 1e-9 relative (float sums in another order); PageRank to
1e-4 relative on every account, topic PageRank also to 2e-6 absolute (the Spark
iteration stops at an L1 change of 1e-6); the same top-10 order here, and Kendall τ ≥ 0.9 on the top 100 of
the benchmark-shaped data (test_spark_agreement.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from graph.errors import ConfigError, NotFoundError
from graph.event_parquet import read_events_parquet, write_events_parquet
from graph.model import Account, Interaction
from graph.ranking import RankConfig, rank_store
from graph.spark_engine import NOT_COMPUTED, PAGERANK_TOL, SparkSettings, rank_store_spark
from ui.cli import cli

pytestmark = pytest.mark.spark

T0 = datetime(2026, 9, 1, tzinfo=UTC)
KINDS = ("reply", "repost", "mention", "like", "quote", "comment")


def fill(store) -> None:
    """A small conversation: 12 accounts over 20 days, a declared bot, a spammer, topics."""
    names = [f"u{i}" for i in range(12)]
    store.upsert_accounts([Account("x", n, handle=n.upper(), followers=10 * (i + 1),
                                   following=5 + i, posts=100 + i,
                                   created_at=T0 - timedelta(days=400 - 30 * i))
                           for i, n in enumerate(names)])
    store.set_tags("x:u11", ["automated"])
    rows = []
    for i in range(160):
        src = names[(i * 5) % 12]
        dst = names[(i * 7 + 3) % 12 if i % 9 else (i % 4)]  # a few popular targets
        rows.append(Interaction("x", f"p{i}", KINDS[i % len(KINDS)], f"x:{src}", f"x:{dst}",
                                T0 + timedelta(hours=3 * i), text=f"post {i} about things",
                                topics=("pricing",) if i % 3 == 0 else ("api", "#Launch")
                                if i % 5 == 0 else ()))
    # u10 posts the same promotion again and again (duplicate-text signal) …
    rows += [Interaction("x", f"spam{i}", "mention", "x:u10", f"x:u{i % 4}",
                         T0 + timedelta(days=2, minutes=i), text="Buy now https://x.y #deal")
             for i in range(8)]
    # … a self-reply (counts as activity, not as engagement) and a weighted event.
    rows.append(Interaction("x", "self", "reply", "x:u1", "x:u1", T0 + timedelta(days=3)))
    rows.append(Interaction("x", "heavy", "reply", "x:u2", "x:u0", T0 + timedelta(days=19),
                            weight=3.0))
    store.add_interactions(rows)


def compare(local: pd.DataFrame, spark: pd.DataFrame) -> None:
    """The agreement of this module's docstring."""
    a = local.set_index("account")
    b = spark.set_index("account").reindex(a.index)
    assert set(local["account"]) == set(spark["account"])
    for col in ("engagers", "activity", "topics", "segment", "crm_status", "handle"):
        assert (a[col] == b[col]).all(), col
    np.testing.assert_allclose(b["automation"], a["automation"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(b["in_strength"], a["in_strength"], rtol=1e-9)
    np.testing.assert_allclose(b["boundary_bridging"], a["boundary_bridging"], rtol=1e-9,
                               atol=1e-12)
    np.testing.assert_allclose(b["pagerank"], a["pagerank"], rtol=1e-4)


def test_spark_ranks_a_store_like_the_in_process_ranking(sqlite_store, spark, spark_settings):
    fill(sqlite_store)
    local = rank_store(sqlite_store, save=False).result
    out = rank_store_spark(sqlite_store, settings=spark_settings, spark=spark)
    result = out.result
    compare(local.table, result.table)
    assert result.table["account"].head(10).tolist() == local.table["account"].head(10).tolist()
    np.testing.assert_allclose(result.table["score"].head(10), local.table["score"].head(10),
                               rtol=1e-4)
    assert result.weights == local.weights  # attention: no weight on a missing metric
    assert result.stats["engine"] == "spark" and result.stats["omitted_metrics"] == []
    assert result.stats["half_life_days"] == local.stats["half_life_days"]
    assert result.stats["timed"] and result.stats["preset"] == "attention"
    assert abs(result.stats["modularity"]) <= 1
    assert not set(NOT_COMPUTED) & set(result.table.columns)
    # the declared bot is flagged; the spammer's repeated promotion shows
    row = result.table.set_index("account")
    assert row.loc["x:u11", "automated"] and row.loc["x:u11", "automation"] == 1.0
    assert row.loc["x:u10", "automation"] > 0
    # the snapshot and the run went through the store, as rank_store's do
    snap = sqlite_store.load_snapshot()
    assert snap.id == out.snapshot.id and len(snap.table) == len(result.table)
    assert snap.config["stats"]["engine"] == "spark"
    [run] = sqlite_store.runs(kind="rank")
    assert run.status == "ok" and run.summary["snapshot"] == snap.id
    assert run.read == result.stats["events"]


def test_topic_ranking_on_spark(sqlite_store, spark, spark_settings):
    fill(sqlite_store)
    config = RankConfig(topics=("pricing",))
    local = rank_store(sqlite_store, config, save=False).result
    result = rank_store_spark(sqlite_store, config, spark_settings, spark=spark,
                              save=False).result
    compare(local.table, result.table)
    a = local.table.set_index("account")
    b = result.table.set_index("account").reindex(a.index)
    np.testing.assert_allclose(b["topic_in_strength"], a["topic_in_strength"], rtol=1e-9)
    # accounts the topic never reaches have ~0 here and up to the L1 tolerance there
    np.testing.assert_allclose(b["topic_pagerank"], a["topic_pagerank"], rtol=1e-4,
                               atol=2 * PAGERANK_TOL)
    assert "topic_pagerank" in result.weights and "pagerank" not in result.weights


def test_a_preset_with_metrics_spark_lacks_is_renormalised_and_explained(
        sqlite_store, spark, spark_settings, tmp_path):
    fill(sqlite_store)
    out = rank_store_spark(sqlite_store, RankConfig(preset="balanced"), spark_settings,
                           spark=spark)
    stats = out.result.stats
    assert stats["omitted_metrics"] == ["authority", "betweenness"]
    assert set(out.result.weights) == {"pagerank", "engagers", "in_strength",
                                       "engagement_per_post", "reach"}
    assert sum(out.result.weights.values()) == pytest.approx(1.0)
    uri = f"sqlite:///{sqlite_store.path}"
    runner = CliRunner()
    shown = runner.invoke(cli, ["--store", uri, "explain", "U0"], catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    assert "ranked on Spark" in shown.output and "authority, betweenness" in shown.output
    as_json = runner.invoke(cli, ["--store", uri, "explain", "U0", "--json"],
                            catch_exceptions=False)
    info = json.loads(as_json.output)
    assert info["engine"] == "spark" and info["omitted_metrics"] == ["authority", "betweenness"]
    assert sum(m["contribution"] for m in info["metrics"]) == pytest.approx(info["score"])
    # a leaderboard and an export read the Spark snapshot like any other
    board = runner.invoke(cli, ["--store", uri, "leaders", "--format", "csv"],
                          catch_exceptions=False)
    assert board.exit_code == 0 and len(board.output.splitlines()) > 5
    with pytest.raises(ConfigError, match="does not compute"):
        rank_store_spark(sqlite_store, RankConfig(preset="brokers", weights={
            "bridging": 0, "boundary_bridging": 0, "engagers": 0}), spark_settings, spark=spark)


def test_cli_rank_engine_spark_and_parquet_input(sqlite_store, spark, tmp_path):
    fill(sqlite_store)
    uri = f"sqlite:///{sqlite_store.path}"
    runner = CliRunner()
    done = runner.invoke(cli, ["--store", uri, "rank", "--engine", "spark", "--spark-conf",
                               "spark.sql.shuffle.partitions=4"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "ranked on Spark (local[2])" in done.output
    first = sqlite_store.load_snapshot()
    # the same window from a Parquet export of the store
    folder = tmp_path / "events"
    exported = runner.invoke(cli, ["--store", uri, "export", "events", "--format", "parquet",
                                   "--out", str(folder)], catch_exceptions=False)
    assert exported.exit_code == 0, exported.output
    assert (folder / "day=2026-09-01").is_dir()
    again = runner.invoke(cli, ["--store", uri, "rank", "--engine", "spark", "--events",
                                str(folder), "--json"], catch_exceptions=False)
    assert again.exit_code == 0, again.output
    second = sqlite_store.load_snapshot()
    assert second.id != first.id
    pd.testing.assert_frame_equal(second.table.drop(columns=["score"]),
                                  first.table.drop(columns=["score"]), check_exact=False,
                                  rtol=1e-6)
    bad = runner.invoke(cli, ["--store", uri, "rank", "--events", str(folder)])
    assert bad.exit_code != 0 and "--events needs --engine spark" in bad.output


def test_parquet_export_round_trip(store, tmp_path):
    fill(store)
    out = write_events_parquet(store, tmp_path / "ev", slice_days=3)
    want = store.interactions(with_text=False)
    assert out.rows == len(want) and out.days == 20
    got = read_events_parquet(tmp_path / "ev")
    cols = ["platform", "post_id", "kind", "source", "target", "at", "topics", "weight"]
    key = ["post_id", "kind", "target"]
    pd.testing.assert_frame_equal(
        got[cols].sort_values(key, ignore_index=True),
        want[cols].astype({"weight": float}).sort_values(key, ignore_index=True),
        check_dtype=False)
    # a window, and no silent overwrite
    part = write_events_parquet(store, tmp_path / "part", since=T0 + timedelta(days=5),
                                until=T0 + timedelta(days=7))
    assert part.days == 2 and part.rows == len(store.interactions(
        since=T0 + timedelta(days=5), until=T0 + timedelta(days=7)))
    from graph.errors import InputError

    with pytest.raises(InputError, match="not empty"):
        write_events_parquet(store, tmp_path / "ev")
    again = write_events_parquet(store, tmp_path / "ev", overwrite=True, kinds=["reply"])
    assert again.rows == len(store.interactions(kinds=["reply"]))


def test_spark_ranks_a_neo4j_store(neo4j_store, spark, spark_settings):
    fill(neo4j_store)
    local = rank_store(neo4j_store, save=False).result
    out = rank_store_spark(neo4j_store, settings=spark_settings, spark=spark)
    compare(local.table, out.result.table)
    assert neo4j_store.load_snapshot().id == out.snapshot.id


def test_empty_window_is_refused_and_nothing_saved(sqlite_store, spark, spark_settings):
    fill(sqlite_store)
    config = RankConfig(since=T0 + timedelta(days=100))
    with pytest.raises(NotFoundError, match="nothing to rank"):
        rank_store_spark(sqlite_store, config, spark_settings, spark=spark)
    assert sqlite_store.load_snapshot() is None
    [run] = sqlite_store.runs(kind="rank")
    assert run.status == "failed"


def test_settings_from_a_table():
    s = SparkSettings.from_mapping({"master": "spark://head:7077", "partitions": 64,
                                    "conf": {"spark.executor.memory": "8g"}})
    assert not s.is_local() and s.shuffle_partitions() == 64
    assert SparkSettings(master="local[3]").shuffle_partitions() == 6
    with pytest.raises(ConfigError, match="unknown keys"):
        SparkSettings.from_mapping({"mastr": "local"})
