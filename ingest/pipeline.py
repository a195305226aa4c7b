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
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graph.errors import InputError, ScoutError, StoreUnavailableError
from graph.model import (
    ANY_TIME,
    DEFAULT_TIMES,
    MAX_BIO_LENGTH,
    MAX_COUNT,
    MAX_ID_LENGTH,
    MAX_NAME_LENGTH,
    MAX_WEIGHT,
    WIDEST_EARLIEST,
    WIDEST_LATEST,
    Account,
    Interaction,
    Run,
    TimeWindow,
    WriteResult,
    check_id,
    checked_key,
    clean_text,
    sanitize_account,
    to_utc,
)
from graph.runs import (  # noqa: F401 - re-exported: the run bookkeeping's home is graph.runs
    MAX_RUN_ERRORS,
    add_error,
    close_stale_runs,
    finish_run,
    new_run,
    recorded_run,
    run_owner,
)
from graph.runs import save_quietly as _save_quietly  # noqa: F401
from graph.store import DEFAULT_BATCH_SIZE, GraphStore
from ingest.records import Edge, edges_frame, newer_cursor

#: Test hook: seconds to sleep after each committed batch, so that a test can
#: kill an ingest between batches. Not meant for users.
SLEEP_ENV = "SCOUT_INGEST_BATCH_SLEEP"
#: Listening themes every batch written in this context is tagged with (see :func:`listening`).
#: ``None`` until a caller chooses (then a tuple, maybe empty: "no themes").
_THEMES: ContextVar[tuple | None] = ContextVar("scout_listening_themes", default=None)


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
    #: The newest cursor value in the chunk: a post id (int) or a time cursor (str);
    #: see :func:`ingest.records.newer_cursor`.
    cursor: int | str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    #: Bytes of the input consumed so far (progress); ``None`` if unknown.
    position: int | None = None
    #: Where each interaction / account comes from (``file:line``), parallel to
    #: ``interactions`` / ``accounts``; optional (records then are located by number).
    origins: list[str] = field(default_factory=list)
    account_origins: list[str] = field(default_factory=list)
    #: Column-wise records (readers of big tabular files): interactions with
    #: :data:`graph.model.INTERACTION_COLUMNS` (``at`` a UTC datetime column,
    #: ``topics`` as ``;a;b;`` text), in addition to ``interactions``; the line
    #: each comes from (``frame_lines``, in file ``origin_name``); accounts with
    #: ``key, platform, platform_id, handle``, in addition to ``accounts``.
    frame: pd.DataFrame | None = None
    frame_lines: np.ndarray | None = None
    origin_name: str = ""
    account_frame: pd.DataFrame | None = None

    @property
    def n_interactions(self) -> int:
        """Interactions in the chunk, record-wise and column-wise."""
        return len(self.interactions) + (len(self.frame) if self.frame is not None else 0)

    def as_records(self) -> Chunk:
        """This chunk with its column-wise part turned into records (tests, record-wise consumers)."""
        if self.frame is None and self.account_frame is None:
            return self
        interactions = list(self.interactions)
        origins = list(self.origins)
        if self.frame is not None and len(self.frame):
            f = self.frame
            topics = f["topics"].map(lambda t: tuple(x for x in t.split(";") if x) if isinstance(t, str) and t
                                     else ())

            def optional(col: str) -> list:  # missing values as None (a str column holds NaN)
                c = f[col].astype(object)
                return c.where(c.notna(), None).tolist()

            interactions.extend(
                Edge(*row) for row in zip(
                    f["platform"].tolist(), f["post_id"].tolist(), f["kind"].tolist(), f["source"].tolist(),
                    f["target"].tolist(), [t.to_pydatetime() for t in f["at"]],
                    optional("text"), topics.tolist(), optional("lang"), f["weight"].tolist(), strict=True)
            )
            if len(origins) == len(self.interactions):
                origins.extend(f"{self.origin_name}:{line}" for line in self.frame_lines.tolist())
        accounts = list(self.accounts)
        if self.account_frame is not None:
            accounts.extend(_frame_accounts(self.account_frame))
        return replace(self, interactions=interactions, origins=origins, accounts=accounts, frame=None,
                       frame_lines=None, account_frame=None, account_origins=[])


def _frame_accounts(frame: pd.DataFrame) -> list[Account]:
    """Accounts from an account frame (``key, platform, platform_id, handle`` and maybe more)."""
    names = [c for c in frame.columns if c != "key"]
    return [Account(**dict(zip(names, row, strict=True))) for row in zip(*(frame[c].tolist() for c in names),
                                                                           strict=True)]


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

    Interactions (:class:`~ingest.records.Edge` rows, ``Interaction`` objects, or
    a chunk's column-wise ``frame``) go to the store as one DataFrame per batch,
    the store's fast path.

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
        self._account_frames: list[pd.DataFrame] = []
        # key -> handle ("\0" for none) of the frame accounts written by this writer.
        self._written_handles: dict[str, str] = {}
        self._account_rows = 0
        self._frames: list[pd.DataFrame] = []
        self._pending = 0
        self._sleep = float(os.environ.get(SLEEP_ENV, "0") or 0)
        self.themes = _THEMES.get() or ()
        self.tagged = 0

    def add(self, accounts: Iterable[Account], interactions: Iterable[Edge | Interaction],
            frame: pd.DataFrame | None = None, account_frame: pd.DataFrame | None = None) -> None:
        """Buffer rows; writes a batch whenever ``batch_size`` rows are waiting.

        The writer takes ownership of the account objects: it merges later
        values into the first object of each key. ``frame`` and ``account_frame``
        are a chunk's column-wise interactions and accounts.
        """
        buf = self._accounts
        for a in accounts:
            key = a.key
            known = buf.get(key)
            if known is None:
                buf[key] = a
            else:
                merge_account(known, a)
        if account_frame is not None and len(account_frame):
            account_frame = self._unwritten(account_frame)
            self._account_frames.append(account_frame)
            self._account_rows += len(account_frame)
        records = interactions if isinstance(interactions, list) else list(interactions)
        if records:
            self._frames.append(edges_frame(records))
            self._pending += len(records)
        if frame is not None and len(frame):
            self._frames.append(frame)
            self._pending += len(frame)
        while self._pending >= self.batch_size:
            pending = self._take_frame()
            self._write(pending.iloc[: self.batch_size])
            rest = pending.iloc[self.batch_size:]
            if len(rest):
                self._frames, self._pending = [rest], len(rest)
        if len(self._accounts) + self._account_rows >= self.batch_size:
            self.flush()

    def _unwritten(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of an account frame this writer has not written already, as they are.

        Big files name the same accounts in every chunk; an account frame carries
        only ``key, platform, platform_id, handle``, so a key written with the
        same handle needs no second upsert.
        """
        if list(frame.columns) != ["key", "platform", "platform_id", "handle"]:
            return frame
        handle = frame["handle"].astype(object).where(frame["handle"].notna(), "\0").tolist()
        keys = frame["key"].tolist()
        # dict.get per key: Series.map would turn the whole dict into a Series every time.
        get = self._written_handles.get
        fresh = np.fromiter((get(k) != h for k, h in zip(keys, handle, strict=True)), dtype=bool,
                            count=len(keys))
        new = frame.loc[fresh]
        self._written_handles.update(
            (k, h) for k, h, f in zip(keys, handle, fresh.tolist(), strict=True) if f)
        if len(self._written_handles) > 5_000_000:  # bounded memory; forgetting only costs upserts
            self._written_handles = {}
        return new

    def _take_frame(self) -> pd.DataFrame:
        frames, self._frames, self._pending = self._frames, [], 0
        if len(frames) == 1:
            return frames[0]
        return pd.concat(frames, ignore_index=True)

    def flush(self) -> None:
        """Write what is buffered as one transaction."""
        if self._accounts or self._account_frames or self._frames:
            self._write(self._take_frame() if self._frames else None)

    def _take_accounts(self) -> list[Account] | pd.DataFrame:
        """The buffered accounts: records, or one frame when all came as frames."""
        accounts = list(self._accounts.values())
        frames, self._account_frames, self._account_rows = self._account_frames, [], 0
        self._accounts = {}
        if not frames:
            return accounts
        frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        if len(frames) > 1 and frame["key"].duplicated().any():
            # Later known values win; None never overwrites (groupby.last skips missing values).
            frame = frame.groupby("key", sort=False, as_index=False).last()
        if accounts:
            return accounts + _frame_accounts(frame)
        return frame

    def _write(self, frame: pd.DataFrame | None) -> None:
        """One transaction: the buffered accounts and the interactions of ``frame``."""
        accounts = self._take_accounts()
        has_events = frame is not None and len(frame) > 0
        self.result += self.store.write_batch(accounts, frame if has_events else [])
        if self.themes and has_events:
            self.tagged += _tag_batch(self.store, frame, accounts, self.themes)
        self.accounts_written += len(accounts)
        self.batches += 1
        if self._sleep > 0:
            time.sleep(self._sleep)


def _tag_batch(store: GraphStore, frame, accounts: list[Account] | pd.DataFrame, themes: tuple) -> int:
    """Tag one written batch with the listening themes; returns how many interactions matched."""
    from graph.listening import IDENTITY, tag_frame

    if isinstance(accounts, pd.DataFrame):
        known = accounts[accounts["handle"].notna()]
        handles = dict(zip(known["key"].tolist(), known["handle"].tolist(), strict=True))
    else:
        handles = {a.key: a.handle for a in accounts if a.handle}
    tags = tag_frame(frame, themes, handles)
    has = tags.map(len).to_numpy() > 0
    if has.any():
        store.set_themes(frame.loc[has, IDENTITY].assign(themes=tags[has].to_numpy()))
    return int(has.sum())


# -- the data model's input rules, applied to every record of every ingest path --------------


def screen_chunk(chunk: Chunk, times: TimeWindow | None = DEFAULT_TIMES, label: str = "input") -> int:
    """Apply the data model's input rules to a chunk's records, in place.

    Every ingest path goes through :func:`run_ingest`, which calls this on each
    chunk, so a new parser gets the rules for free: interactions must carry a time
    inside ``times`` (:class:`graph.model.TimeWindow`), ids within
    :data:`graph.model.MAX_ID_LENGTH`, a weight within :func:`graph.model.check_weight`;
    ids, handles, names and texts lose control and spoofing characters
    (:func:`graph.model.clean_text`); accounts must pass
    :func:`graph.model.sanitize_account`. An offending record is dropped and
    reported once per origin as ``file:line: reason`` (``chunk.origins``; records
    without an origin are located as ``label (record N)``).

    Returns
    -------
    int
        How many records were rejected: origins of refused interactions (each also
        decrements ``chunk.read``) and refused profiles.
    """
    rejected: dict[str, str] = {}
    lo, hi = (times or ANY_TIME).bounds()
    # A frame's accounts come from its rows: a refused account rejects the rows naming it.
    refused = _screen_account_frame(chunk) if chunk.account_frame is not None else {}
    if chunk.frame is not None:
        _screen_frame(chunk, lo, hi, times, rejected, refused)
    edges = chunk.interactions
    if edges:
        origins = chunk.origins if len(chunk.origins) == len(edges) else None
        kept: list = []
        kept_origins: list[str] = []
        for i, e in enumerate(edges):
            where = origins[i] if origins is not None else f"{label} (record {i + 1})"
            fixed, reason = _screen_edge(e, lo, hi, times)
            if reason is not None:
                rejected.setdefault(where, reason)
                continue
            kept.append(fixed)
            kept_origins.append(where)
        if len(kept) != len(edges) or any(k is not e for k, e in zip(kept, edges, strict=False)):
            chunk.interactions = kept
            chunk.origins = kept_origins if origins is not None else []
    edge_rejects = len(rejected)
    accounts = chunk.accounts
    if accounts:
        origins = chunk.account_origins if len(chunk.account_origins) == len(accounts) else None
        good = []
        for i, a in enumerate(accounts):
            if _account_is_plain(a):
                good.append(a)
                continue
            try:
                sanitize_account(a)
            except ValueError as exc:
                where = origins[i] if origins is not None else f"{label} (account {i + 1})"
                reason = f"account {a.platform}:{str(a.platform_id)[:40]}: {exc}"
                rejected[f"{where}\0{reason}"] = reason  # one record each
                continue
            good.append(a)
        if len(good) != len(accounts):
            chunk.accounts = good
            chunk.account_origins = []
    for where, reason in rejected.items():
        chunk.errors.append(f"{where.partition(chr(0))[0]}: {reason}")
    # A rejected post was counted as read by its parser (an error counts as one more
    # record read); a rejected profile is a record of its own.
    chunk.read = max(0, chunk.read - edge_rejects)
    return len(rejected)


def _plain_text(col: pd.Series, limit: int) -> np.ndarray:
    """Which cells are short printable ASCII (nothing for the data model to clean); missing cells count as ``""``."""
    try:
        text = pa.array(col.to_numpy(dtype=object) if col.dtype == object else col, type=pa.string(),
                        from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text: the data model's own conversion
        text = pa.array(col.fillna("").astype(str).to_numpy(dtype=object), type=pa.string())
    text = pc.fill_null(text, "")
    plain = pc.and_(pc.less_equal(pc.utf8_length(text), limit), pc.match_substring_regex(text, r"^[ -~]*$"))
    return plain.to_numpy(zero_copy_only=False)


def _screen_frame(chunk: Chunk, lo: datetime, hi: datetime, times: TimeWindow | None,
                  rejected: dict[str, str], refused: dict[str, str]) -> None:
    """:func:`screen_chunk` for a chunk's column-wise interactions.

    Every rule is tested column-wise; only rows that are not plain (non-ASCII or
    control characters, overlong values, a refused time or weight) go through the
    record-wise rules, so a rejected row gets the same reason either way.
    """
    f = chunk.frame
    at = f["at"]
    weight = f["weight"].to_numpy(dtype="float64")
    ok = np.array((at >= pd.Timestamp(lo)) & (at <= pd.Timestamp(hi)), dtype=bool)
    ok &= (weight >= 0) & (weight <= MAX_WEIGHT)
    for col in ("source", "target", "post_id"):
        ok &= _plain_text(f[col], MAX_ID_LENGTH)
    text = f["text"]
    ok &= (text.isna() | pd.Series(_plain_text(text, 10**9), index=f.index)).to_numpy(dtype=bool)
    if refused:
        ok &= ~(f["source"].isin(refused) | f["target"].isin(refused)).to_numpy()
    if ok.all():
        return
    rows = np.flatnonzero(~ok)
    fixed: dict[int, object] = {}
    drop: list[int] = []
    name = chunk.origin_name
    for i in rows.tolist():
        r = f.iloc[i]
        topics = tuple(t for t in r["topics"].split(";") if t) if r["topics"] else ()
        e = Edge(r["platform"], r["post_id"], r["kind"], r["source"], r["target"],
                 r["at"].to_pydatetime(), r["text"], topics, r["lang"], float(r["weight"]))
        reason = refused.get(e.source) or refused.get(e.target)
        got, reason = (None, reason) if reason else _screen_edge(e, lo, hi, times)
        if reason is not None:
            rejected.setdefault(f"{name}:{chunk.frame_lines[i]}", reason)
            drop.append(i)
        elif got is not e:
            fixed[i] = got
    if fixed:
        f = f.copy()
        for i, e in fixed.items():
            for col in ("source", "target", "post_id", "text"):
                f.iat[i, f.columns.get_loc(col)] = getattr(e, col)
    if drop:
        keep = np.ones(len(f), dtype=bool)
        keep[drop] = False
        f = f.loc[keep].reset_index(drop=True)
        chunk.frame_lines = chunk.frame_lines[keep]
    chunk.frame = f


def _screen_account_frame(chunk: Chunk) -> dict[str, str]:
    """:func:`screen_chunk` for a chunk's column-wise accounts; returns refused key → reason."""
    f = chunk.account_frame
    clean, refused = sanitize_account_frame(f)
    chunk.account_frame = clean
    key = f.columns.get_loc("key")
    return {f.iat[i, key]: why for i, why in refused.items()}


def sanitize_account_frame(f: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, str]]:
    """:func:`graph.model.sanitize_account` on every row of an account frame, column-wise.

    The rules are tested column by column; only rows that are not plain (non-ASCII
    or control characters, overlong values, a count or time out of bounds) go
    through :func:`~graph.model.sanitize_account` itself, so a refused row gets
    the same reason either way.

    Parameters
    ----------
    f : pandas.DataFrame
        Accounts: ``key, platform, platform_id, handle`` and any other
        :class:`~graph.model.Account` attributes, missing values as ``None``/NA.

    Returns
    -------
    tuple
        The frame without refused rows (``f`` itself when every row is plain),
        index reset; and refused row positions in ``f`` → reason.
    """
    ok = _plain_text(f["platform_id"], MAX_ID_LENGTH).copy() & (
        f["handle"].isna().to_numpy() | _plain_text(f["handle"], MAX_ID_LENGTH))
    for col in ("name", "url"):
        if col in f:
            ok &= f[col].isna().to_numpy() | _plain_text(f[col], MAX_NAME_LENGTH)
    if "bio" in f:
        bio = f["bio"]
        ok &= bio.isna().to_numpy() | (_plain_text(bio, MAX_BIO_LENGTH) & bio.fillna("").astype(str).ne("").to_numpy())
    for col in ("followers", "following", "posts"):
        if col in f:
            n = pd.to_numeric(f[col], errors="coerce")
            ok &= (f[col].isna() | ((n >= 0) & (n <= MAX_COUNT))).to_numpy(dtype=bool)
    if "created_at" in f:
        at = pd.to_datetime(f["created_at"], utc=True, errors="coerce")
        ok &= (f["created_at"].isna() | ((at >= pd.Timestamp(WIDEST_EARLIEST)) & (at <= pd.Timestamp(WIDEST_LATEST)))
               ).to_numpy(dtype=bool)
    if ok.all():
        return f, {}
    refused: dict[int, str] = {}
    keep = np.ones(len(f), dtype=bool)
    f = f.astype({c: object for c in f.columns if c in Account.__slots__})
    slots = [c for c in Account.__slots__ if c in f.columns]
    for i in np.flatnonzero(~ok).tolist():
        a = object.__new__(Account)
        for col in Account.__slots__:
            value = f.iat[i, f.columns.get_loc(col)] if col in f.columns else None
            setattr(a, col, None if value is None or value is pd.NA or value is pd.NaT
                    or (isinstance(value, float) and np.isnan(value)) else value)
        try:
            sanitize_account(a)
        except ValueError as exc:
            refused[i] = str(exc)
            keep[i] = False
            continue
        for col in slots:
            f.iat[i, f.columns.get_loc(col)] = getattr(a, col)
        # The key follows its cleaned id (``checked_key`` cleans the keys events name alike).
        f.iat[i, f.columns.get_loc("key")] = a.key
    return f.loc[keep].reset_index(drop=True), refused


def _account_is_plain(a: Account) -> bool:
    """Cheap test: nothing in the account needs :func:`graph.model.sanitize_account`."""
    for v in (a.platform_id, a.handle, a.name, a.url):
        if v is not None and (type(v) is not str or len(v) > MAX_NAME_LENGTH
                              or not (v.isascii() and v.isprintable())):
            return False
    bio = a.bio
    if bio is not None and (type(bio) is not str or not bio or len(bio) > MAX_BIO_LENGTH
                            or not (bio.isascii() and bio.isprintable())):
        return False
    for n in (a.followers, a.following, a.posts):
        if n is not None and (type(n) is not int or not 0 <= n <= MAX_COUNT):
            return False
    return a.created_at is None or WIDEST_EARLIEST <= a.created_at <= WIDEST_LATEST


def _screen_edge(e, lo, hi, times: TimeWindow | None):
    """``(edge, None)`` — the edge, cleaned when needed — or ``(None, reason)``."""
    at = e.at
    try:
        if not lo <= at <= hi:
            return None, (times or ANY_TIME).problem(to_utc(at))
    except TypeError:  # a naive time
        return None, f"time {at!r} has no time zone"
    w = e.weight
    if not 0 <= w <= MAX_WEIGHT:
        return None, f"weight must be a number from 0 to {MAX_WEIGHT:g}, got {w!r}"
    src, dst, pid, text = e.source, e.target, e.post_id, e.text
    plain = (len(src) <= MAX_ID_LENGTH and len(dst) <= MAX_ID_LENGTH and len(pid) <= MAX_ID_LENGTH
             and (src + dst + pid).isascii() and (src + dst + pid).isprintable())
    if plain and (text is None or (text.isascii() and text.isprintable())):
        return e, None
    try:
        platform = e.platform
        src = checked_key(src, "source")
        dst = checked_key(dst, "target")
        pid = check_id(pid, "post id")
    except ValueError as exc:
        return None, str(exc)
    if text is not None:
        text = clean_text(text, multiline=True) or None
    fields = {"source": src, "target": dst, "post_id": pid, "text": text, "platform": platform}
    if isinstance(e, Interaction):
        for name, value in fields.items():
            setattr(e, name, value)
        return e, None
    return e._replace(**fields), None


# -- rejected records ---------------------------------------------------------------------------

#: Bad records printed one by one; the rest are counted by reason.
MAX_REPORTED = 10
#: Reasons counted in a run record (the rest are counted as "other").
MAX_REASONS = 20
_LOCATION = re.compile(r"^.*?:\d+: ")
_VALUES = re.compile(r"'[^']*'|\"[^\"]*\"|\d[\d.:+TZ-]*")


def reason_of(message: str) -> str:
    """The kind of a ``file:line: reason`` message: location and values left out.

    Examples
    --------
    >>> reason_of("a.csv:12: unreadable timestamp 'x'")
    'unreadable timestamp …'
    """
    return _VALUES.sub("…", _LOCATION.sub("", message, count=1))[:100]


class RejectLog:
    """Where an ingest's rejected records go.

    The first :data:`MAX_REPORTED` messages are passed to ``report`` as they come;
    every message is written to ``rejects`` (a file, when given); the run keeps the
    first :data:`~graph.runs.MAX_RUN_ERRORS` messages and the counts per reason
    (``summary["rejected_by_reason"]``). :meth:`close` reports the counts of what
    was not shown.
    """

    def __init__(self, run: Run, report: Callable[[str], None] | None = None,
                 rejects: str | Path | None = None, limit: int = MAX_REPORTED) -> None:
        self.run = run
        self.report = report
        self.limit = limit
        self.reasons: dict[str, int] = run.summary.setdefault("rejected_by_reason", {})
        self.hidden: dict[str, int] = {}
        self._file: TextIO | None = None
        if rejects is not None:
            try:
                self._file = open(rejects, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
            except OSError as exc:
                raise InputError(f"--rejects {rejects}: cannot write: {exc.strerror or exc}") from None

    def add(self, messages: Iterable[str]) -> None:
        run = self.run
        for message in messages:
            run.rejected += 1
            add_error(run, message)
            reason = reason_of(message)
            if reason not in self.reasons and len(self.reasons) >= MAX_REASONS:
                reason = "other"
            self.reasons[reason] = self.reasons.get(reason, 0) + 1
            if self._file is not None:
                self._file.write(message.replace("\n", " ") + "\n")
            if self.report is not None:
                if run.rejected <= self.limit:
                    self.report(message)
                else:
                    self.hidden[reason] = self.hidden.get(reason, 0) + 1

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self.report is not None and self.hidden:
            total = sum(self.hidden.values())
            where = f"; all of them in {self.run.summary['rejects']}" if "rejects" in self.run.summary else ""
            self.report(f"{self.run.source}: {total:,} more rejected record(s) not shown{where}:")
            for reason, n in sorted(self.hidden.items(), key=lambda kv: -kv[1]):
                self.report(f"  {n:,} × {reason}")
            self.hidden = {}


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
    times: TimeWindow | None = DEFAULT_TIMES,
    rejects: str | Path | None = None,
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
        Each chunk is screened with :func:`screen_chunk` first.
    batch_size : int
        Interactions per write transaction.
    strict : bool
        Read all chunks before writing anything and stop at the first bad record,
        with nothing written.
    report : callable, optional
        Called with the first :data:`MAX_REPORTED` ``file:line: reason`` messages
        as they are found, then with counts per reason (see :class:`RejectLog`).
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
    times : TimeWindow, optional
        The times interactions may carry (default :data:`graph.model.DEFAULT_TIMES`;
        ``None`` accepts the widest range, :data:`graph.model.ANY_TIME`).
    rejects : str or Path, optional
        A file to which every rejected record's message is appended.

    Returns
    -------
    Run
        The saved run: ``ok``, ``partial`` when records were rejected, ``failed``
        when every record read was rejected.

    Raises
    ------
    InputError
        In strict mode, at the first bad record (the run is saved as ``failed``).
    ScoutError
        Any error a reader raises (an unreadable file, an API that keeps failing);
        what was read until then is written first, except in strict mode.
    """
    run = run if run is not None else new_run(source)
    with _configured_listening():
        return _write_run(store, source, chunks, run, batch_size=batch_size, strict=strict,
                          report=report, progress=progress, cursor=cursor,
                          keep_cursor=keep_cursor, times=times, rejects=rejects)


@contextmanager
def _configured_listening() -> Iterator[None]:
    """Every ingest path tags with the ``[listening]`` themes of ``$SCOUT_CONFIG`` or
    ``./scout.toml`` unless its caller already chose themes (the refresh uses its own file)."""
    if _THEMES.get() is not None:  # chosen by the caller, even "none"
        yield
        return
    from graph.listening import load_themes

    themes = load_themes()
    if not themes:
        yield
        return
    with listening(themes):
        yield


def _write_run(store: GraphStore, source: str, chunks: Iterable[Chunk], run: Run, *,
               batch_size: int, strict: bool, report, progress, cursor: str | None,
               keep_cursor: bool, times: TimeWindow | None, rejects) -> Run:
    """The body of :func:`run_ingest`, inside the listening themes."""
    writer = BatchWriter(store, batch_size)
    newest: int | str | None = (
        None if cursor is None else int(cursor) if cursor.isdigit() else cursor
    )
    posts = edges = 0
    position: int | None = None
    if rejects is not None:
        run.summary["rejects"] = str(rejects)
    log = RejectLog(run, report, rejects)

    def consume(chunk: Chunk) -> None:
        nonlocal newest, posts, edges, position
        run.read += chunk.read + len(chunk.errors)
        _add_counts(run, chunk.counts)
        log.add(chunk.errors)
        writer.add(chunk.accounts, chunk.interactions, chunk.frame, chunk.account_frame)
        newest = newer_cursor(newest, chunk.cursor)
        posts += chunk.read + len(chunk.errors)
        edges += chunk.n_interactions
        position = chunk.position if chunk.position is not None else position
        if progress is not None:
            progress.update(posts, edges, chunk.position)

    def screened() -> Iterator[Chunk]:
        for chunk in chunks:
            screen_chunk(chunk, times, source)
            yield chunk

    def counters(r: Run) -> None:
        r.inserted, r.duplicates = writer.result.inserted, writer.result.duplicates

    try:
        with recorded_run(store, run, before_save=counters, close_stale=False):
            try:
                for chunk in (_strict(screened()) if strict else screened()):
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
            run.summary["accounts"] = writer.accounts_written
            run.summary["edges"] = edges
            run.summary["batches"] = writer.batches
            if writer.themes:
                run.summary["themed"] = writer.tagged
            if keep_cursor:
                run.cursor = str(newest) if newest is not None else cursor
            if run.rejected and run.rejected == run.read:
                # Nothing usable: say so with a failed run and a non-zero exit.
                run.status = "failed"
                add_error(run, f"every record was rejected ({run.rejected:,})")
    finally:
        log.close()
        if progress is not None:
            progress.close()
    return run


def _strict(chunks: Iterable[Chunk]) -> Iterator[Chunk]:
    """All chunks, read before any is written; :class:`InputError` at the first error."""
    kept: list[Chunk] = []
    for chunk in chunks:
        if chunk.errors:
            raise InputError(f"{chunk.errors[0]} (--strict: nothing from this input was written)")
        kept.append(chunk)
    yield from kept


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
