"""Customers who chat through the in-memory channel, already bound, with orders to look at."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.flows import callbacks, state
from bot.flows.events import Button
from bot.handlers.memory import MemoryChannel
from core.models import Customer
from core.platform.uow import Database
from tests.factories import UnitSetup
from tests.flows.shopping import make_shopper

EXPIRED = "This button has expired. Here is the menu again."


async def memory_shopper(
    db: Database, setup: UnitSetup, user: str, *, room: str = "1201", building: int = 0
) -> Customer:
    """An English-speaking customer of the unit who chats as ``user`` on the memory channel."""
    return await make_shopper(db, setup, user, building=building, room=room, locale="en")


async def press_payload(channel: MemoryChannel, user: str, item: object) -> None:
    """Press a correctly signed button for ``user``'s own chat carrying ``item``.

    This is what a forged-but-signed button looks like: the signature is valid for the
    chat, only the content (say, someone else's order id) is not theirs.
    """
    key = await state.signing_key(channel.db)
    await channel.send(user, Button(callbacks.pack(key, user, item)), language_code="en")


def texts(channel: MemoryChannel, user: str) -> str:
    """Everything ``user``'s chat shows now, as one string."""
    return "\n---\n".join(message.text for message in channel.chat(user).messages)


def last_labels(channel: MemoryChannel, user: str) -> list[str]:
    """The button labels under the newest message."""
    return [button.label for row in channel.chat(user).last.buttons for button in row]


async def count(db: Database, model: type, *where: object) -> int:
    """How many rows of ``model`` match."""
    async with db.uow() as uow:
        return int(
            await uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0
        )
