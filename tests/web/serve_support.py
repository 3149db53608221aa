"""A ``linli serve`` application in the test's loop: the real PTB bot on a recording Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from telegram.ext import Application

from core.platform.roles import Role
from core.platform.uow import Database
from tests.telegram.fake_bot_api import Person, RecordingRequest, message_update, telegram_app
from web.app import create_app
from web.context import WebContext
from web.metrics import metrics_of
from web.mounts import default_mounts
from web.ops import ROLE
from web.webhook import SECRET_HEADER

SECRET = "test_webhook-secret_0123456789"
HOOK = "/telegram/hook"


@dataclass
class Served:
    """The HTTP client of a serve application and the bot behind its webhook."""

    client: TestClient[Any, Any]
    bot: Application
    ctx: WebContext

    @property
    def request(self) -> RecordingRequest:
        """Every Bot API call the bot made."""
        request = self.bot.bot.request
        assert isinstance(request, RecordingRequest)
        return request

    def update_from(self, who: Person, text: str) -> dict[str, Any]:
        """The JSON Telegram posts when ``who`` sends ``text``."""
        return message_update(self.request, who, text=text)

    async def post_update(self, update: Any, secret: str | None = SECRET) -> int:
        """Post as Telegram does (``secret=None``: without the header); the status."""
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        response = await self.client.post(HOOK, json=update, headers=headers)
        return response.status

    def sent_to(self, who: Person) -> list[str]:
        """The texts the bot sent to ``who``."""
        return [call.text for call in self.request.to(who.id, "sendMessage")]


@asynccontextmanager
async def served(
    db: Database, *, queue_limit: int = 1000, running: bool = True, role: Role | None = None
) -> AsyncIterator[Served]:
    """The serve application (ops, webhook) with the bot started unless ``running=False``
    (then nothing takes updates off its queue)."""
    ctx = WebContext(db)
    if role is not None:
        ctx.extras[ROLE] = role
    metrics = metrics_of(ctx)
    async with telegram_app(db, observer=metrics.observe_update) as bot:
        mounts = default_mounts(bot, webhook_secret=SECRET, queue_limit=queue_limit)
        app = await create_app(ctx, mounts)
        if running:
            await bot.start()
        try:
            async with TestClient(TestServer(app)) as client:
                yield Served(client, bot, ctx)
        finally:
            if bot.running:
                await bot.stop()
