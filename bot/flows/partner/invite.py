"""The partner's Invite screen: their link and QR code, the leaflet, the letter, assisted links.

Everything here acts on the sending partner's own unit and code; the buttons carry no ids,
so there is nothing of another unit to forge. Editing the letter is the one typed step.
"""

from __future__ import annotations

import datetime as dt

from bot.flows.context import Ctx
from bot.flows.events import Text
from bot.flows.partner.home import (
    PartnerScreen,
    home_button,
    partner_button,
    partner_screen,
    rows_of_two,
)
from bot.flows.partner.invite_payloads import InviteAssist, InviteEditLetter, InviteLeaflet
from bot.flows.partner.relay import sending_partner
from bot.flows.replies import Document, InlineKeyboard, Say
from bot.flows.router import expired, on_step
from bot.i18n import translator
from bot.messages.leaflet import LEAFLET_LOCALE, leaflet_for, letter_of
from core.errors import InvalidInput
from core.models import Partner, Unit
from core.people.assist import create_assist_token
from core.people.invites_print.letter import MAX_LETTER, set_letter
from core.people.invites_print.links import assist_url, invite_url, qr_png
from core.people.units import unit_by_id

LETTER_STEP = "partner_letter"
ASSIST_MINUTES = 30  # long enough to sit down together at the door, short if the paper is lost


def _(message: str) -> str:
    """Mark for extraction; translated when shown."""
    return message


def _buttons(ctx: Ctx) -> InlineKeyboard:
    """Leaflet, letter, assisted link, home: two a row."""
    return rows_of_two(
        [
            ctx.button(ctx._("🖨 Leaflet to print (PDF)"), InviteLeaflet()),
            ctx.button(ctx._("✏️ Edit my letter"), InviteEditLetter()),
            ctx.button(ctx._("🤝 Teach a neighbour at the door"), InviteAssist()),
            home_button(ctx),
        ]
    )


async def _unit(ctx: Ctx, partner: Partner) -> Unit:
    """The partner's unit (it exists: partners belong to one)."""
    unit = await unit_by_id(ctx.uow, partner.unit_id)
    assert unit is not None
    return unit


@partner_screen("invite", _("📣 Invite neighbours"), 30)
async def open_invite(
    ctx: Ctx, partner: Partner, page: int = 0, *, note: str | None = None
) -> None:
    """The link to share, the letter customers will read, and the QR code as a picture."""
    ctx.chat.go("idle")
    link = invite_url(ctx.uow.settings, partner.invite_code)
    letter = letter_of(partner, await _unit(ctx, partner), translator(LEAFLET_LOCALE))
    text = ctx._(
        "📣 Your personal invite link. Neighbours who open it join your unit and count as yours:"
        "\n{link}\n\nYour letter to customers (on the leaflet):\n{letter}"
    ).format(link=link, letter=letter)
    if note:
        text = f"{note}\n\n{text}"
    ctx.show(text, _buttons(ctx))
    caption = ctx._("Your invite QR code: let neighbours scan it, or forward this picture.")
    ctx.replies.append(Say(caption, image=qr_png(link)))


@partner_button(InviteLeaflet)
async def send_leaflet(ctx: Ctx, partner: Partner, _item: InviteLeaflet) -> None:
    """The A4 leaflet as a PDF file, ready to print."""
    unit = await _unit(ctx, partner)
    pdf = await leaflet_for(ctx.uow, partner, unit)
    ctx.replies.append(
        Document(
            content=pdf,
            filename=f"linli-{unit.code}-leaflet.pdf",
            caption=ctx._("🖨 Your leaflet (A4): print it for notice boards and doors."),
        )
    )


@partner_button(InviteEditLetter)
async def ask_letter(ctx: Ctx, partner: Partner, _item: InviteEditLetter) -> None:
    """Ask for the new letter; the next text message is it."""
    ctx.chat.go(LETTER_STEP)
    ctx.show(_letter_question(ctx), _back(ctx))


def _letter_question(ctx: Ctx) -> str:
    """What to write, and how long it may be."""
    return ctx._(
        "Write your letter to customers in one message (at most {count} characters). "
        "It goes on your leaflet in place of the current one."
    ).format(count=MAX_LETTER)


def _back(ctx: Ctx) -> InlineKeyboard:
    """Leave the letter as it is."""
    return ((ctx.button(ctx._("↩️ Keep my letter"), PartnerScreen("invite")),),)


@on_step(LETTER_STEP)
async def letter_typed(ctx: Ctx) -> None:
    """Store the letter, or say kindly what to change; someone else here is sent away."""
    partner = await sending_partner(ctx)
    if partner is None:
        ctx.chat.go("idle")
        await expired(ctx)
        return
    event = ctx.event
    if not isinstance(event, Text):
        ctx.say(ctx._("Please write the letter as a text message."), _back(ctx))
        return
    try:
        await set_letter(ctx.uow, partner.id, event.text)
    except InvalidInput as refusal:
        ctx.say(_letter_refusal(ctx, refusal, len(event.text.strip())), _back(ctx))
        return
    await open_invite(ctx, partner, note=ctx._("✅ Your letter is saved; new leaflets carry it."))


def _letter_refusal(ctx: Ctx, refusal: InvalidInput, length: int) -> str:
    """Empty or too long, in words the partner can act on."""
    if refusal.data.get("reason") == "too_long":
        return ctx._(
            "That letter has {length} characters; at most {count} fit the leaflet. "
            "Please shorten it and send it again."
        ).format(length=length, count=MAX_LETTER)
    return ctx._("The letter is empty. Please write a few words to your neighbours.")


@partner_button(InviteAssist)
async def make_assist_link(ctx: Ctx, partner: Partner, _item: InviteAssist) -> None:
    """A one-time link and QR code: the neighbour scans it and is guided through a first order."""
    token = await create_assist_token(ctx.uow, partner.id, ttl_minutes=ASSIST_MINUTES)
    expires = ctx.uow.clock.now() + dt.timedelta(minutes=ASSIST_MINUTES)
    link = assist_url(ctx.uow.settings, token)
    ctx.show(
        ctx._(
            "🤝 A one-time link for the neighbour beside you. Let them scan the QR code "
            "with their phone: the bot then guides them through a first order with big "
            "buttons. It works once, until {time}.\n{link}"
        ).format(time=ctx.t.time(expires), link=link),
        rows_of_two(
            [ctx.button(ctx._("📣 Invite neighbours"), PartnerScreen("invite")), home_button(ctx)]
        ),
    )
    ctx.replies.append(Say(ctx._("Scan me to start (one time only)."), image=qr_png(link)))
