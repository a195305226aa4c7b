"""Listening: the matching rule, share of voice by hand, tags on both stores, the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from click.testing import CliRunner

from graph.errors import ConfigError
from graph.listening import (
    Theme,
    co_mentions,
    competitor_only_voices,
    fold,
    parse_listening,
    share_of_voice,
    tag_frame,
    tag_store,
    tag_texts,
    tagged_events,
    top_hashtags,
    top_voices,
)
from graph.model import Account

ACME = Theme("acme", "brand", keywords=("acme", "analítica acme"), hashtags=("AcmeData",),
             handles=("@acme_hq",), domains=("acme.io",))
ROCKET = Theme("rocket", "competitor", keywords=("rocket data",), handles=("rocketdata",))
MARKET = Theme("observability", "market", keywords=("observabilidad de datos",
                                                    "data observability"),
               hashtags=("observabilidad",))
THEMES = [ACME, ROCKET, MARKET]

TOML = """
[listening.themes.acme]
kind = "brand"
keywords = ["acme", "analítica acme"]
hashtags = ["AcmeData"]
handles = ["@acme_hq"]
domains = ["acme.io"]

[listening.themes.rocket]
kind = "competitor"
keywords = ["rocket data"]
handles = ["rocketdata"]

[listening.themes.observability]
kind = "market"
keywords = ["observabilidad de datos", "data observability"]
hashtags = ["observabilidad"]
"""


def test_fold():
    assert fold("ANALÍTICA Ñandú") == "analitica nandu"
    assert fold("Straße") == "strasse"


@pytest.mark.parametrize(("text", "expected"), [
    # Spanish, accents in text and term folded both ways, a hashtag with accents
    ("¡La ANALITICA Acme es genial! #Observabilidad", ("acme", "observability")),
    ("Hablemos de observabilidad  de   datos con @RocketData", ("rocket", "observability")),
    ("#ObservabilidadDeDatos no es #observabilidad", ("observability",)),
    ("I love #acmedata and Data-Observability", ("acme",)),  # hyphen ≠ whitespace
    ("Acme's new release", ("acme",)),  # possessive: a word boundary
    ("acmecorp and acme_hq2 and pacme", ()),  # no partial words, no longer handles
    ("email me: bob@acme_hq", ()),  # not a mention
    ("cc @acme_hq: Rocket Data vs ACME", ("acme", "rocket")),
    ("", ()),
])
def test_matching_rule(text, expected):
    assert tag_texts(pd.Series([text]), THEMES) == [expected]


def test_domains():
    site = [Theme("site", "market", domains=("acme.io",))]
    texts = pd.Series(["see https://docs.acme.io/start", "ACME.IO", "www.acme.io, ok",
                       "notacme.io", "acme.io.evil.org", "acme.iot", "acme io"])
    assert tag_texts(texts, site) == [("site",), ("site",), ("site",), (), (), (), ()]


def test_topics_and_target_handles_match():
    ev = pd.DataFrame({"text": ["nice", "nice", "nice"], "topics": [";acmedata;", ";x;", ""],
                       "target": ["x:9", "x:1", "x:2"]})
    tags = tag_frame(ev, THEMES, handles={"x:1": "RocketData", "x:2": "someone"})
    assert tags.tolist() == [("acme",), ("rocket",), ()]


def test_parse_listening():
    import tomllib

    themes = parse_listening(tomllib.loads(TOML)["listening"])
    assert [(t.name, t.kind) for t in themes] == [("acme", "brand"), ("rocket", "competitor"),
                                                 ("observability", "market")]
    assert themes[0].domains == ("acme.io",) and themes[0].handles == ("@acme_hq",)
    assert parse_listening(None) == []
    bad = [
        ({"theme": {}}, "unknown key"),
        ({"themes": {"a": {"kind": "rival", "keywords": ["a"]}}}, "kind must be"),
        ({"themes": {"a": {"kind": "brand"}}}, "at least one"),
        ({"themes": {"a": {"kind": "brand", "keywords": [1]}}}, "non-empty strings"),
        ({"themes": {"a": {"kind": "brand", "keywords": ["a"], "regex": "x"}}}, "unknown key"),
    ]
    for section, message in bad:
        with pytest.raises(ConfigError, match=message):
            parse_listening(section)


T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)  # a Monday


def fixture_events():
    """Two weeks of conversation; counts by hand in the tests."""
    rows = [
        # week 1: acme ×3 (one also rocket), rocket ×2, market ×1
        ("x:a", "x:acme", "ACME es la mejor analítica", (), 0),
        ("x:b", "x:acme", "Prefiero Rocket Data a Acme", (), 1),
        ("x:c", "x:rocket", "rocket data rocks", (), 1),
        ("x:c", "x:acme", "nice", ("acmedata",), 2),
        ("x:d", "x:z", "observabilidad de datos 101", (), 3),
        ("x:d", "x:z", "lunch", (), 3),
        # week 2: acme ×1, rocket ×2, market ×1 (+ hashtags)
        ("x:a", "x:acme", "acme again", ("launch",), 7),
        ("x:c", "x:rocket", "Rocket Data again #launch", ("launch",), 8),
        ("x:e", "x:rocket", "Rocket Data y #observabilidad", ("observabilidad",), 9),
    ]
    return pd.DataFrame({
        "platform": "x", "post_id": [f"p{i}" for i in range(len(rows))], "kind": "reply",
        "source": [r[0] for r in rows], "target": [r[1] for r in rows],
        "at": pd.to_datetime([T0 + timedelta(days=r[4]) for r in rows], utc=True),
        "text": [r[2] for r in rows], "topics": [";" + ";".join(r[3]) + ";" if r[3] else ""
                                                 for r in rows],
        "lang": "", "weight": 1.0,
    })


def test_share_of_voice_by_hand():
    ev = fixture_events()
    ev["themes"] = tag_frame(ev, THEMES)
    sov = share_of_voice(ev, "week", THEMES)
    w1 = sov[sov["period"] == T0.date()].set_index("theme")
    w2 = sov[sov["period"] == (T0 + timedelta(days=7)).date()].set_index("theme")
    # week 1: acme 3, rocket 2, market 1 → 6 mentions
    assert w1["mentions"].to_dict() == {"acme": 3, "rocket": 2, "observability": 1}
    assert w1["share"].to_dict() == pytest.approx({"acme": 0.5, "rocket": 1 / 3,
                                                   "observability": 1 / 6}, abs=1e-4)
    # week 2: acme 1, rocket 2, market 1 → 4 mentions
    assert w2["mentions"].to_dict() == {"acme": 1, "rocket": 2, "observability": 1}
    assert w2["share"].to_dict() == pytest.approx({"acme": 0.25, "rocket": 0.5,
                                                   "observability": 0.25})
    assert w2["growth"].to_dict() == pytest.approx({"acme": -2 / 3, "rocket": 0.0,
                                                    "observability": 0.0}, abs=1e-4)
    assert w1["growth"].isna().all() and set(w1["kind"]) == {"brand", "competitor", "market"}
    by_day = share_of_voice(ev, "day", THEMES)
    assert by_day["period"].nunique() == 10  # every day from the first to the last
    assert by_day.groupby("period")["share"].sum().isin([0.0, 1.0]).all()
    with pytest.raises(ConfigError):
        share_of_voice(ev, "year")

    assert co_mentions(ev).to_dict("records") == [
        {"theme_a": "acme", "theme_b": "rocket", "interactions": 1},
        {"theme_a": "observability", "theme_b": "rocket", "interactions": 1}]
    # x:c and x:e talk about rocket; x:c also about acme, so only x:e is a target
    rivals = competitor_only_voices(ev, THEMES)
    assert rivals.to_dict("records") == [{"account": "x:e", "mentions": 1,
                                          "competitors": "rocket"}]
    tags = top_hashtags(ev)
    assert tags[tags["theme"] == "rocket"].to_dict("records") == [
        {"theme": "rocket", "hashtag": "launch", "interactions": 1},
        {"theme": "rocket", "hashtag": "observabilidad", "interactions": 1}]
    voices = top_voices(ev, "rocket", top=10)
    assert voices["key"].iloc[0] == "x:rocket" and "mentions" in voices
    assert voices.set_index("key")["mentions"].get("x:c") == 2


def test_tags_on_the_store(store):
    ev = fixture_events()
    store.write_batch([Account("x", "acme", handle="acme_hq")], ev)
    out = tag_store(store, THEMES)
    assert out == {"read": 9, "tagged": 8,
                   "by_theme": {"acme": 4, "rocket": 4, "observability": 2}}
    tags = store.theme_tags().sort_values("post_id", ignore_index=True)
    assert len(tags) == 8 and tags.loc[tags["post_id"] == "p1", "themes"].item() == ("acme",
                                                                                     "rocket")
    # "nice" to x:acme is about acme through the target's handle (and its hashtag)
    assert tags.loc[tags["post_id"] == "p3", "themes"].item() == ("acme",)
    tagged = tagged_events(store)
    assert len(tagged) == 9 and tagged.loc[tagged["post_id"] == "p5", "themes"].item() == ()
    tags_by_theme = top_hashtags(tagged)  # topics come back from the store as tuples
    assert tags_by_theme[tags_by_theme["theme"] == "acme"].to_dict("records") == [
        {"theme": "acme", "hashtag": "acmedata", "interactions": 1},
        {"theme": "acme", "hashtag": "launch", "interactions": 1}]
    assert share_of_voice(tagged, "week", THEMES)["mentions"].sum() == 4 + 4 + 2
    # a full re-tag with fewer themes clears the others
    tag_store(store, [ROCKET])
    assert set(store.theme_tags()["themes"]) == {("rocket",)}
    # set_themes ignores unknown identities and clears with an empty tuple
    n = store.set_themes(pd.DataFrame({"platform": ["x", "x"], "post_id": ["p2", "nope"],
                                       "kind": ["reply", "reply"],
                                       "target": ["x:rocket", "x:rocket"],
                                       "themes": [(), ("acme",)]}))
    assert n == 1 and len(store.theme_tags()) == 3
    # tagging a window keeps other tags
    tag_store(store, THEMES, replace=False, since=T0 + timedelta(days=7))
    assert len(store.theme_tags()) == 3 + 1  # p6 (acme) joins p7, p8 and p4


def test_cli_listen(store_uri, tmp_path):
    from graph.sqlite_store import SqliteStore
    from ui.cli import cli

    s = SqliteStore(tmp_path / "scout.db")
    s.write_batch([Account("x", "acme", handle="acme_hq")], fixture_events())
    s.close()
    config = tmp_path / "scout.toml"
    config.write_text(TOML, encoding="utf-8")
    runner = CliRunner()
    base = ["--store", store_uri, "listen", "--config", str(config)]
    r = runner.invoke(cli, [*base, "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["share_of_voice"] == []  # nothing tagged yet
    r = runner.invoke(cli, [*base, "tag"])
    assert r.exit_code == 0, r.output
    assert "tagged 8 of 9 interactions: acme 4, rocket 4, observability 2" in r.stdout
    r = runner.invoke(cli, [*base, "--format", "json", "--period", "week"])
    data = json.loads(r.stdout)
    week1 = {row["theme"]: row for row in data["share_of_voice"]
             if row["period"] == str(T0.date())}
    assert week1["acme"]["mentions"] == 3 and week1["acme"]["share"] == 0.5
    assert data["competitors_not_us"][0]["account"] == "x:e"
    assert data["top_voices"]["rocket"][0]["key"] == "x:rocket"
    assert {"top_hashtags", "top_domains", "co_mentions"} <= set(data)
    r = runner.invoke(cli, [*base])
    assert r.exit_code == 0 and "share of voice by week" in r.stdout
    r = runner.invoke(cli, [*base, "--format", "csv"])
    assert r.stdout.splitlines()[0] == "period,theme,kind,mentions,share,growth"
    r = runner.invoke(cli, ["--store", store_uri, "listen", "--config",
                            str(tmp_path / "missing.toml")])
    assert r.exit_code == 2 and "no such file" in r.stderr


def test_ingest_tags_new_interactions(store_uri, tmp_path, monkeypatch):
    from graph.sqlite_store import SqliteStore
    from ui.cli import cli

    config = tmp_path / "scout.toml"
    config.write_text(TOML, encoding="utf-8")
    edges = tmp_path / "edges.csv"
    edges.write_text(
        "post_id,source,target,kind,timestamp,text,topics\n"
        "1,ana,acme_hq,reply,2026-03-02T09:00:00Z,¡Qué buena la analítica Acme!,\n"
        "2,bo,rocketdata,mention,2026-03-02T10:00:00Z,hello,\n"
        "3,cy,dee,reply,2026-03-03T10:00:00Z,sobre observabilidad de datos,observabilidad\n"
        "4,cy,dee,reply,2026-03-03T11:00:00Z,lunch?,\n", encoding="utf-8")
    monkeypatch.setenv("SCOUT_CONFIG", str(config))
    r = CliRunner().invoke(cli, ["--store", store_uri, "ingest", "edges", str(edges),
                                 "--platform", "community", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout.splitlines()[-1])["themed"] == 3
    s = SqliteStore(tmp_path / "scout.db")
    try:
        tags = dict(zip(s.theme_tags()["post_id"], s.theme_tags()["themes"], strict=True))
        # the handle of the target names the competitor in row 2
        assert tags == {"1": ("acme",), "2": ("rocket",), "3": ("observability",)}
        # the one-off command agrees with what ingest tagged
        assert tag_store(s, THEMES)["tagged"] == 3
        assert dict(zip(s.theme_tags()["post_id"], s.theme_tags()["themes"], strict=True)) == tags
    finally:
        s.close()
    # without [listening] nothing is tagged
    monkeypatch.setenv("SCOUT_CONFIG", str(tmp_path / "none.toml"))
    r = CliRunner().invoke(cli, ["--store", f"sqlite:///{tmp_path / 'b.db'}", "ingest", "edges",
                                 str(edges), "--platform", "community", "--json"])
    assert r.exit_code == 0 and "themed" not in json.loads(r.stdout.splitlines()[-1])


def test_tags_are_written_in_batches(store, monkeypatch):
    """Big re-tags go in several transactions (Neo4j limits a transaction's memory): the
    result is the same whatever the batch size."""
    import graph.neo4j_store

    monkeypatch.setattr(graph.neo4j_store, "_THEME_BATCH", 2)
    ev = fixture_events()
    store.write_batch([Account("x", "acme", handle="acme_hq")], ev)
    assert tag_store(store, THEMES)["tagged"] == 8
    assert len(store.theme_tags()) == 8
    tag_store(store, [ROCKET])  # replace: every old tag cleared, batch by batch
    assert set(store.theme_tags()["themes"]) == {("rocket",)} and len(store.theme_tags()) == 4
