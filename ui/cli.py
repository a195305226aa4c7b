"""The ``scout`` command: a thin layer over ``graph`` and ``ingest``.

Every command takes ``--store URI`` (or ``SCOUT_STORE``). Failures Scout
expects (bad input, unreachable store…) print one line on stderr and exit
with the error's code; ``--debug`` shows the traceback as well.
"""

from __future__ import annotations

import json
import logging
import sys

import click

from graph.errors import ScoutError
from ui.context import AppContext, pass_app


class ScoutGroup(click.Group):
    """Turns :class:`ScoutError` into one clean line and an exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ScoutError as exc:
            app = ctx.find_object(AppContext)
            if app is not None and app.debug:
                raise
            click.echo(f"scout: error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=ScoutGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--store",
    "store_uri",
    envvar="SCOUT_STORE",
    default=None,
    metavar="URI",
    help="sqlite:///path.db (default sqlite:///.scout/scout.db) or bolt://host:port / neo4j://host:port.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.version_option(package_name="scout")
@click.pass_context
def cli(ctx: click.Context, store_uri: str | None, debug: bool) -> None:
    """Scout: find the opinion leaders of the conversation about your company."""
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    # The driver logs connection attempts at INFO/WARNING; the CLI reports them itself.
    logging.getLogger("neo4j").setLevel(logging.DEBUG if debug else logging.ERROR)
    app = AppContext(store_uri=store_uri, debug=debug)
    ctx.obj = app
    ctx.call_on_close(app.close)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_app
def stats(app: AppContext, fmt: str) -> None:
    """Counts: accounts, interactions by kind and platform, time span, last runs."""
    s = app.store().stats()
    if fmt == "json":
        click.echo(json.dumps(s.as_dict(), indent=2, ensure_ascii=False))
        return
    from ui.console import print_stats

    print_stats(s)


@cli.command()
@click.argument("handle")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (required when stdin is not a terminal).")
@click.option("--all-platforms", is_flag=True,
              help="Forget every account HANDLE names, on every platform.")
@pass_app
def forget(app: AppContext, handle: str, yes: bool, all_platforms: bool) -> None:
    """Remove an account and everything naming it (events, snapshot rows, shortlist entries).

    HANDLE is an account key (x:2244994945), platform:handle (linkedin:ada) or a
    bare handle; a bare handle that names accounts on several platforms lists
    them and stops, unless --all-platforms.
    """
    from graph.errors import InputError
    from graph.store import accounts_to_forget

    store = app.store()
    keys = accounts_to_forget(store, handle, all_platforms=all_platforms)
    if not yes:
        # A pipe or cron job cannot answer: deleting for good needs an explicit --yes.
        if not sys.stdin.isatty():
            raise InputError("forget deletes for good: pass --yes when stdin is not a terminal "
                             f"(would forget {', '.join(keys)})")
        click.confirm(f"Forget {', '.join(keys)} and every interaction naming "
                      f"{'them' if len(keys) > 1 else 'it'}?", abort=True)
    for key in keys:
        removed = store.forget(key)
        click.echo(
            f"forgot {key}: "
            + ", ".join(f"{n} {what}" for what, n in removed.items())
        )


def _register_subcommands() -> None:
    # Imported here so that `scout --help` stays fast and a broken optional
    # module cannot hide the core commands.
    import importlib

    for module_name in ("ui.cli_ingest", "ui.cli_rank", "ui.cli_app", "ui.cli_refresh",
                        "ui.cli_people", "ui.cli_shortlist", "ui.cli_export",
                        "ui.cli_listen"):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        for command in module.COMMANDS:
            cli.add_command(command)


_register_subcommands()


def main() -> None:
    """Console entry point."""
    cli(prog_name="scout")


if __name__ == "__main__":
    main()
