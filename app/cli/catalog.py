"""``linli import-catalog FILE``: HQ's catalog CSV, validated in full before anything changes."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from app.cli.common import with_database
from core.catalog.importer import ImportReport, import_catalog
from core.platform.uow import Database


@click.command("import-catalog")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--progress/--no-progress", default=True, help="Progress bar on a terminal.")
def import_catalog_command(file: Path, progress: bool) -> None:
    """Import products from a UTF-8 CSV; any bad row means nothing is imported."""
    data = file.read_bytes()

    async def work(database: Database) -> ImportReport:
        async with database.uow() as uow:
            report = await import_catalog(uow, data, progress=progress)
            if report.ok:
                await uow.commit()
            return report

    report = with_database(work)
    if not report.ok:
        for error in report.errors:
            click.echo(str(error))
        click.echo(f"{len(report.errors)} problem(s): nothing imported")
        sys.exit(1)
    click.echo(f"created {report.created}, updated {report.updated}")
