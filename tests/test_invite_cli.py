"""``linli partner letter`` and ``linli leaflet``: HQ sets the letter and prints the leaflet."""

from __future__ import annotations

import pypdf
import pytest

from app.cli.main import cli
from core.platform.uow import Database
from tests.cli_support import migrated_cli
from tests.factories import make_unit_with_partner


@pytest.fixture
def runner(tmp_path, monkeypatch, clock):
    async def story(db: Database) -> None:
        await make_unit_with_partner(db)

    return migrated_cli(tmp_path, monkeypatch, clock, story)


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
