"""The partner's Tonight screens: pick list, run sheet by door, and taps at each door."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.flows.events import Command
from bot.flows.partner.tonight_payloads import TonightAct, TonightStop
from bot.handlers.memory import MemoryChannel
from core.models import CommissionEntry, Order
from tests.conftest import shanghai
from tests.factories import make_gift_rule, make_product, make_unit_with_partner, place
from tests.flows.memory_shoppers import EXPIRED, last_labels, memory_shopper, press_payload


async def _earned(db) -> int:
    """Fees earned, payable or still held."""
    async with db.uow() as uow:
        return int(
            await uow.session.scalar(
                select(func.sum(CommissionEntry.amount_fen + CommissionEntry.held_fen))
            )
            or 0
        )


def yuan(fen: int) -> str:
    return f"¥{fen // 100}.{fen % 100:02d}"


async def _order(db, order_id: int) -> Order:
    async with db.uow() as uow:
        order = await uow.session.get(Order, order_id)
        assert order is not None
        return order


@pytest.fixture
async def evening(db):
    """Two orders in one unit, placed in the morning: one in 2栋 301, one in 1栋 1201."""
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "COLA", price_fen=300)
    eggs = await make_product(db, "EGGS", price_fen=1200, care_note_zh="鸡蛋易碎，轻拿轻放")
    cup = await make_product(db, "CUP", price_fen=100)
    await make_gift_rule(db, eggs, cup)
    ann = await memory_shopper(db, setup, "ann", building=1, room="301")
    bob = await memory_shopper(db, setup, "bob", building=0, room="1201")
    first = (await place(db, ann, [(cola, 2), (eggs, 1)])).order
    second = (await place(db, bob, [(cola, 3)])).order
    return setup, first, second


async def _open_tonight(channel: MemoryChannel, partner: str) -> None:
    await channel.send(partner, Command("partner"), language_code="en")
    await channel.press(partner, "Tonight")


async def test_the_pick_list_sums_the_evening_and_is_final_after_the_cutoff(db, clock, evening):
    setup, _, _ = evening
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    await _open_tonight(channel, partner)
    assert "may still grow" in channel.chat(partner).last.text
    clock.set(shanghai(2026, 11, 23, 18, 30))
    await _open_tonight(channel, partner)

    text = channel.chat(partner).last.text
    assert "2 orders" in text and "this list is final" in text
    assert "Product COLA × 5 bottle" in text
    assert "Gifts:\n• Product CUP × 1 bottle" in text


async def test_the_run_sheet_walks_building_by_building_and_a_door_shows_all_it_needs(
    db, clock, evening
):
    setup, first, _ = evening
    clock.set(shanghai(2026, 11, 23, 18, 30))
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await _open_tonight(channel, partner)

    await channel.press(partner, "Run sheet")
    doors = [label for label in last_labels(channel, partner) if "栋" in label]
    assert doors == ["▫️ 1栋 1201", "▫️ 2栋 301"]

    await channel.press(partner, "2栋 301")
    stop = channel.chat(partner).last.text
    assert "Product EGGS × 1 bottle" in stop
    assert "Gifts:\n• Product CUP × 1 bottle" in stop
    assert "Please tell them:\n• Product EGGS: care" in stop
    assert f"To collect: {yuan(first.total_fen)}" in stop


async def test_delivered_twice_at_a_door_pays_once_and_the_screen_updates_in_place(
    db, clock, evening
):
    setup, first, _ = evening
    clock.set(shanghai(2026, 11, 23, 18, 30))
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await _open_tonight(channel, partner)
    await channel.press(partner, "Run sheet")
    await channel.press(partner, "2栋 301")
    shown = len(channel.chat(partner).messages)

    await channel.press(partner, "Delivered")
    await channel.press(partner, "Delivered")
    await channel.press(partner, "Paid cash")

    assert len(channel.chat(partner).messages) == shown  # edited in place
    text = channel.chat(partner).last.text
    assert "✅ Delivered" in text and f"Paid {yuan(first.total_fen)} (cash)" in text
    assert await _earned(db) == 300 + 2000
    assert (await _order(db, first.id)).payment_method == "cash"


async def test_a_door_found_empty_is_marked_absent_and_stays_undelivered(db, clock, evening):
    setup, first, _ = evening
    clock.set(shanghai(2026, 11, 23, 19, 0))
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await _open_tonight(channel, partner)
    await channel.press(partner, "Run sheet")
    await channel.press(partner, "2栋 301")

    await channel.press(partner, "Absent")
    await channel.press(partner, "Absent")  # a second tap tells the customer nothing more
    assert "Nobody was at home" in channel.chat(partner).last.text
    await channel.press(partner, "Run sheet")

    assert "🚪 2栋 301" in last_labels(channel, partner)
    assert (await _order(db, first.id)).status == "placed"
    told = [m.text for m in channel.chat("ann").messages if "nobody was at home" in m.text]
    assert len(told) == 1 and "王阿姨" in told[0]


async def test_a_partner_of_another_unit_pressing_a_signed_button_with_this_order_changes_nothing(
    db, evening
):
    _, first, _ = evening
    other = await make_unit_with_partner(db, code="other")
    channel = MemoryChannel(db)
    stranger = str(other.partner.telegram_id)
    await channel.send(stranger, Command("partner"), language_code="en")

    await press_payload(channel, stranger, TonightAct("d", first.id, first.customer_id))
    await press_payload(channel, stranger, TonightAct("c", first.id, first.customer_id))
    await press_payload(channel, stranger, TonightStop(first.id, first.customer_id))

    assert channel.chat(stranger).toasts == [EXPIRED] * 3
    order = await _order(db, first.id)
    assert (order.status, order.paid_at) == ("placed", None)
    assert await _earned(db) == 0
    assert "EGGS" not in channel.chat(stranger).last.text
