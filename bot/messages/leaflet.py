"""The leaflet's words in Chinese: the partner's letter (or a default), selling points, promotion.

Used by the cockpit's Invite screen and ``linli leaflet``; rendering is in
``core.people.invites_print.leaflet``.
"""

from __future__ import annotations

from bot.i18n import Translator, translator
from core.models import Partner, Promotion, Unit
from core.people.invites_print.leaflet import LeafletText, leaflet_pdf
from core.people.invites_print.links import invite_url
from core.people.invites_print.promotion import next_promotion
from core.platform.uow import UnitOfWork

LEAFLET_LOCALE = "zh_CN"  # leaflets go on notice boards and doors of a Chinese building


def _(message: str) -> str:
    """Mark for extraction; translated when the leaflet is drawn."""
    return message


DEFAULT_LETTER = _(
    "Dear neighbours, I am {name}, your neighbour here in {unit}. From now on I bring "
    "groceries to your door every evening. Order in the chat with a few taps; if you "
    "have a question, just write to me there. I look forward to meeting you!"
)
SELLING_POINTS = (
    _("Deals zone: hundreds of products at crazy prices, every day"),
    _("Heavy goods (rice, oil, water) carried to your door"),
    _("Prices 5–10% below the supermarket, and you see the saving"),
    _("Order before {cutoff}, delivered tonight between {start} and {end}"),
)


def letter_of(partner: Partner, unit: Unit, t: Translator) -> str:
    """The partner's own letter, or the default one signed with their name."""
    if partner.letter_zh:
        return partner.letter_zh
    return t.gettext(DEFAULT_LETTER).format(name=partner.name, unit=unit.name_zh)


def promotion_line(promotion: Promotion | None, t: Translator) -> str | None:
    """ "Now on: …" with the end date when it has one."""
    if promotion is None:
        return None
    if promotion.valid_until is None:
        return t.gettext("Now on: {name}").format(name=promotion.name_zh)
    return t.gettext("Now on: {name} (until {day})").format(
        name=promotion.name_zh, day=t.date(promotion.valid_until)
    )


async def leaflet_text(uow: UnitOfWork, partner: Partner, unit: Unit) -> LeafletText:
    """Everything the partner's leaflet says, with their link and the next promotion."""
    t = translator(LEAFLET_LOCALE)
    settings = uow.settings
    points = [t.gettext(point) for point in SELLING_POINTS]
    points[-1] = points[-1].format(
        cutoff=t.time(unit.cutoff), start=t.time(unit.window_start), end=t.time(unit.window_end)
    )
    promotion = await next_promotion(uow, unit.id, uow.clock.now())
    return LeafletText(
        title=t.gettext("Linli · {unit}: groceries from your neighbour").format(unit=unit.name_zh),
        letter=letter_of(partner, unit, t),
        signature=t.gettext("— {name}, your Linli partner").format(name=partner.name),
        selling_points=tuple(points),
        promotion=promotion_line(promotion, t),
        scan_hint=t.gettext("Scan with your phone to open Linli"),
        link=invite_url(settings, partner.invite_code),
    )


async def leaflet_for(uow: UnitOfWork, partner: Partner, unit: Unit) -> bytes:
    """The partner's printable leaflet as PDF bytes."""
    return leaflet_pdf(await leaflet_text(uow, partner, unit))
