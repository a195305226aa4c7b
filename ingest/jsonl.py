"""X archives: JSON Lines (or one JSON document) of pages, tweets or users.

The shape of each line is detected on its own (:func:`ingest.x_parse.detect_shape`),
so one file may mix API v2 pages saved by twarc2 or Scout, single v2 tweets,
twarc2's flattened tweets and API v1.1 tweets. A file whose first line is a
lone ``[`` or ``{`` is read as one pretty-printed JSON document instead (for
example a list of recorded ``{uri, body}`` responses).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import chain

import numpy as np
import pandas as pd

from ingest.jsonio import loads
from ingest.pipeline import Chunk
from ingest.records import newer_cursor
from ingest.sources import Input
from ingest.x_parse import Parsed, RecordError, SeenUsers, parse_x_record

_NOT_BLANK = re.compile(rb"\S")
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


def iter_x_chunks(inp: Input, lines_per_chunk: int = LINES_PER_CHUNK, columnar: bool = True) -> Iterator[Chunk]:
    """Parse an opened X archive into chunks for :func:`ingest.pipeline.run_ingest`.

    Parameters
    ----------
    inp : Input
        From :func:`ingest.sources.open_input`.
    lines_per_chunk : int
        Lines per chunk (line by line).
    columnar : bool
        Read an archive of API v2 pages column-wise (:mod:`ingest.x_columns`),
        with the same result; ``False`` reads every line on its own.

    Yields
    ------
    Chunk
        Parsed records; bad lines as ``file:line: reason`` errors.

    Raises
    ------
    InputError
        If the file cannot be read to its end.
    """
    from ingest.x_columns import block_lines, read_blocks

    if inp.is_stdin or not columnar:
        # A pipe is read line by line, so that records are written as they arrive.
        yield from _records(inp, inp.lines(), lines_per_chunk)
        return
    blocks = read_blocks(inp)
    head: list[tuple[int, bytes, int]] = []
    for item in blocks:
        head.append(item)
        if _NOT_BLANK.search(item[1]):
            break  # the first non-blank line is in this block
    # Both read on from ``blocks`` after the head; only one of them is ever consumed past it.
    lines = chain.from_iterable(block_lines(s, b) for s, b, _ in chain(head, blocks))
    yield from _records(inp, lines, lines_per_chunk, blocks=chain(head, blocks))


def _records(inp: Input, lines: Iterator[tuple[int, bytes]], lines_per_chunk: int,
             blocks: Iterable[tuple[int, bytes, int]] | None = None) -> Iterator[Chunk]:
    """Chunks of a file by its first line: one JSON document, pages (column-wise, when the
    file's ``blocks`` are given), or lines one by one."""
    first = next(((n, line) for n, line in lines if line.strip()), None)
    if first is None:
        return
    if first[1].strip().lstrip(b"\xef\xbb\xbf") in (b"[", b"{"):
        yield _document_chunk(inp, first, lines)
        return
    shape = _page_shape(first[1]) if blocks is not None else None
    if shape is not None:
        yield from _columnar_chunks(inp, blocks, lines_per_chunk, stream=shape == "stream")
        return
    yield from _line_chunks(inp, chain([first], lines), lines_per_chunk, SeenUsers())


def _page_shape(line: bytes) -> str | None:
    """``"pages"`` (``data`` a list of tweets) or ``"stream"`` (``data`` one tweet, the filtered
    stream's lines) when a line is what the column-wise reader takes, else ``None``."""
    try:
        obj = loads(line.lstrip(b"\xef\xbb\xbf"))
    except ValueError:
        return None
    data = obj.get("data") if isinstance(obj, dict) else None
    if isinstance(data, list):
        return "pages"
    if isinstance(data, dict) and "username" not in data:
        return "stream"
    return None


def _line_chunks(inp: Input, lines: Iterable[tuple[int, bytes]], lines_per_chunk: int,
                 seen: SeenUsers | None) -> Iterator[Chunk]:
    """Chunks of lines parsed one by one."""
    chunk = Chunk()
    pending = 0
    for n, line in lines:
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


def _columnar_chunks(inp: Input, blocks: Iterable[tuple[int, bytes, int]], lines_per_chunk: int,
                     stream: bool = False) -> Iterator[Chunk]:
    """Blocks of pages read column-wise; lines (or blocks) the columns cannot take, line by line.

    The next block is read and decoded by Arrow in a background thread (both
    release the GIL) while this one is turned into chunks and written. Lines
    parsed one by one here do not skip repeated profiles (``seen=None``): the
    column-wise pages between them write profiles the line parser would not know of.
    """
    from ingest.x_columns import PageColumns, SeenProfiles, block_lines

    profiles = SeenProfiles()
    for start, raw, table in _decoded(blocks, stream):
        if table is None:
            yield from _line_chunks(inp, block_lines(start, raw), lines_per_chunk, None)
            continue
        cols = PageColumns(table)
        hard = cols.hard
        lines: list[bytes] | None = None
        bounds = np.flatnonzero(np.diff(hard.astype(np.int8))) + 1
        for a, b in zip(np.r_[0, bounds].tolist(), np.r_[bounds, len(hard)].tolist(), strict=True):
            if hard[a]:
                if lines is None:
                    lines = raw.split(b"\n")
                yield from _line_chunks(inp, ((start + i, lines[i].rstrip(b"\r")) for i in range(a, b)),
                                        lines_per_chunk, None)
            else:
                mask = np.zeros(len(hard), dtype=bool)
                mask[a:b] = True
                chunk = _frame_chunk(cols, mask, start, inp.name, profiles)
                chunk.position = inp.position()
                yield chunk


def _decoded(blocks: Iterable[tuple[int, bytes, int]], stream: bool) -> Iterator[tuple[int, bytes, object]]:
    """``(start line, block, table or None)``, one block decoded ahead in a background thread."""
    from ingest.x_columns import read_pages

    def decode(item: tuple[int, bytes, int] | None):
        if item is None:
            return None
        start, raw, newlines = item
        block = raw[3:] if start == 1 and raw.startswith(b"\xef\xbb\xbf") else raw
        return start, raw, read_pages(block, newlines, stream)

    it = iter(blocks)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="scout-x-decode") as pool:
        ahead = pool.submit(lambda: decode(next(it, None)))
        while True:
            item = ahead.result()  # re-raises a read error of the file
            if item is None:
                return
            ahead = pool.submit(lambda: decode(next(it, None)))
            yield item


def _frame_chunk(cols, mask: np.ndarray, start: int, name: str, profiles) -> Chunk:
    """The chunk of the pages ``mask`` selects: interactions column-wise, accounts as records."""
    from ingest.x_columns import account_rows, accounts_frame

    e = cols.edges[mask[cols.edges["page"].to_numpy()]].reset_index(drop=True)
    frame = pd.DataFrame({
        "platform": pd.Series(np.full(len(e), "x", dtype=object), dtype="str"),
        "post_id": e["post_id"], "kind": e["kind"], "source": e["source"], "target": e["target"],
        "at": pd.to_datetime(e["created_at"], utc=True, format="ISO8601"),
        "text": e["text"], "topics": e["topics"], "lang": e["lang"],
        "weight": np.ones(len(e), dtype="float64"),
    })
    accounts = accounts_frame(account_rows(cols, mask, profiles))
    posts = int(cols.posts[mask].sum())
    chunk = Chunk(read=posts, account_frame=accounts, frame=frame,
                  frame_lines=(start + e["page"].to_numpy()).astype(np.int64), origin_name=name)
    counts = {"posts": posts, "referenced": int(cols.referenced[mask].sum()),
              "api_errors": int(cols.api_errors[mask].sum()), "unresolved": int(cols.unresolved[mask].sum())}
    chunk.counts = {k: v for k, v in counts.items() if v}
    ids = cols.newest[mask[cols.newest["page"].to_numpy()]]["id"].to_numpy()
    if len(ids):
        chunk.cursor = newer_cursor(None, int(ids.view(np.uint64).max()))
    return chunk


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
