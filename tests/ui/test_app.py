"""The web app, page by page, with Streamlit's AppTest on the ranked sample data.

Every page must render without an exception; the leaders of the snapshot must be
shown; a shortlist built from the Leaders page must be saved and exported with the
right content, formula cells neutralised.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from graph.factory import open_store
from graph.model import OUTREACH_STATUSES

PAGES = ("overview", "leaders", "account", "communities", "network", "shortlists", "evaluate",
         "data")


# ----------------------------------------------------------------------------- helpers
def page(at, name: str):
    """Switch to a page (``views/<name>.py``) and run it."""
    at.switch_page(f"views/{name}.py")
    return at.run()


def assert_clean(at) -> None:
    """No exception and no error box on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def shown_text(at) -> str:
    """Every text the page shows: titles, markdown, captions, alerts, metrics, tables."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning",
                 "success", "error"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    for df in at.dataframe:
        parts.append(df.value.to_csv(index=False))
    return "\n".join(parts)


def frame(at, key: str | None = None, column: str | None = None) -> pd.DataFrame:
    """The table of the page with that widget key (selectable tables) or holding that column
    (read-only tables carry no key)."""
    for df in at.dataframe:
        if key is not None and df.key == key:
            return df.value
        if column is not None and column in df.value.columns:
            return df.value
    raise AssertionError(f"no table {key or column!r}: {[d.key for d in at.dataframe]}")


def snapshot_table(uri: str) -> pd.DataFrame:
    with open_store(uri) as store:
        return store.load_snapshot().table


def top_handles(uri: str, segment: str, n: int = 5) -> list[str]:
    """The best ``n`` handles of a segment (likely-automated accounts excluded), from the
    current roster (the app shows segments as of now)."""
    from ui.app_data import LeaderFilters, enrich_table, filter_leaders

    with open_store(uri) as store:
        table = enrich_table(store.load_snapshot().table, store.accounts())
    rows = filter_leaders(table, LeaderFilters(segment=segment))
    return rows["handle"].head(n).tolist()


# ----------------------------------------------------------------------------- every page
def test_every_page_renders_on_sample_data(make_app, app_sample_uri):
    at = make_app(app_sample_uri)
    assert_clean(at)
    titles = {}
    for name in PAGES:
        page(at, name)
        assert_clean(at)
        titles[name] = at.title[0].value
    assert titles == {"overview": "Overview", "leaders": "Leaders", "account": "Account",
                      "communities": "Communities", "network": "Network",
                      "shortlists": "Shortlists",
                      "evaluate": "Evaluate & learn", "data": "Data & runs"}
    # the sidebar tells which store is used, without a password
    assert any("sqlite:///" in c.value for c in at.sidebar.caption)


def test_overview_counts_runs_leaders_and_rising(make_app, app_sample_uri):
    at = make_app(app_sample_uri, SCOUT_SHOW_EMPLOYEE_NAMES="1")  # names asserted
    assert_clean(at)
    with open_store(app_sample_uri) as store:
        stats = store.stats()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Accounts"] == f"{stats.accounts:,}"
    assert metrics["Internal accounts"] == f"{stats.internal_accounts:,}"
    assert metrics["Interactions"] == f"{stats.interactions:,}"
    assert metrics["Time span"] == "90 days"
    text = shown_text(at)
    assert "Last ingest" in text and "Last ranking" in text
    for handle in top_handles(app_sample_uri, "internal") + top_handles(app_sample_uri, "external"):
        assert f"@{handle}" in text
    rising = frame(at, column="previous_rank")
    # planted rising accounts of the sample data climb between the two rankings
    assert {"@dbt_diego", "@obs_olivia", "@hana_sre"} & set(rising["label"])
    charts = at.get("vega_lite_chart")
    assert len(charts) >= 3  # activity, by kind, by platform


def test_leaders_tabs_show_the_snapshot_leaders(make_app, app_sample_uri):
    at = make_app(app_sample_uri, SCOUT_SHOW_EMPLOYEE_NAMES="1")  # names asserted
    page(at, "leaders")
    assert_clean(at)
    table = frame(at, "leaders_table_internal")
    assert table["label"].head(5).tolist() == [f"@{h}" for h in
                                               top_handles(app_sample_uri, "internal")]
    assert (table["score"].diff().dropna() <= 1e-9).all()  # best first
    at.session_state["leaders_tab"] = "External"
    at.run()
    assert_clean(at)
    table = frame(at, "leaders_table_external")
    assert table["label"].head(5).tolist() == [f"@{h}" for h in
                                               top_handles(app_sample_uri, "external")]
    # planted external leaders of the sample data are near the top
    assert {"@kwame_on_data", "@mlops_maya", "@dana_pipelines"} <= set(table["label"].head(15))


def test_leaders_filters(make_app, app_sample_uri):
    at = make_app(app_sample_uri)
    page(at, "leaders")
    at.session_state["leaders_tab"] = "All"
    at.text_input(key="lf_search").input("kwame").run()
    assert_clean(at)
    table = frame(at, "leaders_table_all")
    # by handle, or by name (a Facebook account is an app-scoped id with a name)
    shown = table["label"].astype(str) + " " + table["name"].fillna("").astype(str)
    assert shown.str.lower().str.contains("kwame").all() and len(table) >= 1

    at.text_input(key="lf_search").input("").run()
    at.toggle(key="lf_crm").set_value(True).run()
    table = frame(at, "leaders_table_all")
    assert set(table["crm_status"]) <= {"customer", "prospect"} and len(table)
    assert "@bi_with_ben" in set(table["label"])  # a customer in the sample data

    at.toggle(key="lf_crm").set_value(False)
    at.toggle(key="lf_no_bots").set_value(False)
    at.selectbox(key="lf_rows").set_value("All").run()
    everything = frame(at, "leaders_table_all")
    at.toggle(key="lf_no_bots").set_value(True).run()
    humans = frame(at, "leaders_table_all")
    assert len(humans) < len(everything)
    assert not humans["automated"].any()

    at.multiselect(key="lf_platforms").set_value(["linkedin"]).run()
    table = frame(at, "leaders_table_all")
    assert set(table["platform"]) == {"linkedin"}
    at.number_input(key="lf_min_followers").set_value(5000).run()
    table = frame(at, "leaders_table_all")
    assert (table["followers"].fillna(0) >= 5000).all()
    assert_clean(at)


def test_shortlist_from_leaders_edited_and_exported(make_app, app_sample_uri, capture_downloads):
    at = make_app(app_sample_uri)
    page(at, "leaders")
    at.session_state["leaders_tab"] = "External"
    at.run()
    table = frame(at, "leaders_table_external")
    chosen = [table["label"].iloc[3], table["label"].iloc[4]]
    keys = [table["account"].iloc[3], table["account"].iloc[4]]
    at.session_state["leaders_table_external"] = {
        "selection": {"rows": [3, 4], "columns": [], "cells": []}}
    at.run()
    assert_clean(at)
    assert any("2 selected" in m.value for m in at.markdown)
    at.selectbox(key="leaders_external_pick").set_value("➕ New shortlist…").run()
    at.text_input(key="leaders_external_new").input("Q4 advocates").run()
    at.button(key="leaders_external_add").click().run()
    assert_clean(at)
    assert any("Added 2 accounts to **Q4 advocates**" in m.value for m in at.markdown)
    assert at.selectbox(key="leaders_external_pick").value == "Q4 advocates"
    with open_store(app_sample_uri) as store:
        members = store.shortlist_members("Q4 advocates")
    assert sorted(members["account"]) == sorted(keys)

    # edit a member on the Shortlists page: a note that a spreadsheet would execute
    page(at, "shortlists")
    assert_clean(at)
    assert at.selectbox(key="shortlist_pick").value == "Q4 advocates"
    editor = at.data_editor[0]
    shown = editor.value
    row = int(shown.index[shown["account"] == keys[0]][0])
    at.session_state[editor.key] = {
        "edited_rows": {row: {"note": "=HYPERLINK(\"http://x\")", "status": "contacted",
                              "owner": "@sam"}},
        "added_rows": [], "deleted_rows": []}
    at.run()
    assert_clean(at)
    at.button(key="save_members").click().run()
    assert_clean(at)
    with open_store(app_sample_uri) as store:
        saved = store.shortlist_members("Q4 advocates").set_index("account")
    assert saved.at[keys[0], "status"] == "contacted"
    assert saved.at[keys[0], "owner"] == "@sam"
    assert saved.at[keys[0], "note"] == "=HYPERLINK(\"http://x\")"

    # the exports of the page: CSV, XLSX and JSON with the chosen handles, formulas neutralised
    capture_downloads.clear()
    at.run()
    files = {name.rsplit(".", 1)[1]: data for name, data in capture_downloads if name}
    assert set(files) >= {"csv", "xlsx", "json"}
    csv_text = files["csv"].decode("utf-8-sig")
    exported = pd.read_csv(io.StringIO(csv_text))
    assert sorted(exported["handle"]) == sorted(label.lstrip("@") for label in chosen)
    assert set(exported["account"]) == set(keys)
    note = exported.set_index("account").at[keys[0], "note"]
    assert note == "'=HYPERLINK(\"http://x\")"
    assert exported.set_index("account").at[keys[0], "owner"] == "'@sam"
    for line in csv_text.splitlines()[1:]:
        for cell in line.split(","):
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), line
    records = json.loads(files["json"])
    assert {r["account"] for r in records} == set(keys)
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(files["xlsx"]))
    values = [c.value for row in wb.active.iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://x\")" in values
    assert all(not (isinstance(v, str) and v.startswith("=")) for v in values)


def test_shortlist_create_rename_delete_and_remove(make_app, app_sample_uri):
    at = make_app(app_sample_uri)
    page(at, "shortlists")
    assert_clean(at)
    assert any("No shortlist yet" in i.value for i in at.info)
    at.text_input(key="create_first_name").input("Speakers")
    at.text_input(key="create_first_desc").input("Meetup speakers")
    at.button[0].click()  # the form's submit button
    at.run()
    assert_clean(at)
    with open_store(app_sample_uri) as store:
        assert [s.name for s in store.shortlists()] == ["Speakers"]
        keys = store.load_snapshot().table["account"].head(3).tolist()
        store.add_to_shortlist("Speakers", keys)
    at.run()
    assert len(at.data_editor[0].value) == 3
    # rename
    at.text_input(key="rename_to").input("Speakers 2026")
    next(b for b in at.button if b.label == "Rename").click()
    at.run()
    assert_clean(at)
    assert at.selectbox(key="shortlist_pick").value == "Speakers 2026"
    # remove a member with the editor's Remove box
    editor = at.data_editor[0]
    at.session_state[editor.key] = {"edited_rows": {0: {"remove": True}}, "added_rows": [],
                                    "deleted_rows": []}
    at.run()
    at.button(key="save_members").click().run()
    assert_clean(at)
    with open_store(app_sample_uri) as store:
        assert len(store.shortlist_members("Speakers 2026")) == 2
    # delete (needs the confirmation box)
    assert at.button(key="delete_go").disabled
    at.checkbox(key="delete_sure").check().run()
    at.button(key="delete_go").click().run()
    assert_clean(at)
    with open_store(app_sample_uri) as store:
        assert store.shortlists() == []


def test_account_page(make_app, app_sample_uri):
    table = snapshot_table(app_sample_uri)
    row = table[table["handle"] == "aisha_builds"].iloc[0]
    at = make_app(app_sample_uri, run=False)
    at.query_params["account"] = row["account"]
    at.run()
    page(at, "account")
    assert_clean(at)
    assert at.header[0].value.startswith("@aisha_builds")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rank"] == f"{int(row['rank']):,}"
    assert metrics["Score"] == f"{row['score']:.1f}"
    # score breakdown and history: two Vega charts; the ego network: the sigma component
    assert len(at.get("vega_lite_chart")) >= 2
    assert len(at.get("component_instance")) == 1
    evidence = frame(at, column="direction")
    assert len(evidence) > 10
    links = evidence["link"].dropna()
    assert len(links) and links.str.startswith("https://x.com/i/web/status/").all()
    assert (evidence["text"].str.len() > 0).any()
    assert any("In no shortlist yet" in c.value for c in at.caption)


def test_account_search_and_unknown_account(make_app, app_sample_uri):
    at = make_app(app_sample_uri)
    page(at, "account")
    assert_clean(at)
    assert any("Search above" in c.value for c in at.caption)
    at.text_input(key="acct_search").input("mlops").run()
    assert_clean(at)
    assert at.header[0].value.startswith("@mlops_maya")
    assert len(at.get("popover")) == 1  # the search moved into a popover
    assert at.query_params.get("account", "").startswith("x:")

    at2 = make_app(app_sample_uri, run=False)
    at2.query_params["account"] = "x:does-not-exist"
    at2.run()
    page(at2, "account")
    assert not at2.exception
    assert any("No account" in w.value for w in at2.warning)


def test_communities_page(make_app, app_sample_uri):
    at = make_app(app_sample_uri, SCOUT_SHOW_EMPLOYEE_NAMES="1")  # names asserted
    page(at, "communities")
    assert_clean(at)
    summary = frame(at, column="brokers")
    table = snapshot_table(app_sample_uri)
    assert summary["members"].sum() == len(table)
    assert set(summary["community"]) == set(table["community"].astype(int))
    largest = int(summary["community"].iloc[0])
    leaders = frame(at, f"community_leaders_{largest}")
    best = table[table["community"] == largest].sort_values("rank")["handle"].iloc[0]
    assert leaders["label"].iloc[0] == f"@{best}"
    assert len(at.get("vega_lite_chart")) == 1  # the map
    # pick another community
    other = int(summary["community"].iloc[1])
    at.selectbox(key="community_pick").set_value(other).run()
    assert_clean(at)
    assert any(df.key == f"community_leaders_{other}" for df in at.dataframe)
    # a click on a circle of the map picks that community
    third = int(summary["community"].iloc[2])
    at.session_state["community_map"] = {"selection": {"community": [{"community": third}]}}
    at.run()
    assert_clean(at)
    assert at.selectbox(key="community_pick").value == third


def test_data_page_upload_with_rejects_then_rank(make_app, app_sample_uri):
    at = make_app(app_sample_uri)
    page(at, "data")
    assert_clean(at)
    runs = frame(at, column="first error")
    assert {"ingest", "rank"} <= set(runs["kind"])
    csv = (b"source,target,kind,timestamp,platform\n"
           b"newbie_1,dana_pipelines,reply,2026-11-14T10:00:00Z,community\n"
           b"newbie_2,dana_pipelines,reply,not-a-date,community\n"
           b"newbie_3,newbie_1,mention,2026-11-14T11:00:00Z,community\n")
    at.file_uploader(key="upload").upload("forum-extra.csv", csv, "text/csv")
    at.run()
    assert at.selectbox(key=next(s.key for s in at.selectbox
                                 if s.key.startswith("upload_kind"))).value == "edges"
    at.button(key="ingest_go").click().run()
    assert not at.exception
    assert any("forum-extra.csv" in w.value and "rejected 1" in w.value for w in at.warning)
    rejected = frame(at, column="rejected")
    assert len(rejected) == 1 and "forum-extra.csv:3" in rejected["rejected"].iloc[0]
    with open_store(app_sample_uri) as store:
        run = store.runs(limit=1)[0]
        before = len(store.snapshots())
    assert run.source == "edges:forum-extra.csv" and run.status == "partial"
    assert run.inserted == 2 and run.rejected == 1

    at.selectbox(key="rank_preset").set_value("conversation")
    at.selectbox(key="rank_window").set_value("Last 30 days")
    at.button(key="rank_go").click().run()
    assert_clean(at)
    with open_store(app_sample_uri) as store:
        snaps = store.snapshots()
        assert len(snaps) == before + 1
        cfg = snaps["config"].iloc[0]
        assert cfg["preset"] == "conversation" and cfg["since"].startswith("2026-10-16")
        assert store.runs(limit=1)[0].kind == "rank"
    # the cached ranking was invalidated: the Leaders page shows the new snapshot
    page(at, "leaders")
    assert any("preset conversation" in c.value for c in at.caption)


def test_data_page_roster_upload(make_app, app_sample_uri):
    at = make_app(app_sample_uri, SCOUT_SHOW_EMPLOYEE_NAMES="1")  # names asserted
    page(at, "data")
    roster = b"handle,platform,name\nkwame_on_data,x,Kwame (now staff)\n"
    at.file_uploader(key="upload").upload("roster-update.csv", roster, "text/csv")
    at.run()
    kind_box = next(s for s in at.selectbox if s.key.startswith("upload_kind"))
    assert kind_box.value == "roster"
    at.button(key="ingest_go").click().run()
    assert_clean(at)
    assert any("roster:roster-update.csv" in s.value for s in at.success)
    # the Leaders page follows the roster at once (no re-ranking needed)
    page(at, "leaders")
    table = frame(at, "leaders_table_internal")
    assert "@kwame_on_data" in set(table["label"])


def test_empty_store_shows_how_to_load_data(make_app, app_empty_uri):
    at = make_app(app_empty_uri)
    for name in PAGES:
        page(at, name)
        assert_clean(at)
        text = shown_text(at)
        if name == "data":
            assert "Load data" in text
        elif name == "shortlists":
            assert "No shortlist yet" in text
        else:
            assert "No data yet" in text and "scout load-sample" in text


def test_data_but_no_ranking_says_so(make_app, tmp_path):
    from graph.sqlite_store import SqliteStore
    from ui.app_data import ingest_file

    uri = f"sqlite:///{tmp_path / 'unranked.db'}"
    with SqliteStore(tmp_path / "unranked.db") as store:
        from tests.conftest import FIXTURES

        ingest_file(store, FIXTURES / "ingest" / "edges.csv", "edges")
    at = make_app(uri)
    assert_clean(at)
    assert "No ranking yet" in shown_text(at)
    page(at, "leaders")
    assert "No ranking yet" in shown_text(at)


def test_store_that_cannot_be_opened_shows_one_line(make_app, tmp_path):
    at = make_app("mysql://db/scout")
    assert not at.exception
    assert len(at.error) == 1
    assert at.error[0].value.startswith("Cannot open the store: malformed store URI")
    at = make_app("bolt://127.0.0.1:1")
    assert not at.exception
    assert len(at.error) == 1 and "Cannot open the store" in at.error[0].value


def test_shared_password_login(make_app, app_sample_uri):
    secret = "s3cret-Pa55"
    at = make_app(app_sample_uri, SCOUT_APP_PASSWORD=secret)
    assert not at.exception
    assert at.title[0].value == "Scout"
    assert not at.metric  # nothing of the data shows
    at.text_input(key="_scout_password").input("wrong")
    at.button[0].click().run()
    assert any("Wrong password" in e.value for e in at.error)
    assert not at.metric
    at.text_input(key="_scout_password").input(secret)
    at.button[0].click().run()
    assert_clean(at)
    assert at.title[0].value == "Overview" and at.metric
    assert secret not in shown_text(at)
    assert secret not in repr(at.session_state.to_dict())
    assert any(b.label == "Log out" for b in at.sidebar.button)


def test_oidc_login_when_auth_is_configured(make_app, app_sample_uri, monkeypatch):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: object() if name == "authlib" else real_find_spec(name, *a))
    at = make_app(app_sample_uri, run=False)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback",
                          "cookie_secret": "x", "client_id": "a", "client_secret": "b",
                          "server_metadata_url": "https://idp.example/.well-known/openid"}
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Log in"]
    assert not at.metric
    at.user = {"is_logged_in": True, "name": "Ann", "email": "ann@example.com"}
    at.run()
    assert_clean(at)
    assert at.title[0].value == "Overview"
    assert any("Signed in as Ann" in c.value for c in at.sidebar.caption)


@pytest.mark.parametrize("status", OUTREACH_STATUSES)
def test_outreach_statuses_are_offered(status):
    from ui.app_data import members_view

    members = pd.DataFrame({
        "account": ["x:1"], "platform": ["x"], "handle": ["ann"], "name": ["Ann"],
        "followers": [1], "internal": [False], "crm_status": ["none"], "note": [None],
        "owner": [None], "status": [status], "added_at": [pd.Timestamp("2026-01-01", tz="UTC")],
    })
    assert members_view(members)["status"].iloc[0] == status


def test_big_ranking_reads_names_only_for_shown_rows(make_app, app_sample_uri, monkeypatch):
    """Past FULL_PROFILES_UP_TO accounts the ranking loads without profiles (fast cold start):
    names come for the rows shown, search by name goes through the store's search."""
    import ui.app_data

    monkeypatch.setattr(ui.app_data, "FULL_PROFILES_UP_TO", 0)
    at = make_app(app_sample_uri)
    page(at, "leaders")
    at.session_state["leaders_tab"] = "External"
    at.run()
    assert_clean(at)
    shown = frame(at, "leaders_table_external").set_index("label")
    assert shown.at["@kwame_on_data", "name"] == "Kwame Mensah"
    at.text_input(key="lf_search").input("Mensah").run()
    assert_clean(at)
    assert "@kwame_on_data" in set(frame(at, "leaders_table_external")["label"])


def test_oidc_without_authlib_says_what_to_install(make_app, app_sample_uri, monkeypatch):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "authlib" else real_find_spec(name, *a))
    at = make_app(app_sample_uri, run=False)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback"}
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert "pip install authlib" in at.error[0].value
    assert not at.button and not at.metric


def test_overview_shows_the_last_refresh_and_the_next_scheduled_time(
    make_app, app_sample_uri, tmp_path, monkeypatch
):
    from graph.model import Run, utcnow

    config = tmp_path / "scout.toml"
    config.write_text('[schedule]\ncron = "0 6 * * 1"\ntimezone = "UTC"\n')
    monkeypatch.setenv("SCOUT_CONFIG", str(config))
    with open_store(app_sample_uri) as store:
        store.save_run(
            Run("r1", "refresh", "refresh", utcnow(), finished_at=utcnow(), status="ok",
                inserted=0, summary={"message": "no new events; ranking unchanged"})
        )
    at = make_app(app_sample_uri)
    assert_clean(at)
    text = shown_text(at)
    assert "Scheduled refresh" in text
    assert "no new events; ranking unchanged" in text
    assert "`0 6 * * 1`" in text and "06:00 UTC" in text
