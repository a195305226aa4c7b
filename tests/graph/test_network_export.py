"""GEXF and GraphML exports of the account network: content, round trip, schema, stores, CLI."""

from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import networkx as nx
import pandas as pd
import pytest
import xmlschema
from click.testing import CliRunner

from graph.errors import InputError
from graph.model import Account, CrmEntry, Interaction, Person
from graph.network import (
    EDGE_ATTRIBUTES,
    NODE_ATTRIBUTES,
    graph_bytes,
    interaction_network,
    network_from_store,
    write_graph,
)
from graph.ranking import RankConfig, rank_store
from tests.conftest import FIXTURES

from .test_rank_store import INTERNAL, T0, fill

SCHEMA = FIXTURES / "gexf" / "gexf-1.2-structure.xsd"
NS = {"g": "http://www.gexf.net/1.2draft"}


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(SCHEMA)


def ts(*a):
    return pd.Timestamp(datetime(*a, tzinfo=UTC))


def small_events():
    return pd.DataFrame({
        "source": ["x:1", "x:1", "x:2", "x:3", "x:3", "x:1"],
        "target": ["x:2", "x:2", "x:1", "x:1", "x:1", "x:1"],
        "kind": ["reply", "reply", "repost", "mention", "reply", "like"],
        "platform": ["x"] * 6,
        "at": [ts(2024, 5, 1, 10), ts(2024, 5, 3, 9), ts(2024, 5, 2), ts(2024, 5, 4),
               ts(2024, 5, 4, 12), ts(2024, 5, 5)],
    })


def small_table():
    return pd.DataFrame({"account": ["x:1", "x:2"], "rank": [1, 2], "score": [88.5, 40.25],
                         "community": [0, 1], "handle": ["ann", "=bob\x07"],
                         "platform": ["x", "x"], "segment": ["internal", "external"],
                         "crm_status": ["none", "customer"]})


def test_network_attributes_by_hand():
    g = interaction_network(small_events(), small_table())
    assert sorted(g.nodes) == ["x:1", "x:2", "x:3"]
    # the self-like is dropped; the two replies x:1 → x:2 are one edge of count 2
    assert sorted(g.edges(keys=True)) == [("x:1", "x:2", "reply"), ("x:2", "x:1", "repost"),
                                          ("x:3", "x:1", "mention"), ("x:3", "x:1", "reply")]
    e = g.edges["x:1", "x:2", "reply"]
    assert e == {"kind": "reply", "count": 2, "weight": 2.0, "first_at": "2024-05-01T10:00:00Z",
                 "last_at": "2024-05-03T09:00:00Z", "start": "2024-05-01", "end": "2024-05-03"}
    n1, n2, n3 = (g.nodes[k] for k in ("x:1", "x:2", "x:3"))
    assert (n1["handle"], n1["score"], n1["rank"], n1["community"], n1["segment"]) == \
        ("ann", 88.5, 1, 0, "internal")
    assert (n1["start"], n1["end"]) == ("2024-05-01", "2024-05-04")  # the self-like is not activity
    assert n2["handle"] == "=bob" and n2["crm_status"] == "customer"  # no control characters in XML
    # an account outside the snapshot: unranked markers, platform from its key
    assert (n3["rank"], n3["community"], n3["score"], n3["platform"], n3["handle"]) == \
        (-1, -1, 0.0, "x", "x:3")


def _typed(value: str, kind: str):
    if kind in ("long", "integer"):
        return int(value)
    if kind in ("double", "float"):
        return float(value)
    if kind == "boolean":
        assert value in ("true", "false")
    return value


@pytest.mark.parametrize("fmt", ["gexf", "graphml"])
def test_files_load_back_with_every_attribute(fmt, schema, tmp_path):
    g = interaction_network(small_events(), small_table())
    path = tmp_path / f"net.{fmt}"
    size = write_graph(g, fmt, path=path, description="test network")
    assert size == path.stat().st_size > 0
    h = nx.read_gexf(path) if fmt == "gexf" else nx.read_graphml(path)
    assert h.is_directed() and h.is_multigraph()
    assert sorted(h.nodes) == sorted(g.nodes)
    for n, d in g.nodes(data=True):
        got = h.nodes[n]
        for a in (*NODE_ATTRIBUTES, "label") + (("start", "end") if fmt == "gexf" else ()):
            assert got[a] == d[a], (n, a)
    assert sorted(h.edges(keys=True)) == sorted(g.edges(keys=True))
    for u, v, k, d in g.edges(keys=True, data=True):
        got = h.edges[u, v, k]
        for a in EDGE_ATTRIBUTES + (("start", "end") if fmt == "gexf" else ()):
            assert got[a] == d[a], (u, v, k, a)
    if fmt == "gexf":
        schema.validate(str(path))


def test_gexf_is_dynamic_and_typed(schema):
    data = graph_bytes(interaction_network(small_events(), small_table()), "gexf", "desc")
    root = ET.fromstring(data)
    graph = root.find("g:graph", NS)
    assert graph.get("mode") == "dynamic" and graph.get("timeformat") == "date"
    assert graph.get("defaultedgetype") == "directed"
    assert root.find("g:meta/g:description", NS).text == "desc"
    types = {(a.get("id")): a.get("type") for a in graph.iterfind("g:attributes/g:attribute", NS)}
    titles = {a.get("title") for a in graph.iterfind("g:attributes[@class='node']/g:attribute", NS)}
    assert set(NODE_ATTRIBUTES) <= titles
    for av in graph.iterfind(".//g:attvalue", NS):  # every value parses as its declared type
        _typed(av.get("value"), types[av.get("for")])
    for el in graph.iterfind(".//g:node", NS):
        assert datetime.fromisoformat(el.get("start")) <= datetime.fromisoformat(el.get("end"))
    schema.validate(io.BytesIO(data))
    # the schema is not vacuous: a wrong time format or a missing edge source fails
    bad = data.replace(b'timeformat="date"', b'timeformat="hours"')
    assert not schema.is_valid(io.BytesIO(bad))
    bad = data.replace(b'source="x:1"', b'', 1)
    assert not schema.is_valid(io.BytesIO(bad))


def test_empty_and_bad_format(schema):
    g = interaction_network(small_events().iloc[:0])
    assert g.number_of_nodes() == 0
    schema.validate(io.BytesIO(graph_bytes(g, "gexf")))
    with pytest.raises(InputError, match="gexf, graphml"):
        graph_bytes(g, "dot")


def test_network_from_store_filters_and_pseudonymises(store, schema):
    fill(store)
    rank_store(store, RankConfig(seed=1, half_life_days=None))
    # an account that came in after the ranking
    store.write_batch([], [Interaction("y", "q1", "reply", "y:a", "x:u33", T0,
                                       topics=("pricing",))])
    karate = nx.karate_club_graph()
    g = network_from_store(store, pseudonymise=False)
    # every karate edge both ways as a reply, plus the y platform reply
    assert g.number_of_edges() == 2 * karate.number_of_edges() + 1
    assert g.nodes["x:u33"]["crm_status"] == "customer" and g.nodes["x:u33"]["rank"] >= 1
    assert g.nodes["x:u0"]["segment"] == "internal" and g.nodes["x:u0"]["handle"] == "User0"
    assert g.nodes["y:a"]["rank"] == -1
    snap = store.load_snapshot()
    ranks = snap.table.set_index("account")["rank"]
    assert all(g.nodes[k]["rank"] == int(ranks[k]) for k in ranks.index if k in g)

    only_x = network_from_store(store, platforms=["x"], pseudonymise=False)
    assert "y:a" not in only_x and only_x.number_of_edges() == 2 * karate.number_of_edges()
    topical = network_from_store(store, topics=["pricing"], pseudonymise=False)
    edges = sorted(karate.edges)
    assert topical.number_of_edges() == 2 * len(edges[::3]) + 1
    until = network_from_store(store, until=T0 + pd.Timedelta(hours=10), pseudonymise=False)
    assert until.number_of_edges() == 2 * 10 + 1
    # listening themes: only the interactions tagged with the theme
    store.set_themes(pd.DataFrame({"platform": ["x", "y"], "post_id": ["p0a", "q1"],
                                   "kind": ["reply", "reply"], "target": ["x:u1", "x:u33"],
                                   "themes": [("rival",), ("us",)]}))
    rival = network_from_store(store, themes=["rival"], pseudonymise=False)
    assert list(rival.edges()) == [("x:u0", "x:u1")]
    both = network_from_store(store, themes=["rival", "us"], pseudonymise=False)
    assert both.number_of_edges() == 2

    # employees: initials + department, ids that do not name them
    store.set_roster([Person(handle="User0", platform="x", name="Ann Lee", department="Sales")])
    hidden = network_from_store(store)
    assert "x:u0" not in hidden
    inside = [n for n, d in hidden.nodes(data=True) if d["segment"] == "internal"]
    assert inside and all(n.startswith("internal:") for n in inside)
    labels = {hidden.nodes[n]["label"] for n in inside} | {hidden.nodes[n]["handle"] for n in inside}
    assert any(lbl.endswith("(Sales)") for lbl in labels)
    assert not labels & {f"User{i}" for i in INTERNAL}
    assert hidden.number_of_edges() == g.number_of_edges()
    schema.validate(io.BytesIO(graph_bytes(hidden, "gexf")))


def test_cli_export_graph(store_uri, tmp_path, schema):
    from graph.sqlite_store import SqliteStore
    from ui.cli import cli

    s = SqliteStore(tmp_path / "scout.db")
    fill(s)
    s.write_batch([Account("x", "u9", handle="=cmd|' /C calc'!A0")], [])
    s.set_crm([CrmEntry(handle="User33", status="customer", platform="x")])
    rank_store(s, RankConfig(seed=1))
    s.close()
    runner = CliRunner()
    out = tmp_path / "net.gexf"
    r = runner.invoke(cli, ["--store", store_uri, "export", "graph", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "gexf: 34 accounts, 156 edges" in r.stderr
    schema.validate(str(out))
    h = nx.read_gexf(out)
    assert len(h) == 34 and {d["segment"] for _, d in h.nodes(data=True)} == {"internal",
                                                                             "external"}
    assert sum(1 for n in h if n.startswith("internal:")) == len(INTERNAL)
    r = runner.invoke(cli, ["--store", store_uri, "export", "graph", "--format", "graphml",
                            "--topic", "pricing", "--since", "2024-05-01"])
    assert r.exit_code == 0, r.output
    h = nx.read_graphml(io.BytesIO(r.stdout_bytes))
    assert h.number_of_edges() == 2 * math.ceil(78 / 3)
    assert all(d["kind"] == "reply" and d["count"] == 1 for _, _, d in h.edges(data=True))
    r = runner.invoke(cli, ["--store", store_uri, "export", "graph", "--since", "2030-01-01"])
    assert r.exit_code == 1 and "nothing to export" in r.stderr
    r = runner.invoke(cli, ["--store", store_uri, "export", "graph", "--since", "2024-06-01",
                            "--until", "2024-05-01"])
    assert r.exit_code == 2
    r = runner.invoke(cli, ["--store", store_uri, "export", "graph", "--snapshot", "nope"])
    assert r.exit_code == 1 and "no snapshot" in r.stderr
