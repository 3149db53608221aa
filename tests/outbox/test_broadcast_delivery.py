"""A broadcast through the real Bot → a loopback Bot API that enforces Telegram's limits."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from core.messaging.outbox.enqueue import progress
from core.models import Broadcast, Customer, OutboxMessage
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


PARTNER_CHAT = 900_000_001


async def test_two_thousand_households_get_one_copy_each_and_the_partner_a_true_report(db):
    from bot.messages.outbox import progress_text
    from core.messaging.outbox.enqueue import StatusChat
    from core.people.customers import set_opt_out

    people = await households(db, 2000)
    blocked = {int(p.chat_id) for p in people[100:120]}
    broken = {int(p.chat_id) for p in people[500:510]}
    async with db.uow() as uow:
        for person in people[1000:1005]:
            customer = await uow.session.get(Customer, person.customer_id)
            await set_opt_out(uow, customer, "notices", opted_out=True)
        await uow.commit()
    broadcast_id = await broadcast_to(
        db, people, status_chat=StatusChat(str(PARTNER_CHAT), locale="en")
    )

    async with (
        LimitedBotApi(rate=1000, forbidden=blocked, bad=broken) as api,
        telegram_sender(
            db, api, rate_per_s=1000, progress_text=progress_text, progress_every_s=0.5
        ) as sender,
    ):
        await sender.run_until_idle()
        first_round = {chat: list(texts) for chat, texts in api.delivered.items()}
        arrivals_before = len(api.arrivals)
        await broadcast_to(db, people[:200], key="water-2")
        await sender.run_until_idle()

    reached = {int(p.chat_id) for p in people} - blocked - broken
    opted = {int(p.chat_id) for p in people[1000:1005]}
    assert {chat for chat, texts in first_round.items() if len(texts) == 1} >= reached - opted
    assert all(len(first_round.get(chat, [])) == 1 for chat in reached - opted)
    assert all(chat not in first_round for chat in blocked | broken | opted)
    assert api.rejections == []  # the limits were never crossed: no 429 at all
    assert sum(1 for a in api.arrivals[:arrivals_before] if a.chat_id in broken) == 10
    async with db.uow() as uow:
        status_id = (await uow.session.get(Broadcast, broadcast_id)).status_message_id
    second_round = api.arrivals[arrivals_before:]
    assert not [a for a in second_round if a.chat_id in blocked]  # unreachable: skipped
    (report,) = api.screen(PARTNER_CHAT)  # one status message, edited in place
    assert report.splitlines() == [
        "📣 Delivery report",
        "Delivered: 1,965",
        "Blocked the bot: 20",
        "Could not be delivered: 10",
        "Opted out of these messages: 5",
    ]
    (first_shown,) = api.delivered[PARTNER_CHAT]  # progress first, then edited in place
    assert first_shown.startswith("📣 Sending: ")
    assert api.edits[(PARTNER_CHAT, status_id)][-1] == report


async def test_at_telegrams_real_limit_the_sender_keeps_pace_and_honours_the_one_flood_wait(db):
    people = await households(db, 150)
    await broadcast_to(db, people)

    async with (
        LimitedBotApi(rate=30, flood_after=20, flood_retry_after=1) as api,
        telegram_sender(db, api, rate_per_s=30) as sender,
    ):
        await sender.run_until_idle()

    assert all(api.copies(int(p.chat_id)) == 1 for p in people)
    (flood,) = api.rejections  # the one the server forced, and no other
    after = [a.at for a in api.sends() if a.at > flood.at]
    assert after[0] - flood.at >= 1.0  # nothing at all during the wait Telegram asked for
    assert after[0] - flood.at < 1.3
    sends = api.sends()
    busy = (sends[-1].at - sends[0].at) - (after[0] - flood.at)
    assert (len(sends) - 1) / busy >= 0.95 * 30  # ~30 a second while allowed to send


async def test_one_chat_never_gets_two_messages_within_a_second(db):
    people = await households(db, 4)
    for n in range(3):
        await broadcast_to(db, people, key=f"event-{n}", kind="event")

    async with LimitedBotApi(rate=30) as api, telegram_sender(db, api, rate_per_s=30) as sender:
        await sender.run_until_idle()

    assert api.rejections == []
    for person in people:
        times = [a.at for a in api.sends() if a.chat_id == int(person.chat_id)]
        assert len(times) == 3
        assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(times))
