"""A notice as a household reads it: the kind's heading in their language, the text, a stop button.

Core (``core.messaging.notices.schedule_notice``) takes ``notice_renderer(key)`` and calls it once
per notice; the result renders each recipient's copy when the outbox rows are written,
so the sender only copies bytes. The partner's preview uses ``notice_text`` too: what
they see is exactly what a customer reads.
"""

from __future__ import annotations

from babel.numbers import format_decimal

from bot.flows.customer.broadcast_stop import with_stop_button
from bot.i18n import N_, Translator, translator
from core.messaging.notices import Render, RenderFor
from core.messaging.outbox.enqueue import CATEGORY_OF_KIND, Recipient, RenderedMessage

HEADINGS = {
    "outage": N_("⚠️ Outage notice"),
    "event": N_("🎉 Neighbourhood event"),
    "advice": N_("💡 Seasonal advice"),
    "promotion": N_("🏷️ Special offer"),
    "letter": N_("✉️ A letter from your partner"),
}
# HQ writes city-wide (``linli broadcast``): its letters are Linli's, not a partner's.
HQ_HEADINGS = HEADINGS | {"letter": N_("✉️ A letter from Linli")}


NOBODY = N_(
    "⚠️ This would reach nobody: no household in this audience can receive it "
    "(none has chatted with us yet, or all of them turned these messages off). "
    "Choose another audience."
)


def reach_text(t: Translator, web: int, telegram: int) -> str:
    """ "120 households: 80 on the web, 40 on Telegram", in the reader's language."""
    total = web + telegram

    def n(value: int) -> str:
        return format_decimal(value, locale=t.babel_locale)

    return t.ngettext(
        "{num} household: {web} on the web, {telegram} on Telegram",
        "{num} households: {web} on the web, {telegram} on Telegram",
        total,
    ).format(num=n(total), web=n(web), telegram=n(telegram))


def notice_text(locale: str | None, kind: str, text: str, *, hq: bool = False) -> str:
    """ "⚠️ 停水停电通知" + a blank line + the sender's words (never translated)."""
    heading = translator(locale).gettext((HQ_HEADINGS if hq else HEADINGS)[kind])
    return f"{heading}\n\n{text}"


def notice_renderer(key: bytes, *, hq: bool = False) -> RenderFor:
    """(kind, text, photo) → every recipient's copy, with the stop button signed for them."""

    def for_notice(kind: str, text: str, photo_ref: str | None) -> Render:
        def render(recipient: Recipient) -> RenderedMessage:
            return RenderedMessage(
                text=notice_text(recipient.locale, kind, text, hq=hq), photo_ref=photo_ref
            )

        return with_stop_button(key, CATEGORY_OF_KIND[kind], render)

    return for_notice
