"""What a person did, in channel-neutral terms: the input of every flow step."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    """A typed message (or a reply-keyboard button, which arrives as its label)."""

    text: str


@dataclass(frozen=True)
class Command:
    """``/name args``; deep links arrive as ``/start PAYLOAD``."""

    name: str
    args: str = ""


@dataclass(frozen=True)
class Button:
    """An inline button press carrying its packed callback data."""

    data: str


@dataclass(frozen=True)
class Contact:
    """A shared contact; ``own`` is False when someone shares another person's card."""

    phone: str
    own: bool = True


@dataclass(frozen=True)
class Location:
    """A shared location, as text so no float ever pretends to be exact."""

    latitude: str
    longitude: str


@dataclass(frozen=True)
class Photo:
    """A picture (kept by the channel; ``file_ref`` lets it be forwarded)."""

    file_ref: str
    caption: str = ""


@dataclass(frozen=True)
class Unsupported:
    """Stickers, voice notes, files: answered politely, never crashing a flow."""

    kind: str


Event = Text | Command | Button | Contact | Location | Photo | Unsupported


@dataclass(frozen=True)
class Incoming:
    """One update from a channel: who, where, what, and which messages it refers to."""

    channel: str
    chat_id: str
    user_id: str
    event: Event
    display_name: str | None = None
    language_code: str | None = None
    update_id: str | None = None
    message_ref: str | None = None  # for a button: the message it sits on
    reply_to_ref: str | None = None  # the message this one answers (partner relays)
    origin: str | None = None  # the web page's network address, for HQ's suspicious list
