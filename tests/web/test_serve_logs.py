"""Structured logs: with LINLI_LOG_FORMAT=json every line is a JSON object, and lines
written while serving a request carry its id, which the response echoes."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from web.app import create_app
from web.context import WebContext
from web.logs import REQUEST_ID_HEADER, AccessLogger, log_handler
from web.mounts import default_mounts


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Everything logged during the test, as LINLI_LOG_FORMAT=json writes it."""
    stream = io.StringIO()
    handler = log_handler("json", stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def greeter(app: web.Application, ctx: WebContext) -> None:
    """A part that logs while it answers."""

    async def hello(request: web.Request) -> web.Response:
        logging.getLogger("linli.test").info("saying hello")
        return web.Response(text="hello")

    app.router.add_get("/hello", hello)


def parsed(stream: io.StringIO) -> list[dict]:
    """Each line as the JSON object it must be."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_a_request_keeps_a_sane_incoming_id_on_its_log_lines_and_its_answer(db, json_lines):
    app = await create_app(WebContext(db), [*default_mounts(), greeter])
    server = TestServer(app)
    await server.start_server(access_log_class=AccessLogger)  # as linli serve logs access
    async with TestClient(server) as client:
        response = await client.get("/hello", headers={REQUEST_ID_HEADER: "proxy-42.a"})
    logging.getLogger("linli.test").info("outside any request")

    lines = parsed(json_lines)
    hello = next(line for line in lines if line["message"] == "saying hello")
    access = next(line for line in lines if line["logger"] == "aiohttp.access")
    outside = next(line for line in lines if line["message"] == "outside any request")
    assert response.headers[REQUEST_ID_HEADER] == "proxy-42.a"
    assert hello["request_id"] == "proxy-42.a"
    assert hello["level"] == "INFO"
    assert access["request_id"] == "proxy-42.a"
    assert "GET /hello 200" in access["message"]
    assert outside["request_id"] is None


async def test_an_odd_incoming_id_is_replaced_by_a_fresh_one(db, json_lines):
    app = await create_app(WebContext(db), [*default_mounts(), greeter])
    async with TestClient(TestServer(app)) as client:
        first = await client.get("/hello", headers={REQUEST_ID_HEADER: 'x" injected\tvalue'})
        second = await client.get("/hello")
        missing = await client.get("/no-such-page")

    ids = [r.headers[REQUEST_ID_HEADER] for r in (first, second, missing)]
    assert 'x" injected\tvalue' not in ids
    assert len(set(ids)) == 3 and all(ids)
    assert missing.status == 404
    said = [line["request_id"] for line in parsed(json_lines) if line["message"] == "saying hello"]
    assert said == ids[:2]
