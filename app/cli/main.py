"""The ``linli`` command: operators' entry point (click)."""

from __future__ import annotations

import click

from app.cli.admin import admin_group
from app.cli.bot import bot_command
from app.cli.broadcast import broadcast_command
from app.cli.catalog import import_catalog_command
from app.cli.db import db
from app.cli.demo import demo_command
from app.cli.fees import fee_group, suspicious_command
from app.cli.invite import leaflet_command, letter_command
from app.cli.report import report_command
from app.cli.run import run_command
from app.cli.serve import serve_command
from app.cli.statement import statement_command
from app.cli.units import partner_group, unit_group


@click.group()
def cli() -> None:
    """Linli (邻里): neighbourhood grocery storefront by chat."""


cli.add_command(db)
cli.add_command(import_catalog_command)
cli.add_command(demo_command)
cli.add_command(unit_group)
cli.add_command(partner_group)
cli.add_command(run_command)
cli.add_command(bot_command)
cli.add_command(serve_command)
cli.add_command(statement_command)
cli.add_command(report_command)
cli.add_command(leaflet_command)
cli.add_command(broadcast_command)
cli.add_command(admin_group)
cli.add_command(fee_group)
cli.add_command(suspicious_command)
partner_group.add_command(letter_command)
