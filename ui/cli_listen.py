"""``scout listen``: share of voice and the voices of each listening theme.

Themes come from the ``[listening]`` section of ``scout.toml``
(:func:`graph.listening.parse_listening`); ``scout listen tag`` tags the
stored interactions with them, ``scout listen`` reports on the tags.
"""

from __future__ import annotations

import json
import sys

import click


def _themes(config_path: str):
    import tomllib
    from pathlib import Path

    from graph.errors import ConfigError
    from graph.listening import parse_listening

    path = Path(config_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file (listening themes live in its [listening] "
                          "section)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    themes = parse_listening(data.get("listening"))
    if not themes:
        raise ConfigError(f"{path}: no [listening.themes.NAME] section")
    return themes


def _table(df, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=title)
    for c in df.columns:
        t.add_column(str(c), justify="right" if df[c].dtype.kind in "fiu" else "left")
    for row in df.itertuples(index=False):
        t.add_row(*["" if v is None or v != v else (f"{v:.3g}" if isinstance(v, float) else str(v))
                    for v in row])
    Console().print(t)


_CONFIG = click.option("--config", "config_path", default="scout.toml", show_default=True,
                       envvar="SCOUT_CONFIG", type=click.Path(dir_okay=False), metavar="FILE",
                       help="The scout.toml holding the [listening] themes.")


@click.group(invoke_without_command=True)
@_CONFIG
@click.option("--period", type=click.Choice(["day", "week", "month"]), default="week",
              show_default=True)
@click.option("--since", metavar="DATE", help="Only interactions at/after DATE (ISO 8601).")
@click.option("--until", metavar="DATE", help="Only interactions before DATE (exclusive).")
@click.option("--platform", "platforms", multiple=True, metavar="P", help="Only platform P.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="Voices per theme.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              help="csv prints the share-of-voice table only.")
@click.pass_context
def listen(ctx, config_path, period, since, until, platforms, top, fmt) -> None:
    """Share of voice per theme and period, its growth, and each theme's voices.

    Reports on the themes stored by `scout listen tag`: per period, how many
    interactions name each theme and its share of all theme mentions; the top
    voices of each theme (Scout's ranking on that theme's interactions); who
    talks about competitors but never about the brand; co-mentions; hashtags.

    \b
    Examples:
      scout listen tag                       # once, and after changing the themes
      scout listen --period month
      scout listen --since 2026-10-01 --format json | jq .share_of_voice
    """
    if ctx.invoked_subcommand is not None:
        return
    from graph.listening import (
        co_mentions,
        competitor_only_voices,
        share_of_voice,
        tagged_events,
        top_domains,
        top_hashtags,
        top_voices,
    )
    from graph.ranking import parse_datetime

    app = ctx.obj
    themes = _themes(config_path)
    store = app.store()
    tagged = tagged_events(store, parse_datetime(since), parse_datetime(until), platforms,
                           with_text=fmt != "csv")
    sov = share_of_voice(tagged, period, themes)
    if fmt == "csv":
        from graph.export import write_table

        write_table(sov, "csv", None, stream=sys.stdout)
        return
    accounts = store.accounts()
    voices = {t.name: top_voices(tagged, t.name, accounts, top=top) for t in themes}
    from graph.people import PeopleState, names_unlocked, pseudonymise_accounts

    if not names_unlocked() and any((v["segment"] == "internal").any() for v in voices.values()):
        people = PeopleState(store)  # employees as initials + department
        voices = {k: pseudonymise_accounts(v, people) for k, v in voices.items()}
    rivals = competitor_only_voices(tagged, themes)
    if len(rivals):
        handles = accounts.drop_duplicates("key").set_index("key")["handle"]
        rivals.insert(1, "handle", handles.reindex(rivals["account"]).fillna("").to_numpy())
    pairs = co_mentions(tagged)
    tags = top_hashtags(tagged)
    domains = top_domains(tagged)
    tagged = tagged.drop(columns=["text"], errors="ignore")
    if fmt == "json":
        from graph.export import to_records

        cols = ["rank", "account", "platform", "segment", "score", "mentions", "key"]
        click.echo(json.dumps({
            "period": period,
            "themes": [{"name": t.name, "kind": t.kind} for t in themes],
            "share_of_voice": to_records(sov.astype({"period": str})),
            "top_voices": {k: to_records(v[[c for c in cols if c in v]]) for k, v in voices.items()},
            "competitors_not_us": to_records(rivals.head(100)),
            "co_mentions": to_records(pairs), "top_hashtags": to_records(tags),
            "top_domains": to_records(domains),
        }, indent=2, ensure_ascii=False))
        return
    if sov.empty:
        click.echo("no interaction carries a theme: run `scout listen tag` first", err=True)
        return
    share = sov.pivot(index="period", columns="theme", values="share")[[t.name for t in themes]]
    _table(share.reset_index().astype({"period": str}), f"share of voice by {period}")
    last = sov[sov["period"] == sov["period"].max()]
    _table(last[["theme", "kind", "mentions", "share", "growth"]],
           f"{period} of {sov['period'].max()}: mentions and growth")
    for name, board in voices.items():
        if len(board):
            _table(board[["rank", "account", "platform", "segment", "score", "mentions"]],
                   f"top voices: {name}")
    if len(rivals):
        _table(rivals.head(top), "talk about competitors, not about us")
    if len(pairs):
        _table(pairs, "co-mentions")
    if len(tags):
        _table(tags, "top hashtags per theme")
    if len(domains):
        _table(domains, "top linked domains per theme")


@listen.command("tag")
@click.option("--since", metavar="DATE", help="Tag only interactions at/after DATE (keeps "
              "other tags).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def listen_tag(ctx, since, as_json) -> None:
    """Tag stored interactions with the themes of [listening] (all of them by default)."""
    from rich.console import Console

    from graph.listening import tag_store
    from graph.ranking import parse_datetime

    themes = _themes(ctx.parent.params["config_path"])
    store = ctx.obj.store()
    with Console(stderr=True).status("tagging interactions…"):
        out = tag_store(store, themes, replace=since is None, since=parse_datetime(since))
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    click.echo(f"tagged {out['tagged']:,} of {out['read']:,} interactions: "
               + ", ".join(f"{k} {v:,}" for k, v in out["by_theme"].items()))


COMMANDS = [listen]
