"""A broadcast through the real Bot → a loopback Bot API that enforces Telegram's limits."""

from __future__ import annotations

from sqlalchemy import select

from core.models import Customer, OutboxMessage
from core.outbox.enqueue import progress
from tests.outbox_support import broadcast_to, households, telegram_sender
from tests.telegram.limited_bot_api import LimitedBotApi


async def test_a_small_broadcast_reaches_every_household_once(db):
    people = await households(db, 20)
    broadcast_id = await broadcast_to(db, people)

    async with LimitedBotApi(rate=1000) as api, telegram_sender(db, api, rate_per_s=1000) as s:
        await s.run_until_idle()

    assert all(api.copies(int(p.chat_id)) == 1 for p in people)
    assert api.rejections == []
    async with db.uow() as uow:
        counts = await progress(uow, broadcast_id)
        statuses = set(await uow.session.scalars(select(OutboxMessage.status)))
    assert (counts.total, counts.sent, counts.pending) == (20, 20, 0)
    assert statuses == {"sent"}


async def test_blocked_households_are_marked_unreachable_and_bad_chats_fail_once(db):
    people = await households(db, 10)
    blocked, broken = int(people[0].chat_id), int(people[1].chat_id)
    await broadcast_to(db, people)

    async with (
        LimitedBotApi(rate=1000, forbidden={blocked}, bad={broken}) as api,
        telegram_sender(db, api, rate_per_s=1000) as sender,
    ):
        await sender.run_until_idle()
        tries_at_bad = [a for a in api.arrivals if a.chat_id == broken]

        async with db.uow() as uow:
            customer = await uow.session.get(Customer, people[0].customer_id)
            assert customer is not None and customer.unreachable_at is not None
        await broadcast_to(db, people, key="water-2")
        await sender.run_until_idle()

    assert len(tries_at_bad) == 1
    assert [a.status for a in api.arrivals if a.chat_id == blocked] == [403]
    assert api.copies(int(people[2].chat_id)) == 2
