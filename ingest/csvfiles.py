"""Reading CSV files with a known set of columns, keeping each row's line number.

Header names are matched case-insensitively, with a few aliases
(``src``/``from`` for ``source``, ``username`` for ``handle``…); columns nobody
knows are ignored and named once on stderr. The delimiter is sniffed
(:class:`csv.Sniffer`, checked against the expected column names) unless given.
"""

from __future__ import annotations

import csv
import io
import itertools
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from graph.errors import InputError
from ingest.sources import Input

CANDIDATE_DELIMITERS = ",;\t|"
SNIFF_CHARS = 65536
#: Rows handed to the vectorised converters at a time.
ROWS_PER_CHUNK = 50_000
#: Rows per column-wise block (:func:`read_blocks`): bigger blocks spread pandas' fixed costs.
ROWS_PER_BLOCK = 100_000


@dataclass
class CsvHeader:
    """A parsed header: canonical column names by position (``None`` = ignored)."""

    columns: list[str | None]
    raw: list[str]
    delimiter: str

    @property
    def ignored(self) -> list[str]:
        return [r for r, c in zip(self.raw, self.columns, strict=True) if c is None and r.strip()]

    def index(self) -> dict[str, int]:
        """Canonical name → position (first occurrence)."""
        out: dict[str, int] = {}
        for i, c in enumerate(self.columns):
            if c is not None and c not in out:
                out[c] = i
        return out


def canonical(name: str, aliases: dict[str, str]) -> str | None:
    """The canonical column for a header cell, or ``None`` if unknown.

    Examples
    --------
    >>> canonical(" Source ", {"source": "source"})
    'source'
    """
    key = name.strip().lower().replace(" ", "_").replace("-", "_").lstrip("\ufeff")
    return aliases.get(key)


def _sniff(sample: str, aliases: dict[str, str], required: Sequence[Sequence[str]]) -> str:
    """The delimiter that makes the header hold the required columns."""
    header_line = sample.splitlines()[0] if sample else ""
    candidates: list[str] = []
    try:
        candidates.append(csv.Sniffer().sniff(sample, delimiters=CANDIDATE_DELIMITERS).delimiter)
    except csv.Error:
        pass
    candidates.extend(d for d in CANDIDATE_DELIMITERS if d not in candidates)
    for d in candidates:
        cols = {canonical(c, aliases) for c in next(csv.reader([header_line], delimiter=d), [])}
        if all(any(alt in cols for alt in group) for group in required):
            return d
    return candidates[0] if candidates else ","


def open_csv(
    inp: Input,
    aliases: dict[str, str],
    required: Sequence[Sequence[str]],
    delimiter: str | None = None,
) -> tuple[CsvHeader, Iterator[tuple[int, list[str] | str]]]:
    """Read a CSV header and return it with an iterator of ``(line, cells)``.

    Parameters
    ----------
    inp : Input
        The opened file.
    aliases : dict
        Lower-case header name → canonical column name.
    required : sequence of sequences
        Each inner sequence lists alternatives, one of which must be present
        (``[["source"], ["target"]]``, ``[["handle", "email"]]``).
    delimiter : str, optional
        Skip sniffing.

    Returns
    -------
    tuple
        The header and an iterator over data rows ``(line, cells)`` (blank lines
        skipped; ``line`` is where the row starts). A row the csv module cannot
        read comes as ``(line, reason)``.

    Raises
    ------
    InputError
        If a required column is missing, or the file is not UTF-8 text.
    """
    text = io.TextIOWrapper(inp.stream, encoding="utf-8-sig", errors="strict", newline="")
    header, reader, _ = _open(inp, text, aliases, required, delimiter)
    return header, _rows(inp.name, reader)


def _open(inp: Input, text: io.TextIOWrapper, aliases: dict[str, str], required: Sequence[Sequence[str]],
          delimiter: str | None):
    """Sniff, read and check the header: ``(header, reader, lines)`` (``lines`` after the header)."""
    try:
        sample = text.read(SNIFF_CHARS)
        if sample and not sample.endswith(("\n", "\r")):
            sample += text.readline()
    except UnicodeDecodeError:
        raise InputError(f"{inp.name}: not UTF-8 text") from None
    except (OSError, EOFError, zlib.error) as exc:
        # A truncated .gz raises EOFError, which click would report as a bare "Aborted!".
        raise InputError(f"{inp.name}: cannot read the start of the file: {exc}") from None
    if delimiter is None:
        delimiter = _sniff(sample, aliases, required)
    elif len(delimiter) != 1:
        if delimiter in ("\\t", "tab"):
            delimiter = "\t"
        else:
            raise InputError(f"delimiter must be one character, got {delimiter!r}")
    lines = itertools.chain(io.StringIO(sample, newline=""), text)
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        raw = next(reader)
    except StopIteration:
        raise InputError(f"{inp.name}: file is empty") from None
    except csv.Error as exc:
        raise InputError(f"{inp.name}:1: unreadable header: {exc}") from None
    header = CsvHeader([canonical(c, aliases) for c in raw], raw, delimiter)
    present = set(header.columns)
    missing = [" or ".join(g) for g in required if not any(alt in present for alt in g)]
    if missing:
        raise InputError(
            f"{inp.name}:1: missing required column(s): {', '.join(missing)} "
            f"(header: {', '.join(raw)}; delimiter {delimiter!r})"
        )
    return header, reader, lines


def _rows(name: str, reader, offset: int = 0) -> Iterator[tuple[int, list[str] | str]]:
    """``(line, cells)``, or ``(line, reason)`` for a row the csv module cannot read.

    ``offset`` is added to the reader's line numbers (a reader started mid-file).
    """
    last_end = reader.line_num
    while True:
        start = last_end + 1 + offset
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise InputError(f"{name}:{start}: not UTF-8 text") from None
        except (OSError, EOFError, zlib.error) as exc:
            # A truncated .gz raises EOFError, which click would report as a bare "Aborted!".
            raise InputError(f"{name}: cannot read past line {last_end + offset}: {exc}") from None
        except csv.Error as exc:
            if reader.line_num <= last_end:  # no progress: give up rather than loop
                raise InputError(f"{name}:{start}: unreadable CSV: {exc}") from None
            last_end = reader.line_num
            yield start, f"unreadable CSV row: {exc}"
            continue
        last_end = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        yield start, row


def chunked(rows: Iterator[tuple[int, list[str] | str]], size: int = ROWS_PER_CHUNK) -> Iterator[list]:
    """Group rows into lists of at most ``size``."""
    while True:
        block = list(itertools.islice(rows, size))
        if not block:
            return
        yield block


@dataclass
class CsvBlock:
    """Rows of a CSV file, column-wise.

    ``cells`` maps each known canonical column to a text Series (pandas ``str``
    dtype) of its cells; ``lines`` holds where each row starts; ``errors``
    are ``(line, reason)`` for rows that cannot be used at all (unreadable, or
    with fields beyond the header).
    """

    lines: np.ndarray
    cells: dict[str, pd.Series]
    errors: list[tuple[int, str]]

    def __len__(self) -> int:
        return len(self.lines)


def read_blocks(
    inp: Input,
    aliases: dict[str, str],
    required: Sequence[Sequence[str]],
    delimiter: str | None = None,
    size: int = ROWS_PER_BLOCK,
    pad: bool = False,
) -> tuple[CsvHeader, Iterator[CsvBlock]]:
    """Like :func:`open_csv`, but the rows come column-wise in blocks of about ``size``.

    Blocks without quote characters (most machine-written edge lists) are split
    by Arrow's CSV reader; from the first quote on, the rest of the file is read
    with the csv module (quoted cells may span lines), then turned into columns.
    Either way each row keeps the line it starts on, blank lines are skipped,
    and a row the csv module cannot read is an error of its own; so is a row
    with fewer fields than the header or more non-empty ones, unless ``pad``:
    then missing cells are empty and extra ones ignored (what the people files'
    readers always accepted).

    Raises
    ------
    InputError
        As :func:`open_csv`.
    """
    text = io.TextIOWrapper(inp.stream, encoding="utf-8-sig", errors="strict", newline="")
    header, reader, lines = _open(inp, text, aliases, required, delimiter)
    return header, _blocks(inp.name, header, reader, lines, size, pad)


def _blocks(name: str, header: CsvHeader, reader, lines, size: int, pad: bool = False
            ) -> Iterator[CsvBlock]:
    width = len(header.columns)
    index = header.index()
    delim = header.delimiter
    line_no = reader.line_num  # physical lines consumed so far (the header)
    while True:
        try:
            physical = list(itertools.islice(lines, size))
        except UnicodeDecodeError:
            raise InputError(f"{name}:{line_no + 1}: not UTF-8 text") from None
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{name}: cannot read past line {line_no}: {exc}") from None
        if not physical:
            return
        joined = "".join(physical)
        if '"' in joined or "\x00" in joined or joined.count("\r") != joined.count("\r\n"):
            # Quotes may open a cell that spans lines: the csv module reads the rest.
            rest = csv.reader(itertools.chain(physical, lines), delimiter=delim)
            yield from _slow_blocks(name, header, rest, line_no, size, pad)
            return
        block = _fast_block(physical, joined, line_no, width, index, delim)
        line_no += len(physical)
        if block is None:  # ragged rows: the csv module splits this block
            rows = csv.reader(physical, delimiter=delim)
            yield from _slow_blocks(name, header, rows, line_no - len(physical), size, pad)
            continue
        yield block


def _fast_block(physical: list[str], joined: str, first: int, width: int, index: dict[str, int],
                delim: str) -> CsvBlock | None:
    """A block of quote-free lines split by Arrow's CSV reader, or ``None`` when rows are ragged."""
    numbers = np.arange(first + 1, first + 1 + len(physical))
    blank_chars = " \t\f\v\r\n" + delim
    # Two string methods per line: cheaper than any column-wise pass over a copy of the lines.
    blank = np.fromiter((not line.strip(blank_chars) for line in physical), dtype=bool, count=len(physical))
    if blank.any():
        physical = [line for line, b in zip(physical, blank.tolist(), strict=True) if not b]
        numbers = numbers[~blank]
        joined = "".join(physical)
    if not physical:
        return CsvBlock(numbers, {c: pd.Series([], dtype="str") for c in index}, [])
    if any(line.count(delim) != width - 1 for line in physical):
        return None
    if not joined.endswith("\n"):
        joined += "\n"
    names = [str(i) for i in range(width)]
    table = pacsv.read_csv(
        io.BytesIO(joined.encode("utf-8")),
        read_options=pacsv.ReadOptions(column_names=names, block_size=max(1 << 20, 2 * len(joined))),
        parse_options=pacsv.ParseOptions(delimiter=delim, quote_char=False, double_quote=False,
                                         escape_char=False, newlines_in_values=False,
                                         ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                             strings_can_be_null=False, quoted_strings_can_be_null=False),
    )
    if table.num_rows != len(physical):  # cannot happen with the checks above; never guess
        return None
    cells = {c: pd.Series(pd.arrays.ArrowStringArray(table.column(i).combine_chunks()), dtype="str")
             for c, i in index.items()}
    return CsvBlock(numbers, cells, [])


def _slow_blocks(name: str, header: CsvHeader, reader, line_no: int, size: int, pad: bool = False
                 ) -> Iterator[CsvBlock]:
    """Rows of the csv module, ``size`` at a time, as blocks (line numbers from ``line_no``;
    ``pad``: short rows get empty cells, extra cells are ignored)."""
    width = len(header.columns)
    index = header.index()
    rows = _rows(name, reader, offset=line_no)
    while True:
        batch = list(itertools.islice(rows, size))
        if not batch:
            return
        errors: list[tuple[int, str]] = []
        good: list[tuple[int, list[str]]] = []
        for line, cells in batch:
            if isinstance(cells, str):
                errors.append((line, cells))
            elif pad:
                good.append((line, cells[:width] + [""] * (width - len(cells))))
            elif len(cells) < width or any(c.strip() for c in cells[width:]):
                # Trailing empty cells (a trailing delimiter) are harmless.
                errors.append((line, f"expected {width} fields, got {len(cells)}"))
            else:
                good.append((line, cells))
        numbers = np.array([line for line, _ in good], dtype=np.int64)
        cells = {c: pd.Series([r[i] for _, r in good], dtype="str") for c, i in index.items()}
        yield CsvBlock(numbers, cells, errors)
