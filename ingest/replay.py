"""Replaying raw archives: ``scout ingest replay data/raw/<platform>/…/*.jsonl``.

Each line of a raw archive (:mod:`ingest.raw_archive`) names its platform in
``__scout.platform``; it goes through that connector's parser, the very one a
live fetch used, with one parser state per platform for the whole file (a
reply page is read after the thread it belongs to, as when it was fetched).
X lines (an API page with a ``__scout`` key, or any line without one) go to the
X parser, so one command replays every archive Scout writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graph.errors import InputError, RecordError
from ingest.connectors import connector, record_chunk, record_platform
from ingest.jsonio import loads
from ingest.pipeline import Chunk
from ingest.sources import Input

#: Lines grouped into one chunk.
LINES_PER_CHUNK = 32


def iter_replay_chunks(inp: Input, lines_per_chunk: int = LINES_PER_CHUNK) -> Iterator[Chunk]:
    """Parse an opened raw archive into chunks for :func:`ingest.pipeline.run_ingest`.

    Yields
    ------
    Chunk
        Parsed records; bad lines (not JSON, an unknown platform, a response
        the parser refuses) as ``file:line: reason`` errors.

    Raises
    ------
    InputError
        If the file cannot be read to its end.
    """
    from ingest.jsonl import parsed_to_chunk
    from ingest.x_parse import SeenUsers, parse_x_record

    states: dict[str, Any] = {}
    seen = SeenUsers()
    chunk = Chunk()
    pending = 0
    for n, line in inp.lines():
        if not line.strip():
            continue
        where = f"{inp.name}:{n}"
        pending += 1
        try:
            record = loads(line.lstrip(b"\xef\xbb\xbf") if n == 1 else line)
        except ValueError as exc:
            chunk.errors.append(f"{where}: invalid JSON ({exc})")
            continue
        platform = record_platform(record)
        if platform is None or platform == "x":
            try:
                parsed_to_chunk(parse_x_record(record, seen), where, chunk)
            except RecordError as exc:
                chunk.errors.append(f"{where}: {exc}")
        else:
            try:
                conn = connector(platform)
            except InputError as exc:  # an unknown platform is a bad line, not a crash
                chunk.errors.append(f"{where}: {exc}")
                continue
            if platform not in states:
                states[platform] = conn.new_state()
            part = record_chunk(conn, record, where, states[platform])
            _merge(chunk, part)
        if pending >= lines_per_chunk:
            chunk.position = inp.position()
            yield chunk
            chunk, pending = Chunk(), 0
    if pending:
        chunk.position = inp.position()
        yield chunk


def _merge(into: Chunk, part: Chunk) -> None:
    """Add one record's chunk to the chunk being built."""
    from ingest.records import newer_cursor

    into.read += part.read
    into.accounts.extend(part.accounts)
    into.account_origins.extend(part.account_origins)
    into.interactions.extend(part.interactions)
    into.origins.extend(part.origins)
    into.errors.extend(part.errors)
    into.cursor = newer_cursor(into.cursor, part.cursor)
    for k, v in part.counts.items():
        into.counts[k] = into.counts.get(k, 0) + v
