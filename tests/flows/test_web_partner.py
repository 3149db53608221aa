"""A partner without Telegram works in their web chat: pings, relayed messages, answers.

Their chat is channel "web", chat ``partner-<id>``; the page (``bot.handlers.webchat``)
shows it to a browser signed in as them. Here the in-memory channel stands in for both
sides: the customer on "memory", the partner's browser on "web".
"""

from __future__ import annotations

from bot.flows.events import Command, Text
from bot.flows.partner import relay as partner_relay
from bot.handlers.memory import MemoryChannel
from bot.i18n import translator
from core.models import Partner
from core.people.partner_devices import enrol_device, partner_address, web_chat_id
from core.people.units import reachable_partner
from core.people.web_tokens import partner_enrolment_token
from tests.factories import make_unit_with_partner
from tests.flows.test_checkout_flow import shop_with_coke, to_confirmation
from tests.flows.test_guided import housed, open_link, shop, tap
from tests.flows.test_relay import neighbour, open_relay, relayed


async def web_only_partner(db, *, enrolled: bool = True):
    """The unit's partner without a Telegram account, signed in on one browser (or not yet)."""
    setup = await make_unit_with_partner(db)
    async with db.uow() as uow:
        partner = await uow.session.get(Partner, setup.partner.id)
        partner.telegram_id = None
        if enrolled:
            await enrol_device(uow, partner, "Mozilla/5.0 (Linux; Android 14) Chrome/131")
        await uow.commit()
    return setup, web_chat_id(setup.partner.id)


async def test_a_web_only_partner_is_reached_in_their_web_chat(db):
    setup, chat = await web_only_partner(db)
    customer = await neighbour(db, setup, "alice")
    async with db.uow() as uow:
        partner = await uow.session.get(Partner, setup.partner.id)
        assert partner_address(partner) == ("web", chat)
        assert (await reachable_partner(uow, customer)).id == partner.id


async def test_a_partner_with_no_channel_at_all_is_not_offered_to_customers(db):
    setup, _chat = await web_only_partner(db, enrolled=False)
    await neighbour(db, setup, "alice")
    channel = MemoryChannel(db)

    await open_relay(channel, "alice")
    assert "no partner to write to" in channel.chat("alice").last.text

    async with db.uow() as uow:  # HQ makes an enrolment link: messages now wait for them
        await partner_enrolment_token(uow, await uow.session.get(Partner, setup.partner.id))
        await uow.commit()
    await open_relay(channel, "alice")
    assert "王阿姨 will answer here" in channel.chat("alice").last.text


async def test_the_web_partner_gets_a_relayed_message_and_answers_it_from_the_web(db):
    setup, chat = await web_only_partner(db)
    await neighbour(db, setup, "alice", building=2, room="1201")
    customers = MemoryChannel(db)
    web = MemoryChannel(db, channel="web")  # the partner's signed-in browser

    await web.send(chat, Command("start"), language_code="en")
    assert "partner of Jinxiu Garden" in web.chat(chat).last.text  # the cockpit
    await open_relay(customers, "alice")
    await customers.send("alice", Text("Is the 5kg rice in stock?"), language_code="en")
    question = relayed(customers, chat, "3栋 1201")  # landed in the partner's web chat
    assert "Is the 5kg rice in stock?" in question.text

    await web.send(chat, Text("Yes, two bags left."), reply_to_ref=question.ref)

    answer = web.chat("alice").last.text  # the partner's side delivered it
    assert "Yes, two bags left." in answer and "王阿姨" in answer
    assert "已发给3栋 1201" in web.chat(chat).last.text  # partners read Chinese here


async def test_a_web_partner_writing_without_replying_gets_the_hint(db):
    _setup, chat = await web_only_partner(db)
    web = MemoryChannel(db, channel="web")

    await web.send(chat, Text("hello?"), language_code="en")

    assert web.chat(chat).last.text == translator("zh_CN").gettext(partner_relay.PARTNER_HINT)


async def test_a_web_partner_chat_id_of_a_partner_with_telegram_is_not_a_partner(db):
    setup = await make_unit_with_partner(db)  # this partner has Telegram
    web = MemoryChannel(db, channel="web")

    await web.send(web_chat_id(setup.partner.id), Command("partner"), language_code="en")

    assert "for neighbourhood partners" in web.chat(web_chat_id(setup.partner.id)).last.text


async def test_a_guided_help_call_reaches_the_web_partner_who_answers_it(db):
    setup = await shop(db)
    async with db.uow() as uow:
        partner = await uow.session.get(Partner, setup.partner.id)
        partner.telegram_id = None
        await enrol_device(uow, partner, "a browser")
        await uow.commit()
    chat = web_chat_id(setup.partner.id)
    await housed(db, setup, "grandma")
    customers = MemoryChannel(db)
    web = MemoryChannel(db, channel="web")
    await open_link(db, customers, setup, "grandma")

    told = await tap(customers, "grandma", "Call my partner")

    help_call = customers.chat(chat).last  # in the partner's web chat
    assert "3栋 1201" in help_call.text and "13900000000" in help_call.text
    assert "Your partner has been told" in told
    await web.send(chat, Text("我马上上来"), reply_to_ref=help_call.ref)
    assert "我马上上来" in web.chat("grandma").last.text


async def test_the_new_order_ping_lands_in_the_web_partner_chat(db):
    setup, _customer, _coke = await shop_with_coke(db)
    async with db.uow() as uow:
        (await uow.session.get(Partner, setup.partner.id)).telegram_id = None
        await uow.commit()
    channel = MemoryChannel(db)
    await to_confirmation(channel)
    await channel.press("ann", "Confirm order")

    ping = channel.chat(web_chat_id(setup.partner.id)).last.text
    assert ping.startswith("🆕") and "1201" in ping
