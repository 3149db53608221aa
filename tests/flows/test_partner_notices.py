"""Notices: a partner composes a notice with buttons only (but the text), previews exactly what
neighbours read, schedules it once, and can cancel it; nobody else can press its buttons."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.flows import state
from bot.flows.events import Button, Command, Photo, Text
from bot.flows.partner.notices import NoticeAudience, NoticeCancel, NoticeConfirm, NoticeKind
from bot.handlers.memory import MemoryChannel
from core.models import Broadcast, Customer, OutboxMessage
from core.people.customers import set_household_profile, set_opt_out
from tests.conftest import shanghai
from tests.factories import make_unit_with_partner
from tests.flows.memory_shoppers import EXPIRED, count, last_labels, memory_shopper, press_payload

pytestmark = pytest.mark.db

WATER = "Water is off tomorrow 9:00–12:00 for pipe work. Please keep some water."


@pytest.fixture
async def unit(db):
    """A unit with three English-speaking households: two in 1栋, one in 3栋."""
    setup = await make_unit_with_partner(db)
    await memory_shopper(db, setup, "ann", building=0, room="101")
    await memory_shopper(db, setup, "bob", building=0, room="102")
    await memory_shopper(db, setup, "cat", building=2, room="301")
    return setup


def _partner(setup) -> str:
    return str(setup.partner.telegram_id)


async def _write(channel: MemoryChannel, partner: str, kind: str, event) -> None:
    """/partner → 📢 Notices → the kind → the words."""
    await channel.send(partner, Command("partner"), language_code="en")
    await channel.press(partner, "Notices")
    await channel.press(partner, kind)
    await channel.send(partner, event, language_code="en")


async def _draft_id(db, partner: str) -> str:
    async with db.uow() as uow:
        chat, _version = await state.load(uow, "memory", partner)
    return str(chat.data["draft"])


async def _broadcasts(db) -> list[Broadcast]:
    async with db.uow() as uow:
        return list(await uow.session.scalars(select(Broadcast).order_by(Broadcast.id)))


async def _rows(db, broadcast_id: int) -> list[OutboxMessage]:
    async with db.uow() as uow:
        return list(
            await uow.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.broadcast_id == broadcast_id)
                .order_by(OutboxMessage.customer_id)
            )
        )


async def test_the_notices_button_sits_on_the_cockpit(db, unit):
    channel = MemoryChannel(db)
    await channel.send(_partner(unit), Command("partner"), language_code="en")
    assert "📢 Notices" in last_labels(channel, _partner(unit))


async def test_a_partner_composes_an_outage_notice_for_one_building_and_it_is_scheduled_once(
    db, unit
):
    channel = MemoryChannel(db)
    partner = _partner(unit)

    await _write(channel, partner, "Outage notice", Text(WATER))
    assert "Who should get it?" in channel.chat(partner).last.text
    await channel.press(partner, "Some buildings")
    await channel.press(partner, "1栋")
    assert "✅ 1栋" in last_labels(channel, partner) and "⬜ 3栋" in last_labels(channel, partner)
    await channel.press(partner, "Done (1 chosen)")
    assert "🌆 Tonight 19:00" in last_labels(channel, partner)
    await channel.press(partner, "Tomorrow 08:00")

    preview = channel.chat(partner).last.text
    assert f"⚠️ Outage notice\n\n{WATER}" in preview
    assert "To: 1栋 · 2 households" in preview
    assert "When: tomorrow 08:00" in preview
    await channel.press(partner, "Confirm")

    assert "✅ Scheduled: 2 households, tomorrow 08:00." in channel.chat(partner).last.text
    [broadcast] = await _broadcasts(db)
    assert (broadcast.kind, broadcast.created_by, broadcast.partner_id) == (
        "outage",
        "partner",
        unit.partner.id,
    )
    assert broadcast.override_quiet is True
    assert broadcast.send_at == shanghai(2026, 11, 24, 8, 0)
    assert broadcast.status_chat_id == partner
    rows = await _rows(db, broadcast.id)
    assert sorted(row.chat_id for row in rows) == ["ann", "bob"]
    assert {row.text for row in rows} == {f"⚠️ Outage notice\n\n{WATER}"}
    assert all(row.buttons[-1][0][0] == "🔕 Stop these messages" for row in rows)


async def test_the_preview_counts_households_after_opt_outs(db, unit):
    async with db.uow() as uow:
        ann = await uow.session.scalar(select(Customer).where(Customer.room == "101"))
        await set_opt_out(uow, ann, "events", opted_out=True)
        await uow.commit()
    channel = MemoryChannel(db)
    partner = _partner(unit)

    await _write(channel, partner, "Neighbourhood event", Text("Dumplings on Saturday!"))
    await channel.press(partner, "Whole unit")
    await channel.press(partner, "Now")

    preview = channel.chat(partner).last.text
    assert "To: the whole unit · 2 households" in preview
    assert "1 opted out of these messages" in preview
    await channel.press(partner, "Confirm")
    [broadcast] = await _broadcasts(db)
    statuses = sorted(row.status for row in await _rows(db, broadcast.id))
    assert statuses == ["opted_out", "pending", "pending"]


async def test_only_households_who_shared_the_flag_are_reached(db, unit):
    async with db.uow() as uow:
        bob = await uow.session.scalar(select(Customer).where(Customer.room == "102"))
        await set_household_profile(uow, bob, consent=True, elderly=True)
        cat = await uow.session.scalar(select(Customer).where(Customer.room == "301"))
        cat.has_elderly = True  # never consented: must not count
        await uow.commit()
    channel = MemoryChannel(db)
    partner = _partner(unit)

    await _write(channel, partner, "Seasonal advice", Text("Cold wave: keep warm."))
    await channel.press(partner, "Households with elderly")
    await channel.press(partner, "Now")
    assert "1 household" in channel.chat(partner).last.text
    await channel.press(partner, "Confirm")

    [broadcast] = await _broadcasts(db)
    assert [row.chat_id for row in await _rows(db, broadcast.id)] == ["bob"]


async def test_a_photo_with_a_caption_goes_out_as_the_photo_with_the_notice(db, unit):
    channel = MemoryChannel(db)
    partner = _partner(unit)

    await _write(channel, partner, "Special offer", Photo("photo-77", caption="Oranges ¥5/kg"))
    await channel.press(partner, "Whole unit")
    await channel.press(partner, "Tomorrow 10:00")
    assert "📷 With your photo." in channel.chat(partner).last.text
    await channel.press(partner, "Confirm")

    [broadcast] = await _broadcasts(db)
    rows = await _rows(db, broadcast.id)
    assert {row.photo_ref for row in rows} == {"photo-77"}
    assert broadcast.override_quiet is False


async def test_an_empty_or_too_long_text_is_asked_again_and_the_draft_kept(db, unit):
    channel = MemoryChannel(db)
    partner = _partner(unit)

    await _write(channel, partner, "Outage notice", Text("水" * 1001))
    assert "up to 1,000 characters" in channel.chat(partner).last.text
    await channel.send(partner, Photo("photo-1"), language_code="en")  # no caption
    assert "a photo needs a caption" in channel.chat(partner).last.text
    await channel.send(partner, Text(WATER), language_code="en")
    assert "Who should get it?" in channel.chat(partner).last.text


async def test_a_double_confirm_schedules_one_notice(db, unit):
    channel = MemoryChannel(db)
    partner = _partner(unit)
    await _write(channel, partner, "Outage notice", Text(WATER))
    await channel.press(partner, "Whole unit")
    await channel.press(partner, "Now")
    message, data = channel.chat(partner).find_button("Confirm")

    await channel.send(partner, Button(data), message_ref=message.ref, language_code="en")
    await channel.send(partner, Button(data), message_ref=message.ref, language_code="en")

    assert len(await _broadcasts(db)) == 1
    assert "✅ Scheduled: 3 households, now." in channel.chat(partner).last.text
    assert await count(db, OutboxMessage) == 3


async def test_a_confirm_whose_draft_is_gone_has_expired_and_schedules_nothing(db, unit):
    channel = MemoryChannel(db)
    partner = _partner(unit)
    await _write(channel, partner, "Outage notice", Text(WATER))
    await channel.press(partner, "Whole unit")
    await channel.press(partner, "Now")
    _message, data = channel.chat(partner).find_button("Confirm")

    await channel.send(partner, Command("partner"), language_code="en")  # leaves the draft
    await channel.send(partner, Button(data), language_code="en")

    assert channel.chat(partner).toasts[-1] == EXPIRED
    assert await _broadcasts(db) == []


async def test_a_restart_mid_draft_keeps_the_draft(db, unit):
    channel = MemoryChannel(db)
    partner = _partner(unit)
    await _write(channel, partner, "A letter from your partner", Text("Happy new year!"))
    await channel.press(partner, "Whole unit")

    restarted = MemoryChannel(db)  # a new bot process; the partner's phone keeps the chat
    restarted.chats = channel.chats
    await restarted.press(partner, "Tomorrow 10:00")
    assert "Happy new year!" in restarted.chat(partner).last.text
    await restarted.press(partner, "Confirm")

    [broadcast] = await _broadcasts(db)
    assert broadcast.kind == "letter"
    rows = await _rows(db, broadcast.id)
    assert {row.text for row in rows} == {"✉️ A letter from your partner\n\nHappy new year!"}


async def test_a_forged_building_of_another_unit_has_expired_and_nothing_is_scheduled(db, unit):
    other = await make_unit_with_partner(db, code="binjiang", buildings=("A座",))
    channel = MemoryChannel(db)
    partner = _partner(unit)
    await _write(channel, partner, "Outage notice", Text(WATER))
    await channel.press(partner, "Some buildings")
    draft = await _draft_id(db, partner)

    await channel.press(partner, "Done (0 chosen)")
    assert channel.chat(partner).toasts[-1] == "Choose at least one building."
    await press_payload(channel, partner, NoticeAudience(draft, "toggle", other.building_ids[0]))
    assert channel.chat(partner).toasts[-1] == EXPIRED
    await press_payload(channel, partner, NoticeAudience(draft, "picked"))
    assert channel.chat(partner).toasts[-1] == EXPIRED

    assert await _broadcasts(db) == []


async def test_a_forged_audience_in_the_draft_is_refused_at_confirm(db, unit):
    other = await make_unit_with_partner(db, code="binjiang", buildings=("A座",))
    channel = MemoryChannel(db)
    partner = _partner(unit)
    await _write(channel, partner, "Outage notice", Text(WATER))
    await channel.press(partner, "Whole unit")
    await channel.press(partner, "Now")
    async with db.uow() as uow:  # the stored draft tampered with behind the bot's back
        chat, version = await state.load(uow, "memory", partner)
        chat.data["audience"] = {"type": "buildings", "ids": [other.building_ids[0]]}
        await state.save(uow, "memory", partner, chat, version)
        await uow.commit()

    await channel.press(partner, "Confirm")

    assert channel.chat(partner).toasts[-1] == EXPIRED
    assert await _broadcasts(db) == []


async def test_the_list_shows_scheduled_notices_and_one_tap_cancels(db, unit):
    channel = MemoryChannel(db)
    partner = _partner(unit)
    await _write(channel, partner, "Outage notice", Text(WATER))
    await channel.press(partner, "Whole unit")
    await channel.press(partner, "Tomorrow 08:00")
    await channel.press(partner, "Confirm")

    await channel.send(partner, Command("partner"), language_code="en")
    await channel.press(partner, "Notices")
    listing = channel.chat(partner).last.text
    assert "· tomorrow 08:00 · ⚠️ Outage notice · 3 households" in listing
    await channel.press(partner, "Cancel: tomorrow 08:00")

    assert "Cancelled: 3 households will not get it." in channel.chat(partner).last.text
    assert "Scheduled:" not in channel.chat(partner).last.text
    [broadcast] = await _broadcasts(db)
    assert broadcast.status == "cancelled"
    assert {row.status for row in await _rows(db, broadcast.id)} == {"cancelled"}


async def test_the_confirmation_offers_cancel_right_away(db, unit):
    channel = MemoryChannel(db)
    partner = _partner(unit)
    await _write(channel, partner, "Neighbourhood event", Text("Dumplings on Saturday!"))
    await channel.press(partner, "Whole unit")
    await channel.press(partner, "Tomorrow 10:00")
    await channel.press(partner, "Confirm")

    await channel.press(partner, "Cancel this notice")

    [broadcast] = await _broadcasts(db)
    assert broadcast.status == "cancelled"


async def test_tonight_is_not_offered_after_seven_in_the_evening(db, unit, clock):
    clock.set(shanghai(2026, 11, 23, 19, 30))
    channel = MemoryChannel(db)
    partner = _partner(unit)
    await _write(channel, partner, "Neighbourhood event", Text("Dumplings on Saturday!"))
    await channel.press(partner, "Whole unit")

    labels = last_labels(channel, partner)
    assert "🌆 Tonight 19:00" not in labels and "🌅 Tomorrow 08:00" in labels


async def test_a_non_outage_notice_now_in_quiet_hours_says_when_it_goes_out(db, unit, clock):
    clock.set(shanghai(2026, 11, 23, 22, 0))
    channel = MemoryChannel(db)
    partner = _partner(unit)
    await _write(channel, partner, "Neighbourhood event", Text("Dumplings on Saturday!"))
    await channel.press(partner, "Whole unit")
    await channel.press(partner, "Now")

    assert "quiet hours: it goes out at 08:00" in channel.chat(partner).last.text


async def test_customers_pressing_notice_buttons_get_expired_and_change_nothing(db, unit):
    channel = MemoryChannel(db)
    partner = _partner(unit)
    await _write(channel, partner, "Outage notice", Text(WATER))
    await channel.press(partner, "Whole unit")
    await channel.press(partner, "Tomorrow 08:00")
    await channel.press(partner, "Confirm")
    [broadcast] = await _broadcasts(db)
    draft = "deadbeef"

    for item in (
        NoticeKind("outage"),
        NoticeAudience(draft, "unit"),
        NoticeConfirm(draft),
        NoticeCancel(broadcast.id),
    ):
        await press_payload(channel, "ann", item)
        assert channel.chat("ann").toasts[-1] == EXPIRED

    [still] = await _broadcasts(db)
    assert still.status == "scheduled"


async def test_another_partners_notice_cannot_be_cancelled(db, unit):
    other = await make_unit_with_partner(db, code="binjiang", buildings=("A座",))
    channel = MemoryChannel(db)
    partner = _partner(unit)
    await _write(channel, partner, "Outage notice", Text(WATER))
    await channel.press(partner, "Whole unit")
    await channel.press(partner, "Tomorrow 08:00")
    await channel.press(partner, "Confirm")
    [broadcast] = await _broadcasts(db)

    await press_payload(channel, str(other.partner.telegram_id), NoticeCancel(broadcast.id))

    assert channel.chat(str(other.partner.telegram_id)).toasts[-1] == EXPIRED
    [still] = await _broadcasts(db)
    assert still.status == "scheduled"


async def test_a_chinese_speaking_partner_previews_the_heading_their_neighbours_read(db, unit):
    channel = MemoryChannel(db)
    partner = _partner(unit)
    await channel.send(partner, Command("partner"))
    await channel.press(partner, "通知")
    await channel.press(partner, "停水停电通知")
    await channel.send(partner, Text("明天上午停水"))
    await channel.press(partner, "整个小区")
    await channel.press(partner, "明天 08:00")

    preview = channel.chat(partner).last.text
    assert "⚠️ 停水停电通知\n\n明天上午停水" in preview
    assert "发给：整个小区 · 3 户" in preview
    assert "时间：明天 08:00" in preview
