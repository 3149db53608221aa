"""Shared fixtures: a fresh database per test (SQLite file, or PostgreSQL when
``LINLI_TEST_DATABASE_URL`` is set) and a clock the test controls."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from core.models import Base
from core.platform.clock import FixedClock
from core.platform.config import Settings
from core.platform.db import create_engine
from core.platform.uow import Database

SHANGHAI = ZoneInfo("Asia/Shanghai")
PG_URL = os.environ.get("LINLI_TEST_DATABASE_URL", "").strip()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that uses the database, so CI can repeat exactly those on PostgreSQL.

    Tests marked ``postgres`` are deselected (not skipped) without LINLI_TEST_DATABASE_URL.
    """
    for item in items:
        if "db" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)
    if not PG_URL:
        needs_postgres = [item for item in items if item.get_closest_marker("postgres")]
        if needs_postgres:
            config.hook.pytest_deselected(items=needs_postgres)
            items[:] = [item for item in items if not item.get_closest_marker("postgres")]


def shanghai(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    """An aware Asia/Shanghai datetime, for readable tests."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.fixture
def clock() -> FixedClock:
    """Monday 2026-11-23, 10:00 in Shanghai: before the cutoff."""
    return FixedClock(shanghai(2026, 11, 23, 10, 0))


@pytest.fixture(scope="session")
def _pg_schema() -> Iterator[str]:
    """Create the schema once per run on PostgreSQL; tests then truncate."""

    async def reset() -> None:
        engine = create_engine(PG_URL)
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.drop_all)
            await conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            await conn.run_sync(Base.metadata.create_all)
        await engine.dispose()

    asyncio.run(reset())
    yield PG_URL


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where this test's database lives."""
    if PG_URL:
        return request.getfixturevalue("_pg_schema")
    return f"sqlite+aiosqlite:///{tmp_path / 'linli-test.sqlite3'}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Default business settings on the test database."""
    return Settings(database_url=database_url)


@pytest.fixture
async def db(settings: Settings, clock: FixedClock) -> AsyncIterator[Database]:
    """An empty, migrated-shape database with the test's clock."""
    engine = create_engine(settings.database_url, pool_size=20)
    async with engine.begin() as conn:
        if PG_URL:
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            await conn.run_sync(Base.metadata.create_all)
    database = Database(engine, settings, clock)
    try:
        yield database
    finally:
        await database.dispose()
