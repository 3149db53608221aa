""" "🔕 Stop these messages" under every broadcast: one tap opts out of that category.

The button is packed when the broadcast is made (``with_stop_button`` wraps the render
function given to ``core.messaging.outbox.create_broadcast``), signed for the recipient's chat, so
a button forwarded to someone else reads as expired there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from bot.flows import callbacks
from bot.flows.callbacks import payload
from bot.flows.context import Ctx
from bot.flows.customer.settings import TOPICS
from bot.flows.payloads import Settings as SettingsButton
from bot.flows.router import expired, on_button
from bot.i18n import translator
from core.messaging.outbox.enqueue import Recipient, RenderedMessage
from core.people.customers import OPT_OUT_TOPICS, set_opt_out


def _(message: str) -> str:
    """Mark for extraction; translated when shown."""
    return message


STOP_LABEL = _("🔕 Stop these messages")
STOPPED = _(
    "Done: we won't send you “{topic}” any more. Order updates and your partner's "
    "replies still reach you. You can turn them back on under Settings → Messages."
)
STOPPED_TOAST = _("Stopped.")
MESSAGES = _("🔔 Messages")


@payload("ob1")
@dataclass(frozen=True)
class StopTopic:
    """Opt out of one category (core.people.customers.OPT_OUT_TOPICS) from a broadcast."""

    topic: str


def stop_button(key: bytes, recipient: Recipient, topic: str) -> tuple[str, str]:
    """(label in the recipient's language, callback data signed for their chat)."""
    label = translator(recipient.locale).gettext(STOP_LABEL)
    return label, callbacks.pack(key, recipient.chat_id, StopTopic(topic))


def with_stop_button(
    key: bytes, topic: str, render: Callable[[Recipient], RenderedMessage]
) -> Callable[[Recipient], RenderedMessage]:
    """``render`` with the stop button added as the last row of every copy."""

    def rendered(recipient: Recipient) -> RenderedMessage:
        message = render(recipient)
        row = (stop_button(key, recipient, topic),)
        return dataclasses.replace(message, buttons=(*message.buttons, row))

    return rendered


@on_button(StopTopic)
async def stop_topic(ctx: Ctx, item: StopTopic) -> None:
    """Record the opt-out and say so in the customer's language."""
    if item.topic not in OPT_OUT_TOPICS:
        await expired(ctx)
        return
    await set_opt_out(ctx.uow, ctx.customer, item.topic, opted_out=True)
    ctx.toast(ctx._(STOPPED_TOAST))
    topic = ctx._(TOPICS.get(item.topic, item.topic))
    ctx.say(
        ctx._(STOPPED).format(topic=topic),
        ((ctx.button(ctx._(MESSAGES), SettingsButton("messages")),),),
    )
