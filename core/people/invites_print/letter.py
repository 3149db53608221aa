"""The partner's "letter to customers": checked, stored, shown on the leaflet."""

from __future__ import annotations

from core.errors import InvalidInput, NotFound
from core.models import Partner
from core.platform.uow import UnitOfWork

MAX_LETTER = 600  # characters: what fits the leaflet beside the QR code and selling points


def clean_letter(text: str) -> str:
    """The letter as stored: trimmed; empty or longer than ``MAX_LETTER`` is refused."""
    letter = (text or "").strip()
    if not letter:
        raise InvalidInput(field="letter", reason="empty")
    if len(letter) > MAX_LETTER:
        raise InvalidInput(field="letter", reason="too_long")
    return letter


async def set_letter(uow: UnitOfWork, partner_id: int, text: str) -> Partner:
    """Replace an active partner's letter (the leaflet shows it from now on)."""
    letter = clean_letter(text)
    partner = await uow.session.get(Partner, partner_id)
    if partner is None or not partner.active:
        raise NotFound(what="partner", key=partner_id)
    partner.letter_zh = letter
    await uow.session.flush()
    return partner
