"""The partner's view of the unit's households: who they are, when they last ordered, crates out.

A unit has about 5,000 households, so the list is paged: the walking order (building,
then room, as on the run sheet) is worked out from a light query of every customer's
address, and orders and crates are aggregated in SQL for the shown page only. Household
flags (elderly, children, pregnant) appear only when the customer consented to share them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from core.delivery.batches import room_key
from core.delivery.crates import balances, open_pickups
from core.errors import NotFound
from core.models import Building, Customer, Order, Partner
from core.orders.status import Status
from core.platform.clock import to_utc
from core.platform.uow import UnitOfWork

FLAGS = ("elderly", "children", "pregnant")
LAST_ORDERS = 3
_LAST = 1 << 30  # customers without a building are listed after every building


@dataclass(frozen=True)
class CustomerRow:
    """One household on the list; ``customer_id`` is for buttons only."""

    customer_id: int
    display_name: str | None
    building_label: str | None
    room: str | None
    last_order_on: dt.date | None
    orders: int
    crates_out: int
    flags: tuple[str, ...]


@dataclass(frozen=True)
class CustomerPage:
    """A page of the list; ``page`` is the one actually shown (clamped to the last)."""

    rows: tuple[CustomerRow, ...]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class OrderBrief:
    """A past order as the card lists it."""

    order_no: str
    placed_on: dt.date
    total_fen: int
    status: str


@dataclass(frozen=True)
class CustomerCard:
    """What the partner may know of one household: what they gave us, nothing of their chat."""

    customer_id: int
    display_name: str | None
    building_label: str | None
    room: str | None
    phone: str | None
    orders: int
    last_orders: tuple[OrderBrief, ...]
    crates_out: int
    open_pickups: tuple[dt.date, ...]
    flags: tuple[str, ...]


def consented_flags(customer: Customer) -> tuple[str, ...]:
    """The household flags the customer agreed to share; none without consent."""
    if customer.profile_consent_at is None:
        return ()
    chosen = (customer.has_elderly, customer.has_children, customer.has_pregnant)
    return tuple(flag for flag, on in zip(FLAGS, chosen, strict=True) if on)


def _local_day(uow: UnitOfWork, instant: dt.datetime | None) -> dt.date | None:
    """The business date of a stored instant."""
    if instant is None:
        return None
    return to_utc(instant).astimezone(uow.settings.tz).date()


async def _walking_order(uow: UnitOfWork, unit_id: int) -> list[int]:
    """Every customer id of the unit, by building walk order, then room, then id."""
    rows = await uow.session.execute(
        select(Customer.id, Building.sort_order, Customer.room)
        .outerjoin(Building, Building.id == Customer.building_id)
        .where(Customer.unit_id == unit_id)
    )
    keyed = [
        ((_LAST if sort is None else sort, room_key(room), customer_id), customer_id)
        for customer_id, sort, room in rows
    ]
    keyed.sort(key=lambda pair: pair[0])
    return [customer_id for _key, customer_id in keyed]


async def _order_stats(
    uow: UnitOfWork, unit_id: int, customer_ids: Sequence[int]
) -> dict[int, tuple[int, dt.datetime | None]]:
    """Per customer: orders in this unit that were not cancelled, and the last one's time.

    Grouped by unit too rather than filtered on it: a filter on ``unit_id`` tempts SQLite
    (without statistics) into the (unit, delivery date) index, a scan of the unit's whole
    history instead of the page's customers' orders.
    """
    if not customer_ids:
        return {}
    rows = await uow.session.execute(
        select(Order.customer_id, Order.unit_id, func.count(Order.id), func.max(Order.placed_at))
        .where(Order.customer_id.in_(customer_ids), Order.status != Status.CANCELLED)
        .group_by(Order.customer_id, Order.unit_id)
    )
    return {
        customer_id: (int(count), last)
        for customer_id, unit, count, last in rows
        if unit == unit_id
    }


async def _with_labels(
    uow: UnitOfWork, customer_ids: Sequence[int]
) -> dict[int, tuple[Customer, str | None]]:
    """The page's customers with their building's label."""
    if not customer_ids:
        return {}
    rows = await uow.session.execute(
        select(Customer, Building.label)
        .outerjoin(Building, Building.id == Customer.building_id)
        .where(Customer.id.in_(customer_ids))
    )
    return {customer.id: (customer, label) for customer, label in rows}


async def unit_customers(
    uow: UnitOfWork, unit_id: int, *, page: int, per_page: int = 8
) -> CustomerPage:
    """One page of the unit's customers in walking order; a page past the end is the last."""
    per_page = max(1, per_page)
    ordered = await _walking_order(uow, unit_id)
    pages = max(1, -(-len(ordered) // per_page))
    page = min(max(page, 0), pages - 1)
    shown = ordered[page * per_page : (page + 1) * per_page]
    people = await _with_labels(uow, shown)
    stats = await _order_stats(uow, unit_id, shown)
    crates = await balances(uow, shown)
    rows = []
    for customer_id in shown:
        customer, label = people[customer_id]
        count, last = stats.get(customer_id, (0, None))
        rows.append(
            CustomerRow(
                customer_id=customer_id,
                display_name=customer.display_name,
                building_label=label,
                room=customer.room,
                last_order_on=_local_day(uow, last),
                orders=count,
                crates_out=crates.get(customer_id, 0),
                flags=consented_flags(customer),
            )
        )
    return CustomerPage(rows=tuple(rows), page=page, pages=pages, total=len(ordered))


async def _own(uow: UnitOfWork, partner: Partner, customer_id: int) -> tuple[Customer, str | None]:
    """The customer with their building label, if of the partner's unit; else not found.

    The same refusal as ``core.delivery.doorstep.own_customer``, without its row lock: this
    only reads.
    """
    row = (
        await uow.session.execute(
            select(Customer, Building.label)
            .outerjoin(Building, Building.id == Customer.building_id)
            .where(Customer.id == customer_id)
        )
    ).first()
    if row is None or row[0].unit_id != partner.unit_id:
        raise NotFound(what="customer", key=customer_id)
    return row[0], row[1]


async def customer_card(uow: UnitOfWork, partner: Partner, customer_id: int) -> CustomerCard:
    """One household in detail; a customer of another unit does not exist for this partner."""
    customer, label = await _own(uow, partner, customer_id)
    history = await uow.session.execute(
        select(Order.order_no, Order.placed_at, Order.total_fen, Order.status, Order.unit_id)
        .where(Order.customer_id == customer_id)  # the customer's index; the unit is kept below
        .order_by(Order.placed_at.desc(), Order.id.desc())
    )
    here = [row for row in history if row.unit_id == partner.unit_id]
    crates = await balances(uow, [customer_id])
    pickups = await open_pickups(uow, customer_id)
    last_orders = []
    for order_no, placed_at, total_fen, status, _unit in here[:LAST_ORDERS]:
        placed_on = _local_day(uow, placed_at)
        assert placed_on is not None  # placed_at is never null
        last_orders.append(OrderBrief(order_no, placed_on, total_fen, status))
    return CustomerCard(
        customer_id=customer.id,
        display_name=customer.display_name,
        building_label=label,
        room=customer.room,
        phone=customer.phone,
        orders=sum(1 for row in here if row.status != Status.CANCELLED),
        last_orders=tuple(last_orders),
        crates_out=crates.get(customer_id, 0),
        open_pickups=tuple(pickup.pickup_date for pickup in pickups),
        flags=consented_flags(customer),
    )
