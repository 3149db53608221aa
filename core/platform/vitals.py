"""Counts an operator watches, read from the database so every process reports the same.

``/healthz`` and ``/metrics`` (web/ops.py) ask for them at each request; they are cheap
COUNT queries over indexed status columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from core.models import Order, OutboxMessage
from core.models.outbox import BLOCKED, FAILED, PENDING, SENDING, SENT
from core.platform.uow import UnitOfWork

_COUNT_BY_STATUS = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
_ORDERS = select(func.count()).select_from(Order)


@dataclass(frozen=True)
class Vitals:
    """Orders ever placed, outbox copies sent or refused for good, and those still to send."""

    orders_placed: int
    outbox_sent: int
    outbox_failed: int  # refused for good: failed, or the person blocked the bot
    outbox_backlog: int  # pending or being sent


async def vitals(uow: UnitOfWork) -> Vitals:
    """Two COUNT queries (read only)."""
    by_status = {status: count for status, count in (await uow.session.execute(_COUNT_BY_STATUS))}
    orders = await uow.session.scalar(_ORDERS)
    return Vitals(
        orders_placed=int(orders or 0),
        outbox_sent=by_status.get(SENT, 0),
        outbox_failed=by_status.get(FAILED, 0) + by_status.get(BLOCKED, 0),
        outbox_backlog=by_status.get(PENDING, 0) + by_status.get(SENDING, 0),
    )
