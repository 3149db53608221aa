"""Relay links: which customer a message shown to a partner came from."""

from __future__ import annotations

from sqlalchemy import insert, select

from core.models import RelayLink
from core.platform.uow import UnitOfWork


async def remember(
    uow: UnitOfWork, *, channel: str, partner_chat_id: str, message_ref: str, customer_id: int
) -> None:
    """Record that ``message_ref`` in the partner's chat speaks for ``customer_id``."""
    await uow.session.execute(
        insert(RelayLink).values(
            channel=channel,
            partner_chat_id=partner_chat_id,
            message_ref=message_ref,
            customer_id=customer_id,
            created_at=uow.clock.now(),
        )
    )


async def customer_behind(
    uow: UnitOfWork, *, channel: str, partner_chat_id: str, message_ref: str
) -> int | None:
    """The customer a partner is answering by replying to ``message_ref``, if any."""
    return await uow.session.scalar(
        select(RelayLink.customer_id).where(
            RelayLink.channel == channel,
            RelayLink.partner_chat_id == partner_chat_id,
            RelayLink.message_ref == message_ref,
        )
    )
