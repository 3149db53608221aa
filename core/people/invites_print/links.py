"""Deep links into the bot and their QR codes (segno, error level Q survives a crease)."""

from __future__ import annotations

import io

import segno

from core.people.invites import invite_link_payload

QR_SCALE = 10  # pixels per module: sharp on a phone screen and on paper
QR_BORDER = 4  # the quiet zone the QR standard asks for


def start_link(bot_username: str, payload: str) -> str:
    """``https://t.me/<bot>?start=<payload>``: opens the bot and sends ``/start payload``."""
    return f"https://t.me/{bot_username}?start={payload}"


def invite_link(bot_username: str, invite_code: str) -> str:
    """A partner's personal link: whoever opens it joins their unit, credited to them."""
    return start_link(bot_username, invite_link_payload(invite_code))


def assist_link(bot_username: str, token: str) -> str:
    """A one-time assisted link (``/start a<token>``, redeemed by guided mode)."""
    return start_link(bot_username, f"a{token}")


def qr_png(data: str, *, scale: int = QR_SCALE) -> bytes:
    """The QR code of ``data`` as PNG bytes."""
    buffer = io.BytesIO()
    segno.make(data, error="q", micro=False).save(buffer, kind="png", scale=scale, border=QR_BORDER)
    return buffer.getvalue()
