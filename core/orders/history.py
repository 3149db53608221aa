"""A customer's orders as they see them: which orders are theirs, and what was on each.

The rule that matters is ownership: an order id from a button is only ever shown to the
customer who placed it; anyone else reads it as not there (never whose it is).
"""

from __future__ import annotations

from sqlalchemy import select

from core.models import Order, OrderLine
from core.platform.uow import UnitOfWork


async def recent_orders(uow: UnitOfWork, customer_id: int, limit: int) -> list[Order]:
    """The customer's newest orders first, at most ``limit``."""
    rows = await uow.session.scalars(
        select(Order)
        .where(Order.customer_id == customer_id)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return list(rows)


async def own_order(uow: UnitOfWork, customer_id: int, order_id: int) -> Order | None:
    """The order if it is this customer's, else None (someone else's reads as missing)."""
    order = await uow.session.get(Order, order_id)
    if order is None or order.customer_id != customer_id:
        return None
    return order


async def order_by_id(uow: UnitOfWork, order_id: int) -> Order | None:
    """An order by id, whoever's (for the partner at the door, who checks the unit)."""
    return await uow.session.get(Order, order_id)


async def order_confirmed_with(uow: UnitOfWork, customer_id: int, nonce: str) -> Order | None:
    """This customer's order confirmed with ``nonce``: a second press finds the first order."""
    if not nonce:
        return None
    return await uow.session.scalar(
        select(Order).where(Order.customer_id == customer_id, Order.idempotency_key == nonce)
    )


async def order_lines(uow: UnitOfWork, order_id: int) -> list[OrderLine]:
    """Every line of an order, gifts included, in the order they were added."""
    rows = await uow.session.scalars(
        select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.id)
    )
    return list(rows)


async def paid_lines(uow: UnitOfWork, order_id: int) -> list[OrderLine]:
    """What the customer paid for on an order (gifts come by themselves, if still offered)."""
    rows = await uow.session.scalars(
        select(OrderLine)
        .where(OrderLine.order_id == order_id, OrderLine.is_gift.is_(False))
        .order_by(OrderLine.id)
    )
    return list(rows)
