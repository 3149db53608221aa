"""Commission statements per partner and month, as ``linli statement`` (CSV download too)."""

from __future__ import annotations

import io

from aiohttp import web
from sqlalchemy import select

from core.commissions.statements import MONTH_FORMAT, statements_for, totals_by_kind, write_csv
from core.errors import DomainError
from core.models import Unit
from core.models.commissions import (
    CLAWBACK_DELIVERY,
    CLAWBACK_NEW_CUSTOMER,
    DELIVERY,
    NEW_CUSTOMER,
    NEW_CUSTOMER_HELD,
    NEW_CUSTOMER_REJECTED,
    NEW_CUSTOMER_RELEASED,
)
from core.platform.clock import local_now
from web.console.forms import explain
from web.console.render import page, page_translator
from web.context import context


def N_(message: str) -> str:
    """Mark for extraction; translated on the page."""
    return message


KINDS = {
    NEW_CUSTOMER: N_("New customer (paid at once)"),
    DELIVERY: N_("Delivery"),
    CLAWBACK_NEW_CUSTOMER: N_("New-customer fee clawed back"),
    CLAWBACK_DELIVERY: N_("Delivery fee clawed back"),
    NEW_CUSTOMER_HELD: N_("New-customer fee held"),
    NEW_CUSTOMER_RELEASED: N_("New-customer fee released"),
    NEW_CUSTOMER_REJECTED: N_("New-customer fee rejected by HQ"),
}


async def kind_labels(request: web.Request) -> dict[str, str]:
    """Each ledger kind as the operator's language says it."""
    t = await page_translator(request)
    return {kind: t.gettext(label) for kind, label in KINDS.items()}


def _choice(request: web.Request) -> tuple[str, str | None]:
    """The month (this month by default) and unit code asked for."""
    db = context(request).db
    month = request.query.get("month", "").strip()
    if not MONTH_FORMAT.fullmatch(month):
        month = f"{local_now(db.clock, db.settings.tz):%Y-%m}"
    return month, request.query.get("unit", "").strip() or None


async def statements_page(request: web.Request) -> web.Response:
    """Each partner's opening balance, entries and closing balance for the month."""
    db = context(request).db
    month, unit_code = _choice(request)
    error = None
    async with db.uow() as uow:
        units = list(await uow.session.scalars(select(Unit).order_by(Unit.code)))
        try:
            statements = await statements_for(uow, month, unit_code)
        except DomainError as refusal:
            statements, error = [], explain(await page_translator(request), refusal)
    return await page(
        request,
        "statements.html",
        month=month,
        unit_code=unit_code or "",
        units=units,
        statements=[(item, totals_by_kind(item.lines)) for item in statements],
        kind_labels=await kind_labels(request),
        error=error,
    )


async def statements_csv(request: web.Request) -> web.Response:
    """The same statements as the CLI's --csv file."""
    db = context(request).db
    month, unit_code = _choice(request)
    async with db.uow() as uow:
        try:
            statements = await statements_for(uow, month, unit_code)
        except DomainError:
            raise web.HTTPNotFound() from None
    out = io.StringIO()
    write_csv(statements, out)
    name = f"statements-{month}" + (f"-{unit_code}" if unit_code else "") + ".csv"
    return web.Response(
        body=out.getvalue().encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def routes(app: web.Application) -> None:
    """Add the statement pages."""
    app.router.add_get("/statements", statements_page, name="statements")
    app.router.add_get("/statements.csv", statements_csv)
