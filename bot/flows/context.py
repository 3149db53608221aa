"""What a flow step works with: the database, the customer, the chat state, the language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.flows import callbacks
from bot.flows.events import Event, Incoming
from bot.flows.replies import (
    Edit,
    Forward,
    InlineButton,
    InlineKeyboard,
    Reply,
    ReplyKeyboard,
    Say,
    Toast,
)
from bot.i18n import Translator
from core.models import Customer
from core.platform.uow import UnitOfWork


@dataclass
class ChatData:
    """The conversation's stored position: a step name and a small JSON-able dict."""

    step: str = "idle"
    data: dict[str, Any] = field(default_factory=dict)

    def go(self, step: str, **data: Any) -> None:
        """Move to ``step``, replacing the step's data."""
        self.step = step
        self.data = dict(data)


@dataclass
class Ctx:
    """One flow step's world. Handlers read it and append replies; the router saves state."""

    uow: UnitOfWork
    incoming: Incoming
    customer: Customer
    chat: ChatData
    t: Translator
    key: bytes
    replies: list[Reply] = field(default_factory=list)

    @property
    def event(self) -> Event:
        """What the person just did."""
        return self.incoming.event

    def _(self, message: str) -> str:
        """Translate a message into the customer's language."""
        return self.t.gettext(message)

    def button(self, label: str, item: object) -> InlineButton:
        """An inline button whose data is signed for this chat."""
        return InlineButton(label, callbacks.pack(self.key, self.incoming.chat_id, item))

    def say(
        self,
        text: str,
        buttons: InlineKeyboard = (),
        *,
        keyboard: ReplyKeyboard | None = None,
        ask_contact: str | None = None,
        remove_keyboard: bool = False,
    ) -> None:
        """Send a new message to this chat."""
        self.replies.append(
            Say(
                text,
                buttons,
                keyboard=keyboard,
                ask_contact=ask_contact,
                remove_keyboard=remove_keyboard,
            )
        )

    def show(self, text: str, buttons: InlineKeyboard = ()) -> None:
        """Edit the pressed message in place when a button was pressed, else send anew."""
        if self.incoming.message_ref is not None and self.is_button:
            self.replies.append(Edit(text, buttons))
        else:
            self.replies.append(Say(text, buttons))

    def toast(self, text: str, *, alert: bool = False) -> None:
        """Answer the button press with a short note."""
        self.replies.append(Toast(text, alert=alert))

    def forward(self, reply: Forward) -> None:
        """A message to someone else."""
        self.replies.append(reply)

    @property
    def is_button(self) -> bool:
        """True when the event is an inline button press."""
        from bot.flows.events import Button

        return isinstance(self.incoming.event, Button)
