"""``linli bot``: serve customers on Telegram by long polling (see bot/handlers/telegram.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import click
from telegram import Update

from app.cli.common import serve_until_stopped, settings_or_exit
from app.schedules import role_duties
from bot.handlers.telegram import build_application, production_rate_limiter, register_commands
from bot.handlers.telegram_outbox import TelegramTransport
from core.platform import heap
from core.platform.config import ConfigError, require_telegram_token
from core.platform.roles import Role, serve_role
from core.platform.uow import Database

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


@click.command("bot")
def bot_command() -> None:
    """Run the Telegram bot (long polling) until Ctrl-C.

    Needs LINLI_TELEGRAM_TOKEN (from @BotFather); LINLI_TELEGRAM_API_URL points at a
    self-hosted Bot API server instead of Telegram's.
    """
    settings = settings_or_exit()
    try:
        token = require_telegram_token(settings)
    except ConfigError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per poll otherwise

    async def main(db: Database) -> None:
        await poll(db, token, settings.telegram_api_url)

    serve_until_stopped(main, settings)


async def poll(db: Database, token: str, api_url: str | None) -> None:
    """Start the Application, poll until SIGINT/SIGTERM, then stop cleanly.

    Alongside polling the process tries for the scheduler/sender role (core/platform/roles.py):
    held, it runs the built-in schedules and drains the outbox; several ``linli bot``
    processes on one PostgreSQL share the updates and hand the role on when one dies.
    """
    application = build_application(
        db, token, api_url=api_url, rate_limiter=production_rate_limiter()
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(signum, stop.set)
    transport = TelegramTransport.for_token(token, base_url=f"{api_url}/bot" if api_url else None)
    async with application, transport.bot:  # initialize (getMe: checks the token) … shutdown
        await register_commands(application)
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        heap.settle()
        logging.getLogger("linli.telegram").info(
            "serving Telegram as @%s; Ctrl-C stops", application.bot.username
        )
        # The scheduler and the outbox sender, in whichever process holds the role.
        duties = asyncio.create_task(serve_role(Role(db), role_duties(db, transport), stop))
        await stop.wait()
        await duties  # stops the scheduler and the sender, gives the role back
        await application.updater.stop()
        await application.stop()
