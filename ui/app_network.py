"""The network view's renderer: sigma.js (WebGL) in a Streamlit component, and what it is sent.

Which accounts and ties a map holds, and where they sit, is decided below ui/
(:mod:`graph.network_view`); this module only turns a map into the renderer's
payload (colours by community, size by score, a ring for employees, a tooltip
per account) and draws it.

The component is ``ui/assets/network/`` (a bidirectional Streamlit component,
API v1, no build step): ``network.js`` plus the vendored, minified sigma.js 3 and
graphology bundles from the npm registry (``ui/assets/network/vendor/README.md``
says which versions and how to update them). The payload is columnar and
carries no account key: a click sends back the node's index and the view id,
and :func:`clicked_account` maps it to the key here.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

ASSET_DIR = Path(__file__).resolve().parent / "assets" / "network"
#: Community colours (the largest shown communities, in order); others are grey.
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#17becf", "#bcbd22", "#8c6bb1")
OTHER_COLOR = "#a3a8b8"
EDGE_COLOR = "rgba(110, 116, 135, 0.35)"
RING_COLOR = "#111827"

_component = None


def _declare():
    global _component
    if _component is None:
        import streamlit.components.v1 as components

        _component = components.declare_component("scout_network", path=str(ASSET_DIR))
    return _component


def node_sizes(score: pd.Series | np.ndarray) -> np.ndarray:
    """Pixel radius of accounts by score (0–100): 2 for 0, 14 for 100, square-root scale.

    Examples
    --------
    >>> node_sizes(np.array([0.0, 25.0, 100.0])).tolist()
    [2.0, 8.0, 14.0]
    """
    s = np.clip(np.asarray(score, dtype=float), 0, 100)
    return np.round(2.0 + 12.0 * np.sqrt(s / 100.0), 2)


def community_colors(community: pd.Series) -> tuple[np.ndarray, list[tuple[int, str, int]]]:
    """A colour per account: the :data:`PALETTE` for the largest communities, grey otherwise.

    Returns
    -------
    (colors, legend)
        ``legend`` lists ``(community, color, accounts)`` of the coloured ones.

    Examples
    --------
    >>> colors, legend = community_colors(pd.Series([3, 3, 1, -1]))
    >>> colors.tolist(), legend
    (['#4e79a7', '#4e79a7', '#f28e2b', '#a3a8b8'], [(3, '#4e79a7', 2), (1, '#f28e2b', 1)])
    """
    c = pd.to_numeric(community, errors="coerce").fillna(-1).astype(np.int64)
    sizes = c[c >= 0].value_counts(sort=False)
    sizes = sizes.iloc[np.lexsort((sizes.index.to_numpy(), -sizes.to_numpy()))]
    top = sizes.head(len(PALETTE))
    colour_of = {int(k): PALETTE[i] for i, k in enumerate(top.index)}
    colors = np.array([colour_of.get(int(v), OTHER_COLOR) for v in c], dtype=object)
    legend = [(int(k), colour_of[int(k)], int(n)) for k, n in top.items()]
    return colors, legend


def node_labels(nodes: pd.DataFrame) -> np.ndarray:
    """``label`` when the nodes carry one, else ``@handle``, else the key."""
    if "label" in nodes:
        lab = nodes["label"].to_numpy(dtype=object)
        ok = pd.notna(lab) & (lab != "")
        if ok.all():
            return lab.astype(str)
    else:
        ok = np.zeros(len(nodes), dtype=bool)
        lab = np.full(len(nodes), "", dtype=object)
    handles = nodes["handle"].to_numpy(dtype=object) if "handle" in nodes else lab
    has_handle = pd.notna(handles) & (handles != "")
    fallback = np.where(has_handle, "@" + pd.Series(handles).fillna("").astype(str).to_numpy(),
                        nodes["account"].to_numpy(dtype=object))
    return np.where(ok, lab, fallback).astype(str)


def view_id(nodes: pd.DataFrame, ties: pd.DataFrame, extra: str = "") -> str:
    """A short digest of what a map shows (the renderer redraws only when it changes)."""
    h = hashlib.sha1(extra.encode())
    h.update("\n".join(nodes["account"].astype(str)).encode())
    h.update(np.ascontiguousarray(nodes[["x", "y"]].to_numpy(dtype=np.float32)).tobytes())
    if "label" in nodes:
        h.update("\n".join(nodes["label"].astype(str)).encode())
    h.update(np.ascontiguousarray(ties["count"].to_numpy(dtype=np.int64)).tobytes())
    return h.hexdigest()[:16]


def payload(nodes: pd.DataFrame, ties: pd.DataFrame, focus: int | None = None,
            status: str = "") -> dict:
    """What the renderer draws (JSON-ready, columnar, no account keys).

    Parameters
    ----------
    nodes : pandas.DataFrame
        A map's nodes (:data:`graph.network_view.NODE_COLUMNS`) with a display
        ``label`` (employees already pseudonymised when names are locked).
    ties : pandas.DataFrame
        ``source, target, count`` between those nodes.
    focus : int, optional
        Index of a node to highlight with its neighbours (the ego of an ego map).
    status : str
        A line shown at the bottom of the map.
    """
    labels = node_labels(nodes)
    colors, legend = community_colors(nodes["community"])
    sizes = node_sizes(nodes["score"])
    internal = (nodes["segment"].astype(str) == "internal").to_numpy()
    idx = pd.Index(nodes["account"].to_numpy(dtype=object))
    s = idx.get_indexer(ties["source"])
    t = idx.get_indexer(ties["target"])
    ok = (s >= 0) & (t >= 0)
    counts = ties["count"].to_numpy(dtype=float)[ok]
    legend_rows = [[f"Community {c} · {n:,}", col] for c, col, n in legend]
    if (colors == OTHER_COLOR).any():
        legend_rows.append(["Other / no community", OTHER_COLOR])
    return {
        "view": view_id(nodes.assign(label=labels), ties, status),
        "nodes": {
            "label": labels.tolist(),
            "x": np.round(nodes["x"].to_numpy(dtype=float), 5).tolist(),
            # sigma's y axis points up, like the layout's
            "y": np.round(nodes["y"].to_numpy(dtype=float), 5).tolist(),
            "size": sizes.tolist(),
            "color": colors.tolist(),
            "ring": internal.astype(int).tolist(),
            "rank": nodes["rank"].to_numpy(dtype=np.int64).tolist(),
            "score": np.round(nodes["score"].to_numpy(dtype=float), 1).tolist(),
            "community": nodes["community"].to_numpy(dtype=np.int64).tolist(),
            "interactions": nodes["interactions"].to_numpy(dtype=np.int64).tolist(),
        },
        "edges": {"s": s[ok].tolist(), "t": t[ok].tolist(),
                  "w": np.round(0.4 + 0.45 * np.log1p(counts), 2).tolist()},
        "legend": legend_rows,
        "ring_label": "Employee" if internal.any() else "",
        "size_label": "Size: score",
        "edge_color": EDGE_COLOR,
        "ring_color": RING_COLOR,
        "focus": focus,
        "status": status,
    }


def clicked_account(value: object, data: dict, nodes: pd.DataFrame, seen: set) -> str | None:
    """The account a click returned by the renderer names, once per click.

    ``value`` is the component's value (``{"view", "node", "at"}``); clicks on
    an older view, unknown indexes and clicks already in ``seen`` give ``None``.
    """
    if not isinstance(value, dict) or value.get("view") != data.get("view"):
        return None
    node, at = value.get("node"), value.get("at")
    if not isinstance(node, int) or not 0 <= node < len(nodes):
        return None
    stamp = (value.get("view"), node, at)
    if stamp in seen:
        return None
    seen.add(stamp)
    return str(nodes["account"].iloc[node])


def show(data: dict, key: str, height: int = 640) -> object:
    """Draw ``data`` (:func:`payload`); returns the component's value (the last click)."""
    return _declare()(data=data, height=height, key=key, default=None)
