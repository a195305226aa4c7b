"""``scout rank``, ``scout leaders``, ``scout explain``, ``scout evaluate`` and ``scout backtest``.

Users script against these commands: options and output columns are stable.
Tables go to stdout, progress to stderr; ``--json`` / ``--format csv|json``
print machine-readable output only.
"""

from __future__ import annotations

import json
import sys

import click

from graph.model import SEGMENTS
from graph.scoring import PRESET_CHOICES
from ui.context import pass_app

SEGMENT_CHOICES = SEGMENTS
SUMMARY_COLUMNS = ("rank", "account", "platform", "score", "community", "engagers", "pagerank",
                   "crm_status")
TABLE_COLUMNS = ("rank", "account", "platform", "platforms", "segment", "score", "community", "crm_status",
                 "engagers", "in_strength", "pagerank", "betweenness", "bridging", "reach",
                 "automated")

PERSON_COLUMNS = ("rank", "name", "department", "segment", "score", "n_accounts", "platforms",
                  "accounts")


def _stderr():
    from rich.console import Console

    return Console(stderr=True)


def _stdout():
    from rich.console import Console

    return Console()


def _progress_status(enabled: bool = True):
    """A rich status line on stderr and the callback that updates it."""
    import contextlib

    if not enabled:
        return contextlib.nullcontext(), None
    status = _stderr().status("ranking…")

    def update(step: str) -> None:
        status.update(f"ranking: {step}…")

    return status, update


def _config(since, until, topics, platforms, kinds, preset, weights_file, half_life, resolution,
            seed, betweenness_k=None):
    from graph.rank_config import build_rank_config

    return build_rank_config(
        since=since, until=until, topics=topics, platforms=platforms, kinds=kinds, preset=preset,
        weights_file=weights_file, half_life_days=half_life, resolution=resolution, seed=seed,
        betweenness_k=betweenness_k,
    )


def _records(df):
    from graph.export import to_records

    return to_records(df)


def _print_table(df, title: str, columns=TABLE_COLUMNS) -> None:
    from rich.table import Table

    t = Table(title=title)
    cols = [c for c in columns if c in df.columns]
    for c in cols:
        t.add_column(c, justify="right" if c not in ("account", "platform", "platforms", "segment",
                                                       "crm_status") else "left")
    for row in df[cols].itertuples(index=False):
        cells = []
        for c, v in zip(cols, row, strict=True):
            if isinstance(v, float):
                cells.append(f"{v:.4g}" if c != "score" else f"{v:.1f}")
            elif c == "crm_status" and v == "none":
                cells.append("")
            else:
                cells.append(str(v))
        t.add_row(*cells)
    _stdout().print(t)


def _window_options(f):
    for opt in reversed([
        click.option("--since", metavar="DATE", help="Only events at/after DATE (ISO 8601)."),
        click.option("--until", metavar="DATE",
                     help="Only events before DATE (exclusive; ISO 8601). Decay counts back from it."),
        click.option("--topic", "topics", multiple=True, metavar="T",
                     help="Topic-sensitive ranking for this topic (repeatable)."),
        click.option("--platform", "platforms", multiple=True, metavar="P",
                     help="Only this platform (repeatable)."),
        click.option("--kind", "kinds", multiple=True, metavar="K",
                     help="Only this interaction kind (repeatable)."),
        click.option("--preset", type=click.Choice(list(PRESET_CHOICES)), default=None,
                     help="Weight preset (default auto: `attention` for timed conversations, "
                          "`status` for networks without time)."),
        click.option("--weights", "weights_file", type=click.Path(dir_okay=False), default=None,
                     metavar="FILE", help="TOML/JSON file with metric (and kind) weights."),
        click.option("--half-life", default="auto", show_default=True, metavar="DAYS|auto",
                     help="Half-life of an event's weight; 0 = no decay; auto = half the "
                          "window's span."),
        click.option("--resolution", type=click.FloatRange(min=0, min_open=True), default=1.0,
                     show_default=True, help="Community resolution (higher = smaller communities)."),
        click.option("--seed", type=int, default=0, show_default=True,
                     help="Seed for communities and betweenness sampling."),
    ]):
        f = opt(f)
    return f


@click.command()
@_window_options
@click.option("--betweenness-k", type=click.IntRange(min=2), default=None,
              help="Betweenness samples this many source accounts (exact on smaller graphs). "
                   "Default 256, fewer (≥ 64) on graphs over ~4M edges.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="Rows of each summary table.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_app
@click.option("--if-stale", is_flag=True,
              help="Rank only when the newest snapshot is stale: no snapshot, new events, "
                   "another configuration, or a changed roster/CRM (the refresh's rule).")
@click.option("--learn-from", "learn_from", type=click.Path(dir_okay=False), default=None,
              metavar="FILE.csv",
              help="Known leaders (CSV account,label with 1/0): fit the metric weights to them "
                   "and rank everybody with the learned weights.")
@click.option("--engine", type=click.Choice(["local", "spark"]), default=None,
              envvar="SCOUT_RANK_ENGINE", show_envvar=True,
              help="Rank in this process (local, the default) or on Apache Spark (needs "
                   "scout[spark]; see docs/scale.md).")
@click.option("--spark-master", default="local[2]", show_default=True, metavar="URL",
              envvar="SCOUT_SPARK_MASTER", show_envvar=True,
              help="Spark master for --engine spark (local[N], spark://host:7077, yarn, k8s://…).")
@click.option("--spark-conf", "spark_conf", multiple=True, metavar="KEY=VALUE",
              help="Extra Spark configuration for --engine spark (repeatable), e.g. "
                   "spark.executor.memory=8g.")
@click.option("--events", "events_path", default=None, metavar="DIR|URI",
              help="With --engine spark: rank this Parquet folder (`scout export events "
                   "--format parquet`) instead of exporting the store's window first.")
def rank(app, since, until, topics, platforms, kinds, preset, weights_file, half_life,
         resolution, seed, betweenness_k, top, as_json, if_stale, learn_from, engine,
         spark_master, spark_conf, events_path) -> None:
    """Rank accounts and store a snapshot (with a `rank` run).

    \b
    Examples:
      scout rank
      scout rank --since 2024-04-01 --until 2024-05-01 --preset conversation
      scout rank --topic pricing --platform x --json
      scout rank --learn-from known-leaders.csv     # then: scout leaders --hidden
      scout rank --engine spark --spark-master spark://head:7077
    """
    from graph.engine import rank_with_engine
    from graph.errors import InputError
    from graph.evaluate import read_truth
    from graph.ranking import leaderboard, rising_stars

    spark = {"master": spark_master, "conf": dict(_key_value(kv) for kv in spark_conf)}
    if events_path:
        if engine != "spark":
            raise InputError("--events needs --engine spark")
        spark["events"] = events_path

    config = _config(since, until, topics, platforms, kinds, preset, weights_file, half_life,
                     resolution, seed, betweenness_k)
    labels = read_truth(learn_from) if learn_from else None
    store = app.store()
    if if_stale:
        from graph.staleness import ranking_reason

        if ranking_reason(store, config, store.load_snapshot()) is None:
            click.echo("the newest snapshot is up to date with the data; not ranking again")
            return
    status, update = _progress_status(True)
    with status:
        outcome = rank_with_engine(store, config, engine=engine, spark=spark, progress=update,
                                   learn_from=labels)
    result, snap = outcome.result, outcome.snapshot
    table = result.table
    from graph.people import private_board

    internal = private_board(store, leaderboard(table, "internal", top=top))
    external = leaderboard(table, "external", top=top)
    prev = outcome.previous
    rising = rising_stars(table, prev.table if prev is not None else None, top=max(top, 50))
    learned = result.learned
    if as_json:
        out = {
            "snapshot": snap.id,
            "previous_snapshot": prev.id if prev is not None else None,
            "stats": result.stats,
            "weights": result.weights,
            "config": config.to_dict(),
            "top_internal": _records(internal),
            "top_external": _records(external),
            "rising": _records(rising.head(top)),
        }
        if learned is not None:
            out["learned"] = {k: v for k, v in learned.items() if k != "labels"}
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    s = result.stats
    click.echo(f"snapshot {snap.id}: {s['accounts']:,} accounts, {s['events']:,} events, "
               f"{s['edges']:,} edges, {s['communities']:,} communities "
               f"(modularity {s['modularity']:.3f}), {s['automated']:,} likely automated")
    hl = s.get("half_life_days")
    click.echo(f"preset {s.get('preset')}, half-life "
               + (f"{hl:.1f} days" if hl else "none (no decay)"))
    if s.get("engine") == "spark":
        click.echo(_engine_note(s))
    if learned is not None:
        _echo_learned(learned, result.weights)
    if table.empty:
        click.echo("no events in the window: nothing to rank")
        return
    _print_table(internal, f"top {top} internal", SUMMARY_COLUMNS)
    _print_table(external, f"top {top} external", SUMMARY_COLUMNS)
    if len(rising):
        r = rising.head(top).copy()
        r["account"] = r.get("handle", r["account"])
        _print_table(r, "rising stars (since the previous snapshot)",
                     ("account", "rank", "previous_rank", "gain", "growth", "newcomer"))


def _key_value(text: str) -> tuple[str, str]:
    from graph.errors import InputError

    key, sep, value = str(text).partition("=")
    if not sep or not key.strip():
        raise InputError(f"--spark-conf takes KEY=VALUE, got {text!r}")
    return key.strip(), value.strip()


def _engine_note(stats: dict) -> str:
    """What a Spark-ranked snapshot left out (shown by `rank` and `explain`)."""
    note = (f"ranked on Spark ({stats.get('spark_master', '?')}): "
            f"{', '.join(stats.get('not_computed', []))} not computed")
    omitted = stats.get("omitted_metrics") or []
    if omitted:
        note += (f"; the preset's weights on {', '.join(omitted)} were dropped and the others "
                 "renormalised")
    return note


def _echo_learned(learned: dict, weights: dict) -> None:
    note = (f"learned from {learned['positives']} leaders and {learned['negatives']} "
            f"non-leaders: cross-validated AUC {learned['cv_auc']:.3f} "
            f"(default weights {learned['default_cv_auc']:.3f}, {learned['folds']} folds)")
    if learned["source"] != "learned":
        note += (f"; no fitted model beat the best unfitted weights ({learned['source']}, AUC "
                 f"{learned['cv_auc']:.3f} on the labels) by more than its error, so those "
                 "are used")
    if learned.get("unmatched_count"):
        note += f"; {learned['unmatched_count']} labelled account(s) not found"
    click.echo(note)
    click.echo("weights: " + ", ".join(f"{m} {w:+.3f}" for m, w in
                                       sorted(weights.items(), key=lambda kv: -abs(kv[1]))))


def _no_snapshot(snapshot_id):
    from graph.errors import NotFoundError

    if snapshot_id:
        return NotFoundError(f"no snapshot {snapshot_id!r} (see `scout leaders --help`)")
    return NotFoundError("no ranking yet: run `scout rank` first")


def _load_snapshot(store, snapshot_id):
    snap = store.load_snapshot(snapshot_id)
    if snap is None:
        raise _no_snapshot(snapshot_id)
    return snap


@click.command()
@click.option("--segment", type=click.Choice(SEGMENT_CHOICES), default="all", show_default=True,
              help="internal/external accounts, brokers between communities, or boundary "
                   "brokers between inside and outside.")
@click.option("--community", "community_id", type=int, default=None, metavar="C",
              help="Only community C.")
@click.option("--topic", default=None, metavar="T", help="Only accounts active on topic T.")
@click.option("--platform", "platforms", multiple=True, metavar="P",
              help="Only accounts on platform P (repeatable; default: every platform, ranked "
                   "together).")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "xlsx"]),
              default=None, help="Output format (default table, or from --out's extension).")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Write to FILE (csv/json go to stdout without it).")
@click.option("--mkdir", "make_dirs", is_flag=True, help="Create --out's missing parent folders.")
@click.option("--snapshot", "snapshot_id", default=None, metavar="ID",
              help="A stored snapshot (default: the newest).")
@click.option("--preset", type=click.Choice(list(PRESET_CHOICES)), default=None,
              help="Re-score the snapshot's metrics with another preset.")
@click.option("--hidden", is_flag=True,
              help="Only hidden leaders: accounts a ranking learned with `rank --learn-from` "
                   "places among the known leaders that are not labelled.")
@click.option("--by", "by", type=click.Choice(["account", "person"]), default="account",
              show_default=True,
              help="Rank accounts, or people with all their linked accounts combined "
                   "(employees pseudonymised unless SCOUT_SHOW_EMPLOYEE_NAMES=1).")
@pass_app
def leaders(app, segment, community_id, topic, platforms, top, fmt, out, make_dirs, snapshot_id,
            preset, hidden, by) -> None:
    """Leaderboards from the newest (or a given) ranking snapshot.

    \b
    Examples:
      scout leaders --segment external --top 50
      scout leaders --segment internal --format csv > internal.csv
      scout leaders --topic pricing --format xlsx --out pricing.xlsx
      scout leaders --hidden --segment internal
      scout leaders --by person --segment internal
      scout leaders --platform youtube --platform mastodon

    The ranking is computed across every platform; --platform only cuts the
    board. The platforms column lists every platform of the account's person.
    """
    from graph.errors import InputError
    from graph.export import write_table
    from graph.learn import hidden_leaders
    from graph.ranking import current_leaderboard, rescore, snapshot_leaderboard
    from graph.scoring import resolve_weights

    if fmt is None:
        suffix = (out or "").rsplit(".", 1)[-1].lower() if out and "." in out else ""
        fmt = suffix if suffix in ("csv", "json", "xlsx") else "table"
    if fmt == "xlsx" and not out:
        raise InputError("--format xlsx needs --out FILE.xlsx")
    if hidden and preset:
        raise InputError("--hidden lists what the learned weights see; drop --preset")
    store = app.store()
    plain = not (hidden or preset or by == "person")
    if plain:  # only the best-ranked rows the board needs are read
        found = snapshot_leaderboard(store, snapshot_id, segment, top=top,
                                     community_id=community_id, topic=topic, platforms=platforms)
        if found is None:
            raise _no_snapshot(snapshot_id)
        snap, board = found
    else:
        snap = _load_snapshot(store, snapshot_id)
    table = snap.table
    if hidden:
        learned = (snap.config or {}).get("learned")
        if not learned:
            raise InputError(f"snapshot {snap.id} was not ranked with --learn-from: run "
                             "`scout rank --learn-from FILE.csv` first")
        import pandas as pd

        table = hidden_leaders(table, pd.Series(learned["labels"], dtype=float), top=None,
                               exclude_negatives=not learned.get("implicit_negatives"))
    if preset:
        table = rescore(table, {k: v for k, v in resolve_weights(preset).items() if k in table})
    if by == "person":
        from graph.people import person_board

        board = person_board(store, table, segment, top=top, community_id=community_id, topic=topic,
                             platforms=platforms)
    else:
        if not plain:
            board = current_leaderboard(store, table, segment, top=top,
                                        community_id=community_id, topic=topic,
                                        platforms=platforms)
        from graph.people import (
            PeopleState,
            person_platforms,
            private_board,
            with_person_columns,
        )

        people = None
        if len(board):
            people = PeopleState(store, keys=board["key"].tolist())  # the board's people only
            board.insert(board.columns.get_loc("platform") + 1, "platforms",
                         person_platforms(board["key"], people.links))
        if fmt != "table" and len(board):  # exports carry the person and every handle
            board = with_person_columns(board, people)
        board = private_board(store, board, people)
    if fmt == "table":
        if out:
            raise InputError("--out needs --format csv, json or xlsx")
        if board.empty:
            click.echo("no accounts match", err=True)
            return
        title = "hidden leaders" if hidden else "leaders"
        label = segment if by == "account" else f"{segment}, by person"
        _print_table(board, f"{title} ({label}) — snapshot {snap.id}",
                     PERSON_COLUMNS if by == "person" else TABLE_COLUMNS)
        return
    write_table(board, fmt, out, stream=sys.stdout, make_dirs=make_dirs)
    if out:
        click.echo(f"wrote {len(board)} rows to {out}", err=True)


@click.command()
@click.argument("handle")
@click.option("--snapshot", "snapshot_id", default=None, metavar="ID")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def explain(app, handle, snapshot_id, as_json) -> None:
    """Why HANDLE has its rank: each metric's value, level, weight and contribution.

    A metric's level is log(1 + value/mean) / log(1 + max/mean) over the ranked
    accounts (0–1); its contribution is 100 × weight × level, and the
    contributions add up to the score.
    """
    from graph.ranking import explain_account, snapshot_weights

    store = app.store()
    snap = _load_snapshot(store, snapshot_id)
    weights = snapshot_weights(snap.table, snap.config)
    info = explain_account(snap.table, handle, weights)
    info["snapshot"] = snap.id
    stats = (snap.config or {}).get("stats") or {}
    note = _engine_note(stats) if stats.get("engine") == "spark" else None
    if stats.get("engine"):
        info["engine"] = stats["engine"]
        info["omitted_metrics"] = stats.get("omitted_metrics", [])
    if as_json:
        click.echo(json.dumps(info, indent=2, ensure_ascii=False, default=str))
        return
    from rich.table import Table

    flags = []
    if info.get("crm_status") not in (None, "none"):
        flags.append(str(info["crm_status"]))
    if info.get("automated"):
        flags.append(f"likely automated ({info['automation']:.2f})")
    click.echo(f"{info['handle']} ({info['key']}): rank {info['rank']} of {info['accounts']}, "
               f"score {info['score']:.2f}, {info['segment']}, community {info['community']}"
               + (f" — {', '.join(flags)}" if flags else ""))
    if note:
        click.echo(note)
    t = Table(title=f"snapshot {snap.id}")
    for c in ("metric", "value", "level", "percentile", "weight", "contribution"):
        t.add_column(c, justify="left" if c == "metric" else "right")
    for m in info["metrics"]:
        v = m["value"]
        pct = m.get("percentile")
        t.add_row(m["metric"], f"{v:.4g}" if isinstance(v, float) else str(v),
                  f"{m['level']:.3f}", "—" if pct is None else f"{pct:.3f}",
                  f"{m['weight']:.3f}", f"{m['contribution']:.2f}")
    t.add_row("total", "", "", "", "", f"{info['score']:.2f}")
    _stdout().print(t)


def _tops(tops: str) -> list[int]:
    from graph.errors import InputError

    try:
        ks = [int(x) for x in str(tops).split(",") if x.strip()]
    except ValueError:
        raise InputError(f"--top takes comma-separated integers, got {tops!r}") from None
    if not ks or min(ks) < 1:
        raise InputError("--top takes positive integers")
    return ks


def _horizon(value: str | None):
    from graph.ranking import parse_duration

    if value is None or str(value).strip().lower() in ("all", "end", ""):
        return None
    return parse_duration(value)


def _print_evaluation(ev, title: str) -> None:
    from rich.table import Table

    t = Table(title=title)
    for c in ev.table.columns:
        t.add_column(c, justify="left" if c == "model" else "right")
    for row in ev.table.itertuples(index=False):
        t.add_row(*[v if isinstance(v, str) else ("—" if v != v else f"{v:.3f}") for v in row])
    _stdout().print(t)
    if ev.kind == "labels" and len(ev.leaders):
        lead = ev.leaders.copy()
        first = [c for c in lead.columns if c not in ("account", "handle")][0]
        lead = lead.sort_values(first, na_position="last", kind="stable").head(25)
        lt = Table(title="position of each labelled leader (first 25)")
        for c in lead.columns:
            lt.add_column(c, justify="left" if c in ("account", "handle") else "right")
        for row in lead.itertuples(index=False):
            lt.add_row(*["—" if v is None or v != v else str(v) for v in row])
        _stdout().print(lt)


def _evaluation_options(f):
    for opt in reversed([
        click.option("--truth", "truth_file", type=click.Path(dir_okay=False), default=None,
                     metavar="FILE.csv",
                     help="Known answers: CSV account,label (1/0 or a number)."),
        click.option("--split", default=None, metavar="DATE",
                     help="Temporal check: rank on events before DATE, score against the "
                          "engagement received from DATE on."),
        click.option("--horizon", default="30d", show_default=True, metavar="DURATION|all",
                     help="With --split: the measured period (e.g. 30d, 12h, 2w; all = to the "
                          "end of the data)."),
        click.option("--top", "tops", default="10,50,100", show_default=True, metavar="K,K…",
                     help="k values of precision@k."),
        click.option("--snapshot", "snapshot_id", default=None, metavar="ID",
                     help="With --truth: the snapshot to check (default: the newest)."),
        click.option("--presets", "with_presets", is_flag=True,
                     help="Also score every preset on the same metrics."),
        click.option("--since", metavar="DATE", help="With --split: ignore events before DATE."),
        click.option("--platform", "platforms", multiple=True, metavar="P"),
        click.option("--kind", "kinds", multiple=True, metavar="K"),
        click.option("--preset", type=click.Choice(list(PRESET_CHOICES)), default=None,
                     help="With --split: the preset to rank with (default auto)."),
        click.option("--weights", "weights_file", type=click.Path(dir_okay=False), default=None,
                     metavar="FILE"),
        click.option("--half-life", default="auto", show_default=True, metavar="DAYS|auto"),
        click.option("--seed", type=int, default=0, show_default=True),
        click.option("--json", "as_json", is_flag=True, help="Print the report as JSON."),
    ]):
        f = opt(f)
    return f


def _evaluate(app, truth_file, split, horizon, tops, snapshot_id, with_presets, since,
              platforms, kinds, preset, weights_file, half_life, seed, as_json) -> None:
    from graph.errors import InputError
    from graph.evaluate import evaluate_snapshot, evaluate_split_store, read_truth
    from graph.ranking import parse_datetime
    from graph.scoring import PRESET_CHOICES as ALL_PRESETS

    if (truth_file is None) == (split is None):
        raise InputError("give --truth FILE.csv (known leaders) or --split DATE (the future), "
                         "one of them")
    ks = _tops(tops)
    presets = list(ALL_PRESETS) if with_presets else []
    store = app.store()
    status, update = _progress_status(not as_json)
    if truth_file is not None:
        truth = read_truth(truth_file)
        with status:
            ev = evaluate_snapshot(store, truth, snapshot_id, presets=presets, tops=ks)
        head = (f"snapshot {ev.info['snapshot']}: {ev.info['labelled']:,} labelled accounts "
                f"({ev.info['positives'] if ev.info['binary'] else 'numeric labels'}"
                f"{' leaders' if ev.info['binary'] else ''}), {ev.info['accounts']:,} ranked")
        if ev.info.get("unmatched_count"):
            head += (f"; {ev.info['unmatched_count']} not found (e.g. "
                     f"{', '.join(map(repr, ev.info['unmatched'][:3]))})")
        if ev.info.get("labels_used_in_training"):
            head += (f"; warning: {ev.info['labels_used_in_training']} of these labels trained "
                     "this ranking (--learn-from), so the figures are optimistic")
    else:
        cut = parse_datetime(split)
        config = _config(since, None, (), platforms, kinds, preset, weights_file, half_life,
                         1.0, seed)
        with status:
            ev = evaluate_split_store(store, cut, horizon=_horizon(horizon), config=config,
                                      presets=presets, tops=ks, progress=update)
        i = ev.info
        hz = f"{i['horizon_days']:g} days" if i["horizon_days"] is not None else "to the end"
        head = (f"split {i['split']}, horizon {hz}: {i['accounts']:,} accounts ranked on "
                f"{i['train_events']:,} events (preset {i['preset']}), engagement measured "
                f"on {i['test_events']:,} events")
    if as_json:
        click.echo(json.dumps(ev.as_dict(), indent=2, ensure_ascii=False, default=str))
        return
    click.echo(head)
    _print_evaluation(ev, "evaluation: Scout and the naive baselines")


@click.command()
@_evaluation_options
@pass_app
def evaluate(app, **kw) -> None:
    """Check the ranking against what you know: labelled leaders or the future.

    \b
    With --truth FILE.csv (columns account,label; account as `scout leaders`
    prints it, label 1/0 or a number): ROC-AUC, precision@k and each leader's
    position for the newest snapshot and, side by side, the naive baselines
    (engagers, in-strength, PageRank) on the same window. Numeric labels give
    Spearman and NDCG instead.
    With --split DATE: rank on the events before DATE and score against the
    engagement each account receives from DATE on: precision@k, NDCG@100 and
    Spearman, baselines side by side.

    \b
    Examples:
      scout evaluate --truth managers.csv
      scout evaluate --truth managers.csv --presets --json
      scout evaluate --split 2026-10-01 --horizon 30d
    """
    _evaluate(app, **kw)


@click.command()
@click.option("--split", required=True, metavar="DATE",
              help="Rank on events before DATE, measure attention after it.")
@click.option("--horizon", default="30d", show_default=True, metavar="DURATION|all",
              help="Measurement window after the split (e.g. 30d, 12h, 2w).")
@click.option("--top", "tops", default="10,50,100", show_default=True, metavar="K,K…",
              help="k values of precision@k.")
@click.option("--since", metavar="DATE", help="Ignore events before DATE.")
@click.option("--platform", "platforms", multiple=True, metavar="P")
@click.option("--kind", "kinds", multiple=True, metavar="K")
@click.option("--preset", type=click.Choice(list(PRESET_CHOICES)), default=None)
@click.option("--weights", "weights_file", type=click.Path(dir_okay=False), default=None,
              metavar="FILE")
@click.option("--half-life", default="auto", show_default=True, metavar="DAYS|auto")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def backtest(app, split, horizon, tops, since, platforms, kinds, preset, weights_file, half_life,
             seed, as_json) -> None:
    """The same as `scout evaluate --split DATE` (kept for scripts).

    Reports precision@k, NDCG@100 and Spearman for Scout's score and the naive
    baselines (engagers, in-strength, PageRank, followers when known).
    """
    _evaluate(app, None, split, horizon, tops, None, False, since, platforms, kinds, preset,
              weights_file, half_life, seed, as_json)


COMMANDS = [rank, leaders, explain, evaluate, backtest]
