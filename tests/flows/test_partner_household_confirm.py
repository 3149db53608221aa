"""At the door the partner confirms the household once: it releases the held fee at once."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.flows.events import Command
from bot.flows.partner.tonight_payloads import TonightAct
from bot.handlers.memory import MemoryChannel
from core.models import CommissionEntry, Household
from tests.conftest import shanghai
from tests.factories import ledger_balances, make_product, make_unit_with_partner, place
from tests.flows.memory_shoppers import EXPIRED, last_labels, memory_shopper, press_payload


async def _at_the_door(db, clock):
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "COLA", price_fen=300)
    ann = await memory_shopper(db, setup, "ann", building=1, room="301")
    order = (await place(db, ann, [(cola, 2)])).order
    clock.set(shanghai(2026, 11, 23, 18, 30))
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await channel.send(partner, Command("partner"), language_code="en")
    await channel.press(partner, "Tonight")
    await channel.press(partner, "Run sheet")
    await channel.press(partner, "2栋 301")
    return setup, order, channel, partner


async def test_the_door_card_offers_household_confirmed_until_it_is_pressed(db, clock):
    setup, _, channel, partner = await _at_the_door(db, clock)
    assert "✅ Household confirmed" in last_labels(channel, partner)

    await channel.press(partner, "Delivered")
    assert await ledger_balances(db) == (300, 2000)  # the new-customer fee is held
    await channel.press(partner, "Household confirmed")

    text = channel.chat(partner).last.text
    assert "Household confirmed. Thank you!" in text
    assert "✅ Household confirmed" in text
    assert "✅ Household confirmed" not in last_labels(channel, partner)
    assert await ledger_balances(db) == (300 + 2000, 0)  # released now, not in 14 days
    async with db.uow() as uow:
        household = await uow.session.scalar(select(Household))
    assert household.confirmed_by_partner_id == setup.partner.id


async def test_confirming_twice_releases_once(db, clock):
    _, order, channel, partner = await _at_the_door(db, clock)
    await channel.press(partner, "Delivered")
    await channel.press(partner, "Household confirmed")
    customer_id = order.customer_id
    await press_payload(channel, partner, TonightAct("h", order.id, customer_id))
    assert await ledger_balances(db) == (300 + 2000, 0)
    async with db.uow() as uow:
        entries = await uow.session.scalar(select(func.count()).select_from(CommissionEntry))
    assert entries == 3  # delivery, held, released


async def test_another_units_order_cannot_be_confirmed_from_a_forged_button(db, clock):
    _, order, channel, _ = await _at_the_door(db, clock)
    other = await make_unit_with_partner(db, code="meili")
    stranger = str(other.partner.telegram_id)
    await channel.send(stranger, Command("partner"), language_code="en")

    await press_payload(channel, stranger, TonightAct("h", order.id, order.customer_id))

    assert EXPIRED in channel.chat(stranger).toasts
    async with db.uow() as uow:
        household = await uow.session.scalar(select(Household))
    assert household.confirmed_at is None
