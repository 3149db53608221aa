"""Web Push: a customer who allowed notifications and has no page open gets each new message
as an encrypted push; an open page means no push; a push service's 410 drops the subscription."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import NamedTuple

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.flows.replies import Forward
from core.messaging import webchat_log
from core.models import PushSubscription
from tests.web.push_support import BrowserKeys, FakePushService
from tests.web.webchat_support import Page, browser, demo_city, serving
from web.chat.push import PUSH
from web.chat.routes import WEBCHAT


class Subscribed(NamedTuple):
    """A customer whose page subscribed (as after tapping "🔔 Notify me"), and where."""

    service: FakePushService
    server: TestServer
    page: Page
    client: TestClient
    keys: BrowserKeys
    chat_id: str


@asynccontextmanager
async def subscribed_page(db, name: str) -> AsyncIterator[Subscribed]:
    """The demo city served beside a fake push service; a customer's page open and
    subscribed to it as ``name`` (closed after)."""
    await demo_city(db)
    async with FakePushService() as service, serving(db) as server:
        client = browser(server, "zh-CN")
        try:
            page = Page(client)
            assert await page.open("/") == 200
            await page.connect()
            chat_id = next(iter(server.app[WEBCHAT].hub.listeners))[1]
            keys = BrowserKeys()
            subscription = keys.subscription(service.endpoint(name))
            answer = await client.post("/push/subscribe", json=subscription)
            assert answer.status == 200
            yield Subscribed(service, server, page, client, keys, chat_id)
        finally:
            await client.close()


async def close_page(db, page: Page) -> None:
    """The customer closes the tab; wait until the server has let the chat's lease go."""
    await page.disconnect()
    for _ in range(200):
        async with db.uow() as uow:
            leases = await uow.session.scalars(select(PushSubscription.page_open_until))
            if all(lease is None for lease in leases):
                return
        await asyncio.sleep(0.02)
    raise AssertionError("the page's lease was not released")


async def subscriptions(db) -> int:
    async with db.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(PushSubscription)))


async def partner_says(server, chat_id: str, text: str) -> None:
    await server.app[WEBCHAT].forward(Forward(channel="web", chat_id=chat_id, text=text))


async def test_a_customer_with_no_page_open_gets_the_partners_answer_as_an_encrypted_push(db):
    async with subscribed_page(db, "phone-1") as (service, server, page, client, keys, chat_id):
        await close_page(db, page)
        await partner_says(server, chat_id, "您好，今晚七点送到 12 栋。")
        push = await service.next_push()
        shown = keys.decrypt(push)
        assert shown["title"] == "邻里 Linli"
        assert shown["body"] == "您好，今晚七点送到 12 栋。"
        assert chat_id not in push.body.decode("latin-1") and chat_id not in str(shown)
        seq = int(shown["url"].removeprefix("/?at="))
        await page.connect()  # the tap opens the chat at that message
        assert page.shown[seq].text == "您好，今晚七点送到 12 栋。"
        key = (await (await client.get("/push/key")).json())["key"]
        assert push.headers["Authorization"].startswith("vapid t=")
        assert push.headers["Authorization"].endswith(f"k={key}")
        assert int(push.headers["TTL"]) > 0


async def test_no_push_goes_while_a_page_of_the_chat_is_open(db):
    async with subscribed_page(db, "phone-2") as (service, server, page, _client, _keys, chat_id):
        await partner_says(server, chat_id, "看得见就不推送")
        await page.settle(0.2)
        assert page.last_text == "看得见就不推送"
        await server.app[PUSH].idle()
        assert service.received == []


async def test_a_subscription_the_push_service_says_is_gone_is_removed(db):
    async with subscribed_page(db, "old-phone") as (service, server, page, _client, _keys, chat_id):
        await close_page(db, page)
        assert await subscriptions(db) == 1
        service.answers["old-phone"] = 410
        await partner_says(server, chat_id, "还在吗？")
        await service.next_push()
        await server.app[PUSH].idle()
        assert await subscriptions(db) == 0
        await partner_says(server, chat_id, "再问一次")
        await server.app[PUSH].idle()
        assert len(service.received) == 1  # nothing more sent to it


async def test_several_messages_written_at_once_make_one_notification_of_the_newest(db):
    async with subscribed_page(db, "phone-3") as (service, server, page, _client, keys, chat_id):
        await close_page(db, page)
        said = [("say", {"text": "您的订单已出发"}), ("say", {"text": "还有 3 站到您家"})]
        await webchat_log.append(db, "web", chat_id, said)
        push = await service.next_push()
        await server.app[PUSH].idle()
        assert len(service.received) == 1
        assert keys.decrypt(push)["body"] == "还有 3 站到您家"


async def test_a_page_cannot_subscribe_from_another_site_or_with_made_up_keys(db):
    await demo_city(db)
    async with FakePushService() as service, serving(db) as server:
        client = browser(server)
        try:
            await client.get("/")
            good = BrowserKeys().subscription(service.endpoint("x"))
            elsewhere = await client.post(
                "/push/subscribe", json=good, headers={"Origin": "https://evil.example"}
            )
            assert elsewhere.status == 403
            bad = {"endpoint": service.endpoint("y"), "keys": {"p256dh": "!", "auth": "?"}}
            assert (await client.post("/push/subscribe", json=bad)).status == 400
            ftp = {**good, "endpoint": "ftp://127.0.0.1/push"}
            assert (await client.post("/push/subscribe", json=ftp)).status == 400
            assert await subscriptions(db) == 0
        finally:
            await client.close()
