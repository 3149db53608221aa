"""``linli run``: start the Linli process on the configured database."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import click
from sqlalchemy.exc import DBAPIError

from app.cli.common import with_database
from app.runner import run
from core.platform.uow import Database


@click.command("run")
@click.option("--once", is_flag=True, help="Print the start-up report and exit.")
def run_command(once: bool) -> None:
    """Start Linli: report on the city, then run the scheduled jobs until Ctrl-C."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)

    async def main(db: Database) -> None:
        await run(db, click.echo, once=once)

    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
        try:
            with_database(main)
        except DBAPIError:
            raise click.ClickException(
                "the database is not ready: run `linli db upgrade` (and `linli demo`) first"
            ) from None
