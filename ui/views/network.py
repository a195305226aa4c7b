"""Network: the accounts of the conversation as an interactive map (sigma.js, WebGL).

The leaders a filter selects and their engagers, coloured by community, employees
ringed, sized by score; a click opens the account. Which accounts and ties are
drawn, and how the map is sampled above its limit, is :mod:`graph.network_view`.
"""

from __future__ import annotations

import streamlit as st

from graph.errors import ScoutError
from graph.network_view import MAX_ACCOUNTS
from ui import app_data as data
from ui import app_network as renderer
from ui import app_state as state

st.title("Network")

ready = state.require_ranking()
if ready is None:
    st.stop()
store, r = ready
uri, v = state.store_uri(), state.version()
st.caption(state.snapshot_caption(r) + " · interactions of the ranking's window")
options = data.filter_options(r.table)
LIMITS = [1_000, 2_000, 5_000, 10_000, MAX_ACCOUNTS]

# -- filters (the same cut as the Leaders page) ------------------------------------------------
with st.container(border=True):
    f1, f2, f3, f4 = st.columns([2, 2, 2, 2])
    segment = f1.segmented_control("Leaders", ["all", "external", "internal"], default="all",
                                   key="nv_segment",
                                   format_func=lambda s: {"all": "All", "external": "External",
                                                          "internal": "Employees"}[s])
    platforms = f2.multiselect("Platform", options["platforms"], key="nv_platforms",
                               placeholder="All platforms")
    communities = f3.multiselect("Community", options["communities"], key="nv_communities",
                                 placeholder="All communities")
    limit = f4.select_slider("Accounts at most", LIMITS, value=10_000, key="nv_limit",
                             format_func=lambda n: f"{n:,}",
                             help="Above this, the map keeps the leaders first, then their "
                             "engagers, each by score.")
    g1, g2, _ = st.columns([2, 2, 4])
    topic = g1.selectbox("Topic", [""] + options["topics"], key="nv_topic",
                         format_func=lambda t: "Any topic" if not t else f"#{t}")
    try:
        themes = [t.name for t in state.listening_themes(state.refresh_config_path())]
    except ScoutError:  # a broken [listening] section is reported on the Listening page
        themes = []
    theme = g2.selectbox("Listening theme", [None, *themes], key="nv_theme",
                         disabled=not themes,
                         format_func=lambda t: "Every interaction" if t is None else t,
                         help="Only interactions tagged with this theme (`[listening]` in "
                         "scout.toml)." if themes else "No [listening] themes configured.")

segment = segment or "all"
filtered = segment != "all" or platforms or communities or topic
leaders = None
if filtered:
    cut = data.filter_leaders(r.table, data.LeaderFilters(
        segment=segment, platforms=tuple(platforms), communities=tuple(communities), topic=topic,
        exclude_automated=False))
    leaders = tuple(cut["account"])
    if not leaders:
        st.info("No ranked account matches these filters.", icon=":material/filter_alt_off:")
        st.stop()

m = state.account_map(uri, v, leaders, int(limit), theme)
if m.shown == 0:
    st.info("No interaction between accounts in this cut.", icon=":material/hub:")
    st.stop()

who = "leaders and their engagers" if filtered else "accounts"
if m.sampled:
    st.warning(
        f"**Sampled:** showing the best {m.shown:,} of {m.total:,} {who} by score (leaders "
        "first, then engagers). Narrow the filters or raise the limit to see more.",
        icon=":material/filter_alt:")
st.caption(f"{m.shown:,} {who} · {len(m.ties):,} ties · colour = community, ring = employee, "
           "size = score · hover for details, click an account to open it, scroll to zoom"
           + ("" if m.layout_cached else " · layout computed for this ranking"))

nodes = state.private_view(m.nodes.assign(label=renderer.node_labels(m.nodes)))
payload = renderer.payload(nodes, m.ties, status=f"{m.shown:,} accounts · {len(m.ties):,} ties")
value = renderer.show(payload, key="network_map", height=680)
seen = st.session_state.setdefault("_network_clicks", set())
picked = renderer.clicked_account(value, payload, m.nodes, seen)
if picked is not None:
    state.open_account(picked)
