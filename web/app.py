"""The aiohttp application behind ``linli serve``: parts mount themselves on it.

A part is a function ``mount(app, ctx)`` that adds its routes (the chat at ``/``, the
console under ``/admin``, ``/healthz`` and ``/metrics``, the webhook), so each lives in
its own module and this one only puts them together.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web

from web.context import CTX, WebContext
from web.session import install_sessions

Mount = Callable[[web.Application, WebContext], Awaitable[None] | None]


async def create_app(
    ctx: WebContext, mounts: Iterable[Mount], *, secure_cookies: bool = False
) -> web.Application:
    """An application with the context and sessions installed, then every part mounted."""
    app = web.Application(client_max_size=8 * 1024 * 1024)  # catalog CSVs are uploaded
    app[CTX] = ctx
    await install_sessions(app, ctx.db, secure=secure_cookies)
    for mount in mounts:
        result = mount(app, ctx)
        if result is not None:
            await result
    return app
