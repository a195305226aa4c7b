"""Shortlists: recruitment lists with outreach status, owner and notes; export in one click."""

from __future__ import annotations

import streamlit as st

from graph.errors import ScoutError
from graph.model import OUTREACH_STATUSES
from ui import app_data as data
from ui import app_state as state

st.title("Shortlists")

store = state.get_store()
uri, v = state.store_uri(), state.version()
ranking = state.ranking(uri, v)
table = ranking.table if ranking is not None else None


def _select_next(name: str) -> None:
    """Show shortlist ``name`` on the next run (the picker cannot change mid-run)."""
    st.session_state["_shortlist_next"] = name
    st.session_state["last_shortlist"] = name
    st.rerun()


def _create_form(key: str) -> None:
    with st.form(key, clear_on_submit=True, border=False):
        name = st.text_input("Name", placeholder="e.g. Q4 advocates", key=f"{key}_name")
        description = st.text_input("Description (optional)", key=f"{key}_desc")
        if st.form_submit_button("Create", type="primary", icon=":material/add:"):
            if not name.strip():
                st.error("Give the shortlist a name.")
                return
            try:
                store.create_shortlist(name.strip(), description.strip())
            except ScoutError as exc:
                st.error(str(exc))
                return
            _select_next(name.strip())


def _plan_section() -> None:
    """Plan a shortlist of K that reaches the most distinct engaged accounts, then save it."""
    from graph.coverage import save_plan

    with st.expander("Plan a shortlist for coverage", icon=":material/hub:",
                     expanded=bool(st.session_state.get("coverage_plan_args"))):
        st.caption("Picks the K leaders who together reach the most distinct accounts that "
                   "engaged with them in the ranking's window, spread across communities "
                   "(lazy greedy, within 63% of the best possible list), and compares them "
                   "with the top K by score.")
        c1, c2, c3 = st.columns([1, 2, 1], vertical_alignment="bottom")
        k = c1.number_input("Size K", min_value=1, max_value=500, value=20, step=1,
                            key="plan_size")
        segment = c2.selectbox("Among", ["external", "internal", "all"], key="plan_segment",
                               format_func=lambda s: {"all": "everybody"}.get(s, f"{s} accounts"))
        if c3.button("Plan", type="primary", icon=":material/auto_awesome:", key="plan_go",
                     width="stretch"):
            st.session_state["coverage_plan_args"] = (int(k), segment)
        args = st.session_state.get("coverage_plan_args")
        if not args:
            return
        with st.spinner("Planning the shortlist…"):
            try:
                plan = state.coverage_plan(uri, v, args[0], args[1], None)
            except ScoutError as exc:
                st.error(str(exc))
                return
        if plan is None:
            return
        s = plan.summary()
        m1, m2, m3 = st.columns(3)
        m1.metric("Reached by this plan", f"{s['plan_reach']:,}",
                  delta=f"{s['gain_over_top']:+,} vs top {len(plan.top)}", border=True)
        m2.metric(f"Reached by the top {len(plan.top)} by score", f"{s['top_reach']:,}",
                  border=True)
        m3.metric("Communities (plan / top)",
                  f"{s['plan_communities']} / {s['top_communities']}", border=True)
        cols = ["pick", "account", "platform", "segment", "community", "score", "overall_rank",
                "own_reach", "new_reach", "total_reach"]
        st.dataframe(plan.picks[[c for c in cols if c in plan.picks]], hide_index=True,
                     key="plan_table", column_config={
                         "account": st.column_config.TextColumn("Account", pinned=True),
                         "overall_rank": st.column_config.NumberColumn("Rank", format="%d"),
                         "own_reach": st.column_config.NumberColumn(
                             "Own reach", help="Accounts that engaged with this account"),
                         "new_reach": st.column_config.NumberColumn(
                             "New reach", help="Of those, how many no earlier pick reached"),
                         "total_reach": st.column_config.NumberColumn("Total reach"),
                         "score": st.column_config.ProgressColumn(
                             "Score", min_value=0, max_value=100, format="%.1f"),
                     })
        with st.form("plan_save_form", border=False):
            s1, s2 = st.columns([3, 1], vertical_alignment="bottom")
            plan_name = s1.text_input("Save as shortlist", key="plan_name",
                                      placeholder="e.g. Q4 coverage")
            if s2.form_submit_button("Save as shortlist", type="primary",
                                     icon=":material/playlist_add:"):
                try:
                    saved = save_plan(store, plan_name, plan)
                except ScoutError as exc:
                    st.error(str(exc))
                    return
                st.toast(f"Saved {saved['added']} accounts to {saved['name']}",
                         icon=":material/check_circle:")
                _select_next(saved["name"])


lists = store.shortlists()
if not lists:
    st.info("**No shortlist yet.** Select accounts on the **Leaders** page and add them to a "
            "new shortlist in one click, or create an empty one here.",
            icon=":material/checklist:")
    st.page_link(state.PAGES["leaders"], label="Go to Leaders", icon=":material/leaderboard:")
    with st.container(border=True):
        st.markdown("**New shortlist**")
        _create_form("create_first")
    if table is not None:
        _plan_section()
    st.stop()

names = [s.name for s in lists]
if "_shortlist_next" in st.session_state:
    st.session_state["shortlist_pick"] = st.session_state.pop("_shortlist_next")
if st.session_state.pop("_shortlist_deleted", False):
    st.session_state.pop("delete_sure", None)
counts = {s.name: s.members for s in lists}
wanted = st.query_params.get("shortlist")
if wanted in names and st.session_state.get("_shortlist_from_url") != wanted:
    st.session_state["shortlist_pick"] = wanted
    st.session_state["_shortlist_from_url"] = wanted
if st.session_state.get("shortlist_pick") not in names:
    last = st.session_state.get("last_shortlist")
    st.session_state["shortlist_pick"] = last if last in names else names[0]

top1, top2, top3, top4 = st.columns([5, 2, 2, 2], vertical_alignment="bottom")
name = top1.selectbox("Shortlist", names, key="shortlist_pick",
                      format_func=lambda n: f"{n} · {counts.get(n, 0)} member"
                      f"{'s' if counts.get(n, 0) != 1 else ''}")
with top2.popover("New", icon=":material/add:", width="stretch"):
    _create_form("create")
with top3.popover("Rename", icon=":material/edit:", width="stretch"):
    with st.form("rename", border=False):
        new_name = st.text_input("New name", value=name, key="rename_to")
        if st.form_submit_button("Rename", type="primary"):
            try:
                store.rename_shortlist(name, new_name.strip())
            except ScoutError as exc:
                st.error(str(exc))
            else:
                _select_next(new_name.strip())
with top4.popover("Delete", icon=":material/delete:", width="stretch"):
    st.markdown(f"Delete **{name}** and its {counts.get(name, 0)} memberships? "
                "The accounts stay in the store.")
    sure = st.checkbox("Yes, delete it", key="delete_sure")
    if st.button("Delete shortlist", type="primary", disabled=not sure, key="delete_go"):
        store.delete_shortlist(name)
        st.session_state["_shortlist_deleted"] = True
        st.toast(f"Deleted {name}")
        st.rerun()

description = next((s.description for s in lists if s.name == name), "")
if description:
    st.caption(description)

if table is not None:
    _plan_section()

members = data.members_view(store.shortlist_members(name), table)
if members.empty:
    st.info("This shortlist is empty: add accounts from **Leaders**, **Communities** or an "
            "**Account** page.", icon=":material/playlist_add:")
    st.stop()

# -- outreach summary ---------------------------------------------------------------------
by_status = members["status"].value_counts()
cols = st.columns(len(OUTREACH_STATUSES))
for col, status in zip(cols, OUTREACH_STATUSES, strict=True):
    col.metric(status.capitalize(), int(by_status.get(status, 0)), border=True)

# -- members editor -----------------------------------------------------------------------
revision = st.session_state.get(f"_rev_{name}", 0)
editor_key = f"members_{name}_{revision}"
shown = members.assign(remove=False)[[
    "label", "name", "platform", "segment", "rank", "score", "followers", "crm_status",
    "status", "owner", "note", "profile", "added_at", "remove", "account",
]]
edited = st.data_editor(
    shown,
    key=editor_key,
    hide_index=True,
    num_rows="fixed",
    height=min(38 + 35 * len(shown), 620),
    disabled=["label", "name", "platform", "segment", "rank", "score", "followers", "crm_status",
              "profile", "added_at", "account"],
    column_order=["label", "name", "status", "owner", "note", "rank", "score", "segment",
                  "platform", "followers", "crm_status", "profile", "added_at", "remove"],
    column_config={
        "label": st.column_config.TextColumn("Account", pinned=True),
        "name": st.column_config.TextColumn("Name"),
        "status": st.column_config.SelectboxColumn("Outreach", options=list(OUTREACH_STATUSES),
                                                   required=True, width="medium"),
        "owner": st.column_config.TextColumn("Owner", max_chars=80),
        "note": st.column_config.TextColumn("Note", width="large", max_chars=2000),
        "rank": st.column_config.NumberColumn("Rank", format="%d", width="small"),
        "score": st.column_config.ProgressColumn("Score", min_value=0, max_value=100,
                                                 format="%.1f"),
        "segment": st.column_config.TextColumn("Segment", width="small"),
        "platform": st.column_config.TextColumn("Platform", width="small"),
        "followers": st.column_config.NumberColumn("Followers", format="localized"),
        "crm_status": st.column_config.TextColumn("CRM", width="small"),
        "profile": st.column_config.LinkColumn("Profile", display_text="open ↗", width="small"),
        "added_at": st.column_config.DatetimeColumn("Added (UTC)", format="YYYY-MM-DD"),
        "remove": st.column_config.CheckboxColumn("Remove", width="small",
                                                  help="Tick, then save, to remove"),
    },
)
changes = data.member_changes(members, edited)
to_remove = edited.loc[edited["remove"].fillna(False).astype(bool), "account"].tolist()
pending = len(changes) + len(to_remove)
b1, b2 = st.columns([1, 4], vertical_alignment="center")
save = b1.button("Save changes", type="primary", icon=":material/save:", disabled=not pending,
                 key="save_members", width="stretch")
b2.caption(f"{pending} unsaved change{'s' if pending != 1 else ''}" if pending
           else "Edit outreach status, owner and note in the table, then save.")
if save:
    try:
        for change in changes:
            store.update_member(name, change["account"], note=change.get("note"),
                                owner=change.get("owner"), status=change.get("status"))
        removed = store.remove_from_shortlist(name, to_remove) if to_remove else 0
    except ScoutError as exc:
        st.error(str(exc))
    else:
        st.session_state[f"_rev_{name}"] = revision + 1
        msg = f"Saved {len(changes)} change{'s' if len(changes) != 1 else ''}"
        if removed:
            msg += f", removed {removed} member{'s' if removed != 1 else ''}"
        st.toast(msg, icon=":material/check_circle:")
        st.rerun()

# -- export -------------------------------------------------------------------------------
st.subheader("Export", anchor=False)
st.caption("The saved list, with rank and score. Spreadsheet-safe: any cell a spreadsheet "
           "would run as a formula (starting with =, +, -, @, tab or CR) is prefixed with '.")
export = data.export_frame(members)
x1, x2, x3, _ = st.columns([1, 1, 1, 3])
x1.download_button("CSV", data.to_csv_bytes(export), file_name=data.export_filename(name, "csv"),
                   mime="text/csv", icon=":material/download:", key="export_csv",
                   on_click="ignore", width="stretch")
x2.download_button("Excel", data.to_xlsx_bytes(export, name),
                   file_name=data.export_filename(name, "xlsx"),
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   icon=":material/download:", key="export_xlsx", on_click="ignore",
                   width="stretch")
x3.download_button("JSON", data.to_json_bytes(export), file_name=data.export_filename(name, "json"),
                   mime="application/json", icon=":material/download:", key="export_json",
                   on_click="ignore", width="stretch")
