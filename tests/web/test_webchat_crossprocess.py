"""Two `linli serve` on one PostgreSQL: a message written on one reaches a page on the other at
once (LISTEN/NOTIFY), without waiting for the slow safety-net poll."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestServer

from bot.flows.replies import Forward
from core.messaging import webchat_log
from core.platform.db import create_engine
from core.platform.uow import Database
from tests.web.webchat_support import Page, browser, demo_city, serving, wait_for
from web.chat.routes import WEBCHAT

pytestmark = pytest.mark.postgres


@asynccontextmanager
async def second_process(db):
    """Another server process's own Database: its own pool and its own listening connection."""
    other = Database(create_engine(db.settings.database_url), db.settings, db.clock)
    try:
        yield other
    finally:
        await other.dispose()


async def open_page_on(server) -> tuple[Page, str]:
    """A customer's page open on ``server``; its chat id."""
    client = browser(server)
    page = Page(client)
    assert await page.open("/") == 200
    await page.connect()
    chat_id = next(iter(server.app[WEBCHAT].hub.listeners))[1]
    return page, chat_id


@dataclass
class TwoProcesses:
    """Server A (on the test's Database), server B (on its own), a customer's page on B."""

    server_a: TestServer
    db_b: Database
    server_b: TestServer
    page: Page
    chat_id: str


@asynccontextmanager
async def a_page_on_the_second_process(db) -> AsyncIterator[TwoProcesses]:
    """The demo city served by two processes on ``db``; a customer's page open on the second."""
    await demo_city(db)
    async with (
        second_process(db) as db_b,
        serving(db) as server_a,
        serving(db_b) as server_b,
    ):
        page, chat_id = await open_page_on(server_b)
        try:
            yield TwoProcesses(server_a, db_b, server_b, page, chat_id)
        finally:
            await page.client.close()


async def seen_within(page: Page, text: str, timeout_s: float) -> float:
    """Seconds until the page shows ``text`` (fails after ``timeout_s``)."""
    started = time.perf_counter()
    await wait_for(page, lambda p: p.last_text == text, timeout_s=timeout_s)
    return time.perf_counter() - started


async def test_a_partners_message_on_one_process_reaches_a_page_on_another_in_under_a_second(
    db,
):
    async with a_page_on_the_second_process(db) as two:
        page = two.page
        assert two.server_b.app[WEBCHAT].poll_s >= 60  # the safety net cannot be what brings it
        for n in range(3):
            started = time.perf_counter()
            await two.server_a.app[WEBCHAT].forward(
                Forward(channel="web", chat_id=two.chat_id, text=f"配送员：马上到 {n}")
            )
            await wait_for(page, lambda p, n=n: p.last_text == f"配送员：马上到 {n}", 1.0)
            assert time.perf_counter() - started < 1.0
        assert page.received == sorted(set(page.received))  # in order, nothing twice


async def test_a_rolled_back_append_reaches_no_page_and_takes_no_number(db):
    async with a_page_on_the_second_process(db) as two:
        page, chat_id = two.page, two.chat_id
        before = page.last_seq
        async with db.uow() as uow:
            await webchat_log.append_in(uow, "web", chat_id, [("say", {"text": "作废"})])
            await uow.rollback()
        await webchat_log.append(db, "web", chat_id, [("say", {"text": "真的"})])
        await seen_within(page, "真的", 1.0)
        assert "作废" not in page.texts()
        assert page.received[-1] == before + 1


async def test_a_page_gets_what_was_written_while_its_process_was_not_listening(db):
    async with a_page_on_the_second_process(db) as two:
        page, chat_id, db_b = two.page, two.chat_id, two.db_b
        made = db_b.signals.connections_made
        await db_b.signals.drop_connection_for_test()
        await webchat_log.append(db, "web", chat_id, [("say", {"text": "断线时写的"})])
        await seen_within(page, "断线时写的", 5.0)  # caught up once listening again
        assert db_b.signals.connections_made == made + 1
        await webchat_log.append(db, "web", chat_id, [("say", {"text": "重连之后"})])
        assert await seen_within(page, "重连之后", 1.0) < 1.0


async def test_the_signal_names_the_chat_and_numbers_never_the_message(db):
    heard: list[str] = []
    got = asyncio.Event()

    async def listener(payload: str) -> None:
        heard.append(payload)
        got.set()

    await db.signals.listen(webchat_log.TOPIC, listener)
    try:
        await webchat_log.append(db, "web", "w-someone", [("say", {"text": "秘密内容"})])
        await asyncio.wait_for(got.wait(), 2.0)
    finally:
        await db.signals.unlisten(webchat_log.TOPIC, listener)
    (payload,) = heard
    assert "秘密内容" not in payload
    appended = webchat_log.Appended.parse(payload)
    assert appended == webchat_log.Appended("web", "w-someone", 1, 1)
