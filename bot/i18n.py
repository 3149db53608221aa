"""Gettext catalogs and Babel formats for every channel: one Translator per locale.

Every user-facing string goes through ``Translator.gettext``/``ngettext`` (extracted by
``pybabel extract -F babel.cfg``); money, dates and times are formatted by Babel here
and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.core import negotiate_locale
from babel.dates import format_date, format_skeleton, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from babel.support import Translations

from core.money import require_fen
from core.platform.config import SUPPORTED_LOCALES, get_settings

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
FALLBACK_LOCALE = "zh_CN"

# Delivery days read "11月24日 星期二" / "Tue, Nov 24": CLDR's zh skeleton gives the terser
# "11月24日周二", so the two shipped locales name their pattern; others use the skeleton.
_WEEKDAY_DATE_PATTERNS = {"zh_CN": "M月d日 EEEE", "en": "EEE, MMM d"}
_WEEKDAY_DATE_SKELETON = "MMMEd"

log = logging.getLogger(__name__)


class CatalogMissing(RuntimeError):
    """Neither a compiled .mo nor its .po exists: refuse rather than show English to everyone."""


def N_(message: str) -> str:
    """Mark a string for extraction where it is defined; translate it later with gettext."""
    return message


class Translator:
    """Catalog, Babel locale and business time zone of one language."""

    def __init__(self, locale: str, translations: Translations, tz: ZoneInfo) -> None:
        self.locale = locale
        self.babel_locale = Locale.parse(locale)
        self.tz = tz
        self._translations = translations
        # The shop sells in yuan to people in China: "¥12.30" in every language, not
        # CLDR's "CN¥" for English readers; the rest of the pattern stays the locale's.
        standard = self.babel_locale.currency_formats["standard"].pattern
        self._money_pattern = standard.replace("¤", "'¥'")

    def __repr__(self) -> str:
        return f"Translator({self.locale!r}, tz={self.tz.key!r})"

    def gettext(self, message: str) -> str:
        """The translation of ``message`` (the English msgid itself when untranslated)."""
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The plural form the locale's rules pick for ``n``."""
        return self._translations.ngettext(singular, plural, n)

    def money(self, fen: int) -> str:
        """``1230`` fen → ``"¥12.30"``; integer fen only, so no float ever meets a price."""
        return _money(require_fen(fen, "fen"), self._money_pattern, self.babel_locale)

    def date(self, value: dt.date | dt.datetime) -> str:
        """A calendar date with its year; an instant is first seen in business time."""
        return format_date(self._day(value), format="medium", locale=self.babel_locale)

    def time(self, value: dt.time | dt.datetime) -> str:
        """A clock time ("15:00" / "3:00 PM"); an instant is first seen in business time."""
        if isinstance(value, dt.datetime):
            value = self.local(value).time()
        return format_time(value.replace(tzinfo=None), format="short", locale=self.babel_locale)

    def weekday_date(self, value: dt.date | dt.datetime) -> str:
        """A delivery day: "11月24日 星期二" / "Tue, Nov 24"."""
        day = self._day(value)
        pattern = _WEEKDAY_DATE_PATTERNS.get(self.locale)
        if pattern is None:
            return format_skeleton(_WEEKDAY_DATE_SKELETON, day, locale=self.babel_locale)
        return format_date(day, format=pattern, locale=self.babel_locale)

    def local(self, instant: dt.datetime) -> dt.datetime:
        """An aware instant in business time; a naive one is ambiguous and refused."""
        if instant.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware one")
        return instant.astimezone(self.tz)

    def _day(self, value: dt.date | dt.datetime) -> dt.date:
        """The business date of a date or an instant."""
        if isinstance(value, dt.datetime):
            return self.local(value).date()
        return value


def supported_locale(locale: str | None) -> str:
    """The shipped locale closest to ``locale`` ("en-US" → "en"); unknown → zh_CN."""
    if locale in SUPPORTED_LOCALES:
        return locale
    if locale:
        matched = negotiate_locale([locale.replace("-", "_")], SUPPORTED_LOCALES)
        if matched is not None:
            return matched
    return FALLBACK_LOCALE


def translator(locale: str | None, *, timezone: str | None = None) -> Translator:
    """The cached Translator of ``locale`` (unknown → zh_CN) in the business time zone.

    ``timezone`` defaults to ``LINLI_TIMEZONE`` (Asia/Shanghai).
    """
    return _translator(supported_locale(locale), timezone or get_settings().timezone)


@cache
def _translator(locale: str, timezone: str) -> Translator:
    """One Translator per (locale, zone), built once per process."""
    return Translator(locale, load_translations(locale), ZoneInfo(timezone))


def load_translations(locale: str) -> Translations:
    """The compiled catalog of ``locale``, or the .po compiled in memory when that is stale.

    ``make`` compiles the .mo files, but they are not in git: a fresh checkout running
    pytest, or a .po edited since the last compile, must not quietly show English (the
    msgids) to Chinese customers. Compiling one .po takes milliseconds, so it is done
    here rather than refusing to start; only a missing .po is an error.
    """
    folder = LOCALES_DIR / locale / "LC_MESSAGES"
    po_path, mo_path = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo_path.is_file() and (
        not po_path.is_file() or mo_path.stat().st_mtime >= po_path.stat().st_mtime
    ):
        loaded = Translations.load(str(LOCALES_DIR), [locale], DOMAIN)
        if isinstance(loaded, Translations):
            return loaded
    if not po_path.is_file():
        raise CatalogMissing(f"no {DOMAIN}.po or {DOMAIN}.mo for {locale} under {LOCALES_DIR}")
    log.info("compiling %s in memory (run `make` or `pybabel compile` to cache it)", po_path)
    return compile_po(po_path, locale)


def compile_po(po_path: Path, locale: str) -> Translations:
    """Compile a .po into Translations without writing a file (fuzzy entries left out)."""
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@lru_cache(maxsize=8192)
def _money(fen: int, pattern: str | None, locale: Locale) -> str:
    """Babel's currency formatting, remembered: a cart screen formats dozens of prices."""
    return format_currency(Decimal(fen) / 100, "CNY", format=pattern, locale=locale)
