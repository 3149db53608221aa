"""The built-in schedules and the role holder's duties (scheduler + outbox sender).

Every unit has its own jobs, at its own times (``Unit.cutoff``, ``Unit.window_start``),
all in business time (Asia/Shanghai); see core/platform/scheduling.py for how a fire is done once,
the grace times and coalescing.

=====================  ======================  =========================================
job                    when (defaults)         what
=====================  ======================  =========================================
cutoff-reminder:U      cutoff − 60 min (14:00) households without an order for tonight:
                                               "order before 15:00, it arrives tonight"
                                               (outbox broadcast, category reminders)
cutoff-close:U         the cutoff (15:00)      the batch closes; the pick list to the
                                               unit's partner
run-sheet:U            window − 30 min (17:30) "tonight's run sheet is ready" to the partner
deals:U                LINLI_DEALS_TIME 10:00  the deals of the day to every household
                                               (outbox broadcast, category deals)
crates-overdue:U       daily 09:30             overdue crates and the win-back list to the
                                               partner (only when someone is overdue)
weekly-report:U        Mondays 09:00           the customer-value groups and their change
                                               to the partner
fee-release            daily 09:15             held new-customer fees whose hold
                                               (LINLI_NEW_CUSTOMER_HOLD_DAYS) passed with
                                               no refund become payable (idempotent)
=====================  ======================  =========================================

Households are reached through the outbox (a broadcast per unit and day, unique by
idempotency key, with the "stop these messages" button). Partners get a **direct**
message in their Telegram chat (``PartnerMail``): one per unit and job, recorded done in
``job_runs``; the outbox has one row per *customer*, and a partner is not one. Those
direct messages share the sender's rate limit (``SharedLimit`` wraps the transport both
use), so the bot as a whole stays within Telegram's 30 messages a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiolimiter import AsyncLimiter
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select

from bot.flows import callbacks
from bot.flows.customer.broadcast_stop import with_stop_button
from bot.flows.partner.home import PartnerScreen
from bot.flows.partner.relay import PARTNER_LOCALE
from bot.flows.partner.report import GROUPS  # the cockpit report's group names
from bot.flows.payloads import Deals, Menu
from bot.flows.state import signing_key
from bot.i18n import Translator, translator
from bot.messages.counts import crates_text, signed
from bot.messages.outbox import progress_text
from core.catalog.deals import count_deals, deals_for
from core.commissions.held import release_due
from core.delivery.batches import PickItem, pick_list, run_sheet
from core.messaging import webchat_log
from core.messaging.outbox.enqueue import (
    Recipient,
    RenderedMessage,
    create_broadcast,
    reach_of,
    unit_recipients,
)
from core.messaging.outbox.sender import Sender
from core.messaging.outbox.transport import NETWORK, RETRY_AFTER, ButtonRows, SendResult, Transport
from core.messaging.outbox.web import Published
from core.models import ChannelIdentity, Customer, Order, Partner, Product, Unit
from core.orders.status import LIVE
from core.partners.reports.value import value_report
from core.partners.winback import overdue_page
from core.people.partner_devices import TELEGRAM, partner_address
from core.platform.roles import ROLE_WORKER
from core.platform.scheduling import CronJob, catch_up, cron, register
from core.platform.uow import Database, UnitOfWork

log = logging.getLogger("linli.schedules")


def _(message: str) -> str:
    """Mark for extraction; translated per recipient when rendered."""
    return message


REMINDER = _("⏰ Order before {cutoff} and your groceries arrive tonight, {window}.")
ORDER_NOW = _("🛒 Order now")
DEALS_TITLE = _("🔥 Today's deals")
DEAL_LINE = _("{name}: {deal} (was {price})")
DEALS_MORE = _("…and {count} more in the deals zone.")
ALL_DEALS = _("🔥 All deals")
PICK_EMPTY = _("🧺 Orders are closed for tonight ({day}): no orders.")
PICK_GIFTS = _("🎁 Gifts to pack:")
PICK_MORE = _("…and {count} more lines under Tonight.")
RUN_SHEET = _(
    "🚚 Tonight's run sheet is ready: {doors}, {amount} to collect, "
    "{crates} to bring back. Delivery {window}."
)
TONIGHT = _("🚚 Tonight")
CRATES_LINE = _("{door}: {crates}, out {days_out}")
CRATES_HINT = _("A visit to collect them is a good moment to ask why they stopped.")
CRATES_BUTTON = _("📦 Crates")
REPORT_TITLE = _("📊 Your week: {total} customers")
REPORT_LINE = _("{group}: {count} ({change} since last week)")
REPORT_BUTTON = _("📊 Customer report")
NO_ROOM = "?"
_PICK_LINES = 30  # a pick list message stays readable on a phone
_DEAL_LINES = 5
_CRATE_LINES = 8


# ------------------------------------------------------------------ sending to partners


class SharedLimit:
    """A transport whose calls all pass one rate limiter: the sender's and the partners'."""

    def __init__(self, inner: Transport, rate_per_s: float) -> None:
        self.inner = inner
        burst = max(1.0, rate_per_s / 10)
        self._limiter = AsyncLimiter(burst, burst / rate_per_s)

    async def send(
        self, chat_id: str, text: str, buttons: ButtonRows, photo_ref: str | None
    ) -> SendResult:
        """Send within the shared rate."""
        async with self._limiter:
            return await self.inner.send(chat_id, text, buttons, photo_ref)

    async def edit(self, chat_id: str, message_id: int, text: str) -> SendResult:
        """Edit within the shared rate."""
        async with self._limiter:
            return await self.inner.edit(chat_id, message_id, text)


class PartnerMail:
    """A message to a partner's own chat, retried through flood waits and network errors."""

    def __init__(self, transport: Transport, *, tries: int = 4, backoff_s: float = 1.0) -> None:
        self.transport = transport
        self.tries = tries
        self.backoff_s = backoff_s

    async def send(self, chat_id: str, text: str, buttons: ButtonRows) -> SendResult:
        """Send; a 429 waits exactly as asked, a network error backs off; 400/403 give up."""
        result = SendResult(NETWORK, error="not tried")
        for attempt in range(self.tries):
            result = await self.transport.send(chat_id, text, buttons, None)
            if result.status == RETRY_AFTER:
                await asyncio.sleep(result.retry_after)
            elif result.status == NETWORK:
                await asyncio.sleep(self.backoff_s * 2**attempt)
            else:
                break
        if not result.ok:
            log.warning("message to partner chat %s not delivered: %s", chat_id, result)
        return result


@dataclass(frozen=True)
class PartnerChat:
    """Where a unit's partner reads their messages (Telegram, else their web chat), and in
    which language."""

    partner_id: int
    chat_id: str
    locale: str
    channel: str = TELEGRAM


async def partner_chat(db: Database, unit_id: int) -> PartnerChat | None:
    """The unit's active partner's chat: Telegram when they have it (language from that
    chat), else their web chat, where a partner who never installed Telegram reads."""
    async with db.uow() as uow:
        partner = await uow.session.scalar(
            select(Partner).where(Partner.unit_id == unit_id, Partner.active.is_(True))
        )
        if partner is None:
            return None
        channel, chat_id = partner_address(partner)
        if channel != TELEGRAM:
            return PartnerChat(partner.id, chat_id, PARTNER_LOCALE, channel)
        locale = await uow.session.scalar(
            select(Customer.locale)
            .join(ChannelIdentity, ChannelIdentity.customer_id == Customer.id)
            .where(ChannelIdentity.channel == "telegram", ChannelIdentity.external_id == chat_id)
        )
    return PartnerChat(partner.id, chat_id, locale or db.settings.default_locale)


async def to_partner(
    db: Database, mail: PartnerMail, chat: PartnerChat, text: str, *, label: str, screen: str
) -> None:
    """A scheduled message to the partner with one button to a cockpit screen, through the
    messenger or into their web chat (its open pages and Web Push hear of it there)."""
    key = await signing_key(db)
    buttons = [button(key, chat.chat_id, label, PartnerScreen(screen))]
    if chat.channel == TELEGRAM:
        await mail.send(chat.chat_id, text, buttons)
        return
    rows = [[{"label": str(label), "data": str(data)} for label, data in row] for row in buttons]
    await webchat_log.append(
        db, chat.channel, chat.chat_id, [("say", {"text": text, "buttons": rows})]
    )


def button(key: bytes, chat_id: str, label: str, item: object) -> list[list[str]]:
    """One row with one signed button, as the transport takes it."""
    return [[label, callbacks.pack(key, chat_id, item)]]


# ------------------------------------------------------------------ texts


def window_text(t: Translator, unit: Unit) -> str:
    """ "18:00–21:00" in the reader's clock style."""
    return f"{t.time(unit.window_start)}–{t.time(unit.window_end)}"


def product_label(t: Translator, name_zh: str, name_en: str) -> str:
    """The product's name in the reader's language."""
    return name_zh if t.locale == "zh_CN" or not name_en else name_en


def door(label: str | None, room: str | None) -> str:
    """ "3-1201" style: building then room."""
    return "-".join(part for part in (label, room) if part) or NO_ROOM


def pick_line(t: Translator, item: PickItem) -> str:
    """ "• 可口可乐 × 3 瓶", laid out as the cockpit's Tonight screen does."""
    name = product_label(t, item.name_zh, item.name_en)
    return f"• {name} × {item.quantity} {product_label(t, item.unit_zh, item.unit_en)}"


# ------------------------------------------------------------------ the jobs' work


async def release_held_fees(db: Database, slot: dt.datetime) -> None:
    """The daily release of held new-customer fees; a fee is released once, ever."""
    async with db.uow() as uow:
        released = await release_due(uow)
        await uow.commit()
    if released:
        log.info("released %d held new-customer fees", released)


async def _log_reach(uow: UnitOfWork, what: str, unit_code: str, broadcast_id: int) -> None:
    """ "deals of the day for unit LH01: broadcast 7 reaches 120 households: 80 on the web,
    40 on Telegram" (or that it reaches nobody), for whoever reads the process log."""
    reach = await reach_of(uow, broadcast_id)
    if reach.total == 0:
        log.warning("%s for unit %s: broadcast %s reaches nobody", what, unit_code, broadcast_id)
        return
    log.info(
        "%s for unit %s: broadcast %s reaches %d households: %d on the web, %d on Telegram",
        what,
        unit_code,
        broadcast_id,
        reach.total,
        reach.web,
        reach.telegram,
    )


async def send_cutoff_reminder(db: Database, slot: dt.datetime, *, unit_id: int) -> None:
    """Households of the unit without an order for tonight: order before the cutoff."""
    day = slot.date()
    key = await signing_key(db)
    async with db.uow() as uow:
        unit = await uow.session.get(Unit, unit_id)
        if unit is None:
            return
        ordered = set(
            await uow.session.scalars(
                select(Order.customer_id).where(
                    Order.unit_id == unit_id, Order.delivery_date == day, Order.status.in_(LIVE)
                )
            )
        )
        people = [r for r in await unit_recipients(uow, unit_id) if r.customer_id not in ordered]

        def render(recipient: Recipient) -> RenderedMessage:
            t = translator(recipient.locale)
            text = t.gettext(REMINDER).format(
                cutoff=t.time(unit.cutoff), window=window_text(t, unit)
            )
            order = (t.gettext(ORDER_NOW), callbacks.pack(key, recipient.chat_id, Menu("shop")))
            return RenderedMessage(text, ((order,),))

        made = await create_broadcast(
            uow,
            kind="reminder",
            recipients=people,
            render=with_stop_button(key, "reminders", render),
            send_at=slot,
            idempotency_key=f"cutoff-reminder:{unit.code}:{day.isoformat()}",
            unit_id=unit_id,
        )
        await _log_reach(uow, "cutoff reminder", unit.code, made.id)
        await uow.commit()


async def send_deals(db: Database, slot: dt.datetime, *, unit_id: int) -> None:
    """The deals of the day to every household of the unit (nothing when there are none)."""
    day = slot.date()
    key = await signing_key(db)
    async with db.uow() as uow:
        unit = await uow.session.get(Unit, unit_id)
        if unit is None:
            return
        deals: list[tuple[Product, int]] = await deals_for(uow, day, limit=_DEAL_LINES)
        if not deals:
            return
        more = await count_deals(uow, day) - len(deals)
        people = await unit_recipients(uow, unit_id)

        def render(recipient: Recipient) -> RenderedMessage:
            t = translator(recipient.locale)
            lines = [t.gettext(DEALS_TITLE)]
            for product, deal_fen in deals:
                lines.append(
                    t.gettext(DEAL_LINE).format(
                        name=product_label(t, product.name_zh, product.name_en),
                        deal=t.money(deal_fen),
                        price=t.money(product.price_fen),
                    )
                )
            if more > 0:
                lines.append(t.gettext(DEALS_MORE).format(count=more))
            see = (t.gettext(ALL_DEALS), callbacks.pack(key, recipient.chat_id, Deals(0)))
            return RenderedMessage("\n".join(lines), ((see,),))

        made = await create_broadcast(
            uow,
            kind="deals",
            recipients=people,
            render=with_stop_button(key, "deals", render),
            send_at=slot,
            idempotency_key=f"deals:{unit.code}:{day.isoformat()}",
            unit_id=unit_id,
        )
        await _log_reach(uow, "deals of the day", unit.code, made.id)
        await uow.commit()


async def close_and_send_pick_list(
    db: Database, slot: dt.datetime, *, unit_id: int, mail: PartnerMail
) -> None:
    """At the unit's cutoff: tonight's batch is closed; its pick list to the partner."""
    from app.runner import close_batch  # the runner imports this module

    await close_batch(db, unit_id)
    chat = await partner_chat(db, unit_id)
    if chat is None:
        return
    async with db.uow() as uow:
        picks = await pick_list(uow, unit_id, slot.date())
    t = translator(chat.locale)
    day = t.weekday_date(slot.date())
    if not picks.order_count:
        lines = [t.gettext(PICK_EMPTY).format(day=day)]
    else:
        lines = [
            t.ngettext(
                "🧺 Orders are closed for tonight ({day}): {num} order. Pick list:",
                "🧺 Orders are closed for tonight ({day}): {num} orders. Pick list:",
                picks.order_count,
            ).format(day=day, num=picks.order_count)
        ]
        entries = [pick_line(t, item) for item in picks.items]
        gifts = [pick_line(t, item) for item in picks.gifts]
        shown = entries[:_PICK_LINES]
        lines.extend(shown)
        if gifts:
            lines.append(t.gettext(PICK_GIFTS))
            lines.extend(gifts)
        if len(entries) > len(shown):
            lines.append(t.gettext(PICK_MORE).format(count=len(entries) - len(shown)))
    await to_partner(db, mail, chat, "\n".join(lines), label=t.gettext(TONIGHT), screen="tonight")


async def send_run_sheet_ready(
    db: Database, slot: dt.datetime, *, unit_id: int, mail: PartnerMail
) -> None:
    """Before the window: the run sheet's totals, and the way to it (nothing without orders)."""
    chat = await partner_chat(db, unit_id)
    if chat is None:
        return
    async with db.uow() as uow:
        unit = await uow.session.get(Unit, unit_id)
        sheet = await run_sheet(uow, unit_id, slot.date())
    if unit is None or not sheet.stops:
        return
    t = translator(chat.locale)
    doors = len(sheet.stops)
    text = t.gettext(RUN_SHEET).format(
        doors=t.ngettext("{num} door", "{num} doors", doors).format(num=doors),
        amount=t.money(sheet.amount_to_collect_fen),
        crates=crates_text(t, sheet.crates_to_collect),
        window=window_text(t, unit),
    )
    await to_partner(db, mail, chat, text, label=t.gettext(TONIGHT), screen="tonight")


async def send_overdue_crates(
    db: Database, slot: dt.datetime, *, unit_id: int, mail: PartnerMail
) -> None:
    """Households keeping crates without ordering: the partner's win-back list of the day."""
    chat = await partner_chat(db, unit_id)
    if chat is None:
        return
    async with db.uow() as uow:
        page = await overdue_page(uow, unit_id, page=0, per_page=_CRATE_LINES, today=slot.date())
    if not page.total:
        return
    t = translator(chat.locale)
    lines = [
        t.ngettext(
            "📦 {num} household has kept crates for {days}+ days without ordering:",
            "📦 {num} households have kept crates for {days}+ days without ordering:",
            page.total,
        ).format(num=page.total, days=db.settings.crate_overdue_days)
    ]
    for row in page.rows:
        who = door(row.building_label, row.room)
        if row.display_name:
            who = f"{who} {row.display_name}"
        lines.append(
            t.gettext(CRATES_LINE).format(
                door=who,
                crates=crates_text(t, row.crates),
                days_out=t.ngettext("{num} day", "{num} days", row.days_out).format(
                    num=row.days_out
                ),
            )
        )
    lines.append(t.gettext(CRATES_HINT))
    await to_partner(
        db, mail, chat, "\n".join(lines), label=t.gettext(CRATES_BUTTON), screen="crates"
    )


async def send_weekly_report(
    db: Database, slot: dt.datetime, *, unit_id: int, mail: PartnerMail
) -> None:
    """Monday morning: the unit's customer groups and how they moved in a week."""
    chat = await partner_chat(db, unit_id)
    if chat is None:
        return
    async with db.uow() as uow:
        report = await value_report(uow, unit_id, as_of=slot.date(), top_n=0, weeks=1)
    t = translator(chat.locale)
    lines = [t.gettext(REPORT_TITLE).format(total=report.total)]
    for standing, label in GROUPS.items():
        lines.append(
            t.gettext(REPORT_LINE).format(
                group=t.gettext(label),
                count=report.counts.get(standing, 0),
                change=signed(report.change(standing)),
            )
        )
    await to_partner(
        db, mail, chat, "\n".join(lines), label=t.gettext(REPORT_BUTTON), screen="report"
    )


# ------------------------------------------------------------------ the job list

MINUTE = dt.timedelta(minutes=1)
JOBS_AT_ONCE = 4  # jobs working at the same time (each holds a database connection)
GRACE = {
    "cutoff-reminder": dt.timedelta(minutes=30),
    "cutoff-close": dt.timedelta(hours=2),
    "run-sheet": dt.timedelta(hours=1),
    "deals": dt.timedelta(hours=2),
    "crates-overdue": dt.timedelta(hours=6),
    "weekly-report": dt.timedelta(hours=12),
    "fee-release": dt.timedelta(hours=20),
}
FEE_RELEASE_TIME = dt.time(9, 15)


def before(at: dt.time, minutes: int) -> dt.time:
    """``at`` minus ``minutes`` on a clock face (never before midnight)."""
    moment = dt.datetime.combine(dt.date(2000, 1, 2), at) - minutes * MINUTE
    return max(moment, dt.datetime(2000, 1, 2)).time()


async def builtin_jobs(db: Database, mail: PartnerMail) -> list[CronJob]:
    """Every active unit's jobs at its own times, in business time."""
    settings = db.settings
    tz = settings.tz
    async with db.uow() as uow:
        units = list(
            await uow.session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id))
        )
    jobs: list[CronJob] = []

    def add(
        kind: str, unit: Unit, at: dt.time, work: Callable[..., Awaitable[None]], **kw: Any
    ) -> None:
        """One job of ``unit``, named ``kind:CODE``."""
        day_of_week = "mon" if kind == "weekly-report" else "*"
        jobs.append(
            CronJob(
                name=f"{kind}:{unit.code}",
                trigger=cron(tz, at, day_of_week),
                work=functools.partial(work, unit_id=unit.id, **kw),
                grace=GRACE[kind],
            )
        )

    for unit in units:
        add("cutoff-reminder", unit, before(unit.cutoff, settings.cutoff_reminder_minutes),
            send_cutoff_reminder)  # fmt: skip
        add("cutoff-close", unit, unit.cutoff, close_and_send_pick_list, mail=mail)
        add("run-sheet", unit, before(unit.window_start, settings.run_sheet_minutes),
            send_run_sheet_ready, mail=mail)  # fmt: skip
        add("deals", unit, settings.deals_time, send_deals)
        add("crates-overdue", unit, settings.crates_check_time, send_overdue_crates, mail=mail)
        add("weekly-report", unit, settings.weekly_report_time, send_weekly_report, mail=mail)
    jobs.append(
        CronJob(
            name="fee-release",
            trigger=cron(tz, FEE_RELEASE_TIME),
            work=release_held_fees,
            grace=GRACE["fee-release"],
        )
    )
    return jobs


# ------------------------------------------------------------------ the role's duties


def role_sender(db: Database, transport: Transport, **options: Any) -> Sender:
    """The outbox sender of whichever process holds the role (one worker id for all)."""
    return Sender(db, transport, worker_id=ROLE_WORKER, progress_text=progress_text, **options)


def role_duties(
    db: Database,
    transport: Transport,
    *,
    send: bool = True,
    refresh_s: float = 600.0,
    published: Published | None = None,
) -> Callable[[asyncio.Event], Awaitable[None]]:
    """What the role holder runs until told to quit: the scheduler and the outbox sender.

    ``send=False``: no messenger to drain Telegram copies into; the sender still writes
    the web copies into their transcripts. ``published`` tells this process's open pages
    of the web copies it writes.
    """

    async def duties(quit_: asyncio.Event) -> None:
        shared = SharedLimit(transport, db.settings.outbox_rate_per_s)
        mail = PartnerMail(shared)
        scheduler = AsyncIOScheduler(timezone=db.settings.tz)
        gate = asyncio.Semaphore(JOBS_AT_ONCE)
        jobs = await builtin_jobs(db, mail)
        register(scheduler, db, jobs, gate)

        async def refresh() -> None:
            """New or changed units get their jobs without a restart."""
            fresh = await builtin_jobs(db, mail)
            names = {job.name for job in fresh}
            for job in scheduler.get_jobs():
                if job.id not in names and job.id != "refresh-jobs":
                    job.remove()
            register(scheduler, db, fresh, gate)

        scheduler.add_job(refresh, "interval", seconds=refresh_s, id="refresh-jobs")
        scheduler.start()
        log.info("scheduler started with %d jobs", len(jobs))
        sender = role_sender(db, shared, published=published, telegram=send)
        sending = asyncio.create_task(sender.run_forever(quit_))
        try:
            missed = await catch_up(db, jobs, gate)
            if missed:
                log.info("caught up on %s", ", ".join(missed))
            await sending
        finally:
            scheduler.shutdown(wait=False)
            quit_.set()
            with contextlib.suppress(asyncio.CancelledError):
                await sending

    return duties
