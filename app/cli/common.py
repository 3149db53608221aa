"""Glue every CLI command shares: settings, the database, running a coroutine."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from core.errors import DomainError
from core.platform.config import ConfigError, Settings, load_settings
from core.platform.db import create_engine
from core.platform.uow import Database

T = TypeVar("T")


def settings_or_exit() -> Settings:
    """Load settings; a wrong ``LINLI_*`` value stops the command with its name."""
    try:
        return load_settings()
    except ConfigError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None


def with_database(work: Callable[[Database], Awaitable[T]]) -> T:
    """Open the configured database, run ``work`` on it, always dispose the engine.

    Domain refusals become a clean one-line error instead of a traceback.
    """
    settings = settings_or_exit()

    async def main() -> T:
        database = Database(create_engine(settings.database_url), settings)
        try:
            return await work(database)
        finally:
            await database.dispose()

    try:
        return asyncio.run(main())
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None


def serve_until_stopped(work: Callable[[Database], Awaitable[None]], settings: Settings) -> None:
    """Run a long-lived process (``linli bot``, ``linli serve``) until Ctrl-C.

    Telegram and database trouble at start becomes one line an operator can act on.
    """
    from sqlalchemy.exc import DBAPIError
    from telegram.error import InvalidToken, NetworkError

    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
        try:
            with_database(work)
        except InvalidToken:
            raise click.ClickException(
                "Telegram refused LINLI_TELEGRAM_TOKEN: check the token @BotFather gave you"
            ) from None
        except NetworkError as exc:
            where = settings.telegram_api_url or "api.telegram.org"
            raise click.ClickException(f"cannot reach the Bot API at {where}: {exc}") from None
        except DBAPIError:
            raise click.ClickException(
                "the database is not ready: run `linli db upgrade` (and `linli demo`) first"
            ) from None
