"""Quiet hours: when broadcasts wait (default 21:30–08:00 business time)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def in_quiet_hours(instant: dt.datetime, start: dt.time, end: dt.time, tz: ZoneInfo) -> bool:
    """True when ``instant`` falls in [start, end) local time; the span may cross midnight."""
    local = instant.astimezone(tz).time()
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_hours_end(
    instant: dt.datetime, start: dt.time, end: dt.time, tz: ZoneInfo
) -> dt.datetime:
    """The next instant quiet hours end (``instant`` itself when they are not on), in UTC."""
    if not in_quiet_hours(instant, start, end, tz):
        return instant.astimezone(dt.UTC)
    local = instant.astimezone(tz)
    ends = dt.datetime.combine(local.date(), end, tzinfo=tz)
    if ends <= local:
        ends = dt.datetime.combine(local.date() + dt.timedelta(days=1), end, tzinfo=tz)
    return ends.astimezone(dt.UTC)
