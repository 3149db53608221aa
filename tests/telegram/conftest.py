"""The real Linli Application on a recording Bot API, per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram.ext import Application

from core.platform.uow import Database
from tests.telegram.fake_bot_api import telegram_app


@pytest.fixture
async def app(db: Database) -> AsyncIterator[Application]:
    """Initialised (getMe answered), no network anywhere."""
    async with telegram_app(db) as application:
        yield application
