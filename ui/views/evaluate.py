"""Evaluate & learn: check the ranking against what you know, and learn from known leaders."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from graph.errors import ScoutError
from ui import app_data as data
from ui import app_state as state
from ui import app_widgets as widgets

st.title("Evaluate & learn")
ready = state.require_ranking()
if ready is None:
    st.stop()
store, r = ready
st.caption(state.snapshot_caption(r))
st.markdown(
    "Check Scout against leaders you already know — and against plain counting: the table "
    "puts Scout's score beside the **naive baselines** (distinct engagers, engagement "
    "received, PageRank) computed on the same interactions. A ranking is only worth using "
    "where it beats them.")

# -- known leaders -----------------------------------------------------------------------
with st.container(border=True):
    st.subheader("Known leaders", anchor=False)
    source = st.radio("Where do the known leaders come from?",
                      ["A file (account,label)", "A shortlist", "The roster's managers"],
                      horizontal=True,
                      key="ev_source")
    truth: pd.Series | None = None
    if source.startswith("A file"):
        up = st.file_uploader("CSV with columns account,label (1 = leader, 0 = not; or a "
                              "number)", type=["csv"], key="ev_upload")
        if up is not None:
            from graph.evaluate import parse_truth

            try:
                truth = parse_truth(up.getvalue(), up.name)
            except ScoutError as exc:
                st.error(str(exc), icon=":material/error:")
    elif source.startswith("The roster"):
        from graph.people import PeopleState, manager_labels

        truth = manager_labels(PeopleState(store))
        if truth.empty or not (truth == 1).any():
            st.info("The roster names no managers (its `manager` column holds each "
                    "employee's manager's e-mail).")
            truth = None
        else:
            st.caption(f"{int((truth == 1).sum()):,} accounts of employees who manage someone "
                       f"are the leaders; {int((truth == 0).sum()):,} accounts of the other "
                       "employees are not.")
    else:
        lists = [s.name for s in store.shortlists()]
        if not lists:
            st.info("No shortlist yet: select leaders on the Leaders page first.")
        else:
            name = st.selectbox("Shortlist", lists, key="ev_shortlist")
            truth = data.truth_from_shortlist(store, name, r.table)
            st.caption("Its members count as leaders, every other ranked account as not a "
                       "known leader.")
    if truth is not None:
        st.caption(f"{len(truth):,} labelled accounts")
        if st.button("Evaluate the current ranking", type="primary", key="ev_go",
                     icon=":material/fact_check:"):
            from graph.evaluate import evaluate_snapshot
            from graph.scoring import PRESET_CHOICES

            with st.status("Evaluating…", expanded=False) as status:
                try:
                    ev = evaluate_snapshot(store, truth, r.id, presets=list(PRESET_CHOICES))
                    st.session_state["ev_result"] = ev
                    status.update(label="Evaluated", state="complete")
                except ScoutError as exc:
                    status.update(label=f"Evaluation failed: {exc}", state="error")
        ev = st.session_state.get("ev_result")
        if ev is not None:
            models, positions = data.evaluation_frames(ev)
            st.dataframe(models, hide_index=True, key="ev_models")
            if ev.info.get("unmatched_count"):
                st.caption(f"{ev.info['unmatched_count']} labelled account(s) not found, e.g. "
                           + ", ".join(ev.info["unmatched"][:5]))
            if len(positions):
                st.caption("Where each known leader sits under every model (1 = top)")
                st.dataframe(positions, hide_index=True, key="ev_positions")

        st.divider()
        st.markdown("**Learn from these leaders.** Scout fits the metric weights to them "
                    "(cross-validated; it keeps the default weights when a fit does not beat "
                    "them), ranks everybody with the learned weights and lists the **hidden "
                    "leaders**: accounts that look like your known leaders but are not on "
                    "your list.")
        if st.button("Learn and re-rank", key="ev_learn", icon=":material/model_training:"):
            from graph.ranking import RankConfig

            cfg = {k: v for k, v in (r.config or {}).items()
                   if k not in ("metric_weights", "stats", "version", "learned")}
            with st.status("Learning from the known leaders…", expanded=True) as status:
                bar = st.progress(0.0)
                done = [0]

                def step(name: str) -> None:
                    done[0] += 1
                    bar.progress(min(done[0] / 18, 1.0), name)

                try:
                    outcome = data.rank(store, RankConfig.from_dict(cfg), progress=step,
                                        learn_from=truth)
                    lr = outcome.result.learned
                    status.update(label=f"Ranked with {lr['source']} weights "
                                  f"(cross-validated AUC {lr['cv_auc']:.3f}, default "
                                  f"{lr['default_cv_auc']:.3f})", state="complete")
                    state.invalidate()
                    st.rerun()
                except ScoutError as exc:
                    status.update(label=f"Learning failed: {exc}", state="error")

# -- hidden leaders ------------------------------------------------------------------------
learned = (r.config or {}).get("learned")
if learned:
    from graph.learn import hidden_leaders

    with st.container(border=True):
        st.subheader("Hidden leaders", anchor=False)
        st.caption(f"This ranking learned its weights from {learned['positives']} known leaders "
                   f"and {learned['negatives']} others ({learned['source']} weights, "
                   f"cross-validated AUC {learned['cv_auc']:.3f}). These unlabelled accounts "
                   "score at least as high as the typical known leader.")
        hidden = hidden_leaders(r.table, pd.Series(learned["labels"], dtype=float), top=200,
                                exclude_negatives=not learned.get("implicit_negatives"))
        view = state.with_names(r, data.leaders_view(hidden, 200))
        if view.empty:
            st.info("No unlabelled account reaches the known leaders' level.")
        else:
            actions = st.container()
            event = st.dataframe(view, key="hidden_table", on_select="rerun",
                                 selection_mode="multi-row", hide_index=True,
                                 column_order=[c for c in view.columns if c != "account"],
                                 column_config=widgets.leader_columns())
            selected = [view.iloc[i]["account"] for i in event.selection.rows if i < len(view)]
            labels = {view.iloc[i]["account"]: view.iloc[i]["label"]
                      for i in event.selection.rows if i < len(view)}
            with actions:
                widgets.selection_actions(store, selected, labels, key="hidden")

# -- temporal check ------------------------------------------------------------------------
with st.container(border=True):
    st.subheader("Does the ranking predict attention?", anchor=False)
    st.caption("Rank on the interactions before a date and compare with the engagement each "
               "account receives after it.")
    s = state.stats(state.store_uri(), state.version())
    if s.first_at and s.last_at and s.last_at > s.first_at:
        mid = s.first_at + (s.last_at - s.first_at) / 2
        c1, c2 = st.columns(2)
        split = c1.date_input("Split date", value=mid.date(), min_value=s.first_at.date(),
                              max_value=s.last_at.date(), key="ev_split")
        horizon = c2.selectbox("Measured period", ["30d", "7d", "90d", "all"], key="ev_hz")
        if st.button("Run the temporal check", key="ev_split_go", icon=":material/update:"):
            from datetime import UTC, datetime, time

            from graph.evaluate import evaluate_split_store
            from graph.ranking import parse_duration

            cut = datetime.combine(split, time.min, tzinfo=UTC)
            hz = None if horizon == "all" else parse_duration(horizon)
            with st.status("Ranking before the split and measuring after it…") as status:
                try:
                    tev = evaluate_split_store(store, cut, horizon=hz)
                    st.session_state["ev_temporal"] = tev
                    status.update(label=f"{tev.info['train_events']:,} events before, "
                                  f"{tev.info['test_events']:,} after", state="complete")
                except ScoutError as exc:
                    status.update(label=f"Temporal check failed: {exc}", state="error")
        tev = st.session_state.get("ev_temporal")
        if tev is not None:
            st.dataframe(data.evaluation_frames(tev)[0], hide_index=True, key="ev_temporal_t")
    else:
        st.caption("Needs interactions spread over time.")
