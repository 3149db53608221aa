"""Crates: how many I hold, booking an evening for the partner to fetch them."""

from __future__ import annotations

import datetime as dt

from bot.flows.events import Command
from bot.flows.payloads import Crates
from bot.handlers.memory import MemoryChannel
from core.delivery.batches import run_sheet
from core.models import CratePickup
from tests.conftest import shanghai
from tests.factories import deliver_order, make_product, make_unit_with_partner, place
from tests.flows.memory_shoppers import count, last_labels, memory_shopper, press_payload

TUESDAY = dt.date(2026, 11, 24)


async def open_crates(channel: MemoryChannel, user: str) -> None:
    """Menu → Crates."""
    await channel.send(user, Command("menu"), language_code="en")
    await channel.press(user, "Crates")


async def shopper_with_crates(db, user: str = "alice", crates: int = 2):
    """A customer whose last delivery left ``crates`` crates at home."""
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "cola")
    customer = await memory_shopper(db, setup, user)
    order = (await place(db, customer, [(cola, 2)])).order
    await deliver_order(db, order.id, crates=crates)
    return setup, customer


async def test_the_crates_screen_shows_how_many_i_hold_and_the_evenings_to_choose(db):
    await shopper_with_crates(db, crates=2)
    channel = MemoryChannel(db)

    await open_crates(channel, "alice")

    assert "You have 2 Linli crates at home." in channel.chat("alice").last.text
    assert last_labels(channel, "alice")[:3] == [
        "Tonight",
        "Tomorrow (Tue, Nov 24)",
        "Wed, Nov 25",
    ]


async def test_booking_tomorrow_puts_the_pickup_on_the_partners_run_sheet(db):
    setup, alice = await shopper_with_crates(db, crates=2)
    channel = MemoryChannel(db)
    await open_crates(channel, "alice")

    await channel.press("alice", "Tomorrow")

    assert (
        "Booked! Your partner will come for your crates tomorrow (Tue, Nov 24), "
        "6:00\u202fPM–9:00\u202fPM." in channel.chat("alice").last.text
    )
    async with db.uow() as uow:
        sheet = await run_sheet(uow, setup.unit.id, TUESDAY)
    pickups = [stop for stop in sheet.stops if stop.kind == "pickup"]
    assert [(stop.customer_id, stop.room, stop.crates_to_collect) for stop in pickups] == [
        (alice.id, "1201", 2)
    ]


async def test_a_booked_evening_is_shown_and_booking_it_again_adds_nothing(db):
    await shopper_with_crates(db)
    channel = MemoryChannel(db)
    await open_crates(channel, "alice")
    await channel.press("alice", "Tomorrow")

    await open_crates(channel, "alice")
    assert "Pickup booked: tomorrow (Tue, Nov 24)" in channel.chat("alice").last.text
    await channel.press("alice", "✓ Tomorrow")

    assert await count(db, CratePickup) == 1


async def test_without_crates_there_is_nothing_to_book(db):
    setup = await make_unit_with_partner(db)
    await memory_shopper(db, setup, "alice")
    channel = MemoryChannel(db)

    await open_crates(channel, "alice")

    assert "You don't have any of our crates at home right now." in channel.chat("alice").last.text
    assert last_labels(channel, "alice") == ["⬅️ Menu"]
    await press_payload(channel, "alice", Crates("book", 1))
    assert "nothing to pick up" in channel.chat("alice").last.text
    assert await count(db, CratePickup) == 0


async def test_after_the_evening_window_tonight_is_not_offered_and_a_stale_tap_is_explained(
    db, clock
):
    await shopper_with_crates(db)
    channel = MemoryChannel(db)
    await open_crates(channel, "alice")
    clock.set(shanghai(2026, 11, 23, 21, 30))

    await channel.press("alice", "Tonight")

    assert "Today's delivery time is over. Please choose another day." in (
        channel.chat("alice").last.text
    )
    assert await count(db, CratePickup) == 0
    await open_crates(channel, "alice")
    assert "Tonight" not in last_labels(channel, "alice")
