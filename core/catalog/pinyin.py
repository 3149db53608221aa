"""Pinyin search keys, so customers can type "kele" or "kl" on a phone keyboard to find 可乐."""

from __future__ import annotations

import re
import unicodedata

from pypinyin import Style, lazy_pinyin

_SPACES = re.compile(r"\s+")


def _fold(text: str) -> str:
    """Full-width to half-width, lowercase: what a search box compares."""
    return unicodedata.normalize("NFKC", text).lower()


def search_keys(name_zh: str) -> tuple[str, str]:
    """(full pinyin, initials) of a Chinese name; latin runs kept, spaces dropped.

    "可口可乐 500ml" → ("kekoukele500ml", "kkkl500ml").
    """
    folded = _fold(name_zh)
    full = "".join(lazy_pinyin(folded, style=Style.NORMAL))
    initials = "".join(lazy_pinyin(folded, style=Style.FIRST_LETTER))
    return _SPACES.sub("", full), _SPACES.sub("", initials)


def normalise_query(text: str) -> str:
    """Fold width and case and collapse whitespace, so "  ＫｅＬｅ " and "kele" search alike."""
    return _SPACES.sub(" ", _fold(text)).strip()
