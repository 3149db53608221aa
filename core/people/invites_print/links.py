"""Invite and assisted-order links and their QR codes (segno, error level Q survives a crease).

By default they open the web chat (``LINLI_WEB_URL/c/<payload>``: any phone's browser,
no app needed); ``LINLI_INVITE_CHANNEL=telegram`` keeps the Telegram deep link
(``t.me/<bot>?start=<payload>``). Both run the same ``/start <payload>``.
"""

from __future__ import annotations

import io

import segno

from core.people.invites import invite_link_payload
from core.platform.config import Settings

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


def web_start_link(web_address: str, payload: str) -> str:
    """``<web>/c/<payload>``: the web chat runs ``/start payload`` for the browser."""
    return f"{web_address.rstrip('/')}/c/{payload}"


def start_url(settings: Settings, payload: str) -> str:
    """Where a printed or shared ``/start payload`` link points, per ``LINLI_INVITE_CHANNEL``."""
    if settings.invite_channel == "telegram":
        return start_link(settings.bot_username, payload)
    return web_start_link(settings.web_address, payload)


def invite_url(settings: Settings, invite_code: str) -> str:
    """A partner's personal invite link: the web chat by default, Telegram if configured."""
    return start_url(settings, invite_link_payload(invite_code))


def assist_url(settings: Settings, token: str) -> str:
    """A one-time assisted-order link: the web chat by default, Telegram if configured."""
    return start_url(settings, f"a{token}")


def qr_png(data: str, *, scale: int = QR_SCALE) -> bytes:
    """The QR code of ``data`` as PNG bytes."""
    buffer = io.BytesIO()
    segno.make(data, error="q", micro=False).save(buffer, kind="png", scale=scale, border=QR_BORDER)
    return buffer.getvalue()
