"""Progress and waiting displays on stderr (rich), so stdout stays pipe-friendly."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from ingest.pipeline import Progress as ProgressSink

#: Redraw at most this often (seconds); updates in between only store numbers.
REFRESH = 0.1


def stderr_console() -> Console:
    """A console on stderr (resolved at write time, so test runners can capture it)."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _info(records: int, edges: int, unit: str = "posts") -> str:
    return f"{records:,} {unit} · {edges:,} edges"


class RichProgress(ProgressSink):
    """Posts and edges so far, with a bar when the input size is known.

    Also the place to show waits (:meth:`wait`): rich allows one live display
    at a time, so a rate-limit countdown is a second task of this display.

    Parameters
    ----------
    description : str
        What is ingested.
    total : int, optional
        Input size in bytes (files) — a bar is shown when given.
    console : rich.console.Console, optional
        Default: a console on stderr.
    unit : str
        What records are called (``posts``, ``rows``).
    enabled : bool
        ``False`` shows nothing (not a terminal, ``--no-progress``); waits are
        then announced with one line each.
    """

    def __init__(
        self,
        description: str,
        total: int | None = None,
        console: Console | None = None,
        enabled: bool = True,
        unit: str = "posts",
    ) -> None:
        self.console = console or stderr_console()
        self.unit = unit
        self.enabled = enabled
        self._last = 0.0
        self._progress: Progress | None = None
        if enabled:
            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[info]}"),
                TimeElapsedColumn(),
                console=self.console,
                transient=False,
            )
            self._task = self._progress.add_task(description, total=total, info=_info(0, 0, unit))
            self._progress.start()

    def set_total(self, total: int | None) -> None:
        """Set the input size in bytes once it is known (shows the bar)."""
        if self._progress is not None and total:
            self._progress.update(self._task, total=total)

    def update(self, posts: int, edges: int, position: int | None) -> None:
        if self._progress is None:
            return
        now = time.monotonic()
        if now - self._last < REFRESH:
            return
        self._last = now
        kwargs: dict = {"info": _info(posts, edges, self.unit)}
        if position is not None:
            kwargs["completed"] = position
        self._progress.update(self._task, **kwargs)

    def finish(self, posts: int, edges: int, position: int | None) -> None:
        """Show the final numbers (the last :meth:`update` may have been skipped)."""
        self._last = 0.0
        self.update(posts, edges, position)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def print(self, message: str) -> None:
        """Print a line on stderr above the live display."""
        self.console.print(message, markup=False, highlight=False)

    def wait(self, seconds: float, reason: str) -> None:
        """Sleep ``seconds`` with a visible countdown (or one line when not live)."""
        until = datetime.now(UTC) + timedelta(seconds=seconds)
        if self._progress is None:
            self.print(f"{reason}: waiting {seconds:.0f}s (until {until:%H:%M:%S} UTC)")
            time.sleep(max(0.0, seconds))
            return
        task = self._progress.add_task(
            f"{reason}: waiting until {until:%H:%M:%S} UTC", total=seconds, info=f"{seconds:.0f}s left"
        )
        start = time.monotonic()
        try:
            while (elapsed := time.monotonic() - start) < seconds:
                left = seconds - elapsed
                self._progress.update(task, completed=elapsed, info=f"{left:.0f}s left")
                time.sleep(min(0.2, left))
        finally:
            self._progress.remove_task(task)
