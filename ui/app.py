"""Scout's web app: ``scout app`` (or ``streamlit run ui/app.py``).

The entry point sets the page up, applies the optional login, opens the store
(``SCOUT_STORE``) and hands over to the page the visitor picked. Pages live in
``ui/views/``; data shaping in :mod:`ui.app_data`; shared state in
:mod:`ui.app_state`.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run ui/app.py` puts ui/ on sys.path, not the repository root.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import streamlit as st  # noqa: E402

from graph.errors import ScoutError  # noqa: E402
from ui import app_state as state  # noqa: E402

ASSETS = Path(__file__).resolve().parent / "assets"

st.set_page_config(
    page_title="Scout",
    page_icon=str(ASSETS / "scout.svg"),
    layout="wide",
    initial_sidebar_state="expanded",
    menu_items={
        "About": "**Scout** finds the opinion leaders of the conversation about your "
        "company, inside it and outside it.",
    },
)


def main() -> None:
    """Login, store, navigation."""
    st.logo(str(ASSETS / "scout-wordmark.svg"), icon_image=str(ASSETS / "scout.svg"),
            size="large")
    if not state.require_login():
        st.stop()

    pages = {
        "Discover": [
            st.Page(state.PAGES["overview"], title="Overview", icon=":material/dashboard:",
                    default=True),
            st.Page(state.PAGES["leaders"], title="Leaders", icon=":material/leaderboard:"),
            st.Page(state.PAGES["account"], title="Account", icon=":material/person_search:"),
            st.Page(state.PAGES["communities"], title="Communities", icon=":material/hub:"),
            st.Page(state.PAGES["network"], title="Network", icon=":material/scatter_plot:"),
            st.Page(state.PAGES["people"], title="People", icon=":material/group:"),
            st.Page(state.PAGES["listening"], title="Listening", icon=":material/hearing:"),
        ],
        "Act": [
            st.Page(state.PAGES["shortlists"], title="Shortlists", icon=":material/checklist:"),
            st.Page(state.PAGES["evaluate"], title="Evaluate & learn",
                    icon=":material/fact_check:"),
            st.Page(state.PAGES["data"], title="Data & runs", icon=":material/database:"),
        ],
    }
    nav = st.navigation(pages)

    st.sidebar.caption("Opinion leaders of your company's conversation, inside and out.")
    uri = state.store_uri()
    try:
        state.get_store()
        state.version()
    except ScoutError as exc:
        st.sidebar.caption(f"Store: `{state.short_display(state.store_display(uri))}`",
                           help=state.store_display(uri))
        st.error(f"Cannot open the store: {exc}", icon=":material/error:")
        st.caption("Check `--store` / `SCOUT_STORE` (and `SCOUT_NEO4J_USER`, "
                   "`SCOUT_NEO4J_PASSWORD` for Neo4j), then reload the page.")
        st.stop()
    st.sidebar.caption(f"Store: `{state.short_display(state.store_display(uri))}`",
                       help=state.store_display(uri))
    state.logout_button()
    try:
        nav.run()
    except ScoutError as exc:  # e.g. the store went away, or bad input reached the store
        st.error(str(exc), icon=":material/error:")


main()
