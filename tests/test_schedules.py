"""The built-in schedules: at each unit's Shanghai times, each fire's work done once."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import func, select, update

from app.schedules import PartnerMail, builtin_jobs, role_duties, role_sender
from core.catalog.deals import set_deal
from core.messaging import webchat_log
from core.messaging.outbox.enqueue import recipients_for
from core.models import Broadcast, Customer, OutboxMessage, Partner, Unit
from core.people.customers import bind_to_unit, customer_for_identity, set_locale
from core.people.partner_devices import web_chat_id
from core.platform.config import Settings
from core.platform.db import create_engine
from core.platform.scheduling import CronJob, catch_up, done_runs, fire, fire_due, register
from core.platform.uow import Database
from tests.conftest import SHANGHAI, shanghai
from tests.factories import (
    deliver_order,
    make_bound_customer,
    make_product,
    make_unit_with_partner,
    place,
)
from tests.outbox_support import ScriptedTransport, broadcast_to


def job(jobs: list[CronJob], name: str) -> CronJob:
    """The job called ``name``."""
    return next(j for j in jobs if j.name == name)


def next_fire(job_: CronJob, after: dt.datetime) -> dt.datetime:
    """When ``job_`` fires next at or after ``after``, in Shanghai time."""
    fired = job_.trigger.get_next_fire_time(None, after)
    assert fired is not None
    return fired.astimezone(SHANGHAI)


async def english_partner(db: Database, setup) -> str:
    """The partner has used the bot in English; their chat id."""
    chat = str(setup.partner.telegram_id)
    async with db.uow() as uow:
        me = await customer_for_identity(uow, "telegram", chat, locale="en")
        await set_locale(uow, me, "en")
        await uow.commit()
    return chat


async def english_customer(db: Database, setup, room: str):
    """A bound household that reads English."""
    customer = await make_bound_customer(db, setup, room=room)
    async with db.uow() as uow:
        mine = await uow.session.get(Customer, customer.id)
        assert mine is not None
        await set_locale(uow, mine, "en")
        await uow.commit()
    return mine


async def chat_of(db: Database, customer) -> str:
    """The customer's Telegram chat id."""
    async with db.uow() as uow:
        (recipient,) = await recipients_for(uow, [customer.id])
    return recipient.chat_id


async def test_every_unit_gets_its_jobs_at_its_own_shanghai_times(db):
    await make_unit_with_partner(db, "jinxiu")
    late = await make_unit_with_partner(db, "late")
    async with db.uow() as uow:
        await uow.session.execute(
            update(Unit)
            .where(Unit.id == late.unit.id)
            .values(cutoff=dt.time(16, 0), window_start=dt.time(19, 0), window_end=dt.time(22, 0))
        )
        await uow.commit()
    jobs = await builtin_jobs(db, PartnerMail(ScriptedTransport()))
    monday = shanghai(2026, 11, 23, 0, 0)

    expected = {
        "cutoff-reminder:jinxiu": shanghai(2026, 11, 23, 14, 0),
        "cutoff-close:jinxiu": shanghai(2026, 11, 23, 15, 0),
        "run-sheet:jinxiu": shanghai(2026, 11, 23, 17, 30),
        "deals:jinxiu": shanghai(2026, 11, 23, 10, 0),
        "crates-overdue:jinxiu": shanghai(2026, 11, 23, 9, 30),
        "weekly-report:jinxiu": shanghai(2026, 11, 23, 9, 0),
        "cutoff-reminder:late": shanghai(2026, 11, 23, 15, 0),
        "cutoff-close:late": shanghai(2026, 11, 23, 16, 0),
        "run-sheet:late": shanghai(2026, 11, 23, 18, 30),
    }
    for name, when in expected.items():
        assert next_fire(job(jobs, name), monday) == when, name
    tuesday = shanghai(2026, 11, 24, 0, 0)
    assert next_fire(job(jobs, "weekly-report:jinxiu"), tuesday) == shanghai(2026, 11, 30, 9, 0)
    assert next_fire(job(jobs, "deals:late"), tuesday) == shanghai(2026, 11, 24, 10, 0)


async def test_the_deals_time_is_a_setting(db, clock):
    await make_unit_with_partner(db)
    settings = Settings(database_url=db.settings.database_url, deals_time=dt.time(11, 15))
    other = Database(db.engine, settings, clock)

    jobs = await builtin_jobs(other, PartnerMail(ScriptedTransport()))

    deals = job(jobs, "deals:jinxiu")
    assert next_fire(deals, shanghai(2026, 11, 23, 0, 0)) == shanghai(2026, 11, 23, 11, 15)


async def test_jobs_go_on_the_scheduler_coalesced_with_their_grace(db):
    await make_unit_with_partner(db)
    jobs = await builtin_jobs(db, PartnerMail(ScriptedTransport()))
    scheduler = AsyncIOScheduler(timezone=SHANGHAI)

    register(scheduler, db, jobs)

    on_it = {j.id: j for j in scheduler.get_jobs()}
    assert set(on_it) == {j.name for j in jobs}
    assert on_it["cutoff-reminder:jinxiu"].misfire_grace_time == 30 * 60
    assert on_it["cutoff-close:jinxiu"].misfire_grace_time == 2 * 3600
    assert all(j.coalesce and j.max_instances == 1 for j in on_it.values())
    assert str(on_it["weekly-report:jinxiu"].trigger.timezone) == "Asia/Shanghai"


async def test_the_cutoff_reminder_fired_twice_reaches_each_household_once(db, clock):
    setup = await make_unit_with_partner(db)
    alice = await english_customer(db, setup, "101")
    bob = await english_customer(db, setup, "102")
    ordered = await english_customer(db, setup, "103")
    cola = await make_product(db, "COLA")
    await place(db, ordered, [(cola, 1)])
    clock.set(shanghai(2026, 11, 23, 14, 0))
    jobs = await builtin_jobs(db, PartnerMail(ScriptedTransport()))
    reminder = job(jobs, "cutoff-reminder:jinxiu")
    other = Database(create_engine(db.settings.database_url), db.settings, clock)  # a 2nd process

    try:
        assert await fire(db, reminder, clock.now()) is True
        assert await fire(other, reminder, clock.now()) is False
        clock.set(shanghai(2026, 11, 23, 14, 10))  # a restart inside the grace: fires again
        assert await fire_due(other, reminder) is False
    finally:
        await other.dispose()
    transport = ScriptedTransport()
    await role_sender(db, transport).run_until_idle()

    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Broadcast)) == 1
    for customer in (alice, bob):
        chat = await chat_of(db, customer)
        assert transport.copies(chat) == 1
        ((_chat, text, buttons),) = [s for s in transport.sent if s[0] == chat]
        assert text == (
            "⏰ Order before 3:00\u202fPM and your groceries arrive tonight, "
            "6:00\u202fPM–9:00\u202fPM."
        )
        assert [label for row in buttons for label, _data in row] == [
            "🛒 Order now",
            "🔕 Stop these messages",
        ]
    assert transport.copies(await chat_of(db, ordered)) == 0  # already ordered for tonight
    assert await done_runs(db, "cutoff-reminder:jinxiu") == ["2026-11-23T14:00"]


async def test_a_reminder_missed_while_nobody_ran_is_caught_up_within_its_grace_only(db, clock):
    setup = await make_unit_with_partner(db)
    await english_customer(db, setup, "101")
    jobs = await builtin_jobs(db, PartnerMail(ScriptedTransport()))

    clock.set(shanghai(2026, 11, 23, 14, 45))  # the process came up 45 minutes late
    assert "cutoff-reminder:jinxiu" not in await catch_up(db, jobs)
    clock.set(shanghai(2026, 11, 24, 14, 20))  # the next day, 20 minutes late
    assert "cutoff-reminder:jinxiu" in await catch_up(db, jobs)
    assert "cutoff-reminder:jinxiu" not in await catch_up(db, jobs)  # restarted again: done

    assert await done_runs(db, "cutoff-reminder:jinxiu") == ["2026-11-24T14:00"]


async def test_at_the_cutoff_the_partner_gets_tonights_pick_list_once(db, clock):
    setup = await make_unit_with_partner(db)
    partner_chat = await english_partner(db, setup)
    alice = await make_bound_customer(db, setup, room="101")
    bob = await make_bound_customer(db, setup, room="102")
    cola = await make_product(db, "COLA")
    await place(db, alice, [(cola, 2)])
    await place(db, bob, [(cola, 3)])
    transport = ScriptedTransport()
    close = job(await builtin_jobs(db, PartnerMail(transport)), "cutoff-close:jinxiu")
    clock.set(shanghai(2026, 11, 23, 15, 0))

    await fire(db, close, clock.now())
    await fire(db, close, clock.now())

    assert transport.copies(partner_chat) == 1
    ((_chat, text, buttons),) = transport.sent
    assert text.splitlines() == [
        "🧺 Orders are closed for tonight (Mon, Nov 23): 2 orders. Pick list:",
        "• Product COLA × 5 bottle",
    ]
    assert buttons[0][0][0] == "🚚 Tonight"


async def test_before_the_window_the_partner_hears_the_run_sheet_is_ready(db, clock):
    setup = await make_unit_with_partner(db)
    partner_chat = await english_partner(db, setup)
    alice = await make_bound_customer(db, setup, room="101")
    cola = await make_product(db, "COLA", price_fen=4500)
    await place(db, alice, [(cola, 2)])
    transport = ScriptedTransport()
    sheet = job(await builtin_jobs(db, PartnerMail(transport)), "run-sheet:jinxiu")
    clock.set(shanghai(2026, 11, 23, 17, 30))

    await fire(db, sheet, clock.now())
    await fire(db, sheet, clock.now())

    assert transport.copies(partner_chat) == 1
    text = transport.sent[0][1]
    assert text.startswith("🚚 Tonight's run sheet is ready: 1 door, ¥")
    assert text.endswith("Delivery 6:00\u202fPM–9:00\u202fPM.")


async def test_crates_kept_fourteen_days_without_an_order_reach_the_partner_as_a_visit_list(
    db, clock
):
    setup = await make_unit_with_partner(db)
    partner_chat = await english_partner(db, setup)
    alice = await make_bound_customer(db, setup, room="1201")
    cola = await make_product(db, "COLA")
    placed = await place(db, alice, [(cola, 2)])
    await deliver_order(db, placed.order.id, crates=1)
    transport = ScriptedTransport()
    check = job(await builtin_jobs(db, PartnerMail(transport)), "crates-overdue:jinxiu")

    clock.set(shanghai(2026, 12, 6, 9, 30))  # 13 days: nothing to say
    await fire(db, check, clock.now())
    assert transport.sent == []
    clock.set(shanghai(2026, 12, 7, 9, 30))
    await fire(db, check, clock.now())
    await fire(db, check, clock.now())

    assert transport.copies(partner_chat) == 1
    lines = transport.sent[0][1].splitlines()
    assert lines[0] == "📦 1 household has kept crates for 14+ days without ordering:"
    assert lines[1] == "1栋-1201: 1 crate, out 14 days"


async def test_on_monday_morning_the_partner_gets_the_weeks_customer_groups(db, clock):
    setup = await make_unit_with_partner(db)
    partner_chat = await english_partner(db, setup)
    await make_bound_customer(db, setup, room="101")
    transport = ScriptedTransport()
    report = job(await builtin_jobs(db, PartnerMail(transport)), "weekly-report:jinxiu")
    clock.set(shanghai(2026, 11, 30, 9, 0))

    await fire(db, report, clock.now())
    await fire(db, report, clock.now())

    assert transport.copies(partner_chat) == 1
    lines = transport.sent[0][1].splitlines()
    assert lines[0].startswith("📊 Your week: ")
    assert "🆕 Not ordered yet: 1 (±0 since last week)" in lines
    assert transport.sent[0][2][0][0][0] == "📊 Customer report"


async def test_the_deals_of_the_day_go_to_every_household_once_and_not_on_a_day_without(db, clock):
    setup = await make_unit_with_partner(db)
    alice = await english_customer(db, setup, "101")
    await make_product(db, "COLA", price_fen=500)
    deals = job(await builtin_jobs(db, PartnerMail(ScriptedTransport())), "deals:jinxiu")
    clock.set(shanghai(2026, 11, 23, 10, 0))
    await fire(db, deals, clock.now())  # no deals today: nothing
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Broadcast)) == 0
        await set_deal(uow, dt.date(2026, 11, 24), "COLA", 290)
        await uow.commit()

    clock.set(shanghai(2026, 11, 24, 10, 0))
    await fire(db, deals, clock.now())
    await fire(db, deals, clock.now())
    transport = ScriptedTransport()
    await role_sender(db, transport).run_until_idle()

    chat = await chat_of(db, alice)
    assert transport.copies(chat) == 1
    assert transport.sent[0][1].splitlines() == [
        "🔥 Today's deals",
        "Product COLA: ¥2.90 (was ¥5.00)",
    ]


async def test_a_notice_scheduled_for_six_survives_a_restart_and_goes_out_once_at_six(db, clock):
    setup = await make_unit_with_partner(db)
    alice = await english_customer(db, setup, "101")
    async with db.uow() as uow:
        people = await recipients_for(uow, [alice.id])
    await broadcast_to(db, people, key="water-evening", send_at=shanghai(2026, 11, 23, 18, 0))
    transport = ScriptedTransport()
    await role_sender(db, transport).run_until_idle()  # 10:00: not yet
    assert transport.sent == []
    await db.dispose()  # the process stops

    clock.set(shanghai(2026, 11, 23, 17, 59))
    restarted = Database(create_engine(db.settings.database_url), db.settings, clock)
    try:
        await role_sender(restarted, transport).run_until_idle()
        assert transport.sent == []
        clock.set(shanghai(2026, 11, 23, 18, 0))
        await role_sender(restarted, transport).run_until_idle()
        clock.set(shanghai(2026, 11, 23, 18, 5))
        await role_sender(restarted, transport).run_until_idle()  # and once more later
    finally:
        await restarted.dispose()

    assert transport.copies(people[0].chat_id) == 1


async def test_the_role_holder_catches_up_on_start_and_sends_through_the_outbox(db, clock):
    setup = await make_unit_with_partner(db)
    alice = await english_customer(db, setup, "101")
    clock.set(shanghai(2026, 11, 23, 14, 5))  # came up five minutes after the reminder
    transport = ScriptedTransport()
    quit_ = asyncio.Event()
    duties = asyncio.create_task(role_duties(db, transport)(quit_))
    chat = await chat_of(db, alice)
    try:
        for _ in range(500):
            if transport.copies(chat):
                break
            await asyncio.sleep(0.01)
    finally:
        quit_.set()
        await asyncio.wait_for(duties, 10)

    assert transport.copies(chat) == 1
    async with db.uow() as uow:
        rows = await uow.session.scalars(select(OutboxMessage.status))
        assert set(rows) == {"sent"}


async def test_the_cutoff_reminder_reaches_web_households_too_and_the_log_counts_both(
    db, clock, caplog
):
    setup = await make_unit_with_partner(db)
    await english_customer(db, setup, "101")  # on Telegram
    async with db.uow() as uow:
        web = await customer_for_identity(uow, "web", "web-reminder-0001", locale="en")
        await bind_to_unit(uow, web, unit_id=setup.unit.id, partner=setup.partner)
        await uow.commit()
    clock.set(shanghai(2026, 11, 23, 14, 0))
    jobs = await builtin_jobs(db, PartnerMail(ScriptedTransport()))

    with caplog.at_level(logging.INFO, logger="linli.schedules"):
        assert await fire(db, job(jobs, "cutoff-reminder:jinxiu"), clock.now()) is True
    assert "reaches 2 households: 1 on the web, 1 on Telegram" in caplog.text
    await role_sender(db, ScriptedTransport()).run_until_idle()

    (copy,) = await webchat_log.after(db, "web", "web-reminder-0001", 0)
    assert copy.body["text"].startswith("⏰ Order before 3:00")
    labels = [button["label"] for row in copy.body["buttons"] for button in row]
    assert "🔕 Stop these messages" in labels


async def test_a_partner_without_telegram_gets_the_pick_list_in_their_web_chat(db, clock):
    setup = await make_unit_with_partner(db)
    async with db.uow() as uow:
        (await uow.session.get(Partner, setup.partner.id)).telegram_id = None
        await uow.commit()
    alice = await make_bound_customer(db, setup, room="101")
    cola = await make_product(db, "COLA")
    await place(db, alice, [(cola, 2)])
    transport = ScriptedTransport()
    close = job(await builtin_jobs(db, PartnerMail(transport)), "cutoff-close:jinxiu")
    clock.set(shanghai(2026, 11, 23, 15, 0))

    await fire(db, close, clock.now())
    await fire(db, close, clock.now())

    assert transport.sent == []  # nothing went to a messenger
    (message,) = await webchat_log.after(db, "web", web_chat_id(setup.partner.id), 0)
    assert message.kind == "say"
    assert message.body["text"].splitlines()[1] == "• 商品COLA × 2 瓶"
    assert message.body["buttons"][0][0]["label"] == "🚚 今晚派送"
