"""An in-memory channel: drives the flows exactly as a chat app would, for tests and demos.

It keeps a transcript per chat, applies edits to earlier messages, and routes
``Forward`` replies to other chats, recording relay links like a real channel.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

from bot.flows.events import Button, Event, Incoming
from bot.flows.replies import (
    Document,
    Edit,
    Forward,
    InlineKeyboard,
    Reply,
    ReplyKeyboard,
    Say,
    Toast,
)
from bot.flows.router import handle
from core.messaging.relay import remember
from core.platform.uow import Database

CHANNEL = "memory"


@dataclass
class Message:
    """A message as a chat shows it now (after edits)."""

    ref: str
    text: str
    buttons: InlineKeyboard = ()
    keyboard: ReplyKeyboard | None = None
    ask_contact: str | None = None
    photo_ref: str | None = None
    image: bytes | None = None
    document: Document | None = None


@dataclass
class Chat:
    """One person's view of their chat with the bot."""

    chat_id: str
    messages: list[Message] = field(default_factory=list)
    toasts: list[str] = field(default_factory=list)

    @property
    def last(self) -> Message:
        """The newest message."""
        return self.messages[-1]

    def find_button(self, label_part: str) -> tuple[Message, str]:
        """(message, data) of the newest button whose label contains ``label_part``."""
        for message in reversed(self.messages):
            for row in message.buttons:
                for button in row:
                    if label_part in button.label:
                        return message, button.data
        raise LookupError(f"no button {label_part!r} in chat {self.chat_id}")


class MemoryChannel:
    """Send events as a user; read what each chat shows."""

    def __init__(self, db: Database, channel: str = CHANNEL) -> None:
        self.db = db
        self.channel = channel
        self.chats: dict[str, Chat] = {}
        self._refs = itertools.count(1)
        # Update ids continue across channel instances on one database, like Telegram's do
        # across a bot restart (otherwise a "restarted" test would look like a redelivery).
        self._updates = itertools.count(time.time_ns() // 1000)

    def chat(self, chat_id: str) -> Chat:
        """The chat of ``chat_id`` (created empty on first look)."""
        return self.chats.setdefault(chat_id, Chat(chat_id))

    async def send(
        self,
        user: str,
        event: Event,
        *,
        language_code: str | None = "zh-hans",
        message_ref: str | None = None,
        reply_to_ref: str | None = None,
        update_id: str | None = None,
    ) -> list[Reply]:
        """Deliver one event from ``user`` (their private chat id equals their user id)."""
        incoming = Incoming(
            channel=self.channel,
            chat_id=user,
            user_id=user,
            event=event,
            display_name=f"user {user}",
            language_code=language_code,
            update_id=update_id or str(next(self._updates)),
            message_ref=message_ref,
            reply_to_ref=reply_to_ref,
        )
        replies = await handle(self.db, incoming)
        await self._render(user, replies, message_ref)
        return replies

    async def press(self, user: str, label_part: str) -> list[Reply]:
        """Press the newest button in ``user``'s chat whose label contains ``label_part``."""
        message, data = self.chat(user).find_button(label_part)
        return await self.send(user, Button(data), message_ref=message.ref)

    async def _render(self, user: str, replies: list[Reply], pressed: str | None) -> None:
        """Apply replies to the transcripts the way a chat app would."""
        chat = self.chat(user)
        for reply in replies:
            if isinstance(reply, Say):
                chat.messages.append(
                    Message(
                        ref=str(next(self._refs)),
                        text=reply.text,
                        buttons=reply.buttons,
                        keyboard=reply.keyboard,
                        ask_contact=reply.ask_contact,
                        image=reply.image,
                    )
                )
            elif isinstance(reply, Document):
                chat.messages.append(
                    Message(ref=str(next(self._refs)), text=reply.caption, document=reply)
                )
            elif isinstance(reply, Edit):
                target = next((m for m in chat.messages if m.ref == pressed), None)
                if target is None:
                    chat.messages.append(Message(str(next(self._refs)), reply.text, reply.buttons))
                else:
                    target.text, target.buttons = reply.text, reply.buttons
            elif isinstance(reply, Toast):
                chat.toasts.append(reply.text)
            elif isinstance(reply, Forward):
                await self._forward(reply)

    async def _forward(self, reply: Forward) -> None:
        """Deliver to another chat and remember relay links like a real channel does."""
        ref = str(next(self._refs))
        self.chat(reply.chat_id).messages.append(
            Message(ref=ref, text=reply.text, buttons=reply.buttons, photo_ref=reply.photo_ref)
        )
        if reply.relay_customer_id is not None:
            async with self.db.uow() as uow:
                await remember(
                    uow,
                    channel=reply.channel,
                    partner_chat_id=reply.chat_id,
                    message_ref=ref,
                    customer_id=reply.relay_customer_id,
                )
                await uow.commit()
