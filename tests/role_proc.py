"""A Linli process reduced to the role: ``python -m tests.role_proc --database URL --api URL``.

It tries for the scheduler/sender role (core/platform/roles.py) like ``linli bot`` does; while it
holds it, it drains the outbox to the Bot API at ``--api`` (the test's loopback fake)
with the role's sender. It prints ``waiting`` at start, ``held`` when it takes the role
and ``lost`` when it loses it, one line each, and runs until SIGTERM (or SIGKILL).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import signal

from core.messaging.outbox.sender import Sender
from core.platform.clock import FixedClock
from core.platform.config import Settings
from core.platform.db import create_engine
from core.platform.roles import ROLE_WORKER, Role, serve_role
from core.platform.uow import Database

TOKEN = "7000000001:TEST-abcdefghijklmnopqrstuvwxyz012345"  # tests.telegram.fake_bot_api's


async def main(args: argparse.Namespace) -> None:
    """Serve the role until SIGTERM."""
    from bot.handlers.telegram_outbox import TelegramTransport

    settings = Settings(
        database_url=args.database,
        role_retry_seconds=args.retry,
        role_heartbeat_seconds=args.retry,
    )
    clock = FixedClock(dt.datetime.fromisoformat(args.at)) if args.at else None
    db = Database(create_engine(settings.database_url), settings, clock)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    transport = TelegramTransport.for_token(TOKEN, base_url=args.api)
    print("waiting", flush=True)

    async def duties(quit_: asyncio.Event) -> None:
        print("held", flush=True)
        # app.schedules.role_sender without the progress texts (no catalogs to load here)
        sender = Sender(db, transport, worker_id=ROLE_WORKER, rate_per_s=args.rate)
        await sender.run_forever(quit_)
        print("lost", flush=True)

    async with transport.bot:
        await serve_role(Role(db), duties, stop)
    await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--api", required=True)
    parser.add_argument("--retry", type=float, default=0.5)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--at", default=None, help="a fixed ISO instant for the clock")
    asyncio.run(main(parser.parse_args()))
