"""``scout rank``, ``scout leaders``, ``scout explain`` and ``scout backtest``.

Users script against these commands: options and output columns are stable.
Tables go to stdout, progress to stderr; ``--json`` / ``--format csv|json``
print machine-readable output only.
"""

from __future__ import annotations

import json
import sys

import click

from graph.model import SEGMENTS
from graph.scoring import PRESETS
from ui.context import pass_app

SEGMENT_CHOICES = SEGMENTS
SUMMARY_COLUMNS = ("rank", "account", "platform", "score", "community", "engagers", "pagerank",
                   "crm_status")
TABLE_COLUMNS = ("rank", "account", "platform", "segment", "score", "community", "crm_status",
                 "engagers", "in_strength", "pagerank", "betweenness", "bridging", "reach",
                 "automated")


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
        t.add_column(c, justify="right" if c not in ("account", "platform", "segment",
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
        click.option("--preset", type=click.Choice(list(PRESETS)), default=None,
                     help="Weight preset (default balanced)."),
        click.option("--weights", "weights_file", type=click.Path(dir_okay=False), default=None,
                     metavar="FILE", help="TOML/JSON file with metric (and kind) weights."),
        click.option("--half-life", type=click.FloatRange(min=0), default=30.0, show_default=True,
                     metavar="DAYS", help="Half-life of an event's weight; 0 = no decay."),
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
def rank(app, since, until, topics, platforms, kinds, preset, weights_file, half_life,
         resolution, seed, betweenness_k, top, as_json, if_stale) -> None:
    """Rank accounts and store a snapshot (with a `rank` run).

    \b
    Examples:
      scout rank
      scout rank --since 2024-04-01 --until 2024-05-01 --preset conversation
      scout rank --topic pricing --platform x --json
    """
    from graph.ranking import leaderboard, rank_store, rising_stars

    config = _config(since, until, topics, platforms, kinds, preset, weights_file, half_life,
                     resolution, seed, betweenness_k)
    store = app.store()
    if if_stale:
        from graph.staleness import ranking_reason

        if ranking_reason(store, config, store.load_snapshot()) is None:
            click.echo("the newest snapshot is up to date with the data; not ranking again")
            return
    status, update = _progress_status(True)
    with status:
        outcome = rank_store(store, config, progress=update)
    result, snap = outcome.result, outcome.snapshot
    table = result.table
    internal = leaderboard(table, "internal", top=top)
    external = leaderboard(table, "external", top=top)
    prev = outcome.previous
    rising = rising_stars(table, prev.table if prev is not None else None, top=max(top, 50))
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
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    s = result.stats
    click.echo(f"snapshot {snap.id}: {s['accounts']:,} accounts, {s['events']:,} events, "
               f"{s['edges']:,} edges, {s['communities']:,} communities "
               f"(modularity {s['modularity']:.3f}), {s['automated']:,} likely automated")
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


def _load_snapshot(store, snapshot_id):
    from graph.errors import NotFoundError

    snap = store.load_snapshot(snapshot_id)
    if snap is None:
        if snapshot_id:
            raise NotFoundError(f"no snapshot {snapshot_id!r} (see `scout leaders --help`)")
        raise NotFoundError("no ranking yet: run `scout rank` first")
    return snap


@click.command()
@click.option("--segment", type=click.Choice(SEGMENT_CHOICES), default="all", show_default=True,
              help="internal/external accounts, brokers between communities, or boundary "
                   "brokers between inside and outside.")
@click.option("--community", "community_id", type=int, default=None, metavar="C",
              help="Only community C.")
@click.option("--topic", default=None, metavar="T", help="Only accounts active on topic T.")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "xlsx"]),
              default=None, help="Output format (default table, or from --out's extension).")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Write to FILE (csv/json go to stdout without it).")
@click.option("--mkdir", "make_dirs", is_flag=True, help="Create --out's missing parent folders.")
@click.option("--snapshot", "snapshot_id", default=None, metavar="ID",
              help="A stored snapshot (default: the newest).")
@click.option("--preset", type=click.Choice(list(PRESETS)), default=None,
              help="Re-score the snapshot's metrics with another preset.")
@pass_app
def leaders(app, segment, community_id, topic, top, fmt, out, make_dirs, snapshot_id,
            preset) -> None:
    """Leaderboards from the newest (or a given) ranking snapshot.

    \b
    Examples:
      scout leaders --segment external --top 50
      scout leaders --segment internal --format csv > internal.csv
      scout leaders --topic pricing --format xlsx --out pricing.xlsx
    """
    from graph.errors import InputError
    from graph.export import write_table
    from graph.ranking import current_leaderboard, rescore
    from graph.scoring import resolve_weights

    if fmt is None:
        suffix = (out or "").rsplit(".", 1)[-1].lower() if out and "." in out else ""
        fmt = suffix if suffix in ("csv", "json", "xlsx") else "table"
    if fmt == "xlsx" and not out:
        raise InputError("--format xlsx needs --out FILE.xlsx")
    store = app.store()
    snap = _load_snapshot(store, snapshot_id)
    table = snap.table
    if preset:
        table = rescore(table, {k: v for k, v in resolve_weights(preset).items() if k in table})
    board = current_leaderboard(store, table, segment, top=top, community_id=community_id,
                                topic=topic)
    if fmt == "table":
        if out:
            raise InputError("--out needs --format csv, json or xlsx")
        if board.empty:
            click.echo("no accounts match", err=True)
            return
        _print_table(board, f"leaders ({segment}) — snapshot {snap.id}")
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
    """Why HANDLE has its rank: each metric's value, percentile, weight and contribution."""
    from graph.ranking import explain_account, snapshot_weights

    store = app.store()
    snap = _load_snapshot(store, snapshot_id)
    weights = snapshot_weights(snap.table, snap.config)
    info = explain_account(snap.table, handle, weights)
    info["snapshot"] = snap.id
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
    t = Table(title=f"snapshot {snap.id}")
    for c in ("metric", "value", "percentile", "weight", "contribution"):
        t.add_column(c, justify="left" if c == "metric" else "right")
    for m in info["metrics"]:
        v = m["value"]
        t.add_row(m["metric"], f"{v:.4g}" if isinstance(v, float) else str(v),
                  f"{m['percentile']:.3f}", f"{m['weight']:.3f}", f"{m['contribution']:.2f}")
    t.add_row("total", "", "", "", f"{info['score']:.2f}")
    _stdout().print(t)


@click.command()
@click.option("--split", required=True, metavar="DATE",
              help="Rank on events before DATE, measure attention after it.")
@click.option("--horizon", default="30d", show_default=True, metavar="DURATION",
              help="Measurement window after the split (e.g. 30d, 12h, 2w).")
@click.option("--top", "tops", default="10,50,100", show_default=True, metavar="K,K…",
              help="k values of precision@k.")
@click.option("--since", metavar="DATE", help="Ignore events before DATE.")
@click.option("--platform", "platforms", multiple=True, metavar="P")
@click.option("--kind", "kinds", multiple=True, metavar="K")
@click.option("--preset", type=click.Choice(list(PRESETS)), default=None)
@click.option("--weights", "weights_file", type=click.Path(dir_okay=False), default=None,
              metavar="FILE")
@click.option("--half-life", type=click.FloatRange(min=0), default=30.0, show_default=True,
              metavar="DAYS")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def backtest(app, split, horizon, tops, since, platforms, kinds, preset, weights_file, half_life,
             seed, as_json) -> None:
    """Check the ranking against the attention accounts receive after --split.

    Reports precision@k and Spearman for Scout's score and for baselines
    (followers, distinct engagers, in-strength).
    """
    from graph.backtest import backtest_store
    from graph.errors import InputError
    from graph.ranking import parse_datetime, parse_duration

    try:
        ks = [int(x) for x in str(tops).split(",") if x.strip()]
    except ValueError:
        raise InputError(f"--top takes comma-separated integers, got {tops!r}") from None
    if not ks or min(ks) < 1:
        raise InputError("--top takes positive integers")
    cut = parse_datetime(split)
    config = _config(since, None, (), platforms, kinds, preset, weights_file, half_life, 1.0, seed)
    status, _ = _progress_status(True)
    with status:
        report = backtest_store(app.store(), cut, parse_duration(horizon), ks, config)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False, default=str))
        return
    click.echo(f"split {report.split.isoformat()}, horizon {report.horizon_days:g} days: "
               f"{report.accounts:,} accounts ranked on {report.train_events:,} events, "
               f"attention measured on {report.test_events:,} events")
    from rich.table import Table

    t = Table(title="backtest")
    for c in report.table.columns:
        t.add_column(c, justify="left" if c == "model" else "right")
    for row in report.table.itertuples(index=False):
        t.add_row(*[v if isinstance(v, str) else ("—" if v != v else f"{v:.3f}") for v in row])
    _stdout().print(t)


COMMANDS = [rank, leaders, explain, backtest]
