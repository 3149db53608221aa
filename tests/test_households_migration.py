"""Upgrading to 0014 puts every customer with an address, and every order, in its household."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from core.platform import migrate
from core.platform.config import normalise_database_url
from tests.test_migrations import POSTGRES, _scratch_postgres_database

NOW = "2026-11-20 10:00:00+00:00"


@pytest.fixture(params=["sqlite", POSTGRES])
def url_at_0013(request, tmp_path):
    """A database migrated to 0013 with a unit, two buildings and customers typed before."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    else:
        generator = _scratch_postgres_database()
        url = next(generator)
        request.addfinalizer(lambda: next(generator, None))
    migrate.upgrade_sync(url, "0013_web_chat_images")
    asyncio.run(_run(url, _OLD_CITY))
    return url


_OLD_CITY = [
    "INSERT INTO units (id, code, name_zh, name_en, area, window_start, window_end, cutoff,"
    " active) VALUES (1, 'jinxiu', '锦绣', 'Jinxiu', '浦东', '18:00:00', '21:00:00',"
    " '15:00:00', true)",
    "INSERT INTO buildings (id, unit_id, label, sort_order) VALUES (1, 1, '12栋', 1),"
    " (2, 1, '3栋', 2)",
    "INSERT INTO customers (id, unit_id, building_id, room, locale, guided, has_elderly,"
    " has_children, has_pregnant, created_at) VALUES"
    f" (1, 1, 1, '1203', 'zh_CN', false, false, false, false, '{NOW}'),"
    f" (2, 1, 1, '12-1203', 'zh_CN', false, false, false, false, '{NOW}'),"
    f" (3, 1, 2, '501', 'zh_CN', false, false, false, false, '{NOW}'),"
    f" (4, 1, NULL, NULL, 'zh_CN', false, false, false, false, '{NOW}')",
]


async def _run(url: str, statements: list[str]) -> list[tuple]:
    engine = create_async_engine(normalise_database_url(url), poolclass=NullPool)
    rows: list[tuple] = []
    try:
        async with engine.begin() as conn:
            for sql in statements:
                result = await conn.execute(text(sql))
                if result.returns_rows:
                    rows += [tuple(row) for row in result]
    finally:
        await engine.dispose()
    return rows


def test_upgrading_backfills_households_from_the_rooms_customers_typed(url_at_0013):
    migrate.upgrade_sync(url_at_0013)

    households = asyncio.run(
        _run(url_at_0013, ["SELECT building_id, room FROM households ORDER BY id"])
    )
    members = asyncio.run(
        _run(url_at_0013, ["SELECT id, household_id, room FROM customers ORDER BY id"])
    )
    assert households == [(1, "1203"), (2, "501")]
    assert members[0][1] == members[1][1] is not None  # 1203 and 12-1203: one household
    assert members[1][2] == "1203"  # and the door card says it the household's way
    assert members[2][1] not in (None, members[0][1])
    assert members[3][1] is None  # no address, no household
    assert migrate.pending_model_changes(url_at_0013) == []
