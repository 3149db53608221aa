"""``linli db``: bring the schema to the current migrations, or write the next migration."""

from __future__ import annotations

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from app.cli.common import settings_or_exit
from core.platform import migrate


def safe_url(url: str) -> str:
    """The database URL as it may be printed: never with its password."""
    return make_url(url).render_as_string(hide_password=True)


@click.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command()
def upgrade() -> None:
    """Apply every pending migration to the database in LINLI_DATABASE_URL."""
    settings = settings_or_exit()
    where = safe_url(settings.database_url)
    try:
        migrate.upgrade_sync(settings.database_url)
    except (SQLAlchemyError, OSError) as exc:
        raise click.ClickException(f"cannot upgrade database at {where}: {exc}") from None
    click.echo(f"database at {where} is at head")


@db.command()
@click.argument("message")
def revision(message: str) -> None:
    """Write the next migration from the models (for developers; review it before committing).

    Autogenerates against a scratch SQLite database at head, so it needs no server.
    """
    script = migrate.new_revision(message)
    if script is None:
        click.echo("the models match the migrations: no revision written")
        return
    click.echo(f"wrote {script.path}: review it, then run 'linli db upgrade'")
