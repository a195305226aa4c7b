"""Opening input files: plain or gzip, a path or ``-`` for stdin.

Every reader in :mod:`ingest` goes through :func:`open_input`, so that an
unreadable, binary or empty file is reported the same way everywhere: one
:class:`~graph.errors.InputError` naming the file, never a traceback.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from graph.errors import InputError

#: How much of a file is sniffed to tell text from binary.
SNIFF_BYTES = 8192
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class Input:
    """An opened input: its printable name, its size (``None`` for stdin) and a byte stream.

    ``stream`` yields decompressed bytes; iterate :meth:`lines` for numbered lines.
    """

    name: str
    stream: BinaryIO
    size: int | None = None
    #: The underlying (compressed) stream, to report progress in bytes.
    raw: BinaryIO | None = None
    #: Standard input is never closed by us.
    is_stdin: bool = False

    def position(self) -> int:
        """Bytes of the (compressed) file read so far; 0 when unknown."""
        try:
            return (self.raw or self.stream).tell()
        except (OSError, ValueError):
            return 0

    def lines(self) -> Iterator[tuple[int, bytes]]:
        """Yield ``(line_number, line)`` with 1-based numbers and line endings stripped.

        Raises
        ------
        InputError
            If the file cannot be read to its end (a truncated gzip stream, an I/O error).
        """
        n = 0
        try:
            for n, line in enumerate(self.stream, start=1):  # noqa: B007 - n used after loop
                yield n, line.rstrip(b"\r\n")
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{self.name}: cannot read past line {n}: {exc}") from None

    def read_all(self) -> bytes:
        """The whole (decompressed) content."""
        try:
            return self.stream.read()
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{self.name}: cannot read: {exc}") from None

    def close(self) -> None:
        if self.is_stdin:
            return
        self.stream.close()
        if self.raw is not None:
            self.raw.close()

    def __enter__(self) -> Input:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _stdin_buffer() -> BinaryIO:
    return getattr(sys.stdin, "buffer", sys.stdin)


def open_input(path: str | Path) -> Input:
    """Open a file for reading, checking that it holds text.

    Parameters
    ----------
    path : str or Path
        A file (``.gz`` files, or any file starting with the gzip magic number,
        are decompressed on the fly) or ``"-"`` for standard input.

    Returns
    -------
    Input
        The opened input, positioned at its start.

    Raises
    ------
    InputError
        If the file does not exist, cannot be read, is empty, or looks binary
        (NUL bytes or bytes that are not UTF-8 in its first 8 KiB).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.csv")
    >>> _ = open(p, "w").write("source,target\\na,b\\n")
    >>> with open_input(p) as f:
    ...     [n for n, _ in f.lines()]
    [1, 2]
    """
    name = str(path)
    is_stdin = name == "-"
    if is_stdin:
        raw: BinaryIO = _stdin_buffer()
        name, size = "<stdin>", None
    else:
        p = Path(path)
        if p.is_dir():
            raise InputError(f"{name}: is a directory")
        try:
            raw = open(p, "rb")  # noqa: SIM115 - closed by Input.close
            size = os.fstat(raw.fileno()).st_size
        except FileNotFoundError:
            raise InputError(f"{name}: no such file") from None
        except OSError as exc:
            raise InputError(f"{name}: cannot open: {exc.strerror or exc}") from None
    # Peek without consuming, so that stdin (not seekable) can be sniffed too.
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[arg-type]
    try:
        head = buffered.peek(2)[:2]
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from None
    stream: BinaryIO = buffered
    if head == _GZIP_MAGIC:
        stream = gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[assignment]
        stream = io.BufferedReader(stream)  # type: ignore[arg-type]
    inp = Input(name=name, stream=stream, size=size, raw=buffered, is_stdin=is_stdin)
    _check_text(inp)
    return inp


def _check_text(inp: Input) -> None:
    """Raise :class:`InputError` if the start of ``inp`` is empty or not UTF-8 text."""
    try:
        head = inp.stream.peek(SNIFF_BYTES)[:SNIFF_BYTES]  # type: ignore[attr-defined]
    except (OSError, EOFError, zlib.error) as exc:
        inp.close()
        raise InputError(f"{inp.name}: cannot read: {exc}") from None
    if not head.strip():
        inp.close()
        raise InputError(f"{inp.name}: file is empty")
    if b"\x00" in head:
        inp.close()
        raise InputError(f"{inp.name}: binary file (NUL bytes), expected text")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sniff window is fine.
        if exc.start < len(head) - 4 or exc.reason != "unexpected end of data":
            inp.close()
            raise InputError(
                f"{inp.name}: not UTF-8 text (undecodable byte at offset {exc.start})"
            ) from None
