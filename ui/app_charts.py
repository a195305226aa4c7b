"""Altair charts for the app: everything renders with the Vega bundled in Streamlit.

No chart here loads anything from the network, so the app works offline; the
node-link diagrams are plain Altair layers (edges as ``rule`` marks, nodes as
``circle`` marks) with zoom, pan and tooltips.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

SEGMENT_COLORS = alt.Scale(domain=["internal", "external"], range=["#7c3aed", "#0ea5e9"])
STATUS_ORDER = ["ok", "partial", "failed", "interrupted", "running"]


#: Node colours of network charts.
NODE_COLORS = alt.Scale(domain=["internal", "external", "likely automated"],
                        range=["#7c3aed", "#0ea5e9", "#94a3b8"])
#: Pixels per bar of horizontal bar charts (every label must fit).
BAND = 30


def _padded(values: pd.Series, pad: float = 0.15) -> list[float]:
    """A scale domain around ``values`` with ``pad`` of its span on each side."""
    if values.empty:
        return [-1.0, 1.0]
    lo, hi = float(values.min()), float(values.max())
    span = max(hi - lo, 1e-9)
    return [lo - pad * span, hi + pad * span]


def activity_chart(daily: pd.DataFrame) -> alt.Chart:
    """Stacked bars of events per day by kind."""
    return (
        alt.Chart(daily)
        .mark_bar()
        .encode(
            x=alt.X("day:T", title=None),
            y=alt.Y("events:Q", title="events per day", stack=True),
            color=alt.Color("kind:N", title="kind", legend=alt.Legend(orient="bottom")),
            tooltip=[alt.Tooltip("day:T", title="day"), "kind:N",
                     alt.Tooltip("events:Q", format=",")],
        )
        .properties(height=260)
    )


def counts_bar(df: pd.DataFrame, label: str) -> alt.Chart:
    """Horizontal bars of interactions per ``label`` (kind or platform)."""
    return (
        alt.Chart(df)
        .mark_bar(cornerRadiusEnd=3)
        .encode(
            y=alt.Y(f"{label}:N", sort="-x", title=None,
                    axis=alt.Axis(labelOverlap=False, labelLimit=160)),
            x=alt.X("interactions:Q", title=None, axis=alt.Axis(format="~s")),
            tooltip=[f"{label}:N", alt.Tooltip("interactions:Q", format=",")],
        )
        .properties(height=BAND * len(df))
    )


def breakdown_chart(metrics: pd.DataFrame) -> alt.Chart:
    """Each metric's contribution to the score (bars), with value and percentile in tooltips."""
    df = metrics.copy()
    df["percentile"] = pd.to_numeric(df.get("percentile"), errors="coerce")
    return (
        alt.Chart(df)
        .mark_bar(cornerRadiusEnd=3)
        .encode(
            y=alt.Y("metric:N", sort="-x", title=None,
                    axis=alt.Axis(labelOverlap=False, labelLimit=200)),
            x=alt.X("contribution:Q", title="points of the score"),
            color=alt.Color("percentile:Q", scale=alt.Scale(scheme="blues", domain=[0, 1]),
                            legend=alt.Legend(title="percentile", format=".0%")),
            tooltip=[
                "metric:N",
                alt.Tooltip("value:Q", format=",.4~g"),
                alt.Tooltip("percentile:Q", format=".1%"),
                alt.Tooltip("weight:Q", format=".2f"),
                alt.Tooltip("contribution:Q", format=".2f"),
            ],
        )
        .properties(height=BAND * len(df))
    )


def history_chart(history: pd.DataFrame) -> alt.Chart:
    """Rank across snapshots (rank 1 at the top), one point per snapshot."""
    h = history.copy()
    when = pd.to_datetime(h["created_at"])
    h["snapshot"] = when.dt.strftime("%Y-%m-%d %H:%M")
    if h["snapshot"].duplicated().any():
        h["snapshot"] = when.dt.strftime("%Y-%m-%d %H:%M:%S")
    if h["snapshot"].duplicated().any():
        h["snapshot"] = h["snapshot"] + " #" + pd.Series(range(1, len(h) + 1), index=h.index).astype(str)
    h["order"] = range(len(h))
    return (
        alt.Chart(h)
        .mark_line(point=alt.OverlayMarkDef(size=60))
        .encode(
            x=alt.X("snapshot:O", sort=alt.SortField("order"), title="ranking",
                    axis=alt.Axis(labelAngle=0, labelOverlap=True)),
            y=alt.Y("rank:Q", scale=alt.Scale(reverse=True, zero=False, nice=False),
                    title="rank", axis=alt.Axis(format="d", tickMinStep=1)),
            tooltip=[alt.Tooltip("snapshot:N", title="ranking"), "rank:Q",
                     alt.Tooltip("score:Q", format=".1f")],
        )
        .properties(height=220)
    )


def community_chart(nodes: pd.DataFrame, edges: pd.DataFrame, select: bool = True) -> alt.LayerChart:
    """Communities as circles sized by members; edges as thick as the interactions between them."""
    nodes = nodes.copy()
    size_range = (400, 9000)
    m = nodes["members"].astype(float)
    span = max(float(m.max() - m.min()), 1.0) if len(m) else 1.0
    x = alt.X("x:Q", axis=None, scale=alt.Scale(domain=_padded(nodes["x"], 0.2)))
    y = alt.Y("y:Q", axis=None, scale=alt.Scale(domain=_padded(nodes["y"], 0.2)))
    edge_layer = (
        alt.Chart(edges)
        .mark_rule(color="#94a3b8", opacity=0.55)
        .encode(
            x=x, y=y, x2="x2:Q", y2="y2:Q",
            strokeWidth=alt.StrokeWidth("interactions:Q", scale=alt.Scale(range=[0.5, 14]),
                                        legend=None),
            tooltip=[alt.Tooltip("source:N", title="community"),
                     alt.Tooltip("target:N", title="↔ community"),
                     alt.Tooltip("interactions:Q", format=",")],
        )
    )
    sel = alt.selection_point(name="community", fields=["community"], on="click", empty=False)
    zoom = alt.selection_interval(bind="scales", name="zoom")
    base = alt.Chart(nodes).encode(
        x=x, y=y,
        tooltip=[alt.Tooltip("community:N"), alt.Tooltip("members:Q", format=","),
                 alt.Tooltip("leader:N", title="top leader"),
                 alt.Tooltip("topics:N", title="topics"),
                 alt.Tooltip("internal_share:Q", title="employees", format=".0%"),
                 alt.Tooltip("internal_events:Q", title="interactions inside", format=",")],
    )
    circles = base.mark_circle(stroke="white", strokeWidth=2, opacity=0.92).encode(
        size=alt.Size("members:Q", legend=None,
                      scale=alt.Scale(domain=[float(m.min()), float(m.max())] if len(m) else None,
                                      range=list(size_range))),
        color=alt.Color("internal_share:Q", scale=alt.Scale(scheme="purpleblue", domain=[0, 1]),
                        legend=alt.Legend(title="employees", format=".0%", orient="bottom")),
    )
    circles = circles.add_params(sel, zoom) if select else circles.add_params(zoom)
    big = float(m.min() + 0.25 * span) if len(m) else 0.0
    number_big = base.mark_text(fontSize=13, fontWeight="bold", color="#0f172a", dy=-8).encode(
        text=alt.Text("community:N")).transform_filter(f"datum.members >= {big}")
    number_small = base.mark_text(fontSize=12, fontWeight="bold", color="#0f172a").encode(
        text=alt.Text("community:N")).transform_filter(f"datum.members < {big}")
    caption = base.mark_text(fontSize=11, color="#1e293b", dy=8).encode(
        text="leader:N").transform_filter(f"datum.members >= {big}")
    return alt.layer(edge_layer, circles, number_big, number_small, caption).properties(height=500)
