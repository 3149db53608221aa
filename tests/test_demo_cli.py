import io

import pytest
import zxingcpp
from click.testing import CliRunner
from PIL import Image

from app.cli.main import cli
from core.people.units import split_buildings


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.setenv("LINLI_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    runner = CliRunner()
    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    return runner


def test_demo_prints_units_partners_invite_codes_and_promo_codes(runner):
    result = runner.invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "demo city loaded"
    assert "  unit jinxiu 锦绣花园 (18 buildings)" in lines
    assert sum("invite code" in line for line in lines) == 3
    assert any(line.startswith("  deals today: ") for line in lines)
    assert "  promo codes: COKE01, NEW20, ELDER5, KIDS10, MOM8" in lines
    assert (
        "  HQ console: sign in at http://127.0.0.1:8080/admin/login as hq / linli-demo"
        " (linli serve)" in lines
    )
    customer = [line for line in lines if line.startswith("    customer link: ")]
    partner = [line for line in lines if line.startswith("    partner sign-in (once, 24 h): ")]
    assert len(customer) == len(partner) == 3
    assert all("http://127.0.0.1:8080/c/i" in line for line in customer)  # the web chat
    assert all("http://127.0.0.1:8080/p/" in line for line in partner)
    again = runner.invoke(cli, ["demo"])
    assert again.exit_code == 0
    assert again.output.splitlines()[0] == "demo city already loaded; today's deals checked"

    def stable(output_lines: list[str]) -> list[str]:
        return [line for line in output_lines if "partner sign-in" not in line]

    assert stable(again.output.splitlines()[1:]) == stable(lines[1:])  # fresh sign-in links
    assert not set(again.output.splitlines()) & set(partner)


def test_unit_add_then_partner_add_prints_the_invite_code(runner):
    result = runner.invoke(
        cli,
        ["unit", "add", "--code", "meili", "--name-zh", "美丽家园", "--name-en", "Meili Home",
         "--area", "静安区", "--buildings", "1栋，2栋, 3栋"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "unit meili 美丽家园 created with 3 buildings"
    result = runner.invoke(
        cli, ["partner", "add", "--unit", "meili", "--name", "赵敏", "--telegram-id", "4242"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("partner 赵敏 of unit meili: invite code ")
    second = runner.invoke(cli, ["partner", "add", "--unit", "meili", "--name", "钱多多"])
    assert second.exit_code == 1
    assert "unit_has_active_partner" in second.output
    replaced = runner.invoke(
        cli, ["partner", "add", "--unit", "meili", "--name", "钱多多", "--replace"]
    )
    assert replaced.exit_code == 0, replaced.output


def test_partner_add_for_an_unknown_unit_fails_cleanly(runner):
    result = runner.invoke(cli, ["partner", "add", "--unit", "nowhere", "--name", "某人"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_building_lists_accept_ascii_and_chinese_commas():
    assert split_buildings("1栋,2栋，3栋、 4栋 ,,") == ["1栋", "2栋", "3栋", "4栋"]


def test_partner_link_prints_a_one_time_web_sign_in_link_and_its_qr(runner, tmp_path):
    assert runner.invoke(cli, ["demo"]).exit_code == 0
    out = tmp_path / "signin.png"
    result = runner.invoke(cli, ["partner", "link", "--unit", "jinxiu", "--qr", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "sign-in link for 王秀英 (jinxiu), once, within 24 hours:"
    assert lines[1].startswith("http://127.0.0.1:8080/p/")
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(out.read_bytes())))
    assert [code.text for code in found] == [lines[1]]
    unknown = runner.invoke(cli, ["partner", "link", "--unit", "nowhere"])
    assert unknown.exit_code != 0
