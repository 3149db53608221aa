"""Reusable crates: issued with each delivery, collected at the next, chased when overdue.

The balance a customer holds is the sum of their movements (issued +, collected −);
nothing stores it, so it can never drift from the ledger. Movements of one customer are
serialised by locking the customer row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select, update

from core.commissions.ledger import on_delivered
from core.errors import CrateError, InvalidInput, NotFound
from core.models import Building, CrateMovement, CratePickup, Customer, Order, OrderLine, Unit
from core.orders.lifecycle import advance, lock_order, move
from core.orders.status import Status
from core.platform.clock import local_now
from core.platform.uow import UnitOfWork

ISSUED = "issued"
COLLECTED = "collected"
SCHEDULED = "scheduled"
DONE = "done"
CANCELLED = "cancelled"
REQUESTERS = ("customer", "partner")
MAX_DAYS_AHEAD = 14
MAX_CRATES_PER_MOVE = 99


@dataclass(frozen=True)
class OverdueCrates:
    """A household holding crates long after its last delivery, with no order since."""

    customer_id: int
    building_label: str | None
    room: str | None
    phone: str | None
    crates: int
    days_out: int
    last_delivered_on: dt.date


def crates_for(item_count: int, items_per_crate: int) -> int:
    """Crates a delivery needs: whole crates, at least one for any non-empty order."""
    if items_per_crate < 1:
        raise ValueError("items_per_crate must be at least 1")
    if item_count <= 0:
        return 0
    return -(-item_count // items_per_crate)


def _whole(field: str, value: object, minimum: int) -> int:
    """Crates are counted in whole numbers; bools and floats are mistakes, not counts."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field=field, reason="a whole number")
    if not minimum <= value <= MAX_CRATES_PER_MOVE:
        raise InvalidInput(field=field, reason=f"from {minimum} to {MAX_CRATES_PER_MOVE}")
    return value


def _today(uow: UnitOfWork) -> dt.date:
    """The business date right now."""
    return local_now(uow.clock, uow.settings.tz).date()


async def _lock_customer(uow: UnitOfWork, customer_id: int) -> Customer:
    """Serialise crate movements of one customer so two taps cannot overdraw the balance."""
    customer = await uow.session.scalar(
        select(Customer).where(Customer.id == customer_id).with_for_update()
    )
    if customer is None:
        raise NotFound(what="customer", key=customer_id)
    return customer


async def balance(uow: UnitOfWork, customer_id: int) -> int:
    """Crates the customer holds right now."""
    total = await uow.session.scalar(
        select(func.coalesce(func.sum(CrateMovement.quantity), 0)).where(
            CrateMovement.customer_id == customer_id
        )
    )
    return int(total or 0)


async def balances(uow: UnitOfWork, customer_ids: Collection[int]) -> dict[int, int]:
    """Balances of many customers in one query (run sheets); customers without crates → 0."""
    ids = set(customer_ids)
    if not ids:
        return {}
    rows = await uow.session.execute(
        select(CrateMovement.customer_id, func.sum(CrateMovement.quantity))
        .where(CrateMovement.customer_id.in_(ids))
        .group_by(CrateMovement.customer_id)
    )
    found = {customer_id: int(total or 0) for customer_id, total in rows}
    return {customer_id: found.get(customer_id, 0) for customer_id in ids}


async def unit_balance(uow: UnitOfWork, unit_id: int) -> int:
    """Crates out in a unit: what its partner still has to bring back."""
    total = await uow.session.scalar(
        select(func.coalesce(func.sum(CrateMovement.quantity), 0)).where(
            CrateMovement.unit_id == unit_id
        )
    )
    return int(total or 0)


async def mark_out_for_delivery(uow: UnitOfWork, order_id: int) -> bool:
    """The partner loaded the order; delivery (and crates) can only follow this."""
    return await advance(uow, order_id, Status.OUT_FOR_DELIVERY)


async def deliver(
    uow: UnitOfWork, order_id: int, *, crates: int | None = None, collected: int = 0
) -> bool:
    """Hand the order over: mark it delivered, issue its crates, take back returned ones.

    Only an order out for delivery can be delivered. A retried tap on an order already
    delivered returns False and moves no crate. ``collected`` crates are the ones the
    customer hands back at the same stop; they are counted against what was held before
    this delivery, so a customer cannot return tonight's crates by mistake.
    """
    chosen = None if crates is None else _whole("crates", crates, 0)
    returned = _whole("collected", collected, 0)
    order = await lock_order(uow, order_id)
    if order.delivered_at is not None:  # delivered (or refunded since): a stale or retried tap
        return False
    await _lock_customer(uow, order.customer_id)
    held = await balance(uow, order.customer_id)
    if returned > held:
        raise CrateError(reason="more_than_held", held=held, quantity=returned)
    if not await move(uow, order, Status.DELIVERED):
        return False
    if returned:
        await collect(uow, customer_id=order.customer_id, quantity=returned, order_id=order.id)
    issued = chosen if chosen is not None else await _crates_needed(uow, order.id)
    if issued:
        uow.session.add(
            CrateMovement(
                customer_id=order.customer_id,
                unit_id=order.unit_id,
                order_id=order.id,
                kind=ISSUED,
                quantity=issued,
                created_at=uow.clock.now(),
            )
        )
    order.crates_issued = issued
    await uow.session.flush()
    await on_delivered(uow, order)
    return True


async def _crates_needed(uow: UnitOfWork, order_id: int) -> int:
    """Crates the paid goods fill; gifts ride along in the same crates."""
    items = await uow.session.scalar(
        select(func.coalesce(func.sum(OrderLine.quantity), 0)).where(
            OrderLine.order_id == order_id, OrderLine.is_gift.is_(False)
        )
    )
    return crates_for(int(items or 0), uow.settings.items_per_crate)


async def collect(
    uow: UnitOfWork, *, customer_id: int, quantity: int, order_id: int | None = None
) -> int:
    """The partner took crates back; returns what the customer still holds.

    When the last crate comes back, the pickups booked up to today are done.
    """
    wanted = _whole("quantity", quantity, 1)
    customer = await _lock_customer(uow, customer_id)
    held = await balance(uow, customer_id)
    if wanted > held:
        raise CrateError(reason="more_than_held", held=held, quantity=wanted)
    unit_id = customer.unit_id or await _issuing_unit(uow, customer_id)
    now = uow.clock.now()
    uow.session.add(
        CrateMovement(
            customer_id=customer_id,
            unit_id=unit_id,
            order_id=order_id,
            kind=COLLECTED,
            quantity=-wanted,
            created_at=now,
        )
    )
    left = held - wanted
    if left == 0:
        await uow.session.execute(
            update(CratePickup)
            .where(
                CratePickup.customer_id == customer_id,
                CratePickup.status == SCHEDULED,
                CratePickup.pickup_date <= _today(uow),
            )
            .values(status=DONE, done_at=now)
            .execution_options(synchronize_session=False)
        )
    await uow.session.flush()
    return left


async def _issuing_unit(uow: UnitOfWork, customer_id: int) -> int:
    """The unit whose partner issued the customer's crates (for an unbound customer)."""
    unit_id = await uow.session.scalar(
        select(CrateMovement.unit_id)
        .where(CrateMovement.customer_id == customer_id)
        .order_by(CrateMovement.id.desc())
        .limit(1)
    )
    if unit_id is None:  # unreachable: a positive balance means some movement exists
        raise NotFound(what="crates", key=customer_id)
    return unit_id


async def schedule_pickup(
    uow: UnitOfWork, *, customer_id: int, day: dt.date, requested_by: str = "customer"
) -> CratePickup:
    """Book an evening for the partner to fetch crates; the same evening twice is one booking."""
    if requested_by not in REQUESTERS:
        raise InvalidInput(field="requested_by", reason="customer or partner")
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise InvalidInput(field="day", reason="a calendar date")
    customer = await _lock_customer(uow, customer_id)
    held = await balance(uow, customer_id)
    if held <= 0 or customer.unit_id is None:
        raise CrateError(reason="no_crates", held=held)
    now_local = local_now(uow.clock, uow.settings.tz)
    today = now_local.date()
    latest = today + dt.timedelta(days=MAX_DAYS_AHEAD)
    if day < today:
        raise CrateError(reason="day_in_past", day=day)
    if day > latest:
        raise CrateError(reason="too_far_ahead", day=day, latest=latest)
    if day == today:
        unit = await uow.session.get(Unit, customer.unit_id)
        if unit is None or now_local.time() >= unit.window_end:
            raise CrateError(reason="window_closed", day=day)
    existing = await uow.session.scalar(
        select(CratePickup).where(
            CratePickup.customer_id == customer_id,
            CratePickup.pickup_date == day,
            CratePickup.status == SCHEDULED,
        )
    )
    if existing is not None:
        return existing
    pickup = CratePickup(
        customer_id=customer_id,
        unit_id=customer.unit_id,
        pickup_date=day,
        status=SCHEDULED,
        requested_by=requested_by,
        created_at=uow.clock.now(),
    )
    uow.session.add(pickup)
    await uow.session.flush()
    return pickup


async def cancel_pickup(uow: UnitOfWork, *, customer_id: int, pickup_id: int) -> bool:
    """The customer changed their mind; False when it was cancelled already."""
    pickup = await uow.session.scalar(
        select(CratePickup).where(CratePickup.id == pickup_id).with_for_update()
    )
    if pickup is None or pickup.customer_id != customer_id:
        raise NotFound(what="pickup", key=pickup_id)  # someone else's booking: say nothing of it
    if pickup.status == CANCELLED:
        return False
    if pickup.status == DONE:
        raise CrateError(reason="pickup_done", day=pickup.pickup_date)
    pickup.status = CANCELLED
    await uow.session.flush()
    return True


async def open_pickups(uow: UnitOfWork, customer_id: int) -> list[CratePickup]:
    """Pickups still to come for a customer, soonest first (to show and to cancel)."""
    rows = await uow.session.scalars(
        select(CratePickup)
        .where(
            CratePickup.customer_id == customer_id,
            CratePickup.status == SCHEDULED,
            CratePickup.pickup_date >= _today(uow),
        )
        .order_by(CratePickup.pickup_date)
    )
    return list(rows)


async def overdue(
    uow: UnitOfWork, unit_id: int, *, today: dt.date | None = None
) -> list[OverdueCrates]:
    """Households to visit and ask "why did you stop?", longest out first.

    Overdue: still holding crates, the last issue at least ``crate_overdue_days`` business
    days ago, and no order (other than a cancelled one) placed since that issue.
    """
    tz = uow.settings.tz
    day = today or _today(uow)
    issued_at = func.max(CrateMovement.created_at).filter(CrateMovement.kind == ISSUED)
    rows = (
        await uow.session.execute(
            select(CrateMovement.customer_id, func.sum(CrateMovement.quantity), issued_at)
            .where(CrateMovement.unit_id == unit_id)
            .group_by(CrateMovement.customer_id)
            .having(func.sum(CrateMovement.quantity) > 0)
        )
    ).all()
    candidates: dict[int, tuple[int, dt.datetime]] = {}
    for customer_id, held, issued in rows:
        if issued is None:
            continue
        last_issue = _aware(issued)
        if (day - last_issue.astimezone(tz).date()).days >= uow.settings.crate_overdue_days:
            candidates[customer_id] = (int(held), last_issue)
    if not candidates:
        return []
    last_orders = dict(
        (
            await uow.session.execute(
                select(Order.customer_id, func.max(Order.placed_at))
                .where(
                    Order.customer_id.in_(candidates.keys()),
                    Order.status != Status.CANCELLED,
                )
                .group_by(Order.customer_id)
            )
        ).all()
    )
    people = (
        await uow.session.execute(
            select(Customer.id, Customer.room, Customer.phone, Building.label, Building.sort_order)
            .outerjoin(Building, Customer.building_id == Building.id)
            .where(Customer.id.in_(candidates.keys()))
        )
    ).all()
    found: list[tuple[int, OverdueCrates]] = []
    for customer_id, room, phone, label, sort_order in people:
        held, last_issue = candidates[customer_id]
        ordered = last_orders.get(customer_id)
        if ordered is not None and _aware(ordered) > last_issue:
            continue
        delivered_on = last_issue.astimezone(tz).date()
        found.append(
            (
                sort_order if sort_order is not None else 1 << 30,
                OverdueCrates(
                    customer_id=customer_id,
                    building_label=label,
                    room=room,
                    phone=phone,
                    crates=held,
                    days_out=(day - delivered_on).days,
                    last_delivered_on=delivered_on,
                ),
            )
        )
    from core.delivery.batches import (
        room_key,  # delivery builds on crates; the sort key lives there
    )

    found.sort(key=lambda pair: (-pair[1].days_out, pair[0], room_key(pair[1].room)))
    return [entry for _, entry in found]


def _aware(instant: dt.datetime) -> dt.datetime:
    """Aggregates bypass the UTC column type on SQLite and come back naive (or as text)."""
    if isinstance(instant, str):
        instant = dt.datetime.fromisoformat(instant)
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=dt.UTC)
