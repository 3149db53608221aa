"""Small counted phrases several screens and scheduled messages share."""

from __future__ import annotations

from bot.i18n import Translator


def crates_text(t: Translator, count: int) -> str:
    """ "1 crate" / "3 crates"."""
    return t.ngettext("{num} crate", "{num} crates", count).format(num=count)


def signed(value: int) -> str:
    """+3 / −2 / ±0: a change since last week."""
    return f"+{value}" if value > 0 else (f"−{-value}" if value < 0 else "±0")
