"""Data shaping for the Streamlit app: plain functions, testable without Streamlit.

The pages (``ui/views/*.py``) only compose these functions with widgets. Every
function here reads a :class:`graph.store.GraphStore` through its public
interface or works on the DataFrames it returns (the ranking table of a
snapshot, interactions, shortlist members).

Nothing here imports :mod:`streamlit`.
"""

from __future__ import annotations

import math
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from graph.export import table_bytes
from graph.frames import counts_column
from graph.model import OUTREACH_STATUSES, Run
from graph.store import GraphStore
from ingest.sample import SAMPLE_DIR

#: Metric columns shown in the Leaders table (when present in the snapshot).
LEADER_METRICS: tuple[str, ...] = (
    "engagers",
    "in_strength",
    "pagerank",
    "betweenness",
    "bridging",
    "reach",
    "activity",
)
#: Where sample data lives in a checkout.
#: Kinds of file the Data page can ingest.
UPLOAD_KINDS: dict[str, str] = {
    "jsonl": "X archive (JSON Lines, plain or .gz)",
    "edges": "Edge list (CSV: source,target[,kind,timestamp,platform,…])",
    "accounts": "Account profiles (CSV)",
    "roster": "Company roster (CSV: handle or email, name, department…)",
    "crm": "CRM list (CSV: handle, status customer/prospect)",
    "replay": "Raw archive of any network (data/raw/<platform>/…/*.jsonl)",
    "linkedin": "An employee's LinkedIn data export, given with consent (.zip, messages.csv, "
                "Connections.csv)",
}
#: Ranking windows offered on the Data page (days; ``None`` = everything).
WINDOWS: dict[str, int | None] = {
    "All data": None,
    "Last 7 days": 7,
    "Last 30 days": 30,
    "Last 90 days": 90,
}


# ----------------------------------------------------------------------------- formatting
def human_count(n: float | int | None) -> str:
    """Format a count for a metric card: ``1234`` → ``'1,234'``, ``None`` → ``'–'``.

    Examples
    --------
    >>> human_count(1234567), human_count(None)
    ('1,234,567', '–')
    """
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return "–"
    return f"{int(n):,}"


def human_time(value: datetime | pd.Timestamp | None, now: datetime | None = None) -> str:
    """``'2026-11-15 23:57 UTC (3 days ago)'`` or ``'–'``.

    Examples
    --------
    >>> human_time(datetime(2024, 5, 1, 12, tzinfo=UTC), now=datetime(2024, 5, 3, tzinfo=UTC))
    '2024-05-01 12:00 UTC (1 day ago)'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return "–"
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return f"{ts:%Y-%m-%d %H:%M} UTC ({ago(ts.to_pydatetime(), now)})"


def ago(value: datetime, now: datetime | None = None) -> str:
    """A rough relative time: ``'just now'``, ``'5 min ago'``, ``'3 days ago'``.

    Examples
    --------
    >>> ago(datetime(2024, 1, 1, tzinfo=UTC), now=datetime(2024, 1, 1, 2, tzinfo=UTC))
    '2 hours ago'
    """
    now = now or datetime.now(UTC)
    seconds = (now - value).total_seconds()
    if seconds < 0:
        return "in the future"
    for unit, size in (("day", 86400), ("hour", 3600), ("min", 60)):
        if seconds >= size:
            n = int(seconds // size)
            plural = "s" if n > 1 and unit != "min" else ""
            return f"{n} {unit}{plural} ago"
    return "just now"


def handle_label(handle: object, key: str) -> str:
    """``'@handle'`` when a handle is known, else the key."""
    if isinstance(handle, str) and handle:
        return "@" + handle
    return str(key)


# ----------------------------------------------------------------------------- links
def post_url(platform: str, post_id: str) -> str | None:
    """A link to a post, when the platform's post ids make one.

    Examples
    --------
    >>> post_url("x", "1790000000000000000")
    'https://x.com/i/web/status/1790000000000000000'
    >>> post_url("linkedin", "urn:li:activity:7")
    'https://www.linkedin.com/feed/update/urn:li:activity:7/'
    >>> post_url("slack", "general:1712.5") is None
    True
    """
    pid = str(post_id or "")
    if not pid or pid.startswith("row:"):
        return None
    if platform == "x" and pid.isdigit():
        return f"https://x.com/i/web/status/{pid}"
    if platform == "linkedin" and pid.startswith("urn:li:"):
        return f"https://www.linkedin.com/feed/update/{pid}/"
    return None


def profile_url(platform: str, handle: object, url: object = None) -> str | None:
    """A link to a profile: X handles link to x.com, others to their stored URL if any.

    Examples
    --------
    >>> profile_url("x", "ann")
    'https://x.com/ann'
    """
    if platform == "x" and isinstance(handle, str) and handle:
        return f"https://x.com/{handle}"
    if isinstance(url, str) and url.startswith(("http://", "https://")):
        return url
    return None


# ----------------------------------------------------------------------------- runs
def last_run(runs: Sequence[Run], kind: str) -> Run | None:
    """The newest run of a kind (``ingest`` or ``rank``) in a newest-first list."""
    for r in runs:
        if r.kind == kind:
            return r
    return None


def runs_frame(runs: Sequence[Run]) -> pd.DataFrame:
    """Runs as a table for display: one row per run, newest first."""
    rows = []
    for r in runs:
        seconds = None
        if r.finished_at is not None:
            seconds = (r.finished_at - r.started_at).total_seconds()
        rows.append({
            "started": pd.Timestamp(r.started_at),
            "kind": r.kind,
            "source": r.source,
            "status": r.status,
            "seconds": seconds,
            "read": r.read,
            "inserted": r.inserted,
            "duplicates": r.duplicates,
            "rejected": r.rejected,
            "errors": len(r.errors),
            "first error": r.errors[0] if r.errors else "",
            "id": r.id,
        })
    cols = ["started", "kind", "source", "status", "seconds", "read", "inserted", "duplicates",
            "rejected", "errors", "first error", "id"]
    return pd.DataFrame(rows, columns=cols)


#: Markdown icons of run statuses (Streamlit renders ``:material/…:`` offline).
STATUS_ICONS: dict[str, str] = {
    "ok": ":green[:material/check_circle:]",
    "partial": ":orange[:material/warning:]",
    "failed": ":red[:material/error:]",
    "interrupted": ":gray[:material/stop_circle:]",
    "running": ":blue[:material/pending:]",
}


def refresh_line(status: Mapping, now: datetime | None = None) -> str:
    """One Markdown line on scheduled refreshes (from :func:`ingest.ops.refresh.refresh_status`).

    Examples
    --------
    >>> refresh_line({"last_refresh": None, "cron": "0 6 * * 1", "timezone": "UTC",
    ...               "next_run": "2026-11-23T06:00:00+00:00", "config_error": None})
    '**Scheduled refresh** &nbsp; never ran yet · next 2026-11-23 06:00 UTC (`0 6 * * 1`)'
    """
    parts = []
    last = status.get("last_refresh")
    if last:
        when = datetime.fromisoformat(last["finished_at"] or last["started_at"])
        icon = {"ok": "✅", "partial": "⚠️", "failed": "❌"}.get(last["status"], "⏳")
        msg = last.get("message") or f"{last.get('new_events', 0):,} new events"
        parts.append(f"{icon} {last['status']} · {ago(when, now)} · {msg}")
    else:
        parts.append("never ran yet")
    if status.get("next_run"):
        nxt = datetime.fromisoformat(status["next_run"]).astimezone(UTC)
        parts.append(f"next {nxt:%Y-%m-%d %H:%M} UTC (`{status['cron']}`)")
    elif status.get("config_error"):
        parts.append(f"configuration problem: {status['config_error'].splitlines()[0]}")
    return "**Scheduled refresh** &nbsp; " + " · ".join(parts)


def run_line(run: Run | None, now: datetime | None = None) -> str:
    """One line about a run for the Overview page.

    Examples
    --------
    >>> run_line(None)
    'never'
    """
    if run is None:
        return "never"
    icon = STATUS_ICONS.get(run.status, "")
    when = ago(run.started_at, now)
    parts = [f"{icon} {run.status}", when, run.source]
    if run.kind == "ingest":
        parts.append(f"{run.inserted:,} new, {run.duplicates:,} duplicates, "
                     f"{run.rejected:,} rejected")
    elif run.kind == "rank" and run.summary:
        n = run.summary.get("accounts")
        if n is not None:
            parts.append(f"{int(n):,} accounts ranked")
    return " · ".join(p for p in parts if p)


# ----------------------------------------------------------------------------- snapshot table
def enrich_table(table: pd.DataFrame, accounts: pd.DataFrame | None) -> pd.DataFrame:
    """The ranking table with current profile data (name, followers, segment, CRM status).

    Segment and CRM status follow the current roster / CRM list, so uploading a
    roster shows at once without re-ranking (scores stay those of the snapshot).
    Adds ``label`` (``@handle`` or the key) and ``name``. With ``accounts=None``
    the snapshot's own values are kept, names are empty (see :func:`fill_names`)
    and followers come from the ``reach`` metric.
    """
    from graph.ranking import refresh_profiles

    t = table
    if accounts is not None and not accounts.empty and not t.empty:
        t = refresh_profiles(t, accounts)
        a = accounts.drop_duplicates("key").set_index("key")
        names = a["name"].reindex(t["account"]).to_numpy(dtype=object)
        t = t.copy()
        t["name"] = np.where(pd.notna(names), names, "")
        if "followers" in a:
            f = pd.to_numeric(a["followers"], errors="coerce").reindex(t["account"]).to_numpy()
            t["followers"] = f
    else:
        t = t.copy()
        t["name"] = ""
    if "followers" not in t:
        t["followers"] = t["reach"] if "reach" in t else np.nan
    for col, default in (("handle", None), ("platform", ""), ("segment", "external"),
                         ("crm_status", "none"), ("community", -1), ("automated", False),
                         ("topics", "")):
        if col not in t:
            t[col] = default
    handles = t["handle"].to_numpy(dtype=object)
    ok = pd.notna(handles) & (handles != "")
    t["label"] = np.where(ok, "@" + pd.Series(handles).fillna("").astype(str).to_numpy(),
                          t["account"].to_numpy(dtype=object))
    return t


#: Up to this many ranked accounts, profiles are always read in full with the ranking.
FULL_PROFILES_UP_TO = 20_000
#: Ingest sources whose runs change names, segments or CRM statuses.
PROFILE_SOURCES: tuple[str, ...] = ("roster:", "crm:", "accounts:")


def profiles_changed_since(runs: Sequence[Run], when: datetime | None) -> bool:
    """Whether a roster, CRM or accounts file was ingested after ``when`` (a snapshot's time).

    Examples
    --------
    >>> t = datetime(2026, 1, 1, tzinfo=UTC)
    >>> r = Run(id="1", kind="ingest", source="roster:r.csv", started_at=t, finished_at=t)
    >>> profiles_changed_since([r], t - timedelta(days=1)), profiles_changed_since([r], t)
    (True, False)
    """
    for r in runs:
        if r.kind == "ingest" and r.source.startswith(PROFILE_SOURCES) and r.status != "failed":
            end = r.finished_at or r.started_at
            if when is None or end > when:
                return True
    return False


def fill_names(view: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """Put display names (``{key: name}``) into a view whose ``name`` column is empty."""
    out = view.copy()
    got = out["account"].map(names)
    out["name"] = got.where(got.notna(), out["name"]).fillna("")
    return out


def filter_options(table: pd.DataFrame) -> dict[str, list]:
    """Values offered by the Leaders filters: platforms, communities, topics (most common first)."""
    if table.empty:
        return {"platforms": [], "communities": [], "topics": []}
    platforms = sorted(table["platform"].dropna().astype(str).unique().tolist())
    communities = (table["community"].dropna().astype(int).value_counts().index.tolist()
                   if "community" in table else [])
    topics: list[str] = []
    if "topics" in table:
        s = table["topics"].fillna("").astype(str)
        s = s[s != ""].head(5000)
        if len(s):
            topics = s.str.split(";").explode().value_counts().head(200).index.tolist()
    return {"platforms": platforms, "communities": communities, "topics": topics}


@dataclass(slots=True)
class LeaderFilters:
    """What the Leaders page filters on (every field optional)."""

    segment: str = "all"  # all, internal, external
    platforms: tuple[str, ...] = ()
    communities: tuple[int, ...] = ()
    topic: str = ""
    min_followers: int = 0
    exclude_automated: bool = True
    crm_only: bool = False
    search: str = ""
    #: Accounts the store's own search found for ``search`` (by name, for big stores whose
    #: table holds no names); they pass the search filter too.
    search_keys: tuple[str, ...] = ()


def filter_leaders(table: pd.DataFrame, f: LeaderFilters) -> pd.DataFrame:
    """Rows of an enriched ranking table that pass the filters, in rank order.

    Adds ``position`` (1 = best in this cut). ``rank`` stays the overall rank.

    Examples
    --------
    >>> t = pd.DataFrame({"account": ["x:1", "x:2"], "rank": [1, 2], "score": [9.0, 5.0],
    ...                   "handle": ["ann", "bob"], "platform": ["x", "x"],
    ...                   "segment": ["internal", "external"], "crm_status": ["none", "customer"],
    ...                   "community": [0, 1], "automated": [False, False], "topics": ["ai", ""],
    ...                   "followers": [10, 2000]})
    >>> filter_leaders(t, LeaderFilters(segment="external"))["handle"].tolist()
    ['bob']
    >>> filter_leaders(t, LeaderFilters(crm_only=True, min_followers=100))["handle"].tolist()
    ['bob']
    """
    if table.empty:
        out = table.copy()
        out["position"] = pd.Series(dtype="int64")
        return out
    mask = np.ones(len(table), dtype=bool)
    if f.segment in ("internal", "external"):
        mask &= (table["segment"] == f.segment).to_numpy()
    if f.platforms:
        mask &= table["platform"].isin(list(f.platforms)).to_numpy()
    if f.communities:
        mask &= table["community"].isin([int(c) for c in f.communities]).to_numpy()
    if f.min_followers:
        fol = pd.to_numeric(table["followers"], errors="coerce").fillna(0).to_numpy()
        mask &= fol >= f.min_followers
    if f.exclude_automated and "automated" in table:
        mask &= ~table["automated"].fillna(False).astype(bool).to_numpy()
    if f.crm_only:
        mask &= table["crm_status"].isin(["customer", "prospect"]).to_numpy()
    if f.topic:
        want = f.topic.strip().lstrip("#").lower()
        if want:
            padded = ";" + table["topics"].fillna("").astype(str).str.lower() + ";"
            mask &= padded.str.contains(";" + re.escape(want) + ";", regex=True).to_numpy()
    if f.search:
        q = f.search.strip().lstrip("@").lower()
        if q:
            hay = (table["handle"].fillna("").astype(str) + "\n"
                   + table.get("name", pd.Series("", index=table.index)).fillna("").astype(str)
                   + "\n" + table["account"].astype(str)).str.lower()
            hit = hay.str.contains(q, regex=False).to_numpy()
            if f.search_keys:
                hit = hit | table["account"].isin(list(f.search_keys)).to_numpy()
            mask &= hit
    out = table.loc[mask].copy()
    out.insert(0, "position", np.arange(1, len(out) + 1, dtype=np.int64))
    return out.reset_index(drop=True)


def leaders_view(rows: pd.DataFrame, limit: int | None = 500) -> pd.DataFrame:
    """The columns of the Leaders table, first ``limit`` rows (``None``: all)."""
    cols = ["position", "rank", "label", "name", "score", "segment", "platform", "community",
            "crm_status", "followers"]
    cols += [c for c in LEADER_METRICS if c in rows and c != "reach"]
    cols += ["automated", "topics", "account"]
    view = rows.head(limit) if limit is not None else rows
    out = view.reindex(columns=cols)
    out["community"] = pd.to_numeric(out["community"], errors="coerce").astype("Int64")
    out["followers"] = counts_column(out["followers"])
    out["topics"] = out["topics"].fillna("").astype(str).str.replace(";", ", ", regex=False)
    return out.reset_index(drop=True)


def top_leaders(table: pd.DataFrame, segment: str, n: int = 5,
                exclude_automated: bool = True) -> pd.DataFrame:
    """The ``n`` best-ranked accounts of a segment (``label, name, score, rank, account,
    segment``)."""
    rows = filter_leaders(table, LeaderFilters(segment=segment,
                                               exclude_automated=exclude_automated))
    return rows.head(n)[["rank", "label", "name", "score", "platform", "account", "segment"]]


def rising_table(current: pd.DataFrame, previous: pd.DataFrame | None, n: int = 10,
                 top: int = 20) -> pd.DataFrame:
    """Rising stars between two snapshots (``graph.ranking.rising_stars``), with labels.

    Ordered by the growth of the attention received when both snapshots have
    ``in_strength`` (the ranking's default), else by relative rank gain;
    ``newcomer`` marks accounts new to the top ``top``.
    """
    from graph.ranking import rising_stars

    cols = ["label", "rank", "previous_rank", "gain", "newcomer", "account"]
    if previous is None or current.empty:
        return pd.DataFrame(columns=cols)
    keep = [c for c in ("account", "rank", "handle", "in_strength") if c in current]
    before = [c for c in ("account", "rank", "in_strength") if c in previous]
    rs = rising_stars(current[keep], previous[before], top=max(n, top))
    if rs.empty:
        return pd.DataFrame(columns=cols)
    labels = current.set_index("account")["label"] if "label" in current else None
    rs["label"] = (labels.reindex(rs["account"]).to_numpy() if labels is not None
                   else rs["account"].to_numpy())
    return rs.head(n)[cols].reset_index(drop=True)


# ----------------------------------------------------------------------------- activity
def activity_by_day(events: pd.DataFrame) -> pd.DataFrame:
    """Events per UTC day and kind: ``day, kind, events`` (long form for a chart).

    Examples
    --------
    >>> ev = pd.DataFrame({"at": pd.to_datetime(["2024-05-01 10:00", "2024-05-01 12:00",
    ...                                            "2024-05-02 09:00"], utc=True),
    ...                    "kind": ["reply", "reply", "like"]})
    >>> activity_by_day(ev)["events"].tolist()
    [2, 1]
    """
    if events.empty:
        return pd.DataFrame({"day": pd.Series(dtype="datetime64[ns]"), "kind": [], "events": []})
    day = pd.to_datetime(events["at"], utc=True).dt.tz_convert(None).dt.floor("D")
    out = (pd.DataFrame({"day": day, "kind": events["kind"].to_numpy()})
           .groupby(["day", "kind"], sort=True).size().rename("events").reset_index())
    return out


def counts_frame(counts: Mapping[str, int], label: str) -> pd.DataFrame:
    """A ``{name: n}`` dict as a two-column table, largest first."""
    df = pd.DataFrame({label: list(counts.keys()), "interactions": list(counts.values())})
    return df.sort_values("interactions", ascending=False, kind="stable").reset_index(drop=True)


# ----------------------------------------------------------------------------- account
def resolve_account(ref: str, table: pd.DataFrame, store: GraphStore | None = None) -> str | None:
    """An account key from a key, a handle (``@`` optional) or a search text.

    Tries the ranking table first (exact key, then handle), then the store.
    """
    ref = (ref or "").strip()
    if not ref:
        return None
    if not table.empty:
        from graph.ranking import find_rows

        pos = find_rows(table, ref)
        if len(pos):
            return str(table.iloc[int(pos[0])]["account"])
    if store is not None:
        keys = store.resolve(ref)
        if keys:
            return keys[0]
    return None


def search_accounts(table: pd.DataFrame, text: str, limit: int = 20,
                    extra_keys: Sequence[str] = ()) -> pd.DataFrame:
    """Best-ranked accounts whose handle, name or key contains ``text`` (or in ``extra_keys``,
    what the store's own search found)."""
    if not text.strip():
        return table.head(0)
    rows = filter_leaders(table, LeaderFilters(search=text, exclude_automated=False,
                                               search_keys=tuple(extra_keys)))
    return rows.head(limit)


def explain(table: pd.DataFrame, config: Mapping | None, key: str) -> dict | None:
    """The ranking helper's explanation of a score, or ``None`` if the account is not ranked.

    ``metrics`` comes back as a DataFrame with ``metric, value, percentile,
    weight, contribution`` (contributions sum to the score).
    """
    from graph.errors import NotFoundError
    from graph.ranking import explain_account, snapshot_weights

    if table.empty:
        return None
    try:
        out = explain_account(table, key, snapshot_weights(table, config))
    except NotFoundError:
        return None
    out["metrics"] = pd.DataFrame(out["metrics"])
    return out


def evidence(events: pd.DataFrame, key: str, labels: Mapping[str, str] | pd.Series,
             limit: int = 200) -> pd.DataFrame:
    """An account's interactions, newest first, with the other side and a link to the post.

    Returns
    -------
    pandas.DataFrame
        ``at, direction (by / to), kind, with, platform, text, link``.
    """
    cols = ["at", "direction", "kind", "with", "platform", "text", "link"]
    if events.empty:
        return pd.DataFrame(columns=cols)
    ev = events.sort_values("at", ascending=False).head(limit)
    by = (ev["source"] == key).to_numpy()
    other = np.where(by, ev["target"].to_numpy(dtype=object), ev["source"].to_numpy(dtype=object))
    lab = pd.Series(labels) if not isinstance(labels, pd.Series) else labels
    other_label = lab.reindex(other).to_numpy(dtype=object)
    other_label = np.where(pd.notna(other_label), other_label, other)
    out = pd.DataFrame({
        "at": pd.to_datetime(ev["at"], utc=True).to_numpy(),
        "direction": np.where(by, "by", "to"),
        "kind": ev["kind"].to_numpy(),
        "with": other_label,
        "platform": ev["platform"].to_numpy(),
        "text": ev["text"].fillna("").astype(str).to_numpy(),
        "link": [post_url(p, i) for p, i in zip(ev["platform"], ev["post_id"], strict=True)],
    })
    out["at"] = pd.to_datetime(out["at"], utc=True)
    return out.reset_index(drop=True)


def _layout(g, seed: int = 7) -> dict:
    """2-D positions of a small graph: Kamada-Kawai on tie distances (readable for < 100
    nodes), each connected piece placed by a seeded spring layout first."""
    import networkx as nx

    if len(g) <= 1:
        return {n: np.array([0.0, 0.0]) for n in g}
    h = g.copy()
    for _, _, d in h.edges(data=True):
        d["distance"] = 1.0 / (1.0 + math.log1p(d.get("weight", 1.0)))
    start = nx.spring_layout(h, seed=seed, weight="weight")
    try:
        return nx.kamada_kawai_layout(h, pos=start, weight="distance")
    except Exception:  # noqa: BLE001 - scipy optimiser edge cases: keep the spring layout
        return start


def history_frame(history: pd.DataFrame) -> pd.DataFrame:
    """``account_history`` with naive UTC times, for a chart."""
    if history.empty:
        return history
    h = history.copy()
    h["created_at"] = pd.to_datetime(h["created_at"], utc=True).dt.tz_convert(None)
    return h


# ----------------------------------------------------------------------------- communities
def broker_board(table: pd.DataFrame) -> pd.DataFrame:
    """The ranking helper's broker leaderboard (``brokers`` preset among accounts with
    bridging > 0) with this app's labels: ``position, account (key), label, score, community,
    bridging, betweenness, rank``."""
    from graph.ranking import leaderboard

    cols = ["position", "account", "label", "score", "community", "bridging", "betweenness",
            "rank"]
    if table.empty or "bridging" not in table:
        return pd.DataFrame(columns=cols)
    board = leaderboard(table, "brokers", top=None)
    labels = table.set_index("account")["label"]
    out = pd.DataFrame({
        "position": board["rank"].to_numpy(),
        "account": board["key"].to_numpy(dtype=object),
        "label": labels.reindex(board["key"]).to_numpy(dtype=object),
        "score": board["score"].to_numpy(dtype=float),
        "community": board["community"].to_numpy(),
        "bridging": board["bridging"].to_numpy(dtype=float),
        "betweenness": (board["betweenness"].to_numpy(dtype=float) if "betweenness" in board
                        else np.nan),
        "rank": board["overall_rank"].to_numpy(),
    })
    return out[cols]


def community_summary(table: pd.DataFrame, leaders: int = 3, brokers: int = 3,
                      board: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per community: size, employees, customers, top topics, leaders and brokers.

    Leaders are the best-ranked members; brokers come from :func:`broker_board`
    (pass it when already computed).
    """
    cols = ["community", "members", "internal", "customers", "leaders", "brokers", "topics"]
    if table.empty or "community" not in table:
        return pd.DataFrame(columns=cols)
    board = broker_board(table) if board is None else board
    top_brokers = (board.groupby("community", sort=False)["label"]
                   .apply(lambda s: ", ".join(s.head(brokers).astype(str))))
    t = table[table["community"].notna()]
    rows = []
    for cid, g in t.groupby(t["community"].astype(int), sort=False):
        g = g.sort_values("rank")
        topics = ""
        if "topics" in g:
            s = g["topics"].fillna("").astype(str)
            s = s[s != ""]
            if len(s):
                topics = ", ".join(s.str.split(";").explode().value_counts().head(5).index)
        rows.append({
            "community": int(cid),
            "members": int(len(g)),
            "internal": int((g["segment"] == "internal").sum()),
            "customers": int(g["crm_status"].isin(["customer", "prospect"]).sum()),
            "leaders": ", ".join(g.head(leaders)["label"].astype(str)),
            "brokers": top_brokers.get(cid, ""),
            "topics": topics,
        })
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["members", "community"], ascending=[False, True]).reset_index(drop=True)


def community_graph(table: pd.DataFrame, events: pd.DataFrame, summary: pd.DataFrame | None = None,
                    min_members: int | None = None, seed: int = 7, max_communities: int = 40
                    ) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Communities as nodes (sized by members) and interaction volume between them as edges.

    Communities smaller than ``min_members`` (default: 0.5 % of the accounts, at
    least 5) are left out of the picture.

    Returns
    -------
    (nodes, edges, hidden)
        ``nodes``: ``community, members, x, y, internal_share, leader, topics,
        internal_events``; ``edges``: ``source, target, interactions, x, y, x2, y2``;
        ``hidden``: how many small communities were left out.
    """
    import networkx as nx

    node_cols = ["community", "members", "x", "y", "internal_share", "leader", "topics",
                 "internal_events"]
    edge_cols = ["source", "target", "interactions", "x", "y", "x2", "y2"]
    if table.empty or "community" not in table:
        return pd.DataFrame(columns=node_cols), pd.DataFrame(columns=edge_cols), 0
    if min_members is None:
        min_members = max(5, int(0.005 * len(table)))
    sizes = table.groupby("community").size().sort_values(ascending=False)
    big = sizes[sizes >= min_members].head(max_communities)
    if big.empty:
        big = sizes.head(max_communities)
    hidden = int(len(sizes) - len(big))
    keep = [int(c) for c in big.index]
    comm = table.set_index("account")["community"]
    if events.empty:
        cs = ct = np.array([], dtype=float)
    else:
        cs = comm.reindex(events["source"]).to_numpy(dtype=float)
        ct = comm.reindex(events["target"]).to_numpy(dtype=float)
    ok = ~np.isnan(cs) & ~np.isnan(ct)
    pairs = pd.DataFrame({"a": cs[ok].astype(int), "b": ct[ok].astype(int)})
    pairs = pairs[pairs["a"].isin(keep) & pairs["b"].isin(keep)]
    internal_events = pairs[pairs["a"] == pairs["b"]].groupby("a").size()
    cross = pairs[pairs["a"] != pairs["b"]]
    edges = (pd.DataFrame({"source": np.minimum(cross["a"], cross["b"]),
                           "target": np.maximum(cross["a"], cross["b"])})
             .groupby(["source", "target"]).size().rename("interactions").reset_index())
    g = nx.Graph()
    g.add_nodes_from(keep)
    for a, b, w in edges.itertuples(index=False, name=None):
        g.add_edge(int(a), int(b), weight=float(w))
    if len(keep) <= 12:
        # Few communities: a ring, largest first, reads best (no overlap, chords for ties).
        ring = nx.circular_layout(keep)
        pos = {c: ring[c] for c in keep}
    else:
        pos = _layout(g, seed)
    t = table[table["community"].isin(keep)]
    internal_share = t.groupby("community")["segment"].apply(
        lambda s: float((s == "internal").mean()))
    leader = t.sort_values("rank").groupby("community")["label"].first()
    nodes = pd.DataFrame({"community": keep, "members": big.to_numpy()})
    nodes["x"] = [float(pos[c][0]) for c in keep]
    nodes["y"] = [float(pos[c][1]) for c in keep]
    nodes["internal_share"] = internal_share.reindex(keep).fillna(0).to_numpy()
    nodes["leader"] = leader.reindex(keep).fillna("").to_numpy()
    topics = (summary.set_index("community")["topics"] if summary is not None and len(summary)
              else pd.Series(dtype=object))
    nodes["topics"] = topics.reindex(keep).fillna("").to_numpy()
    nodes["internal_events"] = internal_events.reindex(keep).fillna(0).astype(int).to_numpy()
    edges = edges.copy()
    edges["x"] = [float(pos[int(c)][0]) for c in edges["source"]]
    edges["y"] = [float(pos[int(c)][1]) for c in edges["source"]]
    edges["x2"] = [float(pos[int(c)][0]) for c in edges["target"]]
    edges["y2"] = [float(pos[int(c)][1]) for c in edges["target"]]
    return nodes[node_cols], edges[edge_cols].reset_index(drop=True), hidden


# ----------------------------------------------------------------------------- shortlists
#: Columns of a shortlist export, in order.
EXPORT_COLUMNS: tuple[str, ...] = (
    "handle", "name", "platform", "account", "profile", "segment", "crm_status", "followers",
    "rank", "score", "community", "status", "owner", "note", "added_at",
)
EDITABLE_MEMBER_COLUMNS: tuple[str, ...] = ("note", "owner", "status")


def members_view(members: pd.DataFrame, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Shortlist members with their rank and score from the current snapshot.

    Returns
    -------
    pandas.DataFrame
        The members (``shortlist_members`` columns) plus ``label, segment, rank,
        score, community, profile``; ``note/owner/status`` as plain strings.
    """
    m = members.copy()
    if m.empty:
        for c in ("label", "segment", "rank", "score", "community", "profile"):
            m[c] = pd.Series(dtype=object)
        return m
    m["segment"] = np.where(m["internal"].fillna(False).astype(bool), "internal", "external")
    if table is not None and not table.empty:
        info = table.set_index("account")
        m["rank"] = pd.to_numeric(info["rank"].reindex(m["account"]), errors="coerce").astype(
            "Int64").to_numpy()
        m["score"] = pd.to_numeric(info["score"].reindex(m["account"]), errors="coerce").to_numpy()
        m["community"] = pd.to_numeric(info["community"].reindex(m["account"]),
                                       errors="coerce").astype("Int64").to_numpy()
    else:
        m["rank"] = pd.array([pd.NA] * len(m), dtype="Int64")
        m["score"] = np.nan
        m["community"] = pd.array([pd.NA] * len(m), dtype="Int64")
    m["label"] = [handle_label(h, k) for h, k in zip(m["handle"], m["account"], strict=True)]
    m["profile"] = [profile_url(p, h) for p, h in zip(m["platform"], m["handle"], strict=True)]
    for c in EDITABLE_MEMBER_COLUMNS:
        m[c] = m[c].fillna("").astype(str)
    m["status"] = m["status"].where(m["status"].isin(OUTREACH_STATUSES), OUTREACH_STATUSES[0])
    return m.reset_index(drop=True)


def member_changes(before: pd.DataFrame, after: pd.DataFrame) -> list[dict]:
    """What the user changed in the members editor: ``[{account, note?, owner?, status?}]``.

    Both frames have ``account`` and the editable columns; rows are matched by account.

    Examples
    --------
    >>> b = pd.DataFrame({"account": ["x:1"], "note": [""], "owner": [""], "status": ["to contact"]})
    >>> a = b.assign(status=["contacted"])
    >>> member_changes(b, a)
    [{'account': 'x:1', 'status': 'contacted'}]
    """
    out = []
    old = before.set_index("account")
    for row in after.to_dict("records"):
        key = row["account"]
        if key not in old.index:
            continue
        change = {}
        for c in EDITABLE_MEMBER_COLUMNS:
            new = "" if row.get(c) is None or (isinstance(row.get(c), float)
                                                and math.isnan(row[c])) else str(row[c])
            prev = old.at[key, c]
            prev = "" if prev is None or (isinstance(prev, float) and math.isnan(prev)) else str(prev)
            if new != prev:
                change[c] = new
        if change:
            out.append({"account": key, **change})
    return out


def export_frame(members: pd.DataFrame) -> pd.DataFrame:
    """What a shortlist export holds (a :func:`members_view` frame in, export columns out)."""
    m = members.copy()
    if "profile" not in m:
        m["profile"] = None
    out = m.reindex(columns=list(EXPORT_COLUMNS))
    out["added_at"] = pd.to_datetime(out["added_at"], utc=True, errors="coerce").dt.strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    out["score"] = pd.to_numeric(out["score"], errors="coerce").round(2)
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """Spreadsheet-safe CSV with a BOM (Excel then reads accents right)."""
    return table_bytes(df, "csv", bom=True)


def to_xlsx_bytes(df: pd.DataFrame, sheet_name: str = "shortlist") -> bytes:
    """Spreadsheet-safe XLSX."""
    return table_bytes(df, "xlsx", sheet_name=sheet_name)


def to_json_bytes(df: pd.DataFrame) -> bytes:
    """JSON array of rows, text cells neutralised as in the CSV."""
    return table_bytes(df, "json")


def export_filename(name: str, ext: str, today: datetime | None = None) -> str:
    """``scout-shortlist-<slug>-<date>.<ext>``.

    Examples
    --------
    >>> export_filename("Q3 advocates!", "csv", datetime(2024, 5, 1))
    'scout-shortlist-q3-advocates-2024-05-01.csv'
    """
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "shortlist"
    day = (today or datetime.now(UTC)).strftime("%Y-%m-%d")
    return f"scout-shortlist-{slug[:40]}-{day}.{ext}"


# ----------------------------------------------------------------------------- ingest & rank
class CallbackProgress:
    """An :class:`ingest.pipeline.Progress` that forwards totals to a callback.

    The callback gets ``(fraction or None, posts, edges)``; ``fraction`` is the
    share of the input read when its size is known.
    """

    def __init__(self, callback: Callable[[float | None, int, int], None],
                 total: int | None = None, every: float = 0.15) -> None:
        self.callback = callback
        self.total = total
        self.every = every
        self._last = 0.0

    def update(self, posts: int, edges: int, position: int | None) -> None:
        now = time.monotonic()
        if now - self._last < self.every:
            return
        self._last = now
        self._emit(posts, edges, position)

    def _emit(self, posts: int, edges: int, position: int | None) -> None:
        frac = None
        if self.total and position is not None:
            frac = max(0.0, min(1.0, position / self.total))
        self.callback(frac, posts, edges)

    def finish(self, posts: int, edges: int, position: int | None) -> None:
        self._emit(posts, edges, self.total if self.total else position)

    def close(self) -> None:
        """Nothing to release."""


@dataclass(slots=True)
class IngestOutcome:
    """What an upload did: the run record and every rejected line."""

    run: Run
    rejected: list[str] = field(default_factory=list)
    error: str | None = None


def ingest_file(store: GraphStore, path: str | Path, kind: str, *, display_name: str | None = None,
                platform: str | None = None, replace: bool = False,
                progress: Callable[[float | None, int, int], None] | None = None) -> IngestOutcome:
    """Ingest one file into ``store`` (:func:`ingest.jobs.import_file`) for the Data page.

    Parameters
    ----------
    kind : {"jsonl", "edges", "accounts", "roster", "crm"}
    display_name : str, optional
        Name recorded in the run and in rejection messages (the uploaded file's name).
    platform : str, optional
        Default platform of edge-list / accounts rows without one.
    replace : bool
        Roster / CRM: drop the previous list first.
    progress : callable, optional
        ``(fraction or None, records, edges)`` while a JSONL / edge file is read.

    Returns
    -------
    IngestOutcome
        Never raises for bad input: a file that cannot be read gives a failed
        run and ``error``.
    """
    from graph.errors import ScoutError
    from ingest.jobs import import_file

    if kind not in UPLOAD_KINDS:
        raise ValueError(f"unknown upload kind {kind!r}")
    rejected: list[str] = []
    sink = CallbackProgress(progress, total=Path(path).stat().st_size) if progress else None
    try:
        if kind == "linkedin":  # a company source: the export is one run
            from ingest.jobs import import_source

            run = import_source(store, path, kind, name=display_name or Path(path).name,
                                report=rejected.append, progress=sink)
        else:
            run = import_file(
                store, path, kind, name=display_name or Path(path).name, platform=platform or None,
                replace=replace, report=rejected.append, progress=sink,
            )
    except ScoutError as exc:
        failed = store.runs(limit=1, kind="ingest")
        return IngestOutcome(run=failed[0] if failed else None, rejected=rejected, error=str(exc))
    return IngestOutcome(run=run, rejected=rejected)


def ingest_bytes(store: GraphStore, data: bytes, filename: str, kind: str, **options) -> IngestOutcome:
    """:func:`ingest_file` for an uploaded file's bytes (written to a temporary file first)."""
    suffix = "".join(Path(filename).suffixes[-2:]) or ".txt"
    with tempfile.TemporaryDirectory(prefix="scout-upload-") as tmp:
        path = Path(tmp) / ("upload" + suffix)
        path.write_bytes(data)
        return ingest_file(store, path, kind, display_name=filename, **options)


def network_choices() -> dict[str, dict]:
    """The app's "Fetch from a network" form: each connector's title, endpoints, options and
    credential variables, with whether each variable is set (never its value)."""
    import os

    from ingest.connectors import connector, platforms

    out = {}
    for platform in platforms():
        conn = connector(platform)
        out[platform] = {
            "title": conn.title,
            "help": conn.help,
            "endpoints": {e.name: e for e in conn.endpoints},
            "options": list(conn.options),
            "credentials": {name: bool((os.environ.get(name) or "").strip())
                            for name in conn.credentials},
            "unit": conn.unit,
        }
    return out


def fetch_network(store: GraphStore, platform: str, endpoint: str, value: str, *,
                  max_posts: int | None = None, options: dict | None = None,
                  progress: Callable[[float | None, int, int], None] | None = None,
                  wait: Callable[[float, str], None] | None = None) -> IngestOutcome:
    """One incremental fetch of a network (:func:`ingest.jobs.fetch_platform`) for the Data page.

    Returns
    -------
    IngestOutcome
        Never raises for bad input, missing credentials or an API that keeps
        failing: the outcome carries the run (failed) and ``error``.
    """
    from graph.errors import ScoutError
    from ingest.jobs import fetch_platform

    rejected: list[str] = []
    sink = CallbackProgress(progress) if progress else None
    try:
        run = fetch_platform(store, platform, endpoint, value, max_posts=max_posts,
                             options=options, report=rejected.append, progress=sink, waiter=wait)
    except ScoutError as exc:
        failed = store.runs(limit=1, kind="ingest")
        mine = failed[0] if failed and failed[0].source.startswith(f"{platform}:") else None
        return IngestOutcome(run=mine, rejected=rejected, error=str(exc))
    return IngestOutcome(run=run, rejected=rejected)


def guess_kind(filename: str) -> str:
    """The upload kind a file name suggests.

    Examples
    --------
    >>> guess_kind("tweets.jsonl.gz"), guess_kind("roster.csv"), guess_kind("edges.csv")
    ('jsonl', 'roster', 'edges')
    >>> guess_kind("2026-11-30.jsonl")  # the raw archive's daily file
    'replay'
    >>> guess_kind("Basic_LinkedInDataExport_05-01-2024.zip"), guess_kind("Connections.csv")
    ('linkedin', 'linkedin')
    """
    n = filename.lower()
    if "linkedin" in n or n.rsplit("/", 1)[-1] in ("messages.csv", "connections.csv"):
        return "linkedin"
    if ".json" in n:
        return "replay" if "raw/" in n or n.startswith("20") and n[:10].count("-") == 2 else "jsonl"
    for kind in ("roster", "crm", "accounts"):
        if kind in n:
            return kind
    if "employee" in n or "staff" in n:
        return "roster"
    if "customer" in n or "prospect" in n:
        return "crm"
    return "edges"


def rank_config(preset: str, window_days: int | None, topics: Iterable[str] = (),
                last_event: datetime | None = None, since: datetime | None = None,
                until: datetime | None = None):
    """A :class:`graph.ranking.RankConfig` for the Data page's choices
    (:func:`graph.rank_config.build_rank_config`).

    The window ends at the newest event (so that sample data from the past still
    has a "last 30 days"), or now when the store is empty; ``since``/``until``
    give a custom window instead.
    """
    from graph.rank_config import build_rank_config

    return build_rank_config(preset=preset, window_days=window_days, newest=last_event,
                             since=since, until=until, topics=topics)


def rank(store: GraphStore, config, progress: Callable[[str], None] | None = None,
         learn_from: pd.Series | None = None):
    """Rank the store and save a snapshot, with the engine scheduled refreshes use.

    The engine and its Spark settings come from the app's ``scout.toml``
    (``[ranking] engine``, ``[spark]``; :func:`ingest.ops.config.default_config_path`),
    else ``$SCOUT_RANK_ENGINE``, else in-process (:func:`graph.engine.rank_with_engine`).
    Learning weights from labelled leaders ranks in-process.
    """
    from graph.engine import rank_with_engine
    from ingest.ops.config import default_config_path, load_config

    engine, spark = None, None
    path = default_config_path()
    if path is not None:
        cfg = load_config(path)
        engine, spark = cfg.ranking.get("engine"), cfg.spark or None
    if learn_from is not None:
        engine = "local"
    return rank_with_engine(store, config, engine=engine, spark=spark, progress=progress,
                            learn_from=learn_from)


def sample_available(folder: Path = SAMPLE_DIR) -> bool:
    """Whether the sample data (``data/``) is there to load."""
    from ingest.sample import sample_available as available

    return available(folder)


def load_sample(store: GraphStore, folder: Path = SAMPLE_DIR,
                step: Callable[[str, float], None] | None = None) -> list[IngestOutcome]:
    """Ingest the sample data (``data/``) into ``store``: accounts, X pages, edges, roster, CRM.

    ``step(message, fraction)`` is told which file is being loaded.
    """
    from ingest.sample import load_sample as load

    rejected: list[str] = []
    runs = load(store, folder, step=step, report=rejected.append)
    def of(run: Run) -> list[str]:
        name = run.source.split(":", 1)[1]  # "kind:data/file" -> "data/file"
        return [m for m in rejected if m.startswith(name + ":")]

    return [IngestOutcome(run=r, rejected=of(r)) for r in runs]


def leaders_export(rows: pd.DataFrame) -> pd.DataFrame:
    """The columns of a Leaders table download."""
    cols = ["position", "rank", "label", "name", "account", "platform", "segment", "score",
            "community", "crm_status", "followers", "topics"]
    out = rows.reindex(columns=cols).rename(columns={"label": "handle"})
    out["score"] = pd.to_numeric(out["score"], errors="coerce").round(2)
    return out


# ----------------------------------------------------------------------------- evaluate & learn
def truth_from_shortlist(store: GraphStore, name: str, table: pd.DataFrame) -> pd.Series:
    """Labels from a shortlist: its members are leaders (1), every other ranked account 0.

    A shortlist names only the people a team already chose; everybody else in
    the ranking counts as "not (yet) a known leader".
    """
    members = store.shortlist_members(name)
    keys = set(members["account"].astype(str)) if len(members) else set()
    accounts = table["account"].astype(str)
    labels = pd.Series(accounts.isin(keys).astype(float).to_numpy(), index=accounts.to_numpy())
    labels.attrs["implicit_negatives"] = True
    return labels


def evaluation_frames(ev) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The evaluation's model table (rounded) and the labelled leaders' positions."""
    table = ev.table.copy()
    for c in table.columns:
        if c != "model":
            table[c] = pd.to_numeric(table[c], errors="coerce").round(3)
    leaders = ev.leaders.copy()
    if len(leaders):
        first = [c for c in leaders.columns if c not in ("account", "handle")][0]
        leaders = leaders.sort_values(first, na_position="last", kind="stable")
    return table, leaders
