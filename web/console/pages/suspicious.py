"""HQ's suspicious list (as ``linli suspicious``) and rejecting a held new-customer fee."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp_session import get_session

from bot.i18n import Translator
from core.commissions.held import reject
from core.commissions.suspicious import CASH, IDENTITY, ORIGIN, PHONE, SMALL, Suspicion, suspicious
from core.errors import DomainError
from web.console import keys
from web.console.forms import explain, text
from web.console.render import page, page_translator
from web.context import context

log = logging.getLogger("linli.console")
FLASH = "admin_fee_flash"
ERROR = "admin_fee_error"
DEFAULT_DAYS = 7
MAX_DAYS = 366


def N_(message: str) -> str:
    """Mark for extraction; translated on the page."""
    return message


STATUS = {
    "held": N_("held"),
    "released": N_("released"),
    "rejected": N_("rejected"),
    "clawed_back": N_("clawed back"),
}


def why(t: Translator, row: Suspicion) -> str:
    """Why the row is listed, in the operator's language."""
    if row.reason == IDENTITY:
        return t.gettext("One identity created %(num)d households on %(day)s") % {
            "num": row.count,
            "day": row.day,
        }
    if row.reason == ORIGIN:
        return t.gettext("%(num)d households created from one address on %(day)s") % {
            "num": row.count,
            "day": row.day,
        }
    if row.reason == PHONE:
        return t.gettext("Phone %(phone)s is on %(num)d households") % {
            "phone": row.key,
            "num": row.count,
        }
    if row.reason == SMALL:
        return t.gettext("First order of only %(amount)s earned the new-customer fee") % {
            "amount": t.money(row.amount_fen or 0)
        }
    if row.reason == CASH:
        return t.gettext("Every order of this household was marked paid in cash by the partner")
    return row.reason


def _days(request: web.Request) -> int:
    """The window asked for (default a week)."""
    raw = request.query.get("days", "").strip()
    return min(int(raw), MAX_DAYS) if raw.isdigit() and int(raw) > 0 else DEFAULT_DAYS


async def suspicious_page(request: web.Request) -> web.Response:
    """Every listed household, why, and its fee with a reject form while it is held."""
    db = context(request).db
    days = _days(request)
    async with db.uow() as uow:
        rows = await suspicious(uow, days=days)
    t = await page_translator(request)
    session = await get_session(request)
    return await page(
        request,
        "suspicious.html",
        days=days,
        rows=[(row, why(t, row)) for row in rows],
        statuses={key: t.gettext(label) for key, label in STATUS.items()},
        flash=session.pop(FLASH, None),
        error=session.pop(ERROR, None),
    )


async def reject_fee(request: web.Request) -> web.StreamResponse:
    """Reject the held fee in the URL with the form's reason; back to the list."""
    form = await request.post()
    db = context(request).db
    entry_id = int(request.match_info["id"])
    session = await get_session(request)
    try:
        async with db.uow() as uow:
            await reject(uow, entry_id, text(form, "reason"))
            await uow.commit()
    except DomainError as refusal:
        session[ERROR] = explain(await page_translator(request), refusal)
    else:
        log.info("HQ %s rejected held fee %s", request[keys.OPERATOR], entry_id)
        session[FLASH] = entry_id
    back = text(form, "days")
    raise web.HTTPSeeOther(
        f"{keys.PREFIX}/suspicious" + (f"?days={back}" if back.isdigit() else "")
    )


def routes(app: web.Application) -> None:
    """Add the suspicious list and the reject action."""
    app.router.add_get("/suspicious", suspicious_page, name="suspicious")
    app.router.add_post(r"/fees/{id:\d+}/reject", reject_fee)
