"""The command-line tests' database: a migrated SQLite file that a story fills first."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli.main import cli
from core.platform.clock import Clock
from core.platform.config import Settings
from core.platform.db import create_engine
from core.platform.uow import Database


def migrated_cli(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    clock: Clock,
    story: Callable[[Database], Awaitable[object]],
) -> CliRunner:
    """A runner for ``linli`` on a migrated SQLite database (``LINLI_DATABASE_URL``) that
    ``story`` has filled."""
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("LINLI_DATABASE_URL", url)
    runner = CliRunner()
    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output

    async def fill() -> None:
        settings = Settings(database_url=url)
        database = Database(create_engine(settings.database_url), settings, clock)
        try:
            await story(database)
        finally:
            await database.dispose()

    asyncio.run(fill())
    return runner
