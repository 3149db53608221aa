"""Why did you stop ordering? The question a partner's pickup visit brings, and its answer.

The question goes to the customer's own chat (a ``Forward``), in their language, with one
button per reason signed for *their* chat id: the partner who booked the visit never
holds a button that could answer for them. A customer who opted out of "we miss you"
messages (topic ``winback``) is not asked. The first answer is recorded and passed on
to the partner in the partner's language; "something else" takes one line of text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.flows import callbacks
from bot.flows.context import Ctx
from bot.flows.customer.menu import show_menu
from bot.flows.events import Text
from bot.flows.partner.relay import (
    PARTNER_LOCALE,
    PARTNER_SENDER_CHANNELS,
    address_of,
    name_of,
    to_partner,
)
from bot.flows.payloads import Menu
from bot.flows.replies import Forward, InlineButton, InlineKeyboard
from bot.flows.router import expired, on_button, on_step
from bot.i18n import Translator, translator
from core.errors import NotFound
from core.models import Partner, WinbackQuestion
from core.partners.winback import (
    MAX_COMMENT,
    REASONS,
    mark_asked,
    question_by_id,
    question_for,
    record_answer,
    record_comment,
)
from core.people.customers import customer_by_id, locale_of_account, newest_identity, opt_outs
from core.people.partner_devices import WEB, web_chat_id
from core.people.units import partner_by_id, reachable_partner

OPT_OUT_TOPIC = "winback"
COMMENT_STEP = "winback_comment"


def _(message: str) -> str:
    """Mark for extraction; translated when shown."""
    return message


REASON_LABELS = {
    "prices": _("💰 Prices"),
    "quality": _("🥬 Quality"),
    "delivery_time": _("🕒 Delivery time"),
    "moved_away": _("🧳 Moved or away"),
    "no_longer_need": _("🙅 No longer needed"),
    "other": _("✏️ Something else"),
}
ASK = _(
    "Your partner {name} will come by on {day} to collect the crates. "
    "May we ask why you stopped ordering?"
)


@callbacks.payload("pw1")
@dataclass(frozen=True)
class WinbackReason:
    """The customer's answer to their own question (signed for the customer's chat)."""

    question_id: int
    reason: str


async def partner_words(ctx: Ctx, partner: Partner) -> Translator:
    """The partner's language: the one they use the bot in as a customer; Chinese otherwise."""
    locale = None
    if partner.telegram_id is not None:
        locale = await locale_of_account(ctx.uow, PARTNER_SENDER_CHANNELS, str(partner.telegram_id))
    else:  # a web-only partner: the language of their web partner chat
        locale = await locale_of_account(ctx.uow, frozenset({WEB}), web_chat_id(partner.id))
    return translator(locale or PARTNER_LOCALE, timezone=ctx.uow.settings.timezone)


def _reason_buttons(ctx: Ctx, theirs: Translator, chat_id: str, question_id: int) -> InlineKeyboard:
    """One button per reason, two a row, signed for the customer's chat."""
    buttons = [
        InlineButton(
            theirs.gettext(REASON_LABELS[reason]),
            callbacks.pack(ctx.key, chat_id, WinbackReason(question_id, reason)),
        )
        for reason in REASONS
    ]
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))


async def ask_why_stopped(
    ctx: Ctx, customer_id: int, partner: Partner, visit_date: dt.date, *, ask: str = ASK
) -> bool:
    """Ask the customer why they stopped ordering, for the partner's visit on ``visit_date``.

    True when the question is on its way (or was sent for this visit before: it is never
    sent twice). ``ask`` is the untranslated question with ``{name}`` and ``{day}`` (the
    crate pickup's by default). False, sending nothing, when the customer opted out of "we miss you"
    messages or cannot be reached in the bot. The question is recorded either way, so
    the visit is known. Another unit's customer is NotFound (core.partners.winback).
    """
    question, _created = await question_for(ctx.uow, partner, customer_id, visit_date)
    if OPT_OUT_TOPIC in await opt_outs(ctx.uow, customer_id):
        return False
    identity = await newest_identity(ctx.uow, customer_id)
    customer = await customer_by_id(ctx.uow, customer_id)
    if identity is None or customer is None:
        return False
    if question.asked_at is not None:
        return True
    theirs = translator(customer.locale, timezone=ctx.uow.settings.timezone)
    text = theirs.gettext(ask).format(name=partner.name, day=theirs.weekday_date(visit_date))
    ctx.forward(
        Forward(
            channel=identity.channel,
            chat_id=identity.external_id,
            text=text,
            buttons=_reason_buttons(ctx, theirs, identity.external_id, question.id),
        )
    )
    await mark_asked(ctx.uow, question)
    return True


def _skip(ctx: Ctx) -> InlineKeyboard:
    """Leave the line unwritten: back to the menu."""
    return ((ctx.button(ctx._("Skip"), Menu("menu")),),)


def _menu(ctx: Ctx) -> InlineKeyboard:
    """The way on after answering."""
    return ((ctx.button(ctx._("🏠 Menu"), Menu("menu")),),)


@dataclass(frozen=True)
class _PartnerView:
    """The partner to tell, their language, and the household as they know it."""

    partner: Partner
    words: Translator
    address: str
    name: str


async def _partner_view(ctx: Ctx, question: WinbackQuestion) -> _PartnerView | None:
    """Who to tell: the partner who asked (else the unit's partner now), in their words."""
    partner = await partner_by_id(ctx.uow, question.partner_id)
    if partner is None or not partner.active:
        partner = await reachable_partner(ctx.uow, ctx.customer)
    if partner is None:
        return None
    words = await partner_words(ctx, partner)
    address = await address_of(ctx.uow, ctx.customer, words)
    return _PartnerView(partner, words, address, name_of(ctx.customer, words))


@on_button(WinbackReason)
async def reason_chosen(ctx: Ctx, item: WinbackReason) -> None:
    """Record the reason (the first one stays), thank them, tell the partner."""
    if item.reason not in REASONS:
        await expired(ctx)
        return
    try:
        answer = await record_answer(
            ctx.uow, customer_id=ctx.customer.id, question_id=item.question_id, reason=item.reason
        )
    except NotFound:  # someone else's question: say nothing of it
        await expired(ctx)
        return
    question = answer.question
    if not answer.first:
        ctx.chat.go("idle")
        ctx.show(ctx._("You have told us already. Thank you!"), _menu(ctx))
        return
    seen = await _partner_view(ctx, question)
    if seen is not None:
        label = REASON_LABELS.get(question.reason or "", item.reason)
        reason = seen.words.gettext(label)
        text = seen.words.gettext(
            "📦 {address} ({name}) told us why they stopped ordering: {reason}"
        ).format(address=seen.address, name=seen.name, reason=reason)
        ctx.forward(to_partner(seen.partner, ctx.customer, text))
    if question.reason == "other":
        ctx.chat.go(COMMENT_STEP, question=question.id)
        ctx.show(
            ctx._("Thank you! In one line, what made you stop? Type it below, or tap Skip."),
            _skip(ctx),
        )
        return
    ctx.chat.go("idle")
    ctx.show(
        ctx._("Thank you for telling us. Your partner will see it, and it helps us do better."),
        _menu(ctx),
    )


@on_step(COMMENT_STEP)
async def comment_written(ctx: Ctx) -> None:
    """The one line after "something else": kept once, passed on to the partner."""
    question_id = ctx.chat.data.get("question")
    if not isinstance(question_id, int):
        await show_menu(ctx)
        return
    event = ctx.event
    if not isinstance(event, Text):
        ctx.say(ctx._("Please type it as a message, or tap Skip."), _skip(ctx))
        return
    line = " ".join(event.text.split())
    if not line:
        ctx.say(ctx._("That was empty. Please write a few words, or tap Skip."), _skip(ctx))
        return
    if len(line) > MAX_COMMENT:
        ctx.say(
            ctx._(
                "That's a bit long. Please keep it to one line of at most {max} characters, "
                "or tap Skip."
            ).format(max=MAX_COMMENT),
            _skip(ctx),
        )
        return
    ctx.chat.go("idle")
    try:
        added = await record_comment(
            ctx.uow, customer_id=ctx.customer.id, question_id=question_id, text=line
        )
    except NotFound:
        await show_menu(ctx)
        return
    question = await question_by_id(ctx.uow, question_id)
    seen = await _partner_view(ctx, question) if added and question is not None else None
    if seen is not None:
        text = seen.words.gettext("📦 {address} ({name}) added: {line}").format(
            address=seen.address, name=seen.name, line=line
        )
        ctx.forward(to_partner(seen.partner, ctx.customer, text))
    await show_menu(ctx, note=ctx._("Thank you! We have passed it on to your partner."))
