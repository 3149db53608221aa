"""Customer-value reports per unit: the groups, the weekly chart (PNG) and the CSV, from
core.partners.reports exactly as ``linli report`` makes them."""

from __future__ import annotations

import asyncio
import datetime as dt

from aiohttp import web
from sqlalchemy import select

from bot.i18n import N_, Translator, translator
from core.errors import DomainError
from core.models import Unit
from core.partners.reports.chart import weekly_chart_png
from core.partners.reports.export import report_csv
from core.partners.reports.value import Standing, ValueReport, value_report
from core.people.units import unit_by_code
from web.console.render import page, page_translator
from web.context import context

GROUP_NAMES = {
    Standing.HIGH_VALUE: N_("High value"),
    Standing.POTENTIAL: N_("Potential"),
    Standing.LOST: N_("Lost"),
    Standing.REGULAR: N_("Regular"),
    Standing.NEW: N_("New"),
}


def group_labels(t: Translator) -> dict[str, str]:
    """The chart's series names in the operator's language."""
    labels = {standing.value: t.gettext(name) for standing, name in GROUP_NAMES.items()}
    return {"orders": t.gettext("Orders delivered"), "customers": t.gettext("Customers"), **labels}


def _as_of(request: web.Request) -> dt.date | None:
    """The report's day from ?as_of=YYYY-MM-DD (None: today)."""
    try:
        return dt.date.fromisoformat(request.query.get("as_of", "").strip())
    except ValueError:
        return None


async def _report(request: web.Request, code: str) -> tuple[Unit, ValueReport]:
    """The unit's report on the asked day, or 404 for an unknown unit."""
    async with context(request).db.uow() as uow:
        try:
            unit = await unit_by_code(uow, code)
        except DomainError:
            raise web.HTTPNotFound() from None
        return unit, await value_report(uow, unit.id, as_of=_as_of(request))


async def reports_page(request: web.Request) -> web.Response:
    """Pick a unit; with one picked, its groups, changes, top customers and chart."""
    db = context(request).db
    async with db.uow() as uow:
        units = list(await uow.session.scalars(select(Unit).order_by(Unit.code)))
    code = request.query.get("unit", "").strip() or (units[0].code if units else "")
    found = await _report(request, code) if code else None
    t = await page_translator(request)
    return await page(
        request,
        "reports.html",
        units=units,
        code=code,
        found=found,
        standings=list(Standing),
        labels={s: t.gettext(name) for s, name in GROUP_NAMES.items()},
        as_of=request.query.get("as_of", ""),
    )


async def chart(request: web.Request) -> web.Response:
    """The weekly chart as PNG (drawn off the event loop: matplotlib takes a while)."""
    unit, report = await _report(request, request.match_info["code"])
    t = translator(request.query.get("lang") or (await page_translator(request)).locale)
    title = t.gettext("%(unit)s: orders per week and customers per group") % {
        "unit": unit.name_zh if t.locale == "zh_CN" else unit.name_en
    }
    png = await asyncio.to_thread(weekly_chart_png, report, title=title, labels=group_labels(t))
    return web.Response(body=png, content_type="image/png", headers={"Cache-Control": "no-store"})


async def csv_download(request: web.Request) -> web.Response:
    """Every customer of the report, as the CLI's --csv (UTF-8 with BOM, for Excel)."""
    unit, report = await _report(request, request.match_info["code"])
    return web.Response(
        body=report_csv(report),
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="report-{unit.code}-{report.as_of}.csv"'
        },
    )


def routes(app: web.Application) -> None:
    """Add the report pages."""
    app.router.add_get("/reports", reports_page, name="reports")
    app.router.add_get("/reports/{code}/chart.png", chart)
    app.router.add_get("/reports/{code}.csv", csv_download)
