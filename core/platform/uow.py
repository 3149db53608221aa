"""The unit of work: one transaction per business operation, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlalchemy import Text, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    AsyncSessionTransaction,
    async_sessionmaker,
)

from core.platform.clock import Clock, SystemClock
from core.platform.config import Settings
from core.platform.db import is_sqlite, session_factory
from core.platform.signals import Signals

_NOTIFY_MANY = text("SELECT pg_notify(:topic, p) FROM unnest(:payloads) AS p").bindparams(
    bindparam("payloads", type_=ARRAY(Text))
)


class Database:
    """What services need to run: sessions, settings and a clock."""

    def __init__(self, engine: AsyncEngine, settings: Settings, clock: Clock | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.sessions: async_sessionmaker[AsyncSession] = session_factory(engine)
        self.is_sqlite = is_sqlite(str(engine.url))
        # Per-process caches that services rebuild on demand (e.g. the search index).
        self.caches: dict[str, Any] = {}
        # "This changed" to every process of the database (LISTEN/NOTIFY on PostgreSQL).
        self.signals = Signals(
            engine.url.render_as_string(hide_password=False), sqlite=self.is_sqlite
        )

    def uow(self) -> UnitOfWork:
        """A fresh unit of work; enter it with ``async with``."""
        return UnitOfWork(self)

    async def dispose(self) -> None:
        """Stop listening for signals and close every pooled connection."""
        await self.signals.close()
        await self.engine.dispose()


class UnitOfWork:
    """Owns a session and its transaction; services commit, nothing else does."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._session: AsyncSession | None = None
        self._committed = False
        # Reads worth keeping for the rest of this transaction (e.g. the cart's lines, read
        # by several screens of one update); whoever writes the data keeps it in step.
        self.memo: dict[Any, Any] = {}
        self._signals: list[tuple[str, str]] = []  # SQLite: sent at commit

    @property
    def session(self) -> AsyncSession:
        """The open session (only inside ``async with``)."""
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside 'async with'")
        return self._session

    @property
    def settings(self) -> Settings:
        """Shortcut to the configuration."""
        return self.db.settings

    @property
    def clock(self) -> Clock:
        """Shortcut to the injected clock."""
        return self.db.clock

    async def __aenter__(self) -> UnitOfWork:
        self._session = self.db.sessions()
        self._committed = False
        self.memo.clear()
        self._signals = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back an uncommitted transaction without expiring what was read,
        # so read-only units of work can hand their objects to the caller.
        await self.session.close()
        self._session = None
        self._signals = []

    async def commit(self) -> None:
        """Make the work durable."""
        await self.session.commit()
        self._committed = True
        self.memo.clear()
        if self._signals:
            sent, self._signals = self._signals, []
            self.db.signals.deliver(sent)

    async def notify(self, topic: str, payload: str) -> None:
        """Signal ``topic`` to every process's listeners if (and when) this work commits.

        The payload names what changed (ids), never its content (``core.platform.signals``).
        """
        self.db.signals.check(topic, payload)
        if self.db.is_sqlite:
            self._signals.append((topic, payload))
            return
        await self.session.execute(
            text("SELECT pg_notify(:topic, :payload)"), {"topic": topic, "payload": payload}
        )

    async def notify_many(self, topic: str, payloads: list[str]) -> None:
        """``notify`` for many payloads in one statement (a batch of broadcast copies)."""
        for payload in payloads:
            self.db.signals.check(topic, payload)
        if not payloads:
            return
        if self.db.is_sqlite:
            self._signals.extend((topic, payload) for payload in payloads)
            return
        await self.session.execute(_NOTIFY_MANY, {"topic": topic, "payloads": payloads})

    def savepoint(self) -> AsyncSessionTransaction:
        """A nested transaction: ``async with uow.savepoint():`` undoes only its own work
        when what runs inside raises (a refused cart change, a refused checkout)."""
        return self.session.begin_nested()

    async def refresh(self, instance: object) -> None:
        """Reload a row a rolled-back savepoint may have expired."""
        await self.session.refresh(instance)

    async def rollback(self) -> None:
        """Throw the work away (also done on exit when not committed)."""
        self.memo.clear()
        self._signals = []
        await self.session.rollback()
