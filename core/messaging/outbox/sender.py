"""The sender: drains the outbox within the messenger's limits and records every copy's fate.

How a copy travels
------------------
1. **Claim.** A batch of due rows (``pending`` with ``next_attempt_at`` ≤ now, or
   ``sending`` whose claim expired: a sender died holding them) is marked ``sending``
   with ``claimed_by`` = this worker and ``claimed_until`` = now + lease, and that is
   **committed before any HTTP call**. On PostgreSQL the claim reads with
   ``SELECT … FOR UPDATE OF outbox_messages SKIP LOCKED``, so several senders can drain
   one broadcast at once and never claim the same row; on SQLite one process sends
   (transactions are serialised anyway).
2. **Send**, within the limits: a global rate (aiolimiter, ``rate_per_s``, 30/s by
   default: Telegram's per-bot limit) and one message per chat per
   ``per_chat_interval_s`` (counted from the previous answer, so the gap Telegram sees is
   never shorter). A ``RetryAfter`` (429) pauses *all* sending for exactly the seconds
   asked and the same row is sent again, its attempt not counted.
3. **Record** the answer (several answers committed together as they arrive):
   ok → ``sent`` with the message id; 403 → ``blocked`` and the customer's
   ``unreachable_at`` (later broadcasts skip them); 400 → ``failed``, never retried;
   a timeout or network error → ``pending`` again after an exponential backoff, ``failed``
   after ``max_attempts``.

The guarantee, and its one window
---------------------------------
Each recipient has exactly one row per broadcast (unique broadcast, customer), and a row
recorded ``sent`` is never sent again: that is the dedupe record. A copy is therefore
sent **at least once and, but for one window, exactly once**. The window: Telegram has
accepted the message, but the sender did not commit ``sent`` (the process was killed
between the answer and the commit, or the answer was lost to a timeout after Telegram
took the request). The row is then still ``sending`` (or ``pending`` for a retry); when
the claim expires (or at once, when a sender restarts under the same ``worker_id``) it is
sent again and that recipient sees the message twice. The Bot API offers no idempotency
key and no way to ask "did this arrive?", so no sender can close it; this one keeps it
to the few milliseconds between an answer and its commit, for at most the
``concurrency`` requests in flight at the moment of the crash.
``tests/outbox/test_outbox_crash.py`` shows both: a kill -9 at a random point leaves no
recipient without their copy and duplicates only rows that were in that window, and a
deterministic case produces exactly one duplicate.

Web copies
----------
Rows of web chats (``channel == "web"``) never touch the transport or its limits: each
pass of the loop takes a batch of them and writes them into their chats' transcripts in
the transaction that records them sent (``core.messaging.outbox.web``), so they are
exactly-once, with no window; the open pages are told after the commit (``published``).
The Telegram claim skips them, so a broadcast's web copies are all written within
moments while its Telegram copies keep their 30/s.

Progress: every ``progress_every_s`` and at the end, a broadcast's status chat gets its
status message edited in place; the words come from ``progress_text`` (bot side), core
only counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiolimiter import AsyncLimiter
from sqlalchemy import ColumnElement, and_, bindparam, exists, or_, select, update
from sqlalchemy.exc import IntegrityError

from core.messaging.outbox.enqueue import Progress, progress
from core.messaging.outbox.quiet import in_quiet_hours, quiet_hours_end
from core.messaging.outbox.transport import (
    BAD_REQUEST,
    FORBIDDEN,
    OK,
    RETRY_AFTER,
    SendResult,
    Transport,
)
from core.messaging.outbox.web import CHANNEL as WEB
from core.messaging.outbox.web import ItemOf, Published, WebBatch, WebCopy, plain_item, write_copies
from core.models import Broadcast, Customer, OutboxMessage
from core.models.outbox import BLOCKED, FAILED, PENDING, SENDING, SENT
from core.platform.clock import Clock
from core.platform.roles import default_worker_id
from core.platform.uow import Database

log = logging.getLogger("linli.outbox")

ProgressText = Callable[[str | None, Progress, bool], str]  # (owner's locale, counts, final)
OPEN = ("scheduled", "sending")
_ERROR_LIMIT = 200
_DRY_POLL_S = 0.25  # after an empty claim, wait this long before asking again
_WEB_DRY_POLL_S = 1.0  # web rows: a query a second while none are due (the idle steady state)
_REPORT_TRIES = 4  # attempts at the final delivery report edit


@dataclass
class Row:
    """A claimed copy, held in memory until its answer is recorded."""

    id: int
    broadcast_id: int
    customer_id: int
    chat_id: str
    text: str
    buttons: list[Any]
    photo_ref: str | None
    attempts: int


@dataclass
class Outcome:
    """What to record for a row."""

    row: Row
    status: str  # sent | blocked | failed | pending (a retry)
    message_id: int | None = None
    error: str | None = None
    next_attempt_at: dt.datetime | None = None
    attempts: int = 0


@dataclass
class _Pull:
    """When to ask the database again: ``force`` asks now even after an empty answer."""

    force: bool = True
    web_force: bool = True
    dry_until: float = 0.0
    web_dry_until: float = 0.0


@dataclass
class SenderStats:
    """Counters of one sender's life, for tests and the benchmark."""

    claimed: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    retried: int = 0
    retry_after: int = 0
    paused_s: float = 0.0
    edits: int = 0
    web_sent: int = 0
    web_failed: int = 0
    errors: list[str] = field(default_factory=list)


class Sender:
    """Claims, sends and records outbox rows; one per process (several on PostgreSQL)."""

    def __init__(
        self,
        db: Database,
        transport: Transport,
        *,
        rate_per_s: float | None = None,
        per_chat_interval_s: float | None = None,
        clock: Clock | None = None,
        worker_id: str | None = None,
        batch: int = 200,
        concurrency: int = 16,
        lease_s: float = 120.0,
        max_attempts: int = 5,
        backoff_s: float = 5.0,
        max_backoff_s: float = 600.0,
        progress_every_s: float = 3.0,
        idle_poll_s: float = 1.0,
        progress_text: ProgressText | None = None,
        web_item: ItemOf | None = None,
        published: Published | None = None,
        web_batch: int = 500,
        telegram: bool = True,
    ) -> None:
        settings = db.settings
        self.db = db
        self.transport = transport
        self.rate = float(rate_per_s or settings.outbox_rate_per_s)
        self.per_chat_interval_s = (
            settings.outbox_per_chat_interval_s
            if per_chat_interval_s is None
            else per_chat_interval_s
        )
        self.clock = clock or db.clock
        self.worker_id = (worker_id or default_worker_id())[:64]
        # Never hold more than a quarter lease's worth of sending in hand.
        self.batch = max(1, min(batch, int(self.rate * lease_s / 8)))
        self._low_water = max(1, self.batch // 2)  # claim the next batch below this many
        self.concurrency = max(1, concurrency)
        self.lease = dt.timedelta(seconds=lease_s)
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.progress_every_s = progress_every_s
        self.idle_poll_s = idle_poll_s
        self.progress_text = progress_text
        self.web_item = web_item or plain_item  # how a web copy looks in the transcript
        self.published = published  # tells the pages open on a chat of its new copies
        self.web_batch = max(1, web_batch)
        self.telegram = telegram  # False: no messenger here, web copies only
        self.stats = SenderStats()
        # A small bucket (a tenth of a second's worth) drips at the full rate: the server
        # sees an even stream, never a second's worth in one burst.
        burst = max(1.0, self.rate / 10)
        self._limiter = AsyncLimiter(burst, burst / self.rate)
        self._queue: asyncio.Queue[Row] = asyncio.Queue()
        self._inflight = 0
        self._outcomes: list[Outcome] = []
        self._unwritten = 0
        self._outcome_ready = asyncio.Event()
        self._wake = asyncio.Event()
        self._resume_at = 0.0
        self._chat_free_at: dict[str, float] = {}
        self._chat_busy: set[str] = set()
        self._touched: set[int] = set()
        self._shown: dict[int, str] = {}
        self._extended_at = 0.0
        self._tasks: list[asyncio.Task[None]] = []

    # ---------------------------------------------------------------- running

    async def run_until_idle(self) -> SenderStats:
        """Send everything due now, record it, report, return (tests, one-shot runs)."""
        await self._run(None)
        return self.stats

    async def run_forever(self, stop: asyncio.Event) -> SenderStats:
        """Keep draining until ``stop`` is set; copies held but unsent go back to pending."""
        await self._run(stop)
        return self.stats

    async def _run(self, stop: asyncio.Event | None) -> None:
        """Web copies → transcripts; Telegram: claim → queue → workers → writer; until idle."""
        loop = asyncio.get_running_loop()
        await self.release_own_claims()
        self._tasks = [asyncio.create_task(self._worker()) for _ in range(self.concurrency)]
        self._tasks.append(asyncio.create_task(self._writer()))
        next_report = loop.time() + self.progress_every_s
        settled = False  # the last idle pass found nothing: a dry claim after it ends the run
        pull = _Pull()
        try:
            while stop is None or not stop.is_set():
                self._check_tasks()
                written, claimed = await self._pull(pull, loop.time())
                if claimed or written:
                    settled = False
                if loop.time() >= next_report:
                    await self._report()
                    await self._extend_claims()
                    next_report = loop.time() + self.progress_every_s
                if written:
                    continue  # more web copies may be due: no wait
                if not claimed and self._idle():
                    if stop is None and settled:
                        break
                    await self._flush()
                    await self._report(finish=True)
                    settled = pull.force = pull.web_force = True
                    if stop is not None:
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(stop.wait(), self.idle_poll_s)
                        settled = False
                    continue
                self._wake.clear()
                if self._queue.qsize() >= self._low_water or not claimed:
                    timeout = max(0.01, min(0.5, next_report - loop.time()))
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), timeout)
        finally:
            await self._shutdown()

    async def _pull(self, pull: _Pull, now: float) -> tuple[int, int]:
        """A batch of web copies written, then Telegram rows claimed when the queue runs low:
        (written, claimed). An empty answer is not asked again for ``_DRY_POLL_S``."""
        written = claimed = 0
        if pull.web_force or now >= pull.web_dry_until:
            pull.web_force = False
            written = await self._send_web()
            if not written:
                pull.web_dry_until = now + _WEB_DRY_POLL_S
        if (
            self.telegram
            and self._queue.qsize() < self._low_water
            and (pull.force or now >= pull.dry_until)
        ):
            pull.force = False
            for row in await self._claim():
                self._queue.put_nowait(row)
                claimed += 1
            if not claimed:
                pull.dry_until = now + _DRY_POLL_S
        return written, claimed

    def _idle(self) -> bool:
        """Nothing queued, nothing in flight, every answer written."""
        return self._queue.empty() and self._inflight == 0 and self._unwritten == 0

    def _check_tasks(self) -> None:
        """A worker or the writer died of a bug: fail loudly instead of hanging."""
        for task in self._tasks:
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]

    async def _shutdown(self) -> None:
        """Give back what was claimed but not sent, let requests in flight finish, record."""
        held = []
        while not self._queue.empty():
            held.append(self._queue.get_nowait().id)
        if held:
            await self._release(held)
        for _ in range(600):
            if self._inflight == 0:
                break
            await asyncio.sleep(0.05)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self._flush()

    # ---------------------------------------------------------------- claiming

    async def release_own_claims(self) -> int:
        """Rows this worker id held in an earlier life go back to pending (a restart)."""
        async with self.db.uow() as uow:
            result = await uow.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.claimed_by == self.worker_id, OutboxMessage.status == SENDING)
                .values(status=PENDING, claimed_by=None, claimed_until=None)
            )
            await uow.commit()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def _release(self, ids: list[int]) -> None:
        """Give back claimed rows this sender will not send after all."""
        async with self.db.uow() as uow:
            await uow.session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_(ids),
                    OutboxMessage.claimed_by == self.worker_id,
                    OutboxMessage.status == SENDING,
                )
                .values(status=PENDING, claimed_by=None, claimed_until=None)
            )
            await uow.commit()

    async def _claim(self) -> list[Row]:
        """Mark a batch of due rows as ours and commit, before anything is sent."""
        now = self.clock.now()
        async with self.db.uow() as uow:
            due = and_(await self._due(uow.session, now), OutboxMessage.channel != WEB)
            query = (
                select(
                    OutboxMessage.id,
                    OutboxMessage.broadcast_id,
                    OutboxMessage.customer_id,
                    OutboxMessage.chat_id,
                    OutboxMessage.text,
                    OutboxMessage.buttons,
                    OutboxMessage.photo_ref,
                    OutboxMessage.attempts,
                )
                .join(Broadcast, Broadcast.id == OutboxMessage.broadcast_id)
                .where(due)
                .order_by(OutboxMessage.id)
                .limit(self.batch)
            )
            if not self.db.is_sqlite:
                query = query.with_for_update(of=OutboxMessage, skip_locked=True)
            rows = [Row(*values) for values in (await uow.session.execute(query)).all()]
            if not rows:
                await uow.commit()  # the night's deferral, if any
                return []
            ids = [row.id for row in rows]
            await uow.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(status=SENDING, claimed_by=self.worker_id, claimed_until=now + self.lease)
            )
            broadcasts = sorted({row.broadcast_id for row in rows})
            await _sending(uow.session, broadcasts)
            await uow.commit()
        self._extended_at = asyncio.get_running_loop().time()
        self._touched.update(broadcasts)
        self.stats.claimed += len(rows)
        return rows

    async def _send_web(self) -> int:
        """Write one batch of due web copies into their transcripts; how many were written.

        One transaction takes the rows, writes the transcripts and records the rows sent;
        two writers taking one chat's next number make it start over.
        """
        batch = None
        for _attempt in range(8):
            try:
                batch = await self._web_batch_once()
                break
            except IntegrityError:
                continue  # a page's own message took a number we wanted: take the next
        if batch is None:
            log.warning("web copies: sequence numbers kept colliding; next pass")
            return 0
        if not batch.written and not batch.failed:
            return 0
        self._touched.update(batch.broadcasts)
        self.stats.web_sent += batch.sent
        self.stats.sent += batch.sent
        self.stats.web_failed += batch.failed
        self.stats.failed += batch.failed
        self.stats.claimed += batch.sent + batch.failed
        if self.published is not None:
            for chat_id, messages in batch.written.items():
                try:
                    await self.published(WEB, chat_id, messages)
                except Exception:  # a page that missed it catches up when it reconnects
                    log.info("web chat %s: open pages not told", chat_id, exc_info=True)
        return batch.sent + batch.failed

    async def _web_batch_once(self) -> WebBatch:
        """Take, write and record one batch of web copies, in one transaction."""
        now = self.clock.now()
        async with self.db.uow() as uow:
            due = and_(OutboxMessage.channel == WEB, await self._due(uow.session, now))
            query = (
                select(
                    OutboxMessage.id,
                    OutboxMessage.broadcast_id,
                    OutboxMessage.chat_id,
                    OutboxMessage.text,
                    OutboxMessage.buttons,
                    OutboxMessage.photo_ref,
                )
                .join(Broadcast, Broadcast.id == OutboxMessage.broadcast_id)
                .where(due)
                .order_by(OutboxMessage.id)
                .limit(self.web_batch)
            )
            if not self.db.is_sqlite:
                query = query.with_for_update(of=OutboxMessage, skip_locked=True)
            copies = [WebCopy(*values) for values in (await uow.session.execute(query)).all()]
            if not copies:
                await uow.commit()  # the night's deferral, if any
                return WebBatch({}, 0, set())
            batch = await write_copies(uow, copies, self.web_item)
            await _sending(uow.session, sorted(batch.broadcasts))
            await uow.commit()
        return batch

    async def _due(self, session: Any, now: dt.datetime) -> ColumnElement[bool]:
        """Which copies are due ``now``: of an open broadcast whose time has come, pending
        and due or claimed with the lease run out. In quiet hours, only those of broadcasts
        that override them (the others are first deferred until the morning)."""
        settings = self.db.settings
        quiet = in_quiet_hours(now, settings.quiet_start, settings.quiet_end, settings.tz)
        if quiet:
            await self._defer_for_the_night(session, now)
        due = and_(
            Broadcast.status.in_(OPEN),
            Broadcast.send_at <= now,
            or_(
                and_(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now),
                and_(OutboxMessage.status == SENDING, OutboxMessage.claimed_until < now),
            ),
        )
        if quiet:
            due = and_(due, Broadcast.override_quiet.is_(True))
        return due

    async def _defer_for_the_night(self, session: Any, now: dt.datetime) -> None:
        """Due copies of broadcasts that respect quiet hours wait until quiet hours end."""
        settings = self.db.settings
        morning = quiet_hours_end(now, settings.quiet_start, settings.quiet_end, settings.tz)
        polite = (
            select(Broadcast.id)
            .where(
                Broadcast.status.in_(OPEN),
                Broadcast.send_at <= now,
                Broadcast.override_quiet.is_(False),
            )
            .scalar_subquery()
        )
        await session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.status == PENDING,
                OutboxMessage.next_attempt_at <= now,
                OutboxMessage.broadcast_id.in_(polite),
            )
            .values(next_attempt_at=morning)
        )

    async def _extend_claims(self) -> None:
        """Renew the lease on rows still in hand (a long RetryAfter must not let it lapse)."""
        loop = asyncio.get_running_loop()
        if loop.time() - self._extended_at < self.lease.total_seconds() / 3:
            return
        if self._queue.empty() and self._inflight == 0:
            return
        async with self.db.uow() as uow:
            await uow.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.claimed_by == self.worker_id, OutboxMessage.status == SENDING)
                .values(claimed_until=self.clock.now() + self.lease)
            )
            await uow.commit()
        self._extended_at = loop.time()

    # ---------------------------------------------------------------- sending

    async def _worker(self) -> None:
        """Take claimed rows one at a time and hand their outcome to the writer."""
        while True:
            row = await self._queue.get()
            self._inflight += 1
            if self._queue.qsize() < self._low_water:
                self._wake.set()  # time to claim the next batch
            try:
                outcome = await self._deliver(row)
                self._outcomes.append(outcome)
                self._unwritten += 1
                self._outcome_ready.set()
            finally:
                self._inflight -= 1
                if self._idle():
                    self._wake.set()

    async def _deliver(self, row: Row) -> Outcome:
        """Send one row within the limits; a RetryAfter pauses everything and sends it again."""
        while True:
            result = await self._call(
                row.chat_id,
                lambda: self.transport.send(row.chat_id, row.text, row.buttons, row.photo_ref),
            )
            if result.status != RETRY_AFTER:
                return self._outcome(row, result)

    async def _call(self, chat_id: str, request: Callable[[], Any]) -> SendResult:
        """One call to the messenger, after the pause, the chat's slot and the rate allow it."""
        loop = asyncio.get_running_loop()
        await self._take_chat(chat_id)
        try:
            while True:
                await self._wait_pause()
                await self._limiter.acquire()
                if self._resume_at > loop.time():
                    continue  # a pause began while we waited for the rate
                break
            try:
                result: SendResult = await request()
            except Exception as exc:  # a transport bug must not lose the row
                log.exception("transport raised; treated as a network error")
                result = SendResult("network", error=repr(exc))
            if result.status == RETRY_AFTER:
                self._pause(result.retry_after)
            return result
        finally:
            self._chat_free_at[chat_id] = loop.time() + self.per_chat_interval_s
            self._chat_busy.discard(chat_id)

    async def _take_chat(self, chat_id: str) -> None:
        """Wait until this chat's previous message is ``per_chat_interval_s`` old."""
        loop = asyncio.get_running_loop()
        while True:
            if chat_id not in self._chat_busy:
                wait = self._chat_free_at.get(chat_id, 0.0) - loop.time()
                if wait <= 0:
                    self._chat_busy.add(chat_id)
                    if len(self._chat_free_at) > 10_000:
                        self._forget_old_chats(loop.time())
                    return
            else:
                wait = 0.02
            await asyncio.sleep(min(wait, 0.25))

    def _forget_old_chats(self, now: float) -> None:
        """Chats whose interval has passed need no entry."""
        for chat_id in [c for c, free in self._chat_free_at.items() if free <= now]:
            del self._chat_free_at[chat_id]

    def _pause(self, seconds: float) -> None:
        """Flood control: no call at all for exactly ``seconds`` from now."""
        loop = asyncio.get_running_loop()
        resume = loop.time() + max(0.0, seconds)
        if resume > self._resume_at:
            self.stats.paused_s += resume - max(self._resume_at, loop.time())
            self._resume_at = resume
        self.stats.retry_after += 1
        log.warning("flood control: pausing all sending for %.1f s", seconds)

    async def _wait_pause(self) -> None:
        """Sleep out a flood-control pause."""
        loop = asyncio.get_running_loop()
        # A sleep, not an Event: the pause can only grow while we sleep, never end early.
        while (left := self._resume_at - loop.time()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(left)

    def _outcome(self, row: Row, result: SendResult) -> Outcome:
        """Map the messenger's answer to what the row becomes."""
        error = (result.error or "")[:_ERROR_LIMIT] or None
        if result.status == OK:
            self.stats.sent += 1
            return Outcome(row, SENT, message_id=result.message_id, attempts=row.attempts + 1)
        if result.status == FORBIDDEN:
            self.stats.blocked += 1
            return Outcome(row, BLOCKED, error=error, attempts=row.attempts + 1)
        attempts = row.attempts + 1
        if result.status == BAD_REQUEST or attempts >= self.max_attempts:
            self.stats.failed += 1
            return Outcome(row, FAILED, error=error, attempts=attempts)
        delay = min(self.max_backoff_s, self.backoff_s * 2 ** (attempts - 1))
        self.stats.retried += 1
        return Outcome(
            row,
            PENDING,
            error=error,
            attempts=attempts,
            next_attempt_at=self.clock.now() + dt.timedelta(seconds=delay),
        )

    # ---------------------------------------------------------------- recording

    async def _writer(self) -> None:
        """Commit answers as they come, several per transaction when they arrive together."""
        while True:
            await self._outcome_ready.wait()
            self._outcome_ready.clear()
            try:
                await self._flush()
            except Exception:
                log.exception("recording outcomes failed; retrying in a second")
                await asyncio.sleep(1.0)
                self._outcome_ready.set()

    async def _flush(self) -> None:
        """Write every outcome gathered so far in one transaction."""
        if not self._outcomes:
            return
        taken, self._outcomes = self._outcomes, []
        try:
            await self._write(taken)
        except BaseException:
            self._outcomes[:0] = taken
            raise
        self._unwritten -= len(taken)
        self._touched.update(outcome.row.broadcast_id for outcome in taken)
        self._wake.set()

    async def _write(self, outcomes: list[Outcome]) -> None:
        """Rows become sent/blocked/failed/pending, only while still ours."""
        now = self.clock.now()
        params = [
            {
                "row_id": o.row.id,
                "me": self.worker_id,
                "new_status": o.status,
                "new_message_id": o.message_id,
                "new_sent_at": now if o.status == SENT else None,
                "new_error": o.error,
                "new_attempts": o.attempts,
                "new_next": o.next_attempt_at or now,
            }
            for o in outcomes
        ]
        blocked = [{"cid": o.row.customer_id} for o in outcomes if o.status == BLOCKED]
        async with self.db.uow() as uow:
            await uow.session.execute(_RECORD, params)
            if blocked:
                await uow.session.execute(_UNREACHABLE.values(unreachable_at=now), blocked)
            await uow.commit()

    # ---------------------------------------------------------------- progress

    async def _report(self, *, finish: bool = False) -> None:
        """Edit the status message of every broadcast that moved; close finished ones."""
        touched, self._touched = self._touched, set()
        for broadcast_id in sorted(touched):
            await self._show_progress(broadcast_id, final=False)
        if finish or touched:
            await self._finish()

    async def _show_progress(self, broadcast_id: int, *, final: bool) -> bool:
        """Counts → owner's words → the status message, edited in place (sent once first).

        Once nothing is left to send the words are the delivery report whoever asks: a
        progress tick that loses the race with ``_finish`` (the writer marks a broadcast
        touched just after committing its last answers) must not overwrite the report.
        True when the owner's chat shows the text now (or there is nothing to show).
        """
        if self.progress_text is None:
            return True
        async with self.db.uow() as uow:
            broadcast = await uow.session.get(Broadcast, broadcast_id)
            if broadcast is None or broadcast.status_chat_id is None:
                return True
            counts = await progress(uow, broadcast_id)
            chat_id, message_id = broadcast.status_chat_id, broadcast.status_message_id
            locale = broadcast.status_locale
        text = self.progress_text(locale, counts, final or counts.finished)
        if self._shown.get(broadcast_id) == text:
            return True
        if message_id is None:
            result = await self._call(chat_id, lambda: self.transport.send(chat_id, text, [], None))
            if result.ok and result.message_id is not None:
                async with self.db.uow() as uow:
                    await uow.session.execute(
                        update(Broadcast)
                        .where(Broadcast.id == broadcast_id)
                        .values(status_message_id=result.message_id)
                    )
                    await uow.commit()
        else:
            result = await self._call(
                chat_id, lambda: self.transport.edit(chat_id, message_id, text)
            )
        if result.ok or result.status == BAD_REQUEST:  # "not modified" is as good as done
            self._shown[broadcast_id] = text
            self.stats.edits += 1
            return True
        log.info("status message of broadcast %s not updated: %s", broadcast_id, result)
        return False

    async def _finish(self) -> None:
        """Broadcasts with nothing left to send: the delivery report, then ``done``.

        The report is an edit in place, so sending it twice (two senders, a crash before
        ``done`` is committed) shows the same message, not a second one.
        """
        now = self.clock.now()
        unsettled = exists().where(
            OutboxMessage.broadcast_id == Broadcast.id,
            OutboxMessage.status.in_((PENDING, SENDING)),
        )
        async with self.db.uow() as uow:
            done = list(
                await uow.session.scalars(
                    select(Broadcast.id).where(
                        Broadcast.status.in_(OPEN), Broadcast.send_at <= now, ~unsettled
                    )
                )
            )
        for broadcast_id in done:
            # the delivery report is the owner's only account of the run: a flood wait
            # or a network error on it is retried a few times before giving up
            for attempt in range(_REPORT_TRIES):
                if await self._show_progress(broadcast_id, final=True):
                    break
                await asyncio.sleep(0.2 * (attempt + 1))
            async with self.db.uow() as uow:
                await uow.session.execute(
                    update(Broadcast)
                    .where(Broadcast.id == broadcast_id, Broadcast.status.in_(OPEN), ~unsettled)
                    .values(status="done", finished_at=now)
                )
                await uow.commit()


_TABLE = OutboxMessage.__table__
_RECORD = (
    update(_TABLE)
    .where(
        _TABLE.c.id == bindparam("row_id"),
        _TABLE.c.claimed_by == bindparam("me"),
        _TABLE.c.status == SENDING,
    )
    .values(
        status=bindparam("new_status"),
        message_id=bindparam("new_message_id"),
        sent_at=bindparam("new_sent_at"),
        last_error=bindparam("new_error"),
        attempts=bindparam("new_attempts"),
        next_attempt_at=bindparam("new_next"),
        claimed_by=None,
        claimed_until=None,
    )
)
_CUSTOMERS = Customer.__table__
_UNREACHABLE = update(_CUSTOMERS).where(
    _CUSTOMERS.c.id == bindparam("cid"), _CUSTOMERS.c.unreachable_at.is_(None)
)


async def _sending(session: Any, broadcasts: list[int]) -> None:
    """The scheduled ones of ``broadcasts`` are now sending."""
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id.in_(broadcasts), Broadcast.status == "scheduled")
        .values(status="sending")
    )
