"""What the sender needs from a messenger: send a message, edit one; results, not exceptions.

The Telegram implementation lives with the other python-telegram-bot code
(``bot/handlers/telegram_outbox.py``) so core never imports a messenger library; tests
use it against a loopback fake Bot API, or any object with these two methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

OK, RETRY_AFTER, FORBIDDEN, BAD_REQUEST, NETWORK = (
    "ok",
    "retry_after",
    "forbidden",
    "bad_request",
    "network",
)


@dataclass(frozen=True)
class SendResult:
    """How one call went: ok (with the message id), or why not.

    ``retry_after``: the messenger asked for a pause of that many seconds (flood control);
    ``forbidden``: the person blocked the bot (403); ``bad_request``: the message itself
    is refused (400) and will be refused again; ``network``: a timeout or a broken
    connection, worth another try later.
    """

    status: str
    message_id: int | None = None
    retry_after: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        """The messenger took the message."""
        return self.status == OK


# Rows of (label, callback data), as stored in the outbox's JSON column.
ButtonRows = list[list[Any]]


class Transport(Protocol):
    """A messenger's sending side."""

    async def send(
        self, chat_id: str, text: str, buttons: ButtonRows, photo_ref: str | None
    ) -> SendResult:
        """Send one message (a photo with ``text`` as caption when ``photo_ref`` is given)."""
        ...

    async def edit(self, chat_id: str, message_id: int, text: str) -> SendResult:
        """Replace the text of a message the bot sent earlier."""
        ...
