"""Ingest jobs: one call per file or X query, recorded as a run.

These are what the CLI (``scout ingest …``), the app's Data page and
``scout refresh`` call; they differ only in how they show progress.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path

from graph.errors import InputError
from graph.model import DEFAULT_TIMES, Run, TimeWindow
from graph.runs import close_stale_runs, new_run, recorded_run
from graph.store import DEFAULT_BATCH_SIZE, GraphStore
from ingest.pipeline import Chunk, Progress, RejectLog, run_ingest
from ingest.sources import open_input

#: Kinds of file :func:`import_file` reads (``replay``: raw archives of any connector).
FILE_KINDS = ("jsonl", "edges", "accounts", "roster", "crm", "replay")
#: Company sources :func:`import_source` reads (exports, mailboxes, message dumps).
SOURCE_KINDS = ("slack", "mail", "teams", "engage", "linkedin")
#: Endpoints :func:`fetch_x` knows.
X_ENDPOINTS = ("search", "archive", "mentions", "timeline")


def import_file(
    store: GraphStore,
    path: str | Path,
    kind: str,
    *,
    name: str | None = None,
    platform: str | None = None,
    delimiter: str | None = None,
    default_time: datetime | None = None,
    replace: bool = False,
    strict: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    report: Callable[[str], None] | None = None,
    progress: Progress | None = None,
    times: TimeWindow | None = DEFAULT_TIMES,
    rejects: str | Path | None = None,
    force: bool = False,
    bulk: bool | None = None,
) -> Run:
    """Ingest one file and record the run.

    Parameters
    ----------
    store : GraphStore
    path : str or Path
        The file (plain or ``.gz``; ``-`` is standard input).
    kind : {"jsonl", "edges", "accounts", "roster", "crm", "replay"}
        X archive, CSV edge list, account profiles, company roster, CRM list, or
        a raw archive of any network (``data/raw/<platform>/…``, see
        :func:`ingest.replay.iter_replay_chunks`).
    name : str, optional
        How the file is named in the run and in ``file:line`` messages
        (e.g. an uploaded file's own name instead of its temporary path).
    platform, delimiter, default_time
        Edge lists and account files: the platform of rows without one, the
        CSV delimiter (default: sniffed), the time of rows without a timestamp.
    replace : bool
        Roster / CRM: drop the previous list first. An empty replacement (a
        header-only file) is refused unless ``force``: it would turn every
        employee external (or every customer a stranger).
    strict : bool
        Stop at the first bad line with nothing from this file written.
    batch_size : int
        Interactions per write transaction.
    report : callable, optional
        Called with each ``file:line: reason`` as it is found.
    progress : Progress, optional
        Running totals; ``set_total(bytes)`` is called first when it has it.
    times : TimeWindow, optional
        The times interactions may carry (``None``: the widest range).
    rejects : str or Path, optional
        Append every rejected record's ``file:line: reason`` to this file.
    force : bool
        Allow an empty ``replace``.
    bulk : bool, optional
        X archives and edge lists: load in the store's bulk mode, with batches of
        at least ``store.BULK_BATCH_SIZE``; default (``None``): when
        :func:`wants_bulk` says so.

    Returns
    -------
    Run
        Saved with status ``ok``, or ``partial`` when lines were rejected.

    Raises
    ------
    InputError
        Unreadable, binary or empty file, or a bad line in strict mode; the run
        is saved as ``failed`` first.
    ValueError
        An unknown ``kind``.
    """
    if kind not in FILE_KINDS:
        raise ValueError(f"unknown file kind {kind!r}; one of {', '.join(FILE_KINDS)}")
    label = name or str(path)
    run = new_run(f"{kind}:{label}")
    close_stale_runs(store)

    def note(message: str) -> None:
        if name is not None:
            message = message.replace(str(path), name)
        if report is not None:
            report(message)

    if kind in ("jsonl", "edges", "replay", "accounts"):
        def chunks() -> Iterator[Chunk]:
            # Opened inside the run, so that an unreadable file is a failed run.
            with open_input(path) as inp:
                if name is not None:
                    inp.name = name
                set_total = getattr(progress, "set_total", None)
                if set_total is not None:
                    set_total(inp.size)
                from ingest.child_reader import file_chunks

                if kind == "jsonl":
                    from ingest.jsonl import iter_x_chunks

                    yield from file_chunks(inp, path, kind, iter_x_chunks)
                elif kind == "replay":
                    from ingest.replay import iter_replay_chunks

                    yield from iter_replay_chunks(inp)
                elif kind == "accounts":
                    from ingest.people import iter_account_chunks

                    yield from file_chunks(inp, path, kind, iter_account_chunks, platform, delimiter, note=note)
                else:
                    from ingest.csv_edges import iter_edge_chunks

                    yield from file_chunks(inp, path, kind, iter_edge_chunks, platform, default_time, delimiter,
                                           note=note)

        from ingest.x_aliases import HandleResolver

        resolver = HandleResolver(store)
        if bulk is None:
            bulk = wants_bulk(store, path, kind)
        if bulk:
            batch_size = max(batch_size, store.BULK_BATCH_SIZE)
            run.summary["bulk"] = True
        try:
            with store.bulk_load(defer_identity=True) if bulk else nullcontext():
                run = run_ingest(
                    store,
                    run.source,
                    # Profiles name no one else: handle-only accounts are merged after the run.
                    _prepared(store, chunks() if kind == "accounts" else resolver.apply(chunks())),
                    batch_size=batch_size,
                    strict=strict,
                    report=note,
                    progress=progress,
                    run=run,
                    keep_cursor=False,
                    times=times,
                    rejects=rejects,
                )
        finally:
            if bulk:
                _count_removed_repeats(store, run)
        if kind == "accounts":
            # What an accounts file inserts is accounts (profiles upserted), not events.
            run.inserted = int(run.summary.get("accounts", 0))
            store.save_run(run)
        return _merge_aliases(store, run, resolver)
    run = _import_people(store, path, kind, run, name, delimiter, replace, strict, note, rejects, force)
    return _merge_aliases(store, run, None)


#: Files at least this big (bytes, uncompressed size unknown: as stored) load in bulk mode
#: into a store that is empty or nearly so (:func:`wants_bulk`).
BULK_MIN_BYTES = {"edges": 8 << 20, "jsonl": 64 << 20}
#: "Nearly empty": at most this many interactions stored.
BULK_MAX_STORED = 50_000


def wants_bulk(store: GraphStore, path: str | Path, kind: str) -> bool:
    """Whether importing ``path`` should use the store's bulk mode (:meth:`GraphStore.bulk_load`).

    Yes for a big file (:data:`BULK_MIN_BYTES`) into a store holding at most
    :data:`BULK_MAX_STORED` interactions: deferring index upkeep pays when most
    of the store is about to arrive. Bulk mode keeps every guarantee of the
    ordinary path (one transaction per batch, idempotent, resumable; see each
    store's ``bulk_load``), with bigger batches.
    """
    if str(path) == "-" or kind not in BULK_MIN_BYTES:
        return False
    try:
        size = Path(path).stat().st_size
    except OSError:
        return False
    return size >= BULK_MIN_BYTES[kind] and store.size_hint() <= BULK_MAX_STORED


def _count_removed_repeats(store: GraphStore, run: Run) -> None:
    """Events a deferred identity index found repeated were counted as inserted: recount them."""
    removed = store.bulk_repeats
    if removed:
        run.inserted -= removed
        run.duplicates += removed
        store.save_run(run)


def _prepared(store: GraphStore, chunks: Iterator[Chunk]) -> Iterator[Chunk]:
    """The chunks of an import without what opted-out people said or received."""
    from ingest.privacy import OptOutFilter

    return OptOutFilter(store).apply(chunks)


def _merge_aliases(store: GraphStore, run: Run, resolver) -> Run:
    """After an import: fold ``x:@name`` accounts into the ``x:<id>`` now known, keep opt-outs out."""
    from ingest.privacy import apply_opt_outs
    from ingest.x_aliases import merge_handle_aliases

    merged = merge_handle_aliases(store)
    forgotten = apply_opt_outs(store)
    if merged or forgotten or (resolver is not None and resolver.rewritten):
        run.summary["handles_resolved"] = (resolver.rewritten if resolver else 0) + merged
        if forgotten:
            run.summary["opted_out_accounts_forgotten"] = forgotten
        store.save_run(run)
    return run


def _import_people(
    store: GraphStore,
    path: str | Path,
    kind: str,
    run: Run,
    name: str | None,
    delimiter: str | None,
    replace: bool,
    strict: bool,
    note: Callable[[str], None],
    rejects: str | Path | None = None,
    force: bool = False,
) -> Run:
    """Rosters and CRM lists are small: read whole, then written in one call (``replace``
    swaps the whole list)."""
    from ingest import people

    if rejects is not None:
        run.summary["rejects"] = str(rejects)
    log = RejectLog(run, note, rejects)
    try:
        with recorded_run(store, run, close_stale=False):
            with open_input(path) as inp:
                if name is not None:
                    inp.name = name
                if kind == "roster":
                    result = people.read_roster(inp, delimiter, None)
                else:
                    result = people.read_crm(inp, delimiter, None)
            run.read = len(result.rows) + len(result.errors)
            if result.errors and strict:
                raise InputError(f"{result.errors[0]} (--strict: nothing from this input was written)")
            log.add(result.errors)
            if replace and not result.items and not force:
                raise InputError(
                    f"{name or path}: no {kind} rows to replace the current list with; "
                    "nothing was changed (use --force to empty it)"
                )
            if kind == "roster":
                run.summary["internal_accounts"] = store.set_roster(result.items, replace=replace)
                run.summary["replace"] = replace
            else:
                run.summary["crm_accounts"] = store.set_crm(result.items, replace=replace)
                run.summary["replace"] = replace
            run.inserted = len(result.rows)
            if run.rejected and run.rejected == run.read:
                run.status = "failed"
                run.errors.append(f"every record was rejected ({run.rejected:,})")
    finally:
        log.close()
    return run


def x_source_name(endpoint: str, value: str) -> str:
    """The source name of an X query, which keys its cursor.

    ``--archive`` shares its query's source (and cursor) with recent search;
    handles are case-insensitive.

    Examples
    --------
    >>> x_source_name("archive", "acme lang:en")
    'x:search:acme lang:en'
    >>> x_source_name("mentions", "@AcmeHQ")
    'x:mentions:acmehq'
    """
    if endpoint in ("mentions", "timeline"):
        return f"x:{endpoint}:{value.lstrip('@').lower()}"
    return f"x:search:{value}"


def fetch_x(
    store: GraphStore,
    endpoint: str,
    value: str,
    *,
    since: str | None = None,
    max_posts: int | None = None,
    raw_dir: str | Path | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    report: Callable[[str], None] | None = None,
    progress: Progress | None = None,
    waiter: Callable[[float, str], None] | None = None,
    token: str | None = None,
) -> Run:
    """Fetch posts from the X API v2 incrementally, archive every raw page, ingest them.

    Parameters
    ----------
    endpoint : {"search", "archive", "mentions", "timeline"}
        Recent search, full-archive search, a handle's mentions or its timeline.
    value : str
        The query (search/archive) or the handle (mentions/timeline).
    since : str, optional
        A post id or ISO date; default: after the newest post of the last
        successful run of the same source (its cursor).
    max_posts : int, optional
        Stop after at least this many posts.
    raw_dir : str or Path, optional
        Where raw pages are appended before parsing (default ``data/raw``).
    waiter : callable, optional
        ``waiter(seconds, reason)`` sleeps through a rate limit (a countdown).
    token : str, optional
        Bearer token; default from ``X_BEARER_TOKEN`` / ``BEARER_TOKEN``.

    Returns
    -------
    Run
        The run, whose cursor is the newest post id seen.

    Raises
    ------
    InputError
        No token, or the API refused it (401/403): the message names the variable.
    ScoutError
        The API failed after retries.
    """
    from ingest.x_api import (
        RawArchive,
        RetryPolicy,
        ScoutClient,
        Since,
        archived_chunks,
        bearer_token,
        fetch_pages,
        lookup_user,
        page_chunk,
    )

    if endpoint not in X_ENDPOINTS:
        raise ValueError(f"unknown X endpoint {endpoint!r}; one of {', '.join(X_ENDPOINTS)}")
    handle = value.lstrip("@") if endpoint in ("mentions", "timeline") else None
    query = value if handle is None else None
    source = x_source_name(endpoint, value)
    token = token or bearer_token()
    close_stale_runs(store)
    previous = store.last_cursor(source)
    since_obj = Since.parse(since) if since else Since(since_id=previous)
    retry = RetryPolicy(waiter=waiter) if waiter is not None else RetryPolicy()
    client = ScoutClient(token, retry=retry)
    archive = RawArchive(raw_dir, source)
    run = new_run(source)
    run.summary.update(
        {
            "endpoint": endpoint,
            "since": since_obj.since_id or since_obj.start_time,
            "raw_dir": str(archive.folder),
        }
    )

    def chunks() -> Iterator[Chunk]:
        user_id = None
        if handle is not None:
            page = lookup_user(client, handle)
            path, line = archive.append(page, client.last_url)
            user_id = page["data"]["id"]
            yield page_chunk(page, f"{path}:{line}")
        pages = fetch_pages(
            client, endpoint, query=query, user_id=user_id, since=since_obj, max_posts=max_posts
        )
        yield from archived_chunks(pages, archive, client)
        run.summary["requests"] = client.requests_made

    from ingest.x_aliases import HandleResolver

    resolver = HandleResolver(store)
    try:
        run = run_ingest(
            store,
            source,
            _prepared(store, resolver.apply(chunks())),
            batch_size=batch_size,
            report=report,
            progress=progress,
            cursor=previous,
            run=run,
        )
    finally:
        archive.close()
    return _merge_aliases(store, run, resolver)


def fetch_platform(
    store: GraphStore,
    platform: str,
    endpoint: str,
    value: str,
    *,
    since: str | None = None,
    max_posts: int | None = None,
    options: dict | None = None,
    raw_dir: str | Path | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    report: Callable[[str], None] | None = None,
    progress: Progress | None = None,
    waiter: Callable[[float, str], None] | None = None,
    environ: dict[str, str] | None = None,
) -> Run:
    """Fetch from a network's API incrementally, archive every raw response, ingest them.

    The one job behind ``scout ingest <platform> <endpoint> VALUE``, the
    ``[[sources.<platform>]]`` entries of a refresh and the app's fetch form, for
    every connector of :data:`ingest.connectors.CONNECTORS`.

    Parameters
    ----------
    platform : str
        A registered connector (``youtube``, ``mastodon``, ``bluesky``…).
    endpoint : str
        One of the connector's endpoints (``channel``, ``tag``, ``search``…).
    value : str
        What to fetch (a channel id, a hashtag, a query…).
    since : str, optional
        An ISO date (or what the connector's ``since_cursor`` reads); default: the
        cursor of the last successful run of the same source.
    max_posts : int, optional
        Stop after at least this many posts.
    options : dict, optional
        The connector's extra options (``instance``…).
    raw_dir : str or Path, optional
        Where raw responses are appended before parsing (default ``data/raw``).
    waiter : callable, optional
        ``waiter(seconds, reason)`` sleeps through a rate limit (a countdown).
    environ : dict, optional
        Where credentials are read (default ``os.environ``); never logged.

    Returns
    -------
    Run
        The run, whose cursor is the newest cursor value seen (kept when nothing
        new came in).

    Raises
    ------
    InputError
        Unknown platform or endpoint, a bad value, missing or refused credentials
        (the message names the variables).
    ScoutError
        The API failed after retries; what was fetched until then is written.
    """
    import os

    from ingest.connectors import archived_chunks, connector
    from ingest.raw_archive import RawArchive
    from ingest.retry import RetryPolicy

    conn = connector(platform)
    conn.endpoint(endpoint)
    opts = {o.name: o.default for o in conn.options}
    opts.update({k: v for k, v in (options or {}).items() if v is not None})
    unknown = sorted(set(opts) - {o.name for o in conn.options})
    if unknown:
        raise InputError(f"{platform}: unknown option(s) {', '.join(unknown)}")
    env = dict(os.environ if environ is None else environ)
    value = conn.normalize_value(endpoint, value, opts)
    source = conn.source_name(endpoint, value, opts)
    close_stale_runs(store)
    previous = store.last_cursor(source)
    cursor = conn.since_cursor(since) if since else previous
    retry = RetryPolicy(waiter=waiter) if waiter is not None else RetryPolicy()
    client = conn.client(opts, retry, env)
    archive = RawArchive(raw_dir, source)
    run = new_run(source)
    run.summary.update({"platform": platform, "endpoint": endpoint, "since": cursor,
                        "raw_dir": str(archive.folder)})

    def chunks() -> Iterator[Chunk]:
        responses = conn.fetch(client, endpoint, value, cursor=cursor, max_posts=max_posts,
                               options=opts)
        yield from archived_chunks(conn, responses, archive)
        run.summary["responses"] = archive.pages

    try:
        run = run_ingest(store, source, _prepared(store, chunks()), batch_size=batch_size,
                         report=report, progress=progress, cursor=previous, run=run)
    finally:
        archive.close()
    return _merge_aliases(store, run, None)


def import_source(
    store: GraphStore,
    paths: str | Path | list[str | Path],
    kind: str,
    *,
    name: str | None = None,
    internal_domains: tuple[str, ...] = (),
    subjects: bool = False,
    member: str | None = None,
    strict: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    report: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> Run:
    """Ingest a company source (Slack export, mailboxes, Teams, Viva Engage, an employee's
    LinkedIn export) as one run.

    Parameters
    ----------
    store : GraphStore
    paths : path or list of paths
        Slack / Viva Engage: one export (``.zip`` or folder); mail: mbox files,
        Maildir folders, folders of ``.eml`` files or ``.eml`` files; Teams: one
        JSON Lines file of ``chatMessage`` objects; LinkedIn: a member's export
        (``.zip``, folder, ``messages.csv`` or ``Connections.csv``).
    kind : {"slack", "mail", "teams", "engage", "linkedin"}
    name : str, optional
        How the input is named in the run (default: the paths).
    internal_domains : tuple of str
        Mail: addresses in these domains are the company's people (roster rows).
    subjects : bool
        Mail: keep subjects as the evidence text (default: headers only, no subject).
    member : str, optional
        LinkedIn: the exporting member's profile URL or vanity name (default: the
        one person in every conversation of ``messages.csv``).
    strict, batch_size, report, progress
        As for :func:`import_file`.

    Returns
    -------
    Run
        ``ok``, or ``partial`` when records were rejected; what the source
        tells about people (addresses, bots) is recorded after the interactions.

    Raises
    ------
    InputError
        The input cannot be opened or is not of the kind (the run is saved as
        ``failed``), or a bad record in strict mode.
    """
    if kind not in SOURCE_KINDS:
        raise ValueError(f"unknown source kind {kind!r}; one of {', '.join(SOURCE_KINDS)}")
    from ingest import sources_company

    path_list = [paths] if isinstance(paths, str | Path) else list(paths)
    run = new_run(f"{kind}:{name or ', '.join(str(p) for p in path_list)}")
    close_stale_runs(store)
    reader = sources_company.reader(kind, path_list, internal_domains=internal_domains,
                                    subjects=subjects, store=store, member=member, name=name)

    def chunks() -> Iterator[Chunk]:
        # Opened inside the run, so that an unreadable input is a failed run.
        reader.open()
        set_total = getattr(progress, "set_total", None)
        if set_total is not None and reader.size:
            set_total(reader.size)
        yield from reader.chunks()

    try:
        run = run_ingest(
            store, run.source, _prepared(store, chunks()), batch_size=batch_size, strict=strict,
            report=report, progress=progress, run=run, keep_cursor=False,
        )
        # After the interactions: a run killed before this point leaves them
        # stored, and the next run (idempotent) records these again.
        run.summary.update(reader.finish(store))
        store.save_run(run)
    finally:
        reader.close()
    return _merge_aliases(store, run, None)
