"""The customer journey through the real python-telegram-bot stack on a recording Bot API."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from core.catalog.deals import set_deal
from core.models import Order
from core.people.invites import invite_link_payload
from tests.factories import make_product, make_promotion, make_unit_with_partner
from tests.telegram.fake_bot_api import (
    Person,
    chat,
    find_button,
    last_text,
    press,
    press_data,
    recorder,
    reply_to,
    send_text,
    share_contact,
)

ALICE = Person(7001, first_name="Alice", language_code="en")
BOB = Person(7002, first_name="Bob", language_code="zh-hans")


async def _shop(db):
    setup = await make_unit_with_partner(db)
    coke = await make_product(db, "DRK-COKE-330", name_zh="可口可乐 330ml", price_fen=235)
    await make_product(
        db, "GRN-RICE-5", name_zh="东北大米 5kg", price_fen=3990, heavy=True, category_code="grain"
    )
    await make_promotion(
        db,
        "COKE01",
        benefit="fixed_price_item",
        product_id=coke.id,
        fixed_price_fen=10,
        first_order_only=True,
        per_customer_limit=1,
        total_cap=1000,
    )
    async with db.uow() as uow:
        await set_deal(uow, uow.clock.now().date(), "GRN-RICE-5", 3590)
        await uow.commit()
    return setup


async def _onboard(app, setup, who, room="1201"):
    payload = invite_link_payload(setup.partner.invite_code, 1)
    await send_text(app, who, f"/start {payload}")
    await send_text(app, who, room)
    await share_contact(app, who, "13900000000")
    await press(app, who, "English" if who.language_code == "en" else "中文")
    await press(app, who, "Skip" if who.language_code == "en" else "跳过")


async def test_a_telegram_customer_orders_with_coke01_and_the_partner_is_pinged(db, app):
    setup = await _shop(db)
    await _onboard(app, setup, ALICE)
    assert "王阿姨" in last_text(app, ALICE)

    await press(app, ALICE, "Deals zone")
    await press(app, ALICE, "GRN-RICE-5")
    await press(app, ALICE, "+")
    await send_text(app, ALICE, "/menu")
    await press(app, ALICE, "Search")
    await send_text(app, ALICE, "kl")
    await press(app, ALICE, "DRK-COKE-330")
    await press(app, ALICE, "+")
    await press(app, ALICE, "+")
    await press(app, ALICE, "Cart")
    await press(app, ALICE, "promo code")
    await send_text(app, ALICE, "COKE01")
    assert "COKE01: −¥2.25" in last_text(app, ALICE)
    await press(app, ALICE, "Checkout")
    await press(app, ALICE, "Correct")
    await press(app, ALICE, "Confirm")
    assert "placed!" in last_text(app, ALICE)

    async with db.uow() as uow:
        order = await uow.session.scalar(select(Order))
    assert order.total_fen == 3590 + 2 * 235 - 225 + 300
    ping = recorder(app).to(setup.partner.telegram_id, "sendMessage")[-1].text
    assert order.order_no in ping and "2栋 1201" in ping
    answered = recorder(app).methods().count("answerCallbackQuery")
    presses = sum(1 for call in recorder(app).calls if call.method == "answerCallbackQuery")
    assert answered == presses > 0


async def test_ten_simultaneous_confirm_taps_make_one_order(db, app):
    setup = await _shop(db)
    await _onboard(app, setup, ALICE)
    await press(app, ALICE, "Search")
    await send_text(app, ALICE, "可乐")
    await press(app, ALICE, "DRK-COKE-330")
    await press(app, ALICE, "+")
    await press(app, ALICE, "Cart")
    await press(app, ALICE, "Checkout")
    await press(app, ALICE, "Correct")
    message_id, data = find_button(app, ALICE, "Confirm")
    await asyncio.gather(*(press_data(app, ALICE, data, message_id) for _ in range(10)))
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Order)) == 1


async def test_two_customers_talk_to_their_partner_and_the_answers_never_cross(db, app):
    setup = await _shop(db)
    partner = Person(setup.partner.telegram_id, first_name="王阿姨", language_code="zh-hans")
    await _onboard(app, setup, ALICE, room="101")
    await _onboard(app, setup, BOB, room="202")
    await press(app, ALICE, "My partner")
    await send_text(app, ALICE, "Could you bring the rice upstairs?")
    await press(app, BOB, "配送员")
    await send_text(app, BOB, "今晚几点到？")

    relayed = {shown.text: shown.message_id for shown in chat(app, partner)}
    to_alice = next(mid for text, mid in relayed.items() if "rice upstairs" in text)
    to_bob = next(mid for text, mid in relayed.items() if "今晚几点到" in text)
    assert "101" in next(t for t in relayed if "rice upstairs" in t)
    await reply_to(app, partner, to_bob, "七点左右到")
    await reply_to(app, partner, to_alice, "好的，帮您搬上楼")

    alice_sees = [shown.text for shown in chat(app, ALICE)]
    bob_sees = [shown.text for shown in chat(app, BOB)]
    assert any("帮您搬上楼" in text for text in alice_sees)
    assert not any("七点左右到" in text for text in alice_sees)
    assert any("七点左右到" in text for text in bob_sees)
    assert not any("帮您搬上楼" in text for text in bob_sees)
    assert not any("202" in text for text in alice_sees)  # nothing of Bob reaches Alice
