"""Households on the web, on Telegram, or on both (one used last): bulk-made for the outbox."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import insert, select

from core.messaging import webchat_log
from core.models import ChannelIdentity, Customer, WebChatMessage
from core.platform.uow import Database

FIRST_CHAT = 700_000_000
EARLIER = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Household:
    """A customer, where their copy must go, and the identity it must not go to."""

    customer_id: int
    channel: str  # the one used last
    chat_id: str
    other: tuple[str, str] | None = None  # (channel, chat) of a second identity, used earlier


async def mixed_households(
    db: Database,
    *,
    web: int,
    telegram: int,
    both_web_last: int = 0,
    both_telegram_last: int = 0,
    unit_id: int | None = None,
    building_id: int | None = None,
    start: int = 0,
) -> list[Household]:
    """Customers with a web identity, a Telegram one, or both (the last-used one later)."""
    kinds = (
        ["web"] * web
        + ["telegram"] * telegram
        + ["both-web"] * both_web_last
        + ["both-telegram"] * both_telegram_last
    )
    numbers = [FIRST_CHAT + start + i for i in range(len(kinds))]
    async with db.uow() as uow:
        await uow.session.execute(
            insert(Customer.__table__),
            [
                {
                    "unit_id": unit_id,
                    "building_id": building_id,
                    "locale": "en",
                    "created_at": EARLIER,
                    "room": f"r{n}",
                }
                for n in numbers
            ],
        )
        found = await uow.session.execute(
            select(Customer.id, Customer.room).where(Customer.room.in_([f"r{n}" for n in numbers]))
        )
        ids = {room: cid for cid, room in found.all()}
        identities: list[dict[str, object]] = []
        people: list[Household] = []
        for kind, n in zip(kinds, numbers, strict=True):
            cid = ids[f"r{n}"]
            web_chat, tg_chat = f"web{n:012d}", str(n)
            if kind == "web":
                identities.append(_identity("web", web_chat, cid, LATER))
                people.append(Household(cid, "web", web_chat))
            elif kind == "telegram":
                identities.append(_identity("telegram", tg_chat, cid, LATER))
                people.append(Household(cid, "telegram", tg_chat))
            else:
                web_last = kind == "both-web"
                identities.append(_identity("web", web_chat, cid, LATER if web_last else EARLIER))
                identities.append(
                    _identity("telegram", tg_chat, cid, EARLIER if web_last else LATER)
                )
                if web_last:
                    people.append(Household(cid, "web", web_chat, ("telegram", tg_chat)))
                else:
                    people.append(Household(cid, "telegram", tg_chat, ("web", web_chat)))
        await uow.session.execute(insert(ChannelIdentity.__table__), identities)
        await uow.commit()
    return people


def _identity(channel: str, chat: str, customer_id: int, seen: dt.datetime) -> dict[str, object]:
    """A channel_identities row last used at ``seen``."""
    return {
        "channel": channel,
        "external_id": chat,
        "customer_id": customer_id,
        "created_at": EARLIER,
        "last_seen_at": seen,
    }


async def transcript_copies(db: Database) -> dict[str, list[dict]]:
    """Every web chat's transcript bodies that came from the outbox, by chat."""
    async with db.uow() as uow:
        rows = await uow.session.execute(
            select(WebChatMessage.chat_id, WebChatMessage.body)
            .where(WebChatMessage.channel == "web")
            .order_by(WebChatMessage.chat_id, WebChatMessage.seq)
        )
        out: dict[str, list[dict]] = {}
        for chat, body in rows.all():
            if "outbox" in body:
                out.setdefault(str(chat), []).append(body)
        return out


async def replayed(db: Database, chat_id: str) -> list[webchat_log.Logged]:
    """What a page of ``chat_id`` gets when it (re)connects from the start."""
    return await webchat_log.after(db, "web", chat_id, 0)
