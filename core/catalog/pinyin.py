"""Pinyin search keys, so customers can type "kele" or "kl" on a phone keyboard to find 可乐."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

_SPACES = re.compile(r"\s+")
_NOT_CHINESE = "\x00"


def _fold(text: str) -> str:
    """Full-width to half-width, lowercase: what a search box compares."""
    return unicodedata.normalize("NFKC", text).lower()


def _mark_not_chinese(chars: str) -> str:
    """Tag a non-Chinese run so it is kept whole in the initials, not cut to one letter."""
    return _NOT_CHINESE + chars


@lru_cache(maxsize=50_000)
def _word_keys(word: str) -> tuple[str, str]:
    """(pinyin, initials) of one space-free word; cached because brands and product words
    repeat across a catalog, and pypinyin's phrase segmentation is the slow part of an import.
    """
    full: list[str] = []
    initials: list[str] = []
    for item in lazy_pinyin(word, style=Style.NORMAL, errors=_mark_not_chinese):
        if item.startswith(_NOT_CHINESE):
            full.append(item[1:])
            initials.append(item[1:])
        else:
            full.append(item)
            initials.append(item[:1])
    return "".join(full), "".join(initials)


def search_keys(name_zh: str) -> tuple[str, str]:
    """(full pinyin, initials) of a Chinese name; latin runs kept, spaces dropped.

    "可口可乐 500ml" → ("kekoukele500ml", "kkkl500ml").
    """
    words = [_word_keys(word) for word in _fold(name_zh).split()]
    return "".join(full for full, _ in words), "".join(initials for _, initials in words)


def normalise_query(text: str) -> str:
    """Fold width and case and collapse whitespace, so "  ＫｅＬｅ " and "kele" search alike."""
    return _SPACES.sub(" ", _fold(text)).strip()
