"""Sign-in throttling: a few wrong passwords per username and per address, then a pause.

A small sliding window kept in memory per process (no library: aiolimiter, already a
dependency, paces outgoing calls; this counts failures per key and forgets them after
the window). The clock is the database's, so tests move time by hand.
"""

from __future__ import annotations

import datetime as dt
from collections import deque

from core.platform.clock import Clock

_MAX_KEYS = 10_000  # a flood of made-up usernames cannot grow the table without bound


class FailureLimiter:
    """Counts failed sign-ins per key within ``window``; ``limit`` of them blocks the key."""

    def __init__(self, clock: Clock, *, limit: int, window: dt.timedelta) -> None:
        self.clock = clock
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[dt.datetime]] = {}

    def _recent(self, key: str) -> deque[dt.datetime]:
        """The key's failures still inside the window."""
        times = self._failures.get(key)
        if times is None:
            return deque()
        cutoff = self.clock.now() - self.window
        while times and times[0] <= cutoff:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, key: str) -> dt.timedelta | None:
        """How long until ``key`` may try again; None when it may try now."""
        times = self._recent(key)
        if len(times) < self.limit:
            return None
        return times[-self.limit] + self.window - self.clock.now()

    def failed(self, key: str) -> None:
        """Record one wrong password against ``key``."""
        if len(self._failures) >= _MAX_KEYS:
            self._failures.clear()
        self._failures.setdefault(key, deque()).append(self.clock.now())

    def succeeded(self, key: str) -> None:
        """A right password clears the key's count."""
        self._failures.pop(key, None)
