"""When an order arrives: before the unit's cutoff → tonight, otherwise tomorrow evening."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class DeliverySlot:
    """The evening an order goes out, in business time."""

    date: dt.date
    window_start: dt.time
    window_end: dt.time

    def is_today(self, now_local: dt.datetime) -> bool:
        """True when the slot is this evening."""
        return self.date == now_local.date()


def delivery_slot(
    now: dt.datetime,
    tz: ZoneInfo,
    *,
    cutoff: dt.time,
    window_start: dt.time,
    window_end: dt.time,
) -> DeliverySlot:
    """The slot for an order placed at the aware instant ``now`` (15:00:00 sharp is too late)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(tz)
    day = local.date() if local.time() < cutoff else local.date() + dt.timedelta(days=1)
    return DeliverySlot(date=day, window_start=window_start, window_end=window_end)


def cutoff_instant(day: dt.date, cutoff: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The aware instant the pick list for ``day`` closes."""
    return dt.datetime.combine(day, cutoff, tzinfo=tz)
