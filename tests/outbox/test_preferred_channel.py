"""A household with a Telegram and a web identity is reached on the one it used last:
every message in through an identity notes it (at most once a minute)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.flows.events import Command
from bot.handlers.memory import MemoryChannel
from core.messaging.outbox.enqueue import recipients_for
from core.models import ChannelIdentity
from core.people.customers import customer_for_identity, newest_identity

WEB_ID = "web-both-0000001"
TELEGRAM_ID = "77001"


async def _both(db) -> int:
    """A customer who joined on Telegram and linked a web browser later; their id."""
    async with db.uow() as uow:
        customer = await customer_for_identity(uow, "telegram", TELEGRAM_ID, locale="en")
        uow.session.add(
            ChannelIdentity(
                channel="web",
                external_id=WEB_ID,
                customer_id=customer.id,
                created_at=uow.clock.now() - dt.timedelta(days=1),
            )
        )
        await uow.commit()
        return customer.id


async def _reached_on(db, customer_id: int) -> tuple[str, str]:
    async with db.uow() as uow:
        (recipient,) = await recipients_for(uow, [customer_id])
        identity = await newest_identity(uow, customer_id)
    assert identity is not None and (identity.channel, identity.external_id) == (
        recipient.channel,
        recipient.chat_id,
    )  # broadcasts and order news agree
    return recipient.channel, recipient.chat_id


async def test_the_household_is_reached_on_the_channel_it_wrote_from_last(db, clock):
    customer_id = await _both(db)
    assert await _reached_on(db, customer_id) == ("telegram", TELEGRAM_ID)  # joined there

    clock.advance(dt.timedelta(minutes=5))
    await MemoryChannel(db, channel="web").send(WEB_ID, Command("menu"), language_code="en")
    assert await _reached_on(db, customer_id) == ("web", WEB_ID)

    clock.advance(dt.timedelta(minutes=5))
    await MemoryChannel(db, channel="telegram").send(
        TELEGRAM_ID, Command("menu"), language_code="en"
    )
    assert await _reached_on(db, customer_id) == ("telegram", TELEGRAM_ID)


async def test_a_busy_chat_notes_its_use_once_a_minute_not_on_every_message(db, clock):
    customer_id = await _both(db)
    web = MemoryChannel(db, channel="web")
    await web.send(WEB_ID, Command("menu"), language_code="en")
    first = await _seen(db, customer_id)

    clock.advance(dt.timedelta(seconds=20))
    await web.send(WEB_ID, Command("menu"), language_code="en")
    assert await _seen(db, customer_id) == first

    clock.advance(dt.timedelta(seconds=50))
    await web.send(WEB_ID, Command("menu"), language_code="en")
    assert await _seen(db, customer_id) == first + dt.timedelta(seconds=70)


async def _seen(db, customer_id: int) -> dt.datetime:
    async with db.uow() as uow:
        return await uow.session.scalar(
            select(ChannelIdentity.last_seen_at).where(
                ChannelIdentity.customer_id == customer_id, ChannelIdentity.channel == "web"
            )
        )
