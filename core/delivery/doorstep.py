"""What a partner does at a door: delivered, paid, crates back, nobody home.

Every action names an order (or, for a pickup-only stop, a customer) and first checks it
belongs to the partner's unit: anything else is "not found", whatever button was
pressed. Every action is idempotent, so a retried or doubled tap changes nothing more:
delivering re-uses the lifecycle's row lock and the ledger's unique event key, and a
crate count is the total taken back at that stop, not an increment.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, func, select

from core.commissions.held import release_confirmed
from core.delivery.crates import COLLECTED, MAX_CRATES_PER_MOVE, collect, deliver
from core.errors import IllegalTransition, InvalidInput, NotFound
from core.models import CrateMovement, Customer, Order, Partner
from core.orders.lifecycle import lock_order, move, record_payment
from core.orders.status import Status
from core.people.households import confirm_at_door, household_of
from core.platform.clock import local_now, to_utc
from core.platform.uow import UnitOfWork

_ON_THE_WAY = {Status.PLACED: Status.PICKED, Status.PICKED: Status.OUT_FOR_DELIVERY}


async def own_order(uow: UnitOfWork, partner: Partner, order_id: int) -> Order:
    """Lock an order of the partner's unit; another unit's order does not exist for them."""
    order = await lock_order(uow, order_id)
    if order.unit_id != partner.unit_id:
        raise NotFound(what="order", key=order_id)
    return order


async def own_customer(uow: UnitOfWork, partner: Partner, customer_id: int) -> Customer:
    """Lock a customer of the partner's unit (crate movements of one customer take turns)."""
    customer = await uow.session.scalar(
        select(Customer).where(Customer.id == customer_id).with_for_update()
    )
    if customer is None or customer.unit_id != partner.unit_id:
        raise NotFound(what="customer", key=customer_id)
    return customer


async def mark_delivered(uow: UnitOfWork, partner: Partner, order_id: int) -> bool:
    """Hand the order over; True the first time only (the fee is paid once, by the ledger).

    An order still "placed" or "picked" is moved along first: at the door it was
    obviously picked and loaded, and the partner should not need three taps.
    """
    order = await own_order(uow, partner, order_id)
    if order.delivered_at is not None:
        return False
    while Status(order.status) in _ON_THE_WAY:
        await move(uow, order, _ON_THE_WAY[Status(order.status)])
    changed = await deliver(uow, order.id)
    if changed:
        order.absent_at = None  # they came home after all
        await uow.session.flush()
    return changed


async def confirm_household(uow: UnitOfWork, partner: Partner, order_id: int) -> bool:
    """The partner saw this household at its door: recorded on the household, and its held
    new-customer fee (if it earned one and had no refund) is released now, not after the
    hold. True the first time only.
    """
    order = await own_order(uow, partner, order_id)
    household, first = await confirm_at_door(uow, partner, order.customer_id)
    await release_confirmed(uow, household.id)
    return first


async def household_confirmed(uow: UnitOfWork, customer_id: int) -> bool | None:
    """Whether the customer's household was confirmed at the door (None: no household)."""
    household = await household_of(uow, customer_id)
    return None if household is None else household.confirmed_at is not None


async def mark_paid(uow: UnitOfWork, partner: Partner, order_id: int, method: str) -> bool:
    """Cash or transfer taken for the order's total; a second tap changes nothing."""
    await own_order(uow, partner, order_id)
    return await record_payment(uow, order_id=order_id, method=method)


async def mark_absent(uow: UnitOfWork, partner: Partner, order_id: int) -> bool:
    """Nobody at the door: the order stays undelivered and the stop says so."""
    order = await own_order(uow, partner, order_id)
    if order.status in (Status.CANCELLED, Status.REFUNDED):
        raise IllegalTransition(order_no=order.order_no, current=order.status, requested="absent")
    if order.delivered_at is not None or order.absent_at is not None:
        return False
    order.absent_at = uow.clock.now()
    await uow.session.flush()
    return True


def _start_of_today(uow: UnitOfWork) -> dt.datetime:
    """Midnight of the business day, in UTC."""
    now = local_now(uow.clock, uow.settings.tz)
    return to_utc(now.replace(hour=0, minute=0, second=0, microsecond=0))


def _at_stop(uow: UnitOfWork, customer_id: int, order_id: int | None) -> list[ColumnElement[bool]]:
    """The crates taken back at this stop: with this order, or tonight at a pickup-only door."""
    where = [CrateMovement.customer_id == customer_id, CrateMovement.kind == COLLECTED]
    if order_id is not None:
        return [*where, CrateMovement.order_id == order_id]
    tonight = CrateMovement.created_at >= _start_of_today(uow)
    return [*where, CrateMovement.order_id.is_(None), tonight]


async def collected_here(uow: UnitOfWork, customer_id: int, order_id: int | None) -> int:
    """How many crates the partner has taken back at this stop so far."""
    total = await uow.session.scalar(
        select(func.coalesce(func.sum(CrateMovement.quantity), 0)).where(
            *_at_stop(uow, customer_id, order_id)
        )
    )
    return -int(total or 0)


async def collect_crates(
    uow: UnitOfWork,
    partner: Partner,
    *,
    count: int,
    order_id: int | None = None,
    customer_id: int | None = None,
) -> int:
    """Record that ``count`` crates in all came back at this stop; returns the stop's total.

    The count is a total, so pressing "2" twice takes back two crates, and pressing "3"
    after "2" takes one more. A lower count than already recorded changes nothing (the
    crates are in the partner's hands; correcting that is for HQ).
    """
    whole = isinstance(count, int) and not isinstance(count, bool)
    if not whole or not 0 <= count <= MAX_CRATES_PER_MOVE:
        raise InvalidInput(field="count", reason=f"from 0 to {MAX_CRATES_PER_MOVE}")
    if order_id is not None:
        order = await own_order(uow, partner, order_id)
        customer_id = order.customer_id
    elif customer_id is not None:
        await own_customer(uow, partner, customer_id)
    else:
        raise InvalidInput(field="stop", reason="an order or a customer")
    already = await collected_here(uow, customer_id, order_id)
    if count > already:
        await collect(uow, customer_id=customer_id, quantity=count - already, order_id=order_id)
        return count
    return already
