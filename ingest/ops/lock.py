"""A single-runner lock for refreshes.

``flock`` on a lock file: the kernel releases it when the holder dies, even
by SIGKILL, so a lock can never outlive its process. The file also records the
holder's pid and start time, to say who holds it, and to report when a killed
run's leftover file is taken over.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from pathlib import Path

from graph.errors import ConflictError
from graph.model import utcnow


class RefreshLock:
    """Hold ``path`` exclusively while the ``with`` block runs.

    Raises
    ------
    ConflictError
        Another live process holds the lock (the message names its pid).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "refresh.lock"
    >>> with RefreshLock(p) as lock:
    ...     lock.stale_pid is None
    True
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.stale_pid: int | None = None
        self._fd: int | None = None

    def __enter__(self) -> RefreshLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            who = f"process {holder.get('pid')} since {holder.get('since')}" if holder else "another process"
            raise ConflictError(
                f"another refresh is running ({who}); lock file {self.path}"
            ) from None
        previous = _read_holder(fd)
        if previous.get("pid") and previous.get("pid") != os.getpid():
            # We got the lock, so its previous holder is gone without cleaning up.
            self.stale_pid = int(previous["pid"])
        os.ftruncate(fd, 0)
        os.pwrite(
            fd,
            json.dumps(
                {"pid": os.getpid(), "host": socket.gethostname(), "since": utcnow().isoformat()}
            ).encode(),
            0,
        )
        os.fsync(fd)
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _read_holder(fd: int) -> dict:
    try:
        data = os.pread(fd, 4096, 0)
        return json.loads(data) if data.strip() else {}
    except (OSError, ValueError):
        return {}
