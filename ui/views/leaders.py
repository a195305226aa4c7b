"""Leaders: the ranking, filtered and sortable; selected rows go to a shortlist in one click."""

from __future__ import annotations

import streamlit as st

from ui import app_data as data
from ui import app_state as state
from ui import app_widgets as widgets

st.title("Leaders")

ready = state.require_ranking()
if ready is None:
    st.stop()
store, r = ready
st.caption(state.snapshot_caption(r))
options = data.filter_options(r.table)

# -- filters ------------------------------------------------------------------------------
with st.container(border=True):
    f1, f2, f3, f4 = st.columns([2, 2, 2, 1])
    search = f1.text_input("Search", placeholder="handle, name or key", key="lf_search",
                           icon=":material/search:")
    platforms = f2.multiselect("Platform", options["platforms"], key="lf_platforms",
                               placeholder="All platforms")
    communities = f3.multiselect("Community", options["communities"], key="lf_communities",
                                 placeholder="All communities")
    limit_label = f4.selectbox("Rows", ["100", "500", "1,000", "5,000", "All"], index=1,
                               key="lf_rows", help="How many rows the table shows.")
    g1, g2, g3, g4 = st.columns([2, 2, 2, 1])
    topic = g1.selectbox("Topic", [""] + options["topics"], key="lf_topic",
                         format_func=lambda t: "Any topic" if not t else f"#{t}")
    min_followers = g2.number_input("Minimum followers", min_value=0, step=100, value=0,
                                    key="lf_min_followers")
    with g3:
        exclude_automated = st.toggle("Exclude likely-automated", value=True, key="lf_no_bots",
                                      help="Hide accounts the ranking flags as probably "
                                      "automated (bots, promo accounts).")
        crm_only = st.toggle("Customers & prospects only", value=False, key="lf_crm")
limit = None if limit_label == "All" else int(limit_label.replace(",", ""))

# -- table per segment (lazy tabs: only the open tab is computed) ------------------------
SEGMENTS = [("internal", "Internal"), ("external", "External"), ("all", "All")]
tabs = st.tabs([label for _, label in SEGMENTS], key="leaders_tab", on_change="rerun")
for (segment, label), tab in zip(SEGMENTS, tabs, strict=True):
    if tab.open is False:
        continue
    with tab:
        filters = data.LeaderFilters(
            segment=segment, platforms=tuple(platforms), communities=tuple(communities),
            topic=topic, min_followers=int(min_followers), exclude_automated=exclude_automated,
            crm_only=crm_only, search=search,
            search_keys=(state.search_keys(state.store_uri(), state.version(), search)
                         if search.strip() and not r.names else ()),
        )
        rows = data.filter_leaders(r.table, filters)
        view = state.with_names(r, data.leaders_view(rows, limit))
        if len(view):
            from graph.people import person_platforms

            links = state.people_base(state.store_uri(), state.version())["links"]
            view.insert(int(view.columns.get_loc("platform")) + 1, "platforms",
                        person_platforms(view["account"], links))
        shown = f"{len(view):,} of {len(rows):,}" if len(view) < len(rows) else f"{len(rows):,}"
        st.caption(f"{shown} {label.lower()} accounts · click rows to select, click a header "
                   "to sort")
        if rows.empty:
            st.info("No account matches these filters.", icon=":material/filter_alt_off:")
            continue
        actions = st.container()  # filled once the selection is known, shown above the table
        event = st.dataframe(
            view,
            key=f"leaders_table_{segment}",
            on_select="rerun",
            selection_mode="multi-row",
            hide_index=True,
            height=560,
            column_order=[c for c in view.columns
                          if c != "account" and not (c == "segment" and segment != "all")],
            column_config=widgets.leader_columns(),
        )
        selected = [view.iloc[i]["account"] for i in event.selection.rows if i < len(view)]
        labels = {view.iloc[i]["account"]: view.iloc[i]["label"]
                  for i in event.selection.rows if i < len(view)}
        with actions:
            widgets.selection_actions(store, selected, labels, key=f"leaders_{segment}")
        with st.expander("Export this table"):
            st.caption("Spreadsheet-safe: cells that a spreadsheet would run as formulas are "
                       "prefixed with '.")
            export = rows.head(limit) if limit is not None else rows
            st.download_button(
                "Download CSV",
                lambda export=export: data.to_csv_bytes(
                    data.leaders_export(state.with_names(r, export))),
                mime="text/csv",
                file_name=f"scout-leaders-{segment}.csv", icon=":material/download:",
                key=f"leaders_csv_{segment}", on_click="ignore",
            )
