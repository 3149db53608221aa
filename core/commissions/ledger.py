"""Writing the partner commission ledger when orders are delivered and refunded.

Every entry carries an ``event_key`` that is unique in the table and is written with
``INSERT … ON CONFLICT (event_key) DO NOTHING``: a retried tap, a replayed update or two
processes delivering the same order at once can only ever write one entry. Entries are
never updated or deleted; a refund writes a negative clawback entry instead.

Who earns the new-customer fee: the partner recorded in ``Customer.referred_by_partner_id``
when the ordering identity was bound (``bind_to_unit`` writes it once). It is earned once
per *household*, ever, and never when the phone number was already a customer's in another
household (core/people/households.py); a partner's own phone or household earns nothing.

The fee is earned at the household's first delivered order but **held**: a
``new_customer_held`` entry (``held_fen`` = the fee, nothing payable). Exactly one of these
settles it, under one event key per household (``new_customer_settle:h<id>``), so two can
never both happen: the release (``new_customer_released``, payable) once the hold has passed
with no refund or when the partner confirmed the household at the door, HQ's rejection
(``new_customer_rejected``, with a reason), or a clawback while held (the first order was
refunded). A refund after the release claws the payable fee back with its own key.
Entries written before fees were held (``new_customer:<customer id>``) keep their rules.
"""

from __future__ import annotations

from sqlalchemy import exists, or_, select

from core.models import CommissionEntry, Customer, Household, Order
from core.models.commissions import (
    CLAWBACK_DELIVERY,
    CLAWBACK_NEW_CUSTOMER,
    DELIVERY,
    NEW_CUSTOMER,
    NEW_CUSTOMER_HELD,
    NEW_CUSTOMER_RELEASED,
)
from core.people.households import is_partners_own, kin_customers, kin_orders
from core.platform.clock import local_now
from core.platform.db import insert_or_ignore
from core.platform.uow import UnitOfWork

_LEDGER = CommissionEntry.__table__


def delivery_key(order_id: int) -> str:
    """The one delivery fee an order can earn."""
    return f"{DELIVERY}:{order_id}"


def new_customer_key(customer_id: int) -> str:
    """The one (paid at once) new-customer fee a customer earned before fees were held."""
    return f"{NEW_CUSTOMER}:{customer_id}"


def held_fee_key(household_id: int) -> str:
    """The one new-customer fee a household can earn, whichever identity, order and partner."""
    return f"{NEW_CUSTOMER}:h{household_id}"


def settle_key(household_id: int) -> str:
    """The one end of a household's hold: released, rejected or clawed back while held."""
    return f"new_customer_settle:h{household_id}"


def clawback_released_key(household_id: int) -> str:
    """The one reversal of a household's released fee."""
    return f"{CLAWBACK_NEW_CUSTOMER}:h{household_id}"


def clawback_delivery_key(order_id: int) -> str:
    """The one reversal of an order's delivery fee."""
    return f"{CLAWBACK_DELIVERY}:{order_id}"


def clawback_new_customer_key(customer_id: int) -> str:
    """The one reversal of a customer's new-customer fee."""
    return f"{CLAWBACK_NEW_CUSTOMER}:{customer_id}"


def month_of_now(uow: UnitOfWork) -> str:
    """The business (Asia/Shanghai) month of this instant, like "2026-11"."""
    return local_now(uow.clock, uow.settings.tz).strftime("%Y-%m")


async def record(
    uow: UnitOfWork,
    *,
    partner_id: int,
    unit_id: int,
    kind: str,
    amount_fen: int,
    event_key: str,
    order_id: int | None,
    customer_id: int | None,
    household_id: int | None = None,
    held_fen: int = 0,
    reason: str | None = None,
) -> bool:
    """Append one entry unless its event was already recorded; True when written now."""
    result = await uow.session.execute(
        insert_or_ignore(uow.db.is_sqlite, _LEDGER, _LEDGER.c.event_key),
        {
            "partner_id": partner_id,
            "unit_id": unit_id,
            "kind": kind,
            "amount_fen": amount_fen,
            "order_id": order_id,
            "customer_id": customer_id,
            "event_key": event_key,
            "household_id": household_id,
            "held_fen": held_fen,
            "reason": reason,
            "month": month_of_now(uow),
            "created_at": uow.clock.now(),
        },
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def entry_by_key(uow: UnitOfWork, event_key: str) -> CommissionEntry | None:
    """The entry written for an event, if any."""
    return await uow.session.scalar(
        select(CommissionEntry).where(CommissionEntry.event_key == event_key)
    )


async def _known_before(uow: UnitOfWork, order: Order, customer: Customer) -> bool:
    """The household or phone had another order delivered, or already earned a fee."""
    household_id = order.household_id or customer.household_id
    phone = order.phone or customer.phone
    delivered = exists().where(
        kin_orders(customer.id, household_id, phone),
        Order.id != order.id,
        Order.delivered_at.is_not(None),
    )
    kin_households = select(Order.household_id).where(
        kin_orders(customer.id, household_id, phone), Order.household_id.is_not(None)
    )
    fee_of = [
        CommissionEntry.customer_id.in_(kin_customers(customer.id, household_id, phone)),
        CommissionEntry.household_id.in_(kin_households),
    ]
    if household_id is not None:
        fee_of.append(CommissionEntry.household_id == household_id)
    earned = exists().where(
        CommissionEntry.kind.in_((NEW_CUSTOMER, NEW_CUSTOMER_HELD)), or_(*fee_of)
    )
    found = await uow.session.execute(select(delivered, earned))
    return any(found.one())


async def on_delivered(uow: UnitOfWork, order: Order) -> None:
    """Pay the delivery fee and, for a partner's net new customer, the new-customer fee.

    Call inside the transaction that marked the order delivered; safe to call again.
    """
    if order.partner_id is not None:
        await record(
            uow,
            partner_id=order.partner_id,
            unit_id=order.unit_id,
            kind=DELIVERY,
            amount_fen=uow.settings.delivery_fee_fen,
            event_key=delivery_key(order.id),
            order_id=order.id,
            customer_id=order.customer_id,
        )
    customer = await uow.session.get(Customer, order.customer_id)
    if customer is None or customer.referred_by_partner_id is None:
        return  # came in by a leaflet without a partner's link, or not bound at all
    referrer = customer.referred_by_partner_id
    household_id = order.household_id or customer.household_id
    if customer.unit_id != order.unit_id or household_id is None:
        return
    if await _known_before(uow, order, customer):
        return
    if await is_partners_own(uow, referrer, customer):
        return
    written = await record(
        uow,
        partner_id=referrer,
        unit_id=order.unit_id,
        kind=NEW_CUSTOMER_HELD,
        amount_fen=0,
        held_fen=uow.settings.new_customer_fee_fen,
        event_key=held_fee_key(household_id),
        order_id=order.id,
        customer_id=customer.id,
        household_id=household_id,
    )
    household = await uow.session.get(Household, household_id)
    if written and household is not None and household.confirmed_at is not None:
        await release(uow, household_id)  # confirmed at the door before the first delivery


async def release(uow: UnitOfWork, household_id: int) -> bool:
    """Make a household's held fee payable; False when there is none or it was settled."""
    held = await entry_by_key(uow, held_fee_key(household_id))
    if held is None:
        return False
    return await settle_held(
        uow, held, household_id, kind=NEW_CUSTOMER_RELEASED, amount_fen=held.held_fen
    )


async def settle_held(
    uow: UnitOfWork,
    held: CommissionEntry,
    household_id: int,
    *,
    kind: str,
    amount_fen: int,
    reason: str | None = None,
) -> bool:
    """Settle a household's held fee (released, rejected or clawed back): the one entry
    under its settle key, taking the held amount off; True when written now."""
    return await record(
        uow,
        partner_id=held.partner_id,
        unit_id=held.unit_id,
        kind=kind,
        amount_fen=amount_fen,
        held_fen=-held.held_fen,
        event_key=settle_key(household_id),
        order_id=held.order_id,
        customer_id=held.customer_id,
        household_id=household_id,
        reason=reason,
    )


async def on_refunded(uow: UnitOfWork, order: Order) -> None:
    """Reverse what the order earned: its delivery fee, and the new-customer fee it earned.

    Each clawback mirrors the entry it reverses (same partner, unit, amount negated), so
    it exists only where something was paid; safe to call again.
    """
    paid = await entry_by_key(uow, delivery_key(order.id))
    if paid is not None:
        await _mirror(
            uow,
            paid,
            kind=CLAWBACK_DELIVERY,
            event_key=clawback_delivery_key(order.id),
            order_id=order.id,
            customer_id=order.customer_id,
        )
    if order.household_id is not None:
        await _claw_back_household(uow, order)
    welcomed = await entry_by_key(uow, new_customer_key(order.customer_id))
    if welcomed is not None and welcomed.order_id == order.id:
        await _mirror(
            uow,
            welcomed,
            kind=CLAWBACK_NEW_CUSTOMER,
            event_key=clawback_new_customer_key(order.customer_id),
            order_id=order.id,
            customer_id=order.customer_id,
        )


async def _mirror(
    uow: UnitOfWork,
    paid: CommissionEntry,
    *,
    kind: str,
    event_key: str,
    order_id: int,
    customer_id: int | None,
    household_id: int | None = None,
) -> None:
    """A clawback of ``paid``: same partner and unit, its amount negated."""
    await record(
        uow,
        partner_id=paid.partner_id,
        unit_id=paid.unit_id,
        kind=kind,
        amount_fen=-paid.amount_fen,
        event_key=event_key,
        order_id=order_id,
        customer_id=customer_id,
        household_id=household_id,
    )


async def _claw_back_household(uow: UnitOfWork, order: Order) -> None:
    """A refunded first order gives the household's fee back, held or released."""
    assert order.household_id is not None
    held = await entry_by_key(uow, held_fee_key(order.household_id))
    if held is None or held.order_id != order.id:
        return
    await settle_held(uow, held, order.household_id, kind=CLAWBACK_NEW_CUSTOMER, amount_fen=0)
    settled = await entry_by_key(uow, settle_key(order.household_id))
    if settled is not None and settled.kind == NEW_CUSTOMER_RELEASED:
        await _mirror(
            uow,
            settled,
            kind=CLAWBACK_NEW_CUSTOMER,
            event_key=clawback_released_key(order.household_id),
            order_id=order.id,
            customer_id=held.customer_id,
            household_id=order.household_id,
        )
