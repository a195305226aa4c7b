"""Shared fixtures: one ``store`` fixture parametrised over both stores.

The Neo4j leg talks to a real server: ``SCOUT_TEST_NEO4J_URI`` (default
``bolt://127.0.0.1:${SCOUT_NEO4J_PORT:-7687}``) with ``SCOUT_NEO4J_USER`` /
``SCOUT_NEO4J_PASSWORD``. ``make test`` starts one with ``scripts/neo4j.sh up``.
When no server answers, the Neo4j leg fails unless ``SCOUT_TEST_SKIP_NEO4J=1``.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REAL_SAMPLES = REPO.parent / "shared" / "real-samples"

DEFAULT_TEST_PASSWORD = "scout-dev-password"


def neo4j_test_uri() -> str:
    port = os.environ.get("SCOUT_NEO4J_PORT", "7687")
    return os.environ.get("SCOUT_TEST_NEO4J_URI", f"bolt://127.0.0.1:{port}")


def neo4j_test_auth() -> tuple[str, str]:
    return (
        os.environ.get("SCOUT_NEO4J_USER", "neo4j"),
        os.environ.get("SCOUT_NEO4J_PASSWORD", DEFAULT_TEST_PASSWORD),
    )


def _neo4j_answers(uri: str) -> bool:
    from urllib.parse import urlsplit

    parts = urlsplit(uri)
    try:
        with socket.create_connection((parts.hostname, parts.port or 7687), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def neo4j_uri() -> str:
    uri = neo4j_test_uri()
    if not _neo4j_answers(uri):
        if os.environ.get("SCOUT_TEST_SKIP_NEO4J") == "1":
            pytest.skip(f"no Neo4j at {uri} (SCOUT_TEST_SKIP_NEO4J=1)")
        pytest.fail(f"no Neo4j answers at {uri}: run scripts/neo4j.sh up (make test does)")
    user, password = neo4j_test_auth()
    os.environ.setdefault("SCOUT_NEO4J_USER", user)
    os.environ.setdefault("SCOUT_NEO4J_PASSWORD", password)
    return uri


@pytest.fixture
def sqlite_store(tmp_path):
    from graph.sqlite_store import SqliteStore

    s = SqliteStore(tmp_path / "scout.db")
    yield s
    s.close()


@pytest.fixture
def neo4j_store(neo4j_uri):
    from graph.neo4j_store import Neo4jStore

    user, password = neo4j_test_auth()
    s = Neo4jStore(neo4j_uri, user=user, password=password)
    s.delete_everything()
    yield s
    s.delete_everything()
    s.close()


@pytest.fixture(params=["sqlite", "neo4j"])
def store(request):
    """Each test using ``store`` runs once per implementation, on an empty store."""
    yield request.getfixturevalue(f"{request.param}_store")


@pytest.fixture
def store_uri(request, tmp_path):
    """A URI for subprocess / CLI tests (sqlite file in tmp)."""
    return f"sqlite:///{tmp_path / 'scout.db'}"
