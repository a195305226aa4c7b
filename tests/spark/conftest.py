"""One Spark session (``local[2]``) for every Spark test, started once."""

from __future__ import annotations

import pytest

pytest.importorskip("pyspark", reason="the spark extra is not installed (make venv installs it)")


@pytest.fixture(scope="session")
def spark_settings():
    from graph.spark_engine import SparkSettings

    # Few partitions: the test graphs are small and every shuffle task costs time.
    return SparkSettings(master="local[2]", driver_memory="2g", partitions=2,
                         conf={"spark.ui.enabled": "false"})


@pytest.fixture(scope="session")
def spark(spark_settings):
    from graph.spark_engine import spark_session

    session = spark_session(spark_settings)
    yield session
    session.stop()
