"""``linli admin add USERNAME``: an HQ console account (the password is asked, never echoed)."""

from __future__ import annotations

import sys

import click

from app.cli.common import with_database
from core.errors import InvalidInput
from core.models import HqOperator
from core.people.operators import add_operator
from core.platform.uow import Database


@click.group("admin")
def admin_group() -> None:
    """HQ console accounts (sign in at /admin of linli serve)."""


@admin_group.command("add")
@click.argument("username")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input (for scripts).",
)
def add_admin(username: str, password_stdin: bool) -> None:
    """Create an HQ operator who can sign in to the console."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def work(database: Database) -> HqOperator:
        async with database.uow() as uow:
            try:
                operator = await add_operator(uow, username, password)
            except InvalidInput as refusal:
                raise click.ClickException(f"{refusal.field}: {refusal.reason}") from None
            await uow.commit()
        return operator

    operator = with_database(work)
    click.echo(f"HQ operator {operator.username} added: sign in at /admin/login")
