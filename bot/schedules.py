"""The role holder's duties: the built-in schedules' messages and the outbox sender."""

from __future__ import annotations

from typing import Any

from bot.messages.outbox import progress_text
from core.outbox.sender import Sender
from core.outbox.transport import Transport
from core.roles import ROLE_WORKER
from core.uow import Database


def role_sender(db: Database, transport: Transport, **options: Any) -> Sender:
    """The outbox sender of whichever process holds the role (one worker id for all)."""
    return Sender(db, transport, worker_id=ROLE_WORKER, progress_text=progress_text, **options)
