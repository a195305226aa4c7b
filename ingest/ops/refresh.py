"""Unattended refreshes: every source of ``scout.toml``, incrementally, then a ranking and exports.

:func:`run_refresh` is what ``scout refresh`` and ``scout schedule`` call (and
what the app may call): it validates the configuration, takes the refresh lock,
runs each source (X queries, file globs, roster, CRM) — a source that fails is
recorded and the others still run —, ranks when anything changed, writes the
exports atomically and records a ``refresh`` run whose summary says what
happened. :func:`run_schedule` runs it on a cron schedule; :func:`refresh_status`
is what a UI shows about it.

Why each step is safe to interrupt: ingest batches are idempotent transactions
(see :mod:`ingest.pipeline`), a snapshot is saved in one transaction, exports
are renamed into place, and the lock is an ``flock`` the kernel drops when its
holder dies. A refresh killed at any moment loses nothing already committed,
and the next one completes the work.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pandas as pd

from graph.errors import (  # noqa: F401 - RefreshBusyError re-exported
    ConfigError,
    ConflictError,
    InputError,
    RefreshBusyError,
    ScoutError,
    StoreUnavailableError,
)
from graph.factory import open_store
from graph.model import Run, Snapshot, utcnow
from graph.runs import MAX_RUN_ERRORS, new_run, recorded_run, run_owner
from graph.staleness import ranking_reason, segments_changed  # noqa: F401 - re-exported
from graph.store import GraphStore
from graph.store_uri import DEFAULT_STORE_URI, parse_store_uri
from ingest.ops.config import (
    FileSource,
    NetworkSource,
    RefreshConfig,
    XSource,
    cron_trigger,
    load_config,
)
from ingest.ops.lock import RefreshLock

log = logging.getLogger(__name__)

#: Test hook: ``phase=seconds[,phase=seconds]`` pauses a refresh before a phase
#: (``sources``, ``rank``, ``exports``), announced on stderr, so that a test can
#: stop the store or kill the process at a known point. Not meant for users.
PAUSE_ENV = "SCOUT_REFRESH_PAUSE"
#: Files up to this size are hashed whole; bigger ones by their first and last MiB.
FULL_HASH_LIMIT = 2 * 1024 * 1024
_EDGE = 1024 * 1024
#: Risers and fallers listed in a summary.
MOVERS = 10
#: Files listed per source in a summary (the counts cover all of them).
MAX_FILES_LISTED = 20
#: Exit codes of ``scout refresh``.
EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_BUSY = 0, 1, 2, 3
#: Message of a refresh that found nothing new.
NOTHING_NEW = "no new events; ranking unchanged"


# ----------------------------------------------------------------------------- reporting
class RefreshReporter:
    """What a refresh tells its caller as it goes; this base class shows nothing.

    The CLI shows progress bars on stderr; the scheduler logs nothing until the
    run's one summary line.
    """

    def step(self, message: str) -> None:  # noqa: B027 - optional hook
        """A phase starts or ends (one short line)."""

    def notice(self, message: str) -> None:
        """Something the user should know that is not an error (e.g. a stale lock cleared)."""
        self.step(message)

    def ingest_display(self, description: str, unit: str):
        """A progress display for one ingest (an :class:`ingest.progress.RichProgress`), or ``None``."""
        return None

    @contextlib.contextmanager
    def ranking(self) -> Iterator[Callable[[str], None] | None]:
        """A context around the ranking; yields a ``progress(step)`` callback or ``None``."""
        yield None


@dataclass
class SourceReport:
    """What one configured source did during a refresh.

    ``status`` is ``ok``, ``partial`` (lines rejected), ``unchanged`` (every
    file already imported as it is) or ``failed`` (``error`` says why).
    """

    name: str
    kind: str
    status: str = "ok"
    new_events: int = 0
    read: int = 0
    duplicates: int = 0
    rejected: int = 0
    imported: int = 0
    unchanged: int = 0
    files: list[dict] = field(default_factory=list)
    detail: dict = field(default_factory=dict)
    error: str | None = None

    def add_run(self, run: Run, events: bool) -> None:
        """Count an ingest run of this source (``events``: its inserts are interactions)."""
        self.read += run.read
        self.rejected += run.rejected
        self.duplicates += run.duplicates
        if events:
            self.new_events += run.inserted
        for key in ("accounts", "internal_accounts", "crm_accounts"):
            if isinstance(run.summary.get(key), int) and not (events and key == "accounts"):
                self.detail[key] = self.detail.get(key, 0) + run.summary[key]

    def finish(self) -> None:
        """Settle the status from what was counted."""
        if self.error is not None:
            self.status = "failed"
        elif self.imported == 0 and self.unchanged > 0:
            self.status = "unchanged"
        else:
            self.status = "partial" if self.rejected else "ok"

    def as_dict(self) -> dict:
        d = asdict(self)
        d["files"] = d["files"][:MAX_FILES_LISTED]
        return d


@dataclass
class RefreshResult:
    """A finished refresh: its recorded run and summary."""

    run: Run
    summary: dict

    @property
    def exit_code(self) -> int:
        """0 when everything worked, 1 when a source, the ranking or an export failed."""
        return EXIT_FAILED if self.summary.get("errors") else EXIT_OK


# ----------------------------------------------------------------------------- configuration
def config_folder(cfg: RefreshConfig) -> Path:
    """The folder relative paths of ``cfg`` are relative to (the file's, else the cwd)."""
    return cfg.path.parent if cfg.path is not None else Path(".")


def store_uri_for(cfg: RefreshConfig, override: str | None = None) -> str:
    """The store a refresh uses: ``override`` (``--store`` / ``SCOUT_STORE``), else ``store.uri``.

    A relative SQLite path in the configuration is relative to the
    configuration's folder, like every other path in it (an override is
    relative to the working directory, like on every command).

    Raises
    ------
    StoreUriError
        Malformed URI.
    """
    if override:
        parse_store_uri(override)
        return override
    uri = cfg.store or DEFAULT_STORE_URI
    loc = parse_store_uri(uri)
    if loc.kind == "sqlite" and not loc.path.is_absolute():
        return f"sqlite:///{(config_folder(cfg) / loc.path).absolute()}"
    return uri


def lock_path_for(cfg: RefreshConfig, uri: str) -> Path:
    """``refresh.lock``: ``refresh.lock`` configured, else beside the SQLite file, else
    ``.scout/refresh.lock`` in the configuration's folder (Neo4j)."""
    if cfg.lock is not None:
        return cfg.lock
    loc = parse_store_uri(uri)
    if loc.kind == "sqlite":
        return loc.path.parent / "refresh.lock"
    return config_folder(cfg) / ".scout" / "refresh.lock"


def rank_config(cfg: RefreshConfig, newest: datetime | None = None):
    """The :class:`graph.ranking.RankConfig` of ``[ranking]``.

    ``window_days`` counts back from the newest event (or from now, whichever is
    earlier), so that a refresh that brought nothing ranks exactly as before.

    Raises
    ------
    ConfigError
        A value the ranking refuses (prefixed with ``ranking:``).
    """
    from graph.community import DEFAULT_RESOLUTION
    from graph.rank_config import build_rank_config
    from graph.ranking import AUTO_HALF_LIFE

    r = cfg.ranking
    try:
        return build_rank_config(
            window_days=r.get("window_days"),
            newest=newest,
            topics=r.get("topics", ()),
            platforms=r.get("platforms", ()),
            kinds=r.get("kinds", ()),
            preset=r.get("preset"),
            weights=r.get("weights", {}),
            half_life_days=r.get("half_life_days", AUTO_HALF_LIFE),
            resolution=r.get("resolution", DEFAULT_RESOLUTION),
            seed=r.get("seed", 0),
        )
    except ConfigError as exc:
        where = f"{cfg.path}: " if cfg.path else ""
        raise ConfigError(f"{where}ranking: {exc}") from None


def check_config(cfg: RefreshConfig, store_override: str | None = None) -> str:
    """Every check that needs no store, before anything runs; returns the store URI.

    Raises
    ------
    ConfigError, StoreUriError
    """
    uri = store_uri_for(cfg, store_override)
    rank_config(cfg)
    return uri


# ----------------------------------------------------------------------------- the refresh
def run_refresh(
    cfg: RefreshConfig,
    *,
    store_uri: str | None = None,
    reporter: RefreshReporter | None = None,
) -> RefreshResult:
    """Refresh once: take the lock, run every source, rank if needed, export, record.

    Parameters
    ----------
    cfg : RefreshConfig
        A validated configuration (:func:`ingest.ops.config.load_config`).
    store_uri : str, optional
        Overrides ``store.uri`` (``--store`` / ``SCOUT_STORE``).
    reporter : RefreshReporter, optional
        Progress display (default: none).

    Returns
    -------
    RefreshResult
        ``exit_code`` 0, or 1 when a source, the ranking or an export failed
        (what did arrive is ranked anyway).

    Raises
    ------
    ConfigError, StoreUriError
        Before anything runs.
    RefreshBusyError
        Another refresh holds the lock (nothing ran).
    StoreUnavailableError
        The store cannot be reached, or was lost during the refresh: what was
        committed stays, the previous snapshot stays the newest.
    """
    reporter = reporter or RefreshReporter()
    uri = check_config(cfg, store_uri)
    lock = RefreshLock(lock_path_for(cfg, uri))
    try:
        lock.__enter__()
    except ConflictError as exc:
        raise RefreshBusyError(str(exc)) from None
    try:
        notices = []
        if lock.stale_pid is not None:
            notices.append(
                f"cleared the lock left by process {lock.stale_pid}, which ended without "
                "releasing it (killed?)"
            )
            reporter.notice(notices[-1])
        from graph.listening import load_themes
        from ingest.pipeline import listening

        themes = load_themes(str(cfg.path)) if cfg.path is not None else []
        # New interactions are tagged with the [listening] themes as they are written,
        # whoever runs the refresh (`scout refresh`, `scout schedule`, the app).
        with open_store(uri) as store, listening(themes):
            job = _Refresh(store, cfg, reporter, lock.path, notices)
            return job.run()
    finally:
        lock.__exit__(None, None, None)


class _Refresh:
    """One refresh against an open store, under the lock (see :func:`run_refresh`)."""

    def __init__(self, store: GraphStore, cfg: RefreshConfig, reporter: RefreshReporter,
                 lock: Path, notices: list[str]) -> None:
        self.store = store
        self.cfg = cfg
        self.reporter = reporter
        self.run_record = new_run(f"refresh:{cfg.path or '-'}", kind="refresh")
        self.started = time.perf_counter()
        self.sources: list[SourceReport] = []
        self.errors: list[str] = []
        self.summary: dict[str, Any] = {
            "run": self.run_record.id,
            "status": "running",
            "exit_code": None,
            "message": "",
            "started_at": self.run_record.started_at.isoformat(),
            "finished_at": None,
            "seconds": None,
            "config": str(cfg.path) if cfg.path else None,
            "store": store.display,
            "lock": str(lock),
            "notices": notices,
            "sources": [],
            "new_events": 0,
            "rejected": 0,
            "ranking": {},
            "top": cfg.top,
            "new_in_top": [],
            "left_top": [],
            "risers": [],
            "fallers": [],
            "exports": [],
            "errors": self.errors,
        }

    # -- driver -------------------------------------------------------------------------
    def run(self) -> RefreshResult:
        run = self.run_record
        _close_own_stale_runs(self.store, self.cfg)
        self._sync(run)
        # Saved as running (with our pid and host), finished or failed/interrupted
        # by the one bookkeeping every job uses; the store being lost is re-raised.
        with recorded_run(self.store, run, before_save=self._sync):
            try:
                _pause("sources", self.reporter)
                self._sources()
                _pause("rank", self.reporter)
                snapshot = self._rank()
                _pause("exports", self.reporter)
                if snapshot is not None:
                    self._exports(snapshot)
                self._alerts(snapshot)
            except BaseException as exc:
                self.errors.append(str(exc) if isinstance(exc, ScoutError)
                                   else f"{type(exc).__name__}: {exc}")
                raise
            self._sync(run)
            run.status = "failed" if self.errors else ("partial" if run.rejected else "ok")
        return RefreshResult(run, run.summary)

    def _save(self) -> None:
        """Save the run as it stands (progress between phases)."""
        run = self.run_record
        self._sync(run)
        self.store.save_run(run)

    def _sync(self, run: Run) -> None:
        """Copy the sources' counters, the errors and the summary into the run record."""
        self.summary["sources"] = [s.as_dict() for s in self.sources]
        self.summary["new_events"] = sum(s.new_events for s in self.sources)
        self.summary["rejected"] = sum(s.rejected for s in self.sources)
        run.read = sum(s.read for s in self.sources)
        run.inserted = self.summary["new_events"]
        run.duplicates = sum(s.duplicates for s in self.sources)
        run.rejected = self.summary["rejected"]
        run.errors = self.errors[:MAX_RUN_ERRORS]
        if run.finished_at is not None:
            self.summary["status"] = run.status
            self.summary["exit_code"] = EXIT_FAILED if self.errors else EXIT_OK
            self.summary["finished_at"] = run.finished_at.isoformat()
            self.summary["seconds"] = round(time.perf_counter() - self.started, 3)
            if not self.summary["message"]:
                self.summary["message"] = f"refresh {run.status}"
        # The owner (pid, host) lets the next job tell a killed refresh from a live one.
        run.summary = {**self.summary, **run_owner()}

    # -- sources ------------------------------------------------------------------------
    def _sources(self) -> None:
        cfg = self.cfg
        jobs: list[tuple[SourceReport, Callable[[SourceReport], None]]] = []
        for x in cfg.x:
            jobs.append((SourceReport(_x_name(x), "x"), lambda rep, x=x: self._x(rep, x)))
        for n in cfg.networks:
            jobs.append((SourceReport(n.name, n.platform), lambda rep, n=n: self._network(rep, n)))
        for f in cfg.files:
            jobs.append((SourceReport(f.name, "files"), lambda rep, f=f: self._files(rep, f)))
        if cfg.roster is not None:
            jobs.append((SourceReport(f"roster:{cfg.roster}", "roster"),
                         lambda rep: self._people(rep, cfg.roster, "roster", cfg.roster_replace)))
        if cfg.crm is not None:
            jobs.append((SourceReport(f"crm:{cfg.crm}", "crm"),
                         lambda rep: self._people(rep, cfg.crm, "crm", cfg.crm_replace)))
        for rep, job in jobs:
            self.sources.append(rep)
            try:
                job(rep)
            except StoreUnavailableError:
                rep.error = "the store was lost"
                rep.finish()
                raise
            except (ScoutError, OSError) as exc:
                rep.error = str(exc)
            except Exception as exc:  # noqa: BLE001 - one broken source must not stop the others
                log.debug("source %s failed", rep.name, exc_info=True)
                rep.error = f"{type(exc).__name__}: {exc}"
            rep.finish()
            if rep.error is not None:
                self.errors.append(f"{rep.name}: {rep.error}")
                self.reporter.step(f"{rep.name}: FAILED: {rep.error}")
            else:
                self.reporter.step(f"{rep.name}: {describe_source(rep)}")
            self._save()

    def _x(self, rep: SourceReport, x: XSource) -> None:
        from ingest.jobs import fetch_x
        from ingest.x_api import DEFAULT_RAW_DIR, RAW_DIR_ENV

        endpoint = "archive" if x.kind == "search" and x.archive else x.kind
        raw_dir = (self.cfg.raw_dir or os.environ.get(RAW_DIR_ENV)
                   or config_folder(self.cfg) / DEFAULT_RAW_DIR)
        self.reporter.step(f"{rep.name}: fetching")
        display = self.reporter.ingest_display(rep.name, "posts")
        try:
            run = fetch_x(
                self.store, endpoint, x.value, max_posts=x.max, raw_dir=raw_dir,
                report=display.print if display else None, progress=display,
                waiter=display.wait if display else None,
            )
        finally:
            if display is not None:
                display.close()
        rep.imported = 1
        rep.add_run(run, events=True)
        rep.detail["cursor"] = run.cursor

    def _network(self, rep: SourceReport, src: NetworkSource) -> None:
        """One ``[[sources.<platform>]]`` fetch (any connector), incremental like X's."""
        from ingest.connectors import connector
        from ingest.jobs import fetch_platform

        self.reporter.step(f"{rep.name}: fetching")
        display = self.reporter.ingest_display(rep.name, connector(src.platform).unit)
        try:
            run = fetch_platform(
                self.store, src.platform, src.endpoint, src.value, max_posts=src.max,
                since=src.since if self.store.last_cursor(rep.name) is None else None,
                options=src.options, raw_dir=self._raw_dir(),
                report=display.print if display else None, progress=display,
                waiter=display.wait if display else None,
            )
        finally:
            if display is not None:
                display.close()
        rep.imported = 1
        rep.add_run(run, events=True)
        rep.detail["cursor"] = run.cursor

    def _raw_dir(self) -> Path:
        from ingest.raw_archive import DEFAULT_RAW_DIR, RAW_DIR_ENV

        return Path(self.cfg.raw_dir or os.environ.get(RAW_DIR_ENV)
                    or config_folder(self.cfg) / DEFAULT_RAW_DIR)

    def _files(self, rep: SourceReport, source: FileSource) -> None:
        paths = matching_files(source.glob)
        if not paths:
            raise InputError(f"no file matches {source.glob}")
        known = _load_fingerprints(self.store.last_cursor(source.name))
        kept: dict[str, dict] = {}
        failures: list[str] = []
        cursor_run = new_run(source.name)
        for path in paths:
            fp = fingerprint(path)
            if same_file(known.get(path), fp):
                rep.unchanged += 1
                kept[path] = known[path]
                continue
            self.reporter.step(f"{rep.name}: importing {path}")
            try:
                run = self._import(path, source.type, source.platform, source.delimiter)
            except StoreUnavailableError:
                raise
            except (ScoutError, OSError) as exc:
                failures.append(f"{path}: {exc}" if str(path) not in str(exc) else str(exc))
                rep.files.append({"path": path, "status": "failed", "error": failures[-1]})
                continue
            kept[path] = fp
            rep.imported += 1
            events = source.type != "accounts"  # every type but profiles brings interactions
            rep.add_run(run, events=events)
            cursor_run.read += run.read
            cursor_run.rejected += run.rejected
            cursor_run.duplicates += run.duplicates
            cursor_run.inserted += run.inserted if events else 0
            rep.files.append({"path": path, "status": run.status, "run": run.id,
                              "new_events": run.inserted if events else 0,
                              "rejected": run.rejected})
        if kept != known or failures:
            # The fingerprints are the cursor of a per-glob run, so that the next
            # refresh skips files already imported as they are.
            cursor_run.cursor = json.dumps(kept, sort_keys=True)
            cursor_run.errors = failures[:MAX_RUN_ERRORS]
            cursor_run.status = "partial" if failures or cursor_run.rejected else "ok"
            cursor_run.finished_at = utcnow()
            cursor_run.summary.update(imported=rep.imported, unchanged=rep.unchanged,
                                      failed=len(failures))
            self.store.save_run(cursor_run)
        if failures:
            more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
            rep.error = failures[0] + more

    def _people(self, rep: SourceReport, path: Path, kind: str, replace: bool) -> None:
        run = self._import(path, kind, None, None, replace=replace)
        rep.imported = 1
        rep.add_run(run, events=False)

    def _import(self, path, kind: str, platform: str | None, delimiter: str | None,
                replace: bool = False) -> Run:
        from ingest.jobs import SOURCE_KINDS, import_file, import_source

        unit = "posts" if kind == "jsonl" else "rows"
        display = self.reporter.ingest_display(f"{kind} {path}", unit)
        try:
            if kind in SOURCE_KINDS:  # the company's channels: one export or mailbox per file
                return import_source(
                    self.store, path, kind, internal_domains=self.cfg.internal_domains,
                    report=display.print if display else None, progress=display,
                )
            return import_file(
                self.store, path, kind, platform=platform, delimiter=delimiter, replace=replace,
                report=display.print if display else None, progress=display,
            )
        finally:
            if display is not None:
                display.close()

    # -- ranking --------------------------------------------------------------------------
    def _rank(self) -> Snapshot | None:
        """Rank when something changed; returns the snapshot exports are cut from."""
        from graph.engine import rank_with_engine

        store = self.store
        previous = store.load_snapshot()
        self.previous_snapshot = previous
        config = rank_config(self.cfg, newest_event(store, self.cfg))
        reason = ranking_reason(store, config, previous, self.summary["new_events"])
        info: dict[str, Any] = {"previous_snapshot": previous.id if previous else None,
                                "since": config.since.isoformat() if config.since else None}
        self.summary["ranking"] = info
        if reason is None:
            info.update(status="unchanged", snapshot=previous.id)
            self.summary["message"] = NOTHING_NEW
            self.reporter.step(f"{NOTHING_NEW} (snapshot {previous.id})")
            return previous
        info["reason"] = reason
        self.reporter.step(f"ranking ({reason})…")
        try:
            with self.reporter.ranking() as progress:
                outcome = rank_with_engine(store, config, engine=self.cfg.ranking.get("engine"),
                                           spark=self.cfg.spark, progress=progress)
        except StoreUnavailableError:
            raise
        except ScoutError as exc:
            # (A PageRank that does not converge is one: a ScoutError like any other.)
            info["status"] = "failed"
            self.errors.append(f"ranking: {exc}")
            self.summary["message"] = f"ranking failed: {exc}"
            if previous is not None:
                # The exports are still written, from the last good snapshot.
                info["exports_from"] = previous.id
                self.summary["message"] += f"; exports from the previous snapshot {previous.id}"
            return previous
        snapshot = outcome.snapshot
        stats = outcome.result.stats
        info.update(status="ranked", snapshot=snapshot.id, accounts=int(stats.get("accounts", 0)),
                    events=int(stats.get("events", 0)))
        self.summary.update(top_changes(snapshot.table, previous.table if previous else None,
                                        self.cfg.top))
        new = self.summary["new_events"]
        self.summary["message"] = (
            f"{new:,} new event{'s' if new != 1 else ''}; ranked (snapshot {snapshot.id})" if new
            else f"no new events from the sources; ranked again: {reason} (snapshot {snapshot.id})"
        )
        self._save()
        return snapshot

    # -- alerts ---------------------------------------------------------------------------
    def _alerts(self, snapshot: Snapshot | None) -> None:
        """Send what changed (``[alerts]``): new entrants to the watched tops, share-of-voice
        moves; each alert once (keys of the previous refresh are not sent again)."""
        settings = self.cfg.alerts
        if settings is None:
            return
        from graph import alerts as rules
        from graph.listening import load_themes, share_of_voice, tagged_events, top_voices
        from graph.people import private_board
        from graph.ranking import current_leaderboard
        from ingest.ops.notify import deliver

        store = self.store
        info: dict[str, Any] = {"sent": [], "keys": [], "theme_tops": {}}
        self.summary["alerts"] = info
        last = _last_alert_state(store, self.run_record.id)
        found: list = []

        people: list = []  # read once, only if a board holds employees

        def shown(board: pd.DataFrame) -> pd.DataFrame:
            # Alerts name employees the way every ranking does: pseudonymised unless unlocked.
            if not people and len(board) and (board["segment"] == "internal").any():
                from graph.people import PeopleState

                people.append(PeopleState(store))
            named = private_board(store, board, people[0] if people else None)
            return board.assign(account=named["account"].to_numpy())

        before_snap = getattr(self, "previous_snapshot", None)
        if snapshot is not None and before_snap is not None and snapshot.id != before_snap.id:
            for segment in settings.segments:
                now = current_leaderboard(store, snapshot.table, segment, top=settings.top)
                before = current_leaderboard(store, before_snap.table, segment, top=settings.top)
                found += rules.top_entrants(shown(now), before, settings.top,
                                            f"{segment} leaders")
        themes = load_themes(str(self.cfg.path)) if self.cfg.path is not None else []
        if themes:
            tagged = tagged_events(store)
            if settings.themes and len(tagged):
                accounts = store.accounts()
                for theme in themes:
                    tops = top_voices(tagged, theme.name, accounts, top=settings.top)
                    info["theme_tops"][theme.name] = tops["key"].astype(str).tolist()
                    prev_keys = (last.get("theme_tops") or {}).get(theme.name)
                    prev = (pd.DataFrame({"key": prev_keys, "rank": range(1, len(prev_keys) + 1)})
                            if prev_keys is not None else None)
                    found += rules.top_entrants(shown(tops), prev, settings.top,
                                                f"theme {theme.name}", page="listening")
            if settings.share_change and len(tagged):
                found += rules.share_moves(share_of_voice(tagged, settings.period, themes),
                                           settings.share_change)
        info["keys"] = [a.key for a in found]
        new = rules.new_alerts(found, last.get("keys", []))
        if not new:
            return
        text = rules.message(new, settings.app_url)
        failures = deliver(settings, text, f"Scout: {len(new)} alert{'s' if len(new) != 1 else ''}")
        info["sent"] = [a.as_dict() for a in new]
        if failures:
            info["failed"] = failures
            self.errors.extend(failures)
        self.reporter.step(f"alerts: {len(new)} sent" + (f", {len(failures)} channel(s) failed"
                                                         if failures else ""))

    # -- exports --------------------------------------------------------------------------
    def _exports(self, snapshot: Snapshot) -> None:
        for i, rule in enumerate(self.cfg.exports):
            entry = {"path": str(rule.path), "format": rule.format, "segment": rule.segment,
                     "top": rule.top, "community": rule.community, "topic": rule.topic}
            try:
                board = export_board(self.store, snapshot.table, rule.segment, rule.top,
                                     community=int(rule.community) if rule.community else None,
                                     topic=rule.topic)
                write_atomic(board, rule.format, rule.path)
            except StoreUnavailableError:
                raise
            except (ScoutError, OSError, ValueError) as exc:
                entry["error"] = str(exc)
                self.errors.append(f"exports[{i}] {rule.path}: {exc}")
                self.reporter.step(f"export {rule.path}: FAILED: {exc}")
            else:
                entry["rows"] = int(len(board))
                entry["snapshot"] = snapshot.id
                self.reporter.step(f"wrote {rule.path} ({len(board)} rows)")
            self.summary["exports"].append(entry)


# ----------------------------------------------------------------------------- sources
def _x_name(x: XSource) -> str:
    from ingest.jobs import x_source_name

    return x_source_name("archive" if x.kind == "search" and x.archive else x.kind, x.value)


def matching_files(pattern: str) -> list[str]:
    """Files (not folders) matching a glob (``**`` recurses), sorted."""
    return sorted(p for p in set(glob.glob(pattern, recursive=True)) if os.path.isfile(p))


def fingerprint(path: str | Path) -> dict:
    """What identifies a file's content cheaply: size, mtime and a SHA-256.

    Small files are hashed whole; bigger ones by their first and last MiB
    (with the size), which changes whenever a file is replaced or appended to.

    Examples
    --------
    >>> import tempfile
    >>> p = tempfile.NamedTemporaryFile(delete=False); _ = p.write(b"abc"); p.close()
    >>> fp = fingerprint(p.name); (fp["size"], fp["full"])
    (3, True)
    """
    st = os.stat(path)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        if st.st_size <= FULL_HASH_LIMIT:
            for block in iter(lambda: f.read(_EDGE), b""):
                h.update(block)
            full = True
        else:
            h.update(f.read(_EDGE))
            f.seek(-_EDGE, os.SEEK_END)
            h.update(f.read(_EDGE))
            full = False
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": h.hexdigest(), "full": full}


def same_file(old: dict | None, new: dict) -> bool:
    """Whether a file is unchanged since ``old`` was taken.

    A whole-file hash decides alone (a copied or touched file is unchanged); a
    partial hash also needs the same modification time.
    """
    if not isinstance(old, dict):
        return False
    if old.get("size") != new["size"] or old.get("sha256") != new["sha256"]:
        return False
    return bool(new["full"] and old.get("full")) or old.get("mtime_ns") == new["mtime_ns"]


def _load_fingerprints(cursor: str | None) -> dict[str, dict]:
    try:
        data = json.loads(cursor) if cursor else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def describe_source(rep: SourceReport) -> str:
    """One phrase: what a source brought.

    Examples
    --------
    >>> describe_source(SourceReport("files:edges:*.csv", "files", imported=1, unchanged=2,
    ...                              new_events=10))
    '1 file imported, 2 unchanged: 10 new events, 0 rejected'
    """
    if rep.error is not None:
        return f"failed: {rep.error}"
    parts = []
    if rep.kind == "files":
        if rep.imported == 0:
            return f"unchanged ({rep.unchanged} file{'s' if rep.unchanged != 1 else ''})"
        parts.append(f"{rep.imported} file{'s' if rep.imported != 1 else ''} imported, "
                     f"{rep.unchanged} unchanged")
    counts = f"{rep.new_events:,} new events, {rep.rejected:,} rejected"
    if rep.kind in ("roster", "crm"):
        key = "internal_accounts" if rep.kind == "roster" else "crm_accounts"
        label = "internal accounts" if rep.kind == "roster" else "accounts with a CRM status"
        counts = f"{rep.read - rep.rejected:,} rows, {rep.detail.get(key, 0):,} {label}, " \
                 f"{rep.rejected:,} rejected"
    elif rep.detail.get("accounts") and not rep.new_events:
        counts = f"{rep.detail['accounts']:,} accounts, {rep.rejected:,} rejected"
    return ": ".join(parts + [counts])


def _close_own_stale_runs(store: GraphStore, cfg: RefreshConfig) -> int:
    """Close runs this very process left ``running`` (a store lost mid-run in ``scout schedule``).

    :func:`graph.runs.close_stale_runs` only closes runs of dead processes;
    a long-running scheduler outlives its failed runs. Under the refresh lock no
    other refresh of ours runs, so our own ``running`` refresh runs and runs of
    our sources are leftovers.
    """
    owner = run_owner()
    closed = 0
    for run in store.runs(limit=50):
        if run.status != "running" or run.summary.get("pid") != owner["pid"] \
                or run.summary.get("host") != owner["host"]:
            continue
        if run.kind == "refresh" or _is_our_source(run.source, cfg):
            run.status = "interrupted"
            run.finished_at = utcnow()
            run.errors.append("the run was cut short (the store was lost?)")
            store.save_run(run)
            closed += 1
    return closed


def _is_our_source(source: str, cfg: RefreshConfig) -> bool:
    kind, _, rest = source.partition(":")
    if source in {f.name for f in cfg.files} or source in {_x_name(x) for x in cfg.x}:
        return True
    if source in {n.name for n in cfg.networks}:
        return True
    if kind in ("roster", "crm"):
        return rest in (str(cfg.roster), str(cfg.crm))
    return any(kind == f.type and fnmatch(rest, f.glob) for f in cfg.files)


# ----------------------------------------------------------------------------- ranking
def newest_event(store: GraphStore, cfg: RefreshConfig) -> datetime | None:
    """The time of the newest event the ranking's platform/kind filters keep."""
    from graph.model import normalize_kind, normalize_platform

    r = cfg.ranking
    df = store.interactions(
        platforms=[normalize_platform(p) for p in r.get("platforms", [])] or None,
        kinds=[normalize_kind(k) for k in r.get("kinds", [])] or None,
        with_text=False, limit=1,
    )
    if df.empty:
        return None
    return pd.Timestamp(df["at"].max()).to_pydatetime()


def _last_alert_state(store: GraphStore, current_run: str) -> dict:
    """The ``alerts`` summary of the newest earlier refresh that had one (``{}`` if none)."""
    for r in store.runs(limit=50, kind="refresh"):
        if r.id != current_run and isinstance(r.summary, dict) and "alerts" in r.summary:
            return r.summary["alerts"] or {}
    return {}


def top_changes(current: pd.DataFrame, previous: pd.DataFrame | None, top: int,
                movers: int = MOVERS) -> dict[str, list[dict]]:
    """What changed at the top between two ranking tables.

    Returns
    -------
    dict
        ``new_in_top`` (in the top ``top`` now, not before), ``left_top`` (the
        reverse), ``risers`` (accounts of the top ``top`` now that gained most
        places, ranked before) and ``fallers`` (accounts of the previous top that
        lost most), each a list of ``{account, handle, rank, previous_rank,
        change}``; all empty without a previous table.

    Examples
    --------
    >>> cur = pd.DataFrame({"account": ["a", "b", "c"], "rank": [1, 2, 3]})
    >>> prev = pd.DataFrame({"account": ["c", "b", "a"], "rank": [1, 2, 3]})
    >>> ch = top_changes(cur, prev, top=1)
    >>> [r["account"] for r in ch["new_in_top"]], [r["account"] for r in ch["fallers"]]
    (['a'], ['c'])
    """
    empty = {"new_in_top": [], "left_top": [], "risers": [], "fallers": []}
    if previous is None or current is None or current.empty:
        return empty

    def frame(t: pd.DataFrame) -> pd.DataFrame:
        handle = t["handle"] if "handle" in t else t["account"]
        return pd.DataFrame({"handle": handle.to_numpy(dtype=object),
                             "rank": t["rank"].to_numpy(dtype=float)},
                            index=t["account"].astype(str).to_numpy()).groupby(level=0).first()

    cur, prev = frame(current), frame(previous)
    both = cur.join(prev.add_suffix("_prev"), how="outer")
    both["handle"] = both["handle"].fillna(both["handle_prev"])
    both["change"] = both["rank_prev"] - both["rank"]

    def rows(df: pd.DataFrame) -> list[dict]:
        out = []
        for key, r in df.iterrows():
            out.append({
                "account": key,
                "handle": r["handle"],
                "rank": None if pd.isna(r["rank"]) else int(r["rank"]),
                "previous_rank": None if pd.isna(r["rank_prev"]) else int(r["rank_prev"]),
                "change": None if pd.isna(r["change"]) else int(r["change"]),
            })
        return out

    in_now = both["rank"] <= top
    in_before = both["rank_prev"] <= top
    new_in = both[in_now & ~in_before].sort_values("rank")
    left = both[in_before & ~in_now].sort_values("rank_prev")
    risers = both[in_now & (both["change"] > 0)].sort_values(["change", "rank"],
                                                             ascending=[False, True])
    fallers = both[in_before & (both["change"] < 0)].sort_values(["change", "rank_prev"])
    return {"new_in_top": rows(new_in), "left_top": rows(left),
            "risers": rows(risers.head(movers)), "fallers": rows(fallers.head(movers))}


# ----------------------------------------------------------------------------- exports
def export_board(store: GraphStore, table: pd.DataFrame, segment: str, top: int,
                 community: int | None = None, topic: str | None = None) -> pd.DataFrame:
    """The rows ``scout leaders`` exports (:func:`graph.ranking.current_leaderboard`,
    :func:`graph.people.private_board`)."""
    from graph.people import private_board
    from graph.ranking import current_leaderboard

    # The same rule as `scout leaders`: employees pseudonymised unless names are unlocked.
    return private_board(store, current_leaderboard(store, table, segment, top=top,
                                                    community_id=community, topic=topic))


def write_atomic(df: pd.DataFrame, fmt: str, path: str | Path) -> Path:
    """Write a table (spreadsheet-safe) atomically: :func:`graph.export.write_table`
    writes a temporary file in the target's folder and renames it over the target, so
    a reader sees the old file or the new one, never half of one. The configuration
    names the export folder, which is what asks for it to be created."""
    from graph.export import write_table

    write_table(df, fmt, path, make_dirs=True)
    return Path(path)


# ----------------------------------------------------------------------------- output
def _who(row: dict) -> str:
    return str(row.get("handle") or row.get("account"))


def format_summary(summary: dict) -> str:
    """The summary for humans (stdout of ``scout refresh``)."""
    lines = [f"refresh {summary.get('run', '?')}: {summary.get('status')} in "
             f"{summary.get('seconds', 0):.1f}s — {summary.get('message', '')}"]
    for notice in summary.get("notices", []):
        lines.append(f"notice: {notice}")
    if summary.get("sources"):
        lines.append("sources:")
        for s in summary["sources"]:
            lines.append(f"  {s['name']}: {describe_source(SourceReport(**s))}")
    ranking = summary.get("ranking") or {}
    if ranking.get("status") == "ranked":
        prev = ranking.get("previous_snapshot")
        lines.append(f"ranking: snapshot {ranking['snapshot']}"
                     + (f" (previous {prev})" if prev else " (first ranking)")
                     + f": {ranking.get('accounts', 0):,} accounts, "
                       f"{ranking.get('events', 0):,} events")
        top = summary.get("top")
        if prev:
            new = summary.get("new_in_top", [])
            lines.append(f"new in the top {top}: "
                         + (", ".join(f"{_who(r)} (#{r['rank']})" for r in new) or "none"))
            for label in ("risers", "fallers"):
                movers = summary.get(label, [])
                lines.append(f"{label}: " + (", ".join(
                    f"{_who(r)} {r['previous_rank']}→{r['rank']} ({r['change']:+d})"
                    for r in movers[:5]) or "none"))
    elif ranking.get("status") == "unchanged":
        lines.append(f"ranking: unchanged (snapshot {ranking.get('snapshot')})")
    for e in summary.get("exports", []):
        if "error" in e:
            lines.append(f"export {e['path']}: FAILED: {e['error']}")
        else:
            lines.append(f"export {e['path']}: {e['rows']} rows ({e['segment']}, {e['format']})")
    for err in summary.get("errors", []):
        lines.append(f"error: {err}")
    return "\n".join(lines)


def summary_line(summary: dict) -> str:
    """One line per run for the scheduler's log.

    Examples
    --------
    >>> summary_line({"status": "ok", "new_events": 3, "message": "3 new events; ranked",
    ...               "new_in_top": [{"handle": "ann"}], "top": 50, "errors": []})
    'refresh ok: 3 new events; ranked; 1 new in the top 50 (ann)'
    """
    parts = [f"refresh {summary.get('status')}: {summary.get('message', '')}"]
    new = summary.get("new_in_top") or []
    if new:
        names = ", ".join(_who(r) for r in new[:5]) + ("…" if len(new) > 5 else "")
        parts.append(f"{len(new)} new in the top {summary.get('top')} ({names})")
    errors = summary.get("errors") or []
    if errors:
        parts.append(f"{len(errors)} error{'s' if len(errors) > 1 else ''}: {errors[0]}")
    return "; ".join(parts)


def _pause(phase: str, reporter: RefreshReporter) -> None:
    """The :data:`PAUSE_ENV` test hook."""
    spec = os.environ.get(PAUSE_ENV, "")
    for item in filter(None, (s.strip() for s in spec.split(","))):
        name, _, seconds = item.partition("=")
        if name == phase:
            print(f"refresh: test hook: pausing {seconds}s before {phase}", file=sys.stderr,
                  flush=True)
            time.sleep(float(seconds or 0))


# ----------------------------------------------------------------------------- status
def next_fire_time(cfg: RefreshConfig, now: datetime | None = None) -> datetime | None:
    """When ``[schedule]`` next fires after ``now`` (in its timezone), or ``None`` without a cron."""
    if not cfg.cron:
        return None
    trigger = cron_trigger(cfg.cron, cfg.timezone)
    return trigger.get_next_fire_time(None, now or datetime.now(trigger.timezone))


def refresh_status(store: GraphStore, config_path: str | Path | None = None,
                   now: datetime | None = None) -> dict:
    """What a UI shows about refreshes: the last one, its summary, the next scheduled time.

    Parameters
    ----------
    store : GraphStore
    config_path : str or Path, optional
        A ``scout.toml``; its ``[schedule]`` gives the next fire time.
    now : datetime, optional
        Reference time (tests).

    Returns
    -------
    dict
        ``last_refresh`` (``id, status, started_at, finished_at, new_events,
        message, errors`` or ``None``), ``summary`` (the last refresh's full
        summary or ``None``), ``last_success`` (time of the newest refresh that
        did not fail, or ``None``), ``cron``, ``timezone``, ``next_run``
        (ISO time or ``None``) and ``config_error`` (why the configuration could
        not be read, or ``None``).
    """
    runs = store.runs(limit=50, kind="refresh")
    last = runs[0] if runs else None
    success = next((r for r in runs if r.status in ("ok", "partial")), None)
    out: dict[str, Any] = {
        "last_refresh": None,
        "summary": None,
        "last_success": success.finished_at.isoformat() if success and success.finished_at
        else None,
        "cron": None,
        "timezone": None,
        "next_run": None,
        "config_error": None,
    }
    if last is not None:
        out["last_refresh"] = {
            "id": last.id,
            "status": last.status,
            "started_at": last.started_at.isoformat(),
            "finished_at": last.finished_at.isoformat() if last.finished_at else None,
            "new_events": last.inserted,
            "message": last.summary.get("message", ""),
            "errors": list(last.errors),
        }
        out["summary"] = dict(last.summary)
    if config_path is not None:
        try:
            cfg = load_config(config_path)
            out["cron"], out["timezone"] = cfg.cron, cfg.timezone
            fire = next_fire_time(cfg, now)
            out["next_run"] = fire.isoformat() if fire else None
        except ConfigError as exc:
            out["config_error"] = str(exc)
    return out
