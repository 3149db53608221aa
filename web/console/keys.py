"""Names the console keeps in the shared session cookie and on its sub-application."""

from __future__ import annotations

import jinja2
from aiohttp import web

# Session keys: every one starts with admin_, so the chat's and a partner's keys never mix.
OPERATOR_ID = "admin_operator_id"
OPERATOR_NAME = "admin_operator"
STARTED = "admin_started"  # epoch seconds of the sign-in (absolute lifetime)
SEEN = "admin_seen"  # epoch seconds of the last request (idle timeout)
CSRF = "admin_csrf"
LOCALE = "admin_locale"
NOTICE = "admin_notice"  # why the operator is on the sign-in page (expired, signed out)
SIGNED_IN_KEYS = (OPERATOR_ID, OPERATOR_NAME, STARTED, SEEN)

PREFIX = "/admin"
JINJA = web.AppKey("console_jinja", jinja2.Environment)
OPERATOR = web.RequestKey("admin_operator", str)  # the signed-in operator's username
