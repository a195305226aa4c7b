"""The account-level interaction network, and its GEXF / GraphML files for Gephi and others.

Nodes are accounts, edges are aggregated interactions: one edge per
``(source, target, kind)`` with how many times it happened and when first and
last. Nodes carry the ranking's view of each account (score, rank,
community) and today's profile (handle, platform, segment, CRM status).

GEXF is written in *dynamic* mode (GEXF 1.2, ``timeformat="date"``): each node
lives from its first to its last interaction day (``start``/``end``), each
edge from its first to its last occurrence, so Gephi's timeline replays the
conversation. GraphML (no notion of time) carries the same values as
attributes.

Attributes
----------
Nodes: ``label`` (handle), ``handle``, ``platform``, ``segment``
(internal/external), ``score`` (0–100; 0 when unranked), ``rank`` (1 = best; -1
when the account is not in the snapshot), ``community`` (-1 when unknown),
``crm_status``, ``first_at``/``last_at`` (ISO 8601 UTC) and, in GEXF,
``start``/``end``.

Edges: ``kind``, ``count``, ``weight`` (= count), ``first_at``/``last_at`` and,
in GEXF, ``start``/``end``.

Examples
--------
>>> import pandas as pd
>>> ev = pd.DataFrame({"source": ["x:1", "x:1", "x:2"], "target": ["x:2", "x:2", "x:1"],
...                    "kind": ["reply", "reply", "repost"],
...                    "at": pd.to_datetime(["2024-05-01", "2024-05-03", "2024-05-02"], utc=True)})
>>> g = interaction_network(ev)
>>> g.number_of_nodes(), g.number_of_edges(), g.edges["x:1", "x:2", "reply"]["count"]
(2, 2, 2)
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import IO

import networkx as nx
import numpy as np
import pandas as pd

from graph.errors import InputError

FORMATS = ("gexf", "graphml")
#: MIME types of the two formats (app downloads).
MIME = {"gexf": "application/gexf+xml", "graphml": "application/graphml+xml"}
NODE_ATTRIBUTES = ("handle", "platform", "segment", "score", "rank", "community", "crm_status",
                   "first_at", "last_at")
EDGE_ATTRIBUTES = ("kind", "count", "weight", "first_at", "last_at")
# Characters XML 1.0 cannot carry at all (handles and names are user-controlled text).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: object) -> str:
    """``value`` as text an XML 1.0 file can hold (invalid characters dropped).

    Examples
    --------
    >>> xml_text("ann\\x00\\x07 <b>")
    'ann <b>'
    """
    return _XML_INVALID.sub("", "" if value is None else str(value))


def _iso(ts: pd.Series) -> np.ndarray:
    return ts.dt.strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy(dtype=object)


def _day(ts: pd.Series) -> np.ndarray:
    return ts.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)


def edge_table(events: pd.DataFrame) -> pd.DataFrame:
    """Aggregate events into one row per ``(source, target, kind)`` (self-interactions dropped).

    Returns
    -------
    pandas.DataFrame
        ``source, target, kind, count, first, last`` (``first``/``last`` UTC timestamps).
    """
    cols = ["source", "target", "kind", "count", "first", "last"]
    if events.empty:
        return pd.DataFrame(columns=cols)
    ev = events.loc[events["source"].to_numpy() != events["target"].to_numpy(),
                    ["source", "target", "kind", "at"]]
    ev = ev.assign(at=pd.to_datetime(ev["at"], utc=True))
    out = (ev.groupby(["source", "target", "kind"], sort=True, observed=True)["at"]
           .agg(count="size", first="min", last="max").reset_index())
    return out[cols]


def node_table(edges: pd.DataFrame, table: pd.DataFrame | None = None,
               accounts: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per account in ``edges`` with its attributes (see the module docstring).

    Parameters
    ----------
    edges : pandas.DataFrame
        From :func:`edge_table`.
    table : pandas.DataFrame, optional
        A ranking table (``account`` key, ``score``, ``rank``, ``community``,
        ``handle``, ``platform``, ``segment``, ``crm_status``).
    accounts : pandas.DataFrame, optional
        Current profiles (:meth:`GraphStore.accounts`): handle, segment and CRM
        status as of today win over the snapshot's.
    """
    both = pd.concat([
        edges[["source", "first", "last"]].rename(columns={"source": "account"}),
        edges[["target", "first", "last"]].rename(columns={"target": "account"}),
    ], ignore_index=True)
    act = both.groupby("account", sort=True).agg(first=("first", "min"), last=("last", "max"))
    keys = act.index.to_numpy(dtype=object)
    out = pd.DataFrame({"account": keys})
    out["platform"] = [k.split(":", 1)[0] if ":" in k else "" for k in keys]
    out["handle"] = keys
    out["segment"] = "external"
    out["crm_status"] = "none"
    out["score"] = 0.0
    out["rank"] = -1
    out["community"] = -1
    if table is not None and not table.empty:
        t = table.drop_duplicates("account").set_index("account").reindex(keys)
        known = t["rank"].notna().to_numpy() if "rank" in t else np.zeros(len(keys), bool)
        for col, default in (("score", 0.0), ("rank", -1), ("community", -1)):
            if col in t:
                vals = pd.to_numeric(t[col], errors="coerce")
                out[col] = vals.fillna(default).to_numpy()
        for col in ("handle", "platform", "segment", "crm_status"):
            if col in t:
                vals = t[col].to_numpy(dtype=object)
                ok = known & pd.notna(vals) & (vals != "")
                out[col] = np.where(ok, vals, out[col].to_numpy(dtype=object))
    if accounts is not None and not accounts.empty:
        from graph.ranking import refresh_profiles

        out = refresh_profiles(out, accounts)
    out["score"] = out["score"].astype(float).round(4)
    out["rank"] = out["rank"].astype(np.int64)
    out["community"] = out["community"].astype(np.int64)
    out["first"] = act["first"].to_numpy()
    out["last"] = act["last"].to_numpy()
    return out


def interaction_network(events: pd.DataFrame, table: pd.DataFrame | None = None,
                        accounts: pd.DataFrame | None = None) -> nx.MultiDiGraph:
    """The account network of ``events`` with ranking and profile attributes.

    Parameters
    ----------
    events : pandas.DataFrame
        Interactions (``source, target, kind, at``).
    table, accounts : pandas.DataFrame, optional
        See :func:`node_table`.

    Returns
    -------
    networkx.MultiDiGraph
        Edge keys are the interaction kinds.
    """
    edges = edge_table(events)
    g = nx.MultiDiGraph()
    if edges.empty:
        return g
    nodes = node_table(edges, table, accounts)
    n_first, n_last = pd.Series(nodes["first"]), pd.Series(nodes["last"])
    node_attrs = pd.DataFrame({
        "label": [xml_text(h) for h in nodes["handle"]],
        "handle": [xml_text(h) for h in nodes["handle"]],
        "platform": nodes["platform"].astype(str).to_numpy(dtype=object),
        "segment": nodes["segment"].astype(str).to_numpy(dtype=object),
        "score": nodes["score"].to_numpy(dtype=float),
        "rank": nodes["rank"].to_numpy(dtype=np.int64),
        "community": nodes["community"].to_numpy(dtype=np.int64),
        "crm_status": nodes["crm_status"].fillna("none").astype(str).to_numpy(dtype=object),
        "first_at": _iso(n_first), "last_at": _iso(n_last),
        "start": _day(n_first), "end": _day(n_last),
    })
    records = node_attrs.to_dict("records")
    # numpy scalars would be written with their repr by some writers: plain Python values
    g.add_nodes_from(zip(nodes["account"].tolist(), records, strict=True))
    e_first, e_last = edges["first"], edges["last"]
    attrs = pd.DataFrame({
        "kind": edges["kind"].astype(str).to_numpy(dtype=object),
        "count": edges["count"].astype(np.int64).to_numpy(),
        "weight": edges["count"].astype(float).to_numpy(),
        "first_at": _iso(e_first), "last_at": _iso(e_last),
        "start": _day(e_first), "end": _day(e_last),
    }).to_dict("records")
    g.add_edges_from(zip(edges["source"].tolist(), edges["target"].tolist(),
                         edges["kind"].astype(str).tolist(), attrs, strict=True))
    return g


def _plain(g: nx.MultiDiGraph) -> None:
    """Turn numpy scalars into Python values in place (the writers infer types from them)."""
    for _, d in g.nodes(data=True):
        for k, v in d.items():
            if isinstance(v, np.generic):
                d[k] = v.item()
    for _, _, d in g.edges(data=True):
        for k, v in d.items():
            if isinstance(v, np.generic):
                d[k] = v.item()


def graph_bytes(g: nx.MultiDiGraph, fmt: str, description: str = "") -> bytes:
    """``g`` as a GEXF 1.2 (dynamic) or GraphML file.

    Raises
    ------
    InputError
        Unknown format.
    """
    if fmt not in FORMATS:
        raise InputError(f"graph format must be one of: {', '.join(FORMATS)}")
    _plain(g)
    buf = io.BytesIO()
    if fmt == "graphml":
        h = g.copy()
        for _, d in h.nodes(data=True):  # time lives in first_at/last_at here
            d.pop("start", None)
            d.pop("end", None)
        for _, _, d in h.edges(data=True):
            d.pop("start", None)
            d.pop("end", None)
        h.graph = {"description": xml_text(description)} if description else {}
        nx.write_graphml(h, buf, encoding="utf-8")
        return buf.getvalue()
    from xml.etree.ElementTree import SubElement

    from networkx.readwrite.gexf import GEXFWriter

    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    writer.add_graph(g)
    # The GEXF 1.2 schema knows no graph name.
    writer.graph_element.attrib.pop("name", None)
    if g.number_of_nodes() and writer.graph_element.get("mode") != "dynamic":
        writer.graph_element.set("mode", "dynamic")
        writer.graph_element.set("timeformat", "date")
    if description:
        meta = writer.xml.find("meta")
        if meta is not None:
            SubElement(meta, "description").text = xml_text(description)
    writer.write(buf)
    return buf.getvalue()


def write_graph(g: nx.MultiDiGraph, fmt: str, path: str | Path | None = None,
                stream: IO[bytes] | None = None, description: str = "") -> int:
    """Write ``g`` to ``path`` (atomically) or a binary ``stream``; returns the bytes written."""
    data = graph_bytes(g, fmt, description)
    if path is not None:
        from graph.export import write_atomically

        write_atomically(Path(path), data)
    elif stream is not None:
        stream.write(data)
        stream.flush()
    return len(data)


def pseudonymise_network(g: nx.MultiDiGraph, store) -> int:
    """Show employees as initials + department, with ids that do not name them (in place).

    Nodes of the ``internal`` segment get the label :func:`graph.people.pseudonym`
    gives their person and the id ``internal:N``; scores, ranks and edges stay.

    Returns
    -------
    int
        How many nodes were pseudonymised.
    """
    from graph.people import PeopleState, pseudonymise_accounts

    inside = sorted(n for n, d in g.nodes(data=True) if d.get("segment") == "internal")
    if not inside:
        return 0
    board = pd.DataFrame({"account": [g.nodes[n].get("handle", n) for n in inside],
                          "key": inside, "segment": "internal"})
    labels = pseudonymise_accounts(board, PeopleState(store))["account"].tolist()
    for key, label in zip(inside, labels, strict=True):
        g.nodes[key]["handle"] = g.nodes[key]["label"] = xml_text(label)
    nx.relabel_nodes(g, {k: f"internal:{i}" for i, k in enumerate(inside, 1)}, copy=False)
    return len(inside)


def network_from_store(store, since=None, until=None, platforms=None, topics=None,
                       snapshot=None, pseudonymise: bool | None = None,
                       themes=None) -> nx.MultiDiGraph:
    """The network of the store's interactions in a window, with a snapshot's ranking.

    Parameters
    ----------
    store : graph.store.GraphStore
    since, until : datetime, optional
        ``since <= at < until``.
    platforms, topics : sequence of str, optional
        Only these platforms / events carrying any of these topics.
    snapshot : graph.model.Snapshot, optional
        Scores, ranks and communities (default: the newest; none when unranked).
    pseudonymise : bool, optional
        Employees as initials + department (:func:`pseudonymise_network`);
        default: unless ``SCOUT_SHOW_EMPLOYEE_NAMES=1``.
    themes : sequence of str, optional
        Only interactions tagged with any of these listening themes.
    """
    events = store.interactions(since=since, until=until, platforms=list(platforms or []) or None,
                                topics=list(topics or []) or None, with_text=False)
    if themes:
        from graph.listening import only_themes

        events = only_themes(events, store, list(themes))
    snap = snapshot if snapshot is not None else store.load_snapshot()
    table = snap.table if snap is not None else None
    keys = pd.unique(pd.concat([events["source"], events["target"]])) if len(events) else []
    accounts = store.accounts(list(keys)) if len(keys) else None
    g = interaction_network(events, table, accounts)
    if pseudonymise is None:
        from graph.people import names_unlocked

        pseudonymise = not names_unlocked()
    if pseudonymise:
        pseudonymise_network(g, store)
    return g
