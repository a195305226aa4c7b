"""Run bookkeeping: one home for how every job records itself in the store.

Every job — an ingest, ``scout rank``, ``scout refresh`` — is a :class:`~graph.model.Run`
saved as ``running`` with the process that runs it (pid, host), then finished as
``ok``/``partial``, or ``failed``/``interrupted`` when it raises. A process killed
outright cannot record its own end; :func:`close_stale_runs` lets the next job
notice it. :func:`recorded_run` is the context manager every job uses.
"""

from __future__ import annotations

import os
import socket
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from graph.errors import ScoutError, StoreUnavailableError
from graph.model import Run, utcnow

#: How many error messages a run record keeps.
MAX_RUN_ERRORS = 20


def new_run(source: str, kind: str = "ingest", run_id: str | None = None) -> Run:
    """A fresh run record (status ``running``) that names the process running it."""
    return Run(
        id=run_id or uuid.uuid4().hex, kind=kind, source=source, started_at=utcnow(),
        summary=run_owner(),
    )


def run_owner() -> dict[str, object]:
    """Who runs a job: recorded in a run's summary to tell a crashed run from a live one."""
    return {"pid": os.getpid(), "host": socket.gethostname()}


def add_error(run: Run, message: str) -> None:
    """Keep ``message`` in the run record, up to :data:`MAX_RUN_ERRORS` messages."""
    if len(run.errors) < MAX_RUN_ERRORS:
        run.errors.append(message)


def finish_run(run: Run, status: str, started: float) -> None:
    """Stamp ``run`` as finished with ``status`` and its duration in the summary."""
    run.status = status
    run.finished_at = utcnow()
    run.summary["seconds"] = round(time.perf_counter() - started, 3)


def save_quietly(store, run: Run) -> None:
    """Record a failed run; a store that is down must not hide the original error."""
    try:
        store.save_run(run)
    except Exception as exc:  # noqa: BLE001 - best effort, the caller re-raises the cause
        print(f"scout: warning: could not record run {run.id}: {exc}", file=sys.stderr)


def close_stale_runs(store, limit: int = 50) -> int:
    """Mark as ``interrupted`` the runs left ``running`` by a process of this host that died.

    Runs from other hosts are left alone (their processes cannot be checked here).

    Returns
    -------
    int
        How many runs were closed.
    """
    host = socket.gethostname()
    closed = 0
    for run in store.runs(limit=limit):
        if run.status != "running" or run.summary.get("host") != host:
            continue
        pid = run.summary.get("pid")
        if isinstance(pid, int) and pid != os.getpid() and not _alive(pid):
            run.status = "interrupted"
            run.finished_at = utcnow()
            add_error(run, f"process {pid} ended without finishing the run")
            store.save_run(run)
            closed += 1
    return closed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def recorded_run(
    store,
    run: Run,
    *,
    save: bool = True,
    before_save: Callable[[Run], None] | None = None,
    close_stale: bool = True,
) -> Iterator[Run]:
    """Record a job as ``run``: saved ``running`` on entry, finished on exit.

    On a normal exit a run still ``running`` becomes ``partial`` when it rejected
    records, else ``ok`` (a job may set another status itself, e.g. ``failed``
    when it rejected every record). When the body raises, the run becomes
    ``interrupted`` (Ctrl-C, SIGTERM) or ``failed`` with the error message, is
    saved — unless the store itself is gone — and the error propagates.

    Parameters
    ----------
    store : graph.store.GraphStore
    run : Run
        From :func:`new_run` (it carries the owner's pid and host).
    save : bool
        ``False`` keeps the bookkeeping in memory only (a dry run).
    before_save : callable, optional
        Called with the finished run (status and end time set) just before the
        final save: copy counters or a summary into it.
    close_stale : bool
        First mark runs of dead processes ``interrupted``.
    """
    started = time.perf_counter()
    if save:
        if close_stale:
            close_stale_runs(store)
        store.save_run(run)
    try:
        yield run
    except BaseException as exc:
        interrupted = isinstance(exc, KeyboardInterrupt | SystemExit)
        if isinstance(exc, ScoutError):
            add_error(run, str(exc))
        elif not interrupted:
            add_error(run, f"{type(exc).__name__}: {exc}")
        finish_run(run, "interrupted" if interrupted else "failed", started)
        if before_save is not None:
            before_save(run)
        # When the store is gone, the next job marks this run interrupted.
        if save and not isinstance(exc, StoreUnavailableError):
            save_quietly(store, run)
        raise
    status = run.status if run.status != "running" else ("partial" if run.rejected else "ok")
    finish_run(run, status, started)
    if before_save is not None:
        before_save(run)
    if save:
        store.save_run(run)
