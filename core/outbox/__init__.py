"""The durable outbox: broadcasts become one row per recipient, a sender drains them.

``enqueue`` writes a broadcast and its rows in the caller's transaction; ``sender``
claims due rows, sends them within Telegram's limits and records each result; see the
sender's docstring for the delivery guarantee and its one remaining window.
"""

from core.outbox.enqueue import (
    CATEGORY_OF_KIND,
    KINDS,
    Progress,
    Recipient,
    RenderedMessage,
    StatusChat,
    cancel_broadcast,
    create_broadcast,
    progress,
    recipients_for,
    unit_recipients,
)
from core.outbox.sender import Sender
from core.outbox.transport import SendResult, Transport

__all__ = [
    "CATEGORY_OF_KIND",
    "KINDS",
    "Progress",
    "Recipient",
    "RenderedMessage",
    "SendResult",
    "Sender",
    "StatusChat",
    "Transport",
    "cancel_broadcast",
    "create_broadcast",
    "progress",
    "recipients_for",
    "unit_recipients",
]
