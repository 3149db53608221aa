"""Two real ``linli serve`` processes on one migrated PostgreSQL database: what the first
writes to a chat reaches that chat's page open on the second in under a second, by
LISTEN/NOTIFY (the safety-net poll is a minute)."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from core.platform.config import normalise_database_url
from tests.conftest import PG_URL
from tests.web.test_serve_process import environment, run_linli, serve_process

# postgres: needs the server; db: so that CI's PostgreSQL pass (`pytest -m db`) runs it
pytestmark = [pytest.mark.postgres, pytest.mark.db]


@asynccontextmanager
async def scratch_database() -> AsyncIterator[str]:
    """A database of its own on the test server (migrated by the processes' own command)."""
    url = normalise_database_url(PG_URL)
    name = f"linli_two_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def test_a_message_written_for_a_page_open_on_another_linli_serve_arrives_within_a_second(
    tmp_path,
):
    async with scratch_database() as url:
        env = environment(tmp_path, database_url=url)
        await run_linli(env, tmp_path, "db", "upgrade")
        await run_linli(env, tmp_path, "demo")
        async with (
            serve_process(env, tmp_path, graceful=True) as first,
            serve_process(env, tmp_path, graceful=True) as second,
        ):
            jar = aiohttp.CookieJar(unsafe=True)
            async with aiohttp.ClientSession(cookie_jar=jar) as browser:
                await (await browser.get(f"{second.base}/")).read()
                ws = await browser.ws_connect(f"{second.base}/ws")
                await ws.send_json({"type": "resume", "last": 0})
                while (await ws.receive_json(timeout=10)).get("type") != "resumed":
                    pass
                # the same customer's other tab, on the first process, opens the deals
                other = await browser.ws_connect(f"{first.base}/ws")
                await other.send_json({"type": "resume", "last": 0})
                while (await other.receive_json(timeout=10)).get("type") != "resumed":
                    pass
                started = time.perf_counter()
                await other.send_json({"type": "menu", "section": "deals", "id": "tab-two-0001"})
                while True:  # written by the first process, shown by the second's page
                    frame = await ws.receive_json(timeout=1.0)
                    if frame.get("type") == "messages" and not frame["replay"]:
                        break
                assert time.perf_counter() - started < 1.0
                assert first.base != second.base
                await other.close()
                await ws.close()
