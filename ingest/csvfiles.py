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

from graph.errors import InputError
from ingest.sources import Input

CANDIDATE_DELIMITERS = ",;\t|"
SNIFF_CHARS = 65536
#: Rows handed to the vectorised converters at a time.
ROWS_PER_CHUNK = 50_000


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
    return header, _rows(inp.name, reader)


def _rows(name: str, reader) -> Iterator[tuple[int, list[str] | str]]:
    """``(line, cells)``, or ``(line, reason)`` for a row the csv module cannot read."""
    last_end = reader.line_num
    while True:
        start = last_end + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise InputError(f"{name}:{start}: not UTF-8 text") from None
        except (OSError, EOFError, zlib.error) as exc:
            # A truncated .gz raises EOFError, which click would report as a bare "Aborted!".
            raise InputError(f"{name}: cannot read past line {last_end}: {exc}") from None
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
