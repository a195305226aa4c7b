"""LinkedIn: a member's data export and an organisation page's comments → Scout records.

What LinkedIn allows, and so what Scout reads
---------------------------------------------
LinkedIn forbids scraping and offers no API to read members' posts or
messages. Scout therefore reads only:

* a **member's data export** ("Get a copy of your data", Settings → Data
  privacy), which an employee downloads and hands over *with their consent*:
  ``messages.csv`` and ``Connections.csv``, as a ``.zip``, its folder, or the
  CSV files themselves;
* an **organisation page's comments** from the Community Management API
  (``GET /rest/socialActions/{post urn}/comments``), which only a company whose
  app LinkedIn has approved for that product can call (see
  :mod:`ingest.linkedin_api`).

Edge rules
----------
* ``messages.csv`` (columns ``CONVERSATION ID, CONVERSATION TITLE, FROM,
  SENDER PROFILE URL, TO, RECIPIENT PROFILE URLS, DATE, SUBJECT, CONTENT,
  FOLDER``; newer exports add ``ATTACHMENTS`` …): the sender → **message** to
  each recipient, weighted ``1 / recipients`` (a message counts once however
  many read it, as for Slack's group messages). Message text is private and
  never kept.
* ``Connections.csv`` (a ``Notes:`` preamble, a blank line, then ``First Name,
  Last Name, URL, Email Address, Company, Position, Connected On``) is **not** an
  interaction: a connection is a standing, mutual tie, not an act of attention,
  and the people listed never consented to anything. Scout keeps only their
  number, as the member's ``followers`` and ``following`` (their reach on
  LinkedIn); no connection's name, address, employer or position is stored.
* An organisation post's comment → **comment** to the organisation; a reply
  (``parentComment``) → **reply** to the parent comment's author when known.

Identity
--------
A member of an export is ``linkedin:<vanity name>`` (from
``linkedin.com/in/<vanity>``, lower-cased); the API names people by URN,
``linkedin:urn:li:person:<id>``, and organisations ``linkedin:urn:li:organization:<id>``.
LinkedIn gives no way to join the two forms.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from graph.errors import InputError, RecordError
from graph.model import SNIPPET_LENGTH, Account, row_post_id
from ingest.identity import linkedin_id
from ingest.pipeline import Chunk
from ingest.raw_archive import BODY_KEY, META_KEY
from ingest.records import Edge, Parsed, time_cursor

PLATFORM = "linkedin"
MESSAGES = "messages.csv"
CONNECTIONS = "Connections.csv"
MESSAGE_COLUMNS = ("CONVERSATION ID", "FROM", "SENDER PROFILE URL", "RECIPIENT PROFILE URLS", "DATE")
CONNECTION_COLUMNS = ("First Name", "Last Name", "URL", "Connected On")
#: Rows per chunk.
CHUNK_ROWS = 2000
_URL_SPLIT_RE = re.compile(r"[\s,;]+")
_PROFILE_RE = re.compile(r"linkedin\.com/(?:in|pub)/[^/?#\s]+", re.IGNORECASE)
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S %Z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%z", "%d %b %Y")


# -- identity ------------------------------------------------------------------------------------


def member_id(url: object) -> str | None:
    """The account id of a member's profile URL (or bare vanity name), or ``None``.

    The rule is :func:`ingest.identity.linkedin_id`'s; anything that is not a
    member's profile (a company page, an empty cell, a name) gives ``None``.

    Examples
    --------
    >>> member_id("https://www.linkedin.com/in/Jane-Doe-1a2b3c/"), member_id("jane-doe")
    ('jane-doe-1a2b3c', 'jane-doe')
    >>> member_id("https://www.linkedin.com/company/acme") is None, member_id("Jane Doe") is None
    (True, True)
    """
    if not isinstance(url, str) or not url.strip():
        return None
    text = url.strip()
    if ("/" in text or "linkedin.com" in text.lower()) and not _PROFILE_RE.search(text):
        return None
    try:
        pid, _ = linkedin_id(text)
    except ValueError:
        return None
    return None if pid.startswith("name:") else pid


def member_account(vanity: str, name: object = None) -> Account:
    """The :class:`~graph.model.Account` of a member known by vanity name."""
    clean = name.strip()[:256] if isinstance(name, str) and name.strip() else None
    return Account(PLATFORM, vanity, handle=vanity, name=clean,
                   url=f"https://www.linkedin.com/in/{vanity}")


def message_time(value: object) -> datetime:
    """A ``DATE`` of the export (``2023-11-02 10:15:26 UTC``) or ``Connected On`` (``15 Mar 2024``).

    Raises
    ------
    RecordError
        Unreadable.

    Examples
    --------
    >>> message_time("2023-11-02 10:15:26 UTC").isoformat()
    '2023-11-02T10:15:26+00:00'
    """
    text = str(value or "").strip()
    if len(text) == 23 and text.endswith(" UTC"):  # the export's own form: the fast path
        try:
            return datetime.fromisoformat(text[:19]).replace(tzinfo=UTC)
        except ValueError:
            pass
    for fmt in _DATE_FORMATS:
        try:
            at = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    raise RecordError(f"unreadable date {text[:40]!r}")


# -- CSV with a preamble ------------------------------------------------------------------------


def csv_rows(text: str, where: str, required: tuple[str, ...]) -> Iterator[tuple[int, dict]]:
    """``(line, row)`` of a LinkedIn CSV, after whatever preamble precedes its header.

    LinkedIn puts a ``Notes:`` paragraph and a blank line above the header of
    some files (``Connections.csv``). The header is the first row holding every
    column of ``required``; ``line`` is where each row starts (quoted cells may
    span lines).

    Raises
    ------
    InputError
        No header with those columns (``where`` names the file).
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header: list[str] | None = None
    line = 1
    for cells in reader:
        start, line = line, reader.line_num + 1
        if header is None:
            names = [c.strip() for c in cells]
            if all(col in names for col in required):
                header = names
            elif start > 50:
                break
            continue
        if not any(c.strip() for c in cells):
            continue
        yield start, dict(zip(header, cells, strict=False))
    if header is None:
        raise InputError(f"{where}: no header with the columns {', '.join(required)} "
                         "(is it LinkedIn's export file?)")


def decode(data: bytes, where: str) -> str:
    """UTF-8 text of an export file (LinkedIn writes UTF-8, sometimes with a BOM)."""
    if b"\x00" in data[:4096]:
        raise InputError(f"{where}: a binary file, not a CSV")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{where}:{line}: not UTF-8 text") from None


# -- messages ------------------------------------------------------------------------------------


def message_edges(row: Mapping[str, str], at: datetime, ids: dict[str, str | None] | None = None,
                  emitted: dict[str, bool] | None = None) -> tuple[list[Edge], list[Account]]:
    """The ``message`` edges of one row: sender → each recipient, weight ``1 / recipients``.

    ``ids`` caches profile URL → id, ``emitted`` the accounts already returned and
    whether with a name (callers reading many rows pass both: the same people write
    again and again).

    Raises
    ------
    RecordError
        No sender profile URL or no recipient (sponsored messages, LinkedIn's own).
    """
    ids = {} if ids is None else ids
    emitted = {} if emitted is None else emitted

    def ident(url: str | None) -> str | None:
        key = url or ""
        if key not in ids:
            ids[key] = member_id(url)
        return ids[key]

    sender = ident(row.get("SENDER PROFILE URL"))
    if sender is None:
        raise RecordError("no sender profile URL")
    recipients: dict[str, None] = {}
    for url in _URL_SPLIT_RE.split(row.get("RECIPIENT PROFILE URLS") or ""):
        rid = ident(url)
        if rid is not None and rid != sender:
            recipients[rid] = None
    if not recipients:
        raise RecordError("no recipient profile URL")
    pid = row_post_id(row.get("CONVERSATION ID"), row.get("DATE"), sender, row.get("CONTENT"))
    weight = 1.0 / len(recipients)
    edges = [Edge(PLATFORM, pid, "message", f"{PLATFORM}:{sender}", f"{PLATFORM}:{r}", at,
                  None, (), None, weight) for r in recipients]
    accounts = []
    single = None
    if len(recipients) == 1:
        names = (row.get("TO") or "").split(",")
        single = names[0].strip() if len(names) == 1 else None
    for who, name in ((sender, row.get("FROM")), *((r, single) for r in recipients)):
        named = bool(name and name.strip())
        if who not in emitted or (named and not emitted[who]):
            emitted[who] = named
            accounts.append(member_account(who, name))
    return edges, accounts


def iter_message_chunks(text: str, where: str, everywhere: set[str] | None = None) -> Iterator[Chunk]:
    """Chunks of ``messages.csv`` (``where`` names it in ``file:line`` messages).

    ``everywhere``, when given, is narrowed to the members found in every message
    read (the exporting member, see :func:`iter_export_chunks`).
    """
    chunk = Chunk(counts={"messages": 0})
    first = True
    ids: dict[str, str | None] = {}
    emitted: dict[str, bool] = {}
    for line, row in csv_rows(text, where, MESSAGE_COLUMNS):
        if (row.get("IS MESSAGE DRAFT") or "").strip().lower() == "yes":
            chunk.counts["drafts"] = chunk.counts.get("drafts", 0) + 1
            continue
        try:
            at = message_time(row.get("DATE"))
            edges, accounts = message_edges(row, at, ids, emitted)
        except RecordError as exc:
            chunk.errors.append(f"{where}:{line}: {exc}")
            continue
        if everywhere is not None:
            here = {e.source for e in edges} | {e.target for e in edges}
            if first:
                everywhere |= here
                first = False
            else:
                everywhere &= here
        chunk.read += 1
        chunk.counts["messages"] += 1
        chunk.interactions.extend(edges)
        chunk.origins.extend([f"{where}:{line}"] * len(edges))
        chunk.accounts.extend(accounts)
        if chunk.read >= CHUNK_ROWS:
            yield chunk
            chunk = Chunk(counts={"messages": 0})
            emitted = {}
    yield chunk


# -- connections ---------------------------------------------------------------------------------


def count_connections(text: str, where: str) -> tuple[int, list[str]]:
    """How many connections ``Connections.csv`` lists, and ``file:line`` messages for bad rows.

    Only the number is kept (see the module's edge rules for why).
    """
    n = 0
    errors = []
    for line, row in csv_rows(text, where, CONNECTION_COLUMNS):
        if member_id(row.get("URL")) is None and not (row.get("First Name") or "").strip():
            errors.append(f"{where}:{line}: a connection without name or profile URL")
            continue
        n += 1
    return n, errors


# -- the export ----------------------------------------------------------------------------------


@dataclass
class LinkedInExport:
    """The files of a member's export that Scout reads: ``messages.csv``, ``Connections.csv``.

    ``path`` is the ``.zip``, its folder, or one of the two CSV files.
    """

    path: str
    messages: tuple[str, bytes] | None = None
    connections: tuple[str, bytes] | None = None
    size: int = 0

    @classmethod
    def open(cls, path: str | Path, display: str | None = None) -> LinkedInExport:
        """Find and read the two files (``display``: how messages name ``path``, e.g. an
        uploaded file's own name instead of its temporary copy).

        Raises
        ------
        InputError
            Missing path, or neither file in it.
        """
        from ingest.exports import ExportFiles

        p = Path(path)
        name = display or str(path)
        export = cls(name)
        if p.is_file() and p.suffix.lower() == ".csv":
            try:
                data = p.read_bytes()
            except OSError as exc:
                raise InputError(f"{name}: cannot read ({exc.strerror or exc})") from None
            text = decode(data, name)
            if "CONVERSATION ID" in text[:4096]:
                export.messages = (name, data)
            elif "First Name" in text[:4096]:
                export.connections = (name, data)
            else:
                raise InputError(f"{name}: neither LinkedIn's messages.csv nor its Connections.csv "
                                 "(no CONVERSATION ID or First Name column)")
            export.size = len(data)
            return export
        if not p.exists():
            raise InputError(f"{name}: no such file or folder")
        with ExportFiles(p) as files:
            files.display = name
            for member in files.names:
                base = member.rsplit("/", 1)[-1].lower()
                if base == MESSAGES.lower():
                    export.messages = (files.where(member), files.read(member))
                elif base == CONNECTIONS.lower():
                    export.connections = (files.where(member), files.read(member))
        if export.messages is None and export.connections is None:
            raise InputError(f"{name}: no messages.csv nor Connections.csv in this export")
        export.size = sum(len(f[1]) for f in (export.messages, export.connections) if f)
        return export


def iter_export_chunks(export: LinkedInExport, member: str | None) -> Iterator[Chunk]:
    """Chunks of an export: its messages, then the member's connection count.

    ``member`` is the exporting member's profile URL or vanity name; by default,
    the one member present in every message of ``messages.csv`` (the exporter
    takes part in all their conversations). Without either, the connections
    cannot be credited to anyone and are only counted.
    """
    everywhere: set[str] = set()
    if export.messages is not None:
        where, data = export.messages
        yield from iter_message_chunks(decode(data, where), where, everywhere)
    if not member and len(everywhere) == 1:
        member = next(iter(everywhere)).partition(":")[2]
    if export.connections is not None:
        where, data = export.connections
        n, errors = count_connections(decode(data, where), where)
        chunk = Chunk(errors=errors, counts={"connections": n})
        vanity = member_id(member) if member else None
        if member and vanity is None:
            raise InputError(f"--member {member!r}: not a LinkedIn profile URL or vanity name")
        if vanity is not None:
            account = member_account(vanity)
            account.followers = account.following = n
            chunk.accounts.append(account)
        else:
            chunk.counts["connections_uncredited"] = n
        yield chunk


# -- organisation page comments (Community Management API) -------------------------------------


def urn_time(created: object) -> datetime:
    """``created.time`` (epoch milliseconds) of a Community Management API object.

    Examples
    --------
    >>> urn_time({"time": 1581957011627}).isoformat()
    '2020-02-17T16:30:11.627000+00:00'
    """
    value = created.get("time") if isinstance(created, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RecordError("no created.time")
    return datetime.fromtimestamp(value / 1000, UTC)


@dataclass
class OrgState:
    """What a run remembers: who wrote each comment (replies' targets)."""

    authors: dict[str, str] = field(default_factory=dict)

    def parse_comments(self, page: object, organization: str) -> Parsed:
        """Records of one ``socialActions/{urn}/comments`` page (``{"paging", "elements"}``)."""
        out = Parsed()
        elements = page.get("elements") if isinstance(page, Mapping) else None
        if not isinstance(elements, list):
            out.errors.append("not a LinkedIn comments page (no elements)")
            return out
        org = organization
        out.accounts.append(Account(PLATFORM, org))
        for i, c in enumerate(elements, 1):
            if not isinstance(c, Mapping):
                out.errors.append(f"comment {i}: not an object")
                continue
            urn = c.get("commentUrn") or c.get("$URN")
            actor = c.get("actor")
            if not isinstance(urn, str) or not isinstance(actor, str) or not actor.startswith("urn:li:"):
                out.errors.append(f"comment {i}: no commentUrn or actor")
                continue
            try:
                at = urn_time(c.get("created"))
            except RecordError as exc:
                out.errors.append(f"comment {i}: {exc}")
                continue
            out.posts += 1
            out.counts["comments"] = out.counts.get("comments", 0) + 1
            out.newest_id = max(out.newest_id or "", time_cursor(at))
            self.authors[urn] = actor
            message = c.get("message")
            text = message.get("text") if isinstance(message, Mapping) else None
            text = text.strip()[:SNIPPET_LENGTH] if isinstance(text, str) and text.strip() else None
            parent = c.get("parentComment")
            target = self.authors.get(parent) if isinstance(parent, str) else None
            kind = "reply" if target is not None else "comment"
            target = target or org
            out.accounts.append(Account(PLATFORM, actor))
            if target == actor:
                continue
            out.interactions.append(Edge(PLATFORM, urn, kind, f"{PLATFORM}:{actor}",
                                         f"{PLATFORM}:{target}", at, text))
        return out


def parse_response(record: dict, state: OrgState) -> Parsed:
    """Parse one archived Community Management API record (see :mod:`ingest.linkedin_api`).

    ``call`` is ``posts`` (no interaction: the posts whose comments are read) or
    ``comments`` (``__scout.organization`` names the organisation's URN).

    Raises
    ------
    RecordError
        Not a LinkedIn record.
    """
    if not isinstance(record, dict) or BODY_KEY not in record:
        raise RecordError("not an archived LinkedIn response (no response body)")
    meta = record.get(META_KEY) or {}
    call = meta.get("call")
    if call == "posts":
        out = Parsed()
        elements = record[BODY_KEY].get("elements") if isinstance(record[BODY_KEY], Mapping) else None
        if not isinstance(elements, list):
            out.errors.append("not a LinkedIn posts page (no elements)")
        return out
    if call == "comments":
        org = meta.get("organization")
        if not isinstance(org, str) or not org.startswith("urn:li:organization:"):
            raise RecordError("a comments record without its organization URN")
        return state.parse_comments(record[BODY_KEY], org)
    raise RecordError(f"not a LinkedIn response Scout reads (call {call!r})")
