"""The Data page with the connectors of Reddit, blogs, LinkedIn and Facebook: the fetch form
reads a real feed from a local server; a LinkedIn export is an upload kind of its own."""

from __future__ import annotations

from graph.factory import open_store
from tests.conftest import FIXTURES
from tests.ingest.routeserver import RouteApi
from tests.ui.test_app import assert_clean, page
from ui import app_data


def test_fetch_form_reads_a_feed(make_app, app_empty_uri, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the raw archive goes to ./data/raw
    feed = (FIXTURES / "ingest" / "blog" / "market_blog.xml").read_bytes()
    with RouteApi() as api:
        api.on("GET", "/feed/", feed, content_type="application/rss+xml")
        at = make_app(app_empty_uri)
        page(at, "data")
        assert_clean(at)
        assert set(at.selectbox(key="net_platform").options) >= {"Reddit", "Blogs", "Facebook", "LinkedIn"}
        at.selectbox(key="net_platform").select("blog").run()
        at.selectbox(key="net_endpoint_blog").select("feed").run()
        at.text_input(key="net_value_blog_feed").input(f"{api.base_url}/feed/").run()
        at.button(key="net_go").click().run()
    assert_clean(at)
    assert any("blog:feed:" in s.value for s in at.success)
    with open_store(app_empty_uri) as store:
        accounts = set(store.accounts()["key"])
    assert "blog:blog.example.org" in accounts
    assert list((tmp_path / "data" / "raw" / "blog").glob("*/*.jsonl"))


def test_linkedin_export_upload(tmp_path):
    from graph.sqlite_store import SqliteStore

    assert app_data.guess_kind("Basic_LinkedInDataExport_05-01-2024.zip") == "linkedin"
    store = SqliteStore(tmp_path / "s.db")
    try:
        data = (FIXTURES / "ingest" / "linkedin" / "messages.csv").read_bytes()
        outcome = app_data.ingest_bytes(store, data, "messages.csv", "linkedin")
        assert outcome.error is None and outcome.run.inserted == 5
        assert outcome.run.source == "linkedin:messages.csv"
        assert any(r.endswith("messages.csv:6: no sender profile URL") for r in outcome.rejected)
        bad = app_data.ingest_bytes(store, b"From,To\n", "Invitations.csv", "linkedin")
        assert bad.error is not None and "neither LinkedIn's messages.csv" in bad.error
    finally:
        store.close()
