"""An injectable clock: business time in the configured zone, storage in UTC."""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo

UTC = dt.UTC


class Clock(Protocol):
    """Anything that can tell the current instant."""

    def now(self) -> dt.datetime:
        """The current instant, timezone-aware."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> dt.datetime:
        """Now, in UTC."""
        return dt.datetime.now(UTC)


class FixedClock:
    """A clock tests set and move by hand."""

    def __init__(self, instant: dt.datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware instant")
        self._instant = instant

    def now(self) -> dt.datetime:
        """The instant the test chose."""
        return self._instant

    def set(self, instant: dt.datetime) -> None:
        """Jump to another aware instant."""
        if instant.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware instant")
        self._instant = instant

    def advance(self, delta: dt.timedelta) -> None:
        """Move forward by ``delta``."""
        self._instant += delta


def local_now(clock: Clock, tz: ZoneInfo) -> dt.datetime:
    """Business time: the clock's instant seen in the business zone."""
    return clock.now().astimezone(tz)


def to_utc(instant: dt.datetime) -> dt.datetime:
    """Normalise an aware instant to UTC for storage."""
    if instant.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware one")
    return instant.astimezone(UTC)
