"""`scout stats` and `scout forget` on both stores."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from graph.model import Account, Person
from tests.graph.test_store_contract import seed
from ui.cli import cli


@pytest.fixture
def uri(store, tmp_path):
    return getattr(store, "display", None) if not hasattr(store, "path") else f"sqlite:///{store.path}"


def test_stats_json_and_table(store, uri):
    seed(store)
    store.set_roster([Person(handle="bob")])
    r = CliRunner().invoke(cli, ["--store", uri, "stats", "--format", "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert (d["accounts"], d["internal_accounts"], d["external_accounts"], d["interactions"]) == (5, 1, 4, 5)
    assert d["by_kind"]["mention"] == 2 and d["by_platform"] == {"x": 5}
    assert d["first_at"].startswith("2026-09-01")
    table = CliRunner().invoke(cli, ["--store", uri, "stats"])
    assert table.exit_code == 0
    assert "interactions" in table.output and "mention" in table.output


def test_forget_by_handle(store, uri):
    seed(store)
    r = CliRunner().invoke(cli, ["--store", uri, "forget", "@carol", "--yes"])
    assert r.exit_code == 0, r.output
    assert "forgot x:3" in r.output and "3 interactions" in r.output
    assert store.resolve("carol") == []
    missing = CliRunner().invoke(cli, ["--store", uri, "forget", "nobody", "--yes"])
    assert missing.exit_code == 1 and "no account 'nobody'" in missing.output


def test_forget_an_ambiguous_handle_lists_the_accounts_and_stops(store, uri):
    # One bare handle on two platforms may be two different people.
    store.upsert_accounts([Account("x", "1", handle="sam"), Account("slack", "sam", handle="sam")])
    r = CliRunner().invoke(cli, ["--store", uri, "forget", "sam", "--yes"])
    assert r.exit_code == 1
    assert "'sam' names 2 accounts: slack:sam, x:1" in r.output and "--all-platforms" in r.output
    assert store.stats().accounts == 2
    one = CliRunner().invoke(cli, ["--store", uri, "forget", "x:sam", "--yes"])
    assert one.exit_code == 0 and "forgot x:1" in one.output
    assert store.resolve("sam") == ["slack:sam"]


def test_forget_every_platform_when_asked(store, uri):
    store.upsert_accounts([Account("x", "1", handle="sam"), Account("slack", "sam", handle="sam")])
    r = CliRunner().invoke(cli, ["--store", uri, "forget", "sam", "--yes", "--all-platforms"])
    assert r.exit_code == 0
    assert store.stats().accounts == 0


def test_forget_without_a_terminal_needs_yes(store, uri):
    # `echo n | scout forget …` used to delete: stdin that is no terminal cannot confirm.
    seed(store)
    r = CliRunner().invoke(cli, ["--store", uri, "forget", "@carol"], input="n\n")
    assert r.exit_code == 2
    assert "pass --yes when stdin is not a terminal" in r.output
    assert store.resolve("carol") == ["x:3"]
