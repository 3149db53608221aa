"""Engine and session factory for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Table, event, make_url
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.dml import Insert

from core.platform import sqlite_inline
from core.platform.config import normalise_database_url

SQLITE_BUSY_S = 30  # how long to wait for another process's write lock


def is_sqlite(url: str) -> bool:
    """True for the embedded database, which needs its own locking discipline."""
    return normalise_database_url(url).startswith("sqlite")


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    """An async engine; on SQLite every transaction takes the write lock up front.

    SQLite's deferred transactions deadlock when two readers both try to upgrade to
    writers ("database is locked"); BEGIN IMMEDIATE serialises writers cleanly instead.
    """
    url = normalise_database_url(url)
    if is_sqlite(url):
        path = make_url(url).database
        if path and path != ":memory:" and "mode=memory" not in url:
            engine = create_async_engine(
                url, echo=echo, async_creator=sqlite_inline.connector(path, SQLITE_BUSY_S)
            )
            _sqlite_pragmas(engine)
            sqlite_inline.serialise_transactions(engine)
            return engine
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": SQLITE_BUSY_S})
        _sqlite_pragmas(engine)
        _begin_immediate(engine)
        return engine
    return create_async_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800
    )


def _sqlite_pragmas(engine: AsyncEngine) -> None:
    """The pragmas Linli relies on, on every new connection."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # WAL with NORMAL: a crash of Linli loses nothing and nothing can corrupt; a power
        # cut may lose the last commits. SQLite's own advice for WAL; saves an fsync per
        # update on the embedded default (production runs on PostgreSQL).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def _begin_immediate(engine: AsyncEngine) -> None:
    """Every transaction takes the write lock up front (in-memory databases, via aiosqlite)."""

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


def insert_or_ignore(sqlite_dialect: bool, table: Table, *conflict: Column[Any]) -> Insert:
    """``INSERT … ON CONFLICT [(columns)] DO NOTHING`` on a Core table.

    A duplicate is then a rowcount of 0 instead of an error, so no savepoint is needed;
    only a Core (table) statement reports rowcount, the ORM class would not.
    """
    dialect_insert = sqlite_insert if sqlite_dialect else postgresql_insert
    statement = dialect_insert(table)
    return statement.on_conflict_do_nothing(index_elements=list(conflict) or None)
