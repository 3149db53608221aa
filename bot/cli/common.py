"""Glue every CLI command shares: settings, the database, running a coroutine."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from core.config import ConfigError, Settings, load_settings
from core.db import create_engine
from core.errors import DomainError
from core.uow import Database

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
