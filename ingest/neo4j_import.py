"""First load of big files into an empty Neo4j database with the offline importer.

Cypher writes over Bolt reach tens of thousands of events per second; Neo4j's
offline importer (``neo4j-admin database import full``, the
``org.neo4j:neo4j-import-tool`` jar) writes a whole database at hundreds of
thousands. So the first big load of an empty database goes:

1. **files** — the inputs are read by the same readers and rules as ``scout
   ingest`` (:func:`ingest.jobs.import_file`: screening, opt-outs, ``x:@name``
   resolution, rejects with ``file:line``), but each batch goes to
   :class:`ImportFiles` instead of a store: the importer's CSV layout, in the data
   model the online path produces (:mod:`graph.neo4j_store`), written column by
   column by Arrow's CSV writer; events are the storage form of
   :func:`graph.frames.event_table`. What the last stage needs (the runs, the
   few events held back as possible duplicates) is saved next to the files;
2. **import** — ``scripts/neo4j.sh import`` runs the importer into a staging
   folder and swaps the result in (the served database is the old one or the
   complete new one, never a half-imported one), or, for a server of your own,
   :func:`admin_command` is the command line to run there;
3. **schema and the rest** — the store opens (constraints and indexes are created
   then, as always, and awaited), the held-back events go through the online
   path, handle aliases are merged and the runs recorded. The importer also
   loads one ``ImportPending`` node, deleted last: should this stage be killed,
   the next ``scout import`` finds it and finishes the import from the saved state.

Later increments use the ordinary online path (``scout ingest``).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from graph.errors import InputError, StoreUnavailableError
from graph.frames import event_table
from graph.model import Account, Run, WriteResult

NODE_FILE = "accounts.csv"
RELATIONSHIP_FILE = "interactions.csv"
#: Importer header of the account nodes: the properties the online path sets
#: (label and type come from ``--nodes=Account=…`` / ``--relationships=INTERACTED=…``).
#: Empty lists (``tags``, ``topics``) are no property on either path.
NODE_HEADER = [
    "key:ID(Account)", "platform", "platform_id", "handle", "handle_lc", "name", "followers:long",
    "following:long", "posts:long", "created_at:datetime", "verified:boolean", "bio", "url",
    "internal:boolean", "crm_status",
]
RELATIONSHIP_HEADER = [
    ":START_ID(Account)", ":END_ID(Account)", "key", "platform", "post_id", "kind", "at:datetime",
    "text", "topics:string[]", "lang", "weight:double",
]
_ACCOUNT_ATTRIBUTES = ("handle", "name", "followers", "following", "posts", "created_at", "verified", "bio", "url")
#: Account rows buffered before they are merged by key (bounded memory).
_COMPACT_ROWS = 2_000_000
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "neo4j.sh"


def _text(values) -> pa.Array:
    """A text column for the importer: ``None``/NaN become null (an empty, unquoted field: no property)."""
    if isinstance(values, pd.Series):
        if isinstance(values.dtype, pd.StringDtype | pd.ArrowDtype):
            return pc.cast(pa.array(values), pa.large_string())
        values = values.to_numpy(dtype=object)
    try:
        return pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # not all str: written as str() writes them
        values = pd.Series(values, dtype=object)
        return pa.array(values.where(values.isna(), values.astype(str)), type=pa.large_string(),
                        from_pandas=True)


def _iso_utc(ticks: np.ndarray, unit: str = "ms", valid: np.ndarray | None = None) -> pa.Array:
    """Epoch ``unit`` ticks as ``YYYY-MM-DDTHH:MM:SS.fffZ`` (what the importer's ``datetime`` reads).

    Arrow casts a zone-less timestamp to ``YYYY-MM-DD HH:MM:SS.fff`` in C; the
    space becomes a ``T`` and a ``Z`` is appended. Times come from pandas, so
    their years have four digits and the separator is always at position 10.
    ``valid`` (a mask) leaves the other rows null.
    """
    ts = pa.array(ticks, type=pa.timestamp(unit), mask=None if valid is None else ~valid)
    text = pc.binary_replace_slice(pc.cast(ts, pa.large_string()), 10, 11, "T")
    return pc.binary_join_element_wise(text, pa.scalar("Z", pa.large_string()), pa.scalar("", pa.large_string()))


def _write_csv(columns: dict[str, pa.Array], sink) -> bool:
    """Columns to CSV rows in C: every text quoted, nulls as empty unquoted fields.

    Returns whether some field holds a line break (the importer must then be told
    ``--multiline-fields=true``): each row ends in one ``\\n``, so any other line
    break in the output is inside a field (counted at memchr speed).
    """
    table = pa.table(columns)
    out = pa.BufferOutputStream()
    pacsv.write_csv(table, out, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    data = memoryview(out.getvalue())
    sink.write(data)
    raw = data.obj if isinstance(data.obj, bytes) else bytes(data)
    return raw.count(b"\n") != table.num_rows or b"\r" in raw


def _header(names: list[str]) -> bytes:
    return (",".join(names) + "\n").encode("utf-8")


class _SeenKeys:
    """Which event identities were written: 64-bit hashes in an open-addressing table.

    A hash match is only a *possible* duplicate (two identities may share a hash):
    the caller holds such events back and writes them through the online path,
    which tells a true duplicate from a collision. So the table may err only
    that way: hash 0 (the empty slot's mark) is stored as 1.

    Lookups and inserts are vectorised linear probing (a few numpy rounds per
    batch, each a gather into the table); the table doubles past half full.
    Sorted runs merged log-structured cost 14 s of CPU at 10M events, this ≈ 3 s.
    """

    def __init__(self, capacity: int = 1 << 20) -> None:
        self.table = np.zeros(capacity, dtype=np.uint64)
        self.count = 0

    @staticmethod
    def _marks(hashes: np.ndarray) -> np.ndarray:
        hashes = np.asarray(hashes, dtype=np.uint64)
        return np.where(hashes == 0, np.uint64(1), hashes)

    def seen(self, hashes: np.ndarray) -> np.ndarray:
        marks = self._marks(hashes)
        table, mask = self.table, np.uint64(len(self.table) - 1)
        found = np.zeros(len(marks), dtype=bool)
        active = np.arange(len(marks))
        pos = marks & mask
        while active.size:
            slot = table[pos]
            hit = slot == marks[active]
            found[active[hit]] = True
            go_on = (slot != 0) & ~hit  # occupied by another hash: probe the next slot
            active, pos = active[go_on], (pos[go_on] + np.uint64(1)) & mask
        return found

    def add(self, hashes: np.ndarray) -> None:
        """Insert hashes not in the table yet (``seen`` said so); repeats among them are fine.

        Equal hashes probe the same slots together, so they land once; ``count``
        may then exceed the entries, which only makes the table grow sooner.
        """
        marks = self._marks(hashes)
        if 2 * (self.count + len(marks)) > len(self.table):
            self._grow(self.count + len(marks))
        self._insert(marks)
        self.count += len(marks)

    def _insert(self, marks: np.ndarray) -> None:
        table, mask = self.table, np.uint64(len(self.table) - 1)
        pos = marks & mask
        while marks.size:
            free = table[pos] == 0
            # Several hashes may aim at one free slot: one of them lands (whichever
            # numpy writes last), which reading the slot back tells; the others,
            # and those whose slot was taken before, probe the next slot.
            table[pos[free]] = marks[free]
            rest = table[pos] != marks
            marks, pos = marks[rest], (pos[rest] + np.uint64(1)) & mask

    def _grow(self, needed: int) -> None:
        old = self.table[self.table != 0]
        size = len(self.table)
        while 2 * needed > size:
            size *= 2
        self.table = np.zeros(size, dtype=np.uint64)
        self._insert(old)


@dataclass
class ImportFiles:
    """Writes batches in the importer's CSV layout; stands in for the store while reading.

    It answers what an ingest job asks a store (``write_batch``, ``save_run``,
    ``is_empty``…) as an empty store would, and keeps the runs to record later.
    """

    directory: Path
    events: int = 0
    accounts: int = 0
    held_back: list[pd.DataFrame] = field(default_factory=list)
    saved_runs: list[Run] = field(default_factory=list)
    display: str = "neo4j-import"
    #: Some field holds a line break (see :func:`importer_options`).
    multiline: bool = False

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._seen = _SeenKeys()
        self._account_frames: list[pd.DataFrame] = []
        self._account_rows = 0
        self._compact_at = _COMPACT_ROWS
        self._stub_keys: set[str] = set()
        self._rel = open(self.directory / RELATIONSHIP_FILE, "wb")  # noqa: SIM115
        self._rel.write(_header(RELATIONSHIP_HEADER))

    # -- what ingest jobs ask of a store --------------------------------------------------
    BULK_BATCH_SIZE = 100_000

    def write_batch(self, accounts: Sequence[Account] | pd.DataFrame, interactions) -> WriteResult:
        given = len(interactions)
        events = event_table(interactions)
        if len(events):
            # Hashed directly (categorize=False): factorizing first costs 8× more here.
            hashes = pd.util.hash_array(events["key"].to_numpy(dtype=object), categorize=False)
            maybe = self._seen.seen(hashes)
            if maybe.any():
                self.held_back.append(events.loc[maybe])
            new = events.loc[~maybe]
            self._seen.add(hashes[~maybe])
            self._write_events(new)
            keys = pd.unique(np.concatenate([new["source"].to_numpy(dtype=object),
                                             new["target"].to_numpy(dtype=object)]))
            self._stub_keys.update(keys.tolist())
            inserted = len(new)
        else:
            inserted = 0
        self._add_accounts(accounts)
        self.events += inserted
        return WriteResult(inserted=inserted, duplicates=given - inserted)

    def save_run(self, run: Run) -> None:
        if not any(r is run for r in self.saved_runs):
            self.saved_runs.append(run)

    def runs(self, limit: int = 20, kind: str | None = None) -> list[Run]:
        return [r for r in self.saved_runs if kind is None or r.kind == kind][:limit]

    def is_empty(self) -> bool:
        return True

    def size_hint(self) -> int:
        return 0

    def opt_outs(self) -> list[str]:
        return []

    def handle_aliases(self, platform: str = "x") -> dict[str, str]:
        return {}  # merged once the database is up (see _finish)

    def resolve(self, ref: str, platform: str | None = None) -> list[str]:
        return []

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        yield

    # -- files ----------------------------------------------------------------------------
    def _write_events(self, events: pd.DataFrame) -> None:
        if not len(events):
            return
        topics = pc.utf8_trim(_text(events["topics"]), ";")
        self.multiline |= _write_csv({
            "s": _text(events["source"]), "t": _text(events["target"]), "key": _text(events["key"]),
            "platform": _text(events["platform"]), "post_id": _text(events["post_id"]),
            "kind": _text(events["kind"]), "at": _iso_utc(events["at"].to_numpy(dtype="int64")),
            "text": _text(events["text"]),
            # No topics: null, i.e. no property, as on the online path.
            "topics": pc.if_else(pc.equal(topics, ""), pa.scalar(None, pa.large_string()), topics),
            "lang": _text(events["lang"]), "weight": pa.array(events["weight"].to_numpy(dtype="float64")),
        }, self._rel)

    def _add_accounts(self, accounts: Sequence[Account] | pd.DataFrame) -> None:
        if isinstance(accounts, pd.DataFrame):
            frame = accounts
        elif accounts:
            frame = pd.DataFrame({
                "key": [a.key for a in accounts], "platform": [a.platform for a in accounts],
                "platform_id": [a.platform_id for a in accounts],
                **{c: [getattr(a, c) for a in accounts] for c in _ACCOUNT_ATTRIBUTES},
            })
        else:
            return
        if not len(frame):
            return
        self._account_frames.append(frame)
        self._account_rows += len(frame)
        if self._account_rows > self._compact_at:
            self._account_frames = [self._merged_accounts()]
            self._account_rows = len(self._account_frames[0])
            # Next merge once as many rows again have come: linear in all, even when
            # most rows are distinct accounts (an edge list names each account once).
            self._compact_at = max(_COMPACT_ROWS, 2 * self._account_rows)

    def _merged_accounts(self) -> pd.DataFrame:
        """The account rows so far, one per key (later known values win, as upserts would)."""
        frames = self._account_frames
        if not frames:
            return pd.DataFrame(columns=["key", "platform", "platform_id"])
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        if frame["key"].is_unique:
            return frame
        return frame.groupby("key", sort=False, as_index=False).last()

    def close(self) -> None:
        """Finish the files: the relationships are written; write the account nodes."""
        if self._rel.closed:
            return
        self._rel.close()
        accounts = self._merged_accounts()
        stubs = self._stub_keys.difference(accounts["key"].tolist())
        if stubs:
            keys = pd.Series(sorted(stubs), dtype=object)
            parts = keys.str.partition(":")
            accounts = pd.concat([accounts, pd.DataFrame({"key": keys, "platform": parts[0],
                                                          "platform_id": parts[2]})], ignore_index=True)
        for c in _ACCOUNT_ATTRIBUTES:
            if c not in accounts:
                accounts[c] = None
        n = len(accounts)
        # Lower-cased like the online path (Python's str.lower), not by Arrow's tables.
        handle = accounts["handle"].astype(object)
        handle_lc = handle.where(handle.isna(), handle.astype(str).str.lower())
        created = pd.to_datetime(accounts["created_at"], utc=True, errors="coerce").dt.tz_localize(None)
        created_us = created.to_numpy(dtype="datetime64[us]").astype("int64")
        with open(self.directory / NODE_FILE, "wb") as f:
            f.write(_header(NODE_HEADER))
            self.multiline |= _write_csv({
                "key": _text(accounts["key"]), "platform": _text(accounts["platform"]),
                "platform_id": _text(accounts["platform_id"]), "handle": _text(handle),
                "handle_lc": _text(handle_lc), "name": _text(accounts["name"]),
                **{c: pa.array(pd.to_numeric(accounts[c]).astype("Int64"), type=pa.int64(), from_pandas=True)
                   for c in ("followers", "following", "posts")},
                "created_at": _iso_utc(created_us, "us", created.notna().to_numpy()),
                "verified": pa.array(accounts["verified"].astype("boolean"), type=pa.bool_()),
                "bio": _text(accounts["bio"]), "url": _text(accounts["url"]),
                "internal": pa.array(np.zeros(n, dtype=bool)),
                "crm_status": pa.array(np.full(n, "none", dtype=object), type=pa.large_string()),
            }, f)
        self.accounts = n


def admin_command(directory: Path, database: str = "neo4j", multiline: bool = True) -> list[str]:
    """The ``neo4j-admin`` command line that imports the files of ``directory`` (for your own server).

    Stop the database first (Community: stop the server); constraints and indexes
    are created when Scout first opens the store. The database name comes first:
    ``--nodes``/``--relationships`` take several files and would swallow it.
    """
    return [
        "neo4j-admin", "database", "import", "full", database, "--overwrite-destination=true",
        *importer_options(directory, multiline),
    ]


def importer_options(directory: Path, multiline: bool = True) -> list[str]:
    """Importer options for the files of ``directory``.

    Parameters
    ----------
    directory : path
        Holds :data:`NODE_FILE` and :data:`RELATIONSHIP_FILE`; the importer's report goes there too.
    multiline : bool
        Some field holds a line break (:attr:`ImportFiles.multiline`). The
        importer then reads each file in one piece rather than in parallel
        chunks, so this is only asked for when needed.

    Notes
    -----
    The files are exact by construction: one row per account key (no
    ``--skip-duplicate-nodes``), every relationship's ends among the nodes, no
    repeated event identity (possible duplicates are held back for the online
    path). So any bad entry is a bug, and ``--bad-tolerance=0`` with
    ``--skip-bad-relationships=false`` aborts the import on the first one (the
    served database is then unchanged) instead of leaving entities out.
    String ids (``--id-type=string``, the default) are the account keys.
    """
    return [
        f"--nodes=Account={directory / NODE_FILE}",
        f"--relationships=INTERACTED={directory / RELATIONSHIP_FILE}",
        f"--nodes={PENDING_LABEL}={directory / PENDING_FILE}",
        f"--multiline-fields={str(multiline).lower()}", "--array-delimiter=;",
        "--skip-bad-relationships=false", "--skip-duplicate-nodes=false", "--bad-tolerance=0",
        "--high-parallel-io=on", f"--report-file={directory / 'import.report'}",
    ]


def run_local_import(directory: Path, multiline: bool = True) -> None:
    """Import ``directory`` into the local server of ``scripts/neo4j.sh`` (staged, then swapped in).

    Raises
    ------
    StoreUnavailableError
        The importer or the script failed (the served database is then unchanged).
    """
    if not SCRIPT.exists():
        raise StoreUnavailableError(f"{SCRIPT} is missing: run the printed neo4j-admin command instead")
    done = subprocess.run(["bash", str(SCRIPT), "import", *importer_options(directory, multiline)], check=False)
    if done.returncode != 0:
        raise StoreUnavailableError(
            f"the offline import failed (exit {done.returncode}); the served database is unchanged")


def await_schema(store, timeout: int = 3600) -> float:
    """Wait until every index (constraints' included) is online; returns the seconds waited."""
    started = time.perf_counter()
    store._driver.execute_query(f"CALL db.awaitIndexes({int(timeout)})", database_=store.database)
    return time.perf_counter() - started


def format_command(command: list[str]) -> str:
    """A command line to paste into a shell."""
    return " ".join(shlex.quote(c) for c in command)


def is_local(uri: str) -> bool:
    """Whether ``uri`` is the server ``scripts/neo4j.sh`` runs (127.0.0.1 / localhost, its port)."""
    from urllib.parse import urlsplit

    parts = urlsplit(uri)
    port = int(os.environ.get("SCOUT_NEO4J_PORT", "7687"))
    return parts.hostname in ("127.0.0.1", "localhost") and (parts.port or 7687) == port


def check_empty(store) -> None:
    """Refuse a database that holds accounts already (the importer replaces the database)."""
    if not store.is_empty():
        raise InputError(
            f"{store.display} is not empty: the offline import replaces the whole database, so it "
            "only loads an empty one; use `scout ingest` (the online path) for increments")


@dataclass
class BulkImport:
    """What :func:`bulk_import` did: the runs, counts and seconds per stage.

    ``resumed``: an earlier import, interrupted after its data was loaded, was
    finished instead (the given files were not read).
    """

    directory: Path
    runs: list[Run]
    events: int
    accounts: int
    seconds: dict[str, float]
    command: list[str]
    imported: bool
    resumed: bool = False


def bulk_import(
    store_uri: str,
    paths: Sequence[str | Path],
    kind: str,
    directory: str | Path,
    *,
    files_only: bool = False,
    report=None,
    progress=None,
    **options,
) -> BulkImport:
    """Load files into an empty Neo4j database with the offline importer.

    A database the importer loaded but whose import was not finished (killed
    before the schema, held-back events and runs were done: it still holds the
    ``ImportPending`` node) is finished instead, from the state saved in its
    import directory; the returned :attr:`BulkImport.resumed` says so.

    Parameters
    ----------
    store_uri : str
        The Neo4j store (``bolt://…``); it must be empty.
    paths : sequence of path
        X archives (``kind="jsonl"``) or edge lists (``kind="edges"``).
    directory : path
        Where the importer's files go (kept: they are the import's record).
    files_only : bool
        Only write the files (for a server of your own: run :attr:`BulkImport.command`,
        then this again without ``files_only`` to finish).
    report, progress, **options
        As for :func:`ingest.jobs.import_file` (``platform``, ``default_time``,
        ``delimiter``, ``times``, ``rejects``…); ``progress`` is called with each
        path and returns a progress display.

    Returns
    -------
    BulkImport

    Raises
    ------
    InputError
        The database is not empty, or an input cannot be read.
    StoreUnavailableError
        The server cannot be reached, or the importer failed (the served database
        is then unchanged).
    """
    from graph.neo4j_store import Neo4jStore
    from ingest.jobs import import_file
    from ingest.pipeline import listening

    directory = Path(directory)
    seconds: dict[str, float] = {}
    local = is_local(store_uri) and not files_only
    if not files_only:
        try:
            with Neo4jStore(store_uri) as store:
                pending = pending_import(store)
                if pending is None and local:
                    check_empty(store)
        except StoreUnavailableError:
            if local:
                raise
            pending = None  # a server of your own, stopped for the import: files only
        if pending is not None:
            return _resume(store_uri, pending)
    started = time.perf_counter()
    sink = ImportFiles(directory)
    runs: list[Run] = []
    try:
        # Themes are tagged once the database is up (tagging needs the store).
        with listening(()):
            for path in paths:
                display = progress(path) if progress is not None else None
                runs.append(import_file(sink, path, kind, bulk=False, batch_size=sink.BULK_BATCH_SIZE,
                                        report=report, progress=display, **options))
    finally:
        sink.close()
    for run in runs:
        run.summary["bulk_import"] = str(directory)
    _save_state(directory, sink, runs)
    seconds["files"] = time.perf_counter() - started
    command = admin_command(directory, multiline=sink.multiline)
    if not local:
        return BulkImport(directory, runs, sink.events, sink.accounts, seconds, command, imported=False)
    t = time.perf_counter()
    run_local_import(directory, sink.multiline)
    seconds["import"] = time.perf_counter() - t
    t = time.perf_counter()
    with Neo4jStore(store_uri) as store:  # creates the constraints and indexes
        await_schema(store)
        seconds["schema"] = time.perf_counter() - t
        t = time.perf_counter()
        _finish(store, sink.held_back, runs)
        seconds["finish"] = time.perf_counter() - t
    return BulkImport(directory, runs, sink.events, sink.accounts, seconds, command, imported=True)


# -- an import's state, so that a kill after the load can be finished -------------------------
PENDING_FILE = "pending.csv"
STATE_FILE = "state.json"
HELD_BACK_FILE = "held-back.parquet"
#: Label of the one node the importer loads with the data and :func:`_finish`
#: deletes last: while it exists, the load is not finished (see :func:`bulk_import`).
PENDING_LABEL = "ImportPending"


def _save_state(directory: Path, sink: ImportFiles, runs: list[Run]) -> None:
    """What :func:`_finish` needs besides the database, and the marker node's file."""
    if sink.held_back:
        pd.concat(sink.held_back, ignore_index=True).to_parquet(directory / HELD_BACK_FILE, index=False)
    else:
        (directory / HELD_BACK_FILE).unlink(missing_ok=True)
    state = {"runs": [_run_state(r) for r in runs], "events": sink.events, "accounts": sink.accounts}
    tmp = directory / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state), encoding="utf-8")
    tmp.replace(directory / STATE_FILE)
    with open(directory / PENDING_FILE, "wb") as f:
        f.write(_header([f"id:ID({PENDING_LABEL})", "directory"]))
        _write_csv({"id": pa.array(["bulk-import"]), "directory": pa.array([str(directory.resolve())])}, f)


def _run_state(run: Run) -> dict:
    state = asdict(run)
    for k in ("started_at", "finished_at"):
        state[k] = state[k].isoformat() if state[k] is not None else None
    return state


def _run_from_state(state: dict) -> Run:
    for k in ("started_at", "finished_at"):
        if state.get(k) is not None:
            state[k] = datetime.fromisoformat(state[k])
    return Run(**state)


def pending_import(store) -> Path | None:
    """The directory of a bulk import loaded into ``store`` but not finished, if any."""
    found = store._driver.execute_query(
        f"MATCH (p:{PENDING_LABEL}) RETURN p.directory AS d LIMIT 1", database_=store.database
    ).records
    return Path(found[0]["d"]) if found else None


def _resume(store_uri: str, directory: Path) -> BulkImport:
    """Finish an import whose data is loaded: schema, held-back events, aliases, themes, runs."""
    from graph.neo4j_store import Neo4jStore

    state_file = directory / STATE_FILE
    if not state_file.exists():
        raise InputError(
            f"a bulk import into this database was interrupted after its data was loaded, and its "
            f"state ({state_file}) is gone: the interactions are all there but the runs cannot be "
            f"recorded. Delete the marker (MATCH (p:{PENDING_LABEL}) DELETE p), or start again: "
            "scripts/neo4j.sh reset, then scout import")
    state = json.loads(state_file.read_text(encoding="utf-8"))
    runs = [_run_from_state(r) for r in state["runs"]]
    held = directory / HELD_BACK_FILE
    held_back = [pd.read_parquet(held)] if held.exists() else []
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    with Neo4jStore(store_uri) as store:
        await_schema(store)
        seconds["schema"] = time.perf_counter() - t
        t = time.perf_counter()
        _finish(store, held_back, runs)
        seconds["finish"] = time.perf_counter() - t
    return BulkImport(directory, runs, state["events"], state["accounts"], seconds, [], imported=True,
                      resumed=True)


def _finish(store, held_back: list[pd.DataFrame], runs: list[Run]) -> None:
    """After the import: held-back events online, aliases merged, themes tagged, runs recorded.

    Each step is idempotent (a duplicate is not written twice, a run is saved by
    id), and the marker node goes last: a kill in here is finished by the next run.
    """
    from graph.listening import load_themes, tag_store
    from ingest.x_aliases import merge_handle_aliases

    for frame in held_back:
        # Possible duplicates (a hash seen before): the online path tells a true
        # duplicate (nothing written) from two identities that share a hash.
        events = frame.drop(columns=["key"]).assign(at=pd.to_datetime(frame["at"], unit="ms", utc=True))
        inserted = store.write_batch([], events).inserted
        if inserted and runs:
            runs[-1].inserted += inserted
            runs[-1].duplicates -= inserted
    merged = merge_handle_aliases(store)
    themes = load_themes()
    if themes:
        tag_store(store, themes)
    for run in runs:
        if merged:
            run.summary["handles_resolved"] = run.summary.get("handles_resolved", 0) + merged
            merged = 0
        store.save_run(run)
    store._driver.execute_query(f"MATCH (p:{PENDING_LABEL}) DELETE p", database_=store.database)
