"""The Listening page on the sample data (AppTest): tag, share of voice, leaders, shortlist."""

from __future__ import annotations

import pytest

from graph.factory import open_store
from graph.listening import load_themes, share_of_voice, tagged_events

from .test_app import assert_clean, frame, page

TOML = """
[listening.themes.lumina]
kind = "brand"
keywords = ["lumina"]
handles = ["luminahq"]

[listening.themes.dataforge]
kind = "competitor"
keywords = ["dataforge"]
handles = ["dataforgeio"]

[listening.themes.observability]
kind = "market"
keywords = ["data observability", "observabilidad de datos"]
hashtags = ["dataobservability"]
"""


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "scout.toml"
    path.write_text(TOML, encoding="utf-8")
    return str(path)


def test_listening_page_without_themes(make_app, app_sample_uri, tmp_path):
    at = make_app(app_sample_uri, SCOUT_CONFIG=str(tmp_path / "none.toml"))
    page(at, "listening")
    assert_clean(at)
    assert any("No listening themes yet" in i.value for i in at.info)


def test_listening_page_tags_and_reports(make_app, app_sample_uri, config):
    at = make_app(app_sample_uri, SCOUT_CONFIG=config)
    page(at, "listening")
    assert_clean(at)
    assert any("No stored interaction carries a theme" in i.value for i in at.info)
    at.button(key="listen_tag").click().run()
    at.run()
    assert_clean(at)
    with open_store(app_sample_uri) as store:
        assert len(store.theme_tags()) > 0
        expected = share_of_voice(tagged_events(store), "week", load_themes(config))
    shown = frame(at, column="growth")
    assert shown["mentions"].tolist() == expected["mentions"].tolist()
    assert shown["share"].round(4).tolist() == expected["share"].round(4).tolist()
    last = expected[expected["period"] == expected["period"].max()].set_index("theme")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["lumina (brand)"] == f"{last.loc['lumina', 'share']:.0%}"

    # leaders of a competitor's conversation, shortlisted from the page
    at.selectbox(key="listen_theme").set_value("dataforge").run()
    assert_clean(at)
    voices = frame(at, "listen_voices_dataforge")
    assert len(voices) > 0 and voices["mentions"].ge(0).all()
    external = [i for i in range(len(voices)) if voices["key"].iloc[i]][:2]
    at.session_state["listen_voices_dataforge"] = {
        "selection": {"rows": external, "columns": [], "cells": []}}
    at.run()
    at.selectbox(key="listen_dataforge_pick").set_value("➕ New shortlist…").run()
    at.text_input(key="listen_dataforge_new").input("DataForge voices").run()
    at.button(key="listen_dataforge_add").click().run()
    assert_clean(at)
    with open_store(app_sample_uri) as store:
        members = store.shortlist_members("DataForge voices")
    assert sorted(members["account"]) == sorted(voices["key"].iloc[external])
    rivals = frame(at, column="competitors")
    assert len(rivals) > 0 and {"handle", "account", "mentions", "competitors"} <= set(rivals)
    assert list(frame(at, column="hashtag").columns) == ["theme", "hashtag", "interactions"]
    assert list(frame(at, column="domain").columns) == ["theme", "domain", "interactions"]

    at.segmented_control(key="listen_period").set_value("month").run()
    assert_clean(at)
    assert frame(at, column="growth")["period"].nunique() <= 5


def test_app_uploads_are_tagged_with_the_configured_themes(tmp_path, monkeypatch):
    """Every ingest path tags: here the app's upload, with scout.toml from $SCOUT_CONFIG."""
    from graph.sqlite_store import SqliteStore
    from ui.app_data import ingest_file

    config = tmp_path / "scout.toml"
    config.write_text('[listening.themes.rival]\nkind = "competitor"\nkeywords = ["RivalCo"]\n')
    monkeypatch.setenv("SCOUT_CONFIG", str(config))
    edges = tmp_path / "e.csv"
    edges.write_text("source,target,timestamp,text\n"
                     "a,b,2026-11-10T10:00:00Z,rivalco rocks\n"
                     "c,b,2026-11-10T11:00:00Z,nothing here\n")
    store = SqliteStore(tmp_path / "s.db")
    try:
        outcome = ingest_file(store, edges, "edges")
        assert outcome.error is None and outcome.run.summary.get("themed") == 1
        tags = store.theme_tags()
        assert tags["themes"].tolist() == [("rival",)]
    finally:
        store.close()
