"""From parsed chunks to the store: batching, bad-input reporting and run records.

Every ingest command is the same loop: a reader yields :class:`Chunk` objects
(rows that parsed, plus ``file:line: reason`` for those that did not),
:func:`run_ingest` writes them in batches of ``batch_size`` interactions, one
transaction per batch, and records a :class:`~graph.model.Run`.

Why re-running is safe: interactions are unique on their identity and accounts
are upserts, so re-writing a batch changes nothing. A run killed at any moment
and run again therefore ends with the same contents as one clean run.
"""

from __future__ import annotations

import os
import socket
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from graph.errors import InputError, ScoutError, StoreUnavailableError
from graph.model import Account, Interaction, Run, WriteResult, utcnow
from graph.store import DEFAULT_BATCH_SIZE, GraphStore
from ingest.records import Edge, edges_frame

#: How many error messages a run record keeps.
MAX_RUN_ERRORS = 20
#: Test hook: seconds to sleep after each committed batch, so that a test can
#: kill an ingest between batches. Not meant for users.
SLEEP_ENV = "SCOUT_INGEST_BATCH_SLEEP"
#: Listening themes every batch written in this context is tagged with (see :func:`listening`).
_THEMES: ContextVar[tuple] = ContextVar("scout_listening_themes", default=())


@contextmanager
def listening(themes: Sequence) -> Iterator[None]:
    """Tag the interactions of every ingest run inside with these listening themes.

    ``themes`` are :class:`graph.listening.Theme` objects (from ``[listening]``
    in ``scout.toml``). Each batch is tagged right after it is written
    (:meth:`GraphStore.set_themes`); a crash in between leaves a batch
    untagged, which re-running the ingest or ``scout listen tag`` repairs.
    """
    token = _THEMES.set(tuple(themes))
    try:
        yield
    finally:
        _THEMES.reset(token)


@dataclass(slots=True)
class Chunk:
    """What a reader yields: parsed rows of some records, and their rejects.

    ``read`` counts the records that parsed; each of ``errors`` (complete
    ``file:line: reason`` messages) is one more record read and rejected.
    ``counts`` are extra counters (posts, users…) summed into the run's summary.
    """

    read: int = 0
    accounts: list[Account] = field(default_factory=list)
    interactions: list[Edge | Interaction] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cursor: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    #: Bytes of the input consumed so far (progress); ``None`` if unknown.
    position: int | None = None


class Progress:
    """What :func:`run_ingest` tells a progress display; this base class shows nothing."""

    def update(self, posts: int, edges: int, position: int | None) -> None:  # noqa: B027
        """Called after each chunk with running totals (a display may skip some)."""

    def finish(self, posts: int, edges: int, position: int | None) -> None:
        """Called with the final totals, before :meth:`close`."""
        self.update(posts, edges, position)

    def close(self) -> None:  # noqa: B027
        """Called once at the end."""


def merge_account(into: Account, new: Account) -> None:
    """Copy ``new``'s known attribute values onto ``into`` (same key; ``None`` never overwrites).

    Examples
    --------
    >>> a = Account("x", "1", handle="ann", followers=3); merge_account(a, Account("x", "1", followers=5))
    >>> (a.handle, a.followers)
    ('ann', 5)
    """
    for name in Account.__slots__:
        value = getattr(new, name)
        if value is not None:
            setattr(into, name, value)


class BatchWriter:
    """Buffers accounts and interactions and writes them ``batch_size`` at a time.

    Interactions (:class:`~ingest.records.Edge` rows, or ``Interaction``
    objects) go to the store as one DataFrame per batch, the store's fast path.

    Accounts are merged by key within a batch (later known values win, as they
    would with one upsert after another), which keeps batches small when the
    same authors post again and again.
    """

    def __init__(self, store: GraphStore, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        if batch_size < 1:
            raise InputError("batch size must be at least 1")
        self.store = store
        self.batch_size = batch_size
        self.result = WriteResult()
        self.accounts_written = 0
        self.batches = 0
        self._accounts: dict[str, Account] = {}
        self._interactions: list[Edge | Interaction] = []
        self._sleep = float(os.environ.get(SLEEP_ENV, "0") or 0)
        self.themes = _THEMES.get()
        self.tagged = 0

    def add(self, accounts: Iterable[Account], interactions: Iterable[Edge | Interaction]) -> None:
        """Buffer rows; writes a batch whenever ``batch_size`` rows are waiting.

        The writer takes ownership of the account objects: it merges later
        values into the first object of each key.
        """
        buf = self._accounts
        for a in accounts:
            key = a.key
            known = buf.get(key)
            if known is None:
                buf[key] = a
            else:
                merge_account(known, a)
        self._interactions.extend(interactions)
        while len(self._interactions) >= self.batch_size:
            self._write(self._interactions[: self.batch_size])
            self._interactions = self._interactions[self.batch_size :]
        if len(self._accounts) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Write what is buffered as one transaction."""
        if self._accounts or self._interactions:
            self._write(self._interactions)
            self._interactions = []

    def _write(self, interactions: list[Edge | Interaction]) -> None:
        """One transaction: the buffered accounts and ``interactions`` (as one DataFrame)."""
        accounts = list(self._accounts.values())
        frame = edges_frame(interactions) if interactions else None
        self.result += self.store.write_batch(accounts, frame if frame is not None else [])
        if self.themes and frame is not None:
            self.tagged += _tag_batch(self.store, frame, accounts, self.themes)
        self.accounts_written += len(accounts)
        self.batches += 1
        self._accounts = {}
        if self._sleep > 0:
            time.sleep(self._sleep)


def _tag_batch(store: GraphStore, frame, accounts: list[Account], themes: tuple) -> int:
    """Tag one written batch with the listening themes; returns how many interactions matched."""
    from graph.listening import IDENTITY, tag_frame

    handles = {a.key: a.handle for a in accounts if a.handle}
    tags = tag_frame(frame, themes, handles)
    has = tags.map(len).to_numpy() > 0
    if has.any():
        store.set_themes(frame.loc[has, IDENTITY].assign(themes=tags[has].to_numpy()))
    return int(has.sum())


def new_run(source: str, kind: str = "ingest") -> Run:
    """A fresh run record (status ``running``) that names the process running it."""
    return Run(
        id=uuid.uuid4().hex, kind=kind, source=source, started_at=utcnow(), summary=run_owner()
    )


def run_owner() -> dict[str, object]:
    """Who runs a job: recorded in a run's summary to tell a crashed run from a live one."""
    return {"pid": os.getpid(), "host": socket.gethostname()}


def close_stale_runs(store: GraphStore, limit: int = 50) -> int:
    """Mark as ``interrupted`` the runs left ``running`` by a process of this host that died.

    A run killed by SIGKILL cannot record its own end; the next job notices it.
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
            if len(run.errors) < MAX_RUN_ERRORS:
                run.errors.append(f"process {pid} ended without finishing the run")
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


def finish_run(run: Run, status: str, started: float) -> None:
    """Stamp ``run`` as finished with ``status`` and its duration in the summary."""
    run.status = status
    run.finished_at = utcnow()
    run.summary["seconds"] = round(time.perf_counter() - started, 3)


def _note_errors(run: Run, errors: list[str], report: Callable[[str], None] | None) -> None:
    for message in errors:
        run.rejected += 1
        if len(run.errors) < MAX_RUN_ERRORS:
            run.errors.append(message)
        if report is not None:
            report(message)


def _add_counts(run: Run, counts: dict[str, int]) -> None:
    for name, n in counts.items():
        run.summary[name] = run.summary.get(name, 0) + n


def run_ingest(
    store: GraphStore,
    source: str,
    chunks: Iterable[Chunk],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    strict: bool = False,
    report: Callable[[str], None] | None = None,
    progress: Progress | None = None,
    cursor: str | None = None,
    run: Run | None = None,
    keep_cursor: bool = True,
) -> Run:
    """Write parsed chunks to ``store`` and record the run.

    Parameters
    ----------
    store : GraphStore
        Where to write.
    source : str
        What is ingested, as recorded in the run (``"jsonl:path"``, ``"x:search:QUERY"``).
    chunks : iterable of Chunk
        Parsed input, consumed lazily (so that a fetch and its writes interleave).
    batch_size : int
        Interactions per write transaction.
    strict : bool
        Read all chunks before writing anything and stop at the first bad record,
        with nothing written.
    report : callable, optional
        Called with each ``file:line: reason`` message as it is found.
    progress : Progress, optional
        Told the running totals after each chunk.
    cursor : str, optional
        The cursor to record when no chunk carries a newer one (incremental sources
        keep their previous cursor when nothing new came in).
    run : Run, optional
        The run record to fill (default: a new one); a caller that passes it
        still has it when this function raises.
    keep_cursor : bool
        Record the newest post id as the run's cursor (incremental API sources);
        file imports pass ``False``.

    Returns
    -------
    Run
        The saved run: ``ok``, or ``partial`` when records were rejected.

    Raises
    ------
    InputError
        In strict mode, at the first bad record (the run is saved as ``failed``).
    ScoutError
        Any error a reader raises (an unreadable file, an API that keeps failing);
        what was read until then is written first, except in strict mode.
    """
    run = run if run is not None else new_run(source)
    store.save_run(run)
    started = time.perf_counter()
    writer = BatchWriter(store, batch_size)
    newest = int(cursor) if cursor is not None and cursor.isdigit() else None
    posts = edges = 0
    position: int | None = None

    def consume(chunk: Chunk) -> None:
        nonlocal newest, posts, edges, position
        run.read += chunk.read + len(chunk.errors)
        _add_counts(run, chunk.counts)
        _note_errors(run, chunk.errors, report)
        writer.add(chunk.accounts, chunk.interactions)
        if chunk.cursor is not None and (newest is None or chunk.cursor > newest):
            newest = chunk.cursor
        posts += chunk.read + len(chunk.errors)
        edges += len(chunk.interactions)
        position = chunk.position if chunk.position is not None else position
        if progress is not None:
            progress.update(posts, edges, chunk.position)

    try:
        try:
            if strict:
                for chunk in _strict(chunks):
                    consume(chunk)
            else:
                for chunk in chunks:
                    consume(chunk)
        except ScoutError as exc:
            # A reader gave up half-way (truncated file, API down): keep what was
            # read, then fail. A store that is gone gets no further attempt, and a
            # store that fails again must not hide the cause.
            if not strict and not isinstance(exc, StoreUnavailableError):
                try:
                    writer.flush()
                except Exception as flush_error:  # noqa: BLE001 - reported, cause re-raised
                    print(f"scout: warning: could not write the last batch: {flush_error}",
                          file=sys.stderr)
            raise
        writer.flush()
        if progress is not None:
            progress.finish(posts, edges, position)
    except BaseException as exc:
        run.inserted, run.duplicates = writer.result.inserted, writer.result.duplicates
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        if isinstance(exc, ScoutError) and len(run.errors) < MAX_RUN_ERRORS:
            run.errors.append(str(exc))
        elif not isinstance(exc, KeyboardInterrupt | ScoutError):
            run.errors.append(f"{type(exc).__name__}: {exc}")
        finish_run(run, status, started)
        if not isinstance(exc, StoreUnavailableError):
            # (When the store is gone, the next job marks this run interrupted.)
            _save_quietly(store, run)
        raise
    finally:
        if progress is not None:
            progress.close()
    run.inserted, run.duplicates = writer.result.inserted, writer.result.duplicates
    run.summary["accounts"] = writer.accounts_written
    run.summary["edges"] = edges
    run.summary["batches"] = writer.batches
    if writer.themes:
        run.summary["themed"] = writer.tagged
    if keep_cursor:
        run.cursor = str(newest) if newest is not None else cursor
    finish_run(run, "partial" if run.rejected else "ok", started)
    store.save_run(run)
    return run


def _strict(chunks: Iterable[Chunk]) -> Iterator[Chunk]:
    """All chunks, read before any is written; :class:`InputError` at the first error."""
    kept: list[Chunk] = []
    for chunk in chunks:
        if chunk.errors:
            raise InputError(f"{chunk.errors[0]} (--strict: nothing from this input was written)")
        kept.append(chunk)
    yield from kept


def _save_quietly(store: GraphStore, run: Run) -> None:
    """Record a failed run; a store that is down must not hide the original error."""
    try:
        store.save_run(run)
    except Exception as exc:  # noqa: BLE001 - best effort, the caller re-raises the cause
        print(f"scout: warning: could not record run {run.id}: {exc}", file=sys.stderr)


def run_summary(run: Run) -> dict:
    """The run as a JSON-ready dict (``--json`` output)."""
    return {
        "run": run.id,
        "source": run.source,
        "status": run.status,
        "read": run.read,
        "inserted": run.inserted,
        "duplicates": run.duplicates,
        "rejected": run.rejected,
        "cursor": run.cursor,
        "errors": list(run.errors),
        **{k: v for k, v in run.summary.items() if k not in ("errors",)},
    }


def summary_line(run: Run) -> str:
    """One line for humans: what was read, inserted, duplicate and rejected.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> r = Run(id="1", kind="ingest", source="edges:a.csv", started_at=datetime.now(UTC),
    ...         status="ok", read=3, inserted=2, duplicates=1)
    >>> summary_line(r)
    'edges:a.csv: read 3, inserted 2, duplicates 1, rejected 0 (ok)'
    """
    extra = ""
    seconds = run.summary.get("seconds")
    if seconds:
        extra = f" in {seconds:.1f}s"
    return (
        f"{run.source}: read {run.read}, inserted {run.inserted}, "
        f"duplicates {run.duplicates}, rejected {run.rejected} ({run.status}){extra}"
    )
