"""Rooms as residents type them, and the one spelling a household is known by (pure).

``12栋 1203``, ``12-1203`` and `` 1203 `` typed for building 12 are one door: the
building's own label or number in front of the room is dropped when it repeats the
building, with its separators and spaces; a trailing 室/房 too. ``2-301`` in building 12
stays ``2-301`` (stairwell 2, room 301): only a prefix that *is* the building is dropped.
"""

from __future__ import annotations

import re
import unicodedata

from core.errors import InvalidInput

MAX_ROOM = 20
_TYPED = re.compile(r"^[0-9A-Z\-#栋幢号楼座室单元 ]{1,20}$")
_HAS_ROOM = re.compile(r"[0-9]")  # a room always has a number
_BUILDING_WORDS = ("号楼", "栋", "幢", "座", "楼", "号", "#")
_SEPARATORS = " -#./"
_DASHES = str.maketrans({"—": "-", "–": "-", "‐": "-", "_": "-", "/": "-", "·": "-"})


def _plain(text: str) -> str:
    """Half-width, upper case, one space between words, dashes as '-'."""
    folded = unicodedata.normalize("NFKC", text or "").upper().translate(_DASHES)
    return re.sub(r"\s+", " ", folded).strip()


def normalise_room(text: str) -> str:
    """A typed room, tidied; InvalidInput when it cannot be a room (no number, odd signs)."""
    room = _plain(text)
    if not _TYPED.match(room) or not _HAS_ROOM.search(room):
        raise InvalidInput(field="room", reason="1–10 letters, digits or '-'")
    return room


def building_number(label: str) -> str:
    """The number (or letter) a building is called by: ``12栋`` → ``12``, ``A座`` → ``A``."""
    plain = _plain(label).replace(" ", "")
    for word in _BUILDING_WORDS:
        if plain.endswith(word) and len(plain) > len(word):
            return plain[: -len(word)]
    return plain


def _without_building(room: str, label: str) -> str:
    """Drop a leading repeat of the building (``12栋``, ``12号楼``, ``12-``, ``12 ``)."""
    number = building_number(label)
    compact = room.replace(" ", "")
    prefixes = {_plain(label).replace(" ", "")} | {number + word for word in _BUILDING_WORDS}
    for prefix in sorted(prefixes, key=len, reverse=True):
        rest = compact[len(prefix) :]
        if number and compact.startswith(prefix) and _HAS_ROOM.search(rest):
            return rest
    if number and room.startswith(number):
        rest = room[len(number) :]
        if rest[:1] and rest[0] in _SEPARATORS and _HAS_ROOM.search(rest):
            return rest
    return room


def household_room(text: str, building_label: str) -> str:
    """The room a household is keyed by in ``building_label``'s building."""
    room = _without_building(normalise_room(text), building_label)
    for suffix in ("室", "房"):
        if room.endswith(suffix) and _HAS_ROOM.search(room[: -len(suffix)]):
            room = room[: -len(suffix)]
    room = re.sub(r"[ #]+", "-", room.strip(_SEPARATORS))
    room = re.sub(r"-{2,}", "-", room).strip("-")
    if not room or not _HAS_ROOM.search(room):
        raise InvalidInput(field="room", reason="1–10 letters, digits or '-'")
    return room[:MAX_ROOM]
