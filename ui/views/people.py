"""People: one person, many accounts — linked accounts, and link suggestions to decide on."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from graph.people import names_unlocked, pseudonym
from ui import app_data as data
from ui import app_state as state

st.title("People")
store = state.get_store()
uri, v = state.store_uri(), state.version()
frames = state.people_frames(uri, v)
people, links, accounts, suggestions = (frames["people"], frames["links"], frames["accounts"],
                                        frames["suggestions"])
unlocked = names_unlocked()
flash = st.session_state.pop("people_flash", None)
if flash:
    st.success(flash, icon=":material/check:")


def decided(message: str) -> None:
    """After a decision: forget cached people, show ``message`` on the re-run page."""
    state.invalidate()
    st.session_state["people_flash"] = message
    st.rerun()


st.caption("Accounts are linked to one person by the roster (same e-mail or employee id), the "
           "addresses Slack, Teams and Viva Engage give, and your decisions. Suggestions are "
           "never applied on their own: accept or reject them below.")

c1, c2, c3 = st.columns(3)
c1.metric("People with linked accounts", f"{len(people):,}", border=True)
c2.metric("Linked accounts", f"{len(links):,}", border=True)
c3.metric("Pending suggestions", f"{len(suggestions):,}", border=True)


def shown_name(row) -> str:
    """Employees appear as initials + department unless names are unlocked."""
    if row["internal"] and not unlocked:
        return pseudonym(row["name"], row["department"])
    return row["name"] if isinstance(row["name"], str) and row["name"] else row["person"]


st.subheader("Leaders by person", anchor=False)
segment = st.segmented_control("Segment", ["internal", "external", "all"], default="internal",
                               key="person_segment") or "internal"
board = state.person_leaders(uri, v, segment, unlocked)
if board is None:
    st.info("No ranking yet: run `scout rank` (or rank on the Data page).", icon=":material/leaderboard:")
else:
    st.caption("Each person's accounts combined: the score is the sum of their accounts' scores; "
               "Accounts shows which accounts and platforms contributed.")
    st.dataframe(board[["rank", "name", "department", "segment", "score", "n_accounts", "platforms",
                        "accounts"]], hide_index=True, key="person_leaders",
                 column_config={"score": st.column_config.NumberColumn("Score", format="%.1f"),
                                "accounts": st.column_config.TextColumn("Accounts", width="large")})
    st.download_button("Download CSV (person and every handle)", data.to_csv_bytes(board),
                       file_name=f"leaders-by-person-{segment}.csv", mime="text/csv",
                       key="person_leaders_csv", icon=":material/download:")

st.subheader("People", anchor=False)
if people.empty:
    st.info("No linked accounts yet: import a roster, a Slack export or mail, or accept a "
            "suggestion.", icon=":material/group:")
else:
    view = people.assign(shown=[shown_name(r) for _, r in people.iterrows()])
    if not unlocked:
        view.loc[view["internal"].astype(bool), "person"] = ""
        st.caption("Employees are shown as initials and department "
                   "(set SCOUT_SHOW_EMPLOYEE_NAMES=1 where names may be seen).")
    table = view[["shown", "department", "internal", "n_accounts", "platforms", "person"]]
    picked = st.dataframe(
        table, hide_index=True, key="people_table", on_select="rerun", selection_mode="single-row",
        column_config={
            "shown": st.column_config.TextColumn("Person", width="medium"),
            "department": "Department",
            "internal": st.column_config.CheckboxColumn("Employee"),
            "n_accounts": st.column_config.NumberColumn("Accounts", format="%d"),
            "platforms": "Platforms",
            "person": st.column_config.TextColumn("Id", help="mail:, emp: or an account key"),
        },
    )
    rows = (picked.get("selection") or {}).get("rows") or [] if picked else []
    if rows:
        person = people.iloc[rows[0]]
        st.subheader(f"Accounts of {shown_name(person)}", anchor=False)
        keys = links.loc[links["person"] == person["person"], ["account", "evidence"]]
        acc = accounts.set_index("key").reindex(keys["account"])
        detail = pd.DataFrame({
            "account": keys["account"].to_numpy(),
            "platform": acc["platform"].to_numpy(),
            "handle": acc["handle"].to_numpy() if unlocked or not person["internal"] else "",
            "evidence": keys["evidence"].to_numpy(),
        })
        st.dataframe(detail, hide_index=True, key="person_accounts")
        target = st.selectbox("Account to take out of this person", detail["account"],
                              key="unlink_account")
        if st.button("Unlink", key="unlink", icon=":material/link_off:"):
            store.clear_link_decisions(target)
            store.set_link_decision(target, target, "detach")
            decided(f"{target} now stands on its own.")

st.subheader("Pending link suggestions", anchor=False)
if suggestions.empty:
    st.info("No suggestions: no two accounts on different platforms look like one person.",
            icon=":material/check_circle:")
else:
    names = accounts.set_index("key")["name"]
    sug = suggestions.assign(name_a=names.reindex(suggestions["a"]).to_numpy(),
                             name_b=names.reindex(suggestions["b"]).to_numpy())
    st.dataframe(sug[["a", "name_a", "b", "name_b", "score", "reason"]], hide_index=True,
                 key="suggestions_table",
                 column_config={"a": "Account", "name_a": "Name", "b": "Other account",
                                "name_b": "Name", "score": st.column_config.NumberColumn(
                                    "Score", format="%.0f"), "reason": "Why"})
    labels = [f"{a} ↔ {b} ({why})" for a, b, why in zip(sug["a"], sug["b"], sug["reason"], strict=True)]
    choice = st.selectbox("Suggestion", range(len(labels)), format_func=lambda i: labels[i],
                          key="suggestion_pick")
    ca, cb = st.columns(2)
    a, b = sug.iloc[choice]["a"], sug.iloc[choice]["b"]
    if ca.button("Accept: same person", key="accept_suggestion", icon=":material/link:"):
        store.set_link_decision(a, b, "link")
        decided(f"Linked {a} and {b}.")
    if cb.button("Reject: not the same person", key="reject_suggestion", icon=":material/close:"):
        store.set_link_decision(a, b, "reject")
        decided(f"{a} and {b} will not be suggested again.")
