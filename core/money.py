"""Money is integer fen. Parsing and percentages live here so no float ever meets a price."""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum

_YUAN = re.compile(r"^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$")


class Rounding(StrEnum):
    """How a percentage discount rounds a fraction of a fen (named, never implicit)."""

    DOWN = "down"  # the customer saves slightly less, never more than the percentage
    HALF_UP = "half_up"
    UP = "up"


_DECIMAL_ROUNDING = {
    Rounding.DOWN: ROUND_FLOOR,
    Rounding.HALF_UP: ROUND_HALF_UP,
    Rounding.UP: ROUND_CEILING,
}


def require_fen(value: object, what: str = "amount") -> int:
    """Reject anything that is not a whole number of fen (floats and bools included)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be integer fen, got {type(value).__name__}")
    return value


def percent_of(fen: int, percent: int, rounding: Rounding) -> int:
    """``percent``% of ``fen``, rounded as named; 0 <= percent <= 100."""
    require_fen(fen)
    if not 0 <= percent <= 100:
        raise ValueError("percent must be between 0 and 100")
    exact = Decimal(fen) * Decimal(percent) / Decimal(100)
    return int(exact.quantize(Decimal(1), rounding=_DECIMAL_ROUNDING[rounding]))


def parse_yuan(text: str) -> int:
    """Parse ``"12.30"`` yuan into 1230 fen; more than two decimals or a sign is refused."""
    match = _YUAN.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a price in yuan with at most two decimals")
    whole, frac = match.groups()
    return int(whole) * 100 + int((frac or "0").ljust(2, "0"))


def yuan_str(fen: int) -> str:
    """Plain ``"12.30"`` for logs, CSV and CLI output (chat replies format with Babel)."""
    require_fen(fen)
    sign = "-" if fen < 0 else ""
    whole, frac = divmod(abs(fen), 100)
    return f"{sign}{whole}.{frac:02d}"
