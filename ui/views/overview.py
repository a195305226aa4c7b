"""Overview: what is in the store, the last runs, the top leaders and rising stars."""

from __future__ import annotations

import streamlit as st

from ui import app_charts as charts
from ui import app_data as data
from ui import app_state as state

st.title("Overview")

uri = state.store_uri()
v = state.version()
s = state.stats(uri, v)
st.caption(f"Store `{state.store_display(uri)}`")

if s.accounts == 0 and s.interactions == 0:
    state.empty_store_help()
    st.stop()

# -- counts -------------------------------------------------------------------------------
c1, c2, c3, c4 = st.columns(4)
c1.metric("Accounts", data.human_count(s.accounts), border=True)
share = f"{s.internal_accounts / s.accounts:.0%} of accounts" if s.accounts else None
c2.metric("Internal accounts", data.human_count(s.internal_accounts), share,
          delta_color="off", delta_arrow="off", border=True)
c3.metric("Interactions", data.human_count(s.interactions), border=True)
if s.first_at and s.last_at:
    days = max((s.last_at - s.first_at).days + 1, 1)
    c4.metric("Time span", f"{days:,} days",
              f"{s.first_at:%Y-%m-%d} → {s.last_at:%Y-%m-%d}", delta_color="off",
              delta_arrow="off", border=True)
else:
    c4.metric("Time span", "–", border=True)

# -- runs ---------------------------------------------------------------------------------
runs = state.runs(uri, v)
last_ingest = data.last_run(runs, "ingest")
last_rank = data.last_run(runs, "rank")
with st.container(border=True):
    r1, r2 = st.columns(2)
    r1.markdown(f"**Last ingest** &nbsp; {data.run_line(last_ingest)}")
    r2.markdown(f"**Last ranking** &nbsp; {data.run_line(last_rank)}")
    if (last_ingest and last_rank and last_ingest.started_at > last_rank.started_at
            and last_ingest.status in ("ok", "partial")):
        st.caption("New data came in after the last ranking — re-rank on **Data & runs** "
                   "to include it.")
    rs = state.refresh_status(uri, v, state.refresh_config_path())
    if rs["last_refresh"] or rs["cron"] or rs["config_error"]:
        st.markdown(data.refresh_line(rs))

# -- leaders ------------------------------------------------------------------------------
r = state.ranking(uri, v)
if r is None or r.table.empty:
    state.no_ranking_help()
else:
    st.caption(state.snapshot_caption(r))
    leader_cfg = {
        "rank": st.column_config.NumberColumn("Rank", format="%d", width="small"),
        "label": st.column_config.TextColumn("Account"),
        "name": st.column_config.TextColumn("Name"),
        "score": st.column_config.ProgressColumn("Score", min_value=0, max_value=100,
                                                 format="%.1f"),
        "platform": st.column_config.TextColumn("Platform", width="small"),
    }
    cols = ["rank", "label", "name", "score"]
    li, le, lr = st.columns(3)
    with li:
        st.subheader("Top internal", anchor=False)
        st.dataframe(state.with_names(r, data.top_leaders(r.table, "internal"))[cols],
                     hide_index=True,
                     column_config=leader_cfg, key="top_internal")
    with le:
        st.subheader("Top external", anchor=False)
        st.dataframe(state.with_names(r, data.top_leaders(r.table, "external"))[cols],
                     hide_index=True,
                     column_config=leader_cfg, key="top_external")
    with lr:
        st.subheader("Rising stars", anchor=False)
        rising = data.rising_table(r.table, r.previous, n=5)
        if r.previous is None:
            st.caption("Rising stars compare two rankings: rank again later (or with a "
                       "different window) to see who is climbing.")
        elif rising.empty:
            st.caption("Nobody climbed since the previous ranking.")
        else:
            st.dataframe(
                rising[["label", "rank", "previous_rank", "gain"]], hide_index=True,
                key="rising",
                column_config={
                    "label": "Account",
                    "rank": st.column_config.NumberColumn("Rank", format="%d"),
                    "previous_rank": st.column_config.NumberColumn("Before", format="%d"),
                    "gain": st.column_config.NumberColumn("Gain", format="+%d"),
                },
            )
            st.caption("Climbing since the previous ranking; newcomers to the top 20 first.")
    st.page_link(state.PAGES["leaders"], label="All leaders, filters and shortlisting",
                 icon=":material/arrow_forward:")

# -- activity -----------------------------------------------------------------------------
st.subheader("Activity", anchor=False)
daily = state.activity(uri, v)
if daily.empty:
    st.caption("No interactions yet.")
else:
    st.altair_chart(charts.activity_chart(daily), width="stretch")
k1, k2 = st.columns(2)
with k1:
    st.markdown("**Interactions by kind**")
    kinds = data.counts_frame(s.by_kind, "kind")
    if len(kinds):
        st.altair_chart(charts.counts_bar(kinds, "kind"), width="stretch")
with k2:
    st.markdown("**Interactions by platform**")
    plats = data.counts_frame(s.by_platform, "platform")
    if len(plats):
        st.altair_chart(charts.counts_bar(plats, "platform"), width="stretch")
