"""Login throttling: failed password attempts slow down, per session and per client.

The app's shared password (``SCOUT_APP_PASSWORD``) has no account to lock, so
guessing is slowed instead: from the :data:`FREE_ATTEMPTS`-th failure on, a key (a
browser session, or a client address shared by all its sessions) must wait
``2 ** (failures - FREE_ATTEMPTS)`` seconds, up to :data:`MAX_DELAY`, before the
next attempt is even checked. A success clears the key. Nothing sleeps: a
refused attempt returns at once with the time left, so a server thread is never
held.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

#: Failures allowed before delays start.
FREE_ATTEMPTS = 3
#: Longest wait between attempts (seconds).
MAX_DELAY = 300.0
#: Keys remembered (oldest forgotten first), so a flood of clients cannot exhaust memory.
MAX_KEYS = 10_000


class LoginThrottle:
    """Failed attempts per key, and when each key may try again.

    Parameters
    ----------
    clock : callable
        Monotonic seconds (tests pass a fake clock).

    Examples
    --------
    >>> t = LoginThrottle(clock=lambda: 0.0)
    >>> for _ in range(2):
    ...     t.failed(["session:a"])
    >>> t.wait(["session:a"]), t.wait(["session:b"])
    (0.0, 0.0)
    >>> t.failed(["session:a"]); t.wait(["session:a"])
    1.0
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, tuple[int, float]] = {}  # key -> (failures, not before)

    def wait(self, keys: Iterable[str]) -> float:
        """Seconds before any of ``keys`` may try again (0 when it may now)."""
        now = self._clock()
        with self._lock:
            until = max((self._failures.get(k, (0, 0.0))[1] for k in keys), default=0.0)
        return max(0.0, until - now)

    def failed(self, keys: Iterable[str]) -> None:
        """Record a failed attempt for each key."""
        now = self._clock()
        with self._lock:
            for key in keys:
                n = self._failures.pop(key, (0, 0.0))[0] + 1
                delay = 0.0 if n < FREE_ATTEMPTS else min(MAX_DELAY, 2.0 ** (n - FREE_ATTEMPTS))
                self._failures[key] = (n, now + delay)
            while len(self._failures) > MAX_KEYS:
                self._failures.pop(next(iter(self._failures)))

    def succeeded(self, keys: Iterable[str]) -> None:
        """Forget the failures of ``keys``."""
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


#: The process-wide throttle the app uses (sessions of one server share it).
LOGIN_THROTTLE = LoginThrottle()
