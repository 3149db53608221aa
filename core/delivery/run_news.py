"""Where tonight's run stands, for telling households: the run started, the door before
yours is done, yours is done.

``start_run`` moves the evening's orders out for delivery (once: a second press moves
nothing, so nobody is told twice); ``stops_ahead`` and ``next_door`` read the run sheet
in walking order. Doors already delivered and doors found empty are not "ahead" of
anyone. The words are the bot's (``bot.flows.partner.tonight_news``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from core.delivery.batches import RunSheet, Stop
from core.models import Order, Partner
from core.orders.lifecycle import move
from core.orders.status import Status
from core.platform.uow import UnitOfWork

NOT_YET_OUT = (Status.PLACED, Status.PICKED)
_STEPS = {Status.PLACED: Status.PICKED, Status.PICKED: Status.OUT_FOR_DELIVERY}


async def start_run(uow: UnitOfWork, partner: Partner, day: dt.date) -> list[int]:
    """Tonight's orders of the partner's unit leave: each one still placed or picked moves
    to out for delivery. The ids of the orders moved now (none on a second press)."""
    orders = list(
        await uow.session.scalars(
            select(Order)
            .where(
                Order.unit_id == partner.unit_id,
                Order.delivery_date == day,
                Order.status.in_(NOT_YET_OUT),
            )
            .order_by(Order.id)
            .with_for_update()
        )
    )
    moved: list[int] = []
    for order in orders:
        while Status(order.status) in _STEPS:
            await move(uow, order, _STEPS[Status(order.status)])
        moved.append(order.id)
    return moved


def _waiting(stop: Stop) -> bool:
    """An order door still to ring at (not delivered, nobody-home not noted)."""
    return stop.kind == "order" and stop.status != Status.DELIVERED and not stop.absent


@dataclass(frozen=True)
class Door:
    """A customer's door on the run: how many doors come before it, in which building the
    partner is now."""

    stop: Stop
    ahead: int
    partner_building: str | None


def doors_waiting(sheet: RunSheet) -> list[Door]:
    """Every order door still to ring at, each with the doors before it; the partner is at
    the first of them."""
    waiting = [stop for stop in sheet.stops if _waiting(stop)]
    here = waiting[0].building_label if waiting else None
    seen: set[int] = set()
    doors: list[Door] = []
    for ahead, stop in enumerate(waiting):
        if stop.customer_id in seen:
            continue  # two orders of one household: one message
        seen.add(stop.customer_id)
        doors.append(Door(stop, ahead, here))
    return doors


def next_door(sheet: RunSheet, order_id: int) -> Door | None:
    """The next door to ring at after the door of ``order_id`` (just delivered), if any."""
    stops = list(sheet.stops)
    index = next((i for i, s in enumerate(stops) if s.order_id == order_id), None)
    if index is None:
        return None
    here = stops[index].building_label
    for stop in stops[index + 1 :]:
        if _waiting(stop) and stop.customer_id != stops[index].customer_id:
            ahead = sum(1 for s in stops[:index] if _waiting(s))
            return Door(stop, ahead, here)
    return None
