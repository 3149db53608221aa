"""The long-running Linli process: checks, a start-up report, and the scheduled jobs.

Channels (the Telegram bot, the web chat) attach to this process in later work; the
cutoff job already closes each unit's evening batch at its cutoff and logs the pick list.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from core.city import CityFacts, city_facts
from core.delivery import pick_list
from core.models import Unit
from core.money import yuan_str
from core.uow import Database

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


async def schedule_jobs(db: Database, scheduler: AsyncIOScheduler) -> int:
    """One cutoff job per active unit, in business time; returns how many were scheduled."""
    async with db.uow() as uow:
        units = (await uow.session.scalars(select(Unit).where(Unit.active.is_(True)))).all()
    for unit in units:
        scheduler.add_job(
            close_batch,
            CronTrigger(hour=unit.cutoff.hour, minute=unit.cutoff.minute, timezone=db.settings.tz),
            args=(db, unit.id),
            id=f"cutoff-{unit.code}",
            replace_existing=True,
            misfire_grace_time=600,
        )
    return len(units)


async def run(db: Database, echo: Callable[[str], None], *, once: bool = False) -> None:
    """Report, start the scheduler, and serve until interrupted (``once``: report and stop)."""
    async with db.uow() as uow:
        facts = await city_facts(uow)
    report(facts, echo)
    scheduler = AsyncIOScheduler(timezone=db.settings.tz)
    jobs = await schedule_jobs(db, scheduler)
    echo(
        f"{jobs} cutoff job(s) scheduled; shipping {yuan_str(db.settings.shipping_fee_fen)} "
        f"yuan, free from {yuan_str(db.settings.free_shipping_threshold_fen)} yuan"
    )
    if once:
        return
    scheduler.start()
    echo("Linli is running. Press Ctrl-C to stop.")
    try:
        await asyncio.Event().wait()
    finally:
        scheduler.shutdown(wait=False)
