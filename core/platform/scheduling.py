"""Cron jobs in business time, registered by the role holder, each fire's work done once.

Jobs are declared in code (app/schedules.py lists the built-in ones) and registered on an
APScheduler 3 ``AsyncIOScheduler`` only by the process holding the role (core/platform/roles.py),
every trigger in ``LINLI_TIMEZONE`` (Asia/Shanghai).

Persistence, the equivalent of a job store
------------------------------------------
APScheduler's SQLAlchemyJobStore needs a synchronous driver and cannot be shared by
several schedulers, so Linli keeps what must survive in its own tables instead:

- **one-off notices** are broadcasts with a future ``send_at``: the outbox sender claims
  only due rows, so a notice scheduled for 18:00 survives any restart and goes out once,
  at 18:00, by construction;
- **cron fires** are claimed in ``job_runs`` (unique job, fire): the process that inserts
  the row does the work and marks it finished; a second fire of the same slot (two
  processes during a failover, a restart inside the grace window, the start-up catch-up
  after APScheduler already ran it) finds the row and does nothing. A claim left
  unfinished for ``STALE_AFTER`` (the runner died mid-work) may be taken over, so a crash
  delays the work rather than losing it. Customer broadcasts a job makes are unique by
  idempotency key as well, so redoing a half-done fire never sends anything twice.

Misfires and coalescing, on purpose
-----------------------------------
- ``coalesce=True`` everywhere: a backlog of missed fires (a machine asleep for days)
  runs **once**, for the latest slot; nobody wants three 14:00 reminders at once.
- ``misfire_grace_time`` per job (``CronJob.grace``) is how late the message is still
  worth sending: the 14:00 reminder 30 minutes (later it nags too close to the cutoff),
  the cutoff pick list 2 hours (the partner needs it before the 18:00 window), the run
  sheet 1 hour, the deals of the day 2 hours, the crate check 6 hours, the Monday report
  12 hours. Beyond its grace a fire is skipped and logged.
- **Catch-up on start**: APScheduler computes next fires from "now", so a fire missed
  while no process held the role would be lost; ``catch_up`` runs, for each job, the
  latest slot still within its grace (job_runs makes this harmless when it already ran).

The fire's slot, not the wall clock, names the work (``fire_key``, the broadcast's
idempotency key, the day of the pick list), and ``last_fire`` reads "now" from the
injected clock, so tests fire jobs at any business time without sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import delete, select, update

from core.models import JobRun
from core.platform.db import insert_or_ignore
from core.platform.roles import default_worker_id
from core.platform.uow import Database

log = logging.getLogger("linli.scheduler")

STALE_AFTER = dt.timedelta(minutes=15)  # an unfinished claim this old: its runner died
_TICK = dt.timedelta(microseconds=1)

Work = Callable[[Database, dt.datetime], Awaitable[None]]  # (db, the fire's slot, business tz)


@dataclass(frozen=True)
class CronJob:
    """A job: its unique name, when it fires (business time), how late it may still run."""

    name: str
    trigger: CronTrigger
    work: Work
    grace: dt.timedelta


def cron(tz: dt.tzinfo, at: dt.time, day_of_week: str = "*") -> CronTrigger:
    """A daily (or weekly) trigger at ``at`` business time."""
    return CronTrigger(day_of_week=day_of_week, hour=at.hour, minute=at.minute, timezone=tz)


def last_fire(job: CronJob, now: dt.datetime) -> dt.datetime | None:
    """The latest slot of ``job`` at or before ``now`` and still within its grace."""
    start = now - job.grace
    slot = job.trigger.get_next_fire_time(None, start)
    latest = None
    while slot is not None and slot <= now:
        latest = slot
        slot = job.trigger.get_next_fire_time(slot, slot + _TICK)
    return latest


def fire_key(slot: dt.datetime, tz: dt.tzinfo) -> str:
    """The slot in business time, to the minute: ``2026-11-23T14:00``."""
    return slot.astimezone(tz).strftime("%Y-%m-%dT%H:%M")


async def claim(db: Database, name: str, key: str, worker: str) -> bool:
    """True when this process is to do the work of (``name``, ``key``): first, or a takeover."""
    now = db.clock.now()
    table = JobRun.__table__
    async with db.uow() as uow:
        added = await uow.session.execute(
            insert_or_ignore(db.is_sqlite, table, table.c.job_name, table.c.fire_key).values(
                job_name=name, fire_key=key, claimed_by=worker, started_at=now
            )
        )
        if added.rowcount == 1:  # type: ignore[attr-defined]
            await uow.commit()
            return True
        taken = await uow.session.execute(
            update(JobRun)
            .where(
                JobRun.job_name == name,
                JobRun.fire_key == key,
                JobRun.finished_at.is_(None),
                JobRun.started_at < now - STALE_AFTER,
            )
            .values(claimed_by=worker, started_at=now)
        )
        await uow.commit()
    return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


async def finish(db: Database, name: str, key: str) -> None:
    """The work of (``name``, ``key``) is done: nobody does it again."""
    async with db.uow() as uow:
        await uow.session.execute(
            update(JobRun)
            .where(JobRun.job_name == name, JobRun.fire_key == key)
            .values(finished_at=db.clock.now())
        )
        await uow.commit()


async def release(db: Database, name: str, key: str) -> None:
    """Give up an unfinished claim (the work failed), so the fire can be tried again."""
    async with db.uow() as uow:
        await uow.session.execute(
            delete(JobRun).where(
                JobRun.job_name == name, JobRun.fire_key == key, JobRun.finished_at.is_(None)
            )
        )
        await uow.commit()


async def fire(db: Database, job: CronJob, slot: dt.datetime, worker: str | None = None) -> bool:
    """Do ``job``'s work for ``slot`` unless it was done (or is being done); True if done here."""
    key = fire_key(slot, db.settings.tz)
    if not await claim(db, job.name, key, worker or default_worker_id()):
        log.info("job %s %s already done elsewhere", job.name, key)
        return False
    try:
        await job.work(db, slot.astimezone(db.settings.tz))
    except BaseException:
        await release(db, job.name, key)  # not done: a later catch-up may try again
        raise
    await finish(db, job.name, key)
    log.info("job %s %s done", job.name, key)
    return True


async def fire_due(
    db: Database, job: CronJob, gate: asyncio.Semaphore | None = None, *, quiet: bool = False
) -> bool:
    """What APScheduler calls: the latest slot due now (late within grace included).

    ``gate`` bounds how many jobs work at once: hundreds of units share 10:00, and each
    job holds a database connection while it builds its broadcast.
    """
    slot = last_fire(job, db.clock.now())
    if slot is None:
        if not quiet:
            log.warning("job %s fired outside its grace; skipped", job.name)
        return False
    try:
        async with gate or contextlib.nullcontext():
            return await fire(db, job, slot)
    except Exception:  # one job's bug must not stop the scheduler or the other jobs
        log.exception("job %s failed", job.name)
        return False


async def catch_up(
    db: Database, jobs: Sequence[CronJob], gate: asyncio.Semaphore | None = None
) -> list[str]:
    """At start: run each job's latest slot still within its grace; the names that ran here."""
    ran = []
    for job in jobs:
        if await fire_due(db, job, gate, quiet=True):
            ran.append(job.name)
    return ran


def register(
    scheduler: AsyncIOScheduler,
    db: Database,
    jobs: Sequence[CronJob],
    gate: asyncio.Semaphore | None = None,
) -> None:
    """Put ``jobs`` on ``scheduler`` (replacing any of the same name), coalesced, one at a time."""
    for job in jobs:
        scheduler.add_job(
            fire_due,
            job.trigger,
            args=(db, job, gate),
            id=job.name,
            name=job.name,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(job.grace.total_seconds()),
        )


async def done_runs(db: Database, name: str) -> list[str]:
    """Fire keys of ``name`` whose work is finished (tests, operators)."""
    async with db.uow() as uow:
        rows = await uow.session.scalars(
            select(JobRun.fire_key)
            .where(JobRun.job_name == name, JobRun.finished_at.is_not(None))
            .order_by(JobRun.fire_key)
        )
        return list(rows)
