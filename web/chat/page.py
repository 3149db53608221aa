"""The chat page's HTML: one Jinja2 template, in the customer's language.

Its own environment (autoescaping, ``jinja2.ext.i18n`` with the customer's translator),
so it shares nothing with other parts' templates. The page's JavaScript gets its words
from a JSON block the template fills, so every string goes through Babel here.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jinja2
from aiohttp import web

from bot.i18n import translator

TEMPLATES = Path(__file__).parent / "templates"
STATIC_URL = "/static/chat"


@cache
def _environment() -> jinja2.Environment:
    """Templates from web/chat/templates, escaped, with gettext installed per render."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        auto_reload=False,
    )


def _render(name: str, locale: str, **values: object) -> str:
    """``name`` rendered in ``locale`` (gettext installed just before: rendering never awaits)."""
    t = translator(locale)
    env = _environment()
    env.install_gettext_callables(t.gettext, t.ngettext, newstyle=True)  # type: ignore[attr-defined]
    lang = "zh-CN" if locale.startswith("zh") else locale
    return env.get_template(name).render(lang=lang, static=STATIC_URL, **values)


def render_template(name: str, locale: str) -> str:
    """Another page of the chat's (the offline page) in ``locale``."""
    return _render(name, locale)


def render_page(
    request: web.Request, locale: str, *, partner: bool, chat_key: str = ""
) -> web.Response:
    """The chat page; ``chat_key`` names the chat for what the page keeps in localStorage."""
    html = _render(
        "chat.html", locale, partner=partner, chat_key=chat_key, words_json=_words_json(locale)
    )
    return web.Response(
        text=html,
        content_type="text/html",
        headers={"Cache-Control": "no-store", "Content-Security-Policy": CSP},
    )


def render_notice(request: web.Request, locale: str, *, status: int) -> web.Response:
    """An expired or used partner sign-in link."""
    return web.Response(
        text=_render("notice.html", locale),
        status=status,
        content_type="text/html",
        headers={"Cache-Control": "no-store", "Content-Security-Policy": CSP},
    )


# Scripts and styles from this site only; images may be data: URLs (QR codes, charts).
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def _(message: str) -> str:
    """Mark for extraction; translated when the page is made."""
    return message


WORDS = {
    "title": _("Linli"),
    "partner": _("Partner"),
    "connecting": _("Connecting…"),
    "reconnecting": _("Connection lost. Reconnecting…"),
    "online": _("Connected"),
    "send": _("Send"),
    "placeholder": _("Write a message"),
    "phone_prompt": _("Type your mobile number"),
    "reply": _("Reply"),
    "replying": _("Replying to:"),
    "cancel": _("Cancel"),
    "download": _("Download"),
    "photo": _("Send a photo"),
    "photo_failed": _("The photo was not sent. Please try again."),
    "failed": _("Not sent. It will be sent again when the connection is back."),
    "menu_shop": _("Shop"),
    "menu_deals": _("Deals"),
    "menu_cart": _("Cart"),
    "menu_orders": _("My orders"),
    "menu_more": _("More"),
    "notify": _("🔔 Notify me"),
    "notify_on": _("Notifications are on. We will tell you when there is news."),
    "notify_blocked": _("Notifications are blocked for this site in your browser's settings."),
    "menu_home": _("🏠 Home"),
    "menu_tonight": _("🚚 Tonight"),
    "menu_run": _("📋 Run sheet"),
    "menu_customers": _("👥 Customers"),
    "menu_notices": _("📢 Notices"),
    "menu_earnings": _("💰 Earnings"),
    "menu_invite": _("📣 Invite"),
}


def words_for(locale: str) -> dict[str, str]:
    """The page script's words in ``locale`` (sent again when the customer changes language)."""
    t = translator(locale)
    return {key: t.gettext(message) for key, message in WORDS.items()}


def _words_json(locale: str) -> str:
    """The page script's words in ``locale``, as JSON safe inside a <script> block."""
    return json.dumps(words_for(locale), ensure_ascii=False).replace("<", "\\u003c")
