"""My partner: a customer's messages go to the unit's partner, the partner's replies come back.

The partner answers by replying to the relayed message (in Telegram: swipe to reply; on
the web: the "Reply" button under each relayed message); the channel remembered which
customer that message speaks for (``Forward.relay_customer_id``), so an answer reaches
that customer only. A partner is reached on Telegram when they have an account there,
else in their web chat (``core.people.partner_devices.partner_address``). Neither side
ever sees the other's chat account: only the partner's
name and the customer's building and room.
"""

from __future__ import annotations

from bot.flows.context import Ctx
from bot.flows.customer.menu import section, show_menu
from bot.flows.events import Button, Command, Photo, Text
from bot.flows.payloads import Menu
from bot.flows.replies import Forward, InlineKeyboard
from bot.flows.router import on_step
from bot.i18n import Translator, translator
from core.messaging.relay import customer_behind
from core.models import Customer, Partner
from core.people.customers import customer_by_id, newest_identity
from core.people.partner_devices import WEB, partner_address, web_partner_id
from core.people.units import (
    active_partner_by_telegram,
    building_by_id,
    partner_by_id,
    reachable_partner,
)
from core.platform.uow import UnitOfWork

RELAY_STEP = "relay"
# Partners with a Telegram account are reached there (Partner.telegram_id) and relay links
# are recorded there; a partner without one is reached in their web chat (channel "web").
PARTNER_CHANNEL = "telegram"
# Channels whose user ids are Telegram user ids (the in-memory one stands in for Telegram).
PARTNER_SENDER_CHANNELS = frozenset({"telegram", "memory"})
PARTNER_LOCALE = "zh_CN"
MAX_TEXT = 2000
# Telegram captions stop at 1,024 characters; the label needs the rest.
MAX_CAPTION = 900


def _(message: str) -> str:
    """Mark for extraction; translated when shown."""
    return message


BACK = _("🏠 Back to menu")
PARTNER_HINT = _(
    "To answer a customer, reply to their message: swipe left on it (or press and hold, "
    "then Reply) and write your answer."
)
ONLY_TEXT_AND_PHOTOS = _("I can pass on text and photos only. Please write or send a photo.")


# --- shared with guided mode -------------------------------------------------------------


async def address_of(uow: UnitOfWork, customer: Customer, t: Translator) -> str:
    """Building and room ("3栋 1201"): what a partner knows a household by."""
    building = await building_by_id(uow, customer.building_id)
    parts = [part for part in (building.label if building else None, customer.room) if part]
    return " ".join(parts) if parts else t.gettext("address not given yet")


def name_of(customer: Customer, t: Translator) -> str:
    """The name the customer gave us, never their chat account."""
    return customer.display_name or t.gettext("a customer")


def clip(text: str, limit: int) -> tuple[str, bool]:
    """``text`` cut to ``limit`` characters, and whether it was cut."""
    if len(text) <= limit:
        return text, False
    return text[: limit - 1] + "…", True


def to_partner(
    partner: Partner, customer: Customer, text: str, photo: str | None = None
) -> Forward:
    """A message to the partner whose reply will find its way back to ``customer``."""
    channel, chat_id = partner_address(partner)
    return Forward(
        channel=channel,
        chat_id=chat_id,
        text=text,
        photo_ref=photo,
        relay_customer_id=customer.id,
    )


# --- the customer's side ----------------------------------------------------------------


def _back(ctx: Ctx) -> InlineKeyboard:
    """One way out of relay mode: the menu."""
    return ((ctx.button(ctx._(BACK), Menu("menu")),),)


@section("partner")
async def open_partner(ctx: Ctx) -> None:
    """Explain how to write to the partner, then pass on whatever comes next."""
    if ctx.customer.unit_id is None:
        ctx.chat.go("idle")
        ctx.show(
            ctx._(
                "Your partner is the neighbour who brings your orders. "
                "Once you have chosen your building, you can write to them here."
            ),
            ((ctx.button(ctx._("🏠 Choose my building"), Menu("onboarding")),),),
        )
        return
    partner = await reachable_partner(ctx.uow, ctx.customer)
    if partner is None:
        ctx.chat.go("idle")
        ctx.show(_no_partner(ctx), _back(ctx))
        return
    ctx.chat.go(RELAY_STEP)
    ctx.show(
        ctx._(
            "Write your message (text or photo) and your partner {name} will answer here."
        ).format(name=partner.name),
        _back(ctx),
    )


def _no_partner(ctx: Ctx) -> str:
    """No one to write to: say so kindly, and that orders still arrive."""
    return ctx._(
        "Your neighbourhood has no partner to write to right now. "
        "We are finding one; your orders still arrive as usual."
    )


@on_step(RELAY_STEP)
async def relay_customer_message(ctx: Ctx) -> None:
    """Pass a text or photo to the partner, labelled with building and room."""
    partner = await reachable_partner(ctx.uow, ctx.customer)
    if partner is None:
        await show_menu(ctx, note=_no_partner(ctx))
        return
    event = ctx.event
    if isinstance(event, Text):
        body, photo, limit = event.text.strip(), None, MAX_TEXT
    elif isinstance(event, Photo):
        body, photo, limit = event.caption.strip(), event.file_ref, MAX_CAPTION
    else:
        ctx.say(ctx._(ONLY_TEXT_AND_PHOTOS), _back(ctx))
        return
    if not body and photo is None:
        ctx.say(ctx._("Please write your message first."), _back(ctx))
        return
    body, cut = clip(body, limit)
    zh = translator(PARTNER_LOCALE)
    label = zh.gettext("💬 From {address} ({name}):").format(
        address=await address_of(ctx.uow, ctx.customer, zh), name=name_of(ctx.customer, zh)
    )
    ctx.forward(to_partner(partner, ctx.customer, f"{label}\n{body}".rstrip(), photo))
    sent = ctx._("✅ Sent to your partner. You can write more, or go back to the menu.")
    if cut:
        note = ctx._("Your message was long, so only the first {count} characters were sent.")
        sent = f"{note.format(count=limit)}\n{sent}"
    ctx.say(sent, _back(ctx))


# --- the partner's side -----------------------------------------------------------------


async def partner_message(ctx: Ctx) -> bool:
    """The router's hook: True when this update was a partner talking through the relay.

    A partner's reply to a relayed message is answered to that customer; a partner's
    message that answers nothing gets a hint (unless their chat is in the middle of
    something, e.g. they shop here too). Commands and buttons always pass through.
    """
    incoming = ctx.incoming
    if isinstance(ctx.event, Command | Button):
        return False
    if incoming.reply_to_ref is None and ctx.chat.step != "idle":
        return False
    partner = await sending_partner(ctx)
    if partner is None:
        return False
    if incoming.reply_to_ref is not None:
        customer_id = await customer_behind(
            ctx.uow,
            channel=WEB if incoming.channel == WEB else PARTNER_CHANNEL,
            partner_chat_id=incoming.chat_id,
            message_ref=incoming.reply_to_ref,
        )
        if customer_id is not None:
            await relay_partner_answer(ctx, customer_id, partner=partner)
            return True
    ctx.say(translator(PARTNER_LOCALE).gettext(PARTNER_HINT))
    return True


async def sending_partner(ctx: Ctx) -> Partner | None:
    """The active partner whose Telegram account (or web partner chat) sent this, if one."""
    incoming = ctx.incoming
    user_id = incoming.user_id
    web_partner = web_partner_id(incoming.channel, user_id)
    if web_partner is not None:
        partner = await partner_by_id(ctx.uow, web_partner)
        # Only a partner without Telegram speaks from a web partner chat.
        if partner is None or not partner.active or partner.telegram_id is not None:
            return None
        return partner
    if incoming.channel not in PARTNER_SENDER_CHANNELS:
        return None
    if not user_id.isdigit() or len(user_id) > 18:
        return None
    return await active_partner_by_telegram(ctx.uow, int(user_id))


async def relay_partner_answer(
    ctx: Ctx,
    customer_id: int,
    partner: Partner | None = None,
    *,
    t: Translator | None = None,
    retry: InlineKeyboard = (),
    after: InlineKeyboard = (),
) -> bool:
    """Send the partner's answer to that one customer; tell the partner where it went.

    ``t`` is the partner's language (Chinese unless the cockpit says otherwise); ``retry``
    goes under a refusal (nothing sent) and ``after`` under the confirmation. True when sent.
    """
    words = t or translator(PARTNER_LOCALE)
    partner = partner or await sending_partner(ctx)
    customer = await customer_by_id(ctx.uow, customer_id)
    identity = await newest_identity(ctx.uow, customer_id)
    if partner is None or customer is None or identity is None:
        ctx.say(words.gettext("Sorry, this customer can't be reached here any more."), retry)
        return False
    event = ctx.event
    if isinstance(event, Text):
        body, photo = event.text.strip(), None
    elif isinstance(event, Photo):
        body, photo = event.caption.strip(), event.file_ref
    else:
        ctx.say(words.gettext(ONLY_TEXT_AND_PHOTOS), retry)
        return False
    if not body and photo is None:
        ctx.say(words.gettext("Please write your answer first."), retry)
        return False
    body, cut = clip(body, MAX_CAPTION if photo else MAX_TEXT)
    theirs = translator(customer.locale)
    label = theirs.gettext("💬 Your partner {name}:").format(name=partner.name)
    ctx.forward(
        Forward(
            channel=identity.channel,
            chat_id=identity.external_id,
            text=f"{label}\n{body}".rstrip(),
            photo_ref=photo,
        )
    )
    done = words.gettext("✅ Sent to {address}.").format(
        address=await address_of(ctx.uow, customer, words)
    )
    if cut:
        note = words.gettext(
            "Your message was long, so only the first {count} characters were sent."
        )
        done = f"{note.format(count=MAX_CAPTION if photo else MAX_TEXT)}\n{done}"
    ctx.say(done, after)
    return True
