"""Earnings: a partner sees this month's fees per kind and can open past statements."""

from __future__ import annotations

import datetime as dt

from bot.flows.events import Command
from bot.flows.partner.earnings import EarningsMonth
from bot.handlers.memory import MemoryChannel
from core.models import CommissionEntry
from tests.factories import (
    deliver_order,
    make_bound_customer,
    make_product,
    make_unit_with_partner,
    place,
)
from tests.flows.memory_shoppers import memory_shopper, press_payload


async def _two_new_customers_delivered(db, setup) -> None:
    cola = await make_product(db, "COLA", stock=100)
    for room in ("101", "102"):
        customer = await make_bound_customer(db, setup, room=room)
        placed = await place(db, customer, [(cola, 1)])
        assert await deliver_order(db, placed.order.id)


async def _open_earnings(channel: MemoryChannel, partner: str) -> str:
    await channel.send(partner, Command("partner"), language_code="en")
    await channel.press(partner, "Earnings")
    return channel.chat(partner).last.text


async def test_earnings_show_this_months_fees_per_kind_and_the_closing_balance(db):
    setup = await make_unit_with_partner(db)
    await _two_new_customers_delivered(db, setup)
    channel = MemoryChannel(db)

    text = await _open_earnings(channel, str(setup.partner.telegram_id))

    assert "New households (fee held) ×2: ¥40.00" in text
    assert "Deliveries ×2: ¥6.00" in text
    assert "closing ¥6.00" in text
    assert "Held ¥40.00: paid once the hold passes or you confirm the household" in text


async def test_a_partner_with_no_entries_sees_an_empty_month_not_an_error(db):
    setup = await make_unit_with_partner(db)
    channel = MemoryChannel(db)

    text = await _open_earnings(channel, str(setup.partner.telegram_id))

    assert "No entries this month yet." in text and "closing ¥0.00" in text


async def test_a_past_months_statement_opens_from_its_button_with_its_own_figures(db, clock):
    setup = await make_unit_with_partner(db)
    async with db.uow() as uow:
        uow.session.add(
            CommissionEntry(
                partner_id=setup.partner.id,
                unit_id=setup.unit.id,
                kind="delivery",
                amount_fen=300,
                event_key="delivery:past",
                month="2025-01",
                created_at=dt.datetime(2025, 1, 10, tzinfo=dt.UTC),
            )
        )
        await uow.commit()
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await _open_earnings(channel, partner)

    await channel.press(partner, "2025-01")

    text = channel.chat(partner).last.text
    assert "Statement for 2025-01" in text
    assert "Deliveries ×1: ¥3.00" in text and "closing ¥3.00" in text


async def test_a_customer_pressing_a_signed_earnings_button_gets_expired(db):
    setup = await make_unit_with_partner(db)
    await memory_shopper(db, setup, "alice")
    channel = MemoryChannel(db)

    await press_payload(channel, "alice", EarningsMonth("2025-01"))

    assert channel.chat("alice").toasts[-1].startswith("This button has expired")
    assert "Statement" not in channel.chat("alice").last.text
