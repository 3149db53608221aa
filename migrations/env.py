"""Alembic environment (async): core.platform.migrate builds the Config, this runs the scripts.

The database URL is the Config's ``sqlalchemy.url``, else ``LINLI_DATABASE_URL`` via
``core.platform.config.load_settings``. When core.platform.migrate hands over an open connection in
``config.attributes["connection"]``, the scripts run on it, inside its transaction.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from core.models import Base
from core.platform.config import load_settings
from core.platform.migrate import context_options, migration_engine

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    """The URL the Config names, else the configured ``LINLI_DATABASE_URL``."""
    return config.get_main_option("sqlalchemy.url") or load_settings().database_url


def check_foreign_keys(connection: Connection) -> None:
    """SQLite ran with foreign keys off; refuse to commit a migration that broke one."""
    broken = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
    if broken:
        raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:5]}")


def run_migrations_offline() -> None:
    """Emit SQL instead of running it (``alembic upgrade --sql``)."""
    context.configure(
        url=database_url(),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **context_options(),
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    """Run the pending scripts on ``connection``."""
    context.configure(connection=connection, **context_options())
    with context.begin_transaction():
        context.run_migrations()
        if connection.dialect.name == "sqlite":
            check_foreign_keys(connection)


async def run_async_migrations() -> None:
    """Open our own connection to the configured database and migrate it."""
    engine = migration_engine(database_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    """Use the caller's connection when given one, else our own event loop and engine."""
    connection = config.attributes.get("connection")
    if connection is None:
        asyncio.run(run_async_migrations())
    else:
        do_run_migrations(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
