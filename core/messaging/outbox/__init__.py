"""The durable outbox: broadcasts become one row per recipient, a sender drains them.

``enqueue`` writes a broadcast and its rows in the caller's transaction; ``sender``
claims due rows, sends them within Telegram's limits and records each result; see the
sender's docstring for the delivery guarantee and its one remaining window. It sends
through a ``Transport`` it is given and must not import bot/, web/ or app/.
"""

from core.messaging.outbox.enqueue import (
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
from core.messaging.outbox.sender import Sender
from core.messaging.outbox.transport import SendResult, Transport

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
