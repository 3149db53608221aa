"""A Bot API that never touches the network: it records every call and answers plausibly.

``RecordingRequest`` is a python-telegram-bot ``BaseRequest``: the real ``Bot`` and
``Application`` run unchanged on top of it. Helpers below play the person on the other
side: ``send_text(app, user, "/start jinxiu")``, ``press(app, user, "Cart")``,
``share_contact``, ``send_photo``, ``reply_to`` — each builds the JSON Telegram would
send, runs it through ``Application.process_update`` and returns the calls it caused.
``chat(app, user)`` shows the person's chat as their app would (edits applied).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.handlers.telegram import build_application
from core.models import Customer
from core.people.customers import bind_to_unit, customer_for_identity, set_address, set_phone
from core.platform.uow import Database
from tests.factories import UnitSetup

BOT_ID = 7000000001
BOT_USERNAME = "linli_test_bot"
TOKEN = f"{BOT_ID}:TEST-abcdefghijklmnopqrstuvwxyz012345"
DATE = 1795000000  # a fixed Unix time: Telegram's dates do not matter to Linli
# Update ids are unique per process, like Telegram's per bot: a second Application on the
# same database must not look like a redelivery of the first one's updates.
_UPDATE_IDS = itertools.count(1)
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "邻里", "username": BOT_USERNAME}


@dataclass(frozen=True)
class Call:
    """One Bot API call: its method, its parameters and what the fake answered."""

    method: str
    params: dict[str, Any]
    result: Any

    @property
    def chat_id(self) -> int | None:
        """The chat the call addressed, if any."""
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        """The text or caption sent."""
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data) of every inline button, row by row."""
        markup = self.params.get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        return [
            (button["text"], button.get("callback_data", ""))
            for row in markup.get("inline_keyboard", [])
            for button in row
        ]

    @property
    def keys(self) -> list[list[str]]:
        """The labels of a reply keyboard (big buttons), row by row."""
        markup = self.params.get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        return [
            [key["text"] if isinstance(key, dict) else str(key) for key in row]
            for row in markup.get("keyboard", [])
        ]


@dataclass(frozen=True)
class Failure:
    """An error the fake Bot API answers instead of success."""

    method: str
    status: int
    description: str
    chat_id: int | None = None


@dataclass
class Shown:
    """A message as the person's app shows it now."""

    message_id: int
    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)
    keys: list[list[str]] = field(default_factory=list)


class RecordingRequest(BaseRequest):
    """Records (method, params) of every call and answers like the Bot API would."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.failures: list[Failure] = []
        self._message_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._incoming_ids = itertools.count(100001)
        self.query_chats: dict[str, int] = {}
        self.by_chat: dict[int, list[Call]] = {}

    @property
    def read_timeout(self) -> float:
        """Nothing is read from a network."""
        return 5.0

    async def initialize(self) -> None:
        """No connection pool to open."""

    async def shutdown(self) -> None:
        """No connection pool to close."""

    def fail(self, method: str, status: int, description: str, chat_id: int | None = None) -> None:
        """Answer the next ``method`` call (to ``chat_id`` if given) with an error, once."""
        self.failures.append(Failure(method, status, description, chat_id))

    def next_update_id(self) -> int:
        """A fresh update id, as Telegram numbers them."""
        return next(_UPDATE_IDS)

    def next_incoming_message_id(self) -> int:
        """A message id for something the person sends."""
        return next(self._incoming_ids)

    def next_query_id(self, chat_id: int) -> str:
        """A fresh callback query id, remembered so toasts can be traced to their chat."""
        query_id = f"q{next(self._query_ids)}"
        self.query_chats[query_id] = chat_id
        return query_id

    def to(self, chat_id: int, method: str | None = None) -> list[Call]:
        """Calls addressed to one chat (callback answers included), optionally one method."""
        calls = self.by_chat.get(chat_id, [])
        return [call for call in calls if method is None or call.method == method]

    def methods(self) -> list[str]:
        """The method names called, in order."""
        return [call.method for call in self.calls]

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Record the call; answer with a scripted failure or a plausible result."""
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data is not None else {}
        if request_data is not None and request_data.contains_files:
            # uploads (a photo's PNG, a leaflet PDF): their bytes as ``upload:<field>``
            # (a direct upload is keyed by its field, an attached one via "attach://<name>")
            named = {
                value.removeprefix("attach://"): field_name
                for field_name, value in params.items()
                if isinstance(value, str) and value.startswith("attach://")
            }
            for name, part in (request_data.multipart_data or {}).items():
                content = part[1] if isinstance(part, tuple) else part
                params[f"upload:{named.get(name, name)}"] = content
        failure = self._take_failure(api_method, params)
        if failure is not None:
            self._record(Call(api_method, params, None))
            body = {"ok": False, "error_code": failure.status, "description": failure.description}
            return failure.status, json.dumps(body).encode()
        result = self.answer(api_method, params)
        self._record(Call(api_method, params, result))
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _record(self, call: Call) -> None:
        """Keep the call, indexed by the chat it concerns."""
        self.calls.append(call)
        chat_id = call.chat_id
        if chat_id is None and "callback_query_id" in call.params:
            chat_id = self.query_chats.get(str(call.params["callback_query_id"]))
        if chat_id is not None:
            self.by_chat.setdefault(chat_id, []).append(call)

    def _take_failure(self, method: str, params: dict[str, Any]) -> Failure | None:
        """The first scripted failure matching this call (used up)."""
        for failure in self.failures:
            chat = params.get("chat_id")
            if failure.method == method and (
                failure.chat_id is None or (chat is not None and int(chat) == failure.chat_id)
            ):
                self.failures.remove(failure)
                return failure
        return None

    def answer(self, method: str, params: dict[str, Any]) -> Any:
        """What the Bot API returns for ``method``."""
        if method == "getMe":
            return {**BOT_USER, "can_join_groups": False, "supports_inline_queries": False}
        if method == "getUpdates":
            return []
        if method in ("sendMessage", "sendPhoto"):
            message = self._message(params, next(self._message_ids))
            if method == "sendPhoto":
                message.pop("text", None)
                message["photo"] = [
                    {"file_id": f"sent-photo-{message['message_id']}", "file_unique_id": "u",
                     "width": 320, "height": 320}
                ]  # fmt: skip
                if params.get("caption"):
                    message["caption"] = params["caption"]
            return message
        if method == "sendDocument":
            message = self._message(params, next(self._message_ids))
            message.pop("text", None)
            message["document"] = {"file_id": f"sent-doc-{message['message_id']}",
                                   "file_unique_id": "d"}  # fmt: skip
            return message
        if method == "editMessageText":
            return {**self._message(params, int(params["message_id"])), "edit_date": DATE}
        return True

    def _message(self, params: dict[str, Any], message_id: int) -> dict[str, Any]:
        """A Message object in the bot's chat with ``chat_id``."""
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": DATE,
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "from": BOT_USER,
            "text": params.get("text", ""),
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message


@dataclass(frozen=True)
class Person:
    """Someone writing to the bot from a private chat (chat id = user id, as in Telegram)."""

    id: int
    first_name: str = "Test"
    last_name: str | None = None
    language_code: str | None = "en"

    def as_user(self) -> dict[str, Any]:
        """The ``from`` object of their updates."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def as_chat(self) -> dict[str, Any]:
        """Their private chat with the bot."""
        return {"id": self.id, "type": "private", "first_name": self.first_name}


async def telegram_shopper(
    db: Database,
    setup: UnitSetup,
    who: Person,
    *,
    building: int = 0,
    room: str = "1201",
    phone: str | None = None,
) -> Customer:
    """``who`` is a Telegram customer of the unit already: bound, with address and phone.

    The phone is their own unless told (one phone is one customer).
    """
    phone = phone or f"139{who.id % 10**8:08d}"
    locale = "en" if (who.language_code or "").startswith("en") else "zh_CN"
    async with db.uow() as uow:
        customer = await customer_for_identity(uow, "telegram", str(who.id), locale=locale)
        customer.display_name = who.first_name
        await bind_to_unit(uow, customer, unit_id=setup.unit.id, partner=setup.partner)
        await set_address(uow, customer, building_id=setup.building_ids[building], room=room)
        await set_phone(uow, customer, phone)
        await uow.commit()
    return customer


def person(user: Person | int) -> Person:
    """Accept a bare user id where a Person is expected (English app)."""
    return user if isinstance(user, Person) else Person(user)


def recorder(app: Application) -> RecordingRequest:
    """The recording request behind ``app.bot``."""
    request = app.bot.request
    assert isinstance(request, RecordingRequest)
    return request


@asynccontextmanager
async def telegram_app(db: Database, **options: Any) -> AsyncIterator[Application]:
    """The real Linli Application on the recording request, initialised (getMe done)."""
    app = build_application(
        db, TOKEN, request=RecordingRequest(), get_updates_request=RecordingRequest(), **options
    )
    async with app:
        yield app


async def deliver(app: Application, update: dict[str, Any]) -> list[Call]:
    """Run one update (as Telegram's JSON) through ``process_update``; the calls it made."""
    request = recorder(app)
    before = len(request.calls)
    await app.process_update(Update.de_json(update, app.bot))
    return request.calls[before:]


def message_update(
    request: RecordingRequest, who: Person, update_id: int | None = None, **content: Any
) -> dict[str, Any]:
    """The JSON of a message from ``who`` carrying ``content`` (text=..., sticker=...)."""
    message = {
        "message_id": request.next_incoming_message_id(),
        "date": DATE,
        "chat": who.as_chat(),
        "from": who.as_user(),
        **content,
    }
    number = update_id if update_id is not None else request.next_update_id()
    return {"update_id": number, "message": message}


def press_update(
    request: RecordingRequest,
    who: Person,
    data: str,
    message_id: int,
    update_id: int | None = None,
) -> dict[str, Any]:
    """The JSON of ``who`` tapping a button carrying ``data`` under message ``message_id``."""
    query = {
        "id": request.next_query_id(who.id),
        "from": who.as_user(),
        "chat_instance": f"ci-{who.id}",
        "data": data,
        "message": {
            "message_id": message_id,
            "date": DATE,
            "chat": who.as_chat(),
            "from": BOT_USER,
            "text": "…",
        },
    }
    number = update_id if update_id is not None else request.next_update_id()
    return {"update_id": number, "callback_query": query}


async def send(
    app: Application, user: Person | int, update_id: int | None = None, **content: Any
) -> list[Call]:
    """A message from ``user`` carrying ``content`` (text=..., sticker=..., contact=...)."""
    return await deliver(app, message_update(recorder(app), person(user), update_id, **content))


async def send_text(
    app: Application, user: Person | int, text: str, *, update_id: int | None = None
) -> list[Call]:
    """The person types ``text`` (or taps a big reply-keyboard key labelled ``text``)."""
    return await send(app, user, update_id=update_id, text=text)


async def reply_to(app: Application, user: Person | int, message_id: int, text: str) -> list[Call]:
    """The person answers the bot's message ``message_id`` with Telegram's "Reply"."""
    who = person(user)
    replied = {"message_id": message_id, "date": DATE, "chat": who.as_chat(), "from": BOT_USER}
    return await send(app, who, text=text, reply_to_message=replied)


async def share_contact(
    app: Application, user: Person | int, phone: str, *, own: bool = True
) -> list[Call]:
    """The person taps "share my phone number" (or shares somebody else's card)."""
    who = person(user)
    contact = {"phone_number": phone, "first_name": who.first_name}
    if own:
        contact["user_id"] = who.id
    return await send(app, who, contact=contact)


async def send_photo(
    app: Application, user: Person | int, file_id: str = "photo-large", caption: str = ""
) -> list[Call]:
    """The person sends a picture (Telegram offers it in several sizes)."""
    sizes = [
        {"file_id": "photo-small", "file_unique_id": "s", "width": 90, "height": 90},
        {"file_id": file_id, "file_unique_id": "l", "width": 1280, "height": 960},
        {"file_id": "photo-medium", "file_unique_id": "m", "width": 320, "height": 240},
    ]
    extra = {"caption": caption} if caption else {}
    return await send(app, user, photo=sizes, **extra)


async def send_sticker(app: Application, user: Person | int) -> list[Call]:
    """The person sends a sticker."""
    sticker = {
        "file_id": "sticker-1",
        "file_unique_id": "st1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "👍",
    }
    return await send(app, user, sticker=sticker)


async def press_data(
    app: Application,
    user: Person | int,
    data: str,
    message_id: int,
    *,
    update_id: int | None = None,
) -> list[Call]:
    """The person taps an inline button carrying ``data`` under message ``message_id``."""
    update = press_update(recorder(app), person(user), data, message_id, update_id)
    return await deliver(app, update)


async def press(app: Application, user: Person | int, label_part: str) -> list[Call]:
    """The person taps the newest inline button whose label contains ``label_part``."""
    message_id, data = find_button(app, user, label_part)
    return await press_data(app, user, data, message_id)


def chat(app: Application, user: Person | int) -> list[Shown]:
    """The person's chat as their app shows it: messages in order, edits applied."""
    who = person(user)
    shown: dict[int, Shown] = {}
    for call in recorder(app).to(who.id):
        if call.result is None or not isinstance(call.result, dict):
            continue
        message_id = int(call.result["message_id"])
        if call.method in ("sendMessage", "sendPhoto"):
            shown[message_id] = Shown(message_id, call.text, call.buttons, call.keys)
        elif call.method == "editMessageText" and message_id in shown:
            shown[message_id].text, shown[message_id].buttons = call.text, call.buttons
    return sorted(shown.values(), key=lambda message: message.message_id)


def last_text(app: Application, user: Person | int) -> str:
    """The text of the newest message in the person's chat."""
    return chat(app, user)[-1].text


def toasts(app: Application, user: Person | int) -> list[str]:
    """The texts of every answered button press of the person (empty answers left out)."""
    return [
        str(call.params["text"])
        for call in recorder(app).to(person(user).id, "answerCallbackQuery")
        if call.params.get("text")
    ]


def keyboard(app: Application, user: Person | int) -> list[list[str]]:
    """The big reply-keyboard keys the person sees now (none after the bot hid them)."""
    for call in reversed(recorder(app).to(person(user).id, "sendMessage")):
        markup = call.params.get("reply_markup")
        if isinstance(markup, dict) and "remove_keyboard" in markup:
            return []
        if call.keys:
            return call.keys
    return []


def find_button(app: Application, user: Person | int, label_part: str) -> tuple[int, str]:
    """(message id, callback data) of the newest button whose label contains ``label_part``."""
    for message in reversed(chat(app, user)):
        for label, data in message.buttons:
            if label_part in label:
                return message.message_id, data
    raise LookupError(f"no button {label_part!r} in the chat of {person(user).id}")
