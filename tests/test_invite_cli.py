"""``linli partner letter`` and ``linli leaflet``: HQ sets the letter and prints the leaflet."""

from __future__ import annotations

import asyncio

import pypdf
import pytest
from click.testing import CliRunner

from app.cli.main import cli
from core.platform.config import Settings
from core.platform.db import create_engine
from core.platform.uow import Database
from tests.factories import make_unit_with_partner


@pytest.fixture
def runner(tmp_path, monkeypatch, clock):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("LINLI_DATABASE_URL", url)
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0

    async def story() -> None:
        settings = Settings(database_url=url)
        database = Database(create_engine(settings.database_url), settings, clock)
        try:
            await make_unit_with_partner(database)
        finally:
            await database.dispose()

    asyncio.run(story())
    return runner


def test_hq_sets_the_letter_and_the_printed_leaflet_carries_it(runner, tmp_path):
    letter = runner.invoke(cli, ["partner", "letter", "--unit", "jinxiu", "--text", "邻居好！"])
    assert letter.exit_code == 0, letter.output
    out = tmp_path / "leaflet.pdf"

    result = runner.invoke(cli, ["leaflet", "--unit", "jinxiu", "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert "邻居好！" in pypdf.PdfReader(out).pages[0].extract_text()


def test_an_empty_letter_or_an_unknown_unit_is_a_clean_error(runner, tmp_path):
    empty = runner.invoke(cli, ["partner", "letter", "--unit", "jinxiu", "--text", "  "])
    unknown = runner.invoke(cli, ["leaflet", "--unit", "nowhere", "--out", str(tmp_path / "x")])

    assert empty.exit_code != 0 and "1 to 600 characters" in empty.output
    assert unknown.exit_code != 0 and "Traceback" not in unknown.output
    assert not (tmp_path / "x").exists()
