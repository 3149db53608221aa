"""``/healthz`` and ``/metrics``: what a load balancer and Prometheus ask a process.

``/healthz`` answers 200 while the database answers and 503 when it does not (a load
balancer then sends traffic elsewhere); its JSON also says whether this process holds
the scheduler/sender role and how many outbox copies wait. ``/metrics`` is the
Prometheus text format of web/metrics.py.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from core.platform.roles import Role
from core.platform.vitals import Vitals, vitals
from web.context import WebContext, context
from web.metrics import metrics_of

log = logging.getLogger("linli.web.ops")

ROLE = "role"  # ctx.extras: the Role this process tries for (app/cli/serve.py)
TELEGRAM_MODE = "telegram_mode"  # ctx.extras: "webhook", "polling" or absent (off)
UPDATE_BACKLOG = "update_backlog"  # ctx.extras: a callable, updates queued or in flight
DB_TIMEOUT_S = 3.0  # a health check must answer before the load balancer gives up


async def read_vitals(ctx: WebContext) -> Vitals | None:
    """The database's counts, or None when it cannot be read in time."""
    try:
        async with asyncio.timeout(DB_TIMEOUT_S):
            async with ctx.db.uow() as uow:
                return await vitals(uow)
    except Exception as exc:  # unreachable, locked, misconfigured: all mean "not healthy"
        log.warning("health check: the database does not answer: %r", exc)
        return None


def role_state(ctx: WebContext) -> str:
    """Whether this process holds the scheduler/sender role: "held" or "not held"."""
    role = ctx.extras.get(ROLE)
    return "held" if isinstance(role, Role) and role.held else "not held"


async def healthz(request: web.Request) -> web.Response:
    """The process's health as JSON; 503 when the database is unreachable."""
    ctx = context(request)
    found = await read_vitals(ctx)
    backlog = ctx.extras.get(UPDATE_BACKLOG)
    body: dict[str, Any] = {
        "database": "ok" if found is not None else "error",
        "scheduler_role": role_state(ctx),
        "outbox_backlog": found.outbox_backlog if found is not None else None,
        "orders_placed": found.orders_placed if found is not None else None,
        "telegram": ctx.extras.get(TELEGRAM_MODE, "off"),
        "update_backlog": backlog() if callable(backlog) else 0,
    }
    return web.json_response(body, status=200 if found is not None else 503)


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text format; the database's counts are read now."""
    ctx = context(request)
    registry = metrics_of(ctx)
    registry.note_vitals(await read_vitals(ctx))
    body = generate_latest(registry.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def mount_ops(app: web.Application, ctx: WebContext) -> None:
    """A mount: the two routes, and the metrics made now so the handlers can count."""
    metrics_of(ctx)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
