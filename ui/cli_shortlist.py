"""``scout shortlist …``: recruitment shortlists planned for coverage.

``scout shortlist plan`` picks the K leaders who together reach the most
distinct engaged accounts (:mod:`graph.coverage`) and shows them next to the
top K by score. Tables go to stdout; ``--json`` prints one JSON object.
"""

from __future__ import annotations

import json

import click

from ui.cli_rank import SEGMENT_CHOICES, _load_snapshot
from ui.context import pass_app

PLAN_COLUMNS = ("pick", "account", "platform", "segment", "community", "score", "overall_rank",
                "own_reach", "new_reach", "total_reach")
JSON_COLUMNS = (*PLAN_COLUMNS, "new_community", "gain", "crm_status", "key")


@click.group()
def shortlist() -> None:
    """Recruitment shortlists: plan one for coverage (manage them in `scout app`)."""


@shortlist.command("plan")
@click.option("--size", "k", type=click.IntRange(min=1), required=True, metavar="K",
              help="How many leaders to pick.")
@click.option("--segment", type=click.Choice(SEGMENT_CHOICES), default="all", show_default=True,
              help="Pick among internal or external accounts, brokers or boundary brokers.")
@click.option("--community", "community_id", type=int, default=None, metavar="C",
              help="Pick only within community C.")
@click.option("--topic", default=None, metavar="T", help="Pick only accounts active on topic T.")
@click.option("--theme", default=None, metavar="NAME",
              help="A listening theme (see `scout listen`): reach counts engagements in "
                   "interactions about it, among accounts engaged with there.")
@click.option("--pool", type=click.IntRange(min=1), default=None, metavar="N",
              help="Only the first N accounts of the leaderboard are candidates (default all).")
@click.option("--community-bonus", "bonus", type=click.FloatRange(min=0), default=None,
              metavar="B",
              help="Each pick from a community not yet represented counts as B more reached "
                   "accounts (default: 10%% of the best single reach; 0 = plain reach).")
@click.option("--snapshot", "snapshot_id", default=None, metavar="ID",
              help="A stored snapshot (default: the newest).")
@click.option("--save", "save_as", default=None, metavar="NAME",
              help="Save the picks as shortlist NAME (created if missing, else added to).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@pass_app
def plan(app, k, segment, community_id, topic, theme, pool, bonus, snapshot_id, save_as,
         as_json) -> None:
    """Pick K leaders who together reach the most distinct engaged accounts.

    Lazy greedy (CELF) on reach (accounts that engaged with the picks in the
    snapshot's window) plus a bonus per community represented: within
    (1 − 1/e) of the best possible list. Each pick shows its own reach and the
    new accounts it adds; the top K by score are shown beside it.

    \b
    Examples:
      scout shortlist plan --size 20
      scout shortlist plan --size 10 --segment external --save "Q3 outreach"
      scout shortlist plan --size 5 --community 3 --json
      scout shortlist plan --size 10 --theme competitor_b     # after `scout listen tag`
    """
    from graph.coverage import plan_from_snapshot, save_plan
    from graph.export import to_records

    store = app.store()
    snap = _load_snapshot(store, snapshot_id)
    with _status("planning the shortlist…", enabled=not as_json):
        result = plan_from_snapshot(store, snap, k, segment, community_id=community_id,
                                    topic=topic, pool=pool, community_bonus=bonus,
                                    theme=theme)
    saved = None
    if save_as:
        saved = save_plan(store, save_as, result)
    if as_json:
        cols = [c for c in JSON_COLUMNS if c in result.picks.columns]
        out = {"snapshot": snap.id, **result.summary(),
               "picks": to_records(result.picks[cols]),
               "top_by_score": to_records(result.top[[c for c in cols if c in result.top]])}
        if saved is not None:
            out["saved"] = saved
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    _print(result, f"coverage shortlist of {len(result.picks)} ({segment}) — snapshot {snap.id}")
    if saved is not None:
        click.echo(f"saved to shortlist {saved['name']!r}: {saved['added']} new member(s)",
                   err=True)


def _status(text: str, enabled: bool):
    import contextlib

    if not enabled:
        return contextlib.nullcontext()
    from rich.console import Console

    return Console(stderr=True).status(text)


def _print(result, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    t = Table(title=title)
    cols = [c for c in PLAN_COLUMNS if c in result.picks.columns]
    for c in cols:
        t.add_column(c, justify="left" if c in ("account", "platform", "segment") else "right")
    for row in result.picks[cols].itertuples(index=False):
        t.add_row(*[f"{v:.1f}" if isinstance(v, float) else str(v) for v in row])
    console.print(t)
    s = result.summary()
    gain = s["gain_over_top"]
    console.print(
        f"reach: this plan {s['plan_reach']} distinct accounts across {s['plan_communities']} "
        f"communities; the top {len(result.top)} by score {s['top_reach']} across "
        f"{s['top_communities']} ({'+' if gain >= 0 else ''}{gain}; {s['overlap']} in both). "
        f"Community bonus {s['community_bonus']:.3g}; {s['candidates']} candidates.")
    console.print("top by score: " + ", ".join(
        f"{a} ({r})" for a, r in zip(result.top["account"], result.top["own_reach"], strict=True)))


COMMANDS = [shortlist]
