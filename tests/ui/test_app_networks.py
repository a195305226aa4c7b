"""The Data page's "Fetch from a network" form: every registered connector is offered, and a
fetch runs through the real client library against a local server, with its run shown."""

from __future__ import annotations

from graph.factory import open_store
from tests.ingest.fakeapi import FakeApi
from tests.ingest.test_youtube import env_for, script
from tests.ui.test_app import assert_clean, page


def test_fetch_form_fetches_youtube_comments(make_app, app_empty_uri, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the raw archive goes to ./data/raw
    with FakeApi() as api:
        script(api, pages=1, per_page=3, replies=1)
        at = make_app(app_empty_uri, **env_for(api))
        page(at, "data")
        assert_clean(at)
        assert set(at.selectbox(key="net_platform").options) >= {"YouTube", "Mastodon", "Bluesky"}
        at.selectbox(key="net_platform").select("youtube").run()
        at.selectbox(key="net_endpoint_youtube").select("video").run()
        at.text_input(key="net_value_youtube_video").input("D-lhorsDlUQ").run()
        captions = " ".join(c.value for c in at.caption)
        assert "YOUTUBE_API_KEY ✓" in captions and "SECRET" not in captions
        at.button(key="net_go").click().run()
    assert_clean(at)
    assert any("youtube:video:D-lhorsDlUQ" in s.value and "inserted 6" in s.value for s in at.success)
    with open_store(app_empty_uri) as store:
        assert store.stats().by_platform == {"youtube": 6}
    assert list((tmp_path / "data" / "raw" / "youtube").glob("*/*.jsonl"))


def test_fetch_form_shows_missing_credentials_as_an_error(make_app, app_empty_uri, monkeypatch):
    monkeypatch.delenv("YOUTUBE_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    at = make_app(app_empty_uri)
    page(at, "data")
    at.selectbox(key="net_platform").select("youtube").run()
    at.selectbox(key="net_endpoint_youtube").select("video").run()
    at.text_input(key="net_value_youtube_video").input("D-lhorsDlUQ").run()
    at.button(key="net_go").click().run()
    assert not at.exception
    assert any("YOUTUBE_API_KEY" in e.value for e in at.error)
