"""Telegram's webhook: ``POST /telegram/{path}`` puts each update on the bot's update queue.

Telegram posts every update with the secret given to ``setWebhook`` in the
``X-Telegram-Bot-Api-Secret-Token`` header. A request without it, or with another one,
gets 401 and nothing of it is read further. A good one is answered 200 as soon as its
update is on python-telegram-bot's ``update_queue`` (the Application processes it like a
polled one: per chat in order, chats concurrently). When more than the queue limit
(``LINLI_WEBHOOK_QUEUE_LIMIT``) updates wait or are in flight, the answer is 429 and the
update is not taken: Telegram keeps it and delivers it again later, so a burst costs
latency, never an update. A body that is not an update's JSON gets 400.

The path after ``/telegram/`` is whatever ``LINLI_WEBHOOK_URL`` ends with (a reverse
proxy may rewrite it); only the header authenticates.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import logging
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from core.platform.app_secrets import app_secret
from core.platform.uow import Database
from web.app import Mount
from web.context import WebContext
from web.metrics import metrics_of
from web.ops import UPDATE_BACKLOG

log = logging.getLogger("linli.web.webhook")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ROUTE = "/telegram/{path:.*}"


def backlog(queue: asyncio.Queue[Any]) -> int:
    """Updates queued or still being processed.

    PTB's fetcher moves updates off the queue into tasks at once and marks each done
    only when it has been processed, so the queue's unfinished count (what ``join``
    waits for) is the real backlog; ``qsize`` alone would be about zero.
    """
    unfinished = getattr(queue, "_unfinished_tasks", None)
    return int(unfinished) if isinstance(unfinished, int) else queue.qsize()


def webhook_mount(application: Application, secret: str, queue_limit: int) -> Mount:
    """A mount serving ``application``'s webhook, checked against ``secret``."""
    expected = secret.encode()

    def mount(app: web.Application, ctx: WebContext) -> None:
        metrics = metrics_of(ctx)
        ctx.extras[UPDATE_BACKLOG] = lambda: backlog(application.update_queue)

        def answer(status: int, text: str) -> web.Response:
            """Counted in the metrics by status."""
            metrics.webhook.labels(str(status)).inc()
            return web.Response(status=status, text=text)

        async def receive(request: web.Request) -> web.Response:
            given = request.headers.get(SECRET_HEADER, "").encode()
            if not hmac.compare_digest(given, expected):
                log.warning("webhook call without the right secret from %s", request.remote)
                return answer(401, "unauthorized")
            if backlog(application.update_queue) >= queue_limit:
                return answer(429, "busy, retry later")
            try:
                data = await request.json()
                if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                    raise ValueError("not an update")
                update = Update.de_json(data, application.bot)
            except Exception as exc:  # malformed JSON or not an Update: Telegram never sends it
                log.warning("webhook body is not an update: %r", exc)
                return answer(400, "bad request")
            application.update_queue.put_nowait(update)
            return answer(200, "ok")

        app.router.add_post(ROUTE, receive)

    return mount


async def webhook_secret(db: Database) -> str:
    """The secret Telegram is told to send, made once and kept in the database (so every
    process of a deployment checks the same one): 43 characters of Telegram's secret_token
    alphabet (A-Z, a-z, 0-9, _ and -)."""
    raw = await app_secret(db, "webhook")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
