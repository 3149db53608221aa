"""Links between the web chat and Telegram: a customer's "link my Telegram" code and a
partner's one-time web sign-in link.

Both are channel-neutral steps: the link code is a ``/start link-<code>`` deep link that
attaches whichever chat account opens it to the customer who asked; the sign-in link is
a web address the partner opens in a browser.
"""

from __future__ import annotations

from bot.flows.context import Ctx
from bot.flows.customer.menu import show_menu
from bot.flows.partner.home import home_button, partner_screen
from bot.i18n import translator
from core.models import Customer, Partner
from core.people.customers import customer_for_identity
from core.people.web_tokens import (
    LINK_PREFIX,
    Linked,
    link_code,
    link_identity,
    partner_signin_token,
)


def _(message: str) -> str:
    """Mark for extraction; translated when shown."""
    return message


LINK_LABEL = _("🔗 Link my Telegram")
LINK_HOWTO = _(
    "To use the same account in Telegram, open this link on your phone:\n{link}\n\n"
    "or send this to the Linli bot in Telegram:\n/start {payload}\n\n"
    "The code works once, for 30 minutes."
)
LINKED = _("✅ This chat is now linked to your Linli account: the same cart, orders and address.")
ALREADY = _("This chat is already linked to your Linli account.")
TAKEN = _(
    "This Telegram account already has its own orders, so it can't be linked. "
    "Please keep using it as before."
)
INVALID = _("This link code is not valid any more. Ask for a new one in Settings.")
SIGNIN_LABEL = _("🌐 Sign in on the web")
SIGNIN_HOWTO = _(
    "Open this link in your phone's or computer's browser to use the partner screens there:\n"
    "{link}\n\nIt works once, within 15 minutes. Don't share it: it signs in as you."
)


def is_link_payload(args: str) -> bool:
    """``/start link-<code>``."""
    return args.startswith(LINK_PREFIX)


async def show_link_code(ctx: Ctx) -> None:
    """Settings → link my Telegram: a fresh one-time code and its deep link."""
    code = await link_code(ctx.uow, ctx.customer.id)
    payload = f"{LINK_PREFIX}{code}"
    link = f"https://t.me/{ctx.uow.settings.bot_username}?start={payload}"
    ctx.say(ctx._(LINK_HOWTO).format(link=link, payload=payload))


async def follow_link(ctx: Ctx, args: str) -> None:
    """``/start link-<code>``: this chat account joins the customer who asked for the code."""
    outcome = await link_identity(
        ctx.uow, args[len(LINK_PREFIX) :], ctx.incoming.channel, ctx.incoming.user_id
    )
    if outcome is Linked.LINKED:
        ctx.customer = await _linked_customer(ctx)
        ctx.t = translator(ctx.customer.locale, timezone=ctx.uow.settings.timezone)
    notes = {
        Linked.LINKED: LINKED,
        Linked.ALREADY: ALREADY,
        Linked.TAKEN: TAKEN,
        Linked.INVALID: INVALID,
    }
    await show_menu(ctx, note=ctx._(notes[outcome]))


async def _linked_customer(ctx: Ctx) -> Customer:
    """The customer this chat account now belongs to (it speaks their language from now)."""
    return await customer_for_identity(ctx.uow, ctx.incoming.channel, ctx.incoming.user_id)


@partner_screen("web", SIGNIN_LABEL, 55)
async def web_signin(ctx: Ctx, partner: Partner, page: int) -> None:
    """A one-time link that signs a browser in as this partner."""
    token = await partner_signin_token(ctx.uow, partner)
    link = f"{ctx.uow.settings.web_address}/p/{token}"
    ctx.show(ctx._(SIGNIN_HOWTO).format(link=link), ((home_button(ctx),),))
