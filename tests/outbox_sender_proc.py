"""A sender in a process of its own, for the kill -9 tests: ``python -m tests.outbox_sender_proc``.

It drains the outbox of ``--database`` to the Bot API at ``--api`` (the test's loopback
fake) until idle, then exits 0. ``--die-after-chat CHAT`` makes it SIGKILL itself the
moment Telegram has answered the message to CHAT, before the answer is recorded: the one
window the sender's docstring describes, on purpose (with ``--concurrency 1`` it first
waits half a second so every earlier answer is recorded and CHAT is alone in the window).
``--die-at-web-copy N`` kills it while it writes its Nth web copy into a transcript, inside
the transaction that would record the batch sent (``--web-batch`` copies a transaction).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import signal
from typing import Any

from core.messaging.outbox.sender import Sender
from core.messaging.outbox.transport import SendResult
from core.platform.clock import FixedClock
from core.platform.config import Settings
from core.platform.db import create_engine
from core.platform.uow import Database

TOKEN = "7000000001:TEST-abcdefghijklmnopqrstuvwxyz012345"  # tests.telegram.fake_bot_api's


class DiesAfter:
    """Passes calls on; kills the process right after ``chat`` was answered."""

    def __init__(self, inner: Any, chat: str | None) -> None:
        self.inner = inner
        self.chat = chat

    async def send(
        self, chat_id: str, text: str, buttons: Any, photo_ref: str | None
    ) -> SendResult:
        """Send, then die if this was the chosen chat."""
        if chat_id == self.chat:
            await asyncio.sleep(0.5)  # earlier answers get recorded: only this one is unrecorded
        result: SendResult = await self.inner.send(chat_id, text, buttons, photo_ref)
        if chat_id == self.chat and result.ok:
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    async def edit(self, chat_id: str, message_id: int, text: str) -> SendResult:
        """Edits pass through."""
        result: SendResult = await self.inner.edit(chat_id, message_id, text)
        return result


def dying_web_item(at: int | None) -> Any:
    """The transcript item of a web copy; the process dies on the ``at``-th one."""
    from core.messaging.outbox.web import plain_item

    made = 0

    def item(copy: Any) -> Any:
        nonlocal made
        made += 1
        if at is not None and made >= at:
            os.kill(os.getpid(), signal.SIGKILL)
        return plain_item(copy)

    return item


async def main(args: argparse.Namespace) -> None:
    """Drain until idle."""
    from bot.handlers.telegram_outbox import TelegramTransport

    settings = Settings(database_url=args.database)
    clock = FixedClock(dt.datetime.fromisoformat(args.at)) if args.at else None
    db = Database(create_engine(settings.database_url), settings, clock)
    transport = TelegramTransport.for_token(TOKEN, base_url=args.api)
    async with transport.bot:
        sender = Sender(
            db,
            DiesAfter(transport, args.die_after_chat),
            rate_per_s=args.rate,
            worker_id=args.worker,
            concurrency=args.concurrency,
            web_batch=args.web_batch,
            web_item=dying_web_item(args.die_at_web_copy),
        )
        stats = await sender.run_until_idle()
    await db.dispose()
    print(f"sent {stats.sent}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--api", required=True)
    parser.add_argument("--worker", default="bot-1")
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--at", default=None, help="a fixed ISO instant for the clock")
    parser.add_argument("--die-after-chat", default=None)
    parser.add_argument("--web-batch", type=int, default=500)
    parser.add_argument("--die-at-web-copy", type=int, default=None)
    asyncio.run(main(parser.parse_args()))
