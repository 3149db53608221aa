"""The scheduler/sender role: exactly one process of a PostgreSQL deployment holds it.

Several ``linli bot`` processes may serve updates against one PostgreSQL database, but
only one may run the scheduled jobs and drain the outbox. The role is a **session-level
advisory lock** (``pg_try_advisory_lock(ROLE_LOCK_KEY)``) taken on a connection of its
own, outside the pool that serves requests, and held for as long as that connection
lives:

- a process that does not hold it tries again every ``LINLI_ROLE_RETRY_SECONDS`` (2 s);
- when the holder dies (kill -9, a crash, a lost machine) the kernel closes its socket,
  PostgreSQL ends the session and the lock is free: the next try of another process
  takes it, so the role moves within about one retry interval;
- the holder checks its lock connection every ``LINLI_ROLE_HEARTBEAT_SECONDS`` (the
  lock must still be granted to this very backend); when the check fails or times out
  the role counts as **lost at once** and whoever runs the duties stops them.

A network partition can leave a short overlap: the old holder notices only at its next
heartbeat, while PostgreSQL may already have ended its session. Nothing depends on the
overlap being empty: every scheduled fire is claimed in ``job_runs`` (core/platform/scheduling.py),
broadcasts are unique by idempotency key and outbox rows are claimed with
``FOR UPDATE SKIP LOCKED`` (core/messaging/outbox/sender.py).

On SQLite one process does everything, so the role is always held.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from types import TracebackType

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from core.platform.uow import Database

log = logging.getLogger("linli.role")

# Any 64-bit number nobody else uses on this database: "linli" + role 1 in ASCII.
ROLE_LOCK_KEY = 0x6C696E6C6901
# The role's outbox sender claims under this worker id whichever process holds the role,
# so a new holder's Sender gives back at once what a dead holder had claimed
# (Sender.release_own_claims) instead of waiting out the claims' lease.
ROLE_WORKER = "linli-role"
_CHECK_TIMEOUT_FACTOR = 2.0  # a heartbeat slower than this many intervals counts as lost


def default_worker_id() -> str:
    """host:pid, unique among live processes; give a stable id to reclaim at once on restart."""
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


class Role:
    """Try to hold the role until closed; ``held`` says whether this process has it now.

    Use as ``async with Role(db) as role:`` (tries in the background) and
    ``await role.wait_acquired()`` / ``await role.wait_lost()``; ``release()`` gives the
    role back at a graceful shutdown so another process takes over at its next try.
    """

    def __init__(
        self,
        db: Database,
        *,
        key: int = ROLE_LOCK_KEY,
        retry_s: float | None = None,
        heartbeat_s: float | None = None,
    ) -> None:
        self.db = db
        self.key = key
        self.retry_s = db.settings.role_retry_seconds if retry_s is None else retry_s
        self.heartbeat_s = (
            db.settings.role_heartbeat_seconds if heartbeat_s is None else heartbeat_s
        )
        self._engine: AsyncEngine | None = None
        self._conn: AsyncConnection | None = None
        self._held = False
        self._acquired = asyncio.Event()
        self._lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def held(self) -> bool:
        """This process holds the role right now."""
        return self._held

    async def __aenter__(self) -> Role:
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.release()

    def start(self) -> None:
        """Begin trying (in the background) to take the role."""
        if self._task is None:
            self._closed = False
            self._task = asyncio.create_task(self._loop(), name="linli-role")

    async def wait_acquired(self) -> None:
        """Return once this process holds the role."""
        await self._acquired.wait()

    async def wait_lost(self) -> None:
        """Return once the role held is lost (or released)."""
        await self._lost.wait()

    async def try_acquire(self) -> bool:
        """One attempt: True when this process now holds the role."""
        if self._held:
            return True
        if self.db.is_sqlite:
            self._set_held()
            return True
        try:
            if self._engine is None:
                self._engine = create_async_engine(
                    self.db.engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
                )
            if self._conn is None:
                self._conn = await self._engine.connect()
            got = await self._conn.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
            )
        except Exception as exc:  # the database is away: try again later
            log.warning("cannot try for the role: %s", exc)
            await self._drop_connection()
            return False
        if got:
            self._set_held()
            log.info("this process holds the scheduler/sender role")
        return bool(got)

    async def check(self) -> bool:
        """Heartbeat: the lock connection answers and the lock is still ours."""
        if not self._held:
            return False
        if self.db.is_sqlite:
            return True
        conn = self._conn
        if conn is None:
            return False
        try:
            async with asyncio.timeout(max(1.0, self.heartbeat_s * _CHECK_TIMEOUT_FACTOR)):
                mine = await conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                        "AND pid = pg_backend_pid() AND granted "
                        "AND ((classid::bigint << 32) | objid::bigint) = :key"
                    ),
                    {"key": self.key},
                )
        except Exception as exc:
            log.warning("role heartbeat failed: %s", exc)
            return False
        return bool(mine)

    async def release(self) -> None:
        """Stop trying and give the role back (graceful shutdown)."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._held and self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        self._set_lost()
        await self._drop_connection()
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    def _set_held(self) -> None:
        """Now held: wake those waiting to start their duties."""
        self._held = True
        self._lost.clear()
        self._acquired.set()

    def _set_lost(self) -> None:
        """No longer held: wake those who must stop their duties."""
        was = self._held
        self._held = False
        self._acquired.clear()
        self._lost.set()
        if was:
            log.warning("this process no longer holds the scheduler/sender role")

    async def _drop_connection(self) -> None:
        """Close the lock connection (a dead one included); the session's lock goes with it."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()
            with contextlib.suppress(Exception):
                await conn.invalidate()

    async def _loop(self) -> None:
        """Try until held, then heartbeat until lost, then try again; forever."""
        while not self._closed:
            if not self._held and not await self.try_acquire():
                await asyncio.sleep(self.retry_s)
                continue
            await asyncio.sleep(self.heartbeat_s)
            if self.db.is_sqlite:
                continue
            if not await self.check():
                self._set_lost()
                await self._drop_connection()


Duties = Callable[[asyncio.Event], Awaitable[None]]


async def serve_role(role: Role, duties: Duties, stop: asyncio.Event) -> None:
    """Run ``duties`` whenever ``role`` is held, until ``stop``; then release the role.

    ``duties(quit)`` must return soon after ``quit`` is set: it is set when the role is
    lost (another process may already be running them) and at shutdown.
    """
    role.start()
    try:
        while not stop.is_set():
            if not await _first(role.wait_acquired(), stop.wait()):
                break
            quit_ = asyncio.Event()
            work = asyncio.create_task(duties(quit_), name="linli-duties")
            watch = asyncio.create_task(_first(role.wait_lost(), stop.wait()))
            done, _ = await asyncio.wait({work, watch}, return_when=asyncio.FIRST_COMPLETED)
            quit_.set()
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
            try:
                await work  # duties end promptly once told
            except Exception:  # a bug in the duties: log it, start them again shortly
                log.exception("the role's duties failed; restarting them")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), role.retry_s)
                continue
            if work in done and not stop.is_set() and role.held:
                # the duties ended on their own: hand the role on rather than idle with it
                break
    finally:
        await role.release()


async def _first(held: Awaitable[None], stopped: Awaitable[None]) -> bool:
    """Wait for either; True when the first one (not ``stopped``) happened."""
    first = asyncio.ensure_future(held)
    second = asyncio.ensure_future(stopped)
    done, pending = await asyncio.wait({first, second}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return first in done
