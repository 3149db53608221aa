"""The embedded SQLite engine: sqlite3 on the event loop's thread, transactions take turns."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from core.models import Base, Category
from core.platform.config import Settings
from core.platform.db import create_engine
from core.platform.sqlite_inline import InlineConnection
from core.platform.uow import Database


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh file database with the schema, on the inline driver."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'inline.sqlite3'}"
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    db = Database(engine, Settings(database_url=url))
    yield db
    await db.dispose()


async def category_count(db: Database) -> int:
    """How many categories are committed."""
    async with db.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(Category)) or 0)


def category(code: str) -> Category:
    """A category row to insert."""
    return Category(code=code, name_zh=code, name_en=code, sort_order=0)


async def test_a_file_database_runs_on_the_inline_driver_with_wal(sqlite_db: Database) -> None:
    async with sqlite_db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, InlineConnection)
        mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
        synchronous = (await conn.exec_driver_sql("PRAGMA synchronous")).scalar()
    assert mode == "wal"
    assert synchronous == 1  # NORMAL


async def test_two_writers_at_once_take_turns_instead_of_blocking_the_loop(
    sqlite_db: Database,
) -> None:
    first_inside = asyncio.Event()
    order: list[str] = []

    async def slow_writer() -> None:
        async with sqlite_db.uow() as uow:
            uow.session.add(category("slow"))
            await uow.session.flush()
            order.append("slow wrote")
            first_inside.set()
            await asyncio.sleep(0.05)  # other coroutines run meanwhile
            await uow.commit()
            order.append("slow committed")

    async def second_writer() -> None:
        await first_inside.wait()
        async with sqlite_db.uow() as uow:
            uow.session.add(category("second"))
            await uow.session.flush()
            order.append("second wrote")
            await uow.commit()

    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while not first_inside.is_set() or len(order) < 3:
            ticks += 1
            await asyncio.sleep(0.005)

    await asyncio.wait_for(asyncio.gather(slow_writer(), second_writer(), heartbeat()), 10)
    assert order == ["slow wrote", "slow committed", "second wrote"]
    assert ticks >= 5, "the event loop kept running while the second writer waited"
    assert await category_count(sqlite_db) == 2


async def test_a_failed_transaction_gives_its_turn_back(sqlite_db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with sqlite_db.uow() as uow:
            uow.session.add(category("lost"))
            await uow.session.flush()
            raise RuntimeError("the step blew up")
    async with sqlite_db.uow() as uow:
        uow.session.add(category("kept"))
        await asyncio.wait_for(uow.commit(), 5)
    assert await category_count(sqlite_db) == 1


async def test_a_statement_error_gives_the_turn_back_and_keeps_the_data(
    sqlite_db: Database,
) -> None:
    async with sqlite_db.uow() as uow:
        uow.session.add(category("dup"))
        await uow.commit()
    with pytest.raises(IntegrityError, match="UNIQUE"):
        async with sqlite_db.uow() as uow:
            await uow.session.execute(
                text(
                    "INSERT INTO categories (code, name_zh, name_en, sort_order)"
                    " VALUES ('dup', 'x', 'x', 0)"
                )
            )
    async with sqlite_db.uow() as uow:
        uow.session.add(category("after"))
        await asyncio.wait_for(uow.commit(), 5)
    assert await category_count(sqlite_db) == 2
