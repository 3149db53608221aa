"""Broadcasts reach web customers: one copy per household, on the channel it used last,
web copies in the chat's transcript at once, Telegram copies through the Bot API."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from sqlalchemy import select, update

from core.messaging.outbox.enqueue import progress, recipients_for
from core.messaging.outbox.sender import Sender
from core.models import ChannelIdentity, Customer, OutboxMessage
from tests.outbox.web_support import mixed_households, replayed, transcript_copies
from tests.outbox_support import ScriptedTransport, broadcast_to, telegram_sender
from tests.telegram.limited_bot_api import LimitedBotApi


async def test_a_broadcast_to_2000_households_half_on_the_web_gives_each_exactly_one_copy(db):
    people = await mixed_households(
        db, web=900, telegram=900, both_web_last=100, both_telegram_last=100
    )
    async with db.uow() as uow:
        recipients = await recipients_for(uow, [p.customer_id for p in people])
    assert Counter(r.channel for r in recipients) == {"web": 1000, "telegram": 1000}
    broadcast_id = await broadcast_to(db, recipients)

    async with (
        LimitedBotApi(rate=2000) as api,
        telegram_sender(db, api, rate_per_s=2000, concurrency=16) as sender,
    ):
        await sender.run_until_idle()

    in_transcripts = await transcript_copies(db)
    for person in people:
        if person.channel == "web":
            (copy,) = in_transcripts[person.chat_id]
            assert f"(#{person.customer_id})" in copy["text"]
        else:
            assert api.copies(int(person.chat_id)) == 1, person
        if person.other is not None:  # the identity used earlier gets nothing
            other_channel, other_chat = person.other
            if other_channel == "web":
                assert other_chat not in in_transcripts
            else:
                assert api.copies(int(other_chat)) == 0
    assert sum(len(copies) for copies in in_transcripts.values()) == 1000
    assert api.sent_count == 1000
    assert sender.stats.web_sent == 1000
    async with db.uow() as uow:
        counts = await progress(uow, broadcast_id)
    assert (counts.total, counts.sent, counts.pending) == (2000, 2000, 0)


async def test_a_web_copy_is_what_the_page_replays_with_its_buttons_and_transcript_number(db):
    (person,) = await mixed_households(db, web=1, telegram=0)
    async with db.uow() as uow:
        (recipient,) = await recipients_for(uow, [person.customer_id])
    await broadcast_to(db, [recipient])

    await Sender(db, ScriptedTransport()).run_until_idle()

    (message,) = await replayed(db, person.chat_id)
    assert message.kind == "say"
    assert message.body["text"].startswith("Water is off tomorrow")
    assert message.body["buttons"] == []
    async with db.uow() as uow:
        row = await uow.session.scalar(select(OutboxMessage))
    assert (row.status, row.channel, row.message_id) == ("sent", "web", message.seq)
    assert message.body["outbox"] == row.id


async def test_web_copies_are_written_at_once_while_telegram_copies_keep_their_pace(db):
    people = await mixed_households(db, web=300, telegram=60)
    async with db.uow() as uow:
        recipients = await recipients_for(uow, [p.customer_id for p in people])
    await broadcast_to(db, recipients)

    async with LimitedBotApi(rate=30) as api, telegram_sender(db, api, rate_per_s=30) as sender:
        stop = asyncio.Event()
        running = asyncio.create_task(sender.run_forever(stop))
        started = time.monotonic()
        while sum(len(c) for c in (await transcript_copies(db)).values()) < 300:
            assert time.monotonic() - started < 5, "web copies waited for Telegram"
            await asyncio.sleep(0.05)
        web_done_s = time.monotonic() - started
        telegram_by_then = api.sent_count
        stop.set()
        await running

    assert web_done_s < 2.0
    assert telegram_by_then < 60  # Telegram's 30/s still holds: not all 60 in that time
    assert api.rejections == []


async def test_a_household_that_blocked_the_bot_on_telegram_still_gets_its_web_copy(db):
    (person,) = await mixed_households(db, web=0, telegram=0, both_telegram_last=1)
    async with db.uow() as uow:
        await uow.session.execute(
            update(Customer)
            .where(Customer.id == person.customer_id)
            .values(unreachable_at=db.clock.now())
        )
        await uow.commit()
        (recipient,) = await recipients_for(uow, [person.customer_id])
    assert recipient.channel == "web"
    await broadcast_to(db, [recipient])

    transport = ScriptedTransport()
    await Sender(db, transport).run_until_idle()

    assert transport.calls == []
    assert len((await transcript_copies(db))[person.other[1]]) == 1


async def test_a_copy_for_a_web_chat_that_no_longer_exists_fails_and_is_not_retried(db):
    people = await mixed_households(db, web=2, telegram=0)
    async with db.uow() as uow:
        recipients = await recipients_for(uow, [p.customer_id for p in people])
        await uow.session.execute(
            update(ChannelIdentity)
            .where(ChannelIdentity.external_id == people[0].chat_id)
            .values(external_id="gone-away-chat")
        )
        await uow.commit()
    broadcast_id = await broadcast_to(db, recipients)

    sender = Sender(db, ScriptedTransport())
    await sender.run_until_idle()
    await Sender(db, ScriptedTransport()).run_until_idle()

    async with db.uow() as uow:
        counts = await progress(uow, broadcast_id)
        failed = await uow.session.scalar(
            select(OutboxMessage).where(OutboxMessage.status == "failed")
        )
    assert (counts.sent, counts.failed, counts.pending) == (1, 1, 0)
    assert failed.chat_id == people[0].chat_id and failed.attempts == 1
    assert list(await transcript_copies(db)) == [people[1].chat_id]


async def test_a_sender_without_telegram_writes_the_web_copies_and_leaves_telegram_waiting(db):
    people = await mixed_households(db, web=3, telegram=2)
    async with db.uow() as uow:
        recipients = await recipients_for(uow, [p.customer_id for p in people])
    broadcast_id = await broadcast_to(db, recipients)

    transport = ScriptedTransport()
    await Sender(db, transport, telegram=False).run_until_idle()

    assert transport.calls == []
    assert len(await transcript_copies(db)) == 3
    async with db.uow() as uow:
        counts = await progress(uow, broadcast_id)
    assert (counts.sent, counts.pending) == (3, 2)


async def test_an_open_page_is_told_of_its_web_copy_as_it_is_written(db):
    people = await mixed_households(db, web=2, telegram=1)
    async with db.uow() as uow:
        recipients = await recipients_for(uow, [p.customer_id for p in people])
    await broadcast_to(db, recipients)
    told: list[tuple[str, str, list[int]]] = []

    async def published(channel, chat_id, messages) -> None:
        told.append((channel, chat_id, [m.seq for m in messages]))

    await Sender(db, ScriptedTransport(), published=published).run_until_idle()

    assert sorted(told) == sorted(("web", p.chat_id, [1]) for p in people[:2])
