"""Logs of ``linli serve``: human text by default, one JSON object per line on request.

``LINLI_LOG_FORMAT=json`` makes every logger (Linli's, aiohttp's, python-telegram-bot's)
write one JSON object per line, for a log collector. A line written while an HTTP
request is being served carries that request's id (``request_id``), which the response
echoes as ``X-Request-Id``; a proxy's own id is kept when it looks sane, so one id
follows a request from the proxy's log to ours.
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-Id"
REQUEST_ID = web.RequestKey("linli_request_id", str)
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")  # no spaces, quotes or control characters
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"

current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "linli_request_id", default=None
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class RequestIdFilter(logging.Filter):
    """Put the id of the request being served (if any) on every record as ``request_id``."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Never drops a record; only adds the field (a record may bring its own)."""
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get()
        return True


def log_handler(log_format: str, stream: TextIO | None = None) -> logging.Handler:
    """A handler writing ``log_format`` (text or json) lines, request ids included."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(RequestIdFilter())
    if log_format == "json":
        handler.setFormatter(
            JsonFormatter(JSON_FIELDS, rename_fields={"levelname": "level", "name": "logger"})
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    return handler


def configure_logging(log_format: str, level: int = logging.INFO) -> None:
    """Route every logger through one stderr handler in ``log_format`` (text or json)."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(log_handler(log_format))
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per Bot API call otherwise
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def request_id_of(request: web.Request) -> str:
    """The incoming ``X-Request-Id`` when it looks sane, else a fresh one."""
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    return offered if _SANE_ID.fullmatch(offered) else secrets.token_hex(8)


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give the request an id for its log lines and echo it in the response."""
    request_id = request_id_of(request)
    request[REQUEST_ID] = request_id
    token = current_request_id.set(request_id)
    try:
        try:
            response = await handler(request)
        except web.HTTPException as answer:  # a 404, a redirect: still an answer to tag
            answer.headers[REQUEST_ID_HEADER] = request_id
            raise
        response.headers[REQUEST_ID_HEADER] = request_id
        return response
    finally:
        current_request_id.reset(token)


def mount_request_ids(app: web.Application, ctx: object) -> None:
    """A mount: the request-id middleware, outermost so every part's lines carry the id."""
    app.middlewares.insert(0, request_ids)


class AccessLogger(AbstractAccessLogger):
    """One line per request (method, path, status, ms) with the request's id."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Logged after the response, when the middleware's context is gone: read the id
        from the request itself."""
        self.logger.info(
            "%s %s %s %.1f ms",
            request.method,
            request.path,
            response.status,
            time * 1000,
            extra={"request_id": request.get(REQUEST_ID)},
        )
