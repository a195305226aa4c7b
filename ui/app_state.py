"""What every page shares: the store, cached queries, login, empty states.

* The store is opened once per URI and process (``st.cache_resource``).
* Query results are cached with ``st.cache_data`` keyed by the store URI and a
  *data version* (newest run + newest snapshot), so an ingest or a ranking —
  from the app or from the CLI — invalidates them; the app also calls
  ``st.cache_data.clear()`` after its own writes.
* Shortlists are read uncached (small, and edited in the app).
"""

from __future__ import annotations

import hmac
import importlib.util
import logging
import math
import os
import secrets
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from graph.errors import ScoutError
from graph.factory import open_store
from graph.model import Run, Snapshot, Stats
from graph.store import GraphStore
from graph.store_uri import parse_store_uri
from ingest.ops.throttle import LOGIN_THROTTLE
from ui import app_data as data

PASSWORD_ENV = "SCOUT_APP_PASSWORD"
STORE_ENV = "SCOUT_STORE"
#: Seconds a data version is trusted before the store is asked again.
VERSION_TTL = 3

PAGES = {
    "overview": "views/overview.py",
    "leaders": "views/leaders.py",
    "account": "views/account.py",
    "communities": "views/communities.py",
    "shortlists": "views/shortlists.py",
    "evaluate": "views/evaluate.py",
    "data": "views/data.py",
    "people": "views/people.py",
    "listening": "views/listening.py",
    "network": "views/network.py",
}


# ----------------------------------------------------------------------------- store
def store_uri() -> str | None:
    """The store URI the app was started with (``SCOUT_STORE``; default store otherwise)."""
    return os.environ.get(STORE_ENV) or None


def store_display(uri: str | None) -> str:
    """A printable form of the URI (never a password)."""
    try:
        return parse_store_uri(uri).display
    except ScoutError:
        return "(invalid store URI)"


def _close_store(store: GraphStore) -> None:
    """Called when the resource cache lets a store go (``st.cache_resource.clear()``)."""
    try:
        store.close()
    except Exception as exc:  # noqa: BLE001 - closing is best effort, but say so
        logging.getLogger(__name__).warning("could not close %s: %s", store.display, exc)


def short_display(display: str, width: int = 34) -> str:
    """A store display that fits the sidebar: ``sqlite:///…/folder/scout.db``.

    Examples
    --------
    >>> short_display("sqlite:////very/long/path/to/the/data/scout.db", 30)
    'sqlite:///…/data/scout.db'
    """
    if len(display) <= width or not display.startswith("sqlite:///"):
        return display
    parts = display[len("sqlite:///"):].rstrip("/").split("/")
    return "sqlite:///…/" + "/".join(parts[-2:])


@st.cache_resource(show_spinner=False, on_release=_close_store)
def _open_store(uri: str | None) -> GraphStore:
    return open_store(uri)


def get_store() -> GraphStore:
    """The shared store of this process (raises :class:`ScoutError` if it cannot be opened)."""
    return _open_store(store_uri())


@st.cache_data(ttl=VERSION_TTL, show_spinner=False)
def data_version(uri: str | None) -> str:
    """A string that changes whenever data is ingested or ranked (newest run and snapshot)."""
    store = _open_store(uri)
    runs = store.runs(limit=1)
    head = ""
    if runs:
        r = runs[0]
        head = f"{r.id}:{r.status}:{r.finished_at}"
    snaps = store.snapshots()
    snap = str(snaps["id"].iloc[0]) if len(snaps) else ""
    return f"{head}|{snap}"


def version() -> str:
    """The current data version of the app's store."""
    return data_version(store_uri())


def invalidate() -> None:
    """Forget every cached query result (after the app wrote to the store)."""
    st.cache_data.clear()


# ----------------------------------------------------------------------------- cached queries
@st.cache_data(show_spinner="Linking accounts to people…")
def people_base(uri: str | None, v: str) -> dict:
    """Accounts and which person each linked one belongs to (:func:`graph.people.resolve_people`),
    read once per data version for the People page, pseudonymisation and the Leaders page's
    platforms column."""
    from graph.people import people_table, resolve_people

    store = _open_store(uri)
    accounts, roster, decisions = store.accounts(), store.roster(), store.link_decisions()
    links = resolve_people(accounts, roster, store.account_emails(), decisions, store.crm())
    return {"accounts": accounts, "links": links, "decisions": decisions,
            "people": people_table(accounts, links, roster)}


@st.cache_data(show_spinner="Linking accounts to people…")
def people_frames(uri: str | None, v: str) -> dict:
    """People, their account links and pending suggestions (see :class:`graph.people.PeopleState`).

    Link decisions are not runs: the People page calls :func:`invalidate` after each one.
    """
    from graph.people import suggest_links

    base = people_base(uri, v)
    return {"people": base["people"], "links": base["links"], "accounts": base["accounts"],
            "suggestions": suggest_links(base["accounts"], base["links"], base["decisions"],
                                         limit=500)}


@st.cache_data(show_spinner="Combining each person's accounts…")
def person_leaders(uri: str | None, v: str, segment: str, unlocked: bool) -> pd.DataFrame | None:
    """``scout leaders --by person`` of the newest snapshot (``None`` without one).

    ``unlocked`` is part of the cache key: pseudonymised and named boards never mix.
    """
    from graph.people import person_board

    store = _open_store(uri)
    snap = store.load_snapshot()
    if snap is None or snap.table.empty:
        return None
    return person_board(store, snap.table, segment, top=100)


def refresh_config_path() -> str | None:
    """The ``scout.toml`` whose schedule the app shows: ``SCOUT_CONFIG``, else ``./scout.toml``."""
    from ingest.ops.config import default_config_path

    return default_config_path()


@st.cache_data(show_spinner=False, max_entries=4, ttl=60)
def refresh_status(uri: str | None, version_: str, config_path: str | None) -> dict:
    """The last refresh, its summary and the next scheduled time (:func:`ingest.ops.refresh.refresh_status`)."""
    from ingest.ops.refresh import refresh_status as status

    return status(_open_store(uri), config_path)


@st.cache_data(show_spinner=False, max_entries=4)
def stats(uri: str | None, version_: str) -> Stats:
    """``store.stats()``."""
    return _open_store(uri).stats()


@dataclass(slots=True)
class Ranking:
    """The newest snapshot, enriched for display, and the one before it.

    ``names`` tells whether ``table`` holds display names; big rankings skip the
    full profile read when no roster/CRM/accounts file came in since the
    snapshot (see :func:`ui.app_data.profiles_changed_since`), and pages fetch
    the names of the rows they show (:func:`names`).
    """

    id: str
    created_at: object
    config: dict
    table: pd.DataFrame
    previous: pd.DataFrame | None
    previous_id: str | None
    names: bool = True


@st.cache_data(show_spinner="Loading the ranking…", max_entries=4)
def ranking(uri: str | None, version_: str) -> Ranking | None:
    """The newest snapshot with current profile data, or ``None`` before the first ranking."""
    store = _open_store(uri)
    snap: Snapshot | None = store.load_snapshot()
    if snap is None:
        return None
    full = (len(snap.table) <= data.FULL_PROFILES_UP_TO
            or data.profiles_changed_since(store.runs(limit=200, kind="ingest"), snap.created_at))
    table = data.enrich_table(snap.table, store.accounts() if full else None)
    previous = previous_id = None
    snaps = store.snapshots()
    if len(snaps) > 1:
        previous_id = str(snaps["id"].iloc[1])
        prev = store.load_snapshot(previous_id)
        if prev is not None:
            previous = prev.table[["account", "rank"]].copy()
    return Ranking(id=snap.id, created_at=snap.created_at, config=dict(snap.config),
                   table=table, previous=previous, previous_id=previous_id, names=full)


@st.cache_data(show_spinner=False, max_entries=256)
def names(uri: str | None, version_: str, keys: tuple[str, ...]) -> dict[str, str]:
    """Display names of some accounts (for rankings loaded without names)."""
    if not keys:
        return {}
    df = _open_store(uri).accounts(list(keys))
    return {k: n for k, n in zip(df["key"], df["name"], strict=True) if isinstance(n, str)}


@st.cache_data(show_spinner=False, max_entries=64)
def search_keys(uri: str | None, version_: str, text: str, limit: int = 2000) -> tuple[str, ...]:
    """Keys of accounts whose handle or name contains ``text`` (the store's own search)."""
    if not text.strip():
        return ()
    return tuple(_open_store(uri).search_accounts(text.strip().lstrip("@"), limit=limit)["key"])


def with_names(r: Ranking, view: pd.DataFrame) -> pd.DataFrame:
    """``view`` with display names filled in when the ranking was loaded without them,
    employees pseudonymised unless names are unlocked (:func:`private_view`)."""
    if not (r.names or view.empty or "account" not in view):
        view = data.fill_names(view, names(store_uri(), version(), tuple(view["account"])))
    return private_view(view)


def private_view(view: pd.DataFrame) -> pd.DataFrame:
    """A leaders view with employees shown as initials + department unless
    ``SCOUT_SHOW_EMPLOYEE_NAMES`` unlocks names (:func:`graph.people.pseudonymise_accounts`).

    The hidden ``account`` key stays, so a row can still go to a shortlist.
    """
    from graph.people import PeopleState, names_unlocked, pseudonymise_accounts

    if (names_unlocked() or view.empty or "segment" not in view or "label" not in view
            or not (view["segment"] == "internal").any()):
        return view
    frames = people_base(store_uri(), version())  # no suggestions needed here
    state = PeopleState.__new__(PeopleState)
    state.people, state.links, state.accounts = (frames["people"], frames["links"],
                                                 frames["accounts"])
    return pseudonymise_accounts(view, state, label="label", key="account", blank=("name",))


@st.cache_data(show_spinner="Reading interactions…", max_entries=2)
def slim_events(uri: str | None, version_: str) -> pd.DataFrame:
    """Every interaction without text (``source, target, kind, platform, at``)."""
    ev = _open_store(uri).interactions(with_text=False)
    return ev[["source", "target", "kind", "platform", "at"]]


@st.cache_data(show_spinner=False, max_entries=2)
def brokers(uri: str | None, version_: str) -> pd.DataFrame:
    """The broker leaderboard of the newest ranking."""
    r = ranking(uri, version_)
    return data.broker_board(r.table) if r is not None else data.broker_board(pd.DataFrame())


@st.cache_data(show_spinner=False, max_entries=2)
def communities(uri: str | None, version_: str) -> pd.DataFrame:
    """One row per community of the newest ranking."""
    r = ranking(uri, version_)
    if r is None:
        return data.community_summary(pd.DataFrame())
    return data.community_summary(r.table, board=brokers(uri, version_))


@st.cache_data(show_spinner=False, max_entries=2)
def community_graph(uri: str | None, version_: str) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Nodes and edges of the community map."""
    r = ranking(uri, version_)
    return data.community_graph(r.table, slim_events(uri, version_), communities(uri, version_))


@st.cache_data(show_spinner=False, max_entries=8)
def coverage_plan(uri: str | None, version_: str, k: int, segment: str,
                  community_bonus: float | None):
    """A coverage shortlist of ``k`` from the newest snapshot (:mod:`graph.coverage`)."""
    from graph.coverage import plan_from_snapshot

    store = _open_store(uri)
    snap = store.load_snapshot()
    if snap is None:
        return None
    return plan_from_snapshot(store, snap, k, segment, community_bonus=community_bonus)


@st.cache_data(show_spinner=False, max_entries=2)
def network_file(uri: str | None, version_: str, fmt: str, unlocked: bool) -> tuple[bytes, int, int]:
    """The account network as a GEXF or GraphML file (:mod:`graph.network`), with its
    node and edge counts. ``unlocked`` shows employees' names (else pseudonyms)."""
    from graph.network import graph_bytes, network_from_store

    g = network_from_store(_open_store(uri), pseudonymise=not unlocked)
    return (graph_bytes(g, fmt, "Scout interaction network"), g.number_of_nodes(),
            g.number_of_edges())


@st.cache_data(show_spinner="Reading the ranking's interactions…", max_entries=4)
def map_events(uri: str | None, version_: str, theme: str | None) -> pd.DataFrame:
    """The interactions of the newest ranking's window (``source, target``), optionally only
    those tagged with a listening ``theme`` (:func:`graph.coverage.window_events`)."""
    from graph.coverage import window_events

    r = ranking(uri, version_)
    if r is None:
        return pd.DataFrame({"source": [], "target": []})
    snap = Snapshot(r.id, r.created_at, r.config, r.table)
    return window_events(_open_store(uri), snap, theme)


@st.cache_data(show_spinner="Laying out the network…", max_entries=8)
def account_map(uri: str | None, version_: str, leaders: tuple[str, ...] | None, limit: int,
                theme: str | None):
    """The network view's map of the newest ranking (:func:`graph.network_view.account_map`);
    its layout is cached on disk per snapshot (:class:`graph.layout.LayoutCache`)."""
    from graph.layout import LayoutCache
    from graph.network_view import account_map as build
    from graph.network_view import layout_key

    r = ranking(uri, version_)
    key = layout_key(r.id, _open_store(uri).display, theme)
    return build(map_events(uri, version_, theme), r.table, leaders, limit, LayoutCache(), key)


@st.cache_data(show_spinner="Laying out the ego network…", max_entries=32)
def ego_map(uri: str | None, version_: str, key: str, hops: int):
    """The ego network of ``key`` in the newest ranking's window
    (:func:`graph.network_view.ego_map`)."""
    from graph.network_view import ego_map as build

    r = ranking(uri, version_)
    return build(map_events(uri, version_, None), r.table, key, hops)


@st.cache_data(show_spinner=False, max_entries=4, ttl=60)
def listening_themes(config_path: str | None) -> list:
    """The [listening] themes of ``config_path`` (none without a file)."""
    from graph.listening import load_themes

    return load_themes(config_path) if config_path else []


@st.cache_data(show_spinner="Reading tagged interactions…", max_entries=2)
def tagged_events(uri: str | None, version_: str) -> pd.DataFrame:
    """Every interaction (no text) with its listening themes."""
    from graph.listening import tagged_events as read

    return read(_open_store(uri))


@st.cache_data(show_spinner="Reading what each conversation links and tags…", max_entries=2)
def theme_extras(uri: str | None, version_: str) -> dict[str, pd.DataFrame]:
    """Co-mentions, top hashtags and top linked domains per theme."""
    from graph.listening import co_mentions, tagged_events, top_domains, top_hashtags

    tagged = tagged_events(_open_store(uri), with_text=True)
    return {"co_mentions": co_mentions(tagged), "hashtags": top_hashtags(tagged),
            "domains": top_domains(tagged)}


@st.cache_data(show_spinner=False, max_entries=8)
def share_of_voice(uri: str | None, version_: str, period: str, themes: tuple) -> pd.DataFrame:
    from graph.listening import share_of_voice as sov

    return sov(tagged_events(uri, version_), period, list(themes))


@st.cache_data(show_spinner="Ranking the theme's voices…", max_entries=16)
def theme_voices(uri: str | None, version_: str, theme: str, themes: tuple,
                 top: int = 25) -> pd.DataFrame:
    """The leaders of one theme (pseudonymised employees unless names are unlocked)."""
    from graph.listening import top_voices
    from graph.people import PeopleState, names_unlocked, pseudonymise_accounts

    store = _open_store(uri)
    board = top_voices(tagged_events(uri, version_), theme, store.accounts(), top=top)
    if not names_unlocked() and len(board) and (board["segment"] == "internal").any():
        board = pseudonymise_accounts(board, PeopleState(store))
    return board


@st.cache_data(show_spinner=False, max_entries=4)
def competitor_only(uri: str | None, version_: str, themes: tuple) -> pd.DataFrame:
    """Accounts naming competitors, never the brand, with their handles."""
    from graph.listening import competitor_only_voices

    out = competitor_only_voices(tagged_events(uri, version_), list(themes))
    if len(out):
        acc = _open_store(uri).accounts(out["account"].tolist())
        handles = acc.drop_duplicates("key").set_index("key")["handle"]
        out.insert(0, "handle", handles.reindex(out["account"]).fillna("").to_numpy())
    return out


@st.cache_data(show_spinner=False, max_entries=2)
def activity(uri: str | None, version_: str) -> pd.DataFrame:
    """Events per day and kind."""
    return data.activity_by_day(slim_events(uri, version_))


@st.cache_data(show_spinner=False, max_entries=64)
def account_events(uri: str | None, version_: str, key: str, limit: int = 500) -> pd.DataFrame:
    """An account's newest interactions, with text."""
    return _open_store(uri).interactions(account=key, with_text=True, limit=limit)


@st.cache_data(show_spinner=False, max_entries=64)
def account_profile(uri: str | None, version_: str, key: str) -> dict | None:
    """One account's stored profile."""
    df = _open_store(uri).accounts([key])
    return None if df.empty else df.iloc[0].to_dict()


@st.cache_data(show_spinner=False, max_entries=64)
def account_history(uri: str | None, version_: str, key: str) -> pd.DataFrame:
    """An account's rank across snapshots."""
    return _open_store(uri).account_history(key)


@st.cache_data(show_spinner=False, max_entries=8)
def runs(uri: str | None, version_: str, limit: int = 50) -> list[Run]:
    """The newest runs."""
    return _open_store(uri).runs(limit=limit)


# ----------------------------------------------------------------------------- login
def auth_configured() -> bool:
    """Whether ``[auth]`` is configured in Streamlit secrets (OIDC via ``st.login``)."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all is the normal case
        return False


def require_login() -> bool:
    """Gate the app: OIDC when configured, else a shared password when ``SCOUT_APP_PASSWORD`` is set.

    Returns ``True`` when the visitor may see the app; otherwise draws the
    login form and returns ``False`` (the caller stops).
    """
    if auth_configured():
        if getattr(st.user, "is_logged_in", False):
            return True
        _login_card("Sign in with your organisation's account to continue.")
        if importlib.util.find_spec("authlib") is None:
            st.error("Single sign-on is configured ([auth] in secrets) but Authlib is not "
                     "installed: `pip install authlib`, then restart the app.")
            return False
        st.button("Log in", type="primary", icon=":material/login:", on_click=st.login)
        return False
    expected = os.environ.get(PASSWORD_ENV, "")
    if not expected:
        return True
    if st.session_state.get("_scout_authenticated"):
        return True
    _login_card("This Scout app is protected by a shared password.")
    with st.form("login", clear_on_submit=True):
        given = st.text_input("Password", type="password", key="_scout_password")
        ok = st.form_submit_button("Log in", type="primary", icon=":material/login:")
    if ok:
        keys = _login_keys()
        wait = LOGIN_THROTTLE.wait(keys)
        if wait > 0:
            # Not even checked: guessing must not go faster than the throttle allows.
            st.error(f"Too many wrong passwords: try again in {math.ceil(wait)} s.")
            return False
        if hmac.compare_digest((given or "").encode("utf-8"), expected.encode("utf-8")):
            LOGIN_THROTTLE.succeeded(keys)
            st.session_state["_scout_authenticated"] = True
            st.session_state.pop("_scout_password", None)
            st.rerun()
        LOGIN_THROTTLE.failed(keys)
        st.error("Wrong password.")
    return False


def _login_keys() -> list[str]:
    """Who is trying: this browser session, and its client address when Streamlit knows it."""
    session = st.session_state.setdefault("_scout_login_session", secrets.token_hex(8))
    keys = [f"session:{session}"]
    ip = getattr(st.context, "ip_address", None)
    if ip:
        keys.append(f"client:{ip}")
    return keys


def logout_button() -> None:
    """A log-out button in the sidebar when a login is in force."""
    if auth_configured() and getattr(st.user, "is_logged_in", False):
        name = getattr(st.user, "name", None) or getattr(st.user, "email", None) or ""
        st.sidebar.caption(f"Signed in as {name}")
        st.sidebar.button("Log out", on_click=st.logout, icon=":material/logout:")
    elif os.environ.get(PASSWORD_ENV) and st.session_state.get("_scout_authenticated"):
        if st.sidebar.button("Log out", icon=":material/logout:"):
            st.session_state.pop("_scout_authenticated", None)
            st.rerun()


def _login_card(text: str) -> None:
    st.title("Scout")
    st.caption(text)


# ----------------------------------------------------------------------------- empty states
def empty_store_help() -> None:
    """How to load data, for an empty store."""
    st.info("**No data yet.** Load some conversation data to find its opinion leaders.",
            icon=":material/inbox:")
    c1, c2 = st.columns(2)
    with c1:
        st.markdown(
            "**From the command line**\n\n"
            "```sh\n"
            "scout load-sample              # the bundled sample data\n"
            "scout ingest jsonl tweets.jsonl.gz\n"
            "scout ingest edges slack.csv --platform slack\n"
            "scout rank\n"
            "```"
        )
    with c2:
        st.markdown("**From the app**\n\nUpload a file or load the sample data on the "
                    "**Data & runs** page, then run the ranking there.")
        st.page_link(PAGES["data"], label="Go to Data & runs", icon=":material/upload_file:")


def no_ranking_help() -> None:
    """For a store with data but no ranking yet."""
    st.info("**No ranking yet.** The data is in; run the ranking to see the leaders.",
            icon=":material/leaderboard:")
    st.markdown("Run `scout rank` in a terminal, or use the **Data & runs** page.")
    st.page_link(PAGES["data"], label="Rank now on Data & runs", icon=":material/play_arrow:")


def require_ranking() -> tuple[GraphStore, Ranking] | None:
    """The store and its ranking, or ``None`` after drawing the right empty state."""
    store = get_store()
    v = version()
    s = stats(store_uri(), v)
    if s.interactions == 0 and s.accounts == 0:
        empty_store_help()
        return None
    r = ranking(store_uri(), v)
    if r is None or r.table.empty:
        no_ranking_help()
        return None
    return store, r


def snapshot_caption(r: Ranking) -> str:
    """``Ranking of 2026-11-23 00:09 UTC (preset balanced, all data) · 5,133 accounts``."""
    cfg = r.config or {}
    window = "all data"
    if cfg.get("since") or cfg.get("until"):
        window = f"{(cfg.get('since') or '…')[:10]} → {(cfg.get('until') or 'now')[:10]}"
    topics = cfg.get("topics") or []
    extra = f", topics {', '.join(topics)}" if topics else ""
    preset = cfg.get("preset", "?")
    resolved = (cfg.get("stats") or {}).get("preset")
    if resolved and resolved != preset:
        preset = f"{preset} ({resolved})"
    if cfg.get("learned"):
        preset += ", weights learned from known leaders"
    return (f"Ranking of {data.human_time(r.created_at)} · preset {preset}, "
            f"{window}{extra} · {len(r.table):,} accounts")


def open_account(key: str) -> None:
    """Go to the Account page for ``key``."""
    st.session_state["account_key"] = key
    st.session_state["_clear_acct_search"] = True
    st.switch_page(PAGES["account"], query_params={"account": key})
