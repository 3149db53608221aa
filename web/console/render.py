"""Console pages: Jinja2 through aiohttp-jinja2, translated with the operator's language.

``jinja2.ext.i18n`` is installed once with gettext callables that read the page's
Translator (``t``) from the template context, so concurrent requests in Chinese and
English never share a language.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import get_session

from bot.i18n import Translator, supported_locale, translator
from core.platform.config import SUPPORTED_LOCALES
from web.console import keys
from web.console.auth import csrf_token

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


@jinja2.pass_context
def _gettext(context: jinja2.runtime.Context, message: str) -> str:
    """The page's translation of ``message``."""
    return context["t"].gettext(message)


@jinja2.pass_context
def _ngettext(context: jinja2.runtime.Context, singular: str, plural: str, n: int) -> str:
    """The page's plural form for ``n``."""
    return context["t"].ngettext(singular, plural, n)


def setup(app: web.Application) -> jinja2.Environment:
    """The console's template environment on its sub-application."""
    env = aiohttp_jinja2.setup(
        app,
        app_key=keys.JINJA,
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        extensions=["jinja2.ext.i18n"],
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        default_helpers=False,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


async def page_translator(request: web.Request) -> Translator:
    """The operator's language, kept in the session (default zh_CN)."""
    session = await get_session(request)
    return translator(supported_locale(session.get(keys.LOCALE) or "zh_CN"))


async def page(
    request: web.Request, template: str, *, status: int = 200, **values: Any
) -> web.Response:
    """Render a console page with the language, the form token and the signed-in operator."""
    session = await get_session(request)
    t = await page_translator(request)
    context = {
        "t": t,
        "locale": t.locale,
        "languages": [(code, LANGUAGE_NAMES[code]) for code in SUPPORTED_LOCALES],
        "csrf": csrf_token(session),
        "operator": request.get(keys.OPERATOR),
        "here": request.path_qs,
        "prefix": keys.PREFIX,
        "money": t.money,
        **values,
    }
    response = aiohttp_jinja2.render_template(
        template, request, context, app_key=keys.JINJA, status=status
    )
    response.headers["Cache-Control"] = "no-store"
    return response
