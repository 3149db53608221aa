"""``linli serve`` at run time: one aiohttp server, the Telegram bot, the scheduler role.

Start: the Telegram Application (when ``LINLI_TELEGRAM_TOKEN`` is set: getMe checks the
token, the command menu is registered), the HTTP server on
``LINLI_HTTP_HOST``:``LINLI_HTTP_PORT``, then Telegram's updates (``setWebhook`` when
``LINLI_WEBHOOK_URL`` is set, else long polling) and the scheduler/sender role
(core/platform/roles.py), as ``linli run`` and ``linli bot`` hold it.

Stop (``stop`` set, on SIGINT/SIGTERM): stop accepting connections and let requests in
flight finish, stop polling, let python-telegram-bot finish every update already taken
(the update queue is joined), stop the scheduler and the sender and give the role back.
The caller then closes the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web
from telegram.ext import Application

from app.cli.bot import ALLOWED_UPDATES
from app.runner import LogTransport, report
from app.schedules import role_duties
from bot.handlers.telegram import build_application, production_rate_limiter, register_commands
from bot.handlers.telegram_outbox import TelegramTransport
from bot.handlers.webchat import WebChat
from bot.handlers.webchat_telegram import telegram_forwarder
from core.messaging.outbox.transport import Transport
from core.people.city import city_facts
from core.platform import heap
from core.platform.roles import Role, serve_role
from core.platform.uow import Database
from web.app import create_app
from web.chat.routes import TELEGRAM_FORWARD, WEBCHAT
from web.context import ANNOUNCE, WebContext
from web.logs import AccessLogger
from web.metrics import CountingTransport, metrics_of
from web.mounts import default_mounts
from web.ops import ROLE, TELEGRAM_MODE, UPDATE_BACKLOG
from web.webhook import backlog, webhook_secret

log = logging.getLogger("linli.serve")

HAND_OVER_EVERY_S = 30.0  # how often web messages waiting for Telegram are retried
ELSEWHERE = "elsewhere"  # ctx.extras: the Telegram renderer's deliverers for other channels
SHUTDOWN_GRACE_S = 5.0  # requests still running after this long at a stop are cut off
_ANY_ADDRESS = ("", "0.0.0.0", "::")


def local_base(host: str, port: int) -> str:
    """The address to open in a browser on this machine."""
    if host in _ANY_ADDRESS:
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def bound_port(site: web.TCPSite) -> int:
    """The port actually listened on (``LINLI_HTTP_PORT=0`` picks a free one)."""
    server: Any = site._server  # aiohttp keeps the asyncio server private
    return int(server.sockets[0].getsockname()[1])


async def telegram_bot(
    db: Database, ctx: WebContext, stack: contextlib.AsyncExitStack
) -> tuple[Application | None, Transport]:
    """The bot Application (initialised, closed by ``stack``) and the outbox's transport;
    without a token none, and the log as the partners' messenger.

    The web chat and the bot reach each other's people: ``elsewhere["web"]`` (filled in
    once the chat is mounted) takes a Telegram partner's answer to a web customer, and
    the forwarder left in ``ctx.extras`` takes a web customer's message to Telegram.
    """
    metrics = metrics_of(ctx)
    settings = db.settings
    token = settings.telegram_token
    if not token:
        return None, LogTransport()
    api_url = settings.telegram_api_url
    application = build_application(
        db,
        token,
        api_url=api_url,
        rate_limiter=production_rate_limiter(),
        observer=metrics.observe_update,
        elsewhere=ctx.extras.setdefault(ELSEWHERE, {}),
    )
    sender = TelegramTransport.for_token(token, base_url=f"{api_url}/bot" if api_url else None)
    await stack.enter_async_context(sender.bot)
    await stack.enter_async_context(application)  # getMe: a bad token stops us here
    await register_commands(application)
    ctx.extras[TELEGRAM_FORWARD] = telegram_forwarder(application.bot, db)
    return application, CountingTransport(sender, metrics)


async def serve(db: Database, echo: Callable[[str], None], stop: asyncio.Event) -> None:
    """Serve until ``stop`` is set, then shut down gracefully (see the module's doc)."""
    settings = db.settings
    ctx = WebContext(db)
    role = Role(db)
    ctx.extras[ROLE] = role
    async with db.uow() as uow:
        facts = await city_facts(uow)
    report(facts, echo)
    async with contextlib.AsyncExitStack() as stack:
        application, transport = await telegram_bot(db, ctx, stack)
        by_webhook = application is not None and settings.webhook_url is not None
        secret = (settings.webhook_secret or await webhook_secret(db)) if by_webhook else None
        mounts = default_mounts(
            application, webhook_secret=secret, queue_limit=settings.webhook_queue_limit
        )
        # Behind HTTPS (the public address says so) the session cookie is sent over HTTPS only.
        secure = settings.web_address.startswith("https://")
        app = await create_app(ctx, mounts, secure_cookies=secure)
        chat = app[WEBCHAT]
        ctx.extras.setdefault(ELSEWHERE, {})["web"] = chat.forward
        runner = web.AppRunner(
            app,
            access_log_class=AccessLogger,
            handle_signals=False,
            shutdown_timeout=SHUTDOWN_GRACE_S,
        )
        await runner.setup()
        duties: asyncio.Task[None] | None = None
        try:
            site = web.TCPSite(runner, settings.http_host, settings.http_port)
            await site.start()
            base = local_base(settings.http_host, bound_port(site))
            if application is not None:
                await start_updates(application, ctx, secret)
            duties = asyncio.create_task(
                serve_role(
                    role,
                    role_duties(
                        db,
                        transport,
                        send=application is not None,
                        published=chat.publish_elsewhere,
                    ),
                    stop,
                )
            )
            if application is not None:
                stack.push_async_callback(
                    _cancelled, asyncio.create_task(hand_over_now_and_then(chat, role, stop))
                )
            announce(echo, base, application, ctx)
            heap.settle()
            await stop.wait()
            echo("Stopping: finishing the requests and updates in flight...")
        finally:
            await runner.cleanup()  # no new connections; requests in flight finish
            if application is not None and application.running:
                if application.updater is not None and application.updater.running:
                    await application.updater.stop()
                await application.stop()  # every update already taken is processed
            if duties is not None:
                stop.set()
                await duties  # the scheduler and the sender stop, the role is given back
    echo("Linli stopped.")


async def hand_over_now_and_then(chat: WebChat, role: Role, stop: asyncio.Event) -> None:
    """Web messages to Telegram chats written while no bot ran (or Telegram refused for a
    while) go out: by the role holder only, so two processes never send one twice."""
    while not stop.is_set():
        if role.held:
            try:
                await chat.hand_over_to_telegram()
            except Exception:  # a bad moment must not end the loop
                log.exception("handing web messages over to Telegram failed; next round")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), HAND_OVER_EVERY_S)


async def _cancelled(task: asyncio.Task[None]) -> None:
    """Stop a background task and wait for it."""
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def start_updates(application: Application, ctx: WebContext, secret: str | None) -> None:
    """Let Telegram's updates in: ``setWebhook`` with ``secret`` (webhook mode), else poll."""
    await application.start()  # takes updates off its queue from now on
    ctx.extras[UPDATE_BACKLOG] = lambda: backlog(application.update_queue)
    webhook_url = ctx.db.settings.webhook_url
    if secret is not None and webhook_url is not None:
        await application.bot.set_webhook(
            webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
        )
        ctx.extras[TELEGRAM_MODE] = "webhook"
        return
    assert application.updater is not None
    await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
    ctx.extras[TELEGRAM_MODE] = "polling"


def announce(
    echo: Callable[[str], None], base: str, application: Application | None, ctx: WebContext
) -> None:
    """Where to point a browser, how Telegram reaches the bot, and the parts' own lines."""
    webhook_url = ctx.db.settings.webhook_url
    echo(f"Linli is serving on {base}")
    echo(f"  chat page:   {base}/")
    echo(f"  HQ console:  {base}/admin")
    echo(f"  health:      {base}/healthz   metrics: {base}/metrics")
    if application is None:
        echo("  Telegram:    off (LINLI_TELEGRAM_TOKEN is not set)")
        if webhook_url:
            echo("               (LINLI_WEBHOOK_URL is ignored without a token)")
    elif ctx.extras.get(TELEGRAM_MODE) == "webhook":
        echo(f"  Telegram:    @{application.bot.username} by webhook at {webhook_url}")
    else:
        echo(f"  Telegram:    @{application.bot.username} by long polling")
    for line in ctx.extras.get(ANNOUNCE, []):
        echo(f"  {line}")
    echo("Press Ctrl-C to stop.")
