"""The customer-value report in the cockpit: groups, chart, CSV, and the one-tap actions."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io

import pytest
from PIL import Image
from sqlalchemy import select

from bot.flows.events import Command
from bot.flows.partner.report import ReportCsv, ReportPlan, ReportSend
from bot.handlers.memory import MemoryChannel
from core.models import CratePickup, Customer, Promotion, ReportAction, WinbackQuestion
from core.people.customers import set_opt_out
from tests.conftest import shanghai
from tests.factories import UnitSetup, make_unit_with_partner
from tests.flows.memory_shoppers import (
    EXPIRED,
    count,
    last_labels,
    memory_shopper,
    press_payload,
    texts,
)
from tests.test_value_report import _crates, _order

TODAY = dt.date(2026, 11, 23)  # the clock fixture's Monday
THIS_WEEK = TODAY.toordinal()


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


async def _named(db, setup: UnitSetup, user: str, name: str, room: str, **kw) -> Customer:
    customer = await memory_shopper(db, setup, user, room=room, **kw)
    async with db.uow() as uow:
        row = await uow.session.get(Customer, customer.id)
        row.display_name = name
        await uow.commit()
    return customer


@pytest.fixture
async def unit(db, clock):
    """Jinxiu, joined in June: Hana high value, Pia and Pete potential, Lou lost, Lena lost
    with crates out, Rita regular, Nina never ordered. Today is Monday 23 Nov, 10:00."""
    clock.set(shanghai(2026, 6, 1, 10))
    setup = await make_unit_with_partner(db)
    people = {
        "hana": await _named(db, setup, "hana", "Hana", "101"),
        "pia": await _named(db, setup, "pia", "Pia", "102"),
        "pete": await _named(db, setup, "pete", "Pete", "103"),
        "lou": await _named(db, setup, "lou", "Lou", "104"),
        "lena": await _named(db, setup, "lena", "Lena", "105"),
        "rita": await _named(db, setup, "rita", "Rita", "106"),
        "nina": await _named(db, setup, "nina", "Nina", "107"),
    }
    clock.set(shanghai(2026, 11, 23, 10))
    for days in (80, 60, 40, 30, 20, 10, 2):
        await _order(db, people["hana"], ago(days), 9000)
    await _order(db, people["pia"], ago(3), 6000)
    await _order(db, people["pete"], ago(5), 4000)
    await _order(db, people["lou"], ago(45), 12000)
    await _order(db, people["lena"], ago(20), 5000)
    await _crates(db, people["lena"], ago(20), 2)
    for days in (50, 25, 12):
        await _order(db, people["rita"], ago(days), 3000)
    return setup, people


async def _open_report(channel: MemoryChannel, partner: str) -> str:
    await channel.send(partner, Command("partner"), language_code="en")
    await channel.press(partner, "Customer report")
    return channel.chat(partner).last.text


async def test_the_report_shows_each_group_with_its_change_and_top_customers(db, unit):
    setup, _ = unit
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    text = await _open_report(channel, partner)

    assert "📊 Your customers on Mon, Nov 23: 7 households" in text
    assert "⭐ High value: 1 (±0 since last week)" in text
    assert "Hana · 7 orders · ¥630.00 · 2 days ago" in text
    # last week Lena (one order 13 days before) was potential; her silent crates make her lost
    assert "🌱 Potential: 2 (+1 since last week)" in text
    assert "💤 Lost: 2 (+1 since last week)" in text
    assert "Also 🙂 Regular: 1 · 🆕 Not ordered yet: 1" in text
    assert "a ¥5.00 coupon (orders from ¥39.00, 14 days)" in text
    assert last_labels(channel, partner) == [
        "📈 Chart",
        "📄 CSV file",
        "🎁 Coupon to potential",
        "🤝 Visit the lost",
        "🏠 Partner home",
    ]


async def test_potential_customers_are_listed_most_valuable_first(db, unit):
    setup, _ = unit
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    text = await _open_report(channel, partner)

    assert text.index("102 Pia") < text.index("103 Pete")


async def test_a_unit_without_customers_gets_an_empty_report_not_an_error(db):
    setup = await make_unit_with_partner(db)
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    text = await _open_report(channel, partner)

    assert "0 households" in text
    assert "invite your neighbours first" in text
    assert last_labels(channel, partner) == ["🏠 Partner home"]


async def test_the_chart_arrives_as_a_picture(db, unit):
    setup, _ = unit
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await _open_report(channel, partner)

    await channel.press(partner, "Chart")

    picture = channel.chat(partner).last
    assert "Bars: orders delivered each week" in picture.text
    assert Image.open(io.BytesIO(picture.image)).format == "PNG"


async def test_the_csv_lists_every_customer_with_their_group(db, unit):
    setup, _ = unit
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await _open_report(channel, partner)

    await channel.press(partner, "CSV file")

    document = channel.chat(partner).last.document
    assert document.filename == "linli-jinxiu-customers-2026-11-23.csv"
    rows = list(csv.reader(io.StringIO(document.content.decode("utf-8-sig"))))
    groups = {row[0]: row[3] for row in rows[1:]}
    assert len(rows) == 8
    assert groups["Hana"] == "high_value" and groups["Lena"] == "lost"


async def test_the_coupon_goes_once_to_the_potential_customers_in_their_language(db, unit):
    setup, _ = unit
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await _open_report(channel, partner)

    await channel.press(partner, "Coupon to potential")
    preview = channel.chat(partner).last.text
    await channel.press(partner, "Send to 2 households")

    confirmation = channel.chat(partner).last.text
    async with db.uow() as uow:
        coupon = await uow.session.scalar(select(Promotion).where(Promotion.code.like("HX%")))
    assert "• 1栋 102 Pia\n• 1栋 103 Pete" in preview and "They will read:" in preview
    assert f"✅ Coupon {coupon.code} sent to 2 households" in confirmation
    assert (coupon.unit_id, coupon.amount_off_fen, coupon.min_spend_fen) == (
        setup.unit.id,
        500,
        3900,
    )
    assert (coupon.total_cap, coupon.per_customer_limit) == (2, 1)
    assert coupon.valid_until.astimezone(shanghai(2026, 1, 1).tzinfo).date() == dt.date(2026, 12, 6)
    for user in ("pia", "pete"):
        assert f"Type the code {coupon.code} in your cart" in channel.chat(user).last.text
    assert coupon.code not in texts(channel, "hana") + texts(channel, "lou")


async def test_a_second_send_the_same_week_sends_nothing_more(db, unit):
    setup, _ = unit
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await _open_report(channel, partner)
    await channel.press(partner, "Coupon to potential")
    await press_payload(channel, partner, ReportSend("potential", THIS_WEEK))
    pia_saw = len(channel.chat("pia").messages)

    await press_payload(channel, partner, ReportSend("potential", THIS_WEEK))

    assert "Already sent this week" in channel.chat(partner).last.text
    assert len(channel.chat("pia").messages) == pia_saw
    assert await count(db, Promotion, Promotion.code.like("HX%")) == 1
    await channel.send(partner, Command("partner"), language_code="en")
    await channel.press(partner, "Customer report")
    assert "✅ 🎁 Coupon to potential" in last_labels(channel, partner)


async def test_customers_who_turned_offers_off_get_no_coupon(db, unit):
    setup, people = unit
    async with db.uow() as uow:
        await set_opt_out(
            uow, await uow.session.get(Customer, people["pia"].id), "deals", opted_out=True
        )
        await uow.commit()
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    await press_payload(channel, partner, ReportSend("potential", THIS_WEEK))

    assert "sent to 1 household" in channel.chat(partner).last.text
    assert "HX" not in texts(channel, "pia")


async def test_lost_customers_are_told_of_a_visit_and_asked_why_they_stopped(db, unit):
    setup, people = unit
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)
    await _open_report(channel, partner)

    await channel.press(partner, "Visit the lost")
    await channel.press(partner, "Send to 2 households")

    confirmation = channel.chat(partner).last.text
    assert "✅ 2 households told you will drop by with a small gift" in confirmation
    assert (
        "Mon, Nov 23 · 1栋 104 Lou" in confirmation and "Mon, Nov 23 · 1栋 105 Lena" in confirmation
    )
    for user in ("lou", "lena"):
        question = channel.chat(user).last
        assert "will drop by on Mon, Nov 23 with a small gift" in question.text
        assert "💰 Prices" in [button.label for row in question.buttons for button in row]
    async with db.uow() as uow:
        pickups = (await uow.session.scalars(select(CratePickup))).all()
        asked = (await uow.session.scalars(select(WinbackQuestion))).all()
    assert [(p.customer_id, p.requested_by) for p in pickups] == [(people["lena"].id, "partner")]
    assert {q.customer_id for q in asked} == {people["lou"].id, people["lena"].id}


async def test_a_send_button_from_last_weeks_report_sends_nothing(db, unit):
    setup, _ = unit
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    await press_payload(channel, partner, ReportSend("potential", THIS_WEEK - 7))

    assert "📊 Your customers on" in channel.chat(partner).last.text
    assert await count(db, ReportAction) == 0
    assert "HX" not in texts(channel, "pia")


async def test_a_customer_pressing_report_buttons_gets_expired_and_nothing_is_sent(db, unit):
    channel = MemoryChannel(db)

    await press_payload(channel, "hana", ReportSend("potential", THIS_WEEK))
    await press_payload(channel, "hana", ReportCsv())
    await press_payload(channel, "hana", ReportPlan("lost"))

    assert channel.chat("hana").toasts[-3:] == [EXPIRED] * 3
    assert await count(db, ReportAction) == 0
    assert all(message.document is None for message in channel.chat("hana").messages)


async def test_a_forged_group_name_just_shows_the_report(db, unit):
    setup, _ = unit
    channel = MemoryChannel(db)
    partner = str(setup.partner.telegram_id)

    await press_payload(channel, partner, ReportSend("high_value", THIS_WEEK))

    assert "📊 Your customers on" in channel.chat(partner).last.text
    assert await count(db, ReportAction) == 0


@pytest.mark.postgres
async def test_four_simultaneous_sends_give_one_coupon_and_one_message_each(db, unit):
    setup, _ = unit
    channels = [MemoryChannel(db) for _ in range(4)]
    partner = str(setup.partner.telegram_id)

    await asyncio.gather(
        *(press_payload(ch, partner, ReportSend("potential", THIS_WEEK)) for ch in channels)
    )

    assert await count(db, ReportAction) == 1
    assert await count(db, Promotion, Promotion.code.like("HX%")) == 1
    coupons_to_pia = sum(
        "Type the code HX" in message.text for ch in channels for message in ch.chat("pia").messages
    )
    assert coupons_to_pia == 1
