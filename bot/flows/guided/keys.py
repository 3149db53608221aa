"""Guided mode's words and big buttons: reply-keyboard labels, matching them, laying them out.

Reply-keyboard buttons come back as Text events carrying their label in the customer's
language, so every fixed label here is matched through the same translation it was shown
with; labels made from data (categories, products, buildings) are kept in the chat data
with the id they stand for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.flows.context import Ctx
from bot.flows.replies import ReplyKeyboard
from bot.i18n import Translator

STEP_BUILDING = "guided_building"
STEP_ROOM = "guided_room"
STEP_PHONE = "guided_phone"
STEP_CATEGORY = "guided_category"
STEP_PRODUCT = "guided_product"
STEP_ITEM = "guided_item"
STEP_REVIEW = "guided_review"
STEP_CHANGE = "guided_change"
STEP_DONE = "guided_done"
STEPS = (
    STEP_BUILDING,
    STEP_ROOM,
    STEP_PHONE,
    STEP_CATEGORY,
    STEP_PRODUCT,
    STEP_ITEM,
    STEP_REVIEW,
    STEP_CHANGE,
    STEP_DONE,
)
CHOICES = "choices"  # chat-data key: {label shown: id it stands for}
MAX_LABEL = 60  # long names make buttons nobody can read


def _(message: str) -> str:
    """Mark for extraction; translated when shown."""
    return message


CALL = _("📞 Call my partner for help")
MORE = _("➡️ More")
BACK = _("⬅️ Back")
ADD_ONE = _("➕ Add 1 more")
TAKE_ONE = _("➖ Take 1 away")
REMOVE = _("❌ Remove it")
THATS_ALL = _("✅ That's all")
SOMETHING_ELSE = _("🛍 Something else")
YES = _("✅ Yes, order it")
CHANGE = _("✏️ Change something")
SKIP = _("Skip")
SHARE_PHONE = _("📱 Share my phone number")
SHOP_AGAIN = _("🛍 Order something else")
PRESS_A_BUTTON = _("Please press one of the big buttons below 👇")


def is_label(ctx: Ctx, text: str | None, label: str) -> bool:
    """True when ``text`` is the button ``label`` (as shown now, or its English original)."""
    if text is None:
        return False
    typed = " ".join(text.split())
    return typed in {ctx._(label), label}


def chosen(ctx: Ctx, text: str | None) -> int | None:
    """The id behind a data button the customer pressed on the current question."""
    if text is None:
        return None
    choices: dict[str, Any] = ctx.chat.data.get(CHOICES) or {}
    value = choices.get(" ".join(text.split()))
    return int(value) if isinstance(value, int) else None


def local_name(t: Translator, zh: str, en: str) -> str:
    """A name in the reader's language (Chinese unless they read English)."""
    return en if t.locale == "en" and en else zh


def short(label: str) -> str:
    """A name short enough for a big button."""
    label = " ".join(label.split())
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def unique_labels(names: Sequence[str]) -> list[str]:
    """Button labels, numbered when two names read the same (the keyboard must tell them apart)."""
    seen: dict[str, int] = {}
    labels = []
    for name in names:
        label = short(name)
        seen[label] = seen.get(label, 0) + 1
        labels.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return labels


def page_of(items: Sequence[Any], page: int, size: int) -> tuple[list[Any], int, bool]:
    """(items on ``page``, the page actually shown, whether there are other pages)."""
    pages = max(1, -(-len(items) // size))
    page = page % pages if page >= 0 else 0
    return list(items[page * size : (page + 1) * size]), page, pages > 1


def keyboard(
    ctx: Ctx, labels: Sequence[str], *, columns: int = 2, rows: Sequence[Sequence[str]] = ()
) -> ReplyKeyboard:
    """Data labels ``columns`` a row, then fixed rows (translated), then "Call my partner"."""
    grid = [tuple(labels[i : i + columns]) for i in range(0, len(labels), columns)]
    grid += [tuple(ctx._(label) for label in row) for row in rows if row]
    grid.append((ctx._(CALL),))
    return tuple(grid)


def joined(*parts: str | None) -> str:
    """Paragraphs of one message, skipping the empty ones."""
    return "\n\n".join(part for part in parts if part)
