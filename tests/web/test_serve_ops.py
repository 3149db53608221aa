"""``/healthz`` and ``/metrics``: what a load balancer and Prometheus see of a serve process."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from core.platform.config import Settings
from core.platform.db import create_engine
from core.platform.roles import Role
from core.platform.uow import Database
from tests.factories import make_bound_customer, make_product, make_unit_with_partner, place
from tests.outbox_support import broadcast_to, households
from tests.telegram.fake_bot_api import Person
from tests.web.serve_support import served
from web.context import CTX, WebContext
from web.ops import mount_ops


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus exposition: (name, sorted labels) → value."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_health_says_the_database_answers_the_role_is_held_and_what_the_outbox_owes(db):
    await broadcast_to(db, await households(db, 3))
    role = Role(db)
    assert await role.try_acquire()  # SQLite: the one process always holds it
    async with served(db, role=role) as serve:
        response = await serve.client.get("/healthz")
        body = await response.json()
    await role.release()

    assert response.status == 200
    assert body["database"] == "ok"
    assert body["scheduler_role"] == "held"
    assert body["outbox_backlog"] == 3
    assert body["update_backlog"] == 0


async def test_health_says_not_held_for_a_process_without_the_role(db):
    async with served(db) as serve:
        body = await (await serve.client.get("/healthz")).json()

    assert body["scheduler_role"] == "not held"


async def test_health_is_503_when_the_database_cannot_be_reached(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'no-such-folder' / 'linli.sqlite3'}"
    gone = Database(create_engine(url), Settings(database_url=url))
    ctx = WebContext(gone)
    app = web.Application()
    app[CTX] = ctx
    mount_ops(app, ctx)
    try:
        async with TestClient(TestServer(app)) as client:
            response = await client.get("/healthz")
            body = await response.json()
            scrape = await (await client.get("/metrics")).text()
    finally:
        await gone.dispose()

    assert response.status == 503
    assert body["database"] == "error"
    assert body["outbox_backlog"] is None
    assert samples(scrape)[("linli_database_up", ())] == 0.0


async def test_metrics_count_the_updates_handled_their_latency_and_the_orders_placed(db):
    setup = await make_unit_with_partner(db)
    cola = await make_product(db, "COLA")
    await place(db, await make_bound_customer(db, setup), [(cola, 2)])
    async with served(db) as serve:
        before = samples(await (await serve.client.get("/metrics")).text())
        await serve.post_update(serve.update_from(Person(31337, "Bo"), "/start"))
        await serve.bot.update_queue.join()
        response = await serve.client.get("/metrics")
        after = samples(await response.text())

    handled = ("linli_updates_handled_total", (("channel", "telegram"), ("outcome", "ok")))
    assert response.content_type == "text/plain"
    assert before.get(handled, 0.0) == 0.0
    assert after[handled] == 1.0
    assert after[("linli_update_seconds_count", (("channel", "telegram"),))] == 1.0
    assert after[("linli_webhook_requests_total", (("status", "200"),))] == 1.0
    assert after[("linli_orders_placed_total", ())] == 1.0
    assert after[("linli_outbox_backlog", ())] == 0.0
    assert after[("linli_database_up", ())] == 1.0


async def test_two_applications_in_one_process_count_separately(db):
    async with served(db) as first, served(db) as second:
        await first.post_update(first.update_from(Person(1, "A"), "/start"))
        await first.bot.update_queue.join()
        one = samples(await (await first.client.get("/metrics")).text())
        other = samples(await (await second.client.get("/metrics")).text())

    handled = ("linli_updates_handled_total", (("channel", "telegram"), ("outcome", "ok")))
    assert one[handled] == 1.0
    assert other.get(handled, 0.0) == 0.0
