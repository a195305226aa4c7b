"""The embedded default store: one SQLite file (WAL mode), stdlib ``sqlite3`` only.

Times are stored as integer milliseconds since the epoch (UTC); topics as
``;a;b;`` so that one ``instr`` finds a topic without a join.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from operator import itemgetter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from graph.errors import ConflictError, NotFoundError, StoreUnavailableError
from graph.frames import (
    accounts_frame,
    bare_accounts,
    event_table,
    from_ms,
    interaction_columns,
    interactions_frame,
    members_frame,
    new_snapshot_id,
    run_from_row,
    shortlist_name,
    snapshot_frame,
    snapshot_row_chunks,
    snapshots_frame,
    to_ms,
    to_ms_list,
)
from graph.model import (
    ACCOUNT_COLUMNS,
    INTERACTION_COLUMNS,
    Account,
    CrmEntry,
    Interaction,
    Person,
    Run,
    Shortlist,
    Snapshot,
    Stats,
    WriteResult,
    normalize_handle,
    normalize_topic,
    utcnow,
)
from graph.people import UNLINKABLE_PLATFORMS
from graph.store import CRM_COLUMNS, ROSTER_COLUMNS, GraphStore, decision_pair, validate_status

SCHEMA_VERSION = "1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    key TEXT PRIMARY KEY,
    platform TEXT NOT NULL,
    platform_id TEXT NOT NULL,
    handle TEXT,
    handle_lc TEXT,
    name TEXT,
    followers INTEGER,
    following INTEGER,
    posts INTEGER,
    created_at INTEGER,
    verified INTEGER,
    bio TEXT,
    url TEXT,
    internal INTEGER NOT NULL DEFAULT 0,
    department TEXT,
    crm_status TEXT NOT NULL DEFAULT 'none',
    tags TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS accounts_handle ON accounts(handle_lc);
INSERT OR IGNORE INTO meta(key, value) VALUES ('account_deletions', '0');
-- Any removal of accounts, by any process, bumps the counter: writers that
-- remember which accounts exist know then that their memory is stale.
CREATE TRIGGER IF NOT EXISTS accounts_deleted AFTER DELETE ON accounts
BEGIN
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'account_deletions';
END;
CREATE TABLE IF NOT EXISTS interactions (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    post_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL REFERENCES accounts(key) ON DELETE CASCADE,
    target TEXT NOT NULL REFERENCES accounts(key) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    text TEXT,
    topics TEXT NOT NULL DEFAULT '',
    lang TEXT,
    weight REAL NOT NULL DEFAULT 1.0
);
CREATE INDEX IF NOT EXISTS interactions_source ON interactions(source);
CREATE INDEX IF NOT EXISTS interactions_target ON interactions(target);
CREATE TABLE IF NOT EXISTS roster (
    id INTEGER PRIMARY KEY,
    handle_lc TEXT,
    platform TEXT,
    email TEXT,
    name TEXT,
    department TEXT,
    manager TEXT,
    employee_id TEXT
);
CREATE INDEX IF NOT EXISTS roster_handle ON roster(handle_lc);
CREATE INDEX IF NOT EXISTS roster_email ON roster(email);
CREATE TABLE IF NOT EXISTS crm (
    id INTEGER PRIMARY KEY,
    handle_lc TEXT NOT NULL,
    platform TEXT,
    status TEXT NOT NULL,
    company TEXT,
    email TEXT
);
CREATE INDEX IF NOT EXISTS crm_handle ON crm(handle_lc);
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    status TEXT NOT NULL,
    read INTEGER NOT NULL DEFAULT 0,
    inserted INTEGER NOT NULL DEFAULT 0,
    duplicates INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    errors TEXT NOT NULL DEFAULT '[]',
    cursor TEXT,
    summary TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS runs_started ON runs(started_at);
CREATE TABLE IF NOT EXISTS snapshots (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    config TEXT NOT NULL,
    accounts INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshot_rows (
    snapshot_id TEXT NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    account TEXT NOT NULL REFERENCES accounts(key) ON DELETE CASCADE,
    rank INTEGER NOT NULL,
    score REAL NOT NULL,
    metrics TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, account)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS snapshot_rows_account ON snapshot_rows(account);
CREATE TABLE IF NOT EXISTS shortlists (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS shortlist_members (
    shortlist_id INTEGER NOT NULL REFERENCES shortlists(id) ON DELETE CASCADE,
    account TEXT NOT NULL REFERENCES accounts(key) ON DELETE CASCADE,
    note TEXT NOT NULL DEFAULT '',
    owner TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'to contact',
    added_at INTEGER NOT NULL,
    PRIMARY KEY (shortlist_id, account)
);
CREATE INDEX IF NOT EXISTS shortlist_members_account ON shortlist_members(account);
CREATE TABLE IF NOT EXISTS account_emails (
    account TEXT PRIMARY KEY REFERENCES accounts(key) ON DELETE CASCADE,
    email TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS account_emails_email ON account_emails(email);
CREATE TABLE IF NOT EXISTS link_decisions (
    a TEXT NOT NULL REFERENCES accounts(key) ON DELETE CASCADE,
    b TEXT NOT NULL REFERENCES accounts(key) ON DELETE CASCADE,
    decision TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (a, b)
);
CREATE INDEX IF NOT EXISTS link_decisions_b ON link_decisions(b);
CREATE TABLE IF NOT EXISTS opt_outs (ident TEXT PRIMARY KEY, at INTEGER NOT NULL);
"""

#: An interaction's identity (idempotence: one row per identity). Stores created before it
#: became a named index keep it as the table's inline ``UNIQUE`` constraint instead.
_IDENTITY = ("platform", "post_id", "kind", "target")
_IDENTITY_INDEX = "interactions_identity"
_IDENTITY_SQL = f"CREATE UNIQUE INDEX IF NOT EXISTS {_IDENTITY_INDEX} ON interactions(platform, post_id, kind, target)"
# Of repeated identities the first row (lowest id) stays, as INSERT OR IGNORE would have kept it.
_DELETE_REPEATS = """
DELETE FROM interactions WHERE id IN (
    SELECT id FROM (
        SELECT id, ROW_NUMBER() OVER (PARTITION BY platform, post_id, kind, target ORDER BY id) AS n
        FROM interactions)
    WHERE n > 1)
"""

#: Columns added after the first release: (table, column, type), added on open when missing.
_MIGRATIONS = (("roster", "employee_id", "TEXT"), ("crm", "email", "TEXT"),
               ("interactions", "themes", "TEXT NOT NULL DEFAULT ''"))
#: Account attributes an account merged into another fills in where that one has none.
_MERGED_ATTRIBUTES = (
    "handle", "handle_lc", "name", "followers", "following", "posts", "created_at", "verified",
    "bio", "url",
)

# An account matches a roster row by handle (on the row's platform when given)
# or, for e-mail accounts, by address.
#: Account keys remembered as stored (per connection) before the set is reset.
_KNOWN_ACCOUNTS_MAX = 2_000_000
#: Secondary indexes a bulk load drops and builds again at its end. ``accounts_handle`` too: a
#: big load's new accounts land all over it, so every batch's commit rewrote most of its pages
#: (3M edges, 600,000 accounts: 38 -> 34 s).
_BULK_INDEXES = ("interactions_source", "interactions_target", "accounts_handle")
#: Page cache of a connection (KiB), and inside ``bulk_load``.
_CACHE_KIB = 128 * 1024
_BULK_CACHE_KIB = 512 * 1024
#: While indexes are built (:meth:`SqliteStore._index_builds`): the page cache, which is also the
#: sorter's memory, and the sorter's helper threads. Measured on 1M interactions (2 cores): the
#: three interaction indexes took 3.3 s with the 512 MiB cache (one in-memory sort each), 3.8 s
#: with temporary files in memory, 1.5-1.6 s with 4 MiB, temporary files and 2-4 threads: sorted
#: runs of 4 MiB fit the CPU's caches, and the helper threads sort them side by side.
_SORT_CACHE_KIB = 4 * 1024
_SORT_THREADS = 4
#: Rows fetched and turned into a frame at a time by big reads (:meth:`SqliteStore._query_frame`).
_READ_PART_ROWS = 250_000
#: Snapshot rows encoded and written per statement (one is written while the next is encoded).
_SNAPSHOT_CHUNK_ROWS = 20_000

#: Every column of an account, as the accounts frame takes them.
_ACCOUNT_SELECT = (
    "SELECT key, platform, platform_id, handle, name, followers, following, posts, "
    "created_at, verified, bio, url, internal, department, crm_status, tags FROM accounts"
)

# Accounts that never join a person (graph.people.UNLINKABLE_PLATFORMS) match no row.
_UNLINKABLE_SQL = ", ".join(f"'{p}'" for p in sorted(UNLINKABLE_PLATFORMS))
_ROSTER_MATCH = f"""
    (r.handle_lc IS NOT NULL AND r.handle_lc = a.handle_lc
        AND (r.platform IS NULL OR r.platform = a.platform)
        AND a.platform NOT IN ({_UNLINKABLE_SQL}))
    OR (r.email IS NOT NULL AND a.platform = 'email' AND a.platform_id = r.email)
"""  # noqa: S608 - constants only
_CRM_MATCH = "c.handle_lc = a.handle_lc AND (c.platform IS NULL OR c.platform = a.platform)"

_RECONCILE = f"""
UPDATE accounts AS a SET
    internal = EXISTS (SELECT 1 FROM roster r WHERE {_ROSTER_MATCH}),
    department = (SELECT r.department FROM roster r WHERE {_ROSTER_MATCH} ORDER BY r.id LIMIT 1),
    crm_status = COALESCE(
        (SELECT c.status FROM crm c WHERE {_CRM_MATCH} ORDER BY c.id LIMIT 1), 'none')
"""  # noqa: S608 - constant SQL, no user input


def _topics_text(topics: Sequence[str]) -> str:
    return ";" + ";".join(topics) + ";" if topics else ""


#: Columns of an account upsert, in order; the first three always come.
_ACCOUNT_COLUMNS = ("key", "platform", "platform_id", "handle", "handle_lc", "name", "followers",
                    "following", "posts", "created_at", "verified", "bio", "url")
#: Attributes of an interaction row that most big loads leave at one value: (column, value
#: that needs no parameter, its SQL literal).
_EVENT_DEFAULTS = (("text", None, "NULL"), ("topics", "", "''"), ("lang", None, "NULL"),
                   ("weight", 1.0, "1.0"))


#: Rows that may repeat another, above which the whole table is searched in SQL instead
#: (comparing them in Python would hold every identity in memory).
_MAX_REPEAT_CANDIDATES = 500_000


def _delete_known_repeats(cur: sqlite3.Cursor, deferred: list[tuple[np.ndarray, np.ndarray]]) -> int | None:
    """Delete the rows that repeat an earlier row's identity, among the rows written with
    these (identity hash, id) pairs; returns how many (``None``: too many candidates,
    nothing done). Equal hashes only make rows candidates: identities are compared exactly."""
    if not deferred:
        return 0
    hashes = np.concatenate([h for h, _ in deferred])
    ids = np.concatenate([i for _, i in deferred])
    order = np.argsort(hashes, kind="stable")
    sorted_hashes = hashes[order]
    repeated = sorted_hashes[1:][sorted_hashes[1:] == sorted_hashes[:-1]]
    if not len(repeated):
        return 0
    candidates = np.sort(ids[np.isin(hashes, repeated)]).tolist()
    if len(candidates) > _MAX_REPEAT_CANDIDATES:
        return None
    first: dict[tuple, int] = {}
    doomed: list[int] = []
    for start in range(0, len(candidates), 50_000):
        part = json.dumps(candidates[start:start + 50_000])
        for row_id, *identity in cur.execute(
                "SELECT id, platform, post_id, kind, target FROM interactions "
                "WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id", (part,)):
            if first.setdefault(tuple(identity), row_id) != row_id:
                doomed.append(row_id)
    cur.executemany("DELETE FROM interactions WHERE id = ?", [(i,) for i in doomed])
    return len(doomed)


def _frame_account_rows(frame: pd.DataFrame) -> tuple[tuple[str, ...], list[tuple]]:
    """Account rows from an account frame (``key, platform, platform_id, handle``; other
    attributes of :class:`graph.model.Account` optional, already normalised).

    Returns the columns the frame has (of :data:`_ACCOUNT_COLUMNS`) and one row per
    account: a column the frame lacks is unknown for every account, which the
    upsert expresses by leaving it out.
    """
    handle = frame["handle"].astype(object).where(frame["handle"].notna(), None)
    handle_lc = handle.str.lower().astype(object).where(handle.notna(), None)
    values = {"key": frame["key"].tolist(), "platform": frame["platform"].tolist(),
              "platform_id": frame["platform_id"].tolist(), "handle": handle.tolist(),
              "handle_lc": handle_lc.tolist()}
    for name in _ACCOUNT_COLUMNS[5:]:
        if name not in frame:
            continue
        c = frame[name]
        if name == "created_at":
            values[name] = to_ms_list(c)
        elif name == "verified":
            known = c.notna().to_numpy(dtype=bool)
            flags = np.full(len(c), None, dtype=object)
            flags[known] = c[known].astype(bool).astype(int).to_numpy(dtype=object)
            values[name] = flags.tolist()
        else:
            c = c.astype(object)
            values[name] = c.where(c.notna(), None).tolist()
    columns = tuple(values)
    return columns, list(zip(*values.values(), strict=True))


def _account_upsert(columns: Sequence[str]) -> str:
    """An upsert of ``columns`` of accounts: known values win, ``NULL`` never overwrites."""
    updates = ",\n".join(f"{c} = COALESCE(excluded.{c}, {c})" for c in columns[3:])
    sql = (f"INSERT INTO accounts({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
           " ON CONFLICT(key) DO ")
    return sql + (f"UPDATE SET {updates}" if updates else "NOTHING")


def _event_rows(events: pd.DataFrame) -> tuple[str, Iterator[tuple]]:
    """The insert statement and parameter rows of a batch of events in storage form.

    Columns holding one default value in every row (no text, no topics, weight 1…)
    become literals of the statement rather than a parameter per row.
    """
    columns = ["platform", "post_id", "kind", "source", "target", "at"]
    values = ["?"] * len(columns)
    bound = list(columns)
    for name, default, literal in _EVENT_DEFAULTS:
        col = events[name]
        same = col.isna().all() if default is None else bool((col == default).all())
        columns.append(name)
        if same:
            values.append(literal)
        else:
            values.append("?")
            bound.append(name)
    sql = (f"INSERT OR IGNORE INTO interactions({', '.join(columns)}) "  # noqa: S608 - fixed names
           f"VALUES ({', '.join(values)})")
    return sql, zip(*(_cells(events[c], c in _NULLABLE) for c in bound), strict=True)


#: Event columns that may be missing (the others are checked present by ``event_table``).
_NULLABLE = frozenset({"text", "lang"})


def _cells(col: pd.Series, nullable: bool) -> list:
    """A column's values for SQLite: missing values as ``None``."""
    if nullable and col.hasnans:
        return col.astype(object).where(col.notna(), None).tolist()
    return col.tolist()


class SqliteStore(GraphStore):
    """:class:`GraphStore` in a SQLite file.

    Parameters
    ----------
    path : str or Path
        The database file; its folder is created on first use.
    timeout : float
        Seconds to wait for another process's write lock.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with SqliteStore(pathlib.Path(tempfile.mkdtemp()) / "s.db") as s:
    ...     s.stats().interactions
    0
    """

    def __init__(self, path: str | Path, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.display = f"sqlite:///{self.path}"
        self._timeout = timeout
        self._identity_deferred = False
        # (identity hashes, row ids) of each batch written while the identity is deferred;
        # None when unknown (then the end looks for repeats in the whole table).
        self._deferred: list[tuple[np.ndarray, np.ndarray]] | None = None
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # One connection shared across threads (Streamlit), guarded by a lock;
            # autocommit mode so that every transaction is an explicit BEGIN…COMMIT.
            self._conn = sqlite3.connect(
                self.path, timeout=timeout, check_same_thread=False, isolation_level=None
            )
            # 16 KiB pages (new files only: WAL fixes the size) make bulk loads
            # ~10% faster than 4 KiB; the page size of an existing file stays.
            self._conn.execute("PRAGMA page_size=16384")
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            # Deleted rows are overwritten with zeros, whatever the distribution's
            # build default: `scout forget` must not leave personal data in free pages.
            self._conn.execute("PRAGMA secure_delete=ON")
            self._conn.execute("PRAGMA temp_store=MEMORY")
            self._conn.execute(f"PRAGMA cache_size=-{_CACHE_KIB}")
            with self._index_builds():  # any index a killed bulk load left out is built here
                self._conn.executescript(SCHEMA)
            for table, column, kind in _MIGRATIONS:
                have = {r[1] for r in self._conn.execute(f"PRAGMA table_info({table})")}
                if column not in have:
                    self._conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            self._conn.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
                (SCHEMA_VERSION,),
            )
            table_sql = self._conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'interactions'").fetchone()[0]
            self._inline_identity = "UNIQUE" in table_sql.upper()
            if not self._inline_identity:
                # Missing only after a bulk load that was killed: build it now.
                self._restore_identity()
        except sqlite3.Error as exc:
            raise StoreUnavailableError(f"cannot open {self.display}: {exc}") from None
        self._known_accounts: set[str] = set()
        self._known_deletions: str | None = None
        self._bulk = False
        #: Repeated events a bulk load with a deferred identity index removed at its end.
        self.bulk_repeats = 0

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def reopen(self) -> SqliteStore:
        return SqliteStore(self.path, self._timeout)

    # -- helpers -------------------------------------------------------------------------
    def _tx(self):
        return _Transaction(self._conn, self._lock)

    def _query(self, sql: str, params: Sequence | dict = ()) -> list[tuple]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def _query_frame(self, sql: str, params: Sequence | dict, columns: Sequence[str],
                     rows_per_part: int | None = None) -> pd.DataFrame:
        """``pd.DataFrame(self._query(sql, params), columns=columns)``, made part by part.

        All rows as tuples at once cost far more than the frame they become: a
        10M-event read for ranking peaked at 7.0 GB for a frame of 1.5 GB (every
        cell a Python object, every text a copy). Parts of ``rows_per_part`` rows
        (default :data:`_READ_PART_ROWS`) become frames of their own (text columns
        as compact Arrow strings) and are joined; a column the parts typed
        differently is typed afterwards as the one-shot frame would have been.
        One statement, under the connection's lock: one consistent read.
        """
        parts: list[pd.DataFrame] = []
        with self._lock:
            cursor = self._conn.execute(sql, params)
            while rows := cursor.fetchmany(rows_per_part or _READ_PART_ROWS):
                parts.append(pd.DataFrame(rows, columns=list(columns)))
        if len(parts) <= 1:
            return parts[0] if parts else pd.DataFrame([], columns=list(columns))
        mixed = [name for name in columns if len({str(part[name].dtype) for part in parts}) > 1]
        frame = pd.concat(parts, ignore_index=True)
        del parts
        combined = False
        for name in columns:
            if name in mixed:
                # Parts typed differently (all missing in one, numbers or text in another):
                # the whole column's values, as SQLite gave them, typed at once.
                col = frame[name].astype(object)
                frame[name] = pd.Series(col.where(col.notna(), None).tolist(), index=frame.index)
                continue
            arrow = getattr(frame[name].array, "__arrow_array__", None)
            if arrow is not None and (whole := arrow()).num_chunks > 1:
                # One Arrow array per column, as a one-shot read gives: pandas would
                # join the parts' chunks again, a copy, at every later filter of the
                # frame (the texts of 10M events: 2 GB each time).
                frame[name] = pd.array(whole.combine_chunks(), dtype=frame[name].dtype)
                combined = True
        if combined:
            # Arrow's allocator keeps the parts' freed buffers for itself, and later work on
            # other threads does not reuse them: 10M events' texts left 2 GB resident.
            pa.default_memory_pool().release_unused()
        return frame

    # -- accounts and interactions ----------------------------------------------------
    def write_batch(
        self,
        accounts: Sequence[Account],
        interactions: Sequence[Interaction] | pd.DataFrame,
    ) -> WriteResult:
        if isinstance(accounts, pd.DataFrame):
            account_columns, account_rows = _frame_account_rows(accounts)
        else:
            account_columns = _ACCOUNT_COLUMNS
            account_rows = [
                (
                    a.key,
                    a.platform,
                    a.platform_id,
                    a.handle,
                    a.handle.lower() if a.handle else None,
                    a.name,
                    a.followers,
                    a.following,
                    a.posts,
                    to_ms(a.created_at),
                    None if a.verified is None else int(a.verified),
                    a.bio,
                    a.url,
                )
                for a in accounts
            ]
        # INSERT OR IGNORE keeps the first of repeated identities, as event_table would.
        events = event_table(interactions, with_key=False)
        try:
            return self._write_rows(account_columns, account_rows, events, len(interactions))
        except sqlite3.IntegrityError as exc:
            if "FOREIGN KEY" not in str(exc):
                raise
            # Another process removed an account we believed to exist: forget
            # what we believed and write the batch again (it is idempotent).
            self._known_accounts.clear()
            return self._write_rows(account_columns, account_rows, events, len(interactions))

    def _write_rows(self, account_columns: Sequence[str], account_rows: list[tuple], events: pd.DataFrame,
                    given: int) -> WriteResult:
        named = {r[0] for r in account_rows}
        if len(events):
            event_sql, event_rows = _event_rows(events)
        with self._tx() as cur:
            # Accounts this connection already saw stored need no INSERT OR
            # IGNORE: a big load names the same accounts in every batch. That
            # memory is only as good as "no account was deleted since": the
            # deletion counter (kept by a trigger, read under this transaction's
            # write lock) tells. It matters in a bulk load, where no foreign-key
            # check would catch an event pointing at a removed account.
            deletions = cur.execute(
                "SELECT value FROM meta WHERE key = 'account_deletions'"
            ).fetchone()[0]
            if deletions != self._known_deletions:
                self._known_accounts.clear()
                self._known_deletions = deletions
            stubs = bare_accounts(events, _Either(named, self._known_accounts)) if len(events) else []
            if stubs:
                cur.executemany(
                    "INSERT OR IGNORE INTO accounts(key, platform, platform_id) VALUES (?, ?, ?)",
                    stubs,
                )
            if account_rows:
                cur.executemany(_account_upsert(account_columns), account_rows)
                # New or renamed accounts may match roster / CRM rows kept from before.
                if self._has_annotations(cur):
                    cur.execute(
                        _RECONCILE + " WHERE a.key IN (SELECT value FROM json_each(?))",  # noqa: S608
                        (json.dumps([r[0] for r in account_rows]),),
                    )
            inserted = 0
            deferred = self._identity_deferred and len(events) > 0
            if deferred:
                first = cur.execute("SELECT COALESCE(MAX(id), 0) FROM interactions").fetchone()[0] + 1
            if len(events):
                cur.executemany(event_sql, event_rows)
                inserted = cur.rowcount
            if deferred:
                # Without the identity index nothing is ignored: rows take ids first, first + 1…
                # (this transaction holds the write lock). Remember a hash of each identity,
                # so that the end of the load knows which rows may repeat one.
                last = cur.execute("SELECT MAX(id) FROM interactions").fetchone()[0]
                hashes = pd.util.hash_pandas_object(events[list(_IDENTITY)], index=False).to_numpy()
                ids = np.arange(first, last + 1, dtype=np.int64)
        if deferred and self._deferred is not None:
            if len(ids) == len(hashes):
                self._deferred.append((hashes, ids))
            else:  # cannot happen; never guess: the end then searches the whole table
                self._deferred = None
        if len(self._known_accounts) > _KNOWN_ACCOUNTS_MAX:
            self._known_accounts.clear()
        self._known_accounts.update(named)
        self._known_accounts.update(k for k, _, _ in stubs)
        return WriteResult(inserted=inserted, duplicates=given - inserted)

    @contextmanager
    def bulk_load(self, defer_identity: bool = False) -> Iterator[None]:
        """Load many batches with less index and constraint upkeep.

        Drops the secondary indexes (:data:`_BULK_INDEXES`) while loading and rebuilds them
        after: sorting once is far cheaper than keeping an index up to date row by
        row. Turns this connection's per-row foreign-key lookups off: every batch
        writes the accounts it names in its own transaction unless it knows them
        stored, and that knowledge is dropped as soon as any account is deleted,
        by any process (see ``_write_rows``), so references hold by construction.
        A crash in between leaves no harm: opening the store recreates missing
        indexes, and the foreign-key setting belongs to the connection only.

        Parameters
        ----------
        defer_identity : bool
            Into an empty store, also drop the identity index (idempotence) and
            build it once at the end, when repeated events are removed (the
            first of each stays, as always). Rows then arrive in table order
            instead of at random places of a big index, which matters most when
            that index outgrows the cache. The price: each batch's
            :class:`~graph.model.WriteResult` counts its repeats of *earlier
            batches* as inserted; :attr:`bulk_repeats` says how many rows the
            end removed. A crash in between leaves the repeats in place until the
            store is next opened, which removes them and builds the index.
            Ignored for a non-empty store and for stores whose identity is an
            inline constraint (created before the index had a name).
        """
        with self._lock:
            if self._bulk:
                raise RuntimeError("bulk_load is not reentrant")
            self._conn.execute("PRAGMA foreign_keys=OFF")
            for name in _BULK_INDEXES:
                self._conn.execute(f"DROP INDEX IF EXISTS {name}")
            self.bulk_repeats = 0
            # A big load's account and identity indexes outgrow the usual cache: random
            # inserts then wait on the disk. Pages are allocated as needed, up to this.
            self._conn.execute(f"PRAGMA cache_size=-{_BULK_CACHE_KIB}")
            if defer_identity and not self._inline_identity and not self._query(
                    "SELECT EXISTS(SELECT 1 FROM interactions)")[0][0]:
                self._conn.execute(f"DROP INDEX IF EXISTS {_IDENTITY_INDEX}")
                self._identity_deferred = True
                self._deferred = []
            self._bulk = True
        try:
            yield
        finally:
            with self._lock:
                self._bulk = False
                self._conn.execute("PRAGMA foreign_keys=ON")
                self._conn.execute(f"PRAGMA cache_size=-{_CACHE_KIB}")
                if self._identity_deferred:
                    self.bulk_repeats = self._restore_identity()
                with self._index_builds():
                    self._conn.executescript(SCHEMA)

    @contextmanager
    def _index_builds(self) -> Iterator[None]:
        """Settings for building indexes on this connection (see :data:`_SORT_CACHE_KIB`), undone
        after: a small page cache, temporary files on disk, the sorter's helper threads."""
        with self._lock:
            cache, temp, threads = (self._conn.execute(f"PRAGMA {name}").fetchone()[0]
                                    for name in ("cache_size", "temp_store", "threads"))
            self._conn.execute(f"PRAGMA threads={_SORT_THREADS}")
            self._conn.execute(f"PRAGMA cache_size=-{_SORT_CACHE_KIB}")
            # In memory, the sorter keeps one big run instead of sorting small ones in parallel.
            self._conn.execute("PRAGMA temp_store=FILE")
            try:
                yield
            finally:
                self._conn.execute(f"PRAGMA temp_store={int(temp)}")
                self._conn.execute(f"PRAGMA cache_size={int(cache)}")
                self._conn.execute(f"PRAGMA threads={int(threads)}")

    def _restore_identity(self) -> int:
        """Build the identity index if it is missing (first removing repeated events); returns
        how many rows were removed."""
        with self._lock:
            deferred, self._deferred = self._deferred, None
            self._identity_deferred = False
            if self._inline_identity or self._conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (_IDENTITY_INDEX,)
            ).fetchone():
                return 0
            with self._index_builds(), self._tx() as cur:
                cur.execute("SAVEPOINT identity")
                removed = 0
                try:
                    if deferred is not None:
                        removed = _delete_known_repeats(cur, deferred)
                    if removed is None:
                        raise sqlite3.IntegrityError("many repeats")  # the search in SQL below
                    cur.execute(_IDENTITY_SQL)
                    cur.execute("RELEASE identity")
                    return removed
                except sqlite3.IntegrityError:
                    # Repeats nobody recorded (a killed load, another writer): find them all.
                    cur.execute("ROLLBACK TO identity")
                    cur.execute(_DELETE_REPEATS)
                    removed = cur.rowcount
                    cur.execute(_IDENTITY_SQL)
                    return removed

    #: Big transactions: a commit rewrites the index pages the batch touched.
    BULK_BATCH_SIZE = 100_000

    def is_empty(self) -> bool:
        return not self._query("SELECT EXISTS(SELECT 1 FROM accounts) OR EXISTS(SELECT 1 FROM interactions)")[0][0]

    def size_hint(self) -> int:
        # The largest row id: as many as were ever inserted, without a table scan.
        return int(self._query("SELECT COALESCE(MAX(id), 0) FROM interactions")[0][0])

    @staticmethod
    def _has_annotations(cur: sqlite3.Cursor) -> bool:
        return cur.execute(
            "SELECT EXISTS(SELECT 1 FROM roster) OR EXISTS(SELECT 1 FROM crm)"
        ).fetchone()[0] == 1

    def set_roster(self, people: Sequence[Person], replace: bool = False) -> int:
        rows = [
            (p.handle.lower() if p.handle else None, p.platform, p.email, p.name, p.department,
             p.manager, p.employee_id)
            for p in people
        ]
        with self._tx() as cur:
            if replace:
                cur.execute("DELETE FROM roster")
            cur.executemany(
                "INSERT INTO roster(handle_lc, platform, email, name, department, manager, employee_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            # Keep one row per person identity: the newest wins.
            cur.execute(
                """DELETE FROM roster WHERE id NOT IN (
                       SELECT MAX(id) FROM roster
                       GROUP BY COALESCE(handle_lc, ''), COALESCE(platform, ''), COALESCE(email, ''))"""
            )
            cur.execute(_RECONCILE)
            return cur.execute("SELECT COUNT(*) FROM accounts WHERE internal = 1").fetchone()[0]

    def set_crm(self, entries: Sequence[CrmEntry], replace: bool = False) -> int:
        rows = [(e.handle.lower(), e.platform, e.status, e.company, e.email) for e in entries]
        with self._tx() as cur:
            if replace:
                cur.execute("DELETE FROM crm")
            # A newer row for the same handle replaces the older one.
            cur.executemany(
                "DELETE FROM crm WHERE handle_lc = ? AND COALESCE(platform, '') = COALESCE(?, '')",
                [(r[0], r[1]) for r in rows],
            )
            cur.executemany(
                "INSERT INTO crm(handle_lc, platform, status, company, email) VALUES (?, ?, ?, ?, ?)",
                rows
            )
            cur.execute(_RECONCILE)
            return cur.execute(
                "SELECT COUNT(*) FROM accounts WHERE crm_status != 'none'"
            ).fetchone()[0]

    def set_tags(self, key: str, tags: Sequence[str]) -> None:
        clean = sorted({t.strip() for t in tags if t and t.strip()})
        with self._tx() as cur:
            cur.execute("UPDATE accounts SET tags = ? WHERE key = ?", (json.dumps(clean), key))
            if cur.rowcount == 0:
                raise NotFoundError(f"no account {key!r}")

    def accounts(self, keys: Sequence[str] | None = None) -> pd.DataFrame:
        sql = _ACCOUNT_SELECT
        params: tuple = ()
        if keys is not None:
            sql += " WHERE key IN (SELECT value FROM json_each(?))"
            params = (json.dumps(list(keys)),)
        # Sorted here rather than by SQLite: ORDER BY key walks the key index and
        # fetches each row from elsewhere in the file (~3x the read's cost). The frame
        # is sorted, not the rows: sorted tuples lie all over memory, which made making
        # the frame of 2.8M accounts take 13 s instead of 5. Python and Arrow order text
        # by code point, SQLite's BINARY by UTF-8 bytes: the same order.
        frame = self._query_frame(sql, params, ACCOUNT_COLUMNS).sort_values("key", ignore_index=True)
        return accounts_frame(frame)

    def handle_keys(self, handles: Sequence[str]) -> list[str]:
        wanted = sorted({h for h in handles if isinstance(h, str)})
        if not wanted:
            return []
        rows = self._query(
            "SELECT key FROM accounts WHERE handle_lc IN (SELECT value FROM json_each(?))",
            (json.dumps(wanted),),
        )
        return sorted(r[0] for r in rows)

    def resolve(self, ref: str, platform: str | None = None) -> list[str]:
        ref = ref.strip()
        if not ref.startswith("@") and ":" in ref:
            if self._query("SELECT 1 FROM accounts WHERE key = ?", (ref,)):
                return [ref]
        handle = normalize_handle(ref).lower()
        sql = "SELECT key FROM accounts WHERE handle_lc = ?"
        params: list = [handle]
        if platform:
            sql += " AND platform = ?"
            params.append(platform)
        return [r[0] for r in self._query(sql + " ORDER BY key", params)]

    def search_accounts(self, text: str, limit: int = 20) -> pd.DataFrame:
        pattern = "%" + text.strip().lower().replace("%", r"\%").replace("_", r"\_") + "%"
        rows = self._query(
            "SELECT key, platform, platform_id, handle, name, followers, following, posts, "
            "created_at, verified, bio, url, internal, department, crm_status, tags FROM accounts "
            "WHERE handle_lc LIKE ? ESCAPE '\\' OR lower(name) LIKE ? ESCAPE '\\' "
            "ORDER BY COALESCE(followers, 0) DESC, key LIMIT ?",
            (pattern, pattern, int(limit)),
        )
        return accounts_frame(rows)

    def interactions(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        kinds: Sequence[str] | None = None,
        platforms: Sequence[str] | None = None,
        topics: Sequence[str] | None = None,
        account: str | None = None,
        sources: Sequence[str] | None = None,
        with_text: bool = True,
        limit: int | None = None,
        columns: Sequence[str] | None = None,
        ordered: bool = True,
    ) -> pd.DataFrame:
        wanted = interaction_columns(columns)
        where: list[str] = []
        params: list = []
        if since is not None:
            where.append("at >= ?")
            params.append(to_ms(since))
        if until is not None:
            where.append("at < ?")
            params.append(to_ms(until))
        if kinds:
            where.append("kind IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(list(kinds)))
        if platforms:
            where.append("platform IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(list(platforms)))
        if topics:
            where.append(
                "EXISTS (SELECT 1 FROM json_each(?) t WHERE instr(topics, ';' || t.value || ';') > 0)"
            )
            params.append(json.dumps([normalize_topic(t) for t in topics]))
        if account is not None:
            where.append("(source = ? OR target = ?)")
            params += [account, account]
        if sources is not None:
            where.append("source IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(list(sources)))
        # Only the columns asked for: each column is a million Python objects per
        # million events to make and convert.
        read = wanted if limit is None else list(INTERACTION_COLUMNS)  # the outer ORDER BY needs at
        select = ["NULL" if c == "text" and not with_text else c for c in read]
        sql = f"SELECT {', '.join(select)} FROM interactions"  # noqa: S608
        if where:
            sql += " WHERE " + " AND ".join(where)
        if limit is not None:
            sql = f"SELECT * FROM ({sql} ORDER BY at DESC, id DESC LIMIT ?) ORDER BY at"  # noqa: S608
            params.append(int(limit))
        elif ordered:
            sql += " ORDER BY at, id"
        # Unordered, the rows come in the order SQLite reads them: no sort of the result.
        return interactions_frame(self._query_frame(sql, params, read))[wanted]

    # -- listening themes ----------------------------------------------------------------
    def set_themes(self, tags: pd.DataFrame, replace: bool = False) -> int:
        if self._identity_deferred:  # updates by identity need its index
            self._restore_identity()
        rows = [
            (";" + ";".join(t) + ";" if t else "", p, i, k, tg)
            for p, i, k, tg, t in zip(tags["platform"], tags["post_id"], tags["kind"],
                                      tags["target"], tags["themes"], strict=True)
        ] if len(tags) else []
        with self._tx() as cur:
            if replace:
                cur.execute("UPDATE interactions SET themes = '' WHERE themes != ''")
            before = self._conn.total_changes
            cur.executemany(
                "UPDATE interactions SET themes = ? "
                "WHERE platform = ? AND post_id = ? AND kind = ? AND target = ?", rows)
            return self._conn.total_changes - before

    def theme_tags(self) -> pd.DataFrame:
        rows = self._query("SELECT platform, post_id, kind, target, themes FROM interactions "
                           "WHERE themes != '' ORDER BY id")
        df = pd.DataFrame(rows, columns=["platform", "post_id", "kind", "target", "themes"])
        df["themes"] = [tuple(t for t in s.split(";") if t) for s in df["themes"]]
        return df

    # -- identities and people ---------------------------------------------------------
    def handle_aliases(self, platform: str = "x") -> dict[str, str]:
        # Handle-only keys are "platform:@handle": a range of the primary key ('@' < 'A').
        # An alias needs an account with a real id and a handle; a store of handle-only keys
        # (an edge list of usernames) has none, and the join below would look up each of its
        # millions of keys for nothing (10 s at 2.8M accounts). The other keys of the platform
        # are the two ranges around the '@' one (':' + 1 = ';').
        has_ids = self._query(
            "SELECT EXISTS(SELECT 1 FROM accounts WHERE key >= ? AND key < ? AND handle_lc IS NOT NULL) "
            "OR EXISTS(SELECT 1 FROM accounts WHERE key >= ? AND key < ? AND handle_lc IS NOT NULL)",
            (f"{platform}:", f"{platform}:@", f"{platform}:A", f"{platform};"),
        )[0][0]
        if not has_ids:
            return {}
        rows = self._query(
            """
            SELECT a.key, MIN(b.key) FROM accounts a
            JOIN accounts b ON b.handle_lc = substr(a.platform_id, 2) AND b.platform = a.platform
                AND substr(b.platform_id, 1, 1) != '@'
            WHERE a.key >= ? AND a.key < ?
            GROUP BY a.key HAVING COUNT(DISTINCT b.key) = 1
            """,
            (f"{platform}:@", f"{platform}:A"),
        )
        return dict(rows)

    def merge_accounts(self, mapping: dict[str, str]) -> dict[str, int]:
        if self._identity_deferred:  # UPDATE OR IGNORE needs the identity to hold
            self._restore_identity()
        counts = {"accounts": 0, "interactions": 0, "duplicates": 0}
        cols = ", ".join(_MERGED_ATTRIBUTES)
        with self._tx() as cur:
            for old, new in mapping.items():
                if old == new:
                    continue
                found = {
                    r[0]: r[1:]
                    for r in cur.execute(
                        f"SELECT key, {cols}, tags FROM accounts WHERE key IN (?, ?)",  # noqa: S608
                        (old, new),
                    )
                }
                if old not in found or new not in found:
                    raise NotFoundError(f"cannot merge {old!r} into {new!r}: both must exist")
                sets = ", ".join(f"{c} = COALESCE({c}, ?)" for c in _MERGED_ATTRIBUTES)
                tags = sorted(set(json.loads(found[old][-1])) | set(json.loads(found[new][-1])))
                cur.execute(
                    f"UPDATE accounts SET {sets}, tags = ? WHERE key = ?",  # noqa: S608
                    (*found[old][:-1], json.dumps(tags), new),
                )
                cur.execute("UPDATE OR IGNORE interactions SET target = ? WHERE target = ?", (new, old))
                counts["interactions"] += cur.rowcount
                cur.execute("DELETE FROM interactions WHERE target = ?", (old,))
                counts["duplicates"] += cur.rowcount
                cur.execute("UPDATE interactions SET source = ? WHERE source = ?", (new, old))
                counts["interactions"] += cur.rowcount
                for table, column in (("snapshot_rows", "account"), ("shortlist_members", "account"),
                                      ("account_emails", "account"), ("link_decisions", "a"),
                                      ("link_decisions", "b")):
                    cur.execute(
                        f"UPDATE OR IGNORE {table} SET {column} = ? WHERE {column} = ?",  # noqa: S608
                        (new, old),
                    )
                cur.execute("DELETE FROM link_decisions WHERE a > b OR (a = b AND decision != 'detach')")
                cur.execute("DELETE FROM accounts WHERE key = ?", (old,))
                counts["accounts"] += 1
            self._known_accounts.difference_update(mapping)
            if counts["accounts"] and self._has_annotations(cur):
                cur.execute(
                    _RECONCILE + " WHERE a.key IN (SELECT value FROM json_each(?))",  # noqa: S608
                    (json.dumps(sorted(set(mapping.values()))),),
                )
        return counts

    def roster(self) -> pd.DataFrame:
        rows = self._query(
            "SELECT handle_lc, platform, email, employee_id, name, department, manager FROM roster "
            "ORDER BY id"
        )
        return pd.DataFrame(rows, columns=list(ROSTER_COLUMNS))

    def crm(self) -> pd.DataFrame:
        rows = self._query("SELECT handle_lc, platform, status, company, email FROM crm ORDER BY id")
        return pd.DataFrame(rows, columns=list(CRM_COLUMNS))

    def set_account_emails(self, emails: dict[str, str]) -> int:
        rows = [(k, e.strip().lower()) for k, e in emails.items() if e and e.strip()]
        with self._tx() as cur:
            cur.executemany(
                "INSERT INTO account_emails(account, email) SELECT key, ? FROM accounts WHERE key = ? "
                "ON CONFLICT(account) DO UPDATE SET email = excluded.email",
                [(e, k) for k, e in rows],
            )
            return cur.execute(
                "SELECT COUNT(*) FROM account_emails WHERE account IN (SELECT value FROM json_each(?))",
                (json.dumps([k for k, _ in rows]),),
            ).fetchone()[0]

    def account_emails(self) -> dict[str, str]:
        return dict(self._query("SELECT account, email FROM account_emails ORDER BY account"))

    def set_link_decision(self, a: str, b: str, decision: str) -> None:
        a, b, decision = decision_pair(a, b, decision)
        with self._tx() as cur:
            for key in {a, b}:
                if cur.execute("SELECT 1 FROM accounts WHERE key = ?", (key,)).fetchone() is None:
                    raise NotFoundError(f"no account {key!r}")
            cur.execute(
                "INSERT INTO link_decisions(a, b, decision, at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(a, b) DO UPDATE SET decision = excluded.decision, at = excluded.at",
                (a, b, decision, to_ms(utcnow())),
            )

    def clear_link_decisions(self, key: str) -> int:
        with self._tx() as cur:
            cur.execute("DELETE FROM link_decisions WHERE a = ? OR b = ?", (key, key))
            return cur.rowcount

    def link_decisions(self) -> pd.DataFrame:
        rows = self._query("SELECT a, b, decision FROM link_decisions ORDER BY a, b")
        return pd.DataFrame(rows, columns=["a", "b", "decision"])

    def add_opt_outs(self, idents: Sequence[str]) -> int:
        now = to_ms(utcnow())
        with self._tx() as cur:
            cur.executemany(
                "INSERT OR IGNORE INTO opt_outs(ident, at) VALUES (?, ?)",
                [(i, now) for i in dict.fromkeys(idents)],
            )
            return cur.rowcount

    def remove_opt_outs(self, idents: Sequence[str]) -> int:
        with self._tx() as cur:
            cur.executemany("DELETE FROM opt_outs WHERE ident = ?", [(i,) for i in idents])
            return cur.rowcount

    def opt_outs(self) -> list[str]:
        return [r[0] for r in self._query("SELECT ident FROM opt_outs ORDER BY ident")]

    # -- runs --------------------------------------------------------------------------
    def save_run(self, run: Run) -> None:
        with self._tx() as cur:
            cur.execute(
                """
                INSERT INTO runs(id, kind, source, started_at, finished_at, status, read, inserted,
                    duplicates, rejected, errors, cursor, summary)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET
                    kind = excluded.kind, source = excluded.source,
                    started_at = excluded.started_at, finished_at = excluded.finished_at,
                    status = excluded.status, read = excluded.read, inserted = excluded.inserted,
                    duplicates = excluded.duplicates, rejected = excluded.rejected,
                    errors = excluded.errors, cursor = excluded.cursor, summary = excluded.summary
                """,
                (
                    run.id,
                    run.kind,
                    run.source,
                    to_ms(run.started_at),
                    to_ms(run.finished_at),
                    run.status,
                    run.read,
                    run.inserted,
                    run.duplicates,
                    run.rejected,
                    json.dumps(run.errors, ensure_ascii=False),
                    run.cursor,
                    json.dumps(run.summary, ensure_ascii=False, default=str),
                ),
            )

    def runs(self, limit: int = 20, kind: str | None = None) -> list[Run]:
        sql = (
            "SELECT id, kind, source, started_at, finished_at, status, read, inserted, duplicates, "
            "rejected, errors, cursor, summary FROM runs"
        )
        params: list = []
        if kind:
            sql += " WHERE kind = ?"
            params.append(kind)
        sql += " ORDER BY started_at DESC, rowid DESC LIMIT ?"
        params.append(int(limit))
        return [run_from_row(r) for r in self._query(sql, params)]

    def last_cursor(self, source: str) -> str | None:
        rows = self._query(
            "SELECT cursor FROM runs WHERE source = ? AND status IN ('ok', 'partial') "
            "AND cursor IS NOT NULL ORDER BY started_at DESC, rowid DESC LIMIT 1",
            (source,),
        )
        return rows[0][0] if rows else None

    # -- snapshots ---------------------------------------------------------------------
    def save_snapshot(self, config: dict, table: pd.DataFrame) -> Snapshot:
        snapshot_id, created = new_snapshot_id()
        # In key order: the table and its account index are B-trees on the
        # account, which rank order fills at random (2-3x slower).
        by_key = (table.take(table["account"].astype(str).argsort(kind="stable").to_numpy())
                  if "account" in table else table)
        # Many rows per statement: a statement's rows are bound at once and then
        # written in one step, without the GIL, while the next chunk's JSON is
        # encoded here (one row per step would hand the GIL back and forth per row).
        per_statement = max(1, min(_SNAPSHOT_CHUNK_ROWS,
                                   self._conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // 5))
        chunks = snapshot_row_chunks(snapshot_id, by_key, per_statement)

        def write(cur: sqlite3.Cursor, rows: list[tuple]) -> None:
            cur.execute(
                "INSERT INTO snapshot_rows(snapshot_id, account, rank, score, metrics) VALUES "  # noqa: S608
                + ",".join(["(?, ?, ?, ?, ?)"] * len(rows)),
                [v for row in rows for v in row],
            )

        try:
            with self._tx() as cur, ThreadPoolExecutor(1) as writer:
                cur.execute(
                    "INSERT INTO snapshots(id, created_at, config, accounts) VALUES (?, ?, ?, ?)",
                    (snapshot_id, to_ms(created), json.dumps(config, default=str), len(table)),
                )
                written = None
                for rows in chunks:
                    if written is not None:
                        written.result()
                    written = writer.submit(write, cur, rows)
                if written is not None:
                    written.result()
        except sqlite3.IntegrityError as exc:
            if "FOREIGN KEY" not in str(exc):
                raise
            raise NotFoundError("a snapshot row names an account that is not in the store") from None
        return Snapshot(snapshot_id, created, config, table.reset_index(drop=True))

    def snapshots(self) -> pd.DataFrame:
        rows = self._query(
            "SELECT id, created_at, accounts, config FROM snapshots ORDER BY created_at DESC, id DESC"
        )
        return snapshots_frame(rows)

    def load_snapshot(self, snapshot_id: str | None = None, top: int | None = None) -> Snapshot | None:
        if snapshot_id is None:
            head = self._query(
                "SELECT id, created_at, config FROM snapshots ORDER BY created_at DESC, id DESC LIMIT 1"
            )
        else:
            head = self._query(
                "SELECT id, created_at, config FROM snapshots WHERE id = ?", (snapshot_id,)
            )
        if not head:
            return None
        sid, created, config = head[0]
        sql = "SELECT account, rank, score, metrics FROM snapshot_rows WHERE snapshot_id = ?"
        if top is not None:
            rows = self._query(sql + " ORDER BY rank, account LIMIT ?", (sid, max(int(top), 0)))
        else:
            # Read in key order and sorted here: SQLite's sort would carry every
            # row's metrics text through its sorter (a quarter of the read).
            # Python orders text by code point, as SQLite's BINARY UTF-8 does.
            rows = self._query(sql, (sid,))
            rows.sort(key=itemgetter(1, 0))
        return Snapshot(sid, from_ms(created), json.loads(config), snapshot_frame(rows))

    def account_history(self, key: str) -> pd.DataFrame:
        rows = self._query(
            "SELECT s.id, s.created_at, r.rank, r.score FROM snapshot_rows r "
            "JOIN snapshots s ON s.id = r.snapshot_id WHERE r.account = ? "
            "ORDER BY s.created_at, s.id",
            (key,),
        )
        df = pd.DataFrame(rows, columns=["snapshot_id", "created_at", "rank", "score"])
        df["created_at"] = pd.to_datetime(df["created_at"].astype("int64"), unit="ms", utc=True)
        return df

    # -- shortlists --------------------------------------------------------------------
    def _shortlist_id(self, cur: sqlite3.Cursor, name: str) -> int:
        row = cur.execute("SELECT id FROM shortlists WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFoundError(f"no shortlist named {name!r}")
        return row[0]

    def shortlists(self) -> list[Shortlist]:
        rows = self._query(
            "SELECT s.name, s.created_at, s.description, COUNT(m.account) FROM shortlists s "
            "LEFT JOIN shortlist_members m ON m.shortlist_id = s.id GROUP BY s.id ORDER BY s.name"
        )
        return [Shortlist(n, from_ms(c), d, m) for n, c, d, m in rows]

    def create_shortlist(self, name: str, description: str = "") -> Shortlist:
        name = shortlist_name(name)
        created = utcnow()
        with self._tx() as cur:
            try:
                cur.execute(
                    "INSERT INTO shortlists(name, description, created_at) VALUES (?, ?, ?)",
                    (name, description, to_ms(created)),
                )
            except sqlite3.IntegrityError:
                raise ConflictError(f"a shortlist named {name!r} already exists") from None
        return Shortlist(name, created, description, 0)

    def rename_shortlist(self, name: str, new_name: str) -> None:
        new_name = shortlist_name(new_name)
        with self._tx() as cur:
            sid = self._shortlist_id(cur, name)
            try:
                cur.execute("UPDATE shortlists SET name = ? WHERE id = ?", (new_name, sid))
            except sqlite3.IntegrityError:
                raise ConflictError(f"a shortlist named {new_name!r} already exists") from None

    def delete_shortlist(self, name: str) -> None:
        with self._tx() as cur:
            sid = self._shortlist_id(cur, name)
            cur.execute("DELETE FROM shortlists WHERE id = ?", (sid,))

    def add_to_shortlist(
        self,
        name: str,
        keys: Sequence[str],
        note: str = "",
        owner: str = "",
        status: str = "to contact",
    ) -> int:
        status = validate_status(status)
        now = to_ms(utcnow())
        with self._tx() as cur:
            sid = self._shortlist_id(cur, name)
            missing = [
                k for k in keys
                if cur.execute("SELECT 1 FROM accounts WHERE key = ?", (k,)).fetchone() is None
            ]
            if missing:
                raise NotFoundError(f"no account {missing[0]!r}")
            cur.executemany(
                "INSERT OR IGNORE INTO shortlist_members(shortlist_id, account, note, owner, status, "
                "added_at) VALUES (?, ?, ?, ?, ?, ?)",
                [(sid, k, note, owner, status, now) for k in dict.fromkeys(keys)],
            )
            return cur.rowcount

    def update_member(
        self,
        name: str,
        key: str,
        note: str | None = None,
        owner: str | None = None,
        status: str | None = None,
    ) -> None:
        if status is not None:
            status = validate_status(status)
        with self._tx() as cur:
            sid = self._shortlist_id(cur, name)
            cur.execute(
                "UPDATE shortlist_members SET note = COALESCE(?, note), owner = COALESCE(?, owner), "
                "status = COALESCE(?, status) WHERE shortlist_id = ? AND account = ?",
                (note, owner, status, sid, key),
            )
            if cur.rowcount == 0:
                raise NotFoundError(f"{key!r} is not on shortlist {name!r}")

    def remove_from_shortlist(self, name: str, keys: Sequence[str]) -> int:
        with self._tx() as cur:
            sid = self._shortlist_id(cur, name)
            cur.executemany(
                "DELETE FROM shortlist_members WHERE shortlist_id = ? AND account = ?",
                [(sid, k) for k in keys],
            )
            return cur.rowcount

    def shortlist_members(self, name: str) -> pd.DataFrame:
        with self._lock:
            sid = self._shortlist_id(self._conn.cursor(), name)
            rows = self._conn.execute(
                "SELECT m.account, a.platform, a.handle, a.name, a.followers, a.internal, "
                "a.crm_status, m.note, m.owner, m.status, m.added_at FROM shortlist_members m "
                "JOIN accounts a ON a.key = m.account WHERE m.shortlist_id = ? "
                "ORDER BY m.added_at, m.account",
                (sid,),
            ).fetchall()
        return members_frame(rows)

    def shortlists_of(self, key: str) -> list[str]:
        rows = self._query(
            "SELECT s.name FROM shortlist_members m JOIN shortlists s ON s.id = m.shortlist_id "
            "WHERE m.account = ? ORDER BY s.name",
            (key,),
        )
        return [r[0] for r in rows]

    # -- housekeeping --------------------------------------------------------------------
    def forget(self, key: str) -> dict[str, int]:
        self._known_accounts.discard(key)
        with self._tx() as cur:
            row = cur.execute(
                "SELECT handle_lc, platform, platform_id FROM accounts WHERE key = ?", (key,)
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no account {key!r}")
            handle_lc, platform, platform_id = row
            counts = {}
            cur.execute("DELETE FROM interactions WHERE source = ? OR target = ?", (key, key))
            counts["interactions"] = cur.rowcount
            cur.execute("DELETE FROM snapshot_rows WHERE account = ?", (key,))
            counts["snapshot rows"] = cur.rowcount
            cur.execute("DELETE FROM shortlist_members WHERE account = ?", (key,))
            counts["shortlist entries"] = cur.rowcount
            cur.execute(
                "DELETE FROM roster WHERE (handle_lc = ? AND (platform IS NULL OR platform = ?)) "
                "OR (? = 'email' AND email = ?)",
                (handle_lc, platform, platform, platform_id),
            )
            counts["roster rows"] = cur.rowcount
            cur.execute(
                "DELETE FROM crm WHERE handle_lc = ? AND (platform IS NULL OR platform = ?)",
                (handle_lc, platform),
            )
            counts["crm rows"] = cur.rowcount
            cur.execute("DELETE FROM accounts WHERE key = ?", (key,))
            counts["accounts"] = cur.rowcount
        # Copy the zeroed pages into the database file and empty the WAL, which
        # would otherwise still hold the rows' previous page images.
        with self._lock:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return counts

    def stats(self) -> Stats:
        with self._lock:
            c = self._conn
            accounts, internal = c.execute(
                "SELECT COUNT(*), COALESCE(SUM(internal), 0) FROM accounts"
            ).fetchone()
            interactions, first, last = c.execute(
                "SELECT COUNT(*), MIN(at), MAX(at) FROM interactions"
            ).fetchone()
            by_kind = dict(c.execute("SELECT kind, COUNT(*) FROM interactions GROUP BY kind ORDER BY 2 DESC"))
            by_platform = dict(
                c.execute("SELECT platform, COUNT(*) FROM interactions GROUP BY platform ORDER BY 2 DESC")
            )
        return Stats(
            store=self.display,
            accounts=accounts,
            internal_accounts=internal,
            external_accounts=accounts - internal,
            interactions=interactions,
            by_kind=by_kind,
            by_platform=by_platform,
            first_at=from_ms(first),
            last_at=from_ms(last),
            last_runs=self.runs(limit=5),
        )

    def delete_everything(self) -> None:
        self._known_accounts.clear()
        with self._tx() as cur:
            for table in (
                "shortlist_members", "shortlists", "snapshot_rows", "snapshots", "runs",
                "interactions", "roster", "crm", "account_emails", "link_decisions", "opt_outs",
                "accounts",
            ):
                cur.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names


class _Either:
    """Membership in either of two sets, without copying them into one (the set of known
    accounts of a big load holds millions of keys)."""

    __slots__ = ("_a", "_b")

    def __init__(self, a: set[str], b: set[str]) -> None:
        self._a, self._b = a, b

    def __contains__(self, key: object) -> bool:
        return key in self._a or key in self._b


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` on any exception."""

    def __init__(self, conn: sqlite3.Connection, lock: threading.RLock) -> None:
        self._conn = conn
        self._lock = lock

    def __enter__(self) -> sqlite3.Cursor:
        self._lock.acquire()
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise
        return self._conn.cursor()

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self._conn.execute("COMMIT")
            else:
                self._conn.execute("ROLLBACK")
        finally:
            self._lock.release()
