"""Order lifecycle: every move checked against the status table, locked, and timestamped.

Repeating the move an order already made (a retried "delivered" tap) is a no-op that
returns False, so retries never double-count; any other illegal move is refused.
"""

from __future__ import annotations

from sqlalchemy import select, update

from core.commissions.ledger import on_refunded
from core.errors import CancelTooLate, IllegalTransition, InvalidInput, NotFound
from core.models import GiftRule, Order, OrderLine, Product, Unit
from core.orders.delivery_date import cutoff_instant
from core.orders.promotions import revoke
from core.orders.status import TIMESTAMP_COLUMN, Status, can_move
from core.platform.uow import UnitOfWork

PAYMENT_METHODS = ("cash", "transfer")
MAX_REASON = 200


async def lock_order(uow: UnitOfWork, order_id: int) -> Order:
    """Load and row-lock an order so two processes cannot move it at once."""
    order = await uow.session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if order is None:
        raise NotFound(what="order", key=order_id)
    return order


async def move(uow: UnitOfWork, order: Order, requested: Status) -> bool:
    """Apply one legal move; False when the order is already there (idempotent retry)."""
    current = Status(order.status)
    if current == requested:
        return False
    if not can_move(current, requested):
        raise IllegalTransition(order_no=order.order_no, current=current, requested=requested)
    order.status = requested
    setattr(order, TIMESTAMP_COLUMN[requested], uow.clock.now())
    await uow.session.flush()
    return True


async def advance(uow: UnitOfWork, order_id: int, requested: Status) -> bool:
    """Partner/HQ moves along placed → picked → out_for_delivery.

    Delivering goes through ``core.delivery.crates.deliver`` (it issues the crates); cancelling and
    refunding have their own functions (they give things back).
    """
    if requested in (Status.DELIVERED, Status.CANCELLED, Status.REFUNDED):
        raise InvalidInput(field="status", reason="use deliver, cancel or refund")
    order = await lock_order(uow, order_id)
    return await move(uow, order, requested)


async def cancel_by_customer(uow: UnitOfWork, *, customer_id: int, order_id: int) -> bool:
    """Customers cancel their own placed orders until the cutoff of the delivery day."""
    order = await lock_order(uow, order_id)
    if order.customer_id != customer_id:
        raise NotFound(what="order", key=order_id)  # another customer's order: say nothing of it
    if order.status == Status.CANCELLED:
        return False
    unit = await uow.session.get(Unit, order.unit_id)
    assert unit is not None
    closes = cutoff_instant(order.delivery_date, unit.cutoff, uow.settings.tz)
    if order.status != Status.PLACED or uow.clock.now() >= closes:
        raise CancelTooLate(order_no=order.order_no, cutoff_at=closes)
    return await _cancel(uow, order, by="customer", reason=None)


async def cancel_by_hq(uow: UnitOfWork, *, order_id: int, reason: str) -> bool:
    """HQ may cancel any order not yet delivered, with a reason."""
    order = await lock_order(uow, order_id)
    return await _cancel(uow, order, by="hq", reason=_reason(reason))


async def refund(uow: UnitOfWork, *, order_id: int, reason: str) -> bool:
    """A delivered order is refunded; goods are not restocked (they were handed over)."""
    why = _reason(reason)
    order = await lock_order(uow, order_id)
    if not await move(uow, order, Status.REFUNDED):
        return False  # a retried refund keeps the first reason
    order.cancel_reason = why
    await uow.session.flush()
    await on_refunded(uow, order)
    return True


async def record_payment(
    uow: UnitOfWork, *, order_id: int, method: str, amount_fen: int | None = None
) -> bool:
    """The partner took cash or a transfer at the door; recording twice changes nothing."""
    if method not in PAYMENT_METHODS:
        raise InvalidInput(field="method", reason="cash or transfer")
    order = await lock_order(uow, order_id)
    if order.status in (Status.CANCELLED, Status.REFUNDED):
        raise IllegalTransition(order_no=order.order_no, current=order.status, requested="paid")
    if order.paid_at is not None:
        return False
    amount = order.total_fen if amount_fen is None else amount_fen
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise InvalidInput(field="amount", reason="a non-negative amount in fen")
    order.payment_method = method
    order.paid_fen = amount
    order.paid_at = uow.clock.now()
    await uow.session.flush()
    return True


async def _cancel(uow: UnitOfWork, order: Order, *, by: str, reason: str | None) -> bool:
    """Cancel and give back stock, gift stock and the promo redemption."""
    changed = await move(uow, order, Status.CANCELLED)
    if not changed:
        return False
    order.cancelled_by = by
    order.cancel_reason = reason
    lines = (
        await uow.session.scalars(
            select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.product_id)
        )
    ).all()
    for line in lines:
        if line.is_gift and line.gift_rule_id is not None:
            await uow.session.execute(
                update(GiftRule)
                .where(GiftRule.id == line.gift_rule_id)
                .values(gift_stock=GiftRule.gift_stock + line.quantity)
                .execution_options(synchronize_session=False)
            )
        elif not line.is_gift:
            await uow.session.execute(
                update(Product)
                .where(Product.id == line.product_id)
                .values(stock=Product.stock + line.quantity)
                .execution_options(synchronize_session=False)
            )
    await revoke(uow, order.id, now=uow.clock.now())
    await uow.session.flush()
    return True


def _reason(text: str) -> str:
    """Reasons are required and short."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise InvalidInput(field="reason", reason="say why")
    return cleaned[:MAX_REASON]
