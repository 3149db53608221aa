"""kill -9 the sender and start it again: every household has its copy, and duplicates only
where the sender's docstring says they can happen (Telegram answered, the process died
before recording it)."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from pathlib import Path

from sqlalchemy import select

from core.models import OutboxMessage
from tests.outbox_support import broadcast_to, households
from tests.telegram.limited_bot_api import LimitedBotApi

ROOT = Path(__file__).resolve().parents[2]


async def start_sender(db, api, *extra: str) -> asyncio.subprocess.Process:
    """The sender in its own process, on the test's database and clock."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.outbox_sender_proc",
        "--database", db.settings.database_url, "--api", api.url,
        "--at", db.clock.now().isoformat(), *extra,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip


async def finish(process: asyncio.subprocess.Process) -> int:
    """Wait for the sender to exit; its return code."""
    _out, err = await asyncio.wait_for(process.communicate(), 120)
    if process.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(err.decode())
    return int(process.returncode or 0)


async def statuses(db) -> dict[str, str]:
    """Row status by chat id."""
    async with db.uow() as uow:
        rows = await uow.session.execute(select(OutboxMessage.chat_id, OutboxMessage.status))
        return {str(chat): str(status) for chat, status in rows.all()}


async def test_killed_mid_broadcast_and_restarted_every_household_has_its_copy(db):
    people = await households(db, 600)
    await broadcast_to(db, people)

    async with LimitedBotApi(rate=1000) as api:
        process = await start_sender(db, api, "--rate", "300")
        while api.sent_count < 20:  # noqa: ASYNC110  (it is sending now)
            await asyncio.sleep(0.02)
        await asyncio.sleep(random.uniform(0.0, 1.0))  # a random point of the broadcast
        process.send_signal(signal.SIGKILL)
        assert await finish(process) == -signal.SIGKILL
        at_kill = await statuses(db)
        delivered_before = {chat: len(texts) for chat, texts in api.delivered.items()}

        assert await finish(await start_sender(db, api, "--rate", "300")) == 0

    in_window = {
        chat
        for chat, status in at_kill.items()
        if status == "sending" and delivered_before.get(int(chat), 0) == 1
    }
    assert 0 < sum(delivered_before.values()) < 600  # killed mid-broadcast
    assert set((await statuses(db)).values()) == {"sent"}
    for person in people:
        expected = 2 if person.chat_id in in_window else 1
        assert api.copies(int(person.chat_id)) == expected, person.chat_id
    assert len(in_window) <= 16  # at most the requests in flight when it died


async def test_the_documented_window_answered_but_not_recorded_gives_one_duplicate(db):
    people = await households(db, 30)
    await broadcast_to(db, people)
    victim = people[10].chat_id

    async with LimitedBotApi(rate=1000) as api:
        first = await start_sender(db, api, "--concurrency", "1", "--die-after-chat", victim)
        assert await finish(first) == -signal.SIGKILL
        left = await statuses(db)
        assert left[victim] == "sending"  # Telegram answered; the process died before `sent`
        assert api.copies(int(victim)) == 1

        assert await finish(await start_sender(db, api)) == 0

    assert api.copies(int(victim)) == 2  # the one duplicate the window allows
    assert all(api.copies(int(p.chat_id)) == 1 for p in people if p.chat_id != victim)
