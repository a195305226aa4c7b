"""Communities: who talks with whom, their leaders and their brokers."""

from __future__ import annotations

import streamlit as st

from ui import app_charts as charts
from ui import app_data as data
from ui import app_state as state
from ui import app_widgets as widgets

st.title("Communities")

ready = state.require_ranking()
if ready is None:
    st.stop()
store, r = ready
uri, v = state.store_uri(), state.version()
table = r.table
st.caption(state.snapshot_caption(r) + " · communities found by the ranking (Leiden)")

summary = state.communities(uri, v)
if summary.empty:
    st.info("This ranking has no communities.", icon=":material/hub:")
    st.stop()

c1, c2, c3 = st.columns(3)
c1.metric("Communities", f"{len(summary):,}", border=True)
c2.metric("Largest", f"{int(summary['members'].max()):,} accounts", border=True)
modularity = (r.config.get("stats") or {}).get("modularity")
c3.metric("Modularity", f"{modularity:.2f}" if modularity is not None else "–", border=True,
          help="How clearly the conversation splits into communities (0–1; above 0.3 is clear).")

st.subheader("Map of communities", anchor=False)
nodes, edges, hidden = state.community_graph(uri, v)
note = f" {hidden} small communities are left out." if hidden else ""
st.caption("A circle per community (bigger = more accounts, darker = more employees); a line per "
           "pair of communities that interact (thicker = more interactions). Click a circle to "
           f"see its leaders; scroll to zoom.{note}")
sel = st.altair_chart(charts.community_chart(nodes, edges), width="stretch", on_select="rerun",
                      key="community_map", selection_mode="community")
points = (sel.get("selection") or {}).get("community") or []
clicked = [p.get("community") for p in points
           if p.get("community") is not None]

st.subheader("All communities", anchor=False)
st.dataframe(
    summary, hide_index=True, key="community_table",
    column_config={
        "community": st.column_config.NumberColumn("Community", format="%d", width="small"),
        "members": st.column_config.ProgressColumn(
            "Members", min_value=0, max_value=int(summary["members"].max()), format="%d"),
        "internal": st.column_config.NumberColumn("Employees", format="localized"),
        "customers": st.column_config.NumberColumn("Customers & prospects", format="localized"),
        "leaders": st.column_config.TextColumn("Leaders", width="large"),
        "brokers": st.column_config.TextColumn("Brokers", width="medium",
                                               help="Most engaged with from other communities"),
        "topics": st.column_config.TextColumn("Top topics", width="large"),
    },
)

# -- one community --------------------------------------------------------------------------
ids = summary["community"].tolist()
# A click on the map picks that community (once per click, so the selectbox still works).
if clicked and int(clicked[0]) in ids and st.session_state.get("_community_clicked") != clicked[0]:
    st.session_state["community_pick"] = int(clicked[0])
st.session_state["_community_clicked"] = clicked[0] if clicked else None
cid = st.selectbox(
    "Community", ids, key="community_pick",
    format_func=lambda c: (f"{c} · {int(summary.set_index('community').at[c, 'members']):,} "
                           f"accounts · {summary.set_index('community').at[c, 'topics']}"),
)
members = data.filter_leaders(table, data.LeaderFilters(communities=(int(cid),),
                                                        exclude_automated=False))
lead_col, brk_col = st.columns(2)
with lead_col:
    st.markdown(f"**Leaders of community {cid}**")
    view = state.with_names(r, data.leaders_view(members, 25))
    ev = st.dataframe(view, hide_index=True, key=f"community_leaders_{cid}",
                      on_select="rerun", selection_mode="multi-row",
                      column_order=["position", "rank", "label", "score", "segment", "followers",
                                    "engagers"],
                      column_config=widgets.leader_columns())
    sel_keys = [view.iloc[i]["account"] for i in ev.selection.rows if i < len(view)]
    labels = {k: lbl for k, lbl in zip(view["account"], view["label"], strict=True)}
with brk_col:
    st.markdown(f"**Brokers of community {cid}**")
    board = state.brokers(uri, v)
    brokers = board[board["community"] == int(cid)].head(10)
    if brokers.empty:
        st.caption("Nobody here draws engagement from other communities.")
    else:
        st.dataframe(
            brokers[["rank", "label", "score", "bridging", "betweenness"]], hide_index=True,
            key=f"community_brokers_{cid}",
            column_config={**widgets.leader_columns(),
                           "score": st.column_config.ProgressColumn(
                               "Broker score", min_value=0, max_value=100, format="%.1f",
                               help="Score with the 'brokers' preset: betweenness, bridging")},
        )
widgets.selection_actions(store, sel_keys, labels, key=f"community_{cid}")

# -- the network, for Gephi -------------------------------------------------------------------
st.subheader("Take the network to Gephi", anchor=False)
st.caption("Every account and interaction as a file for Gephi, yEd, Cytoscape or networkx: "
           "handle, platform, segment, score, rank, community and CRM status per account; kind, "
           "count and first/last time per edge. The GEXF file is dynamic, so Gephi's timeline "
           "replays the conversation. Employees appear as initials + department unless names "
           "are unlocked. (`scout export graph` does the same with filters.)")
if st.button("Prepare the files", icon=":material/share:", key="network_prepare"):
    st.session_state["network_ready"] = True
if st.session_state.get("network_ready"):
    from graph.network import MIME
    from graph.people import names_unlocked

    with st.spinner("Building the network files…"):
        files = {fmt: state.network_file(uri, v, fmt, names_unlocked())
                 for fmt in ("gexf", "graphml")}
    n_nodes, n_edges = files["gexf"][1], files["gexf"][2]
    g1, g2, g3 = st.columns([1, 1, 3], vertical_alignment="center")
    g1.download_button("GEXF (Gephi)", files["gexf"][0], file_name="scout-network.gexf",
                       mime=MIME["gexf"], icon=":material/download:", key="network_gexf",
                       on_click="ignore", width="stretch")
    g2.download_button("GraphML", files["graphml"][0], file_name="scout-network.graphml",
                       mime=MIME["graphml"], icon=":material/download:", key="network_graphml",
                       on_click="ignore", width="stretch")
    g3.caption(f"{n_nodes:,} accounts, {n_edges:,} edges")
