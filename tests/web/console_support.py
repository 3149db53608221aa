"""Helpers for the console's tests: an app with the console mounted, a signed-in client."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp.test_utils import TestClient, TestServer

from core.people.operators import add_operator
from core.platform.uow import Database
from web.app import create_app
from web.console import mount
from web.context import WebContext

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def add_hq(db: Database, username: str = "hq", password: str = PASSWORD) -> None:
    """An HQ operator account."""
    async with db.uow() as uow:
        await add_operator(uow, username, password)
        await uow.commit()


@asynccontextmanager
async def console(db: Database, *mounts: object) -> AsyncIterator[TestClient]:
    """A client of an application with the console (and any other test parts) mounted."""
    app = await create_app(WebContext(db), [mount, *mounts])  # type: ignore[list-item]
    async with TestClient(TestServer(app)) as client:
        yield client


async def csrf_of(client: TestClient, path: str = "/admin/login") -> str:
    """The form token of the page at ``path``."""
    html = await (await client.get(path)).text()
    found = _CSRF.search(html)
    assert found, f"no csrf field on {path}"
    return found.group(1)


async def sign_in(client: TestClient, username: str = "hq", password: str = PASSWORD) -> str:
    """Sign in through the form; returns the new session's form token."""
    token = await csrf_of(client)
    response = await client.post(
        "/admin/login",
        data={"csrf": token, "username": username, "password": password},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    return await csrf_of(client, "/admin/")
