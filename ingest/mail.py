"""E-mail headers → accounts and interactions (mbox files, Maildir folders, ``.eml`` files).

Only headers are read — ``From``, ``To``, ``Cc``, ``Date``, ``Message-ID``,
``In-Reply-To``, ``References`` and, with ``subjects=True``, ``Subject``. Bodies
are never read into memory beyond the header block, and never stored.

Edge rules
----------
* From → each distinct To/Cc recipient (not the sender): ``message``, weighted
  **1 / number of recipients**. A mail carries one unit of attention, split
  among those who receive it: a personal mail weighs 1, a mail to 4 people
  0.25 per recipient, an announcement to 200 people 0.005 each — 200 such
  announcements count like one personal mail per recipient.
* A reply (``In-Reply-To``, else the newest ``References`` entry, naming a
  Message-ID seen in this import or stored before) → ``reply`` to the parent's
  sender, weight 1.

Identity: an address is the account ``email:<address lower-cased>`` (handle:
the address; name: the display name). Mails are deduplicated by
``Message-ID`` (the post id), so the same mail found in the sender's *Sent*
folder and in three inboxes is stored once. A mail without one gets a post id
hashed from its sender, recipients and date.
"""

from __future__ import annotations

import functools
import gzip
import mailbox
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from graph.errors import InputError
from graph.model import SNIPPET_LENGTH, Account, Person, row_post_id
from ingest.pipeline import Chunk
from ingest.records import Edge

PLATFORM = "email"
#: Mails per chunk handed to the pipeline.
MAILS_PER_CHUNK = 500
# U+FFFD (a byte that was not UTF-8) never makes an address.
_ADDRESS_RE = re.compile(r"^[^@\s<>\ufffd]+@[^@\s<>\ufffd]+\.[^@\s<>\ufffd]+$")
_MSGID_RE = re.compile(r"<([^<>\s]+)>")


@dataclass(slots=True)
class MailHeader:
    """The headers Scout keeps of one mail, and where it was found."""

    where: str
    message_id: str
    sender: str
    sender_name: str | None
    recipients: list[tuple[str, str | None]]
    at: datetime
    parents: list[str]
    subject: str | None = None


def address_key(address: str) -> str:
    """The account key of an e-mail address.

    Examples
    --------
    >>> address_key("Ann.Lee@Acme.example")
    'email:ann.lee@acme.example'
    """
    return f"{PLATFORM}:{address.strip().lower()}"


def _decode(value: str | None) -> str | None:
    """A header value with RFC 2047 encoded words decoded; blanks become ``None``."""
    if not value:
        return None
    value = str(value)
    if "=?" in value:
        try:
            value = str(make_header(decode_header(value)))
        except (ValueError, LookupError, UnicodeDecodeError):
            pass
    # A broken encoded word can leave lone surrogates, which no store can encode.
    value = " ".join(value.split()).encode("utf-8", "replace").decode("utf-8")
    return value or None


def _addresses(values: list[str]) -> list[tuple[str, str | None]]:
    """Valid ``(address, name)`` pairs of address headers, lower-cased, in order, once each."""
    seen: dict[str, str | None] = {}
    for value in values:
        for name, addr in _parse_address_list(value):
            if addr not in seen:
                seen[addr] = name
    return list(seen.items())


_SIMPLE_ADDRESS_RE = re.compile(r"^\s*(?:([^<>]*?)\s*<([^<>\s]+)>|([^<>\s]+))\s*$")


@functools.lru_cache(maxsize=65_536)
def _parse_address_list(value: str) -> tuple[tuple[str | None, str], ...]:
    """One address header → valid ``(name, address)`` pairs (cached: lists repeat across mails).

    Plain lists (``Ann <a@x.io>, b@x.io``) take a fast path; anything with quotes,
    comments or groups goes through :func:`email.utils.getaddresses`.
    """
    if '"' in value or "(" in value or ":" in value or ";" in value:
        pairs = [(n, a) for n, a in getaddresses([value])]
    else:
        pairs = []
        for part in value.split(","):
            m = _SIMPLE_ADDRESS_RE.match(part)
            if m is None:
                pairs = [(n, a) for n, a in getaddresses([value])]
                break
            pairs.append((m.group(1) or "", m.group(2) or m.group(3)))
    out = []
    for name, addr in pairs:
        addr = addr.strip().lower()
        if _ADDRESS_RE.match(addr):
            out.append((_decode(name), addr))
    return tuple(out)


def split_headers(raw: bytes) -> dict[str, list[str]]:
    r"""A header block → ``{lower-cased name: [values]}``, folded lines unfolded.

    Bytes that are not UTF-8 become U+FFFD (RFC 2047 encoded words are
    decoded later, where a value is used).

    Examples
    --------
    >>> split_headers(b"To: a@x.io,\r\n b@x.io\r\nSubject: hi\r\n\r\nbody")["to"]
    ['a@x.io, b@x.io']
    """
    text = raw.decode("utf-8", "replace")
    head = text.split("\n\n", 1)[0].split("\r\n\r\n", 1)[0]
    out: dict[str, list[str]] = {}
    name = None
    for line in head.splitlines():
        if line[:1] in (" ", "\t"):
            if name is not None:
                out[name][-1] += " " + line.strip()
            continue
        key, sep, value = line.partition(":")
        if not sep or not key or " " in key:
            name = None  # the mbox "From " line, or junk
            continue
        name = key.strip().lower()
        out.setdefault(name, []).append(value.strip())
    return out


def message_ids(value: str | None) -> list[str]:
    """The ``<id>`` values of a Message-ID / In-Reply-To / References header, in order.

    Examples
    --------
    >>> message_ids("<a@x> <b@y>")
    ['a@x', 'b@y']
    """
    return _MSGID_RE.findall(str(value)) if value else []


def parse_headers(raw: bytes, where: str, subjects: bool = False) -> MailHeader:
    """The :class:`MailHeader` of a header block (or a whole message: only headers are parsed).

    Raises
    ------
    ValueError
        No valid From address, or a missing or unreadable Date.
    """
    h = split_headers(raw)
    senders = _addresses(h.get("from", []))
    if not senders:
        raise ValueError("no valid From address")
    sender, sender_name = senders[0]
    date = (h.get("date") or [""])[0]
    if not date:
        raise ValueError("no Date header")
    try:
        at = parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"unreadable Date {date[:60]!r}") from None
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    recipients = [(a, n) for a, n in _addresses(h.get("to", []) + h.get("cc", [])) if a != sender]
    ids = message_ids((h.get("message-id") or [""])[0])
    message_id = ids[0] if ids else row_post_id(sender, [a for a, _ in recipients], at.isoformat())
    parents = message_ids(" ".join(h.get("in-reply-to", []))) + message_ids(
        " ".join(h.get("references", [])))[::-1]
    subject = _decode((h.get("subject") or [""])[0]) if subjects else None
    return MailHeader(where, message_id, sender, sender_name, recipients, at, parents,
                      subject[:SNIPPET_LENGTH] if subject else None)


def _header_block(stream) -> bytes:
    """Read a message's header block (up to the first blank line) from a binary stream."""
    lines = []
    for line in stream:
        if not line.strip(b"\r\n"):
            break
        lines.append(line)
    return b"".join(lines)


def _open_binary(path: Path):
    f = open(path, "rb")  # noqa: SIM115 - closed by the caller
    if f.peek(2)[:2] == b"\x1f\x8b" if hasattr(f, "peek") else False:
        return gzip.GzipFile(fileobj=f, mode="rb")
    return f


def iter_mbox(path: Path) -> Iterator[tuple[str, bytes]]:
    """``(file:line, header block)`` of each mail of an mbox file (plain or gzip).

    A mail starts at a ``From `` line at the start of the file or after a blank
    line; body lines that start with ``From `` are escaped (``>From``) by
    every mbox writer.
    """
    try:
        f = _open_binary(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot open: {exc.strerror or exc}") from None
    with f:
        start, header, in_header, blank = 0, [], False, True
        try:
            for n, line in enumerate(f, start=1):
                bare = line.rstrip(b"\r\n")
                if blank and bare.startswith(b"From "):
                    if start:
                        yield f"{path}:{start}", b"".join(header)
                    start, header, in_header = n, [], True
                elif in_header:
                    if bare:
                        header.append(line)
                    else:
                        in_header = False
                blank = not bare
        except (OSError, EOFError) as exc:
            raise InputError(f"{path}: cannot read past line {n}: {exc}") from None
        if start:
            yield f"{path}:{start}", b"".join(header)


def _is_mbox(path: Path) -> bool:
    try:
        with _open_binary(path) as f:
            head = f.read(5)
    except (OSError, EOFError):
        return False
    return head == b"From "


def iter_maildir(path: Path) -> Iterator[tuple[str, bytes]]:
    """``(file, header block)`` of each mail of a Maildir folder (``cur`` and ``new``)."""
    box = mailbox.Maildir(str(path), factory=None, create=False)
    for key in sorted(box.iterkeys()):
        where = f"{path}/{key}"
        try:
            with box.get_file(key) as f:
                yield where, _header_block(f)
        except (OSError, KeyError) as exc:
            yield where, InputError(f"cannot read: {exc}")


def iter_eml(files: Iterable[Path]) -> Iterator[tuple[str, bytes]]:
    """``(file, header block)`` of each ``.eml`` file."""
    for p in files:
        try:
            with _open_binary(p) as f:
                yield str(p), _header_block(f)
        except (OSError, EOFError) as exc:
            yield str(p), InputError(f"cannot read: {exc}")


def iter_sources(paths: Iterable[str | Path]) -> Iterator[tuple[str, bytes]]:
    """Every mail of ``paths``: mbox files, Maildir folders, folders of ``.eml`` files, ``.eml`` files.

    Raises
    ------
    InputError
        A path that does not exist, or a folder with neither a Maildir nor ``.eml`` files.
    """
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            if (p / "cur").is_dir() or (p / "new").is_dir():
                yield from iter_maildir(p)
                continue
            emls = sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() == ".eml")
            maildirs = sorted(q.parent for q in p.rglob("cur") if q.is_dir() and (q.parent / "new").is_dir())
            mboxes = sorted(q for q in p.rglob("*.mbox") if q.is_file())
            if not (emls or maildirs or mboxes):
                raise InputError(f"{p}: no Maildir, mbox or .eml files in this folder")
            yield from iter_eml(emls)
            for m in maildirs:
                yield from iter_maildir(m)
            for m in mboxes:
                yield from iter_mbox(m)
        elif p.is_file():
            if _is_mbox(p):
                yield from iter_mbox(p)
            else:
                yield from iter_eml([p])
        else:
            raise InputError(f"{p}: no such file or folder")


def mail_edges(mail: MailHeader, senders: dict[str, str]) -> list[Edge]:
    """The interactions of one mail (see the module's edge rules); ``senders``: Message-ID → sender key.

    Examples
    --------
    >>> m = MailHeader("f:1", "id1", "a@x.io", None, [("b@x.io", None), ("c@x.io", None)],
    ...                datetime(2026, 1, 1, tzinfo=UTC), ["id0"])
    >>> [(e.kind, e.target, e.weight) for e in mail_edges(m, {"id0": "email:c@x.io"})]
    [('message', 'email:b@x.io', 0.5), ('message', 'email:c@x.io', 0.5), ('reply', 'email:c@x.io', 1.0)]
    """
    source = address_key(mail.sender)
    edges = []
    n = len(mail.recipients)
    for addr, _ in mail.recipients:
        edges.append(Edge(PLATFORM, mail.message_id, "message", source, address_key(addr), mail.at,
                          mail.subject, (), None, 1.0 / n))
    for parent in mail.parents:
        target = senders.get(parent)
        if target is not None:
            if target != source:
                edges.append(Edge(PLATFORM, mail.message_id, "reply", source, target, mail.at,
                                  mail.subject))
            break
    return edges


def internal_people(addresses: dict[str, str | None], domains: tuple[str, ...]) -> list[Person]:
    """Roster rows for the addresses of the internal ``domains`` (and their subdomains).

    Examples
    --------
    >>> [p.email for p in internal_people({"a@acme.io": None, "b@x.io": None}, ("acme.io",))]
    ['a@acme.io']
    """
    out = []
    for addr, name in addresses.items():
        domain = addr.rpartition("@")[2]
        if any(domain == d or domain.endswith("." + d) for d in domains):
            out.append(Person(email=addr, name=name))
    return out


def iter_mail_chunks(
    sources: Iterable[tuple[str, bytes]],
    known_senders: dict[str, str],
    subjects: bool = False,
    per_chunk: int = MAILS_PER_CHUNK,
    addresses: dict[str, str | None] | None = None,
) -> Iterator[Chunk]:
    """Parse mails into chunks; replies resolve against every mail of the import.

    All headers are read first (a reply may come before its parent in a Maildir
    or across mailboxes), then the edges are yielded ``per_chunk`` mails at a time.
    ``known_senders`` (Message-ID → sender key, from the store) is extended in
    place; ``addresses`` collects every address seen with its display name.
    """
    mails: list[MailHeader] = []
    errors: list[str] = []
    for where, raw in sources:
        if isinstance(raw, Exception):
            errors.append(f"{where}: {raw}")
            continue
        try:
            mail = parse_headers(raw, where, subjects)
        except ValueError as exc:
            errors.append(f"{where}: {exc}")
            continue
        mails.append(mail)
        known_senders.setdefault(mail.message_id, address_key(mail.sender))
    yield Chunk(errors=errors)
    for i in range(0, len(mails), per_chunk):
        chunk = Chunk()
        # One account per address and chunk (named by any display name seen).
        names: dict[str, str | None] = {}
        for mail in mails[i : i + per_chunk]:
            chunk.read += 1
            chunk.interactions.extend(mail_edges(mail, known_senders))
            for addr, name in [(mail.sender, mail.sender_name), *mail.recipients]:
                if name or addr not in names:
                    names[addr] = name
        chunk.accounts = [Account(PLATFORM, a, handle=a, name=n) for a, n in names.items()]
        if addresses is not None:
            for a, n in names.items():
                if n or a not in addresses:
                    addresses[a] = n
        chunk.counts["mails"] = chunk.read
        yield chunk
