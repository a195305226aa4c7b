"""Employees are pseudonymised in account leaderboards (CLI, refresh exports, app) until
``SCOUT_SHOW_EMPLOYEE_NAMES`` unlocks names."""

from __future__ import annotations

from graph.factory import open_store
from graph.people import PeopleState
from ingest.ops.refresh import export_board

from .test_app import assert_clean, frame, page


def test_refresh_export_rows_are_pseudonymised_unless_unlocked(app_sample_uri, monkeypatch):
    monkeypatch.delenv("SCOUT_SHOW_EMPLOYEE_NAMES", raising=False)
    with open_store(app_sample_uri) as store:
        table = store.load_snapshot().table
        locked = export_board(store, table, "internal", 10)
        monkeypatch.setenv("SCOUT_SHOW_EMPLOYEE_NAMES", "1")
        named = export_board(store, table, "internal", 10)
        handles = set(PeopleState(store).accounts["handle"].dropna())
    assert len(locked) == len(named) == 10
    assert (locked["key"] == "").all() and locked["account"].str.contains(r"\(").all()
    assert not set(locked["account"]) & handles
    assert set(named["account"]) <= handles and (named["key"] != "").all()
    # the scores and ranks are the same: only who it is is hidden
    assert locked["score"].tolist() == named["score"].tolist()


def test_app_leaders_internal_tab_is_pseudonymised(make_app, app_sample_uri):
    at = make_app(app_sample_uri)  # make_app removes no privacy switch: names are locked
    page(at, "leaders")
    assert_clean(at)
    table = frame(at, "leaders_table_internal")
    assert table["label"].str.match(r"^[A-Z?][A-Z.]* \(.+\)$").all()
    assert table["name"].fillna("").eq("").all()
    at = make_app(app_sample_uri, SCOUT_SHOW_EMPLOYEE_NAMES="1")
    page(at, "leaders")
    named = frame(at, "leaders_table_internal")
    assert named["label"].str.startswith("@").any()
