"""``scout refresh`` and ``scout schedule``: unattended refreshes driven by ``scout.toml``.

Exit codes of ``scout refresh``: 0 done; 1 a source, the ranking or an export
failed (what arrived is ranked anyway); 2 invalid configuration, or the store
cannot be reached / was lost (nothing more ran); 3 another refresh holds the
lock (nothing ran). The summary goes to stdout, progress to stderr.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from ui.config import DEFAULT_CONFIG
from ui.context import pass_app
from ui.refresh import RefreshReporter


class CliReporter(RefreshReporter):
    """Progress on stderr: one line per step, rich bars and a ranking status on a terminal."""

    def __init__(self, live: bool) -> None:
        from ingest.progress import stderr_console

        self.live = live
        self.console = stderr_console()

    def step(self, message: str) -> None:
        self.console.print(f"refresh: {message}", markup=False, highlight=False)

    def notice(self, message: str) -> None:
        self.console.print(f"refresh: notice: {message}", markup=False, highlight=False)

    def ingest_display(self, description: str, unit: str):
        from ingest.progress import RichProgress

        # Without a terminal: no bar, but bad lines and rate-limit waits still get a line.
        return RichProgress(description, enabled=self.live, unit=unit, console=self.console)

    @contextlib.contextmanager
    def ranking(self) -> Iterator[Callable[[str], None] | None]:
        if not self.live:
            yield None
            return
        with self.console.status("ranking…") as status:
            yield lambda step: status.update(f"ranking: {step}…")


def _config_option(fn: Callable) -> Callable:
    return click.option(
        "--config", "config_path", type=click.Path(dir_okay=False), default=DEFAULT_CONFIG,
        show_default=True, metavar="FILE",
        help="The configuration (see scout.example.toml); relative paths in it are relative "
             "to its folder.",
    )(fn)


@click.command()
@_config_option
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON only.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bars on stderr (default: when stderr is a terminal).")
@pass_app
@click.pass_context
def refresh(ctx: click.Context, app, config_path: str, as_json: bool, progress: bool | None) -> None:
    """Run every source of the configuration incrementally, rank, export, and report.

    \b
    Files already imported unchanged are skipped; X queries continue where the
    last run stopped; the roster and CRM lists are re-read. The ranking is
    redone only when something changed. --store / SCOUT_STORE override
    store.uri.

    \b
    Exit codes: 0 done; 1 a source, the ranking or an export failed (what did
    arrive is ranked); 2 bad configuration or store unreachable; 3 another
    refresh is running.
    """
    from ui.config import load_config
    from ui.refresh import format_summary, run_refresh

    # Absolute, so that source names (which key cursors) do not depend on the cwd.
    cfg = load_config(Path(config_path).absolute())
    live = sys.stderr.isatty() if progress is None else progress
    from ingest.pipeline import listening
    from ui.cli_listen import configured_themes

    # New interactions are tagged with the [listening] themes as they are written.
    with listening(configured_themes(config_path)):
        result = run_refresh(cfg, store_uri=app.store_uri, reporter=CliReporter(live))
    if as_json:
        click.echo(json.dumps(result.summary, indent=2, ensure_ascii=False, default=str))
    else:
        click.echo(format_summary(result.summary))
    ctx.exit(result.exit_code)


@click.command()
@_config_option
@click.option("--run-now", is_flag=True, help="Also refresh once right away.")
@click.option("--interval-seconds", type=click.FloatRange(min=0.1), default=None, hidden=True,
              help="Run every N seconds instead of the cron (tests).")
@pass_app
def schedule(app, config_path: str, run_now: bool, interval_seconds: float | None) -> None:
    """Refresh on the [schedule] cron until stopped (SIGTERM or Ctrl-C).

    Logs one line per run (status, new events, changes at the top, next run)
    on stdout. A failed run is logged and the schedule goes on. Stopping waits
    for a running refresh to finish, then exits 0.
    """
    from ui.refresh import run_schedule

    trigger = None
    if interval_seconds is not None:
        from apscheduler.triggers.interval import IntervalTrigger

        trigger = IntervalTrigger(seconds=interval_seconds)
    run_schedule(Path(config_path).absolute(), store_uri=app.store_uri, trigger=trigger, run_now=run_now)


COMMANDS = [refresh, schedule]
