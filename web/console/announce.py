"""``linli serve``'s start-up lines for the console: the demo sign-in while it still works."""

from __future__ import annotations

from aiohttp import web

from core.demo.loader import DEMO_OPERATOR
from core.people.operators import operator_by_username, password_matches
from web.console import keys
from web.context import ANNOUNCE, WebContext


async def announce_demo_sign_in(app: web.Application, ctx: WebContext) -> None:
    """A newcomer on the demo city reads how to sign in; a real city never shows it."""
    username, password = DEMO_OPERATOR
    async with ctx.db.uow() as uow:
        operator = await operator_by_username(uow, username)
    if operator is not None and password_matches(operator, password):
        ctx.extras.setdefault(ANNOUNCE, []).append(
            f"demo sign-in: {keys.PREFIX}/login as {username} / {password}"
        )
