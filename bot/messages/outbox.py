"""The broadcast owner's status message: progress while sending, the delivery report at the end.

Core counts (``core.messaging.outbox.enqueue.Progress``); this builds the words, in the owner's
language, for ``Sender(progress_text=...)``.
"""

from __future__ import annotations

from babel.numbers import format_decimal

from bot.i18n import N_, Translator, translator
from core.messaging.outbox.enqueue import Progress

SENDING = N_("📣 Sending: {sent} / {total} sent")
BLOCKED = N_("{count} blocked the bot")
REPORT = N_("📣 Delivery report")
REPORT_SENT = N_("Delivered: {count}")
REPORT_BLOCKED = N_("Blocked the bot: {count}")
REPORT_FAILED = N_("Could not be delivered: {count}")
REPORT_OPTED_OUT = N_("Opted out of these messages: {count}")
REPORT_CANCELLED = N_("Cancelled before sending: {count}")


def _n(t: Translator, value: int) -> str:
    """1200 → "1,200" in the owner's locale."""
    return format_decimal(value, locale=t.babel_locale)


def progress_text(locale: str | None, progress: Progress, final: bool) -> str:
    """ "📣 Sending: 1,200 / 5,000 sent · 3 blocked the bot", or the full report when done."""
    t = translator(locale)
    if final:
        lines = [
            t.gettext(REPORT),
            t.gettext(REPORT_SENT).format(count=_n(t, progress.sent)),
            t.gettext(REPORT_BLOCKED).format(count=_n(t, progress.blocked)),
            t.gettext(REPORT_FAILED).format(count=_n(t, progress.failed)),
            t.gettext(REPORT_OPTED_OUT).format(count=_n(t, progress.opted_out)),
        ]
        if progress.cancelled:
            lines.append(t.gettext(REPORT_CANCELLED).format(count=_n(t, progress.cancelled)))
        return "\n".join(lines)
    to_send = progress.total - progress.opted_out
    text = t.gettext(SENDING).format(sent=_n(t, progress.sent), total=_n(t, to_send))
    if progress.blocked:
        text += " · " + t.gettext(BLOCKED).format(count=_n(t, progress.blocked))
    return text
