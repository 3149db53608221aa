"""Order news reaches each household on its own channel (web or Telegram), in its own
language: on the way with the doors before it, the door before it done, delivered with
the crates it holds; and the partner hears of a crate pickup and of a low rating."""

from __future__ import annotations

import pytest

from bot.flows import callbacks, state
from bot.flows.events import Button, Command
from bot.flows.partner.tonight_payloads import TonightAct, TonightGo
from bot.flows.payloads import Crates, OrderAction
from bot.flows.replies import Forward
from bot.handlers.memory import MemoryChannel
from core.people.customers import bind_to_unit, customer_for_identity, set_address, set_phone
from tests.factories import make_product, make_unit_with_partner, place

WEB_ID = "web-ann-000000001"
TELEGRAM_ID = "4242"


async def _customer(db, setup, channel, chat, *, building, room, locale):
    """A customer of the unit who chats on ``channel`` as ``chat``."""
    async with db.uow() as uow:
        customer = await customer_for_identity(uow, channel, chat, locale=locale)
        await bind_to_unit(uow, customer, unit_id=setup.unit.id, partner=setup.partner)
        await set_address(uow, customer, building_id=setup.building_ids[building], room=room)
        await set_phone(uow, customer, "13900000000")
        await uow.commit()
    return customer


@pytest.fixture
async def evening(db):
    """Ann on the web in 1栋 (first door), Bob on Telegram in 2栋 (second), in Chinese."""
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "COLA", price_fen=300)
    ann = await _customer(db, setup, "web", WEB_ID, building=0, room="301", locale="en")
    bob = await _customer(
        db, setup, "telegram", TELEGRAM_ID, building=1, room="1201", locale="zh_CN"
    )
    first = (await place(db, ann, [(cola, 2)])).order
    second = (await place(db, bob, [(cola, 3)])).order
    return setup, first, second


def forwards(replies) -> dict[tuple[str, str], list[str]]:
    """What the replies send to other chats, by (channel, chat)."""
    out: dict[tuple[str, str], list[str]] = {}
    for reply in replies:
        if isinstance(reply, Forward):
            out.setdefault((reply.channel, reply.chat_id), []).append(reply.text)
    return out


async def _run_sheet(channel: MemoryChannel, partner: str) -> None:
    await channel.send(partner, Command("partner"), language_code="en")
    await channel.press(partner, "Tonight")
    await channel.press(partner, "Run sheet")


async def test_starting_the_run_tells_each_household_on_its_channel_how_many_doors_come_first(
    db, evening
):
    setup, _first, _second = evening
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await _run_sheet(channel, partner)

    sent = forwards(await channel.press(partner, "Start the run"))

    (ann,) = sent[("web", WEB_ID)]
    assert ann == (
        "🚚 Out for delivery: your partner 王阿姨 is in building 1栋, "
        "and yours is the next door. Please be ready!"
    )
    (bob,) = sent[("telegram", TELEGRAM_ID)]
    assert bob == "🚚 配送中：您的配送员王阿姨正在 1栋，前面还有 1 户就到您家。"
    assert "🚚 On the way: 2 households told." in channel.chat(partner).last.text
    labels = [b.label for row in channel.chat(partner).last.buttons for b in row]
    assert not any("Start the run" in label for label in labels)  # the orders have left

    again = await press_payload_as(channel, partner, TonightGo(0))  # from an old screen
    assert forwards(again) == {}  # a second press tells nobody twice


async def test_delivering_a_door_tells_it_its_crates_and_the_next_door_that_it_is_next(db, evening):
    setup, first, second = evening
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await _run_sheet(channel, partner)
    await channel.press(partner, "Start the run")

    replies = await press_payload_as(channel, partner, TonightAct("d", first.id, first.customer_id))

    sent = forwards(replies)
    (ann,) = sent[("web", WEB_ID)]
    assert ann.startswith(f"✅ Order {first.order_no} delivered.")
    assert "1 Linli crate is with you now" in ann
    (bob,) = sent[("telegram", TELEGRAM_ID)]
    assert bob == "🚚 配送中：您的配送员王阿姨正在 1栋，下一户就是您家，请准备好收货！"

    again = await press_payload_as(channel, partner, TonightAct("d", first.id, first.customer_id))
    assert forwards(again) == {}  # a repeated tap changes nothing and tells nobody

    last = await press_payload_as(channel, partner, TonightAct("d", second.id, second.customer_id))
    (bob_done,) = forwards(last)[("telegram", TELEGRAM_ID)]
    assert bob_done.startswith(f"✅ 订单 {second.order_no} 已送达")
    assert "您家现在有 1 个邻里周转箱" in bob_done


async def test_the_partner_hears_of_a_crate_pickup_and_of_a_rating_of_three_stars_or_less(
    db, evening
):
    setup, first, second = evening
    partner_chat = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await _run_sheet(partner_chat, partner)
    await partner_chat.press(partner, "Start the run")
    await press_payload_as(partner_chat, partner, TonightAct("d", first.id, first.customer_id))
    await press_payload_as(partner_chat, partner, TonightAct("d", second.id, second.customer_id))
    web = MemoryChannel(db, channel="web")
    telegram = MemoryChannel(db, channel="telegram")
    to_partner = ("telegram", partner)

    booked = forwards(await press_payload_as(web, WEB_ID, Crates("book", 1)))
    (ping,) = booked[to_partner]
    assert ping.startswith("🧺 回收周转箱：1栋-301 请您在")
    assert "取回 1 个周转箱" in ping
    assert forwards(await press_payload_as(web, WEB_ID, Crates("book", 1))) == {}  # once

    await press_payload_as(web, WEB_ID, OrderAction(first.id, "rate", 3))
    rated = forwards(await web.press(WEB_ID, "Skip"))
    assert rated[to_partner] == [f"⚠️ 订单 {first.order_no} 收到顾客 3 ⭐ 的评价。"]

    await press_payload_as(telegram, TELEGRAM_ID, OrderAction(second.id, "rate", 4))
    assert forwards(await telegram.press(TELEGRAM_ID, "跳过")) == {}  # 4 stars: no ping


async def press_payload_as(channel: MemoryChannel, user: str, item: object):
    """A correctly signed button of ``user``'s own chat; the replies."""
    key = await state.signing_key(channel.db)
    return await channel.send(user, Button(callbacks.pack(key, user, item)), language_code="en")
