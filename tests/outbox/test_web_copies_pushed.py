"""A broadcast's web copies are pushed: one encrypted push per subscribed browser whose
chat no page shows (here or in another process), with that household's own text."""

from __future__ import annotations

import asyncio

from core.messaging import push_subscriptions
from core.messaging.outbox.enqueue import recipients_for
from core.messaging.outbox.sender import Sender
from core.messaging.push_subscriptions import Target
from core.messaging.webpush import LOOKUP_BATCH, PushSender
from tests.outbox.web_support import mixed_households, transcript_copies
from tests.outbox_support import ScriptedTransport, broadcast_to
from tests.web.push_support import BrowserKeys, FakePushService


async def test_a_broadcast_pushes_each_unwatched_web_household_once_with_its_own_copy(db):
    web = LOOKUP_BATCH + 30  # more chats than one lookup takes
    people = await mixed_households(db, web=web, telegram=5)
    households = [p for p in people if p.channel == "web"]
    watched = {p.chat_id for p in households[::10]}  # a page open in another process
    keys = BrowserKeys()
    async with FakePushService() as service:
        async with db.uow() as uow:
            for person in households:
                info = keys.subscription(service.endpoint(person.chat_id))
                target = Target(info["endpoint"], **info["keys"])
                await push_subscriptions.subscribe(
                    uow, "web", person.chat_id, target, page_open=person.chat_id in watched
                )
            await uow.commit()
            recipients = await recipients_for(uow, [p.customer_id for p in people])
        pusher = PushSender(db)
        await pusher.start()
        try:
            await broadcast_to(db, recipients, key="pushed-1")
            await Sender(db, ScriptedTransport()).run_until_idle()
            expected = web - len(watched)
            for _ in range(500):
                if len(service.received) >= expected:
                    break
                await asyncio.sleep(0.02)
            await pusher.idle()
            await asyncio.sleep(0.2)  # nothing else on its way
        finally:
            await pusher.stop()

    assert len(await transcript_copies(db)) == web  # every web household has its copy
    pushed = [push.path.rsplit("/", 1)[-1] for push in service.received]
    assert sorted(pushed) == sorted(p.chat_id for p in households if p.chat_id not in watched)
    by_chat = {p.chat_id: p.customer_id for p in households}
    for push in service.received:
        shown = keys.decrypt(push)
        chat_id = push.path.rsplit("/", 1)[-1]
        assert shown["body"] == f"Water is off tomorrow 9:00–12:00 (#{by_chat[chat_id]})"
    assert (pusher.sent, pusher.failed) == (web - len(watched), 0)
