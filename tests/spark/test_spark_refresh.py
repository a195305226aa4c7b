"""``scout.toml`` chooses the engine of scheduled refreshes: ``[ranking] engine`` and ``[spark]``."""

from __future__ import annotations

import json

import pytest

from graph.errors import ConfigError
from ingest.ops.config import parse_config
from tests.ui.test_refresh import open_db, refresh, small_config


def test_engine_and_spark_table_are_checked():
    cfg = parse_config({"ranking": {"engine": "spark"},
                        "spark": {"master": "spark://head:7077", "partitions": 8,
                                  "conf": {"spark.executor.memory": "8g"},
                                  "staging_dir": "staging"}})
    assert cfg.ranking["engine"] == "spark" and cfg.spark["master"] == "spark://head:7077"
    assert cfg.spark["staging_dir"].endswith("staging")
    with pytest.raises(ConfigError, match="ranking.engine: one of local, spark"):
        parse_config({"ranking": {"engine": "dask"}})
    with pytest.raises(ConfigError, match="spark.mastr: unknown key"):
        parse_config({"spark": {"mastr": "local"}})
    with pytest.raises(ConfigError, match="spark.partitions: must be positive"):
        parse_config({"spark": {"partitions": 0}})


@pytest.mark.spark
def test_a_refresh_ranks_on_spark_when_configured(tmp_path, spark):
    config = small_config(tmp_path, extra='[ranking]\nengine = "spark"\n\n'
                                          '[spark]\nmaster = "local[2]"\npartitions = 4\n')
    done = refresh(config, "--json")
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)
    assert summary["ranking"]["status"] == "ranked"
    with open_db(tmp_path) as store:
        snap = store.load_snapshot()
        assert snap.config["stats"]["engine"] == "spark"
        assert snap.id == summary["ranking"]["snapshot"]
    assert (tmp_path / "out" / "top.csv").read_text().count("\n") == 11  # header + top 10
