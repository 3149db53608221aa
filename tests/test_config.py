"""A wrong LINLI_* setting stops Linli at start with the variable's name, never a traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from app.cli.main import cli
from core.platform.config import ConfigError, load_settings

WRONG_SETTINGS = [
    ("LINLI_SHIPPING_FEE_FEN", "abc"),
    ("LINLI_SHIPPING_FEE_FEN", "-1"),
    ("LINLI_FREE_SHIPPING_THRESHOLD_FEN", "89.00"),
    ("LINLI_NEW_CUSTOMER_FEE_FEN", "20.00"),
    ("LINLI_DELIVERY_FEE_FEN", "-300"),
    ("LINLI_TIMEZONE", "Mars/Base"),
    ("LINLI_CUTOFF", "25:00"),
    ("LINLI_WINDOW_START", "22:00"),
    ("LINLI_DEFAULT_LOCALE", "fr"),
    ("LINLI_CRATE_OVERDUE_DAYS", "0"),
    ("LINLI_ITEMS_PER_CRATE", "many"),
    ("LINLI_DATABASE_URL", "mysql://shop@localhost/linli"),
]


@pytest.mark.parametrize(("variable", "value"), WRONG_SETTINGS)
def test_a_wrong_setting_stops_linli_db_upgrade_naming_the_variable(tmp_path, variable, value):
    database = tmp_path / "never-created.sqlite3"
    env = {"LINLI_DATABASE_URL": f"sqlite:///{database}", variable: value}

    result = CliRunner().invoke(cli, ["db", "upgrade"], env=env)

    assert result.exit_code != 0
    assert isinstance(result.exception, SystemExit), result.exception
    assert variable in result.output
    assert "Traceback" not in result.output
    assert not database.exists()


@pytest.mark.parametrize(("variable", "value"), WRONG_SETTINGS)
def test_load_settings_raises_a_config_error_naming_the_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigError, match=variable):
        load_settings()


def test_plain_database_urls_get_the_async_driver(monkeypatch):
    monkeypatch.setenv("LINLI_DATABASE_URL", "postgresql://linli@db.example/linli")

    assert load_settings().database_url == "postgresql+asyncpg://linli@db.example/linli"


def test_defaults_follow_the_product_rules(monkeypatch):
    for name in (
        "SHIPPING_FEE_FEN",
        "FREE_SHIPPING_THRESHOLD_FEN",
        "NEW_CUSTOMER_FEE_FEN",
        "DELIVERY_FEE_FEN",
        "CUTOFF",
        "TIMEZONE",
    ):
        monkeypatch.delenv(f"LINLI_{name}", raising=False)

    settings = load_settings()

    assert settings.shipping_fee_fen == 300
    assert settings.free_shipping_threshold_fen == 8900
    assert settings.new_customer_fee_fen == 2000
    assert settings.delivery_fee_fen == 300
    assert settings.cutoff.hour == 15
    assert settings.timezone == "Asia/Shanghai"
