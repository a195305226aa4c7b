"""Account: profile, why the score, evidence, ego network, rank history, shortlists."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import app_charts as charts
from ui import app_data as data
from ui import app_network as network
from ui import app_state as state
from ui import app_widgets as widgets

st.title("Account")

ready = state.require_ranking()
if ready is None:
    st.stop()
store, r = ready
uri, v = state.store_uri(), state.version()
table = r.table

# -- which account ------------------------------------------------------------------------
wanted = st.query_params.get("account") or st.session_state.get("account_key")
key = None
if st.session_state.pop("_clear_acct_search", False):
    st.session_state["acct_search"] = ""
search_box = (st.popover("Find another account", icon=":material/search:") if wanted
              else st.container(border=True))
with search_box:
    query = st.text_input("Find an account", placeholder="handle, name or key",
                          key="acct_search", icon=":material/search:")
    if query.strip():
        extra = state.search_keys(uri, v, query) if not r.names else ()
        hits = state.with_names(r, data.search_accounts(table, query, extra_keys=extra))
        if hits.empty:
            st.caption("No ranked account matches.")
        else:
            options = dict(zip(hits["account"],
                               hits["label"] + "  ·  rank " + hits["rank"].astype(str),
                               strict=True))
            key = st.selectbox("Matches", list(options), key="acct_match",
                               format_func=lambda k: options.get(k, k))
if key is None and wanted:
    key = data.resolve_account(str(wanted), table, store)
    if key is None:
        st.warning(f"No account {wanted!r} in this store.", icon=":material/person_off:")

if key is None:
    st.caption("Search above, pick a row on **Leaders**, or open a link with `?account=KEY`.")
    st.markdown("**Top of the ranking**")
    for row in table.head(8).itertuples():
        st.page_link(state.PAGES["account"], label=f"{row.label} · rank {row.rank}",
                     query_params={"account": row.account}, icon=":material/person:")
    st.stop()

if st.query_params.get("account") != key:
    st.query_params["account"] = key
st.session_state["account_key"] = key

# -- profile ------------------------------------------------------------------------------
profile = state.account_profile(uri, v, key) or {}
ranked = table[table["account"] == key]
row = ranked.iloc[0].to_dict() if len(ranked) else {}
label = data.handle_label(profile.get("handle") or row.get("handle"), key)
name = profile.get("name") or row.get("name") or ""
st.header(f"{label}" + (f" · {name}" if name and name != label else ""), anchor=False)

badges = []
segment = row.get("segment") or ("internal" if profile.get("internal") else "external")
badges.append((segment, "violet" if segment == "internal" else "blue"))
badges.append((profile.get("platform") or row.get("platform") or "?", "gray"))
crm = profile.get("crm_status") or row.get("crm_status")
if crm in ("customer", "prospect"):
    badges.append((crm, "green" if crm == "customer" else "orange"))
if row.get("automated"):
    badges.append(("likely automated", "red"))
if profile.get("department"):
    badges.append((str(profile["department"]), "gray"))
if profile.get("verified"):
    badges.append(("verified", "blue"))
st.markdown(" ".join(f":{color}-badge[{text}]" for text, color in badges))
if profile.get("bio"):
    st.caption(str(profile["bio"]))

m1, m2, m3, m4 = st.columns(4)
if row:
    m1.metric("Rank", f"{int(row['rank']):,}", f"of {len(table):,}", delta_color="off",
              delta_arrow="off", border=True)
    m2.metric("Score", f"{float(row['score']):.1f}", border=True)
    community = row.get("community")
    m4.metric("Community", "–" if pd.isna(community) else f"{int(community)}", border=True)
else:
    m1.metric("Rank", "not ranked", border=True)
    m2.metric("Score", "–", border=True)
    m4.metric("Community", "–", border=True)
following = profile.get("following")
m3.metric("Followers", data.human_count(profile.get("followers")),
          f"follows {data.human_count(following)}" if following is not None else None,
          delta_color="off", delta_arrow="off", border=True)
link = data.profile_url(profile.get("platform") or "", profile.get("handle"), profile.get("url"))
if link:
    st.link_button("Open profile", link, icon=":material/open_in_new:")

# -- why this score / history / shortlists ------------------------------------------------
left, right = st.columns([3, 2])
with left:
    st.subheader("Why this score", anchor=False)
    ex = data.explain(table, r.config, key)
    if ex is None:
        st.caption("This account is not in the current ranking (no interaction in its window).")
    else:
        st.caption(f"Each bar is a metric's contribution to the score of {ex['score']:.1f}: "
                   "its weight × the account's level on it (log scale, 0–1).")
        st.altair_chart(charts.breakdown_chart(ex["metrics"]), width="stretch")
with right:
    st.subheader("Rank history", anchor=False)
    hist = data.history_frame(state.account_history(uri, v, key))
    if len(hist) >= 2:
        st.altair_chart(charts.history_chart(hist), width="stretch")
    elif len(hist) == 1:
        st.caption(f"Ranked once: #{int(hist['rank'].iloc[0])} on "
                   f"{hist['created_at'].iloc[0]:%Y-%m-%d}. History shows after more rankings.")
    else:
        st.caption("Not in any ranking yet.")
    st.subheader("Shortlists", anchor=False)
    held = store.shortlists_of(key)
    if held:
        for name_ in held:
            st.page_link(state.PAGES["shortlists"], label=name_, icon=":material/checklist:",
                         query_params={"shortlist": name_})
    else:
        st.caption("In no shortlist yet.")
    with st.popover("Add to a shortlist", icon=":material/playlist_add:"):
        target = widgets.shortlist_picker(store, "acct_sl")
        if st.button("Add", type="primary", disabled=not target, key="acct_add"):
            added, _ = widgets.add_to_shortlist(store, target, [key])
            st.session_state["last_shortlist"] = target
            st.toast(f"Added {label} to {target}" if added else f"{label} is already in {target}")
            st.rerun()

# -- ego network --------------------------------------------------------------------------
st.subheader("Network", anchor=False)
hops = st.segmented_control("Ego network", [1, 2], default=1, key="ego_hops",
                            format_func=lambda h: f"{h} hop" + ("s" if h > 1 else ""),
                            help="The accounts this one interacted with (1 hop), and theirs "
                            "(2 hops).") or 1
ego = state.ego_map(uri, v, key, int(hops))
if ego.shown <= 1:
    st.caption("No interactions with other accounts in the ranking's window.")
else:
    more = (f" · the nearest {ego.shown:,} of {ego.total:,} (strongest ties first)"
            if ego.sampled else "")
    st.caption(f"{ego.shown - 1:,} accounts within {hops} hop{'s' if hops > 1 else ''}"
               f"{more} · colour = community, ring = employee, size = score · click an account "
               "to open it")
    ego_nodes = state.private_view(ego.nodes.assign(label=network.node_labels(ego.nodes)))
    ego_data = network.payload(ego_nodes, ego.ties, focus=0,
                               status=f"{ego.shown - 1:,} accounts around {label}")
    value = network.show(ego_data, key="ego_map", height=480)
    seen = st.session_state.setdefault("_ego_clicks", set())
    other = network.clicked_account(value, ego_data, ego.nodes, seen)
    if other is not None and other != key:
        state.open_account(other)

# -- evidence -----------------------------------------------------------------------------
st.subheader("Evidence", anchor=False)
events = state.account_events(uri, v, key)
ev = data.evidence(events, key, table.set_index("account")["label"])
if ev.empty:
    st.caption("No interactions stored for this account.")
else:
    kinds = sorted(ev["kind"].unique())
    e1, e2 = st.columns([3, 1])
    chosen = e1.multiselect("Kinds", kinds, default=kinds, key="ev_kinds")
    direction = e2.segmented_control("Direction", ["by", "to"], selection_mode="multi",
                                     default=["by", "to"], key="ev_dir")
    shown = ev[ev["kind"].isin(chosen) & ev["direction"].isin(direction or ["by", "to"])]
    st.caption(f"{len(shown):,} of the {len(events):,} newest interactions · "
               "“by” = this account engaged, “to” = others engaged with it")
    st.dataframe(
        shown, hide_index=True, height=420, key="evidence",
        column_config={
            "at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm"),
            "direction": st.column_config.TextColumn("", width="small"),
            "kind": st.column_config.TextColumn("Kind", width="small"),
            "with": st.column_config.TextColumn("With"),
            "platform": st.column_config.TextColumn("Platform", width="small"),
            "text": st.column_config.TextColumn("Text", width="large"),
            "link": st.column_config.LinkColumn("Post", display_text="open ↗", width="small"),
        },
    )
