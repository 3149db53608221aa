"""The evening's batches for a partner: a pick list at the cutoff and a run sheet by building.

Both are built from a handful of set queries (orders, lines, pickups, crate balances),
never one query per order, so a 300-order evening stays fast.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select

from core.delivery.crates import CANCELLED as PICKUP_CANCELLED
from core.delivery.crates import SCHEDULED as PICKUP_SCHEDULED
from core.delivery.crates import balances
from core.errors import NotFound
from core.models import Building, Category, CratePickup, Customer, Order, OrderLine, Product, Unit
from core.orders.status import LIVE, Status
from core.platform.uow import UnitOfWork

_DIGITS = re.compile(r"(\d+)")
_LAST = 1 << 30  # orders without a building (should not happen) walk last

RoomKey = tuple[tuple[int, int | str], ...]
WalkKey = tuple[int, RoomKey, int, int, int]


@dataclass(frozen=True)
class PickItem:
    """One product to take off the shelf, summed over every order of the evening."""

    sku: str
    name_zh: str
    name_en: str
    unit_zh: str
    unit_en: str
    category_zh: str
    category_en: str
    quantity: int


@dataclass(frozen=True)
class PickList:
    """What to pick for a unit's evening run; gifts are listed apart from paid goods."""

    unit_id: int
    day: dt.date
    order_count: int
    items: tuple[PickItem, ...]
    gifts: tuple[PickItem, ...]


@dataclass(frozen=True)
class StopLine:
    """A line to hand over at a door."""

    sku: str
    name_zh: str
    name_en: str
    unit_zh: str
    unit_en: str
    quantity: int


@dataclass(frozen=True)
class CareNote:
    """What to tell the customer about a special product, as it read at checkout."""

    sku: str
    name_zh: str
    name_en: str
    note_zh: str | None
    note_en: str | None


@dataclass(frozen=True)
class Stop:
    """One door on the run: an order to hand over, or only crates to fetch.

    ``order_id`` is for buttons only; people see ``order_no``. ``kind`` is "order" or
    "pickup"; ``status`` is the order's status, or the pickup's for a pickup-only stop.
    """

    kind: str
    order_id: int | None
    order_no: str | None
    customer_id: int
    building_label: str | None
    room: str | None
    phone: str | None
    items: tuple[StopLine, ...]
    care_notes: tuple[CareNote, ...]
    gifts: tuple[StopLine, ...]
    crates_to_collect: int
    pickup_booked: bool
    amount_to_collect_fen: int
    status: str
    absent: bool = False


@dataclass(frozen=True)
class RunSheet:
    """The evening's doors in walking order, with the totals the partner carries home."""

    unit_id: int
    day: dt.date
    stops: tuple[Stop, ...]
    order_count: int
    amount_to_collect_fen: int
    crates_to_collect: int


def room_key(room: str | None) -> RoomKey:
    """Natural order for rooms: "2-301" before "2-1201", "301" before "1201"."""
    parts = _DIGITS.split((room or "").upper())
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in parts if part)


async def _require_unit(uow: UnitOfWork, unit_id: int) -> None:
    """Batches are per unit; an unknown unit is a mistake worth saying."""
    if await uow.session.get(Unit, unit_id) is None:
        raise NotFound(what="unit", key=unit_id)


def _live_orders(unit_id: int, day: dt.date) -> list[ColumnElement[bool]]:
    """The filter shared by both batches: this unit, this evening, still going out."""
    return [Order.unit_id == unit_id, Order.delivery_date == day, Order.status.in_(LIVE)]


async def pick_list(uow: UnitOfWork, unit_id: int, day: dt.date) -> PickList:
    """Everything to pick for the evening, by aisle then SKU, gifts apart."""
    await _require_unit(uow, unit_id)
    where = _live_orders(unit_id, day)
    count = await uow.session.scalar(select(func.count()).select_from(Order).where(*where))
    quantity = func.sum(OrderLine.quantity).label("quantity")
    columns = (
        OrderLine.is_gift,
        Category.sort_order,
        Category.code,
        Category.name_zh.label("category_zh"),
        Category.name_en.label("category_en"),
        Product.sku,
        Product.name_zh,
        Product.name_en,
        Product.unit_zh,
        Product.unit_en,
    )
    rows = await uow.session.execute(
        select(*columns, quantity)
        .join(Order, OrderLine.order_id == Order.id)
        .join(Product, OrderLine.product_id == Product.id)
        .join(Category, Product.category_id == Category.id)
        .where(*where)
        .group_by(*columns)
        .order_by(Category.sort_order, Category.code, Product.sku)
    )
    items: list[PickItem] = []
    gifts: list[PickItem] = []
    for row in rows:
        entry = PickItem(
            sku=row.sku,
            name_zh=row.name_zh,
            name_en=row.name_en,
            unit_zh=row.unit_zh,
            unit_en=row.unit_en,
            category_zh=row.category_zh,
            category_en=row.category_en,
            quantity=int(row.quantity),
        )
        (gifts if row.is_gift else items).append(entry)
    return PickList(
        unit_id=unit_id,
        day=day,
        order_count=int(count or 0),
        items=tuple(items),
        gifts=tuple(gifts),
    )


@dataclass(frozen=True)
class _OrderRow:
    """The order columns a stop needs."""

    id: int
    order_no: str
    customer_id: int
    room: str | None
    phone: str | None
    status: str
    total_fen: int
    paid: bool
    absent: bool
    crates_issued: int
    label: str | None
    sort_order: int


async def _orders(uow: UnitOfWork, unit_id: int, day: dt.date) -> list[_OrderRow]:
    """The evening's live orders with their building, in one query."""
    rows = await uow.session.execute(
        select(
            Order.id,
            Order.order_no,
            Order.customer_id,
            Order.room,
            Order.phone,
            Order.status,
            Order.total_fen,
            Order.paid_at,
            Order.absent_at,
            Order.crates_issued,
            Building.label,
            Building.sort_order,
        )
        .outerjoin(Building, Order.building_id == Building.id)
        .where(*_live_orders(unit_id, day))
        .order_by(Order.placed_at, Order.id)
    )
    return [
        _OrderRow(
            id=row.id,
            order_no=row.order_no,
            customer_id=row.customer_id,
            room=row.room,
            phone=row.phone,
            status=row.status,
            total_fen=row.total_fen,
            paid=row.paid_at is not None,
            absent=row.absent_at is not None and row.status != Status.DELIVERED,
            crates_issued=row.crates_issued or 0,
            label=row.label,
            sort_order=_LAST if row.sort_order is None else row.sort_order,
        )
        for row in rows
    ]


async def _lines(
    uow: UnitOfWork, unit_id: int, day: dt.date
) -> dict[int, tuple[list[StopLine], list[StopLine], list[CareNote]]]:
    """Paid lines, gifts and care notes per order, from the checkout snapshots, in one query."""
    rows = await uow.session.execute(
        select(
            OrderLine.order_id,
            OrderLine.is_gift,
            OrderLine.sku,
            OrderLine.name_zh,
            OrderLine.name_en,
            OrderLine.unit_zh,
            OrderLine.unit_en,
            OrderLine.quantity,
            OrderLine.care_note_zh,
            OrderLine.care_note_en,
        )
        .join(Order, OrderLine.order_id == Order.id)
        .where(*_live_orders(unit_id, day))
        .order_by(OrderLine.order_id, OrderLine.id)
    )
    per_order: dict[int, tuple[list[StopLine], list[StopLine], list[CareNote]]] = defaultdict(
        lambda: ([], [], [])
    )
    for row in rows:
        items, gifts, notes = per_order[row.order_id]
        line = StopLine(row.sku, row.name_zh, row.name_en, row.unit_zh, row.unit_en, row.quantity)
        (gifts if row.is_gift else items).append(line)
        said = (row.care_note_zh, row.care_note_en)
        if any(said) and all((note.note_zh, note.note_en) != said for note in notes):
            notes.append(CareNote(row.sku, row.name_zh, row.name_en, *said))
    return per_order


@dataclass(frozen=True)
class _PickupRow:
    """A pickup booked for the evening, with where to go."""

    customer_id: int
    status: str
    room: str | None
    phone: str | None
    label: str | None
    sort_order: int


async def _pickups(uow: UnitOfWork, unit_id: int, day: dt.date) -> dict[int, _PickupRow]:
    """Pickups booked (or already done) for the evening, one per customer."""
    rows = await uow.session.execute(
        select(
            CratePickup.customer_id,
            CratePickup.status,
            Customer.room,
            Customer.phone,
            Building.label,
            Building.sort_order,
        )
        .join(Customer, CratePickup.customer_id == Customer.id)
        .outerjoin(Building, Customer.building_id == Building.id)
        .where(
            CratePickup.unit_id == unit_id,
            CratePickup.pickup_date == day,
            CratePickup.status != PICKUP_CANCELLED,
        )
        .order_by(CratePickup.id)
    )
    found: dict[int, _PickupRow] = {}
    for customer_id, status, room, phone, label, order in rows:
        if customer_id not in found or status == PICKUP_SCHEDULED:
            found[customer_id] = _PickupRow(
                customer_id, status, room, phone, label, _LAST if order is None else order
            )
    return found


async def run_sheet(uow: UnitOfWork, unit_id: int, day: dt.date) -> RunSheet:
    """The evening's doors, by building walking order then room, each with all it needs.

    Crates to collect at a door are those held from earlier deliveries (tonight's crates
    stay with the customer); a customer with two orders tonight is asked for them once.
    """
    await _require_unit(uow, unit_id)
    orders = await _orders(uow, unit_id, day)
    lines = await _lines(uow, unit_id, day)
    pickups = await _pickups(uow, unit_id, day)
    held = await balances(uow, {o.customer_id for o in orders} | pickups.keys())
    issued_tonight: dict[int, int] = defaultdict(int)
    for order in orders:
        if order.status == Status.DELIVERED:
            issued_tonight[order.customer_id] += order.crates_issued
    keyed: list[tuple[WalkKey, Stop]] = []
    asked: set[int] = set()
    for seq, order in enumerate(orders):
        items, gifts, notes = lines.get(order.id, ([], [], []))
        crates = 0
        if order.customer_id not in asked:
            asked.add(order.customer_id)
            crates = max(0, held[order.customer_id] - issued_tonight[order.customer_id])
        stop = Stop(
            kind="order",
            order_id=order.id,
            order_no=order.order_no,
            customer_id=order.customer_id,
            building_label=order.label,
            room=order.room,
            phone=order.phone,
            items=tuple(items),
            care_notes=tuple(notes),
            gifts=tuple(gifts),
            crates_to_collect=crates,
            pickup_booked=order.customer_id in pickups,
            amount_to_collect_fen=0 if order.paid else order.total_fen,
            status=order.status,
            absent=order.absent,
        )
        keyed.append(((order.sort_order, room_key(order.room), order.customer_id, 0, seq), stop))
    for pickup in pickups.values():
        if pickup.customer_id in asked:
            continue
        if pickup.status == PICKUP_SCHEDULED and held[pickup.customer_id] <= 0:
            continue  # everything came back since the booking: no reason to knock
        stop = Stop(
            kind="pickup",
            order_id=None,
            order_no=None,
            customer_id=pickup.customer_id,
            building_label=pickup.label,
            room=pickup.room,
            phone=pickup.phone,
            items=(),
            care_notes=(),
            gifts=(),
            crates_to_collect=max(0, held[pickup.customer_id]),
            pickup_booked=True,
            amount_to_collect_fen=0,
            status=pickup.status,
        )
        keyed.append(((pickup.sort_order, room_key(pickup.room), pickup.customer_id, 1, 0), stop))
    keyed.sort(key=lambda pair: pair[0])
    stops = tuple(stop for _, stop in keyed)
    return RunSheet(
        unit_id=unit_id,
        day=day,
        stops=stops,
        order_count=len(orders),
        amount_to_collect_fen=sum(stop.amount_to_collect_fen for stop in stops),
        crates_to_collect=sum(stop.crates_to_collect for stop in stops),
    )
