"""The household profile: who lives at home, kept only with the customer's explicit consent.

One screen serves onboarding (toggles, "save — I agree", "skip") and settings (toggles,
save, withdraw consent, back). Toggles live in the chat data until saved, so nothing is
stored before the customer agrees, and "skip" stores nothing at all.
"""

from __future__ import annotations

from babel.lists import format_list

from bot.flows.context import Ctx
from bot.flows.customer.onboarding import (
    BACK_TO_SETTINGS,
    USE_BUTTONS,
    back_to_settings,
    from_settings,
    joined,
    keep_back,
    welcome,
)
from bot.flows.payloads import Household
from bot.flows.replies import InlineButton
from bot.flows.router import expired, on_button, on_step
from core.models import Customer
from core.people.customers import set_household_profile

STEP_HOUSEHOLD = "onb_household"


def _(message: str) -> str:
    """Mark for extraction; translated when shown."""
    return message


# (choice, Customer attribute, label), in the order shown.
FLAGS = (
    ("elderly", "has_elderly", _("Older people at home")),
    ("children", "has_children", _("Children at home")),
    ("pregnant", "has_pregnant", _("A baby on the way")),
)
WHY = _(
    "Tell us about your household and we'll send coupons that suit your family. "
    "Your partner sees this only because you agree, and you can change or delete it "
    "any time in Settings."
)
TAP = _("Tap what applies to your home, then “Save”.")
AGREED_ON = _("You agreed to share this on {date}.")
SAVE = _("💾 Save, I agree")
SKIP = _("Skip")
WITHDRAW = _("🗑 Withdraw consent and delete")


def household_summary(ctx: Ctx, customer: Customer) -> str:
    """What the customer shared, in words ("Older people at home, Children at home")."""
    if customer.profile_consent_at is None:
        return ctx._("Not shared")
    shared = [ctx._(label) for _choice, attr, label in FLAGS if getattr(customer, attr)]
    if not shared:
        return ctx._("Shared, nothing ticked")
    return format_list(shared, locale=ctx.t.babel_locale)


async def ask_household(ctx: Ctx, *, note: str | None = None) -> None:
    """Open the profile screen with what the customer agreed to share before, if anything."""
    customer = ctx.customer
    consented = customer.profile_consent_at is not None
    flags = {choice: consented and bool(getattr(customer, attr)) for choice, attr, _l in FLAGS}
    keep_back(ctx, STEP_HOUSEHOLD, **flags)
    _render(ctx, note=note)


def _render(ctx: Ctx, *, note: str | None = None) -> None:
    """The toggles with ✅, and the ways out that fit where the customer came from."""
    customer = ctx.customer
    rows: list[tuple[InlineButton, ...]] = []
    for choice, _attr, label in FLAGS:
        mark = "✅" if ctx.chat.data.get(choice) else "▫️"
        rows.append((ctx.button(f"{mark} {ctx._(label)}", Household(choice)),))
    agreed = None
    if from_settings(ctx):
        rows.append((ctx.button(ctx._(SAVE), Household("done")),))
        if customer.profile_consent_at is not None:
            rows.append((ctx.button(ctx._(WITHDRAW), Household("withdraw")),))
            agreed = ctx._(AGREED_ON).format(date=ctx.t.date(customer.profile_consent_at))
        rows.append((ctx.button(ctx._(BACK_TO_SETTINGS), Household("skip")),))
    else:
        rows.append(
            (ctx.button(ctx._(SAVE), Household("done")), ctx.button(ctx._(SKIP), Household("skip")))
        )
    ctx.show(joined(note, ctx._(WHY), agreed, ctx._(TAP)), tuple(rows))


@on_step(STEP_HOUSEHOLD)
async def household_nudge(ctx: Ctx) -> None:
    """Typing while the profile buttons wait: say so, show them again."""
    _render(ctx, note=ctx._(USE_BUTTONS))


@on_button(Household)
async def household_answer(ctx: Ctx, item: Household) -> None:
    """Toggle a flag in place, save with consent, skip, or withdraw consent."""
    if ctx.chat.step != STEP_HOUSEHOLD:
        await expired(ctx)
        return
    choices = [choice for choice, _attr, _label in FLAGS]
    if item.choice in choices:
        ctx.chat.data[item.choice] = not ctx.chat.data.get(item.choice)
        _render(ctx)
        return
    if item.choice == "done":
        flags = {choice: bool(ctx.chat.data.get(choice)) for choice in choices}
        await set_household_profile(ctx.uow, ctx.customer, consent=True, **flags)
        ctx.toast(ctx._("Saved. Thank you!"))
    elif item.choice == "withdraw":
        await set_household_profile(ctx.uow, ctx.customer, consent=False)
        ctx.toast(ctx._("Deleted. We no longer keep your household details."))
    elif item.choice != "skip":
        await expired(ctx)
        return
    if from_settings(ctx):
        await back_to_settings(ctx)
    else:
        await welcome(ctx)
