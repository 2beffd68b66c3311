"""Fixtures shared by the core and GUI tests: one Spark session for every Spark test of the run."""

from __future__ import annotations

import pytest

SPARK_MASTER = "local[2]"


@pytest.fixture(scope="session")
def spark():
    """A real local Spark (two executor threads) started once per test run; skips, saying why, where
    pyspark or Java is missing. Jobs in the tests join it instead of starting their own JVM."""
    from embedding_studio.core.train.spark import SparkError, preflight, start_session

    try:
        preflight(SPARK_MASTER)
    except SparkError as error:
        pytest.skip(f"needs pyspark and Java 17+ ({error})")
    session, owned = start_session(SPARK_MASTER, app_name="Embedding Studio tests")
    yield session
    if owned:
        session.stop()
