"""Widgets several pages share: column configurations and the "add to shortlist" bar."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st

from graph.errors import ConflictError, ScoutError
from graph.store import GraphStore
from ui import app_state as state

NEW_SHORTLIST = "➕ New shortlist…"


def leader_columns() -> dict:
    """Column configuration of a leaders table (:func:`ui.app_data.leaders_view`)."""
    cc = st.column_config
    return {
        "position": cc.NumberColumn("#", format="%d", width="small",
                                    help="Position in this filtered list"),
        "rank": cc.NumberColumn("Overall", format="%d", width="small",
                                help="Rank among all ranked accounts"),
        "label": cc.TextColumn("Account"),
        "name": cc.TextColumn("Name"),
        "score": cc.ProgressColumn("Score", min_value=0, max_value=100, format="%.1f",
                                   help="Composite score (0–100), see the Account page for "
                                   "its breakdown"),
        "segment": cc.TextColumn("Segment", width="small"),
        "platform": cc.TextColumn("Platform", width="small"),
        "platforms": cc.TextColumn("Person's platforms", width="small",
                                   help="Every platform of the person this account belongs to "
                                        "(linked accounts; see People)."),
        "community": cc.NumberColumn("Community", format="%d", width="small"),
        "crm_status": cc.TextColumn("CRM", width="small"),
        "followers": cc.NumberColumn("Followers", format="localized"),
        "engagers": cc.NumberColumn("Engagers", format="localized",
                                    help="Distinct accounts that engaged with the account"),
        "in_strength": cc.NumberColumn("Engagement", format="%.1f",
                                       help="Weighted incoming engagement"),
        "pagerank": cc.NumberColumn("PageRank", format="percent",
                                    help="Share of attention (weighted PageRank)"),
        "betweenness": cc.NumberColumn("Betweenness", format="%.4f",
                                       help="Share of shortest engagement paths through "
                                       "the account"),
        "bridging": cc.NumberColumn("Bridging", format="percent",
                                    help="Share of engagement from other communities"),
        "activity": cc.NumberColumn("Posts", format="localized",
                                    help="Events authored in the window"),
        "automated": cc.CheckboxColumn("Bot?", width="small",
                                       help="Likely automated"),
        "topics": cc.TextColumn("Topics", width="medium"),
    }


def shortlist_picker(store: GraphStore, key: str, inline: bool = False,
                     disabled: bool = False) -> str | None:
    """Choose an existing shortlist or type a new name; returns the name (``None`` if empty).

    With ``inline=True`` the name box always shows (disabled unless a new list is
    chosen), so the layout keeps its size whatever is picked.
    """
    names = [s.name for s in store.shortlists()]
    default = st.session_state.get("last_shortlist")
    options = names + [NEW_SHORTLIST]
    index = options.index(default) if default in options else (0 if names else len(options) - 1)
    if inline:
        c1, c2 = st.columns(2)
        choice = c1.selectbox("Shortlist", options, index=index, key=f"{key}_pick",
                              disabled=disabled)
        name = c2.text_input("New shortlist name", key=f"{key}_new",
                             placeholder="e.g. Q4 advocates",
                             disabled=disabled or choice != NEW_SHORTLIST)
    else:
        choice = st.selectbox("Shortlist", options, index=index, key=f"{key}_pick",
                              disabled=disabled)
        name = ""
        if choice == NEW_SHORTLIST:
            name = st.text_input("New shortlist name", key=f"{key}_new",
                                 placeholder="e.g. Q4 advocates", disabled=disabled)
    if choice == NEW_SHORTLIST:
        return name.strip() or None
    return choice


def add_to_shortlist(store: GraphStore, name: str, keys: Sequence[str]) -> tuple[int, int]:
    """Add ``keys`` to shortlist ``name`` (created if needed); returns ``(added, already)``."""
    try:
        store.create_shortlist(name)
    except ConflictError:
        pass  # it exists already: add to it
    added = store.add_to_shortlist(name, list(keys))
    return added, len(keys) - added


def _add_selection(store: GraphStore, key: str, selected: list[str]) -> None:
    """``on_click`` of "Add to shortlist": runs before the page, so the page shows the result."""
    choice = st.session_state.get(f"{key}_pick")
    name = (st.session_state.get(f"{key}_new") or "").strip() if choice == NEW_SHORTLIST else choice
    if not name or not selected:
        return
    try:
        added, already = add_to_shortlist(store, name, selected)
    except ScoutError as exc:
        st.session_state[f"{key}_msg"] = ("error", str(exc))
        return
    st.session_state["last_shortlist"] = name
    note = f" ({already} already there)" if already else ""
    st.session_state[f"{key}_msg"] = (
        "ok", f"Added {added} account{'s' if added != 1 else ''} to **{name}**{note}.")
    if choice == NEW_SHORTLIST:  # the new list is now an existing one: pick it
        st.session_state[f"{key}_pick"] = name
        st.session_state[f"{key}_new"] = ""


def selection_actions(store: GraphStore, selected: Sequence[str], labels: Mapping[str, str],
                      key: str) -> None:
    """The bar over a leaders table: add the selection to a shortlist, open a profile.

    It keeps the same size with or without a selection, so the table under it
    does not move while rows are being ticked.
    """
    message = st.session_state.pop(f"{key}_msg", None)
    with st.container(border=True):
        if message is not None:
            kind, text = message
            color = "green" if kind == "ok" else "red"
            icon = "check_circle" if kind == "ok" else "error"
            st.markdown(f":{color}[:material/{icon}:] {text}")
        elif selected:
            shown = ", ".join(labels.get(k, k) for k in list(selected)[:6])
            more = f" and {len(selected) - 6} more" if len(selected) > 6 else ""
            st.markdown(f"**{len(selected)} selected:** {shown}{more}")
        else:
            st.markdown("**No row selected** · tick the boxes at the left of the rows to "
                        "shortlist accounts or open a profile.")
        c1, c2, c3 = st.columns([4, 1.3, 1.3], vertical_alignment="bottom")
        with c1:
            name = shortlist_picker(store, key, inline=True, disabled=not selected)
        with c2:
            st.button("Add to shortlist", type="primary", icon=":material/playlist_add:",
                      key=f"{key}_add", disabled=not (selected and name), width="stretch",
                      on_click=_add_selection, args=(store, key, list(selected)))
        with c3:
            first = selected[0] if selected else None
            help_ = f"Open the profile of {labels.get(first, first)}" if first else None
            if st.button("Open profile", icon=":material/person:", key=f"{key}_open",
                         width="stretch", disabled=first is None, help=help_) and first:
                state.open_account(first)
