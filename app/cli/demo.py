"""``linli demo``: a demo city to try Linli with, loaded for today's date in Shanghai."""

from __future__ import annotations

import click

from app.cli.common import settings_or_exit, with_database
from core.demo.loader import DemoSummary, load_demo
from core.platform.clock import local_now
from core.platform.uow import Database


def _summary_lines(summary: DemoSummary, web_address: str = "") -> list[str]:
    """What an operator needs to start trying Linli: units, partners, links, the console."""
    verb = "loaded" if summary.created else "already loaded; today's deals checked"
    lines = [f"demo city {verb}"]
    for unit in summary.units:
        lines.append(f"  unit {unit.code} {unit.name_zh} ({unit.buildings} buildings)")
        if unit.partner_name is not None:
            lines.append(
                f"    partner {unit.partner_name} {unit.partner_phone or ''}"
                f" invite code {unit.invite_code}"
            )
        if unit.customer_link is not None:
            lines.append(f"    customer link: {unit.customer_link}")
        if unit.partner_link is not None:
            lines.append(f"    partner sign-in (once, 24 h): {unit.partner_link}")
    lines += [
        f"  {summary.products} products in {summary.categories} categories,"
        f" {summary.gift_rules} gift rules",
        f"  deals today: {summary.deals_today}",
        f"  promo codes: {', '.join(summary.promo_codes)}",
    ]
    if summary.console_sign_in is not None:
        username, password = summary.console_sign_in
        lines.append(
            f"  HQ console: sign in at {web_address}/admin/login as {username} / {password}"
            " (linli serve)"
        )
    return lines


@click.command("demo")
def demo_command() -> None:
    """Load the demo city (3 units, partners, 1,000+ products, today's deals, promo codes)."""

    async def work(database: Database) -> DemoSummary:
        today = local_now(database.clock, database.settings.tz).date()
        async with database.uow() as uow:
            summary = await load_demo(uow, today)
            await uow.commit()
        return summary

    summary = with_database(work)
    for line in _summary_lines(summary, settings_or_exit().web_address):
        click.echo(line)
