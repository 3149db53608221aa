"""The Telegram adapter through python-telegram-bot's real Application.process_update.

Every test drives JSON updates like Telegram sends them through ``process_update`` on a
request object that records the Bot API calls (tests/telegram/fake_bot_api.py).
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from telegram import Update

from app.cli.main import cli
from bot.flows import router
from bot.flows.events import Button, Command, Contact, Incoming, Location, Photo, Text, Unsupported
from bot.flows.replies import Edit, Forward, InlineButton, Reply, Say, Toast
from bot.handlers.telegram import APOLOGY, PerChatUpdateProcessor, register_commands
from core.models import RelayLink
from core.people.customers import customer_for_identity
from core.platform.uow import Database
from tests.factories import make_unit_with_partner
from tests.telegram.fake_bot_api import (
    BOT_USERNAME,
    DATE,
    Person,
    chat,
    deliver,
    find_button,
    keyboard,
    last_text,
    person,
    press,
    press_data,
    recorder,
    reply_to,
    send,
    send_photo,
    send_sticker,
    send_text,
    share_contact,
    telegram_shopper,
    toasts,
)

EN = router.t_for("en")
ALICE = Person(1001, "Alice", language_code="en")


def answers(app, user) -> list:
    """Every answerCallbackQuery made for ``user``'s presses."""
    return recorder(app).to(person(user).id, "answerCallbackQuery")


def fake_flow(monkeypatch, replies_for):
    """Replace the router with ``replies_for(incoming) -> replies``; returns what it saw."""
    seen: list[Incoming] = []

    async def handle(_db: Database, incoming: Incoming) -> list[Reply]:
        seen.append(incoming)
        result = replies_for(incoming)
        return await result if asyncio.iscoroutine(result) else result

    monkeypatch.setattr(router, "handle", handle)
    return seen


# --- messages and buttons ------------------------------------------------------------


async def test_help_is_answered_with_a_message_carrying_the_menu_buttons(app):
    calls = await send_text(app, ALICE, "/help")

    assert [call.method for call in calls] == ["sendMessage"]
    assert "What would you like to do?" in calls[0].text
    labels = [label for label, _data in calls[0].buttons]
    assert len(labels) == 8 and any("Cart" in label for label in labels)


async def test_a_button_press_edits_its_message_and_is_answered(app):
    await send_text(app, ALICE, "/help")
    menu_id, _data = find_button(app, ALICE, "Cart")

    calls = await press(app, ALICE, "Cart")

    assert sorted(call.method for call in calls) == ["answerCallbackQuery", "editMessageText"]
    edit = next(call for call in calls if call.method == "editMessageText")
    assert edit.params["message_id"] == menu_id and edit.chat_id == ALICE.id
    assert len(chat(app, ALICE)) == 1  # browsing never floods the chat


async def test_a_forged_button_is_answered_with_the_expired_note(app):
    await send_text(app, ALICE, "/help")

    await press_data(app, ALICE, "m1:cart|AAAAAAAA", message_id=1)

    assert toasts(app, ALICE) == [EN.gettext(router.EXPIRED)]
    assert len(answers(app, ALICE)) == 1


async def test_every_button_press_is_answered_exactly_once_even_without_a_note(app, monkeypatch):
    await send_text(app, ALICE, "/help")
    (menu,) = chat(app, ALICE)
    for _label, data in menu.buttons:
        await press_data(app, ALICE, data, menu.message_id)
    fake_flow(monkeypatch, lambda _in: [])
    await press_data(app, ALICE, "anything", menu.message_id)

    assert len(answers(app, ALICE)) == len(menu.buttons) + 1


async def test_a_press_with_several_notes_gets_one_answer_joining_them(app, monkeypatch):
    fake_flow(monkeypatch, lambda _in: [Toast("Added"), Toast("Free gift!", alert=True)])

    await press_data(app, ALICE, "anything", message_id=5)

    (answer,) = answers(app, ALICE)
    assert answer.params["text"] == "Added\nFree gift!" and answer.params["show_alert"] is True


async def test_a_note_meant_for_a_press_still_reaches_someone_who_typed(app, monkeypatch):
    fake_flow(monkeypatch, lambda _in: [Toast("Saved")])

    calls = await send_text(app, ALICE, "hello")

    assert [(call.method, call.text) for call in calls] == [("sendMessage", "Saved")]


async def test_the_same_update_delivered_twice_is_processed_once(app):
    first = await send_text(app, ALICE, "/help", update_id=555)
    again = await send_text(app, ALICE, "/help", update_id=555)

    assert len(first) == 1 and again == []


@pytest.fixture
async def alice(db):
    """Alice already shops at 锦绣花园."""
    setup = await make_unit_with_partner(db)
    return await telegram_shopper(db, setup, ALICE)


async def test_a_sticker_gets_a_helpful_reply(app, alice):
    calls = await send_sticker(app, ALICE)

    assert calls and calls[0].method == "sendMessage" and calls[0].text
    assert calls[0].buttons  # a way forward, not a dead end


async def test_a_text_of_ten_thousand_characters_gets_a_reply(app, alice):
    calls = await send_text(app, ALICE, "苹果" * 5000)

    assert calls and all(call.method == "sendMessage" for call in calls)
    assert "What would you like to do?" in calls[-1].text


# --- what flows see -------------------------------------------------------------------


async def test_updates_become_channel_neutral_events(app, monkeypatch):
    seen = fake_flow(monkeypatch, lambda _in: [])
    bob = Person(2002, "Bob", "Li", language_code="zh-hans")

    await send_text(app, bob, "/start jinxiu-b3")
    await send_text(app, bob, f"/menu@{BOT_USERNAME}")
    await send_text(app, bob, "可乐")
    await share_contact(app, bob, "+86 139 0000 1111")
    await share_contact(app, bob, "13800000000", own=False)
    await send_photo(app, bob, "big-one", caption="broken egg")
    await send(app, bob, location={"latitude": 31.2304, "longitude": 121.4737})
    await send_sticker(app, bob)
    await send(app, bob, voice={"file_id": "v", "file_unique_id": "v", "duration": 3})

    assert [incoming.event for incoming in seen] == [
        Command("start", "jinxiu-b3"),
        Command("menu", ""),
        Text("可乐"),
        Contact("+86 139 0000 1111", own=True),
        Contact("13800000000", own=False),
        Photo("big-one", "broken egg"),
        Location("31.2304", "121.4737"),
        Unsupported("sticker"),
        Unsupported("voice"),
    ]
    first = seen[0]
    assert (first.channel, first.chat_id, first.user_id) == ("telegram", "2002", "2002")
    assert (first.display_name, first.language_code) == ("Bob Li", "zh-hans")
    assert len({incoming.update_id for incoming in seen}) == len(seen)


async def test_a_press_names_the_message_it_sits_on_and_a_reply_the_message_it_answers(
    app, monkeypatch
):
    seen = fake_flow(monkeypatch, lambda _in: [])

    await press_data(app, ALICE, "m1:cart|x", message_id=77)
    await reply_to(app, ALICE, 78, "yes please")

    assert seen[0].event == Button("m1:cart|x") and seen[0].message_ref == "77"
    assert seen[1].event == Text("yes please") and seen[1].reply_to_ref == "78"


async def test_group_chats_are_not_served(app, monkeypatch):
    seen = fake_flow(monkeypatch, lambda _in: [Say("hello")])
    group = {"id": -100123, "type": "supergroup", "title": "Building 3"}
    message = {"message_id": 1, "date": DATE, "chat": group, "from": ALICE.as_user(), "text": "hi"}

    calls = await deliver(app, {"update_id": 9, "message": message})

    assert seen == [] and calls == []


# --- how replies are shown -------------------------------------------------------------


async def test_big_keys_come_with_the_share_phone_key_first_and_can_be_hidden(app, monkeypatch):
    script = iter(
        [
            [Say("Your phone?", keyboard=(("Rice & oil", "Drinks"),), ask_contact="📱 Share")],
            [Say("Thanks!", remove_keyboard=True)],
        ]
    )
    fake_flow(monkeypatch, lambda _in: next(script))

    (asked,) = await send_text(app, ALICE, "start")
    markup = asked.params["reply_markup"]
    assert markup["resize_keyboard"] is True
    assert markup["keyboard"][0] == [{"text": "📱 Share", "request_contact": True}]
    assert keyboard(app, ALICE) == [["📱 Share"], ["Rice & oil", "Drinks"]]

    await send_text(app, ALICE, "ok")
    assert keyboard(app, ALICE) == []


async def test_a_reply_longer_than_telegram_allows_is_split_with_buttons_on_the_last_part(
    app, monkeypatch
):
    long_text = "\n".join(f"line {n} " + "x" * 90 for n in range(100))  # ~10,000 characters
    button = InlineButton("Menu", "m1:menu|abc")
    fake_flow(monkeypatch, lambda _in: [Say(long_text, ((button,),))])

    calls = await send_text(app, ALICE, "list")

    assert len(calls) == 3 and all(len(call.text) <= 4096 for call in calls)
    assert "\n".join(call.text for call in calls) == long_text
    assert [bool(call.buttons) for call in calls] == [False, False, True]


async def test_a_picture_is_sent_as_a_photo_with_its_caption(app, monkeypatch):
    fake_flow(monkeypatch, lambda _in: [Say("Today's deals", image=b"\x89PNG fake")])

    (call,) = await send_text(app, ALICE, "deals")

    assert call.method == "sendPhoto" and call.params["caption"] == "Today's deals"


async def test_an_unchanged_screen_is_not_an_error(app, monkeypatch, caplog):
    fake_flow(monkeypatch, lambda _in: [Edit("Same as before")])
    recorder(app).fail(
        "editMessageText",
        400,
        "Bad Request: message is not modified: specified new message content and reply "
        "markup are exactly the same as a current content and reply markup of the message",
    )

    with caplog.at_level(logging.INFO, logger="linli.telegram"):
        calls = await press_data(app, ALICE, "x", message_id=3)

    assert sorted(call.method for call in calls) == ["answerCallbackQuery", "editMessageText"]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_message_that_can_no_longer_be_edited_is_sent_anew(app, monkeypatch):
    fake_flow(monkeypatch, lambda _in: [Edit("Your cart is empty")])
    recorder(app).fail("editMessageText", 400, "Bad Request: message to edit not found")

    calls = await press_data(app, ALICE, "x", message_id=3)

    sent = [call for call in calls if call.method == "sendMessage"]
    assert [call.text for call in sent] == ["Your cart is empty"]


async def test_a_customer_who_blocked_the_bot_is_left_alone_quietly(app, monkeypatch, caplog):
    fake_flow(monkeypatch, lambda _in: [Say("one"), Say("two")])
    recorder(app).fail("sendMessage", 403, "Forbidden: bot was blocked by the user")

    with caplog.at_level(logging.INFO):
        calls = await send_text(app, ALICE, "hello")

    assert [call.method for call in calls] == ["sendMessage"]  # no second try, no apology
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


# --- errors ----------------------------------------------------------------------------


async def test_a_crash_inside_a_flow_gets_a_short_apology_and_no_stack_trace(
    app, monkeypatch, caplog
):
    async def broken(_db: Database, _incoming: Incoming) -> list[Reply]:
        raise RuntimeError("column customers.secret_ref does not exist")

    monkeypatch.setattr(router, "handle", broken)

    with caplog.at_level(logging.ERROR, logger="linli.telegram"):
        calls = await send_text(app, ALICE, "/help", update_id=424242)

    assert [call.text for call in calls] == [EN.gettext(APOLOGY)]
    assert "Traceback" not in calls[0].text and "secret_ref" not in calls[0].text
    (logged,) = caplog.records
    assert "update 424242 in chat 1001" in logged.getMessage() and logged.exc_info


async def test_a_crash_after_a_press_still_answers_the_press_once(app, monkeypatch):
    async def broken(_db: Database, _incoming: Incoming) -> list[Reply]:
        raise ValueError("boom")

    monkeypatch.setattr(router, "handle", broken)

    calls = await press_data(app, ALICE, "m1:cart|x", message_id=4)

    assert sorted(call.method for call in calls) == ["answerCallbackQuery", "sendMessage"]
    assert last_text(app, ALICE) == EN.gettext(APOLOGY)


async def test_the_apology_speaks_the_customers_language(app, db, monkeypatch):
    async with db.uow() as uow:
        await customer_for_identity(uow, "telegram", "3003", locale="zh_CN")
        await uow.commit()

    async def broken(_db: Database, _incoming: Incoming) -> list[Reply]:
        raise RuntimeError("boom")

    monkeypatch.setattr(router, "handle", broken)

    (call,) = await send_text(app, Person(3003, language_code="en"), "hi")

    assert call.text == router.t_for("zh_CN").gettext(APOLOGY)


# --- relaying messages between customers and their partner ----------------------------


async def test_a_partners_reply_to_a_relayed_message_reaches_that_customer_only(app, db):
    setup = await make_unit_with_partner(db)
    partner = Person(setup.partner.telegram_id, "王阿姨", language_code="zh-hans")
    amy, ben = Person(4001, "Amy"), Person(4002, "Ben")
    await telegram_shopper(db, setup, amy, room="1201")
    await telegram_shopper(db, setup, ben, room="0802")
    for who, words in ((amy, "Is the milk fresh?"), (ben, "Can you come at 8?")):
        await send_text(app, who, "/menu")
        await press(app, who, "My partner")
        await send_text(app, who, words)
    from_amy, from_ben = chat(app, partner)

    await reply_to(app, partner, from_ben.message_id, "8 is fine")
    await reply_to(app, partner, from_amy.message_id, "Delivered this morning")

    assert "Is the milk fresh?" in from_amy.text and "1201" in from_amy.text
    assert "Delivered this morning" in last_text(app, amy)
    assert "8 is fine" in last_text(app, ben)
    assert not any("8 is fine" in m.text for m in chat(app, amy))
    assert not any("Delivered" in m.text for m in chat(app, ben))
    async with db.uow() as uow:
        links = {link.message_ref for link in (await uow.session.scalars(select(RelayLink)))}
    assert links == {str(from_amy.message_id), str(from_ben.message_id)}


async def test_a_relayed_photo_is_sent_as_a_photo(app, db, monkeypatch):
    async with db.uow() as uow:
        customer = await customer_for_identity(uow, "telegram", str(ALICE.id))
        await uow.commit()
    fake_flow(
        monkeypatch,
        lambda incoming: [
            Forward("telegram", "9000", "Alice:", incoming.event.file_ref, customer.id)
        ],
    )

    (call,) = await send_photo(app, ALICE, "egg-photo")

    assert call.method == "sendPhoto" and call.params["photo"] == "egg-photo"
    async with db.uow() as uow:
        link = await uow.session.scalar(select(RelayLink))
    assert link.message_ref == str(call.result["message_id"])


async def test_a_message_to_another_person_carries_its_buttons_as_reply_markup(app, monkeypatch):
    question = ((InlineButton("💰 Prices", "pw1:7:prices|sig"),),)
    fake_flow(monkeypatch, lambda _in: [Forward("telegram", "9000", "Why?", buttons=question)])

    (call,) = await send_text(app, ALICE, "booked")

    assert call.method == "sendMessage" and call.chat_id == 9000
    assert call.buttons == [("💰 Prices", "pw1:7:prices|sig")]


async def test_a_photo_to_another_person_carries_its_buttons_too(app, monkeypatch):
    question = ((InlineButton("OK", "pw1:7:other|sig"),),)
    fake_flow(
        monkeypatch,
        lambda _in: [
            Forward("telegram", "9000", "Look", photo_ref="crate-photo", buttons=question)
        ],
    )

    (call,) = await send_text(app, ALICE, "photo")

    assert call.method == "sendPhoto" and call.buttons == [("OK", "pw1:7:other|sig")]


# --- start-up ---------------------------------------------------------------------------


async def test_commands_are_registered_for_private_chats_in_chinese_and_english(app):
    await register_commands(app)

    calls = [call for call in recorder(app).calls if call.method == "setMyCommands"]
    assert [call.params.get("language_code") for call in calls] == [None, "zh", "en"]
    assert all(call.params["scope"] == {"type": "all_private_chats"} for call in calls)
    english = {c["command"]: c["description"] for c in calls[-1].params["commands"]}
    assert set(english) == {"start", "menu", "help"}
    assert english["menu"] == "Main menu"


@pytest.mark.parametrize("token", [None, "", "not-a-token", "12345:short", "abc:" + "x" * 40])
def test_linli_bot_refuses_to_start_without_a_valid_token(tmp_path, token):
    env = {"LINLI_DATABASE_URL": f"sqlite:///{tmp_path / 'never.sqlite3'}"}
    env["LINLI_TELEGRAM_TOKEN"] = token  # None: unset

    result = CliRunner().invoke(cli, ["bot"], env=env)

    assert result.exit_code == 1
    assert "LINLI_TELEGRAM_TOKEN" in result.output and "Traceback" not in result.output


def test_linli_bot_refuses_an_api_url_that_is_not_http(tmp_path):
    env = {
        "LINLI_DATABASE_URL": f"sqlite:///{tmp_path / 'never.sqlite3'}",
        "LINLI_TELEGRAM_TOKEN": "123456789:" + "A" * 35,
        "LINLI_TELEGRAM_API_URL": "ftp://bots.example.com",
    }

    result = CliRunner().invoke(cli, ["bot"], env=env)

    assert result.exit_code == 1 and "LINLI_TELEGRAM_API_URL" in result.output


async def test_one_chats_updates_run_in_order_while_other_chats_go_ahead(app):
    processor = PerChatUpdateProcessor(8)
    log: list[str] = []
    gate = asyncio.Event()

    def update(update_id: int, who: Person) -> Update:
        message = {"message_id": update_id, "date": DATE, "chat": who.as_chat(), "text": "x"}
        return Update.de_json({"update_id": update_id, "message": message}, app.bot)

    async def step(name: str, wait: bool = False) -> None:
        if wait:
            await gate.wait()
        log.append(name)

    bob = Person(2002)
    first = asyncio.create_task(processor.process_update(update(1, ALICE), step("alice-1", True)))
    second = asyncio.create_task(processor.process_update(update(2, ALICE), step("alice-2")))
    await processor.process_update(update(3, bob), step("bob-1"))
    assert log == ["bob-1"]  # Bob is not held up by Alice's slow update
    gate.set()
    await asyncio.gather(first, second)
    assert log == ["bob-1", "alice-1", "alice-2"]
