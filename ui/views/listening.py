"""Listening: share of voice of the brand, competitors and market themes, and who leads each."""

from __future__ import annotations

import altair as alt
import streamlit as st

from graph.errors import ScoutError
from ui import app_state as state
from ui import app_widgets as widgets

st.title("Listening")

store = state.get_store()
uri, v = state.store_uri(), state.version()
config_path = state.refresh_config_path()
try:
    themes = state.listening_themes(config_path)
except ScoutError as exc:
    st.error(str(exc), icon=":material/error:")
    st.stop()
if not themes:
    st.info("**No listening themes yet.** Name your brand, competitors and market themes in "
            "the `[listening]` section of `scout.toml` (or the file `SCOUT_CONFIG` names), then "
            "tag the stored interactions here or with `scout listen tag`.",
            icon=":material/hearing:")
    st.code('[listening.themes.acme]\nkind = "brand"            # brand | competitor | market\n'
            'keywords = ["acme", "acme analytics"]\nhashtags = ["acme"]\n'
            'handles = ["acme_hq"]\ndomains = ["acme.io"]', language="toml")
    st.stop()

st.caption(f"{len(themes)} themes from `{config_path}`: "
           + ", ".join(f"**{t.name}** ({t.kind})" for t in themes)
           + ". Interactions are tagged at every ingest and refresh.")


def _tag_now() -> None:
    from graph.listening import tag_store

    with st.status("Tagging the stored interactions…", expanded=False) as status:
        out = tag_store(store, themes)
        status.update(label=f"Tagged {out['tagged']:,} of {out['read']:,} interactions",
                      state="complete")
    state.invalidate()


tagged = state.tagged_events(uri, v)
if not tagged["themes"].map(len).any():
    st.info("No stored interaction carries a theme yet.", icon=":material/label_off:")
    if st.button("Tag stored interactions now", type="primary", icon=":material/sell:",
                 key="listen_tag"):
        _tag_now()
        st.rerun()
    st.stop()

c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
period = c1.segmented_control("Period", ["day", "week", "month"], default="week",
                              key="listen_period") or "week"
if c2.button("Re-tag everything", icon=":material/sell:", key="listen_retag",
             help="After changing the themes in scout.toml", width="stretch"):
    _tag_now()
    st.rerun()

# -- share of voice -------------------------------------------------------------------------
sov = state.share_of_voice(uri, v, period, tuple(themes))
st.subheader("Share of voice", anchor=False)
st.caption("Per period, each theme's tagged interactions over all theme mentions of that "
           "period (an interaction about two themes counts for both).")
chart = alt.Chart(sov).mark_area().encode(
    x=alt.X("period:T", title=None),
    y=alt.Y("mentions:Q", stack="normalize", title="share of voice", axis=alt.Axis(format="%")),
    color=alt.Color("theme:N", sort=[t.name for t in themes], title="theme"),
    tooltip=["period:T", "theme:N", "mentions:Q", alt.Tooltip("share:Q", format=".1%")],
)
st.altair_chart(chart, width="stretch")
last = sov[sov["period"] == sov["period"].max()]
cols = st.columns(len(themes))
for col, t in zip(cols, themes, strict=True):
    row = last[last["theme"] == t.name]
    share = float(row["share"].iloc[0]) if len(row) else 0.0
    growth = row["growth"].iloc[0] if len(row) else None
    col.metric(f"{t.name} ({t.kind})", f"{share:.0%}",
               delta=None if growth is None or growth != growth else f"{growth:+.0%} mentions",
               border=True, help=f"Share of voice in the {period} of {sov['period'].max()}")
with st.expander("Share of voice table"):
    st.dataframe(sov, hide_index=True, key="listen_sov",
                 column_config={"share": st.column_config.NumberColumn(format="percent"),
                                "growth": st.column_config.NumberColumn(format="percent")})

# -- leaders per theme ------------------------------------------------------------------------
st.subheader("Who leads each conversation", anchor=False)
name = st.selectbox("Theme", [t.name for t in themes], key="listen_theme")
board = state.theme_voices(uri, v, name, tuple(themes))
if board.empty:
    st.caption("Nobody talks about this theme in the stored data.")
else:
    st.caption("Scout's ranking run on this theme's interactions only; mentions = the account's "
               "own interactions about it.")
    view = board[["rank", "account", "platform", "segment", "score", "mentions", "key"]]
    ev = st.dataframe(view, hide_index=True, key=f"listen_voices_{name}", on_select="rerun",
                      selection_mode="multi-row", column_order=["rank", "account", "platform",
                                                                "segment", "score", "mentions"],
                      column_config={"score": st.column_config.ProgressColumn(
                          "Score", min_value=0, max_value=100, format="%.1f")})
    # pseudonymised employees carry no key: they cannot be shortlisted from here
    keys = [view.iloc[i]["key"] for i in ev.selection.rows if i < len(view) and view.iloc[i]["key"]]
    labels = dict(zip(view["key"], view["account"], strict=True))
    widgets.selection_actions(store, keys, labels, key=f"listen_{name}")

# -- recruitment targets ------------------------------------------------------------------------
st.subheader("Talk about competitors, not about us", anchor=False)
rivals = state.competitor_only(uri, v, tuple(themes))
if rivals.empty:
    st.caption("Nobody — or no competitor theme is configured.")
else:
    st.caption("Accounts whose interactions name a competitor but never the brand: people to "
               "win over.")
    st.dataframe(rivals.head(200), hide_index=True, key="listen_rivals")

# -- what the conversations share, tag and link --------------------------------------------------
extras = state.theme_extras(uri, v)
st.subheader("Around each conversation", anchor=False)
c1, c2, c3 = st.columns(3)
with c1:
    st.caption("Co-mentions: interactions naming two themes together")
    st.dataframe(extras["co_mentions"], hide_index=True, key="listen_pairs")
with c2:
    st.caption("Top hashtags per theme")
    st.dataframe(extras["hashtags"], hide_index=True, key="listen_tags")
with c3:
    st.caption("Top linked domains per theme")
    st.dataframe(extras["domains"], hide_index=True, key="listen_domains")
