"""Data & runs: upload files to ingest, run the ranking, and the history of runs."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pandas as pd
import streamlit as st

from graph.errors import ScoutError
from graph.scoring import DEFAULT_PRESET, PRESET_CHOICES, PRESET_DESCRIPTIONS
from ui import app_data as data
from ui import app_state as state

st.title("Data & runs")

store = state.get_store()
uri, v = state.store_uri(), state.version()
s = state.stats(uri, v)

# Steps rank_events reports, to move the progress bar.
RANK_STEPS = 16


def _show_outcome(outcome: data.IngestOutcome) -> None:
    from ingest.pipeline import summary_line

    run = outcome.run
    if outcome.error and run is None:
        st.error(outcome.error, icon=":material/error:")
        return
    if outcome.error:
        st.error(f"{run.source}: {outcome.error}", icon=":material/error:")
    elif run.status == "partial":
        st.warning(summary_line(run), icon=":material/warning:")
    else:
        st.success(summary_line(run), icon=":material/check_circle:")
    if outcome.rejected:
        with st.expander(f"{len(outcome.rejected):,} rejected line"
                         f"{'s' if len(outcome.rejected) != 1 else ''}", expanded=True):
            st.dataframe(pd.DataFrame({"rejected": outcome.rejected[:5000]}), hide_index=True,
                         width="stretch", key=f"rejected_{run.id}")


# -- load ----------------------------------------------------------------------------------
st.subheader("Load data", anchor=False)
if s.accounts == 0 and s.interactions == 0 and data.sample_available():
    with st.container(border=True):
        st.markdown("**The store is empty.** Try Scout on the bundled sample data — a made-up "
                    "conversation about a made-up company (about 60,000 interactions).")
        if st.button("Load the sample data and rank it", type="primary",
                     icon=":material/science:", key="load_sample"):
            with st.status("Loading the sample data…", expanded=True) as status:
                bar = st.progress(0.0)
                outcomes = data.load_sample(store, step=lambda msg, f: bar.progress(f, msg))
                for o in outcomes:
                    st.write(data.run_line(o.run))
                status.update(label="Ranking…")
                data.rank(store, data.rank_config(DEFAULT_PRESET, None),
                          progress=lambda step: bar.progress(0.99, f"ranking: {step}"))
                status.update(label="Sample data loaded and ranked", state="complete")
            state.invalidate()
            st.page_link(state.PAGES["leaders"], label="See the leaders",
                         icon=":material/leaderboard:")

with st.container(border=True):
    upload = st.file_uploader(
        "Upload a file to ingest",
        type=["jsonl", "json", "ndjson", "gz", "csv", "tsv", "txt", "zip"],
        key="upload",
        help="X archives (JSON Lines, as twarc2 or `scout ingest x` save them, plain or .gz), "
        "edge lists (CSV), account profiles, the company roster or the CRM list, raw archives "
        "of any network, or an employee's LinkedIn data export (given with their consent).",
    )
    kinds = list(data.UPLOAD_KINDS)
    guessed = data.guess_kind(upload.name) if upload is not None else "jsonl"
    u1, u2, u3 = st.columns([3, 2, 2], vertical_alignment="bottom")
    kind = u1.selectbox("What is it?", kinds, index=kinds.index(guessed),
                        format_func=lambda k: data.UPLOAD_KINDS[k],
                        key=f"upload_kind_{upload.file_id if upload is not None else ''}")
    platform = replace = None
    if kind in ("edges", "accounts"):
        platform = u2.text_input("Platform of rows without one", value="",
                                 placeholder="generic", key="upload_platform").strip() or None
    if kind in ("roster", "crm"):
        replace = u2.toggle("Replace the previous list", value=False, key="upload_replace",
                            help="People who left become external again.")
    go = u3.button("Ingest", type="primary", icon=":material/upload:",
                   disabled=upload is None, key="ingest_go", width="stretch")
    if go and upload is not None:
        options: dict = {}
        if platform:
            options["platform"] = platform
        if replace is not None:
            options["replace"] = bool(replace)
        with st.status(f"Ingesting {upload.name}…", expanded=True) as status:
            bar = st.progress(0.0, "reading…")

            def progress(frac: float | None, records: int, edges: int) -> None:
                text = f"{records:,} records · {edges:,} interactions"
                bar.progress(frac if frac is not None else 0.5, text)

            try:
                outcome = data.ingest_bytes(store, upload.getvalue(), upload.name, kind,
                                            progress=progress, **options)
            except ScoutError as exc:
                outcome = None
                st.error(str(exc))
            if outcome is not None:
                bar.progress(1.0, "done")
                state_ = "error" if outcome.error else "complete"
                status.update(label=f"{upload.name}: {outcome.run.status}", state=state_)
        state.invalidate()
        if outcome is not None:
            _show_outcome(outcome)
            if not outcome.error and kind in ("jsonl", "edges"):
                st.caption("Run the ranking below to include the new data.")

# -- fetch from a network (every connector of ingest.connectors) -----------------------------
networks = data.network_choices()
if networks:
    with st.container(border=True):
        st.markdown("**Fetch from a network** — incremental: the next fetch of the same source "
                    "starts where this one stopped; every response is archived under data/raw/.")
        n1, n2, n3, n4 = st.columns([2, 2, 4, 1.4], vertical_alignment="bottom")
        net = n1.selectbox("Network", list(networks), format_func=lambda p: networks[p]["title"],
                           key="net_platform")
        spec = networks[net]
        ep_name = n2.selectbox("What", list(spec["endpoints"]), key=f"net_endpoint_{net}")
        ep = spec["endpoints"][ep_name]
        value = n3.text_input(ep.metavar, key=f"net_value_{net}_{ep_name}", help=ep.help,
                              placeholder=(ep.examples[0].split()[-1] if ep.examples else "")).strip()
        max_posts = n4.number_input("Max posts", min_value=1, value=500, step=100,
                                    key=f"net_max_{net}")
        net_options: dict = {}
        for opt in spec["options"]:
            if opt.type is bool:
                net_options[opt.name] = st.toggle(opt.help, value=bool(opt.default),
                                                  key=f"net_opt_{net}_{opt.name}")
            elif opt.env is None:  # values from the environment (secrets) are not typed here
                typed = st.text_input(opt.help, key=f"net_opt_{net}_{opt.name}").strip()
                if typed:
                    net_options[opt.name] = opt.type(typed)
        if spec["credentials"]:
            st.caption("Credentials from the server's environment: " + ", ".join(
                f"{k} {'✓' if ok else '✗ not set'}" for k, ok in spec["credentials"].items()))
        if st.button("Fetch", type="primary", icon=":material/cloud_download:",
                     disabled=not value, key="net_go"):
            with st.status(f"Fetching {spec['title']} {ep_name} {value}…", expanded=True) as status:
                bar = st.progress(0.0, "asking the API…")
                note = st.empty()

                def net_progress(frac: float | None, records: int, edges: int) -> None:
                    bar.progress(0.5, f"{records:,} {spec['unit']} · {edges:,} interactions")

                def net_wait(seconds: float, reason: str) -> None:
                    import time as _time

                    note.info(f"{reason}: waiting {seconds:.0f}s", icon=":material/hourglass:")
                    _time.sleep(seconds)
                    note.empty()

                outcome = data.fetch_network(store, net, ep_name, value, max_posts=int(max_posts),
                                             options=net_options, progress=net_progress,
                                             wait=net_wait)
                bar.progress(1.0, "done")
                status.update(label=f"{spec['title']} {ep_name} {value}: "
                                    f"{outcome.run.status if outcome.run else 'failed'}",
                              state="error" if outcome.error else "complete")
            state.invalidate()
            _show_outcome(outcome)

# -- rank ----------------------------------------------------------------------------------
st.subheader("Rank", anchor=False)
with st.container(border=True):
    if s.interactions == 0:
        st.caption("Load data first: the ranking needs interactions.")
    presets = list(PRESET_CHOICES)
    r1, r2, r3 = st.columns([2, 2, 3])
    preset = r1.selectbox("Preset", presets, index=presets.index(DEFAULT_PRESET),
                          key="rank_preset", help="Which weights make the composite score.",
                          format_func=lambda p: p)
    r1.caption(PRESET_DESCRIPTIONS.get(preset, ""))
    window_label = r2.selectbox("Window", [*data.WINDOWS, "Custom…"], key="rank_window",
                                help="Which interactions count; windows end at the newest "
                                "interaction.")
    since = until = None
    if window_label == "Custom…" and s.first_at and s.last_at:
        span = r2.date_input("From – to", value=(s.first_at.date(), s.last_at.date()),
                             min_value=s.first_at.date(), max_value=s.last_at.date(),
                             key="rank_dates")
        if isinstance(span, tuple) and len(span) == 2:
            since = datetime.combine(span[0], time.min, tzinfo=UTC)
            until = datetime.combine(span[1], time.max, tzinfo=UTC)
    ranking = state.ranking(uri, v)
    topic_options = data.filter_options(ranking.table)["topics"] if ranking is not None else []
    topics = r3.multiselect("Topics (optional)", topic_options, key="rank_topics",
                            accept_new_options=True,
                            help="Rank for these topics: topic-sensitive PageRank and engagement.")
    if st.button("Run the ranking", type="primary", icon=":material/play_arrow:",
                 disabled=s.interactions == 0, key="rank_go"):
        try:
            if window_label == "Custom…":
                config = data.rank_config(preset, None, topics, since=since, until=until)
            else:
                config = data.rank_config(preset, data.WINDOWS[window_label], topics,
                                          last_event=s.last_at)
        except ScoutError as exc:
            st.error(str(exc))
            config = None
        if config is not None:
            with st.status("Ranking…", expanded=True) as status:
                bar = st.progress(0.0)
                done = [0]

                def step(name: str) -> None:
                    done[0] += 1
                    bar.progress(min(done[0] / RANK_STEPS, 1.0), name)

                try:
                    outcome = data.rank(store, config, progress=step)
                except ScoutError as exc:
                    status.update(label=f"Ranking failed: {exc}", state="error")
                    outcome = None
                if outcome is not None:
                    bar.progress(1.0, "done")
                    n = len(outcome.result.table)
                    status.update(label=f"Ranked {n:,} accounts "
                                  f"({outcome.result.stats.get('events', 0):,} interactions)",
                                  state="complete")
            state.invalidate()
            if outcome is not None:
                st.page_link(state.PAGES["leaders"], label="See the leaders",
                             icon=":material/leaderboard:")

# -- runs ----------------------------------------------------------------------------------
st.subheader("History of runs", anchor=False)
runs = state.runs(state.store_uri(), state.version(), limit=100)
if not runs:
    st.caption("No run yet.")
else:
    frame = data.runs_frame(runs)
    st.dataframe(
        frame, hide_index=True, key="runs_table",
        column_config={
            "started": st.column_config.DatetimeColumn("Started (UTC)",
                                                       format="YYYY-MM-DD HH:mm:ss"),
            "seconds": st.column_config.NumberColumn("Seconds", format="%.1f"),
            "read": st.column_config.NumberColumn("Read", format="localized"),
            "inserted": st.column_config.NumberColumn("Inserted", format="localized"),
            "duplicates": st.column_config.NumberColumn("Duplicates", format="localized"),
            "rejected": st.column_config.NumberColumn("Rejected", format="localized"),
            "errors": st.column_config.NumberColumn("Errors", format="%d"),
            "first error": st.column_config.TextColumn("First error", width="large"),
            "id": st.column_config.TextColumn("Run id", width="small"),
        },
    )
    with_errors = [r for r in runs if r.errors]
    for run in with_errors[:10]:
        with st.expander(f"{run.source} · {run.status} · {run.started_at:%Y-%m-%d %H:%M} · "
                         f"{len(run.errors)} error{'s' if len(run.errors) != 1 else ''}",
                         icon=":material/error:" if run.status == "failed"
                         else ":material/warning:"):
            st.code("\n".join(run.errors), language=None, wrap_lines=True)
