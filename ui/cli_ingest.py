"""``scout ingest …``: a thin layer over :mod:`ingest`.

Each command reads its input, writes it to the store in batches, records a run
and prints one summary line on stdout (``--json``: one JSON object per input).
Bad records are reported on stderr as ``file:line: reason`` and skipped;
``--strict`` stops at the first one with nothing from that input written.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import click

from graph.errors import InputError
from graph.store import DEFAULT_BATCH_SIZE, GraphStore
from ingest.pipeline import (
    run_summary,
    summary_line,
)
from ingest.progress import RichProgress, stderr_console


def _input_options(fn: Callable) -> Callable:
    """Options of every file import: where rejects go, and the time rule."""
    fn = click.option(
        "--rejects", "rejects", type=click.Path(dir_okay=False, writable=True), default=None,
        metavar="FILE", help="Write every rejected record (file:line: reason) to FILE.",
    )(fn)
    return fn


def _bulk_option(fn: Callable) -> Callable:
    return click.option(
        "--bulk/--no-bulk", default=None,
        help="Load in the store's bulk mode (deferred index upkeep, big batches; still one "
             "transaction per batch). Default: for a big file into an empty or nearly empty store.",
    )(fn)


def _time_option(fn: Callable) -> Callable:
    return click.option(
        "--any-time", is_flag=True,
        help="Accept interaction times from 1970 to 2200 (default: 2000-01-01 to now + 1 day).",
    )(fn)


def _times(any_time: bool):
    from graph.model import ANY_TIME, DEFAULT_TIMES

    return ANY_TIME if any_time else DEFAULT_TIMES


def _start_rejects(rejects: str | None) -> None:
    """Start ``--rejects FILE`` empty (each input's run appends to it)."""
    if rejects is not None:
        try:
            Path(rejects).write_text("", encoding="utf-8")
        except OSError as exc:
            raise InputError(f"--rejects {rejects}: cannot write: {exc.strerror or exc}") from None


def _exit_if_failed(runs: list) -> None:
    """Exit with the bad-input status when a run rejected every record it read."""
    if any(r.status == "failed" for r in runs):
        click.get_current_context().exit(InputError.exit_code)


def _common(fn: Callable) -> Callable:
    """Options every ingest command shares."""
    fn = click.option(
        "--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout (one object per input)."
    )(fn)
    fn = click.option(
        "--progress/--no-progress",
        default=None,
        help="Show a progress bar on stderr (default: when stderr is a terminal).",
    )(fn)
    return fn


def _strict_option(fn: Callable) -> Callable:
    return click.option(
        "--strict", is_flag=True, help="Stop at the first bad record; nothing from that file is written."
    )(fn)


def _batch_option(fn: Callable) -> Callable:
    return click.option(
        "--batch-size",
        type=click.IntRange(min=1),
        default=DEFAULT_BATCH_SIZE,
        show_default=True,
        help="Interactions per write transaction.",
    )(fn)


def _show_progress(flag: bool | None) -> bool:
    return sys.stderr.isatty() if flag is None else flag


def _emit(run, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(run_summary(run), ensure_ascii=False, default=str))
    else:
        click.echo(summary_line(run))


def _ingest_files(
    store: GraphStore,
    files: tuple[str, ...],
    kind: str,
    *,
    strict: bool,
    batch_size: int,
    as_json: bool,
    progress: bool | None,
    unit: str,
    **options,
) -> None:
    """Ingest each file as its own run; go on after a file that cannot be read."""
    from ingest.jobs import import_file

    _start_rejects(options.get("rejects"))
    failures = 0
    for path in files:
        display = RichProgress(
            f"{kind} {path}", enabled=_show_progress(progress), unit=unit, console=stderr_console()
        )
        try:
            run = import_file(
                store, path, kind, strict=strict, batch_size=batch_size,
                report=display.print, progress=display, **options,
            )
        except InputError as exc:
            failures += 1
            if strict or len(files) == 1:
                raise
            click.echo(f"scout: error: {exc}", err=True)
            continue
        _emit(run, as_json)
        if run.status == "failed":
            failures += 1
            click.echo(f"scout: error: {run.source}: every record was rejected", err=True)
    if failures:
        click.get_current_context().exit(InputError.exit_code)


@click.group()
@click.pass_context
def ingest(ctx) -> None:
    """Load data: X and other networks (APIs, archives), edge lists, accounts, roster, CRM,
    Slack, mail, Teams, Viva Engage.

    When scout.toml (or $SCOUT_CONFIG) has [listening] themes, new interactions
    are tagged with them as they are written (every ingest path does: the CLI, the
    app, `scout load-sample`, the refresh).
    """


# -- files ----------------------------------------------------------------------------------------


@ingest.command("jsonl")
@click.argument("files", nargs=-1, required=True, metavar="FILE…")
@_strict_option
@_batch_option
@_bulk_option
@_time_option
@_input_options
@_common
@click.pass_obj
def ingest_jsonl(app, files, strict, batch_size, bulk, any_time, rejects, as_json, progress) -> None:
    """Import X archives (JSON Lines, plain or .gz; '-' for stdin).

    Each line may be an API v2 page (as saved by twarc2 or Scout), a v2 tweet,
    a twarc2 flattened tweet, a v1.1 tweet or a user object; a file starting
    with a lone '[' or '{' is read as one JSON document.

    \b
    Example:
      scout ingest jsonl data/raw/x/search-acme-*/2024-05-01.jsonl tweets.jsonl.gz
    """
    _ingest_files(
        app.store(),
        files,
        "jsonl",
        strict=strict,
        batch_size=batch_size,
        as_json=as_json,
        progress=progress,
        unit="posts",
        times=_times(any_time),
        rejects=rejects,
        bulk=bulk,
    )


@ingest.command("edges")
@click.argument("files", nargs=-1, required=True, metavar="FILE.csv…")
@click.option("--platform", default=None, help="Platform of rows without one (default: generic).")
@click.option("--delimiter", default=None, help="Field delimiter (default: sniffed).")
@click.option(
    "--default-time",
    default=None,
    metavar="TIME",
    help="Time of rows without a timestamp (ISO 8601 or unix seconds); otherwise they are rejected.",
)
@_strict_option
@_batch_option
@_bulk_option
@_time_option
@_input_options
@_common
@click.pass_obj
def ingest_edges(
    app, files, platform, delimiter, default_time, strict, batch_size, bulk, any_time, rejects, as_json,
    progress,
) -> None:
    """Import edge lists (source,target CSV files).

    Optional columns: kind (default mention), timestamp (ISO 8601 or unix
    seconds; rows without one are rejected unless --default-time is given),
    platform, post_id, text, topics (;-separated), weight.

    \b
    Example:
      scout ingest edges slack-mentions.csv --platform slack
    """
    from ingest.csv_edges import parse_default_time

    _ingest_files(
        app.store(),
        files,
        "edges",
        platform=platform,
        delimiter=delimiter,
        default_time=parse_default_time(default_time),
        strict=strict,
        batch_size=batch_size,
        as_json=as_json,
        progress=progress,
        unit="rows",
        times=_times(any_time),
        rejects=rejects,
        bulk=bulk,
    )


def _people_run(app, kind: str, path: str, strict: bool, as_json: bool, **options) -> None:
    """Import one people file (accounts, roster or CRM list) as a run."""
    from ingest.jobs import import_file

    console = stderr_console()
    _start_rejects(options.get("rejects"))
    run = import_file(
        app.store(), path, kind, strict=strict,
        report=lambda m: console.print(m, markup=False, highlight=False), **options,
    )
    _emit(run, as_json)
    if run.status == "failed":
        click.echo(f"scout: error: {run.source}: every record was rejected", err=True)
    _exit_if_failed([run])


@ingest.command("accounts")
@click.argument("file")
@click.option("--platform", default=None, help="Platform of rows without one (default: generic).")
@click.option("--delimiter", default=None, help="Field delimiter (default: sniffed).")
@_strict_option
@_input_options
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.pass_obj
def ingest_accounts(app, file, platform, delimiter, strict, rejects, as_json) -> None:
    """Import account profiles (CSV).

    Columns: platform, handle or id, name, followers, following, posts,
    created_at, verified, bio, url.
    """
    _people_run(app, "accounts", file, strict, as_json, platform=platform, delimiter=delimiter,
                rejects=rejects)


@ingest.command("roster")
@click.argument("file")
@click.option("--replace", is_flag=True, help="Drop the previous roster first (people who left).")
@click.option("--delimiter", default=None, help="Field delimiter (default: sniffed).")
@click.option("--force", is_flag=True, help="With --replace: accept a file without rows (empties the list).")
@_strict_option
@_input_options
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.pass_obj
def ingest_roster(app, file, replace, delimiter, force, strict, rejects, as_json) -> None:
    """Import the company roster (CSV): who works for the company.

    Columns: handle (with optional platform) or email, name, department, manager.
    """
    _people_run(app, "roster", file, strict, as_json, replace=replace, delimiter=delimiter,
                force=force, rejects=rejects)


@ingest.command("crm")
@click.argument("file")
@click.option("--replace", is_flag=True, help="Drop the previous CRM list first.")
@click.option("--delimiter", default=None, help="Field delimiter (default: sniffed).")
@click.option("--force", is_flag=True, help="With --replace: accept a file without rows (empties the list).")
@_strict_option
@_input_options
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.pass_obj
def ingest_crm(app, file, replace, delimiter, force, strict, rejects, as_json) -> None:
    """Import customers and prospects (CSV).

    Columns: handle, status (customer or prospect), optional platform, company.
    """
    _people_run(app, "crm", file, strict, as_json, replace=replace, delimiter=delimiter,
                force=force, rejects=rejects)


# -- company channels --------------------------------------------------------------------------


def _source_run(app, kind: str, paths: tuple[str, ...], strict: bool, batch_size: int,
                as_json: bool, progress: bool | None, unit: str, **options) -> None:
    """Ingest one company source as one run, with a progress bar and file:member errors."""
    from ingest.jobs import import_source

    label = paths[0] if len(paths) == 1 else f"{len(paths)} inputs"
    display = RichProgress(
        f"{kind} {label}", enabled=_show_progress(progress), unit=unit, console=stderr_console()
    )
    run = import_source(
        app.store(), list(paths), kind, strict=strict, batch_size=batch_size,
        report=display.print, progress=display, **options,
    )
    _emit(run, as_json)


@ingest.command("slack")
@click.argument("export", metavar="EXPORT.zip|DIR")
@_strict_option
@_batch_option
@_common
@click.pass_obj
def ingest_slack(app, export, strict, batch_size, as_json, progress) -> None:
    """Import a Slack workspace export (the .zip or its unpacked folder).

    Thread replies, <@user> mentions, reactions and direct messages become
    interactions; the channel name is their topic; bots are tagged automated.
    Importing a newer export of the same workspace adds only what is new.

    \b
    Example:
      scout ingest slack "Acme Slack export Jan 1 2026 - Mar 31 2026.zip"
    """
    _source_run(app, "slack", (export,), strict, batch_size, as_json, progress, "messages")


@ingest.command("mail")
@click.argument("paths", nargs=-1, required=True, metavar="PATH…")
@click.option(
    "--internal-domain", "internal_domains", multiple=True, metavar="DOMAIN",
    help="Addresses in this domain are the company's people (repeatable).",
)
@click.option("--subjects", is_flag=True, help="Keep subjects as evidence (default: headers only, no subject).")
@_strict_option
@_batch_option
@_common
@click.pass_obj
def ingest_mail(app, paths, internal_domains, subjects, strict, batch_size, as_json, progress) -> None:
    """Import e-mail headers from mbox files, Maildir folders and folders of .eml files.

    From → each To/Cc is a message weighted 1/number of recipients; a reply to
    a known Message-ID is a reply to its sender. Bodies are never read;
    subjects are kept only with --subjects. Deduplicated by Message-ID.

    \b
    Example:
      scout ingest mail ~/Mail/archive.mbox ~/Maildir --internal-domain acme.example
    """
    domains = tuple(d.strip().lstrip("@").lower() for d in internal_domains if d.strip())
    _source_run(app, "mail", paths, strict, batch_size, as_json, progress, "mails",
                internal_domains=domains, subjects=subjects)


@ingest.command("teams")
@click.argument("file", metavar="FILE.jsonl")
@_strict_option
@_batch_option
@_common
@click.pass_obj
def ingest_teams(app, file, strict, batch_size, as_json, progress) -> None:
    """Import Microsoft Teams channel messages (Graph API chatMessage objects, one per line).

    replyToId → reply to the parent's author, mentions → mention, reactions →
    react; system messages are skipped.
    """
    _source_run(app, "teams", (file,), strict, batch_size, as_json, progress, "messages")


@ingest.command("engage")
@click.argument("export", metavar="EXPORT.zip|DIR")
@_strict_option
@_batch_option
@_common
@click.pass_obj
def ingest_engage(app, export, strict, batch_size, as_json, progress) -> None:
    """Import a Viva Engage (Yammer) network data export (Messages.csv, Users.csv).

    replied_to_id → reply to the replied-to message's sender; the group name is
    the topic.
    """
    _source_run(app, "engage", (export,), strict, batch_size, as_json, progress, "messages")


# -- the X API -------------------------------------------------------------------------------------


@ingest.group("x")
def ingest_x() -> None:
    """Fetch from the X API v2 (bearer token in X_BEARER_TOKEN).

    Every page is archived under data/raw/x/ (or --raw-dir / SCOUT_RAW_DIR)
    before it is parsed. Runs are incremental: the next run of the same
    source starts after the newest post the last one saw.
    """


def _x_options(fn: Callable) -> Callable:
    fn = click.option(
        "--since",
        default=None,
        metavar="ID|DATE",
        help="Only posts after this post id or ISO date (default: where the last run stopped).",
    )(fn)
    fn = click.option(
        "--max", "max_posts", type=click.IntRange(min=1), default=None, help="Stop after at least N posts."
    )(fn)
    fn = click.option(
        "--raw-dir",
        envvar="SCOUT_RAW_DIR",
        default=None,
        type=click.Path(file_okay=False),
        help="Where raw pages are archived (default: data/raw).",
    )(fn)
    return _batch_option(_common(fn))


def _run_x(app, endpoint: str, value: str, *, since, max_posts, raw_dir, batch_size, as_json,
           progress) -> None:
    from ingest.jobs import fetch_x, x_source_name

    display = RichProgress(
        x_source_name(endpoint, value), enabled=_show_progress(progress), unit="posts"
    )
    run = fetch_x(
        app.store(), endpoint, value, since=since, max_posts=max_posts, raw_dir=raw_dir,
        batch_size=batch_size, report=display.print, progress=display, waiter=display.wait,
    )
    _emit(run, as_json)


@ingest_x.command("search")
@click.argument("query")
@click.option("--archive", "full_archive", is_flag=True,
              help="Full-archive search (search_all_tweets) instead of the last 7 days.")
@_x_options
@click.pass_obj
def x_search(app, query, full_archive, **options) -> None:
    """Search posts: QUERY in X search syntax.

    \b
    Example:
      scout ingest x search '"acme corp" OR @acme -is:retweet' --max 500
    """
    _run_x(app, "archive" if full_archive else "search", query, **options)


@ingest_x.command("mentions")
@click.argument("handle")
@_x_options
@click.pass_obj
def x_mentions(app, handle, **options) -> None:
    """Posts mentioning HANDLE."""
    _run_x(app, "mentions", handle, **options)


@ingest_x.command("timeline")
@click.argument("handle")
@_x_options
@click.pass_obj
def x_timeline(app, handle, **options) -> None:
    """Posts by HANDLE (its timeline)."""
    _run_x(app, "timeline", handle, **options)


# -- other networks: one command group per connector (ingest.connectors) -------------------------


def _run_platform(app, platform: str, endpoint: str, value: str, *, since, max_posts, raw_dir,
                  batch_size, as_json, progress, options: dict) -> None:
    """One fetch of a connector, with a progress bar, countdowns and the run's summary."""
    from ingest.connectors import connector
    from ingest.jobs import fetch_platform

    conn = connector(platform)
    display = RichProgress(f"{platform} {endpoint} {value}", enabled=_show_progress(progress),
                           unit=conn.unit, console=stderr_console())
    run = fetch_platform(
        app.store(), platform, endpoint, value, since=since, max_posts=max_posts,
        options=options, raw_dir=raw_dir, batch_size=batch_size, report=display.print,
        progress=display, waiter=display.wait,
    )
    _emit(run, as_json)
    _exit_if_failed([run])


def _platform_group(platform: str) -> click.Group:
    """``scout ingest <platform> <endpoint> VALUE``, built from the connector's description."""
    from ingest.connectors import connector

    conn = connector(platform)
    creds = ", ".join(conn.credentials) or "none"

    @click.group(platform, help=(
        f"{conn.help}\n\nCredentials from the environment: {creds} (never logged). Every "
        f"response is archived under data/raw/{platform}/ (or --raw-dir / SCOUT_RAW_DIR) before "
        "it is parsed; replay with `scout ingest replay FILE`. Runs are incremental: the next "
        "run of the same source starts where the last one stopped."))
    def group() -> None:
        pass

    for ep in conn.endpoints:
        group.add_command(_endpoint_command(conn, ep))
    return group


def _endpoint_command(conn, ep) -> click.Command:
    platform = conn.platform
    examples = "".join(f"\n  {e}" for e in ep.examples)
    doc = ep.help + (f"\n\n\b\nExamples:{examples}" if examples else "")

    @click.pass_obj
    def command(app, value, since, max_posts, raw_dir, batch_size, as_json, progress, **extra):
        _run_platform(app, platform, ep.name, value, since=since, max_posts=max_posts,
                      raw_dir=raw_dir, batch_size=batch_size, as_json=as_json, progress=progress,
                      options=extra)

    fn = command
    for opt in reversed(conn.options):
        decl = "--" + opt.name.replace("_", "-")
        if opt.type is bool:
            fn = click.option(f"{decl}/--no-{opt.name.replace('_', '-')}", opt.name,
                              default=opt.default, help=opt.help)(fn)
        else:
            fn = click.option(decl, opt.name, type=opt.type, default=None, envvar=opt.env,
                              show_envvar=opt.env is not None, help=opt.help)(fn)
    fn = click.option("--since", default=None, metavar="DATE",
                      help="Only what is newer than this ISO date (default: where the last run "
                           "of the same source stopped).")(fn)
    fn = click.option("--max", "max_posts", type=click.IntRange(min=1), default=None,
                      help="Stop after at least N posts.")(fn)
    fn = click.option("--raw-dir", envvar="SCOUT_RAW_DIR", default=None,
                      type=click.Path(file_okay=False),
                      help="Where raw responses are archived (default: data/raw).")(fn)
    fn = _batch_option(_common(fn))
    fn = click.argument("value", metavar=ep.metavar)(fn)
    return click.command(ep.name, help=doc)(fn)


@ingest.command("replay")
@click.argument("files", nargs=-1, required=True, metavar="FILE…")
@_strict_option
@_batch_option
@_time_option
@_input_options
@_common
@click.pass_obj
def ingest_replay(app, files, strict, batch_size, any_time, rejects, as_json, progress) -> None:
    """Replay raw archives of any network (data/raw/<platform>/<source>/<date>.jsonl).

    Each line goes through the parser of the platform it names, the same one
    the fetch used; X pages go through the X parser. Replaying twice adds
    nothing new.

    \b
    Example:
      scout ingest replay data/raw/youtube/channel-*/2026-11-30.jsonl
    """
    _ingest_files(app.store(), files, "replay", strict=strict, batch_size=batch_size,
                  as_json=as_json, progress=progress, unit="responses", times=_times(any_time),
                  rejects=rejects)


def _add_platform_groups() -> None:
    from ingest.connectors import connector, platforms

    for platform in platforms():
        group = _platform_group(platform)
        ingest.add_command(group)
        for alias in connector(platform).aliases:
            ingest.add_command(group, name=alias)
    ingest.commands["linkedin"].add_command(ingest_linkedin_export)


@click.command("export")
@click.argument("export", metavar="EXPORT.zip|DIR|FILE.csv")
@click.option("--member", default=None, metavar="URL|NAME",
              help="The exporting member's profile URL or vanity name (default: the one person "
                   "in every conversation of messages.csv); their connection count is kept.")
@_strict_option
@_batch_option
@_common
@click.pass_obj
def ingest_linkedin_export(app, export, member, strict, batch_size, as_json, progress) -> None:
    """Import an employee's LinkedIn data export, given with their consent.

    messages.csv: the sender → each recipient is a message (weighted 1 / recipients;
    no text is kept). Connections.csv (after its "Notes:" preamble) is not an
    interaction: only the number of connections is kept, as the member's followers.
    LinkedIn forbids scraping: a member's own export is the only way to their data.

    \b
    Examples:
      scout ingest linkedin export Basic_LinkedInDataExport_05-01-2024.zip
      scout ingest linkedin export ~/exports/jane/ --member https://www.linkedin.com/in/jane-doe
      scout ingest linkedin export messages.csv --json
    """
    _source_run(app, "linkedin", (export,), strict, batch_size, as_json, progress, "messages",
                member=member)


_add_platform_groups()


@click.command("load-sample")
@click.option("--if-empty", is_flag=True, help="Do nothing when the store already holds interactions.")
@click.option(
    "--folder", type=click.Path(file_okay=False, exists=True), default=None,
    help="Where the sample files are (default: the checkout's data/).",
)
@click.option("--progress/--no-progress", default=None, help="Show progress bars on stderr.")
@click.pass_obj
def load_sample_command(app, if_empty: bool, folder: str | None, progress: bool | None) -> None:
    """Load the sample data (a fictional company's conversation) into the store.

    \b
    Example:
      scout load-sample --if-empty && scout rank
    """
    from ingest.sample import SAMPLE_DIR, load_sample

    store = app.store()
    if if_empty and store.stats().interactions > 0:
        click.echo(f"{store.display} already holds data; sample not loaded.")
        return
    console = stderr_console()
    runs = load_sample(
        store,
        Path(folder) if folder else SAMPLE_DIR,
        make_progress=lambda name, kind: RichProgress(
            f"{kind} data/{name}", enabled=_show_progress(progress), unit="rows", console=console
        ),
        report=lambda m: console.print(m, markup=False),
    )
    for run in runs:
        _emit(run, False)


@click.command("import")
@click.argument("files", nargs=-1, required=True, metavar="FILE…")
@click.option("--kind", type=click.Choice(["edges", "jsonl"]), required=True,
              help="Edge lists (CSV) or X archives (JSON Lines).")
@click.option("--platform", default=None, help="Edge lists: platform of rows without one (default: generic).")
@click.option("--delimiter", default=None, help="Edge lists: field delimiter (default: sniffed).")
@click.option("--default-time", default=None, metavar="TIME",
              help="Edge lists: time of rows without a timestamp (ISO 8601 or unix seconds).")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
              help="Where the importer's CSV files go (default: .scout/neo4j-import).")
@click.option("--files-only", is_flag=True,
              help="Only write the files and print the neo4j-admin command (for a server of your own).")
@_time_option
@_input_options
@_common
@click.pass_obj
def import_command(app, files, kind, platform, delimiter, default_time, directory, files_only, any_time,
                   rejects, as_json, progress) -> None:
    """First load of big files into an EMPTY Neo4j database, with Neo4j's offline importer.

    Reads FILEs like `scout ingest` (same rules, rejects and runs), writes them in
    the importer's CSV layout, and for the local server of scripts/neo4j.sh
    imports them (staged, then swapped in: the served database is never
    half-imported) and creates the schema. For any other server, or with
    --files-only, it prints the `neo4j-admin database import full` command to run
    there (stop the database first). Later increments: `scout ingest`.

    \b
    Example:
      scout --store bolt://127.0.0.1:7687 import --kind jsonl archive/*.jsonl.gz
    """
    from graph.store_uri import parse_store_uri
    from ingest.csv_edges import parse_default_time
    from ingest.neo4j_import import bulk_import, format_command

    uri = app.store_uri or ""
    if parse_store_uri(uri or "sqlite:///.scout/scout.db").kind != "neo4j":
        raise InputError("scout import loads Neo4j: pass --store bolt://HOST:PORT (SQLite: scout ingest "
                         "uses its bulk mode by itself)")
    _start_rejects(rejects)
    options = {"times": _times(any_time), "rejects": rejects}
    if kind == "edges":
        options.update(platform=platform, delimiter=delimiter, default_time=parse_default_time(default_time))
    console = stderr_console()
    result = bulk_import(
        uri, files, kind, directory or ".scout/neo4j-import", files_only=files_only,
        report=lambda m: console.print(m, markup=False, highlight=False),
        progress=lambda path: RichProgress(f"{kind} {path}", enabled=_show_progress(progress),
                                           unit="rows" if kind == "edges" else "posts", console=console),
        **options,
    )
    for run in result.runs:
        _emit(run, as_json)
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in result.seconds.items())
    if result.resumed:
        click.echo(f"finished the bulk import of {result.directory}, which was interrupted after its data "
                   f"was loaded: {result.events:,} interactions and {result.accounts:,} accounts ({stages}). "
                   "The files given now were not read: add more with `scout ingest`.", err=True)
    elif result.imported:
        click.echo(f"imported {result.events:,} interactions and {result.accounts:,} accounts ({stages})", err=True)
    else:
        click.echo(f"wrote {result.events:,} interactions and {result.accounts:,} accounts to "
                   f"{result.directory} ({stages}); stop the database, then run:", err=True)
        click.echo(format_command(result.command))
        click.echo("then start it and run this scout import again: it creates the schema and records the "
                   "runs", err=True)
    _exit_if_failed(result.runs)


COMMANDS = [ingest, load_sample_command, import_command]
