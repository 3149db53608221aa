"""``linli serve``: the production entry point, one HTTP server for every part of Linli."""

from __future__ import annotations

import asyncio
import contextlib
import signal

import click

from app.cli.common import serve_until_stopped, settings_or_exit
from app.server import serve
from core.platform import vapid
from core.platform.config import ConfigError, require_telegram_token
from core.platform.uow import Database
from web.logs import configure_logging


@click.command("serve")
def serve_command() -> None:
    """Serve Linli over HTTP until Ctrl-C or SIGTERM.

    The web chat at /, the HQ console at /admin, /healthz and /metrics on
    LINLI_HTTP_HOST:LINLI_HTTP_PORT (127.0.0.1:8080); with LINLI_TELEGRAM_TOKEN the
    Telegram bot too (by webhook when LINLI_WEBHOOK_URL is set, else by long polling).
    Holds the scheduler/sender role like `linli run`.
    """
    settings = settings_or_exit()
    try:
        if settings.telegram_token:
            require_telegram_token(settings)
        vapid.from_settings(settings)  # a given Web Push key pair must be a pair
    except ConfigError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None
    configure_logging(settings.log_format)

    async def main(db: Database) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # not on Windows
                loop.add_signal_handler(signum, stop.set)
        await serve(db, click.echo, stop)

    try:
        serve_until_stopped(main, settings)
    except OSError as exc:  # the address is taken or not ours
        where = f"{settings.http_host}:{settings.http_port}"
        raise click.ClickException(
            f"cannot listen on {where} (LINLI_HTTP_HOST/LINLI_HTTP_PORT): {exc}"
        ) from None
