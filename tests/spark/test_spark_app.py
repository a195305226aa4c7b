"""The app's ranking uses the engine ``scout.toml`` chooses for scheduled refreshes."""

from __future__ import annotations

import pytest

from tests.spark.test_spark_engine import fill
from ui import app_data


def test_the_app_ranks_on_spark_when_scout_toml_says_so(sqlite_store, spark, tmp_path, monkeypatch):
    fill(sqlite_store)
    config_file = tmp_path / "scout.toml"
    config_file.write_text('[ranking]\nengine = "spark"\n\n[spark]\nmaster = "local[2]"\npartitions = 2\n',
                           encoding="utf-8")
    monkeypatch.setenv("SCOUT_CONFIG", str(config_file))
    config = app_data.rank_config("balanced", None, last_event=sqlite_store.stats().last_at)
    outcome = app_data.rank(sqlite_store, config)
    stats = outcome.result.stats
    assert stats["engine"] == "spark" and stats["spark_master"] == "local[2]"
    assert outcome.snapshot.id == sqlite_store.load_snapshot().id


def test_the_app_ranks_in_process_without_a_choice(sqlite_store, tmp_path, monkeypatch):
    fill(sqlite_store)
    monkeypatch.delenv("SCOUT_CONFIG", raising=False)
    monkeypatch.delenv("SCOUT_RANK_ENGINE", raising=False)
    monkeypatch.chdir(tmp_path)  # no ./scout.toml
    config = app_data.rank_config("balanced", None, last_event=sqlite_store.stats().last_at)
    outcome = app_data.rank(sqlite_store, config)
    assert outcome.result.stats.get("engine", "local") == "local"
    assert outcome.snapshot.id == sqlite_store.load_snapshot().id


def test_a_bad_engine_in_scout_toml_is_a_clear_error(sqlite_store, tmp_path, monkeypatch):
    from graph.errors import ConfigError

    fill(sqlite_store)
    config_file = tmp_path / "scout.toml"
    config_file.write_text('[ranking]\nengine = "dask"\n', encoding="utf-8")
    monkeypatch.setenv("SCOUT_CONFIG", str(config_file))
    config = app_data.rank_config("balanced", None, last_event=sqlite_store.stats().last_at)
    with pytest.raises(ConfigError, match="ranking.engine"):
        app_data.rank(sqlite_store, config)
