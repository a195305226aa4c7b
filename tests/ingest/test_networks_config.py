"""scout.toml sources of Reddit, blogs (also as [[sources.rss]]), Facebook, LinkedIn, and a
refresh that fetches a blog list incrementally."""

from __future__ import annotations

import pytest

from graph.errors import ConfigError
from ingest.ops.config import load_config, parse_config
from tests.conftest import FIXTURES
from tests.ingest.routeserver import RouteApi


def test_config_reads_the_new_network_sources(tmp_path):
    blogs = tmp_path / "blogs.txt"
    blogs.write_text("https://blog.example.org/feed/\n")
    cfg = parse_config({"sources": {
        "reddit": [{"subreddit": "r/DataEngineering", "lookback": 3}],
        "rss": [{"list": str(blogs), "company": "acme.example", "wp_comments": True}],
        "blog": [{"feed": "https://blog.example.org/feed/"}],
        "facebook": [{"page": "104830475231234", "max": 500}],
        "linkedin": [{"org": "urn:li:organization:2414183"}],
        "files": [{"type": "linkedin", "glob": "exports/*.zip"}]}}, base=tmp_path)
    assert sorted(n.name for n in cfg.networks) == sorted([
        "reddit:subreddit:dataengineering", f"blog:list:{blogs.resolve()}",
        "blog:feed:https://blog.example.org/feed/", "facebook:page:104830475231234",
        "linkedin:org:2414183"])
    assert cfg.files[0].type == "linkedin"
    with pytest.raises(ConfigError) as exc:
        parse_config({"sources": {"rss": [{"list": str(tmp_path / "missing.txt")}],
                                  "reddit": [{"subreddit": "bad name!"}]}})
    message = str(exc.value)
    assert "sources.rss[0].list: " in message and "cannot read the list of feeds" in message
    assert "sources.reddit[0].subreddit: reddit subreddit: not a subreddit name" in message
    with pytest.raises(ConfigError, match=r"sources.facebook\[0\].lookback: expected an integer"):
        parse_config({"sources": {"facebook": [{"page": "1", "lookback": "many"}]}})


def test_refresh_reads_a_blog_list_incrementally(tmp_path, monkeypatch):
    from ingest.ops.refresh import run_refresh

    feed = (FIXTURES / "ingest" / "blog" / "market_blog.xml").read_bytes()
    with RouteApi() as api:
        api.on("GET", "/feed/", feed, content_type="application/rss+xml")
        (tmp_path / "scout.toml").write_text(
            f'store = {{ uri = "sqlite:///{tmp_path / "s.db"}" }}\n'
            f'[sources]\nraw_dir = "raw"\n[[sources.rss]]\nlist = "{tmp_path / "blogs.txt"}"\n'
            'company = "acme.example"\n')
        monkeypatch.chdir(tmp_path)
        (tmp_path / "blogs.txt").write_text(f"{api.base_url}/feed/ https://blog.example.org/\n")
        first = run_refresh(load_config(tmp_path / "scout.toml"))
        second = run_refresh(load_config(tmp_path / "scout.toml"))
    src = first.summary["sources"][0]
    assert first.run.status == "ok", first.summary["errors"]
    assert src["new_events"] == 1  # the link to acme.example's docs
    assert second.summary["sources"][0]["new_events"] == 0 and not second.summary["errors"]
    assert list((tmp_path / "raw" / "blog").glob("*/*.jsonl"))


@pytest.mark.parametrize("name", ["ingest.reddit", "ingest.blog", "ingest.facebook",
                                  "ingest.linkedin_api", "ingest.reddit_parse", "ingest.blog_parse",
                                  "ingest.facebook_parse", "ingest.linkedin"])
def test_doctests(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
