"""Signals between the processes of one database: "this changed", sent with the change.

A signal is a topic and a short payload (ids, never content). It is sent inside the
transaction that makes the change (``UnitOfWork.notify``) and reaches listeners only if
that transaction commits:

* PostgreSQL: ``pg_notify`` in the transaction; every process listens on one dedicated
  asyncpg connection (``LISTEN``), reconnecting when it drops. Its own signals come back
  to it the same way, so a process needs no second path.
* SQLite (one process): the signals wait on the unit of work and are handed to this
  process's listeners after its commit.

After the listening connection came back, listeners are told (``on_reconnect``): signals
sent while it was down are lost, so they look at the database themselves once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import make_url

log = logging.getLogger("linli.signals")

Listener = Callable[[str], Awaitable[None]]
Reconnected = Callable[[], Awaitable[None]]
RECONNECT_FIRST_S = 0.2
RECONNECT_MAX_S = 5.0
MAX_PAYLOAD = 7900  # PostgreSQL refuses NOTIFY payloads of 8000 bytes and more


def asyncpg_dsn(url: str) -> str:
    """The plain ``postgresql://`` form asyncpg connects with."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Signals:
    """This process's end of the signals: send (through a unit of work) and listen."""

    def __init__(self, url: str, *, sqlite: bool) -> None:
        self.url = url
        self.sqlite = sqlite
        self.listeners: dict[str, set[Listener]] = {}
        self.reconnected: set[Reconnected] = set()
        self._connection: Any = None  # asyncpg.Connection while listening
        self._keeper: asyncio.Task[None] | None = None
        self._lost = asyncio.Event()
        self._ready: asyncio.Event | None = None
        self.connections_made = 0  # how often the listening connection was (re)made

    # -- sending ---------------------------------------------------------------------------

    def check(self, topic: str, payload: str) -> None:
        """Refuse what PostgreSQL would refuse, on SQLite too (tests run on both)."""
        if not topic.isidentifier() or len(payload.encode()) > MAX_PAYLOAD:
            raise ValueError(f"signal {topic!r}: bad topic or payload too long")

    def deliver(self, signals: list[tuple[str, str]]) -> None:
        """SQLite: hand committed signals to this process's listeners, in order, once the
        committing code has gone on (as a notification from PostgreSQL would arrive)."""
        if any(topic in self.listeners for topic, _payload in signals):
            _spawn(self._dispatch_all(signals))

    async def _dispatch_all(self, signals: list[tuple[str, str]]) -> None:
        for topic, payload in signals:
            await self._dispatch(topic, payload)

    async def _dispatch(self, topic: str, payload: str) -> None:
        for listener in list(self.listeners.get(topic, ())):
            try:
                await listener(payload)
            except Exception:  # one listener's failure never stops the others
                log.exception("signal %s: a listener failed", topic)

    # -- listening -------------------------------------------------------------------------

    async def listen(
        self, topic: str, listener: Listener, on_reconnect: Reconnected | None = None
    ) -> None:
        """Call ``listener(payload)`` for every committed signal of ``topic``, from now on.

        On PostgreSQL the first listener opens the listening connection (and waits until
        it listens, so nothing committed after this returns is missed).
        """
        self.check(topic, "")
        fresh = topic not in self.listeners
        self.listeners.setdefault(topic, set()).add(listener)
        if on_reconnect is not None:
            self.reconnected.add(on_reconnect)
        if self.sqlite:
            return
        if self._keeper is None:
            self._ready = asyncio.Event()
            self._keeper = asyncio.create_task(self._keep_listening(), name="linli-signals")
            await self._ready.wait()
        elif fresh and self._connection is not None:
            await self._connection.add_listener(topic, self._on_notification)

    async def unlisten(self, topic: str, listener: Listener) -> None:
        """Stop calling ``listener``; the connection closes with the last listener."""
        group = self.listeners.get(topic)
        if group is not None:
            group.discard(listener)
            if not group:
                del self.listeners[topic]
                if self._connection is not None and not self._connection.is_closed():
                    with contextlib.suppress(Exception):
                        await self._connection.remove_listener(topic, self._on_notification)
        if not self.listeners:
            await self.close()

    async def close(self) -> None:
        """Stop listening (the process is stopping)."""
        keeper, self._keeper = self._keeper, None
        if keeper is not None:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        await self._close_connection()

    @property
    def listening(self) -> bool:
        """True while the listening connection is up (always on SQLite)."""
        return self.sqlite or (self._connection is not None and not self._connection.is_closed())

    async def drop_connection_for_test(self) -> None:
        """Close the listening connection as a network failure would (tests)."""
        if self._connection is not None:
            self._connection.terminate()
            self._lost.set()

    async def _keep_listening(self) -> None:
        """Hold one LISTEN connection; make it again, with backoff, whenever it drops."""
        import asyncpg

        delay = RECONNECT_FIRST_S
        first = True
        while True:
            try:
                self._lost.clear()
                self._connection = await asyncpg.connect(asyncpg_dsn(self.url))
                self._connection.add_termination_listener(lambda _c: self._lost.set())
                for topic in list(self.listeners):
                    await self._connection.add_listener(topic, self._on_notification)
                self.connections_made += 1
                delay = RECONNECT_FIRST_S
                if self._ready is not None:
                    self._ready.set()
                if not first:
                    log.info("signals: listening again")
                    await self._tell_reconnected()
                first = False
                await self._lost.wait()
                log.warning("signals: the listening connection dropped; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as failed:
                log.warning("signals: cannot listen (%s); again in %.1f s", failed, delay)
                if self._ready is not None:
                    self._ready.set()  # the poll covers until the connection is back
                first = False
            await self._close_connection()
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_S)

    async def _close_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), 2.0)

    def _on_notification(self, _connection: Any, _pid: int, topic: str, payload: str) -> None:
        """asyncpg's callback (not a coroutine): dispatch in a task."""
        _spawn(self._dispatch(topic, payload))

    async def _tell_reconnected(self) -> None:
        for listener in list(self.reconnected):
            try:
                await listener()
            except Exception:
                log.exception("signals: a reconnect listener failed")


_tasks: set[asyncio.Task[None]] = set()  # dispatches in flight (kept from the collector)


def _spawn(work: Awaitable[None]) -> None:
    """Run ``work`` soon, after the current step, holding on to its task."""

    async def run() -> None:
        await work

    task = asyncio.get_running_loop().create_task(run())
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
