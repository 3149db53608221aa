"""SQLite for the asyncio engine without a thread hop per call.

aiosqlite runs every DBAPI call (cursor, execute, fetch, close…) on its own thread and
wakes the event loop for each result: about seven hops per statement, which cost far
more than SQLite's own work for Linli's small indexed queries (measured: most of a flow
step's time). ``connect`` here returns an object with aiosqlite's coroutine interface
whose coroutines run the ``sqlite3`` call at once on the loop's thread, so SQLAlchemy's
``sqlite+aiosqlite`` dialect works unchanged on top of it (``async_creator``).

Running on the loop's thread means a blocked ``BEGIN IMMEDIATE`` would block the whole
process, so ``serialise_transactions`` makes the engine's transactions take turns on an
asyncio lock before SQLite's write lock (SQLite serialises writers anyway). Another
*process* holding the write lock (a CLI import while ``linli run`` serves) still makes
this process wait up to the busy timeout; PostgreSQL is the database for several
processes.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.util import await_


class InlineCursor:
    """An aiosqlite-style cursor whose coroutines finish without leaving the thread."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        """Run one statement."""
        if parameters is None:
            self._cursor.execute(sql)
        else:
            self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        """Run one statement per parameter set."""
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        """The next row."""
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """The next ``size`` rows."""
        return self._cursor.fetchmany(size) if size is not None else self._cursor.fetchmany()

    async def fetchall(self) -> list[Any]:
        """Every remaining row."""
        return self._cursor.fetchall()

    async def close(self) -> None:
        """Release the cursor."""
        self._cursor.close()

    @property
    def description(self) -> Any:
        """Column descriptions of the last query."""
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        """Rows the last statement changed."""
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        """The rowid of the last inserted row."""
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        """Rows per fetchmany()."""
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _RunNow:
    """Stands in for aiosqlite's work queue: SQLAlchemy's isolation-level setter uses it."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        """Run the function at once and settle its future."""
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:  # handed to the awaiting caller
            future.set_exception(error)


class InlineConnection:
    """An aiosqlite-style connection around a ``sqlite3`` connection on the loop's thread."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection
        self._tx = _RunNow()

    def cursor(self) -> InlineCursor:
        """A new cursor (awaited through ``__aenter__`` by SQLAlchemy)."""
        return InlineCursor(self._conn.cursor())

    @property
    def isolation_level(self) -> str | None:
        """The sqlite3 module's transaction handling (None: Linli issues BEGIN itself)."""
        return self._conn.isolation_level

    def run(self, sql: str, parameters: Sequence[Any]) -> int:
        """One write at once, without SQLAlchemy (core/platform/sqlite_direct.py); rows changed."""
        return self._conn.execute(sql, parameters).rowcount

    async def commit(self) -> None:
        """Commit the open transaction."""
        self._conn.commit()

    async def rollback(self) -> None:
        """Roll back the open transaction."""
        self._conn.rollback()

    async def create_function(self, *args: Any, **kw: Any) -> None:
        """Register a SQL function."""
        self._conn.create_function(*args, **kw)

    async def close(self) -> None:
        """Close for good."""
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    def stop(self) -> None:
        """Close without ceremony (SQLAlchemy's terminate)."""
        if self._connection is not None:
            self._connection = None
            self._conn.close()


def inline_driver(connection: Connection) -> InlineConnection | None:
    """The inline sqlite3 connection under a SQLAlchemy connection (None: another driver)."""
    driver = connection.connection.driver_connection
    return driver if isinstance(driver, InlineConnection) else None


def connector(path: str, timeout: float) -> Callable[[], Any]:
    """The ``async_creator`` for an engine on the SQLite file ``path``."""

    async def connect() -> InlineConnection:
        connection = sqlite3.connect(
            path, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        return InlineConnection(connection)

    return connect


def serialise_transactions(engine: AsyncEngine) -> None:
    """Transactions of this engine take turns (one asyncio lock per event loop)."""
    locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
        weakref.WeakKeyDictionary()
    )

    def lock() -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        found = locks.get(loop)
        if found is None:
            found = locks[loop] = asyncio.Lock()
        return found

    def release(info: dict[str, Any]) -> None:
        held = info.pop("linli_turn", None)
        if held is not None and held.locked():
            held.release()

    @event.listens_for(engine.sync_engine, "begin")
    def _take_turn(connection: Connection) -> None:
        turn = lock()
        await_(turn.acquire())
        connection.info["linli_turn"] = turn
        try:
            # Straight to sqlite3: through exec_driver_sql this statement alone cost more
            # than a typical query of the transaction it opens.
            driver = inline_driver(connection)
            assert driver is not None
            driver._conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            release(connection.info)
            raise

    @event.listens_for(engine.sync_engine, "commit")
    def _after_commit(connection: Connection) -> None:
        # The COMMIT itself runs right after this, on this thread, before anyone else runs.
        release(connection.info)

    @event.listens_for(engine.sync_engine, "rollback")
    def _after_rollback(connection: Connection) -> None:
        release(connection.info)

    @event.listens_for(engine.sync_engine, "checkin")
    def _returned(_dbapi: Any, record: ConnectionPoolEntry) -> None:
        # A connection invalidated mid-transaction may skip the rollback event.
        release(record.info)
