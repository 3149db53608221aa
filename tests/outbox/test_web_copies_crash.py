"""kill -9 the sender while it writes web copies: on restart only the copies not yet
recorded are written, and no transcript ever holds a copy twice (the copy and its ``sent``
are one commit)."""

from __future__ import annotations

import asyncio
import random
import signal
from collections import Counter

from sqlalchemy import select

from core.messaging.outbox.enqueue import recipients_for
from core.models import OutboxMessage
from tests.outbox.test_outbox_crash import finish, start_sender
from tests.outbox.web_support import mixed_households, transcript_copies
from tests.outbox_support import broadcast_to
from tests.telegram.limited_bot_api import LimitedBotApi


async def _rows(db) -> dict[int, tuple[str, str]]:
    """(channel, status) of every outbox row, by row id."""
    async with db.uow() as uow:
        rows = await uow.session.execute(
            select(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.status)
        )
        return {row_id: (str(channel), str(status)) for row_id, channel, status in rows.all()}


def _copies_by_row(in_transcripts: dict[str, list[dict]]) -> Counter[int]:
    """How many transcript entries each outbox row has."""
    return Counter(body["outbox"] for bodies in in_transcripts.values() for body in bodies)


async def test_killed_while_writing_a_web_batch_the_restart_writes_only_the_rest(db):
    people = await mixed_households(db, web=120, telegram=0)
    async with db.uow() as uow:
        recipients = await recipients_for(uow, [p.customer_id for p in people])
    await broadcast_to(db, recipients)

    async with LimitedBotApi(rate=1000) as api:
        first = await start_sender(db, api, "--web-batch", "50", "--die-at-web-copy", "75")
        assert await finish(first) == -signal.SIGKILL
        at_kill = await _rows(db)
        written_before = _copies_by_row(await transcript_copies(db))

        assert await finish(await start_sender(db, api, "--web-batch", "50")) == 0

    sent_before = {row for row, (_channel, status) in at_kill.items() if status == "sent"}
    assert len(sent_before) == 50  # the first batch committed, the second died with it
    assert set(written_before) == sent_before  # transcript and status agree at the kill
    assert Counter(status for _c, status in at_kill.values()) == {"sent": 50, "pending": 70}
    after = _copies_by_row(await transcript_copies(db))
    assert set(after) == set(at_kill) and set(after.values()) == {1}  # each row once
    assert {status for _c, status in (await _rows(db)).values()} == {"sent"}


async def test_killed_at_a_random_moment_of_a_mixed_broadcast_nobody_is_missed_or_doubled(db):
    people = await mixed_households(
        db, web=500, telegram=150, both_web_last=50, both_telegram_last=50
    )
    async with db.uow() as uow:
        recipients = await recipients_for(uow, [p.customer_id for p in people])
    await broadcast_to(db, recipients)

    async with LimitedBotApi(rate=1000) as api:
        process = await start_sender(db, api, "--rate", "100", "--web-batch", "25")
        while api.sent_count < 5:  # noqa: ASYNC110  (it is sending now)
            await asyncio.sleep(0.02)
        await asyncio.sleep(random.uniform(0.0, 0.5))
        process.send_signal(signal.SIGKILL)
        assert await finish(process) == -signal.SIGKILL
        at_kill = await _rows(db)
        telegram_before = {chat: len(texts) for chat, texts in api.delivered.items()}

        assert await finish(await start_sender(db, api, "--rate", "300")) == 0

    assert 0 < sum(telegram_before.values()) < 200  # killed mid-broadcast
    web_rows = {row for row, (channel, _s) in at_kill.items() if channel == "web"}
    assert len(web_rows) == 550
    after = _copies_by_row(await transcript_copies(db))
    assert set(after) == web_rows and set(after.values()) == {1}  # no web copy twice
    assert {status for _c, status in (await _rows(db)).values()} == {"sent"}
    sending_at_kill = await _sending_chats(db, at_kill)
    in_window = {c for c in sending_at_kill if telegram_before.get(int(c), 0) == 1}
    assert len(in_window) <= 16  # only Telegram rows answered but not yet recorded
    for person in people:
        if person.channel == "telegram":
            expected = 2 if person.chat_id in in_window else 1
            assert api.copies(int(person.chat_id)) == expected, person
        if person.other is not None and person.other[0] == "telegram":
            assert api.copies(int(person.other[1])) == 0


async def _sending_chats(db, at_kill: dict[int, tuple[str, str]]) -> set[str]:
    """The Telegram chats whose row was claimed (``sending``) when the sender died."""
    rows = [row for row, (channel, status) in at_kill.items() if status == "sending"]
    assert all(at_kill[row][0] == "telegram" for row in rows)  # web rows are never left so
    async with db.uow() as uow:
        return set(
            await uow.session.scalars(
                select(OutboxMessage.chat_id).where(OutboxMessage.id.in_(rows or [0]))
            )
        )
