"""A Linli web application on a loopback port for the browser, in the test's own loop."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from aiohttp.test_utils import TestServer

from core.demo.loader import load_demo
from core.platform.clock import local_now
from core.platform.uow import Database
from web.app import Mount, create_app
from web.context import WebContext


async def demo_city(db: Database) -> None:
    """The demo city a newcomer gets from ``linli demo``."""
    async with db.uow() as uow:
        await load_demo(uow, local_now(db.clock, db.settings.tz).date())
        await uow.commit()


@asynccontextmanager
async def serving(db: Database, mounts: Iterable[Mount]) -> AsyncIterator[str]:
    """The application listening on 127.0.0.1; yields its base URL (no trailing slash)."""
    server = TestServer(await create_app(WebContext(db), mounts), host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()
