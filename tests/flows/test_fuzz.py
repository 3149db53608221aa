"""Random sequences of chat events never crash the flows and never leak untranslated text."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from babel.messages.pofile import read_po
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.flows.events import Button, Command, Contact, Photo, Text, Unsupported
from bot.flows.replies import Edit, Forward, Say, Toast
from bot.handlers.memory import MemoryChannel
from tests.factories import make_product, make_unit_with_partner, scratch_sqlite

POT = Path(__file__).resolve().parents[2] / "bot" / "locales" / "messages.pot"
LOCALES = ("zh-hans", "en")

texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "可乐",
            "kl",
            "kele",
            "1201",
            "13900000000",
            "'; DROP TABLE orders; --",
            "🍎🍎🍎",
            "-5",
            "999999999",
            "COKE01",
            "yes",
            "是",
            " ",
            "x" * 10_000,
        ]
    ),
)
commands = st.builds(
    Command,
    name=st.sampled_from(["start", "menu", "help", "cart", "frobnicate", "START"]),
    args=st.one_of(st.just(""), st.text(max_size=70), st.sampled_from(["i", "a", "ib3", "../.."])),
)
# "press:N" means: press the N-th button (mod count) of the newest message that has buttons.
actions = st.one_of(
    texts.map(Text),
    commands,
    st.integers(min_value=0, max_value=50).map(lambda n: f"press:{n}"),
    st.text(max_size=80).map(Button),
    st.sampled_from(["13900000000", "+8613900000001", "12"]).map(Contact),
    st.just(Photo(file_ref="photo-1", caption="看看这个")),
    st.sampled_from(["sticker", "voice", "document"]).map(Unsupported),
)


def _english_msgids() -> set[str]:
    """English source strings long enough that seeing one verbatim means it was not translated."""
    if not POT.exists():
        return set()
    with POT.open("rb") as handle:
        catalog = read_po(handle)
    return {
        message.id for message in catalog if isinstance(message.id, str) and len(message.id) >= 12
    }


ENGLISH = _english_msgids()
PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)s")


async def _scenario(steps: list[object], locale: str) -> None:
    """Play ``steps`` against a fresh little shop and check every reply."""
    async with scratch_sqlite("fuzz") as db:
        await make_unit_with_partner(db)
        await make_product(db, "COKE", name_zh="可口可乐 330ml", price_fen=235)
        await make_product(db, "RICE", name_zh="东北大米 5kg", price_fen=3990, heavy=True)
        channel = MemoryChannel(db)
        for step in steps:
            if isinstance(step, str):
                chat = channel.chat("fuzzer")
                buttons = [b for m in chat.messages for row in m.buttons for b in row]
                if not buttons:
                    continue
                index = int(step.split(":")[1]) % len(buttons)
                event: object = Button(buttons[index].data)
            else:
                event = step
            replies = await channel.send("fuzzer", event, language_code=locale)  # type: ignore[arg-type]
            for reply in replies:
                _check(reply, locale)


def _check(reply: object, locale: str) -> None:
    """No Python reprs, no raw tracebacks, and Chinese customers see no English msgid."""
    text = getattr(reply, "text", "")
    assert isinstance(reply, Say | Edit | Toast | Forward)
    assert "Traceback" not in text and "Error(" not in text
    assert not PLACEHOLDER.search(text), f"unfilled placeholder in {text!r}"
    if locale == "zh-hans" and not isinstance(reply, Forward):
        leaked = [msgid for msgid in ENGLISH if msgid in text]
        assert not leaked, f"untranslated: {leaked[:3]}"


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(steps=st.lists(actions, min_size=1, max_size=25), locale=st.sampled_from(LOCALES))
def test_random_chat_events_never_crash_a_flow_or_leak_english_to_chinese_customers(steps, locale):
    asyncio.run(_scenario(steps, locale))
