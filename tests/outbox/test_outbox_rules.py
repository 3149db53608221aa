"""The outbox's rules with an in-process messenger: idempotency, opt-outs, quiet hours,
schedules, retries, cancellation and a crashed sender's rows."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import func, select, update

from core.messaging.outbox.enqueue import cancel_broadcast, create_broadcast, progress
from core.messaging.outbox.quiet import in_quiet_hours, quiet_hours_end
from core.messaging.outbox.sender import Sender
from core.messaging.outbox.transport import SendResult
from core.models import Broadcast, Customer, OutboxMessage
from core.people.customers import set_opt_out
from tests.conftest import SHANGHAI, shanghai
from tests.outbox_support import ScriptedTransport, broadcast_to, households, notice


def sender(db, transport, **options):
    """A fast sender for in-process tests (the limits are tested against the fake Bot API)."""
    options.setdefault("rate_per_s", 10_000)
    options.setdefault("per_chat_interval_s", 0)
    return Sender(db, transport, **options)


async def rows_of(db, broadcast_id):
    """The broadcast's rows by customer id."""
    async with db.uow() as uow:
        found = await uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.broadcast_id == broadcast_id)
        )
        return {row.customer_id: row for row in found}


async def test_making_the_same_broadcast_twice_makes_it_once(db):
    people = await households(db, 30)
    first = await broadcast_to(db, people, key="reminder:2026-11-23")
    again = await broadcast_to(db, people, key="reminder:2026-11-23")

    assert again == first
    async with db.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Broadcast)) == 1
        assert await uow.session.scalar(select(func.count()).select_from(OutboxMessage)) == 30


async def test_a_household_listed_twice_gets_one_copy(db):
    people = await households(db, 3)
    broadcast_id = await broadcast_to(db, [*people, people[0]])
    transport = ScriptedTransport()

    await sender(db, transport).run_until_idle()

    assert len(await rows_of(db, broadcast_id)) == 3
    assert transport.copies(people[0].chat_id) == 1


async def test_five_thousand_rows_are_written_in_well_under_a_second(db):
    people = await households(db, 5000)
    started = time.perf_counter()
    await broadcast_to(db, people)
    assert time.perf_counter() - started < 2.0  # ~0.1 s here; generous for a loaded CI box


async def test_households_who_opted_out_are_counted_but_not_sent(db):
    people = await households(db, 4)
    async with db.uow() as uow:
        customer = await uow.session.get(Customer, people[0].customer_id)
        await set_opt_out(uow, customer, "deals", opted_out=True)
        await uow.commit()
    transport = ScriptedTransport()
    broadcast_id = await broadcast_to(db, people, kind="deals")
    notice_id = await broadcast_to(db, people, key="outage-1", kind="outage")

    await sender(db, transport).run_until_idle()

    async with db.uow() as uow:
        deals, outage = await progress(uow, broadcast_id), await progress(uow, notice_id)
    assert (deals.sent, deals.opted_out) == (3, 1)
    assert (outage.sent, outage.opted_out) == (4, 0)  # notices are another category
    assert transport.copies(people[0].chat_id) == 1


async def test_a_broadcast_at_night_waits_for_the_morning_but_an_outage_notice_does_not(db, clock):
    clock.set(shanghai(2026, 11, 23, 22, 0))
    people = await households(db, 3)
    advice = await broadcast_to(db, people, kind="advice", key="advice-1")
    outage = await broadcast_to(db, people, kind="outage", key="outage-1", override_quiet=True)
    transport = ScriptedTransport()

    await sender(db, transport).run_until_idle()

    assert len(transport.sent) == 3  # the outage notice only
    waiting = await rows_of(db, advice)
    assert {row.status for row in waiting.values()} == {"pending"}
    assert {row.next_attempt_at for row in waiting.values()} == {
        shanghai(2026, 11, 24, 8, 0).astimezone(dt.UTC)
    }
    assert {row.status for row in (await rows_of(db, outage)).values()} == {"sent"}

    clock.set(shanghai(2026, 11, 24, 7, 59))
    await sender(db, transport).run_until_idle()
    assert len(transport.sent) == 3

    clock.set(shanghai(2026, 11, 24, 8, 0))
    await sender(db, transport).run_until_idle()
    assert len(transport.sent) == 6


async def test_a_broadcast_scheduled_for_later_is_sent_at_its_time_not_before(db, clock):
    people = await households(db, 2)
    at_two = shanghai(2026, 11, 23, 14, 0)
    await broadcast_to(db, people, kind="reminder", send_at=at_two)
    transport = ScriptedTransport()

    await sender(db, transport).run_until_idle()
    assert transport.sent == []

    clock.set(at_two)
    await sender(db, transport).run_until_idle()
    assert len(transport.sent) == 2


async def test_network_errors_are_retried_with_growing_pauses_then_given_up(db, clock):
    people = await households(db, 2)
    flaky, dead = people[0].chat_id, people[1].chat_id
    down = SendResult("network", error="TimedOut")
    transport = ScriptedTransport({flaky: [down, down], dead: [down] * 10})
    broadcast_id = await broadcast_to(db, people)
    run = sender(db, transport, max_attempts=4, backoff_s=5)
    start = clock.now()

    await run.run_until_idle()
    rows = await rows_of(db, broadcast_id)
    assert rows[people[0].customer_id].next_attempt_at == start + dt.timedelta(seconds=5)
    assert rows[people[0].customer_id].attempts == 1

    for wait in (5, 10, 20):
        clock.advance(dt.timedelta(seconds=wait))
        await run.run_until_idle()

    rows = await rows_of(db, broadcast_id)
    assert rows[people[0].customer_id].status == "sent"
    assert rows[people[0].customer_id].attempts == 3
    assert rows[people[1].customer_id].status == "failed"
    assert rows[people[1].customer_id].attempts == 4
    assert transport.calls.count(dead) == 4


async def test_a_refused_message_is_never_sent_again(db, clock):
    people = await households(db, 1)
    bad = SendResult("bad_request", error="Bad Request: chat not found")
    transport = ScriptedTransport({people[0].chat_id: [bad]})
    broadcast_id = await broadcast_to(db, people)

    await sender(db, transport).run_until_idle()
    clock.advance(dt.timedelta(hours=1))
    await sender(db, transport).run_until_idle()

    assert transport.calls == [people[0].chat_id]
    (row,) = (await rows_of(db, broadcast_id)).values()
    assert (row.status, row.last_error) == ("failed", "Bad Request: chat not found")


async def test_flood_control_pauses_everything_for_exactly_the_time_asked(db):
    people = await households(db, 3)
    wait = SendResult("retry_after", retry_after=1.0)
    transport = ScriptedTransport({people[0].chat_id: [wait]})
    broadcast_id = await broadcast_to(db, people)
    run = sender(db, transport, concurrency=1)

    started = time.monotonic()
    await run.run_until_idle()

    assert time.monotonic() - started >= 1.0
    assert run.stats.retry_after == 1
    assert run.stats.paused_s == pytest.approx(1.0, abs=0.01)
    rows = await rows_of(db, broadcast_id)
    assert {row.status for row in rows.values()} == {"sent"}
    assert rows[people[0].customer_id].attempts == 1  # the 429 is not an attempt


async def test_a_cancelled_broadcast_sends_nothing_more(db):
    people = await households(db, 5)
    broadcast_id = await broadcast_to(db, people)
    async with db.uow() as uow:
        counts = await cancel_broadcast(uow, broadcast_id)
        await uow.commit()
    transport = ScriptedTransport()

    await sender(db, transport).run_until_idle()

    assert transport.sent == []
    assert (counts.cancelled, counts.pending) == (5, 0)


async def test_rows_a_crashed_sender_held_are_sent_once_its_claim_expires(db, clock):
    people = await households(db, 4)
    broadcast_id = await broadcast_to(db, people)
    async with db.uow() as uow:
        await uow.session.execute(
            update(OutboxMessage).values(
                status="sending",
                claimed_by="dead-worker",
                claimed_until=clock.now() + dt.timedelta(seconds=120),
            )
        )
        await uow.commit()
    transport = ScriptedTransport()

    await sender(db, transport, worker_id="other").run_until_idle()
    assert transport.sent == []  # still claimed: the other may be alive

    clock.advance(dt.timedelta(seconds=121))
    await sender(db, transport, worker_id="other").run_until_idle()
    assert len(transport.sent) == 4
    async with db.uow() as uow:
        assert (await progress(uow, broadcast_id)).sent == 4
        broadcast = await uow.session.get(Broadcast, broadcast_id)
        assert broadcast is not None and broadcast.status == "done"


async def test_a_restarted_sender_takes_its_own_rows_back_at_once(db, clock):
    people = await households(db, 2)
    await broadcast_to(db, people)
    async with db.uow() as uow:
        await uow.session.execute(
            update(OutboxMessage).values(
                status="sending",
                claimed_by="bot-1",
                claimed_until=clock.now() + dt.timedelta(seconds=120),
            )
        )
        await uow.commit()
    transport = ScriptedTransport()

    await sender(db, transport, worker_id="bot-1").run_until_idle()

    assert len(transport.sent) == 2


async def test_unknown_kinds_and_topics_are_refused(db):
    from core.errors import InvalidInput

    async with db.uow() as uow:
        with pytest.raises(InvalidInput):
            await create_broadcast(
                uow, kind="spam", recipients=[], render=notice, send_at=db.clock.now(),
                idempotency_key="x",
            )  # fmt: skip
        with pytest.raises(InvalidInput):
            await create_broadcast(
                uow, kind="event", category="gossip", recipients=[], render=notice,
                send_at=db.clock.now(), idempotency_key="y",
            )  # fmt: skip


def test_quiet_hours_run_from_half_past_nine_at_night_to_eight_in_the_morning():
    start, end = dt.time(21, 30), dt.time(8, 0)
    assert not in_quiet_hours(shanghai(2026, 11, 23, 21, 29), start, end, SHANGHAI)
    assert in_quiet_hours(shanghai(2026, 11, 23, 21, 30), start, end, SHANGHAI)
    assert in_quiet_hours(shanghai(2026, 11, 24, 3, 0), start, end, SHANGHAI)
    assert not in_quiet_hours(shanghai(2026, 11, 24, 8, 0), start, end, SHANGHAI)
    assert quiet_hours_end(shanghai(2026, 11, 23, 23, 0), start, end, SHANGHAI) == shanghai(
        2026, 11, 24, 8, 0
    )
    assert quiet_hours_end(shanghai(2026, 11, 24, 1, 0), start, end, SHANGHAI) == shanghai(
        2026, 11, 24, 8, 0
    )


async def test_a_sender_left_running_picks_up_a_broadcast_made_after_it_started(db):
    import asyncio

    people = await households(db, 3)
    transport = ScriptedTransport()
    stop = asyncio.Event()
    running = asyncio.create_task(sender(db, transport, idle_poll_s=0.05).run_forever(stop))
    await asyncio.sleep(0.1)

    await broadcast_to(db, people)
    for _ in range(200):
        if len(transport.sent) == 3:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(running, 5)

    assert len(transport.sent) == 3


async def test_a_progress_tick_that_comes_after_the_delivery_report_does_not_overwrite_it(db):
    from bot.messages.outbox import progress_text
    from core.messaging.outbox.enqueue import StatusChat

    people = await households(db, 5)
    broadcast_id = await broadcast_to(db, people, status_chat=StatusChat("77", locale="en"))
    transport = ScriptedTransport()
    late = sender(db, transport, progress_text=progress_text)
    await late.run_until_idle()
    report = transport.edits[-1][2] if transport.edits else transport.sent[-1][1]
    assert report.startswith("📣 Delivery report")

    # The race seen on a loaded machine: the writer marks the broadcast as moved just after
    # committing its last answers, and the next progress tick runs after the report.
    other = sender(db, transport, progress_text=progress_text, worker_id="another-process")
    other._touched.add(broadcast_id)
    await other._report()

    shown = transport.edits[-1][2] if transport.edits else transport.sent[-1][1]
    assert shown == report
