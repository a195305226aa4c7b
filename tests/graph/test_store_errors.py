"""Store selection and the one-line errors of unreachable or misconfigured stores."""

from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner

from graph.errors import StoreUnavailableError, StoreUriError
from graph.store_uri import parse_store_uri, redact_uri
from ui.cli import cli


@pytest.mark.parametrize(
    ("uri", "kind", "display"),
    [
        (None, "sqlite", "sqlite:///.scout/scout.db"),
        ("sqlite:///data/s.db", "sqlite", "sqlite:///data/s.db"),
        ("sqlite:////tmp/s.db", "sqlite", "sqlite:////tmp/s.db"),
        ("bolt://127.0.0.1:7687", "neo4j", "bolt://127.0.0.1:7687"),
        ("neo4j+s://db.example:7687", "neo4j", "neo4j+s://db.example:7687"),
    ],
)
def test_accepted_forms(uri, kind, display):
    loc = parse_store_uri(uri)
    assert (loc.kind, loc.display) == (kind, display)


@pytest.mark.parametrize(
    "uri", ["foo://x", "sqlite://", "sqlite://relative.db", "bolt://", "bolt://h:99999", "/tmp/x.db"]
)
def test_malformed_uris_name_the_accepted_forms(uri):
    with pytest.raises(StoreUriError, match="accepted forms: sqlite:///"):
        parse_store_uri(uri)


def test_credentials_in_a_uri_are_refused_without_echoing_them():
    with pytest.raises(StoreUriError) as err:
        parse_store_uri("bolt://neo4j:s3cret-pw@127.0.0.1:7687")
    assert "s3cret-pw" not in str(err.value)
    assert "SCOUT_NEO4J_PASSWORD" in str(err.value)
    assert redact_uri("neo4j://u:p@h:1/db") == "neo4j://***@h:1/db"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_neo4j_is_one_line_with_the_hint_and_exit_2(monkeypatch):
    monkeypatch.setenv("SCOUT_NEO4J_PASSWORD", "never-shown-pw")
    uri = f"bolt://127.0.0.1:{_free_port()}"
    result = CliRunner().invoke(cli, ["--store", uri, "stats"])
    assert result.exit_code == 2
    out = result.output.strip()
    assert out.count("\n") == 0
    assert uri in out and "scripts/neo4j.sh up" in out
    assert "never-shown-pw" not in out
    assert "Traceback" not in out


def test_debug_shows_the_traceback():
    result = CliRunner().invoke(cli, ["--debug", "--store", "foo://x", "stats"])
    assert result.exit_code != 0
    assert isinstance(result.exception, StoreUriError)


def test_malformed_uri_from_the_environment(monkeypatch):
    monkeypatch.setenv("SCOUT_STORE", "mysql://db")
    result = CliRunner().invoke(cli, ["stats"])
    assert result.exit_code == 2
    assert "malformed store URI 'mysql://db'" in result.output


def test_wrong_credentials_name_the_variables(neo4j_uri, monkeypatch):
    # An unknown user, so that the real user's failed-login counter is untouched.
    monkeypatch.setenv("SCOUT_NEO4J_USER", "scout-nobody")
    monkeypatch.setenv("SCOUT_NEO4J_PASSWORD", "wrong-password-here")
    result = CliRunner().invoke(cli, ["--store", neo4j_uri, "stats"])
    assert result.exit_code == 2
    assert "refused the credentials" in result.output
    assert "wrong-password-here" not in result.output


def test_neo4j_store_error_type(neo4j_uri):
    from graph.neo4j_store import Neo4jStore

    with pytest.raises(StoreUnavailableError, match="refused the credentials"):
        Neo4jStore(neo4j_uri, user="scout-nobody", password="nope-nope")


def test_injected_driver_is_left_open(neo4j_uri):
    import neo4j

    from graph.neo4j_store import Neo4jStore
    from tests.conftest import neo4j_test_auth

    driver = neo4j.GraphDatabase.driver(neo4j_uri, auth=neo4j_test_auth())
    try:
        store = Neo4jStore(neo4j_uri, driver=driver)
        store.close()
        driver.verify_connectivity()  # still usable: the store closes only what it opened
    finally:
        driver.close()


def test_sqlite_default_path_is_created_on_first_use(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCOUT_STORE", raising=False)
    result = CliRunner().invoke(cli, ["stats", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / ".scout" / "scout.db").exists()
