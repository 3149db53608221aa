"""The ``linli`` command: operators' entry point (click)."""

from __future__ import annotations

import click


@click.group()
def cli() -> None:
    """Linli (邻里): neighbourhood grocery storefront by chat."""
