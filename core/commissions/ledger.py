"""Writing the partner commission ledger when orders are delivered and refunded.

Every entry carries an ``event_key`` that is unique in the table and is written with
``INSERT … ON CONFLICT (event_key) DO NOTHING``: a retried tap, a replayed update or two
processes delivering the same order at once can only ever write one entry. Entries are
never updated or deleted; a refund writes a negative clawback entry instead.

Who earns the new-customer fee: the partner recorded in ``Customer.referred_by_partner_id``
when the customer was bound (``bind_to_unit`` writes it once; re-binding never happens,
and the key is per customer anyway). A customer whose Telegram identity is the partner's
own Telegram id earns nothing: a partner cannot be their own new customer.
"""

from __future__ import annotations

from sqlalchemy import exists, select

from core.models import ChannelIdentity, CommissionEntry, Customer, Order, Partner
from core.models.commissions import (
    CLAWBACK_DELIVERY,
    CLAWBACK_NEW_CUSTOMER,
    DELIVERY,
    NEW_CUSTOMER,
)
from core.platform.clock import local_now
from core.platform.db import insert_or_ignore
from core.platform.uow import UnitOfWork

TELEGRAM = "telegram"
_LEDGER = CommissionEntry.__table__


def delivery_key(order_id: int) -> str:
    """The one delivery fee an order can earn."""
    return f"{DELIVERY}:{order_id}"


def new_customer_key(customer_id: int) -> str:
    """The one new-customer fee a customer can earn, whichever order and partner."""
    return f"{NEW_CUSTOMER}:{customer_id}"


def clawback_delivery_key(order_id: int) -> str:
    """The one reversal of an order's delivery fee."""
    return f"{CLAWBACK_DELIVERY}:{order_id}"


def clawback_new_customer_key(customer_id: int) -> str:
    """The one reversal of a customer's new-customer fee."""
    return f"{CLAWBACK_NEW_CUSTOMER}:{customer_id}"


def month_of_now(uow: UnitOfWork) -> str:
    """The business (Asia/Shanghai) month of this instant, like "2026-11"."""
    return local_now(uow.clock, uow.settings.tz).strftime("%Y-%m")


async def _record(
    uow: UnitOfWork,
    *,
    partner_id: int,
    unit_id: int,
    kind: str,
    amount_fen: int,
    event_key: str,
    order_id: int | None,
    customer_id: int | None,
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
            "month": month_of_now(uow),
            "created_at": uow.clock.now(),
        },
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


async def _entry(uow: UnitOfWork, event_key: str) -> CommissionEntry | None:
    """The entry written for an event, if any."""
    return await uow.session.scalar(
        select(CommissionEntry).where(CommissionEntry.event_key == event_key)
    )


async def _is_partners_own_account(uow: UnitOfWork, partner_id: int, customer_id: int) -> bool:
    """The customer is the partner themself: their Telegram identity is the partner's id."""
    partner = await uow.session.get(Partner, partner_id)
    if partner is None or partner.telegram_id is None:
        return False
    own = await uow.session.scalar(
        select(
            exists().where(
                ChannelIdentity.customer_id == customer_id,
                ChannelIdentity.channel == TELEGRAM,
                ChannelIdentity.external_id == str(partner.telegram_id),
            )
        )
    )
    return bool(own)


async def _delivered_before(uow: UnitOfWork, order: Order) -> bool:
    """Another order of this customer was delivered earlier (refunded since or not)."""
    earlier = await uow.session.scalar(
        select(
            exists().where(
                Order.customer_id == order.customer_id,
                Order.id != order.id,
                Order.delivered_at.is_not(None),
            )
        )
    )
    return bool(earlier)


async def on_delivered(uow: UnitOfWork, order: Order) -> None:
    """Pay the delivery fee and, for a partner's net new customer, the new-customer fee.

    Call inside the transaction that marked the order delivered; safe to call again.
    """
    if order.partner_id is not None:
        await _record(
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
    if customer.unit_id != order.unit_id:
        return
    if await _delivered_before(uow, order):
        return
    if await _is_partners_own_account(uow, referrer, customer.id):
        return
    await _record(
        uow,
        partner_id=referrer,
        unit_id=order.unit_id,
        kind=NEW_CUSTOMER,
        amount_fen=uow.settings.new_customer_fee_fen,
        event_key=new_customer_key(customer.id),
        order_id=order.id,
        customer_id=customer.id,
    )


async def on_refunded(uow: UnitOfWork, order: Order) -> None:
    """Reverse what the order earned: its delivery fee, and the new-customer fee it earned.

    Each clawback mirrors the entry it reverses (same partner, unit, amount negated), so
    it exists only where something was paid; safe to call again.
    """
    paid = await _entry(uow, delivery_key(order.id))
    if paid is not None:
        await _record(
            uow,
            partner_id=paid.partner_id,
            unit_id=paid.unit_id,
            kind=CLAWBACK_DELIVERY,
            amount_fen=-paid.amount_fen,
            event_key=clawback_delivery_key(order.id),
            order_id=order.id,
            customer_id=order.customer_id,
        )
    welcomed = await _entry(uow, new_customer_key(order.customer_id))
    if welcomed is not None and welcomed.order_id == order.id:
        await _record(
            uow,
            partner_id=welcomed.partner_id,
            unit_id=welcomed.unit_id,
            kind=CLAWBACK_NEW_CUSTOMER,
            amount_fen=-welcomed.amount_fen,
            event_key=clawback_new_customer_key(order.customer_id),
            order_id=order.id,
            customer_id=order.customer_id,
        )
