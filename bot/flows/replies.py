"""What a flow answers, in channel-neutral terms: channels render these their own way."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InlineButton:
    """A button under a message; ``data`` is already packed and signed (≤ 64 bytes)."""

    label: str
    data: str


InlineKeyboard = tuple[tuple[InlineButton, ...], ...]
ReplyKeyboard = tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Say:
    """A new message in this chat.

    ``keyboard`` shows big reply-keyboard buttons (guided mode); ``ask_contact`` puts a
    "share my phone number" key first; ``remove_keyboard`` hides a reply keyboard.
    """

    text: str
    buttons: InlineKeyboard = ()
    keyboard: ReplyKeyboard | None = None
    ask_contact: str | None = None
    remove_keyboard: bool = False
    image: bytes | None = None


@dataclass(frozen=True)
class Edit:
    """Replace the message the pressed button sits on (browsing never floods the chat)."""

    text: str
    buttons: InlineKeyboard = ()


@dataclass(frozen=True)
class Toast:
    """The short answer to a button press (Telegram's answerCallbackQuery text)."""

    text: str
    alert: bool = False


@dataclass(frozen=True)
class Forward:
    """A message to another person: the partner, or the customer a partner answers.

    ``relay_customer_id``: after sending, the channel records the sent message so the
    partner's reply to it reaches this customer only. ``buttons`` go under the message;
    their data must be signed for the receiving chat (``chat_id``), not the sender's.
    """

    channel: str
    chat_id: str
    text: str
    photo_ref: str | None = None
    relay_customer_id: int | None = None
    buttons: InlineKeyboard = ()


@dataclass(frozen=True)
class Document:
    """A file in this chat (a leaflet PDF, a report CSV); ``caption`` goes under it."""

    content: bytes
    filename: str
    caption: str = ""


Reply = Say | Edit | Toast | Forward | Document
