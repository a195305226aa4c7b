"""``scout export graph`` (the account network as GEXF or GraphML) and ``scout export events``.

Thin layers over :mod:`graph.network` and :mod:`graph.event_parquet`. Files go to
``--out`` (the graph also to stdout); a summary line and progress go to stderr.
"""

from __future__ import annotations

import sys

import click

from ui.context import pass_app


@click.group()
def export() -> None:
    """Export data for other tools (Gephi, yEd, Cytoscape, networkx…)."""


@export.command("graph")
@click.option("--format", "fmt", type=click.Choice(["gexf", "graphml"]), default=None,
              help="File format (default: from --out's extension, else gexf).")
@click.option("--since", metavar="DATE", help="Only interactions at/after DATE (ISO 8601).")
@click.option("--until", metavar="DATE", help="Only interactions before DATE (exclusive).")
@click.option("--platform", "platforms", multiple=True, metavar="P",
              help="Only this platform (repeatable).")
@click.option("--topic", "topics", multiple=True, metavar="T",
              help="Only interactions carrying topic T (repeatable).")
@click.option("--theme", "themes", multiple=True, metavar="NAME",
              help="Only interactions tagged with listening theme NAME (repeatable; see "
                   "`scout listen tag`).")
@click.option("--snapshot", "snapshot_id", default=None, metavar="ID",
              help="Scores, ranks and communities of this snapshot (default: the newest).")
@click.option("--out", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Write to FILE (default: stdout).")
@pass_app
def export_graph(app, fmt, since, until, platforms, topics, themes, snapshot_id, out) -> None:
    """The account network: nodes with handle, platform, segment, score, rank,
    community and CRM status; one edge per pair and kind with its count and first and
    last time. GEXF is dynamic, so Gephi's timeline replays the conversation.

    Employees appear as initials + department unless SCOUT_SHOW_EMPLOYEE_NAMES=1.

    \b
    Examples:
      scout export graph --out network.gexf
      scout export graph --format graphml --since 2026-10-01 --platform x > x.graphml
      scout export graph --topic pricing --out pricing.gexf
      scout export graph --theme competitor_b --out competitor-b.gexf
    """
    from graph.errors import InputError, NotFoundError
    from graph.network import network_from_store, write_graph
    from graph.ranking import parse_datetime

    if fmt is None:
        suffix = out.rsplit(".", 1)[-1].lower() if out and "." in out else ""
        fmt = suffix if suffix in ("gexf", "graphml") else "gexf"
    start, end = parse_datetime(since), parse_datetime(until)
    if start and end and start >= end:
        raise InputError("--since must be before --until")
    store = app.store()
    snap = None
    if snapshot_id:
        snap = store.load_snapshot(snapshot_id)
        if snap is None:
            raise NotFoundError(f"no snapshot {snapshot_id!r}")
    from rich.console import Console

    with Console(stderr=True).status("building the network…"):
        g = network_from_store(store, since=start, until=end, platforms=platforms,
                               topics=topics, snapshot=snap, themes=themes)
    if g.number_of_nodes() == 0:
        raise NotFoundError("no interactions in the window and filters: nothing to export")
    what = [f"since {since}" if since else "", f"until {until}" if until else "",
            f"platform {', '.join(platforms)}" if platforms else "",
            f"topic {', '.join(topics)}" if topics else "",
            f"theme {', '.join(themes)}" if themes else ""]
    description = "Scout interaction network" + "".join(f"; {w}" for w in what if w)
    size = write_graph(g, fmt, path=out, stream=None if out else sys.stdout.buffer,
                       description=description)
    click.echo(f"{fmt}: {g.number_of_nodes():,} accounts, {g.number_of_edges():,} edges"
               + (f" → {out} ({size / 1e6:.1f} MB)" if out else ""), err=True)


@export.command("events")
@click.option("--format", "fmt", type=click.Choice(["parquet"]), default="parquet",
              show_default=True, help="File format.")
@click.option("--out", type=click.Path(file_okay=False), required=True, metavar="DIR",
              help="Folder to write (DIR/day=YYYY-MM-DD/*.parquet).")
@click.option("--since", metavar="DATE", help="Only interactions at/after DATE (ISO 8601).")
@click.option("--until", metavar="DATE", help="Only interactions before DATE (exclusive).")
@click.option("--platform", "platforms", multiple=True, metavar="P",
              help="Only this platform (repeatable).")
@click.option("--kind", "kinds", multiple=True, metavar="K",
              help="Only this interaction kind (repeatable).")
@click.option("--overwrite", is_flag=True, help="Replace DIR if it holds an earlier export.")
@pass_app
def export_events(app, fmt, out, since, until, platforms, kinds, overwrite) -> None:
    """Interactions as Parquet partitioned by day, without texts: the input of
    `scout rank --engine spark --events DIR` on a Spark cluster, from any store.

    \b
    Examples:
      scout export events --format parquet --out events/
      scout export events --out /mnt/shared/events --since 2026-07-01 --overwrite
    """
    from rich.console import Console

    from graph.errors import InputError
    from graph.event_parquet import write_events_parquet
    from graph.ranking import parse_datetime

    start, end = parse_datetime(since), parse_datetime(until)
    if start and end and start >= end:
        raise InputError("--since must be before --until")
    store = app.store()
    with Console(stderr=True).status("exporting events…") as status:
        def progress(rows: int, slices: int) -> None:
            status.update(f"exporting events: {rows:,} rows ({slices} weeks)…")

        done = write_events_parquet(store, out, since=start, until=end,
                                    kinds=list(kinds) or None,
                                    platforms=list(platforms) or None,
                                    overwrite=overwrite, progress=progress)
    click.echo(f"{fmt}: {done.rows:,} interactions over {done.days:,} days → {done.path}",
               err=True)


COMMANDS = [export]
