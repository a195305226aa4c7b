"""Chunks made by a reader in a child process, handed over through a pipe.

Why a process: turning a big X archive into chunks (Arrow's JSON decoding, the
column-wise edge rules, account rows) and writing them to the store are both
partly Python, and one interpreter runs Python on one core at a time. A thread
only overlaps the parts that release the GIL; a child process overlaps all of
it, so reading the next chunk and writing this one share the machine's cores.
At 1M events (a 1.5 GB archive) on 2 cores that is ~17 s → ~13 s; a pickled
chunk of ~45,000 events costs ~35 ms each way.

The child only reads: every write, the run record, the opt-out filter and the
handle resolver stay in the parent, so a run's guarantees (one transaction per
batch, resumable, ``file:line`` errors) do not change. The pipe holds about one
chunk: the child reads ahead by at most a few chunks (:data:`_AHEAD`).
"""

from __future__ import annotations

import multiprocessing as mp
import pickle
import queue
import signal
import threading
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path

from graph.errors import InputError
from ingest.pipeline import Chunk
from ingest.sources import Input, open_input

#: Tags of the messages the child sends.
_CHUNK, _NOTE, _ERROR, _DONE = "chunk", "note", "error", "done"
#: Chunks the child may have made and not yet handed over.
_AHEAD = 2

#: Files at least this big (bytes as stored), by kind, are read in a child process: below it,
#: starting one (a new interpreter importing pandas and Arrow, ~1 s of CPU on the other core)
#: costs more than it saves. An X archive's JSON is ~1.5 KB an event, an edge list's row ~45 B,
#: a profile ~140 B.
CHILD_READER_MIN_BYTES = {"jsonl": 64 << 20, "edges": 16 << 20, "accounts": 32 << 20}


def wants_child(inp: Input, kind: str) -> bool:
    """Whether the opened file ``inp`` of ``kind`` should be read in a child process.

    Parameters
    ----------
    inp : Input
        The opened file; standard input is always read in this process (a child
        cannot open it again), as is every file in a daemon process (e.g. a
        ``multiprocessing`` pool's worker), which may not have children.
    kind : str
        A key of :data:`CHILD_READER_MIN_BYTES`; other kinds never are.

    Returns
    -------
    bool
        ``True`` for a file of at least :data:`CHILD_READER_MIN_BYTES` of its kind.
    """
    least = CHILD_READER_MIN_BYTES.get(kind)
    return (least is not None and not inp.is_stdin and (inp.size or 0) >= least
            and not mp.current_process().daemon)  # a pool's workers may not have children


def file_chunks(inp: Input, path: str | Path, kind: str, reader: Callable[..., Iterator[Chunk]], *args: object,
                note: Callable[[str], None] | None = None, child: bool | None = None) -> Iterator[Chunk]:
    """The chunks ``reader(inp, *args)`` makes of an opened file, in a child process when it is big.

    Parameters
    ----------
    inp : Input
        The opened file (``inp.name`` names it in ``file:line`` messages).
    path : str or Path
        Its path, which the child opens again.
    kind : str
        Its kind, a key of :data:`CHILD_READER_MIN_BYTES`.
    reader : callable
        A module-level function taking the opened file first, then ``*args``
        (picklable), and ``note=`` when ``note`` is given.
    *args
        The reader's other arguments.
    note : callable, optional
        Told the reader's notes (an ignored column…), here in this process.
    child : bool, optional
        Force the child process on or off; default: :func:`wants_child`.

    Yields
    ------
    Chunk
        The same chunks either way.

    Examples
    --------
    >>> from ingest.child_reader import file_chunks  # doctest: +SKIP
    >>> from ingest.csv_edges import iter_edge_chunks
    >>> with open_input("edges.csv") as inp:
    ...     chunks = list(file_chunks(inp, "edges.csv", "edges", iter_edge_chunks, "x"))
    """
    if child is None:
        child = wants_child(inp, kind)
    if not child or inp.is_stdin:
        yield from reader(inp, *args, **({"note": note} if note is not None else {}))
        return
    yield from chunks_in_child(read_file, str(path), inp.name, reader, *args, note=note)


def read_file(path: str, name: str | None, reader: Callable[..., Iterator[Chunk]], *args: object,
              note: Callable[[str], None] | None = None) -> Iterator[Chunk]:
    """Open ``path`` and read it with ``reader(inp, *args)`` (the child process's job).

    ``name`` names the file in ``file:line`` messages (default: ``path``).
    """
    with open_input(path) as inp:
        if name is not None:
            inp.name = name
        yield from reader(inp, *args, **({"note": note} if note is not None else {}))


def chunks_in_child(read: Callable[..., Iterator[Chunk]], *args: object,
                    note: Callable[[str], None] | None = None) -> Iterator[Chunk]:
    """The chunks ``read(*args)`` yields, made in a child process.

    Parameters
    ----------
    read : callable
        A module-level function (the child imports it by name: the ``spawn``
        start method, safe in a process with threads, e.g. the app's server).
    *args
        Its arguments: picklable (a path, not an open file).
    note : callable, optional
        Told each message the reader gives its own ``note`` argument (which
        ``read`` is then called with: ``read(*args, note=...)``), in order with
        the chunks, here in the parent.

    Yields
    ------
    Chunk
        As ``read`` made them, in order.

    Raises
    ------
    ScoutError
        What ``read`` raised (e.g. :class:`InputError` for a file that cannot
        be read to its end), re-raised here; an exception that cannot cross
        the pipe becomes an :class:`InputError` with its type and message.
    InputError
        If the child stops without a word (killed, out of memory).

    Examples
    --------
    >>> from ingest.child_reader import chunks_in_child, read_file  # doctest: +SKIP
    >>> from ingest.jsonl import iter_x_chunks
    >>> chunks = list(chunks_in_child(read_file, "archive.jsonl", "archive.jsonl", iter_x_chunks))
    """
    ctx = mp.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_produce, args=(send, read, args, note is not None), name="scout-reader",
                        daemon=True)
    child.start()
    send.close()  # the child holds the only writing end: its exit is our end of file
    try:
        while True:
            try:
                message = receive.recv_bytes()
            except EOFError:
                child.join(10)
                raise InputError(f"the reader process stopped unexpectedly (exit code {child.exitcode})"
                                 ) from None
            tag, payload = pickle.loads(message)
            if tag == _CHUNK:
                yield payload
            elif tag == _NOTE:
                note(payload)
            elif tag == _ERROR:
                raise payload
            else:
                return
    finally:
        # Also when the consumer stops early (strict mode, an error while writing):
        # the child is stopped rather than left reading a big file for nobody.
        receive.close()
        if child.is_alive():
            child.terminate()
        child.join()


def _produce(send: Connection, read: Callable[..., Iterator[Chunk]], args: tuple, notes: bool = False
             ) -> None:
    """The child: send each chunk (and note, when ``notes``), then ``done``, or the error that
    stopped it."""
    # Ctrl-C reaches the whole process group: the parent decides, and stops the child.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A thread sends while the next chunk is made: the pipe holds only a few KiB, so
    # sending from here would wait for the parent to finish writing the previous one.
    outbox: queue.Queue[bytes | None] = queue.Queue(maxsize=_AHEAD)
    deaf = threading.Event()  # set when the parent stopped listening
    sender = threading.Thread(target=_send_all, args=(send, outbox, deaf), name="scout-reader-send",
                              daemon=True)
    sender.start()
    try:
        def note(message: str) -> None:
            outbox.put(pickle.dumps((_NOTE, str(message))))

        for chunk in read(*args, **({"note": note} if notes else {})):
            if deaf.is_set():
                return  # nothing to tell: stop reading
            outbox.put(pickle.dumps((_CHUNK, chunk), protocol=pickle.HIGHEST_PROTOCOL))
        outbox.put(pickle.dumps((_DONE, None)))
    except Exception as exc:  # noqa: BLE001 - every failure is handed to the parent, never lost
        outbox.put(_error_message(exc))
    finally:
        outbox.put(None)
        sender.join()
        send.close()


def _send_all(send: Connection, outbox: queue.Queue, deaf: threading.Event) -> None:
    """Send the outbox's messages until ``None``; if the parent stopped listening, say so in
    ``deaf`` and drop the rest."""
    while (message := outbox.get()) is not None:
        try:
            send.send_bytes(message)
        except (BrokenPipeError, ConnectionResetError, OSError):
            deaf.set()
            while outbox.get() is not None:  # let the reader's puts finish
                pass
            return


def _error_message(exc: Exception) -> bytes:
    """``exc`` pickled for the parent, or an :class:`InputError` saying what it was."""
    try:
        message = pickle.dumps((_ERROR, exc))
        pickle.loads(message)  # some exceptions pickle but cannot be rebuilt
        return message
    except Exception:  # noqa: BLE001 - replaced by a plain error that names it
        return pickle.dumps((_ERROR, InputError(f"{type(exc).__name__}: {exc}")))


__all__ = ["CHILD_READER_MIN_BYTES", "chunks_in_child", "file_chunks", "read_file", "wants_child"]
