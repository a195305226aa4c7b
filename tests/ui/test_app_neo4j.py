"""The web app on the Neo4j store: the same pages, the same answers as on SQLite.

A slice of the sample data (the first community edges, profiles, roster, CRM)
is loaded into the test Neo4j and ranked twice.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.ui.test_app import assert_clean, frame, page, shown_text

pytestmark = pytest.mark.neo4j

EDGE_ROWS = 6000


@pytest.fixture
def neo4j_app_uri(neo4j_store, neo4j_uri, tmp_path) -> str:
    """The test Neo4j holding a ranked slice of the sample data."""
    from graph.ranking import RankConfig, parse_datetime
    from ui import app_data

    data = REPO / "data"
    if not app_data.sample_available(data):
        pytest.skip("sample data (data/) is not available")
    lines = gzip.decompress((data / "community_edges.csv.gz").read_bytes()).decode().splitlines()
    edges = tmp_path / "edges.csv"
    edges.write_text("\n".join(lines[: EDGE_ROWS + 1]) + "\n", encoding="utf-8")
    for path, kind in ((edges, "edges"), (data / "accounts.csv", "accounts"),
                       (data / "roster.csv", "roster"), (data / "crm.csv", "crm")):
        outcome = app_data.ingest_file(neo4j_store, Path(path), kind)
        assert outcome.error is None, outcome.error
    app_data.rank(neo4j_store, RankConfig(until=parse_datetime("2026-09-15")))
    app_data.rank(neo4j_store, RankConfig())
    return neo4j_uri


def test_overview_and_leaders_on_neo4j(make_app, neo4j_app_uri, neo4j_store):
    from ui.app_data import LeaderFilters, enrich_table, filter_leaders

    table = enrich_table(neo4j_store.load_snapshot().table, neo4j_store.accounts())
    best = {seg: filter_leaders(table, LeaderFilters(segment=seg))["handle"].head(5).tolist()
            for seg in ("internal", "external")}
    stats = neo4j_store.stats()

    at = make_app(neo4j_app_uri, SCOUT_SHOW_EMPLOYEE_NAMES="1")  # employees' names asserted
    assert_clean(at)
    assert any(c.value.startswith("Store:") and "bolt://127.0.0.1" in c.value
               for c in at.sidebar.caption)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Interactions"] == f"{stats.interactions:,}"
    assert metrics["Accounts"] == f"{stats.accounts:,}"
    text = shown_text(at)
    for handle in best["internal"] + best["external"]:
        assert f"@{handle}" in text

    page(at, "leaders")
    assert_clean(at)
    shown = frame(at, "leaders_table_internal")
    assert shown["label"].head(5).tolist() == [f"@{h}" for h in best["internal"]]
    at.session_state["leaders_tab"] = "External"
    at.run()
    shown = frame(at, "leaders_table_external")
    assert shown["label"].head(5).tolist() == [f"@{h}" for h in best["external"]]
    # shortlist two external leaders
    at.session_state["leaders_table_external"] = {"selection": {"rows": [0, 1], "columns": [],
                                                               "cells": []}}
    at.run()
    at.selectbox(key="leaders_external_pick").set_value("➕ New shortlist…").run()
    at.text_input(key="leaders_external_new").input("Neo4j list").run()
    at.button(key="leaders_external_add").click().run()
    assert_clean(at)
    members = neo4j_store.shortlist_members("Neo4j list")
    assert sorted(members["account"]) == sorted(shown["account"].head(2))


def test_other_pages_on_neo4j(make_app, neo4j_app_uri, neo4j_store, capture_downloads):
    table = neo4j_store.load_snapshot().table
    key = table["account"].iloc[0]
    neo4j_store.create_shortlist("Ops")
    neo4j_store.add_to_shortlist("Ops", table["account"].head(3).tolist())
    neo4j_store.update_member("Ops", key, note="+1 for the meetup")

    at = make_app(neo4j_app_uri, run=False)
    at.query_params["account"] = key
    at.run()
    page(at, "account")
    assert_clean(at)
    assert at.header[0].value.startswith(f"@{table['handle'].iloc[0]}")
    assert len(frame(at, column="direction")) > 0
    assert any("Ops" in p.label for p in at.get("page_link"))

    page(at, "communities")
    assert_clean(at)
    assert frame(at, column="brokers")["members"].sum() == len(table)

    capture_downloads.clear()
    page(at, "shortlists")
    assert_clean(at)
    csv = next(data for name, data in capture_downloads if name and name.endswith(".csv"))
    assert "'+1 for the meetup" in csv.decode("utf-8-sig")

    page(at, "data")
    assert_clean(at)
    assert {"ingest", "rank"} <= set(frame(at, column="first error")["kind"])
