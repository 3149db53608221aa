"""Rooms typed every which way name one household: the pure normalisation rule."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from core.people.rooms import building_number, household_room, normalise_room


@pytest.mark.parametrize(
    "typed",
    ["1203", " 1203 ", "12栋 1203", "12栋1203", "12-1203", "12 1203", "12号楼1203", "12#1203",
     "12栋1203室", "１２栋　１２０３", "12—1203", "12栋 - 1203"],
)  # fmt: skip
def test_the_same_door_in_building_12_is_always_room_1203(typed):
    assert household_room(typed, "12栋") == "1203"


@pytest.mark.parametrize(
    ("typed", "label", "room"),
    [
        ("2-301", "12栋", "2-301"),  # stairwell 2 of building 12: not the building
        ("1203", "1栋", "1203"),  # a room starting with the building's digit stays whole
        ("1-203", "1栋", "203"),
        ("12-03", "1栋", "12-03"),
        ("a-1203", "A座", "1203"),
        ("b1203", "12栋", "B1203"),
        ("2单元 301", "12栋", "2单元-301"),
        ("12栋", "12栋", "12栋"),  # nothing after the building: kept as typed
    ],
)
def test_only_a_prefix_that_is_the_building_is_dropped(typed, label, room):
    assert household_room(typed, label) == room


@pytest.mark.parametrize("typed", ["", "   ", "oops room", "🏠", "x" * 30, "'; DROP TABLE", "栋"])
def test_what_cannot_be_a_room_is_refused_naming_the_room(typed):
    with pytest.raises(InvalidInput) as refusal:
        household_room(typed, "12栋")
    assert refusal.value.field == "room"
    with pytest.raises(InvalidInput):
        normalise_room(typed)


def test_a_building_is_called_by_its_number_or_letter():
    assert [building_number(label) for label in ("12栋", "3号楼", "A座", "7")] == [
        "12",
        "3",
        "A",
        "7",
    ]
