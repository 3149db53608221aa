"""Two senders draining one broadcast at once on PostgreSQL: SKIP LOCKED claims, no duplicate."""

from __future__ import annotations

import asyncio

import pytest

from core.platform.db import create_engine
from core.platform.uow import Database
from tests.outbox_support import broadcast_to, households, telegram_sender
from tests.telegram.limited_bot_api import LimitedBotApi

pytestmark = pytest.mark.postgres


async def test_two_senders_at_once_share_the_work_and_nobody_gets_a_copy_twice(db):
    people = await households(db, 1000)
    await broadcast_to(db, people)
    other = Database(create_engine(db.settings.database_url), db.settings, db.clock)

    try:
        async with (
            LimitedBotApi(rate=2000) as api,
            telegram_sender(db, api, rate_per_s=1000, worker_id="a", batch=50) as first,
            telegram_sender(other, api, rate_per_s=1000, worker_id="b", batch=50) as second,
        ):
            await asyncio.gather(first.run_until_idle(), second.run_until_idle())
    finally:
        await other.dispose()

    assert all(api.copies(int(p.chat_id)) == 1 for p in people)
    assert first.stats.sent + second.stats.sent == 1000
    assert first.stats.sent > 0 and second.stats.sent > 0  # both really drained it
