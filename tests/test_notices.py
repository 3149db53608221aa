"""Notices (core): who an audience reaches, what a partner may never reach, and the rules of
scheduling: validation, idempotency, quiet hours, cancel and the list."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from bot.flows.state import signing_key
from bot.messages.notices import notice_renderer
from core.errors import InvalidInput, NotFound
from core.messaging.notices import (
    FlaggedHouseholds,
    SomeBuildings,
    SomeUnits,
    ValueGroup,
    WholeCity,
    WholeUnit,
    audience_size,
    cancel_notice,
    resolve_audience,
    schedule_notice,
    scheduled_notices,
)
from core.messaging.outbox.enqueue import StatusChat
from core.messaging.outbox.sender import Sender
from core.models import Broadcast, Customer, OutboxMessage
from core.partners.reports.value import Standing
from core.people.customers import set_household_profile, set_opt_out
from tests.conftest import shanghai
from tests.factories import (
    deliver_order,
    make_bound_customer,
    make_product,
    make_unit_with_partner,
    place,
)
from tests.outbox_support import ScriptedTransport

pytestmark = pytest.mark.db

WATER = "明天 9:00–12:00 停水，请提前储水。"


async def _customer(db, setup, *, building=0, room="101", locale="zh_CN", **profile):
    """A Telegram household of the unit; ``consent`` given → its flags are recorded."""
    customer = await make_bound_customer(db, setup, building=building, room=room)
    async with db.uow() as uow:
        row = await uow.session.get(Customer, customer.id)
        row.locale = locale
        consent = profile.pop("consent", None)
        if consent is not None:
            await set_household_profile(uow, row, consent=consent, **profile)
        elif profile:  # flags set without consent must never count
            for flag, on in profile.items():
                setattr(row, f"has_{flag}", on)
        await uow.commit()
    return customer


async def _resolve(db, partner, audience):
    async with db.uow() as uow:
        return await resolve_audience(uow, partner, audience)


async def _schedule(db, partner, audience, *, key="n-1", kind="outage", **options):
    """Schedule and commit a notice; returns what schedule_notice said."""
    render = notice_renderer(await signing_key(db))
    async with db.uow() as uow:
        made = await schedule_notice(
            uow,
            partner=partner,
            kind=kind,
            text=options.pop("text", WATER),
            photo_ref=options.pop("photo_ref", None),
            audience=audience,
            send_at=options.pop("send_at", None),
            idempotency_key=key,
            render=render,
            **options,
        )
        await uow.commit()
    return made


async def _broadcasts(db) -> int:
    async with db.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(Broadcast)) or 0)


async def _rows(db, broadcast_id):
    async with db.uow() as uow:
        found = await uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.broadcast_id == broadcast_id)
        )
        return {row.customer_id: row for row in found}


@pytest.fixture
async def two_units(db):
    """锦绣花园 (3 buildings) with four households, and 滨江 next door with one."""
    home = await make_unit_with_partner(db)
    other = await make_unit_with_partner(db, code="binjiang", buildings=("A座", "B座"))
    people = {
        "b1": await _customer(db, home, building=0, room="101"),
        "b2": await _customer(db, home, building=1, room="201", consent=True, elderly=True),
        "b3": await _customer(db, home, building=2, room="301", elderly=True, children=True),
        "b3c": await _customer(db, home, building=2, room="302", consent=True, children=True),
        "other": await _customer(db, other, building=0, room="101", consent=True, elderly=True),
    }
    return home, other, {name: customer.id for name, customer in people.items()}


async def test_the_whole_unit_is_every_household_of_the_partners_unit_and_no_other(db, two_units):
    home, _other, ids = two_units
    found = await _resolve(db, home.partner, WholeUnit())
    assert found == sorted(ids[name] for name in ("b1", "b2", "b3", "b3c"))


async def test_some_buildings_reach_only_the_households_living_in_them(db, two_units):
    home, _other, ids = two_units
    found = await _resolve(db, home.partner, SomeBuildings((home.building_ids[2],)))
    assert found == sorted([ids["b3"], ids["b3c"]])
    both = await _resolve(db, home.partner, SomeBuildings(tuple(home.building_ids[:2])))
    assert both == sorted([ids["b1"], ids["b2"]])


async def test_household_flags_reach_only_those_who_consented_to_share_them(db, two_units):
    home, _other, ids = two_units
    assert await _resolve(db, home.partner, FlaggedHouseholds("elderly")) == [ids["b2"]]
    assert await _resolve(db, home.partner, FlaggedHouseholds("children")) == [ids["b3c"]]
    assert await _resolve(db, home.partner, FlaggedHouseholds("pregnant")) == []


async def test_a_value_group_is_the_customer_value_reports_group(db, two_units):
    home, _other, ids = two_units
    cola = await make_product(db, "COLA", stock=100)
    async with db.uow() as uow:
        buyer = await uow.session.get(Customer, ids["b1"])
    placed = await place(db, buyer, [(cola, 1)])
    assert await deliver_order(db, placed.order.id)

    potential = await _resolve(db, home.partner, ValueGroup(Standing.POTENTIAL))
    new = await _resolve(db, home.partner, ValueGroup(Standing.NEW))

    assert potential == [ids["b1"]]
    assert new == sorted(ids[name] for name in ("b2", "b3", "b3c"))


@pytest.mark.parametrize(
    "forged",
    [
        "other_building",
        "mixed_buildings",
        "other_unit",
        "other_group",
        "other_flag",
        "city",
        "units",
    ],
)
async def test_a_partner_can_never_target_another_unit_and_nothing_is_scheduled(
    db, two_units, forged
):
    home, other, _ids = two_units
    audience = {
        "other_building": SomeBuildings((other.building_ids[0],)),
        "mixed_buildings": SomeBuildings((home.building_ids[0], other.building_ids[1])),
        "other_unit": WholeUnit(other.unit.id),
        "other_group": ValueGroup(Standing.NEW, other.unit.id),
        "other_flag": FlaggedHouseholds("elderly", other.unit.id),
        "city": WholeCity(),
        "units": SomeUnits((home.unit.id, other.unit.id)),
    }[forged]

    with pytest.raises(NotFound):
        await _schedule(db, home.partner, audience)

    assert await _broadcasts(db) == 0


async def test_a_building_that_does_not_exist_is_refused_like_a_foreign_one(db, two_units):
    home, _other, _ids = two_units
    with pytest.raises(NotFound):
        await _resolve(db, home.partner, SomeBuildings((999_999,)))
    with pytest.raises(InvalidInput):
        await _resolve(db, home.partner, SomeBuildings(()))


async def test_hq_reaches_a_unit_several_units_or_the_whole_city(db, two_units):
    home, other, ids = two_units
    assert await _resolve(db, None, WholeUnit(other.unit.id)) == [ids["other"]]
    assert await _resolve(db, None, WholeCity()) == sorted(ids.values())
    assert await _resolve(db, None, SomeUnits((home.unit.id, other.unit.id))) == sorted(
        ids.values()
    )
    assert await _resolve(db, None, FlaggedHouseholds("elderly")) == sorted(
        [ids["b2"], ids["other"]]
    )
    with pytest.raises(InvalidInput):
        await _resolve(db, None, WholeUnit())  # HQ must say which unit
    with pytest.raises(NotFound):
        await _resolve(db, None, SomeUnits((home.unit.id, 999_999)))


@pytest.mark.parametrize(
    ("field", "options"),
    [
        ("notice_text", {"text": "   "}),
        ("notice_text", {"text": "水" * 1001}),
        ("send_at", {"send_at": shanghai(2026, 11, 23, 9, 0)}),
        ("send_at", {"send_at": shanghai(2026, 12, 23, 10, 1)}),
        ("kind", {"kind": "reminder"}),
        ("kind", {"kind": "gossip"}),
    ],
)
async def test_bad_notices_are_refused_with_the_field_to_fix_and_nothing_is_written(
    db, two_units, field, options
):
    home, _other, _ids = two_units
    with pytest.raises(InvalidInput) as refused:
        await _schedule(db, home.partner, WholeUnit(), **options)
    assert refused.value.field == field
    assert await _broadcasts(db) == 0


async def test_a_thousand_characters_and_thirty_days_ahead_are_still_fine(db, two_units):
    home, _other, _ids = two_units
    made = await _schedule(
        db, home.partner, WholeUnit(), text="水" * 1000, send_at=shanghai(2026, 12, 23, 10, 0)
    )
    assert made.recipients == 4
    assert made.send_at == shanghai(2026, 12, 23, 10, 0)


async def test_each_household_reads_the_kind_heading_in_its_language_with_a_stop_button(db, clock):
    home = await make_unit_with_partner(db)
    zh = await _customer(db, home, room="101")
    en = await _customer(db, home, room="102", locale="en")

    made = await _schedule(db, home.partner, WholeUnit(), photo_ref="photo-1")

    rows = await _rows(db, made.broadcast_id)
    assert rows[zh.id].text == f"⚠️ 停水停电通知\n\n{WATER}"
    assert rows[en.id].text == f"⚠️ Outage notice\n\n{WATER}"
    assert rows[zh.id].photo_ref == "photo-1"
    assert rows[en.id].buttons[-1][0][0] == "🔕 Stop these messages"
    assert rows[zh.id].next_attempt_at == clock.now()


async def test_confirming_twice_with_one_key_schedules_one_notice(db, two_units):
    home, _other, _ids = two_units
    first = await _schedule(db, home.partner, WholeUnit(), key="draft-abc")
    again = await _schedule(db, home.partner, WholeUnit(), key="draft-abc")

    assert again == first
    assert await _broadcasts(db) == 1
    assert len(await _rows(db, first.broadcast_id)) == 4


async def test_opted_out_households_are_counted_in_the_preview_and_never_sent(db, two_units):
    home, _other, ids = two_units
    async with db.uow() as uow:
        customer = await uow.session.get(Customer, ids["b1"])
        await set_opt_out(uow, customer, "events", opted_out=True)
        await uow.commit()
    async with db.uow() as uow:
        event = await audience_size(uow, home.partner, WholeUnit(), "event")
        outage = await audience_size(uow, home.partner, WholeUnit(), "outage")

    assert (event.reachable, event.opted_out, event.will_receive) == (4, 1, 3)
    assert outage.will_receive == 4  # the opt-out was from events, not notices
    made = await _schedule(db, home.partner, WholeUnit(), kind="event")
    assert made.will_receive == 3
    assert (await _rows(db, made.broadcast_id))[ids["b1"]].status == "opted_out"


async def test_outage_notices_go_out_in_quiet_hours_and_other_kinds_wait_for_morning(
    db, two_units, clock
):
    home, _other, _ids = two_units
    clock.set(shanghai(2026, 11, 23, 22, 0))
    outage = await _schedule(db, home.partner, WholeUnit(), key="o", kind="outage")
    event = await _schedule(db, home.partner, WholeUnit(), key="e", kind="event")
    assert outage.override_quiet and not event.override_quiet

    transport = ScriptedTransport()
    await Sender(db, transport, rate_per_s=10_000, per_chat_interval_s=0).run_until_idle()

    outage_rows = await _rows(db, outage.broadcast_id)
    event_rows = await _rows(db, event.broadcast_id)
    assert {row.status for row in outage_rows.values()} == {"sent"}
    assert {row.status for row in event_rows.values()} == {"pending"}
    assert {row.next_attempt_at for row in event_rows.values()} == {shanghai(2026, 11, 24, 8, 0)}


async def test_a_partner_cancels_their_own_notice_but_never_another_partners(db, two_units):
    home, other, _ids = two_units
    later = shanghai(2026, 11, 24, 8, 0)
    made = await _schedule(db, home.partner, WholeUnit(), send_at=later)

    async with db.uow() as uow:
        with pytest.raises(NotFound):
            await cancel_notice(uow, other.partner, made.broadcast_id)
        with pytest.raises(NotFound):
            await cancel_notice(uow, home.partner, 999_999)
    async with db.uow() as uow:
        cancelled = await cancel_notice(uow, home.partner, made.broadcast_id)
        await uow.commit()

    assert (cancelled.sent, cancelled.cancelled) == (0, 4)
    async with db.uow() as uow:
        with pytest.raises(InvalidInput):  # finished: nothing left to cancel
            await cancel_notice(uow, home.partner, made.broadcast_id)
        assert await scheduled_notices(uow, home.partner) == []


async def test_the_list_shows_a_partners_own_notices_to_come_soonest_first(db, two_units):
    home, other, _ids = two_units
    tomorrow = await _schedule(
        db, home.partner, WholeUnit(), key="t", kind="event", send_at=shanghai(2026, 11, 24, 10)
    )
    tonight = await _schedule(
        db, home.partner, WholeUnit(), key="n", send_at=shanghai(2026, 11, 23, 19)
    )
    await _schedule(db, other.partner, WholeUnit(), key="x")

    async with db.uow() as uow:
        listed = await scheduled_notices(uow, home.partner)

    assert [row.broadcast_id for row in listed] == [tonight.broadcast_id, tomorrow.broadcast_id]
    assert listed[0].kind == "outage" and listed[0].total == 4
    assert WATER in listed[0].preview


async def test_hq_notices_carry_a_status_chat_and_belong_to_no_partner(db, two_units):
    home, other, _ids = two_units
    made = await _schedule(
        db,
        None,
        SomeUnits((home.unit.id, other.unit.id)),
        status_chat=StatusChat("9001", locale="en"),
        send_at=shanghai(2026, 11, 23, 10, 0) + dt.timedelta(seconds=30),
    )
    async with db.uow() as uow:
        broadcast = await uow.session.get(Broadcast, made.broadcast_id)
        listed = await scheduled_notices(uow, None)
    assert (broadcast.created_by, broadcast.partner_id, broadcast.unit_id) == ("hq", None, None)
    assert broadcast.status_chat_id == "9001"
    assert made.recipients == 5
    assert [row.broadcast_id for row in listed] == [made.broadcast_id]
