"""The parts ``linli serve`` mounts on its one application, in order.

Each entry is a ``Mount`` (web/app.py): request ids, health and metrics, the HQ
console under ``/admin``, the web chat at ``/`` and, in webhook mode, Telegram's route.
"""

from __future__ import annotations

from telegram.ext import Application

from web.app import Mount
from web.chat import mount as mount_chat
from web.console import mount as mount_console
from web.console.announce import announce_demo_sign_in
from web.logs import mount_request_ids
from web.ops import mount_ops
from web.webhook import webhook_mount


def default_mounts(
    application: Application | None = None,
    *,
    webhook_secret: str | None = None,
    queue_limit: int = 1000,
) -> list[Mount]:
    """Request ids first (every part's log lines carry them), then the parts.

    The webhook is mounted only for a bot ``application`` served by webhook (with its
    ``webhook_secret``); polling needs no route.
    """
    mounts: list[Mount] = [
        mount_request_ids,
        mount_ops,
        mount_console,
        announce_demo_sign_in,
        mount_chat,
    ]
    if application is not None and webhook_secret is not None:
        mounts.append(webhook_mount(application, webhook_secret, queue_limit))
    return mounts
