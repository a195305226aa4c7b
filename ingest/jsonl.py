"""X archives: JSON Lines (or one JSON document) of pages, tweets or users.

The shape of each line is detected on its own (:func:`ingest.x_parse.detect_shape`),
so one file may mix API v2 pages saved by twarc2 or Scout, single v2 tweets,
twarc2's flattened tweets and API v1.1 tweets. A file whose first line is a
lone ``[`` or ``{`` is read as one pretty-printed JSON document instead (for
example a list of recorded ``{uri, body}`` responses).
"""

from __future__ import annotations

from collections.abc import Iterator

from ingest.jsonio import loads
from ingest.pipeline import Chunk
from ingest.records import newer_cursor
from ingest.sources import Input
from ingest.x_parse import Parsed, RecordError, SeenUsers, parse_x_record

#: Lines grouped into one chunk (fewer, larger chunks cost less to hand around).
LINES_PER_CHUNK = 64


def parsed_to_chunk(parsed: Parsed, where: str, chunk: Chunk) -> None:
    """Add one record's :class:`Parsed` result to ``chunk``, locating its errors at ``where``."""
    chunk.read += parsed.posts + parsed.users
    chunk.accounts.extend(parsed.accounts)
    chunk.account_origins.extend([where] * len(parsed.accounts))
    chunk.interactions.extend(parsed.interactions)
    chunk.origins.extend([where] * len(parsed.interactions))
    for reason in parsed.errors:
        chunk.errors.append(f"{where}: {reason}")
    chunk.cursor = newer_cursor(chunk.cursor, parsed.newest_id)
    counts = chunk.counts
    for name in ("posts", "users", "referenced", "api_errors", "unresolved"):
        n = getattr(parsed, name)
        if n:
            counts[name] = counts.get(name, 0) + n
    for name, n in parsed.counts.items():
        counts[name] = counts.get(name, 0) + n


def parse_line(line: bytes | str, seen: SeenUsers | None = None) -> Parsed:
    """Decode and parse one JSON line (``seen``: see :class:`ingest.x_parse.SeenUsers`).

    Raises
    ------
    RecordError
        If the line is not JSON or not an X record.
    """
    try:
        obj = loads(line)
    except ValueError as exc:
        raise RecordError(f"invalid JSON ({exc})") from None
    return parse_x_record(obj, seen)


def iter_x_chunks(inp: Input, lines_per_chunk: int = LINES_PER_CHUNK) -> Iterator[Chunk]:
    """Parse an opened X archive into chunks for :func:`ingest.pipeline.run_ingest`.

    Parameters
    ----------
    inp : Input
        From :func:`ingest.sources.open_input`.
    lines_per_chunk : int
        Lines per chunk.

    Yields
    ------
    Chunk
        Parsed records; bad lines as ``file:line: reason`` errors.

    Raises
    ------
    InputError
        If the file cannot be read to its end.
    """
    lines = inp.lines()
    first: tuple[int, bytes] | None = None
    for n, line in lines:
        if line.strip():
            first = (n, line)
            break
    if first is None:
        return
    if first[1].strip().lstrip(b"\xef\xbb\xbf") in (b"[", b"{"):
        yield _document_chunk(inp, first, lines)
        return
    chunk = Chunk()
    pending = 0
    seen = SeenUsers()
    for n, line in _chain(first, lines):
        if not line.strip():
            continue
        where = f"{inp.name}:{n}"
        try:
            parsed_to_chunk(parse_line(line.lstrip(b"\xef\xbb\xbf") if n == 1 else line, seen), where, chunk)
        except RecordError as exc:
            chunk.errors.append(f"{where}: {exc}")
        pending += 1
        if pending >= lines_per_chunk:
            chunk.position = inp.position()
            yield chunk
            chunk, pending = Chunk(), 0
    if pending:
        chunk.position = inp.position()
        yield chunk


def _chain(first: tuple[int, bytes], rest: Iterator[tuple[int, bytes]]) -> Iterator[tuple[int, bytes]]:
    yield first
    yield from rest


def _document_chunk(inp: Input, first: tuple[int, bytes], rest: Iterator[tuple[int, bytes]]) -> Chunk:
    """Parse a whole pretty-printed JSON document as one record."""
    parts = [first[1]]
    parts.extend(line for _, line in rest)
    where = f"{inp.name}:{first[0]}"
    chunk = Chunk()
    try:
        parsed_to_chunk(parse_line(b"\n".join(parts).lstrip(b"\xef\xbb\xbf")), where, chunk)
    except RecordError as exc:
        chunk.errors.append(f"{where}: {exc}")
    chunk.position = inp.position()
    return chunk
