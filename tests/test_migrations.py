"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL.

PostgreSQL runs get a scratch database of their own next to LINLI_TEST_DATABASE_URL's,
so the shared test database's schema is never touched.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.cli.main import cli
from core.models import Base
from core.platform import migrate
from core.platform.config import normalise_database_url

PG_URL = os.environ.get("LINLI_TEST_DATABASE_URL", "").strip()
POSTGRES = pytest.param("postgres", marks=[pytest.mark.db, pytest.mark.postgres])


async def _on_server(sql: str) -> None:
    """Run one statement outside a transaction on LINLI_TEST_DATABASE_URL's server."""
    engine = create_async_engine(
        normalise_database_url(PG_URL), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


def _scratch_postgres_database() -> Iterator[str]:
    """A freshly created, empty database on the test server, dropped afterwards."""
    name = f"linli_mig_{secrets.token_hex(6)}"
    asyncio.run(_on_server(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(normalise_database_url(PG_URL)).set(database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        asyncio.run(_on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", POSTGRES])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a new SQLite file, or a scratch PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    else:
        yield from _scratch_postgres_database()


def linli_db_upgrade(url: str) -> Result:
    """``linli db upgrade`` as an operator runs it, with LINLI_DATABASE_URL set."""
    return CliRunner().invoke(cli, ["db", "upgrade"], env={"LINLI_DATABASE_URL": url})


def table_names(url: str) -> set[str]:
    """Every table in the database at ``url``."""

    async def read() -> set[str]:
        engine = create_async_engine(normalise_database_url(url), poolclass=NullPool)
        try:
            async with engine.connect() as conn:
                return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_linli_db_upgrade_creates_every_table_of_the_models(empty_database_url):
    result = linli_db_upgrade(empty_database_url)

    assert result.exit_code == 0, result.output
    assert "is at head" in result.output
    assert set(Base.metadata.tables) <= table_names(empty_database_url)
    assert "alembic_version" in table_names(empty_database_url)


def test_after_upgrade_the_models_match_the_migrations(empty_database_url):
    assert linli_db_upgrade(empty_database_url).exit_code == 0

    assert migrate.pending_model_changes(empty_database_url) == []


def test_upgrading_a_database_already_at_head_changes_nothing(empty_database_url):
    assert linli_db_upgrade(empty_database_url).exit_code == 0

    again = linli_db_upgrade(empty_database_url)

    assert again.exit_code == 0, again.output
    assert migrate.pending_model_changes(empty_database_url) == []


def test_downgrade_to_base_removes_every_table_and_upgrade_rebuilds_them(empty_database_url):
    migrate.upgrade_sync(empty_database_url)

    asyncio.run(migrate.downgrade(empty_database_url, "base"))
    assert table_names(empty_database_url) <= {"alembic_version"}

    migrate.upgrade_sync(empty_database_url)
    assert set(Base.metadata.tables) <= table_names(empty_database_url)


def test_the_printed_database_url_never_shows_the_password(tmp_path):
    result = linli_db_upgrade("postgresql://linli:hunter2@127.0.0.1:1/linli")

    assert result.exit_code != 0
    assert "hunter2" not in result.output
    assert "127.0.0.1:1/linli" in result.output


def test_migrations_do_not_import_the_application_models():
    for script in (migrate.MIGRATIONS_DIR / "versions").glob("[0-9]*.py"):
        source = script.read_text(encoding="utf-8")
        assert "from core" not in source, script.name
        assert "import core" not in source, script.name


def test_the_next_revision_is_numbered_after_the_last_one():
    existing = [p.name for p in (migrate.MIGRATIONS_DIR / "versions").glob("[0-9]*.py")]
    last = max(int(name[:4]) for name in existing)

    assert migrate.next_revision_id("Add the outbox table!") == (
        f"{last + 1:04d}_add_the_outbox_table"
    )
    assert len(migrate.next_revision_id("x" * 80)) <= migrate.REVISION_ID_MAX
