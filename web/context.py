"""What every web route needs, stored once on the application."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from core.platform.uow import Database


@dataclass
class WebContext:
    """The database (its settings and clock with it) and what parts share at run time.

    ``extras`` lets a part (the webhook, the metrics) leave a handle for the others
    without this module knowing every part.
    """

    db: Database
    extras: dict[str, Any] = field(default_factory=dict)


CTX = web.AppKey("linli", WebContext)
# ctx.extras: lines a part wants printed under the addresses when ``linli serve`` starts
# (the console's demo sign-in, say), as a list of str; each part appends its own.
ANNOUNCE = "announce"


def context(request: web.Request) -> WebContext:
    """The WebContext of the application serving ``request``."""
    return request.config_dict[CTX]
