"""A whole customer journey through the in-memory channel, and a restart in the middle."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.flows.events import Button, Command, Contact, Text
from bot.handlers.memory import MemoryChannel
from core.catalog.deals import set_deal
from core.models import Order, Product
from core.people.invites import invite_link_payload
from tests.factories import make_product, make_promotion, make_unit_with_partner

ME = "journey-1"


async def _shop(db):
    setup = await make_unit_with_partner(db)
    coke = await make_product(db, "DRK-COKE-330", name_zh="可口可乐 330ml", price_fen=235)
    await make_product(db, "DRK-TEA", name_zh="康师傅冰红茶 500ml", price_fen=300)
    rice = await make_product(
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
    return setup, coke, rice


async def _onboard(channel, setup):
    await channel.send(
        ME, Command("start", invite_link_payload(setup.partner.invite_code, 1)), language_code="en"
    )
    await channel.send(ME, Text("1201"), language_code="en")
    await channel.send(ME, Contact("13900000000"), language_code="en")
    await channel.press(ME, "English")
    await channel.press(ME, "Skip")


async def test_a_customer_goes_from_a_partners_link_to_an_order_and_the_partner_hears_of_it(db):
    setup, _coke, _rice = await _shop(db)
    channel = MemoryChannel(db)
    await _onboard(channel, setup)
    chat = channel.chat(ME)
    assert "王阿姨" in chat.last.text and "Order before" in chat.last.text

    await channel.press(ME, "Deals zone")
    assert "¥35.90" in chat.last.text or any(
        "¥35.90" in b.label for r in chat.last.buttons for b in r
    )
    await channel.press(ME, "GRN-RICE-5")
    await channel.press(ME, "+")

    await channel.send(ME, Command("menu"), language_code="en")
    await channel.press(ME, "Search")
    await channel.send(ME, Text("kl"), language_code="en")
    await channel.press(ME, "DRK-COKE-330")
    await channel.press(ME, "+")
    await channel.press(ME, "+")

    await channel.press(ME, "Cart")
    await channel.press(ME, "promo code")
    await channel.send(ME, Text("coke01"), language_code="en")
    assert "COKE01: −¥2.25" in chat.last.text
    await channel.press(ME, "Checkout")
    await channel.press(ME, "Correct")
    await channel.press(ME, "Confirm")
    assert "placed!" in chat.last.text

    async with db.uow() as uow:
        order = await uow.session.scalar(select(Order))
    assert order.goods_fen == 3590 + 2 * 235
    assert order.discount_fen == 225
    assert order.total_fen == 3590 + 2 * 235 - 225 + 300
    ping = channel.chat(str(setup.partner.telegram_id)).last.text
    assert order.order_no in ping and "2栋 1201" in ping and "可口可乐 330ml ×2" in ping


async def test_a_restart_in_the_middle_of_checkout_keeps_the_cart_and_the_step(db):
    setup, coke, _rice = await _shop(db)
    before = MemoryChannel(db)
    await _onboard(before, setup)
    await before.press(ME, "Search")
    await before.send(ME, Text("可乐"), language_code="en")
    await before.press(ME, "DRK-COKE-330")
    await before.press(ME, "+")
    await before.press(ME, "Cart")
    await before.press(ME, "Checkout")
    await before.press(ME, "Correct")
    confirm, data = before.chat(ME).find_button("Confirm")

    after = MemoryChannel(db)  # the process restarted; the customer's phone still shows Confirm
    await after.send(ME, Button(data), message_ref=confirm.ref, language_code="en")
    assert "placed!" in after.chat(ME).last.text
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Order)) == 1
        left = await uow.session.scalar(select(Product.stock).where(Product.id == coke.id))
    assert left == 99


async def test_bad_input_at_any_step_gets_a_helpful_answer_and_loses_nothing(db):
    setup, _coke, _rice = await _shop(db)
    channel = MemoryChannel(db)
    await _onboard(channel, setup)
    await channel.press(ME, "Search")
    await channel.send(ME, Text("可乐"), language_code="en")
    await channel.press(ME, "DRK-COKE-330")
    await channel.press(ME, "+")
    for nasty in ("x" * 10_000, "🍎🍎🍎", "'; DROP TABLE orders; --", "-5", "99999999999"):
        replies = await channel.send(ME, Text(nasty), language_code="en")
        assert replies, f"no answer to {nasty[:20]!r}"
    await channel.send(ME, Command("frobnicate"), language_code="en")
    await channel.press(ME, "Cart")
    assert "DRK-COKE-330 × 1" in channel.chat(ME).last.text or "× 1" in channel.chat(ME).last.text
