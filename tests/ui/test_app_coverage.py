"""The Shortlists page plans a coverage shortlist of K and saves it (AppTest, sample data)."""

from __future__ import annotations

from graph.coverage import plan_from_snapshot
from graph.factory import open_store

from .test_app import assert_clean, frame, page


def test_plan_a_shortlist_of_k_and_save_it(make_app, app_sample_uri):
    at = make_app(app_sample_uri)
    page(at, "shortlists")
    assert_clean(at)
    at.number_input(key="plan_size").set_value(8)
    at.selectbox(key="plan_segment").set_value("external")
    at.button(key="plan_go").click().run()
    assert_clean(at)
    shown = frame(at, column="new_reach")
    with open_store(app_sample_uri) as store:
        expected = plan_from_snapshot(store, store.load_snapshot(), 8, "external")
    assert shown["account"].tolist() == expected.picks["account"].tolist()
    assert shown["new_reach"].tolist() == expected.picks["new_reach"].tolist()
    assert (shown["segment"] == "external").all()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Reached by this plan"] == f"{expected.reach:,}"
    assert metrics["Reached by the top 8 by score"] == f"{expected.top_reach:,}"
    assert expected.reach >= expected.top_reach

    at.text_input(key="plan_name").input("Coverage Q4")
    next(b for b in at.button if b.label == "Save as shortlist").click()
    at.run()
    assert_clean(at)
    with open_store(app_sample_uri) as store:
        members = store.shortlist_members("Coverage Q4")
    assert sorted(members["account"]) == sorted(expected.picks["key"])
    assert set(members["note"]) == {"planned for coverage"}
    assert at.selectbox(key="shortlist_pick").value == "Coverage Q4"
    assert len(at.data_editor[0].value) == 8

    # an empty name is refused with a message, nothing saved
    at.text_input(key="plan_name").input("")
    next(b for b in at.button if b.label == "Save as shortlist").click()
    at.run()
    assert any("needs a name" in e.value for e in at.error)


def test_network_files_from_the_communities_page(make_app, app_sample_uri, capture_downloads):
    import io

    import networkx as nx

    at = make_app(app_sample_uri)
    page(at, "communities")
    assert_clean(at)
    at.button(key="network_prepare").click().run()
    assert_clean(at)
    files = dict(capture_downloads)
    assert {"scout-network.gexf", "scout-network.graphml"} <= set(files)
    g = nx.read_gexf(io.BytesIO(files["scout-network.gexf"]))
    h = nx.read_graphml(io.BytesIO(files["scout-network.graphml"]))
    with open_store(app_sample_uri) as store:
        n_events = len(store.interactions(with_text=False))
        ranked = set(store.load_snapshot().table["account"])
    assert g.number_of_edges() == h.number_of_edges() > 0
    assert sum(d["count"] for _, _, d in g.edges(data=True)) <= n_events
    assert any(f"{g.number_of_nodes():,} accounts" in c.value for c in at.caption)
    # external accounts keep their keys; employees do not appear by name or key
    external = [n for n, d in g.nodes(data=True) if d["segment"] == "external"]
    assert external and set(external) <= ranked
    assert all(g.nodes[n]["rank"] >= 1 for n in external)
    internal = [n for n, d in g.nodes(data=True) if d["segment"] == "internal"]
    assert internal and all(n.startswith("internal:") for n in internal)
    assert {"handle", "platform", "score", "rank", "community", "crm_status"} <= \
        set(g.nodes[external[0]])
