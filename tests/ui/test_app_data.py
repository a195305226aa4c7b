"""The app's data shaping (``ui.app_data``) and charts, without Streamlit."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from graph.model import Run
from ui import app_charts as charts
from ui import app_data as data


def ranking_table() -> pd.DataFrame:
    return pd.DataFrame({
        "account": ["x:1", "x:2", "x:3", "x:4", "linkedin:e"],
        "rank": [1, 2, 3, 4, 5],
        "score": [90.0, 80.0, 70.0, 60.0, 50.0],
        "handle": ["ann", "bob", "bot9", "=evil", "eve"],
        "platform": ["x", "x", "x", "x", "linkedin"],
        "segment": ["internal", "external", "external", "external", "external"],
        "crm_status": ["none", "customer", "none", "prospect", "none"],
        "community": [0, 0, 1, 1, 2],
        "automated": [False, False, True, False, False],
        "topics": ["ai;cloud", "ai", "", "cloud", "dbt"],
        "bridging": [0.1, 0.0, 0.5, 0.9, 0.0],
        "betweenness": [0.2, 0.1, 0.0, 0.3, 0.0],
        "pagerank": [0.4, 0.3, 0.1, 0.1, 0.1],
        "engagers": [10, 8, 1, 3, 2],
        "reach": [100.0, 5000.0, 3.0, 50.0, 0.0],
    })


def enriched() -> pd.DataFrame:
    accounts = pd.DataFrame({
        "key": ["x:1", "x:2", "x:3", "x:4", "linkedin:e"],
        "handle": ["ann", "bob", "bot9", "=evil", "eve"],
        "name": ["Ann A", "Bob B", None, "Mallory", "Eve"],
        "followers": [100, 5000, 3, 50, None],
        "internal": [True, False, False, False, True],  # eve joined since the ranking
        "crm_status": ["none", "customer", "none", "prospect", "none"],
    })
    return data.enrich_table(ranking_table(), accounts)


# ----------------------------------------------------------------------------- table
def test_enrich_follows_current_roster_and_adds_labels():
    t = enriched()
    assert t.set_index("account").at["linkedin:e", "segment"] == "internal"
    assert t["label"].tolist() == ["@ann", "@bob", "@bot9", "@=evil", "@eve"]
    assert t.set_index("account").at["x:1", "name"] == "Ann A"
    assert t.set_index("account").at["x:3", "name"] == ""


def test_filter_leaders_each_filter():
    t = enriched()
    f = data.LeaderFilters
    assert data.filter_leaders(t, f())["handle"].tolist() == ["ann", "bob", "=evil", "eve"]
    assert data.filter_leaders(t, f(exclude_automated=False))["position"].tolist() == [1, 2, 3, 4, 5]
    assert data.filter_leaders(t, f(segment="internal"))["handle"].tolist() == ["ann", "eve"]
    assert data.filter_leaders(t, f(platforms=("linkedin",)))["handle"].tolist() == ["eve"]
    assert data.filter_leaders(t, f(communities=(1,), exclude_automated=False))["handle"].tolist() \
        == ["bot9", "=evil"]
    assert data.filter_leaders(t, f(topic="#AI"))["handle"].tolist() == ["ann", "bob"]
    assert data.filter_leaders(t, f(topic="clou"))["handle"].tolist() == []  # whole topics only
    assert data.filter_leaders(t, f(min_followers=100))["handle"].tolist() == ["ann", "bob"]
    assert data.filter_leaders(t, f(crm_only=True))["handle"].tolist() == ["bob", "=evil"]
    assert data.filter_leaders(t, f(search="@BO", exclude_automated=False))["handle"].tolist() \
        == ["bob", "bot9"]
    assert data.filter_leaders(t, f(search="mallory"))["handle"].tolist() == ["=evil"]
    assert data.filter_leaders(t, f(search="linkedin:"))["handle"].tolist() == ["eve"]
    out = data.filter_leaders(t, f(segment="external"))
    assert out["position"].tolist() == [1, 2] and out["rank"].tolist() == [2, 4]


def test_filter_options_and_view():
    t = enriched()
    opts = data.filter_options(t)
    assert opts["platforms"] == ["linkedin", "x"]
    assert set(opts["communities"]) == {0, 1, 2}
    assert opts["topics"][:2] == ["ai", "cloud"]
    view = data.leaders_view(data.filter_leaders(t, data.LeaderFilters()), limit=2)
    assert len(view) == 2 and view["topics"].iloc[0] == "ai, cloud"
    assert "account" in view and "label" in view


def test_top_leaders_and_rising():
    t = enriched()
    assert data.top_leaders(t, "external", 1)["label"].tolist() == ["@bob"]
    prev = pd.DataFrame({"account": ["x:2", "x:1", "x:4", "linkedin:e"], "rank": [1, 2, 3, 40]})
    rising = data.rising_table(t, prev, n=5, top=3)
    assert "@eve" in set(rising["label"])
    assert data.rising_table(t, None).empty


def test_resolve_and_search():
    t = enriched()
    assert data.resolve_account("@Bob", t) == "x:2"
    assert data.resolve_account("x:3", t) == "x:3"
    assert data.resolve_account("nobody", t) is None
    assert data.search_accounts(t, "an")["account"].tolist() == ["x:1"]
    assert data.search_accounts(t, " ").empty


def test_explain_contributions_sum_to_score():
    t = ranking_table()
    config = {"metric_weights": {"pagerank": 0.5, "engagers": 0.5}}
    ex = data.explain(t, config, "x:1")
    assert set(ex["metrics"]["metric"]) == {"pagerank", "engagers"}
    assert ex["metrics"]["contribution"].sum() == pytest.approx(ex["score"], abs=1e-6)
    assert data.explain(t, config, "x:nobody") is None


# ----------------------------------------------------------------------------- evidence & graphs
def events() -> pd.DataFrame:
    at = pd.to_datetime(["2026-05-01 10:00", "2026-05-02 11:00", "2026-05-02 12:00",
                         "2026-05-03 09:00", "2026-05-03 10:00"], utc=True)
    return pd.DataFrame({
        "platform": ["x", "x", "linkedin", "slack", "x"],
        "post_id": ["111", "222", "urn:li:activity:9", "general:1.2", "row:abc"],
        "kind": ["reply", "mention", "comment", "message", "repost"],
        "source": ["x:1", "x:2", "linkedin:e", "x:1", "x:3"],
        "target": ["x:2", "x:1", "x:1", "x:4", "x:2"],
        "at": at,
        "text": ["hi", "hello", None, "dm", "rt"],
    })


def test_post_links():
    assert data.post_url("x", "111") == "https://x.com/i/web/status/111"
    assert data.post_url("x", "row:1") is None
    assert data.post_url("x", "abc") is None
    assert data.post_url("linkedin", "urn:li:activity:9").startswith("https://www.linkedin.com/")
    assert data.post_url("community", "t/1/2") is None
    assert data.profile_url("x", "ann") == "https://x.com/ann"
    assert data.profile_url("slack", "ann", "javascript:alert(1)") is None


def test_evidence_newest_first_with_links():
    mine = events()[(events()["source"] == "x:1") | (events()["target"] == "x:1")]
    ev = data.evidence(mine, "x:1", enriched().set_index("account")["label"])
    assert ev["direction"].tolist() == ["by", "to", "to", "by"]
    assert ev["with"].tolist() == ["@=evil", "@eve", "@bob", "@bob"]
    assert ev["link"].tolist()[-1] == "https://x.com/i/web/status/111"
    assert pd.isna(ev["link"].iloc[0])


def test_communities_summary_and_graph():
    t = enriched()
    summary = data.community_summary(t)
    assert summary["members"].sum() == len(t)
    assert summary.set_index("community").at[0, "leaders"] == "@ann, @bob"
    assert summary.set_index("community").at[1, "brokers"].startswith("@")
    nodes, edges, hidden = data.community_graph(t, events(), summary, min_members=1)
    assert set(nodes["community"]) == {0, 1, 2} and hidden == 0
    ties = edges.set_index(["source", "target"])["interactions"].to_dict()
    assert ties == {(0, 1): 2, (0, 2): 1}  # x:1->x:4 and x:3->x:2; linkedin:e->x:1
    nodes, edges, hidden = data.community_graph(t, events(), summary, min_members=2)
    assert hidden == 1 and set(nodes["community"]) == {0, 1}
    chart = charts.community_chart(nodes, edges).to_dict()
    assert chart["height"] == 500


def test_activity_and_counts():
    daily = data.activity_by_day(events())
    assert daily["events"].sum() == 5
    assert daily.groupby("day")["events"].sum().tolist() == [1, 2, 2]
    assert data.activity_by_day(events().head(0)).empty
    counts = data.counts_frame({"reply": 2, "like": 9}, "kind")
    assert counts["kind"].tolist() == ["like", "reply"]
    charts.activity_chart(daily).to_dict()
    charts.counts_bar(counts, "kind").to_dict()


# ----------------------------------------------------------------------------- runs
def test_runs_frame_and_lines():
    start = datetime(2026, 5, 1, 12, tzinfo=UTC)
    runs = [
        Run(id="r2", kind="rank", source="rank", started_at=start, finished_at=start,
            status="ok", summary={"accounts": 1234}),
        Run(id="r1", kind="ingest", source="edges:a.csv", started_at=start, status="partial",
            finished_at=start, read=3, inserted=2, rejected=1, errors=["a.csv:3: bad time"]),
    ]
    frame = data.runs_frame(runs)
    assert frame["first error"].tolist() == ["", "a.csv:3: bad time"]
    assert data.last_run(runs, "ingest").id == "r1"
    assert data.last_run(runs, "refresh") is None
    now = datetime(2026, 5, 1, 15, tzinfo=UTC)
    assert "1,234 accounts ranked" in data.run_line(runs[0], now)
    assert "3 hours ago" in data.run_line(runs[1], now)
    assert "1 rejected" in data.run_line(runs[1], now)


def test_human_formats():
    assert data.human_count(12345) == "12,345"
    assert data.human_count(float("nan")) == "–"
    assert data.human_time(None) == "–"
    assert data.ago(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 0, 0, 30, tzinfo=UTC)) \
        == "just now"


# ----------------------------------------------------------------------------- shortlists
def members() -> pd.DataFrame:
    return pd.DataFrame({
        "account": ["x:4", "x:1"], "platform": ["x", "x"], "handle": ["=evil", "ann"],
        "name": ["+Mallory", "Ann"], "followers": pd.array([50, 100], dtype="Int64"),
        "internal": [False, True], "crm_status": ["prospect", "none"],
        "note": ["@mention me", ""], "owner": ["-sam", None], "status": ["to contact", "bogus"],
        "added_at": pd.to_datetime(["2026-05-01", "2026-05-02"], utc=True),
    })


def test_members_view_and_changes():
    view = data.members_view(members(), ranking_table())
    assert view["rank"].tolist() == [4, 1]
    assert view["status"].tolist() == ["to contact", "to contact"]  # unknown -> default
    assert view["owner"].tolist() == ["-sam", ""]
    edited = view.copy()
    edited.loc[1, "note"] = "met at meetup"
    edited.loc[0, "status"] = "recruited"
    assert data.member_changes(view, edited) == [
        {"account": "x:4", "status": "recruited"},
        {"account": "x:1", "note": "met at meetup"},
    ]
    assert data.member_changes(view, view) == []


def test_exports_never_hold_an_executable_cell():
    export = data.export_frame(data.members_view(members(), ranking_table()))
    assert list(export.columns) == list(data.EXPORT_COLUMNS)
    csv = data.to_csv_bytes(export).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(csv), dtype=str, keep_default_na=False)
    cells = back.to_numpy().ravel().tolist()
    assert "'=evil" in cells and "'+Mallory" in cells and "'@mention me" in cells
    assert "'-sam" in cells
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    records = json.loads(data.to_json_bytes(export))
    assert records[0]["handle"] == "'=evil" and records[0]["followers"] == 50
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(data.to_xlsx_bytes(export, "Q4: [advocates]"))).active
    assert ws.title == "Q4   advocates"
    values = [c.value for row in ws.iter_rows() for c in row]
    assert "'=evil" in values and 50 in values
    assert not any(isinstance(v, str) and v.startswith(("=", "+", "-", "@")) for v in values)
    assert data.export_filename("Q4 advocates", "csv", datetime(2026, 1, 2)) == \
        "scout-shortlist-q4-advocates-2026-01-02.csv"


def test_leaders_export_is_safe():
    rows = data.filter_leaders(enriched(), data.LeaderFilters())
    csv = data.to_csv_bytes(data.leaders_export(rows)).decode("utf-8-sig")
    assert "'@=evil" in csv or "'=evil" in csv
    assert "\n=" not in csv and ",=" not in csv


# ----------------------------------------------------------------------------- ingest adapters
def test_ingest_bytes_reports_rejected_lines(sqlite_store):
    csv = (b"source,target,kind,timestamp\n"
           b"ann,bob,reply,2026-05-01T10:00:00Z\n"
           b"ann,,reply,2026-05-01T10:00:00Z\n"
           b"bob,ann,mention,2026-05-01T11:00:00Z\n")
    seen = []
    out = data.ingest_bytes(sqlite_store, csv, "my edges.csv", "edges", platform="forum",
                            progress=lambda f, r, e: seen.append((f, r, e)))
    assert out.error is None
    assert out.run.status == "partial" and out.run.inserted == 2 and out.run.rejected == 1
    assert len(out.rejected) == 1 and out.rejected[0].startswith("my edges.csv:3:")
    assert out.run.source == "edges:my edges.csv"
    assert seen and seen[-1][0] == 1.0
    assert set(sqlite_store.accounts()["platform"]) == {"forum"}


def test_ingest_people_and_failures(sqlite_store):
    data.ingest_bytes(sqlite_store, b"source,target,timestamp\nann,bob,2026-05-01\n", "e.csv",
                      "edges")
    out = data.ingest_bytes(sqlite_store, b"handle,name\nann,Ann\n,nobody\n", "staff.csv", "roster")
    assert out.run.status == "partial" and out.run.summary["internal_accounts"] == 1
    assert sqlite_store.accounts().set_index("handle").at["ann", "internal"]
    out = data.ingest_bytes(sqlite_store, b"handle,status\nbob,customer\n", "crm.csv", "crm")
    assert out.run.status == "ok"
    assert sqlite_store.accounts().set_index("handle").at["bob", "crm_status"] == "customer"
    out = data.ingest_bytes(sqlite_store, b"\x00\x01binary", "x.jsonl", "jsonl")
    assert out.error and "binary" in out.error and out.run.status == "failed"
    out = data.ingest_bytes(sqlite_store, b"name\nAnn\n", "r.csv", "roster")
    assert out.error and out.run.status == "failed"
    with pytest.raises(ValueError):
        data.ingest_bytes(sqlite_store, b"x", "x.csv", "nope")


def test_guess_kind_and_rank_config():
    assert data.guess_kind("archive.JSONL.gz") == "jsonl"
    assert data.guess_kind("Customers 2026.csv") == "crm"
    assert data.guess_kind("accounts.csv") == "accounts"
    assert data.guess_kind("slack.csv") == "edges"
    last = datetime(2026, 11, 15, tzinfo=UTC)
    cfg = data.rank_config("reach", 30, ["#AI", ""], last_event=last)
    assert cfg.preset == "reach" and cfg.topics == ("ai",)
    assert cfg.since == datetime(2026, 10, 16, tzinfo=UTC)
    assert data.rank_config("balanced", None).since is None


def test_history_chart_with_close_snapshots():
    h = pd.DataFrame({"snapshot_id": ["a", "b"], "rank": [8, 6], "score": [1.0, 2.0],
                      "created_at": pd.to_datetime(["2026-05-01 10:00:01", "2026-05-01 10:00:02"],
                                                   utc=True)})
    spec = charts.history_chart(data.history_frame(h)).to_dict()
    values = next(iter(spec["datasets"].values()))
    assert len({v["snapshot"] for v in values}) == 2
    b = charts.breakdown_chart(pd.DataFrame({"metric": ["a"], "value": [1.0], "percentile": [0.5],
                                             "weight": [1.0], "contribution": [np.float64(50)]}))
    assert b.to_dict()["height"] == charts.BAND
