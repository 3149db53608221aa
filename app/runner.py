"""The long-running Linli process: checks, a start-up report, and the scheduled jobs.

It holds the scheduler/sender role like ``linli bot`` does (core/platform/roles.py): on
PostgreSQL only one process runs the jobs and the outbox sender at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable

from core.delivery.batches import pick_list
from core.messaging.outbox.transport import OK, ButtonRows, SendResult
from core.models import Unit
from core.money import yuan_str
from core.people.city import CityFacts, city_facts
from core.platform.roles import Role, serve_role
from core.platform.uow import Database

log = logging.getLogger("linli")


def report(facts: CityFacts, echo: Callable[[str], None]) -> None:
    """The start-up report an operator reads in the terminal."""
    echo(
        f"Linli: {len(facts.units)} units, {facts.active_products} products, "
        f"{facts.deals_today} deals today, promo codes: {', '.join(facts.promo_codes) or '-'}"
    )
    for unit in facts.units:
        partner = unit.partner_name or "NO ACTIVE PARTNER"
        arrives = unit.next_delivery.isoformat()
        echo(
            f"  {unit.code} {unit.name_zh}: partner {partner}, invite {unit.invite_code or '-'}, "
            f"orders placed now arrive {arrives} (cutoff {unit.cutoff:%H:%M})"
        )


async def close_batch(db: Database, unit_id: int) -> None:
    """At a unit's cutoff: tonight's pick list is final; log it for the partner and HQ."""
    async with db.uow() as uow:
        unit = await uow.session.get(Unit, unit_id)
        if unit is None:
            return
        today = db.clock.now().astimezone(db.settings.tz).date()
        picks = await pick_list(uow, unit_id, today)
    log.info(
        "batch closed unit=%s day=%s orders=%d items=%d gifts=%d",
        unit.code,
        today.isoformat(),
        picks.order_count,
        sum(item.quantity for item in picks.items),
        sum(item.quantity for item in picks.gifts),
    )


class LogTransport:
    """Where messages go without a bot token: the log (``linli run`` on a demo database)."""

    async def send(
        self, chat_id: str, text: str, buttons: ButtonRows, photo_ref: str | None
    ) -> SendResult:
        """Log the message as if sent."""
        log.info("message to chat %s:\n%s", chat_id, text)
        return SendResult(OK)

    async def edit(self, chat_id: str, message_id: int, text: str) -> SendResult:
        """Log the edit as if made."""
        log.info("edit of message %s in chat %s:\n%s", message_id, chat_id, text)
        return SendResult(OK)


async def run(db: Database, echo: Callable[[str], None], *, once: bool = False) -> None:
    """Report, then hold the scheduler/sender role and serve until interrupted.

    ``once``: report and stop. With ``LINLI_TELEGRAM_TOKEN`` the role holder sends through
    Telegram; without one the schedules still run, partners' messages go to the log and
    households' broadcasts wait in the outbox for a process that can send them.
    """
    from app.schedules import PartnerMail, builtin_jobs, role_duties

    async with db.uow() as uow:
        facts = await city_facts(uow)
    report(facts, echo)
    jobs = await builtin_jobs(db, PartnerMail(LogTransport()))
    echo(
        f"{len(jobs)} scheduled job(s) for {len(facts.units)} unit(s); shipping "
        f"{yuan_str(db.settings.shipping_fee_fen)} yuan, free from "
        f"{yuan_str(db.settings.free_shipping_threshold_fen)} yuan"
    )
    if once:
        return
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(signum, stop.set)
    token = db.settings.telegram_token
    echo("Linli is running. Press Ctrl-C to stop.")
    if not token:
        echo("LINLI_TELEGRAM_TOKEN is not set: partner messages go to the log only.")
        await serve_role(Role(db), role_duties(db, LogTransport(), send=False), stop)
        return
    from bot.handlers.telegram_outbox import TelegramTransport

    api_url = db.settings.telegram_api_url
    transport = TelegramTransport.for_token(token, base_url=f"{api_url}/bot" if api_url else None)
    async with transport.bot:
        await serve_role(Role(db), role_duties(db, transport), stop)
