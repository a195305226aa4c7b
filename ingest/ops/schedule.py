"""``scout schedule``: run :func:`ingest.ops.refresh.run_refresh` on the cron of ``scout.toml``.

One refresh at a time (a run still going when the next fires is skipped, and the
refresh lock guards against other processes); SIGTERM/SIGINT stop the scheduler
after the refresh in progress has recorded itself.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from graph.errors import ConfigError, ScoutError
from ingest.ops.config import cron_trigger, load_config
from ingest.ops.refresh import (
    RefreshBusyError,
    check_config,
    run_refresh,
    summary_line,
)

# ----------------------------------------------------------------------------- schedule
JOB_ID = "scout-refresh"


def run_schedule(
    config_path: str | Path,
    *,
    store_uri: str | None = None,
    trigger=None,
    run_now: bool = False,
    logger: logging.Logger | None = None,
    handle_signals: bool = True,
    stop: threading.Event | None = None,
) -> int:
    """Run refreshes on the ``[schedule]`` cron until SIGTERM / Ctrl-C; returns the exit code.

    Each run re-reads the configuration (edits take effect at the next run;
    the schedule itself is read once, at start), opens its own store
    connection and logs one line. A failed run is logged and the scheduler goes
    on. Runs never overlap (one instance, and the refresh lock); runs missed
    while the process could not run them are coalesced into one, run late.

    Parameters
    ----------
    config_path : str or Path
    store_uri : str, optional
        Overrides ``store.uri``.
    trigger : apscheduler trigger, optional
        Instead of the cron (tests use an ``IntervalTrigger``).
    run_now : bool
        Also run once immediately.
    logger : logging.Logger, optional
        Where lines go (default: ``scout.schedule`` on stdout).
    stop : threading.Event, optional
        Set it to stop the schedule (callers that do not use signals).
    handle_signals : bool
        Stop cleanly on SIGTERM/SIGINT (main thread only).

    Raises
    ------
    ConfigError
        Invalid configuration, or no ``schedule.cron`` and no ``trigger``.
    """
    from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler

    logger = logger or schedule_logger()
    cfg = load_config(config_path)
    check_config(cfg, store_uri)
    if trigger is None:
        if not cfg.cron:
            raise ConfigError(f"{config_path}: schedule.cron: required by scout schedule")
        trigger = cron_trigger(cfg.cron, cfg.timezone)
    # The jobs run on the scheduler's own threads; the main thread only watches for a
    # stop request (see below), which is the one signal-safe way to react to SIGTERM.
    scheduler = BackgroundScheduler(
        timezone=cfg.timezone,
        executors={"default": ThreadPoolExecutor(1)},
        # A run missed while the process was suspended or busy runs once, late.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    job_box: list = []

    def job() -> None:
        _scheduled_refresh(config_path, store_uri, logger, scheduler, job_box[0])

    kwargs = {"next_run_time": datetime.now(scheduler.timezone)} if run_now else {}
    job_box.append(scheduler.add_job(job, trigger, id=JOB_ID, name="scout refresh", **kwargs))
    scheduler.add_listener(
        lambda ev: logger.info("refresh skipped: the previous one is still running"),
        EVENT_JOB_MAX_INSTANCES)
    scheduler.add_listener(lambda ev: logger.info("refresh missed at %s", ev.scheduled_run_time),
                           EVENT_JOB_MISSED)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # we log runs ourselves

    # Handlers first: a SIGTERM that arrives as soon as we announce ourselves must stop us.
    # The handler only records the signal: it may interrupt the main thread anywhere,
    # even inside a lock the scheduler needs, so it must not call into anything.
    received: list[int] = []
    restore = _install_stop(received) if handle_signals else None
    first = trigger.get_next_fire_time(None, datetime.now(scheduler.timezone))
    what = f"cron {cfg.cron!r} ({cfg.timezone})" if trigger_is_cron(trigger) else str(trigger)
    logger.info("scout schedule: %s, config %s; %snext run %s", what, Path(config_path).absolute(),
                "running once now, then " if run_now else "", _when(first))
    try:
        scheduler.start()
        while not received and not (stop is not None and stop.is_set()):
            time.sleep(STOP_POLL_SECONDS)
        if received:
            logger.info("%s received: stopping (after the running refresh, if any)",
                        signal.Signals(received[0]).name)
        scheduler.shutdown(wait=True)
    finally:
        if restore is not None:
            restore()
    logger.info("scout schedule: stopped")
    return 0


def trigger_is_cron(trigger) -> bool:
    from apscheduler.triggers.cron import CronTrigger

    return isinstance(trigger, CronTrigger)


def schedule_logger() -> logging.Logger:
    """``scout.schedule``: timestamped lines on stdout (what systemd/cron capture)."""
    logger = logging.getLogger("scout.schedule")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%S%z"))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


def _when(t: datetime | None) -> str:
    return t.isoformat(timespec="seconds") if t is not None else "never"


def _scheduled_refresh(config_path, store_uri, logger: logging.Logger, scheduler, job) -> None:
    """One scheduled run: never raises, logs one line."""
    try:
        cfg = load_config(config_path)
        result = run_refresh(cfg, store_uri=store_uri)
        line = summary_line(result.summary)
    except ScoutError as exc:
        line = f"refresh {'skipped' if isinstance(exc, RefreshBusyError) else 'failed'}: {exc}"
    except Exception as exc:  # noqa: BLE001 - a bug must not stop the schedule
        logger.exception("refresh crashed: %s: %s", type(exc).__name__, exc)
        line = "refresh crashed (see the traceback above)"
    from apscheduler.schedulers.base import STATE_STOPPED

    if scheduler.state == STATE_STOPPED:
        logger.info("%s; stopping", line)
        return
    # Read without the scheduler's lock: shutdown(wait=True) holds it while waiting for us.
    nxt = job.next_run_time
    now = datetime.now(scheduler.timezone)
    if nxt is None or nxt <= now:
        nxt = job.trigger.get_next_fire_time(None, now)
    logger.info("%s; next run %s", line, _when(nxt))


#: How often the main thread of ``scout schedule`` checks for a stop request.
STOP_POLL_SECONDS = 0.2


def _install_stop(received: list[int]) -> Callable[[], None] | None:
    """SIGTERM/SIGINT are recorded in ``received``; returns the undo (``None`` off the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(signum, frame) -> None:
        received.append(signum)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}

    def restore() -> None:
        for s, handler in previous.items():
            signal.signal(s, handler)

    return restore
