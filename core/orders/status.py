"""Order statuses and the only moves between them."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where an order is in its life."""

    PLACED = "placed"
    PICKED = "picked"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


ALLOWED: dict[Status, frozenset[Status]] = {
    Status.PLACED: frozenset({Status.PICKED, Status.CANCELLED}),
    Status.PICKED: frozenset({Status.OUT_FOR_DELIVERY, Status.CANCELLED}),
    Status.OUT_FOR_DELIVERY: frozenset({Status.DELIVERED, Status.CANCELLED}),
    Status.DELIVERED: frozenset({Status.REFUNDED}),
    Status.CANCELLED: frozenset(),
    Status.REFUNDED: frozenset(),
}

# Orders that still go out (or went out): what pick lists and run sheets are made of.
LIVE = (Status.PLACED, Status.PICKED, Status.OUT_FOR_DELIVERY, Status.DELIVERED)

TIMESTAMP_COLUMN: dict[Status, str] = {
    Status.PICKED: "picked_at",
    Status.OUT_FOR_DELIVERY: "out_for_delivery_at",
    Status.DELIVERED: "delivered_at",
    Status.CANCELLED: "cancelled_at",
    Status.REFUNDED: "refunded_at",
}


def can_move(current: Status, requested: Status) -> bool:
    """True when ``requested`` is a legal next status."""
    return requested in ALLOWED[current]
