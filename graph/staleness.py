"""Whether the newest ranking snapshot is stale: one rule for ``scout rank --if-stale``,
``scout refresh`` and the app.

A snapshot is current when no event arrived since it was made, its configuration
is the one asked for, and the roster and CRM still give every ranked account the
segment and CRM status it has there. "No event arrived" is read from the ingest
runs: a run that inserted events counts, one that only met duplicates does not,
and one that is still running or was interrupted counts (it may have committed
batches before it stopped).
"""

from __future__ import annotations

import pandas as pd

from graph.model import Snapshot

#: Ingest runs looked at to tell whether events arrived since the newest snapshot.
RUN_LOOKBACK = 200
#: Run sources that write interactions (accounts, roster and CRM files do not).
EVENT_SOURCE_PREFIXES = ("jsonl:", "edges:", "x:")


def ranking_reason(store, config, previous: Snapshot | None,
                   new_events: int = 0) -> str | None:
    """Why the store must be ranked again, or ``None`` when ``previous`` is current.

    Parameters
    ----------
    store : graph.store.GraphStore
    config : graph.ranking.RankConfig
        The ranking that would be made now.
    previous : Snapshot or None
        The newest snapshot.
    new_events : int
        Events the caller itself just inserted (a refresh's sources).

    Returns
    -------
    str or None
        ``"no ranking yet"``, ``"new events"``, ``"the ranking configuration changed"``,
        ``"data was ingested since the last ranking"``, ``"the roster or CRM changed"``,
        or ``None``.
    """
    if previous is None:
        return "no ranking yet"
    if new_events:
        return "new events"
    wanted = config.to_dict()
    if any(previous.config.get(k) != v for k, v in wanted.items()):
        return "the ranking configuration changed"
    made = previous.created_at
    for run in store.runs(limit=RUN_LOOKBACK, kind="ingest"):
        if not run.source.startswith(EVENT_SOURCE_PREFIXES):
            continue
        if (run.finished_at or run.started_at) <= made:
            continue
        if run.inserted > 0 or run.status in ("running", "interrupted"):
            return "data was ingested since the last ranking"
    if segments_changed(store, previous.table):
        return "the roster or CRM changed"
    return None


def segments_changed(store, table: pd.DataFrame) -> int:
    """How many ranked accounts have another segment or CRM status in the store now."""
    if table is None or table.empty:
        return 0
    keys = table["account"].astype(str).tolist()
    now = store.accounts(keys).drop_duplicates("key").set_index("key").reindex(keys)
    changed = pd.Series(False, index=range(len(keys)))
    if "segment" in table and "internal" in now:
        seg = now["internal"].astype("boolean").fillna(False).map(
            {True: "internal", False: "external"})
        changed |= (seg.to_numpy() != table["segment"].to_numpy())
    if "crm_status" in table and "crm_status" in now:
        crm = now["crm_status"].where(now["crm_status"].notna(), "none")
        changed |= (crm.to_numpy() != table["crm_status"].fillna("none").to_numpy())
    return int(changed.sum())
