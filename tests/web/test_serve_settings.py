"""``linli serve``'s settings: a wrong one stops it at start, naming the variable."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from app.cli.main import cli
from core.platform.config import load_settings

WRONG = [
    ("LINLI_HTTP_PORT", "70000"),
    ("LINLI_HTTP_PORT", "80.5"),
    ("LINLI_HTTP_HOST", ""),
    ("LINLI_WEBHOOK_URL", "http://linli.example.com/telegram/hook"),
    ("LINLI_WEBHOOK_SECRET", "has spaces and ünïcode"),
    ("LINLI_WEBHOOK_QUEUE_LIMIT", "0"),
    ("LINLI_LOG_FORMAT", "xml"),
]


@pytest.mark.parametrize(("variable", "value"), WRONG)
def test_a_wrong_serve_setting_stops_linli_serve_naming_the_variable(tmp_path, variable, value):
    database = tmp_path / "never-created.sqlite3"
    env = {"LINLI_DATABASE_URL": f"sqlite:///{database}", variable: value}

    result = CliRunner().invoke(cli, ["serve"], env=env)

    assert result.exit_code != 0
    assert variable in result.output
    assert "Traceback" not in result.output
    assert not database.exists()


def test_serve_settings_default_to_a_local_server_polling_telegram_in_text_logs(monkeypatch):
    for name in ("HTTP_HOST", "HTTP_PORT", "WEBHOOK_URL", "WEBHOOK_SECRET", "LOG_FORMAT"):
        monkeypatch.delenv(f"LINLI_{name}", raising=False)
    settings = load_settings()

    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 8080)
    assert settings.webhook_url is None and settings.webhook_secret is None
    assert settings.webhook_queue_limit == 1000
    assert settings.log_format == "text"


def test_a_webhook_secret_is_kept_out_of_the_settings_repr(monkeypatch):
    monkeypatch.setenv("LINLI_WEBHOOK_SECRET", "do-not-print-me")

    assert "do-not-print-me" not in repr(load_settings())
