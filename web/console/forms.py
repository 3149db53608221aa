"""Reading console forms into core's types; a bad value is core's InvalidInput, named."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from core.errors import DomainError, InvalidInput, NotFound
from core.money import parse_yuan

Form = Mapping[str, object]


def text(form: Form, name: str) -> str:
    """A text field, trimmed ('' when absent)."""
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def checked(form: Form, name: str) -> bool:
    """A checkbox."""
    return text(form, name) in ("1", "on", "yes", "true")


def yuan(form: Form, name: str, *, required: bool = False) -> int | None:
    """Yuan typed by hand → fen (None when left empty and not required)."""
    raw = text(form, name)
    if not raw:
        if required:
            raise InvalidInput(field=name, reason="required")
        return None
    try:
        return parse_yuan(raw)
    except ValueError:
        raise InvalidInput(field=name, reason="yuan with at most 2 decimals") from None


def whole(form: Form, name: str, *, default: int | None = None) -> int | None:
    """A whole number (``default`` when left empty)."""
    raw = text(form, name)
    if not raw:
        return default
    if not raw.isdigit():
        raise InvalidInput(field=name, reason="a whole number")
    return int(raw)


def day_start(form: Form, name: str, tz: ZoneInfo, *, days_after: int = 0) -> dt.datetime | None:
    """A date field as the start of that business day (plus ``days_after``), aware."""
    raw = text(form, name)
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(field=name, reason="a date like 2026-12-31") from None
    return dt.datetime.combine(day + dt.timedelta(days=days_after), dt.time(0), tzinfo=tz)


def clock_time(form: Form, name: str) -> dt.time:
    """A time of day like 15:00."""
    raw = text(form, name)
    try:
        return dt.time.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(field=name, reason="a time like 15:00") from None


def explain(t: Translator, refusal: DomainError) -> str:
    """A refusal as one line on the page: what was not saved and why (core's words)."""
    if isinstance(refusal, InvalidInput):
        return t.gettext("Not saved: %(field)s: %(reason)s") % {
            "field": refusal.field,
            "reason": refusal.reason,
        }
    if isinstance(refusal, NotFound):
        return t.gettext("Not found: %(what)s %(key)s") % {
            "what": refusal.what,
            "key": refusal.key,
        }
    return t.gettext("Not saved: %(reason)s") % {"reason": refusal.code}
