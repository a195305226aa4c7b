"""The app's pages (Streamlit scripts run by ``st.navigation``; not imported as modules).

Not named ``pages/``: Streamlit treats a ``pages/`` folder next to the entry script as a
legacy multipage app, which breaks deep links such as ``/leaders`` on a fresh server.
"""
