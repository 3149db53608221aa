"""``linli admin add``: HQ console accounts with hashed passwords."""

import asyncio

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from app.cli.main import cli
from core.models import HqOperator
from core.people.operators import password_matches
from core.platform.config import Settings
from core.platform.db import create_engine
from core.platform.uow import Database


@pytest.fixture
def url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'admin.sqlite3'}"
    monkeypatch.setenv("LINLI_DATABASE_URL", url)
    assert CliRunner().invoke(cli, ["db", "upgrade"]).exit_code == 0
    return url


def operators(url: str) -> list[HqOperator]:
    async def read() -> list[HqOperator]:
        settings = Settings(database_url=url)
        database = Database(create_engine(settings.database_url), settings)
        try:
            async with database.uow() as uow:
                return list(await uow.session.scalars(select(HqOperator)))
        finally:
            await database.dispose()

    return asyncio.run(read())


def test_admin_add_asks_twice_and_stores_only_an_argon2_hash(url):
    result = CliRunner().invoke(
        cli, ["admin", "add", "Lin.Mei"], input="correct horse\ncorrect horse\n"
    )
    assert result.exit_code == 0, result.output
    assert "HQ operator lin.mei added" in result.output
    assert "correct horse" not in result.output
    [operator] = operators(url)
    assert operator.username == "lin.mei"
    assert operator.password_hash.startswith("$argon2id$")
    assert "correct horse" not in operator.password_hash
    assert password_matches(operator, "correct horse")


def test_admin_add_reads_the_password_from_stdin_for_scripts(url):
    result = CliRunner().invoke(
        cli, ["admin", "add", "ops", "--password-stdin"], input="s3cret-enough\n"
    )
    assert result.exit_code == 0, result.output
    [operator] = operators(url)
    assert password_matches(operator, "s3cret-enough")


def test_the_same_username_twice_is_refused_and_the_first_password_kept(url):
    runner = CliRunner()
    first = runner.invoke(cli, ["admin", "add", "ops", "--password-stdin"], input="first-pass\n")
    assert first.exit_code == 0
    again = runner.invoke(cli, ["admin", "add", "OPS", "--password-stdin"], input="second-pass\n")
    assert again.exit_code == 1
    assert "operator ops exists already" in again.output
    assert "Traceback" not in again.output
    [operator] = operators(url)
    assert password_matches(operator, "first-pass")


def test_a_short_password_is_refused_clearly(url):
    result = CliRunner().invoke(cli, ["admin", "add", "ops", "--password-stdin"], input="short\n")
    assert result.exit_code == 1
    assert "password: at least 8 characters" in result.output
    assert operators(url) == []
