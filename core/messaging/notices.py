"""Notices: a partner's (or HQ's) message to many households, scheduled through the outbox.

A notice is one of five kinds (outage, event, advice, promotion, letter) with a text of at
most 1,000 characters, an optional photo, an audience and a send time from now up to 30
days ahead. Audiences are typed values resolved here, in core, against the database: a
partner can only ever reach their own unit's households, so a building, a unit or a
group named by a forged button that is not theirs is refused (NotFound) before anything
is written. HQ (``partner`` None, the ``linli broadcast`` CLI) may name any unit, several
units or the whole city.

Only outage notices override quiet hours (a water cut at 7:00 must be known at 7:00);
everything else waits for the morning. The words a customer reads (the kind's heading in
their language, the stop button) are the caller's render callback: core never formats
text for people.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from core.errors import InvalidInput, NotFound
from core.messaging.outbox.enqueue import (
    CATEGORY_OF_KIND,
    Progress,
    Recipient,
    RenderedMessage,
    StatusChat,
    cancel_broadcast,
    create_broadcast,
    progress_of,
    reach_of,
    recipients_for,
)
from core.models import Broadcast, Building, Customer, MessageOptOut, OutboxMessage, Partner, Unit
from core.models.outbox import PENDING, SENT
from core.partners.customers import FLAGS
from core.partners.reports.value import Standing, value_report
from core.platform.uow import UnitOfWork

NOTICE_KINDS = ("outage", "event", "advice", "promotion", "letter")
MAX_TEXT = 1000
MAX_AHEAD = dt.timedelta(days=30)
# A time picked a moment ago ("now", or --at the current minute) is not "in the past".
GRACE = dt.timedelta(minutes=1)
OPEN = ("scheduled", "sending")
_FLAG_COLUMNS = {
    "elderly": Customer.has_elderly,
    "children": Customer.has_children,
    "pregnant": Customer.has_pregnant,
}


# ------------------------------------------------------------------ audiences


@dataclass(frozen=True)
class WholeUnit:
    """Every household of a unit; ``unit_id`` None means the partner's own."""

    unit_id: int | None = None


@dataclass(frozen=True)
class SomeBuildings:
    """The households living in these buildings (all of one partner's unit, for a partner)."""

    building_ids: tuple[int, ...]


@dataclass(frozen=True)
class ValueGroup:
    """One customer-value group of a unit (partners.reports.value); ``unit_id`` None: own unit."""

    standing: Standing
    unit_id: int | None = None


@dataclass(frozen=True)
class FlaggedHouseholds:
    """Households that told us, and agreed to share, that they have elderly / children /
    a pregnant member. ``unit_id`` None: the partner's own unit, or the whole city for HQ."""

    flag: str
    unit_id: int | None = None


@dataclass(frozen=True)
class SomeUnits:
    """Every household of several units (HQ only)."""

    unit_ids: tuple[int, ...]


@dataclass(frozen=True)
class WholeCity:
    """Every household of every unit (HQ only)."""


Audience = WholeUnit | SomeBuildings | ValueGroup | FlaggedHouseholds | SomeUnits | WholeCity


async def _unit_of(uow: UnitOfWork, partner: Partner | None, unit_id: int | None) -> int:
    """The unit an audience is in: the partner's own (another is not found), or HQ's pick."""
    if partner is not None:
        if unit_id is not None and unit_id != partner.unit_id:
            raise NotFound(what="unit", key=unit_id)
        return partner.unit_id
    if unit_id is None:
        raise InvalidInput(field="unit", reason="name the unit")
    if await uow.session.get(Unit, unit_id) is None:
        raise NotFound(what="unit", key=unit_id)
    return unit_id


async def _ids(uow: UnitOfWork, *where: object) -> list[int]:
    """Customer ids matching ``where``, in id order."""
    return list(
        await uow.session.scalars(select(Customer.id).where(*where).order_by(Customer.id))  # type: ignore[arg-type]
    )


async def _in_buildings(
    uow: UnitOfWork, partner: Partner | None, audience: SomeBuildings
) -> list[int]:
    """Households of the named buildings; one building not the partner's refuses them all."""
    wanted = set(audience.building_ids)
    if not wanted:
        raise InvalidInput(field="building", reason="choose at least one building")
    rows = (
        await uow.session.execute(
            select(Building.id, Building.unit_id).where(Building.id.in_(wanted))
        )
    ).all()
    units = {building_id: unit_id for building_id, unit_id in rows}
    for building_id in sorted(wanted):
        unit_id = units.get(building_id)
        if unit_id is None or (partner is not None and unit_id != partner.unit_id):
            raise NotFound(what="building", key=building_id)
    return list(
        await uow.session.scalars(
            select(Customer.id)
            .join(Building, Building.id == Customer.building_id)
            .where(Customer.building_id.in_(wanted), Customer.unit_id == Building.unit_id)
            .order_by(Customer.id)
        )
    )


async def _in_group(uow: UnitOfWork, partner: Partner | None, audience: ValueGroup) -> list[int]:
    """Customers of one value group, as the customer-value report sorts them today."""
    try:
        standing = Standing(audience.standing)
    except ValueError:
        raise InvalidInput(field="group", reason="unknown customer group") from None
    unit_id = await _unit_of(uow, partner, audience.unit_id)
    report = await value_report(uow, unit_id, top_n=0, weeks=1)
    return sorted(row.customer_id for row in report.customers if row.standing == standing)


async def _flagged(
    uow: UnitOfWork, partner: Partner | None, audience: FlaggedHouseholds
) -> list[int]:
    """Households with the flag who consented to share it; never one without consent."""
    column = _FLAG_COLUMNS.get(audience.flag)
    if column is None:
        raise InvalidInput(field="flag", reason=f"one of {', '.join(FLAGS)}")
    consented = (Customer.profile_consent_at.is_not(None), column.is_(True))
    if partner is None and audience.unit_id is None:
        return await _ids(uow, Customer.unit_id.is_not(None), *consented)
    unit_id = await _unit_of(uow, partner, audience.unit_id)
    return await _ids(uow, Customer.unit_id == unit_id, *consented)


async def _in_units(
    uow: UnitOfWork, partner: Partner | None, audience: SomeUnits | WholeCity
) -> list[int]:
    """HQ's reach: several units or all of them. A partner's buttons never carry these."""
    if partner is not None:
        raise NotFound(what="unit", key="city")
    if isinstance(audience, WholeCity):
        return await _ids(uow, Customer.unit_id.is_not(None))
    wanted = set(audience.unit_ids)
    if not wanted:
        raise InvalidInput(field="unit", reason="name at least one unit")
    known = set(await uow.session.scalars(select(Unit.id).where(Unit.id.in_(wanted))))
    missing = sorted(wanted - known)
    if missing:
        raise NotFound(what="unit", key=missing[0])
    return await _ids(uow, Customer.unit_id.in_(wanted))


async def resolve_audience(
    uow: UnitOfWork, partner: Partner | None, audience: Audience
) -> list[int]:
    """The customer ids ``audience`` names, or a refusal when it is not the sender's to reach.

    A partner reaches their own unit only: another unit's id or building is NotFound (the
    same answer as an id that does not exist, so nothing is learned by trying).
    """
    if isinstance(audience, WholeUnit):
        unit_id = await _unit_of(uow, partner, audience.unit_id)
        return await _ids(uow, Customer.unit_id == unit_id)
    if isinstance(audience, SomeBuildings):
        return await _in_buildings(uow, partner, audience)
    if isinstance(audience, ValueGroup):
        return await _in_group(uow, partner, audience)
    if isinstance(audience, FlaggedHouseholds):
        return await _flagged(uow, partner, audience)
    if isinstance(audience, SomeUnits | WholeCity):
        return await _in_units(uow, partner, audience)
    raise InvalidInput(field="audience", reason="unknown audience")


def _single_unit(partner: Partner | None, audience: Audience) -> int | None:
    """The unit a broadcast belongs to, when it is one unit's (for listings and reports)."""
    if partner is not None:
        return partner.unit_id
    if isinstance(audience, WholeUnit | ValueGroup | FlaggedHouseholds):
        return audience.unit_id
    if isinstance(audience, SomeUnits) and len(audience.unit_ids) == 1:
        return audience.unit_ids[0]
    return None


# ------------------------------------------------------------------ validation


def check_kind(kind: str) -> str:
    """One of the five notice kinds (reminders and reports are the scheduler's, not ours)."""
    if kind not in NOTICE_KINDS:
        raise InvalidInput(field="kind", reason=f"one of {', '.join(NOTICE_KINDS)}")
    return kind


def check_text(text: str | None, *, photo: bool = False) -> str:
    """The notice's words, trimmed: not empty (a photo still needs a line), ≤ 1,000 chars."""
    cleaned = (text or "").strip()
    if not cleaned:
        reason = "a photo needs a caption" if photo else "write the notice"
        raise InvalidInput(field="notice_text", reason=reason)
    if len(cleaned) > MAX_TEXT:
        raise InvalidInput(
            field="notice_text", reason=f"{len(cleaned)} characters, at most {MAX_TEXT}"
        )
    return cleaned


def check_send_at(uow: UnitOfWork, send_at: dt.datetime | None) -> dt.datetime:
    """When to send, in UTC: now for None; not in the past, at most 30 days ahead."""
    now = uow.clock.now()
    if send_at is None:
        return now
    if send_at.tzinfo is None:
        raise InvalidInput(field="send_at", reason="a time with its zone")
    if send_at < now - GRACE:
        raise InvalidInput(field="send_at", reason="that time has passed")
    if send_at > now + MAX_AHEAD:
        raise InvalidInput(field="send_at", reason="at most 30 days ahead")
    return max(send_at, now).astimezone(dt.UTC)


# ------------------------------------------------------------------ scheduling


@dataclass(frozen=True)
class AudienceSize:
    """How many households a notice reaches: named, with a chat, and not opted out.

    ``web`` and ``telegram`` split ``will_receive`` by the channel each household used
    last (where its copy goes).
    """

    named: int
    reachable: int
    opted_out: int
    unreachable: int
    web: int = 0
    telegram: int = 0

    @property
    def will_receive(self) -> int:
        """Copies the sender will actually try to deliver."""
        return self.reachable - self.opted_out - self.unreachable

    @property
    def nobody(self) -> bool:
        """Sending would reach no one: the confirmation step says so first."""
        return self.will_receive <= 0


async def audience_size(
    uow: UnitOfWork, partner: Partner | None, audience: Audience, kind: str
) -> AudienceSize:
    """The preview's count, after opt-outs of the kind's category and blocked chats, split
    by the channel each copy would go to."""
    check_kind(kind)
    ids = await resolve_audience(uow, partner, audience)
    recipients = await recipients_for(uow, ids)
    reached = [recipient.customer_id for recipient in recipients]
    refused: set[int] = set()
    blocked: set[int] = set()
    for start in range(0, len(reached), 500):
        chunk = reached[start : start + 500]
        refused.update(
            await uow.session.scalars(
                select(MessageOptOut.customer_id).where(
                    MessageOptOut.topic == CATEGORY_OF_KIND[kind],
                    MessageOptOut.customer_id.in_(chunk),
                )
            )
        )
        blocked.update(
            await uow.session.scalars(
                select(Customer.id).where(
                    Customer.id.in_(chunk), Customer.unreachable_at.is_not(None)
                )
            )
        )
    # a blocked Telegram chat is not tried; a web chat is, whatever Telegram said
    blocked = {r.customer_id for r in recipients if r.customer_id in blocked and r.channel != "web"}
    going = [r for r in recipients if r.customer_id not in refused and r.customer_id not in blocked]
    web = sum(1 for r in going if r.channel == "web")
    opted_out, unreachable = len(refused - blocked), len(blocked)
    return AudienceSize(
        named=len(ids),
        reachable=len(reached),
        opted_out=opted_out,
        unreachable=unreachable,
        web=web,
        telegram=len(going) - web,
    )


Render = Callable[[Recipient], RenderedMessage]
RenderFor = Callable[[str, str, str | None], Render]  # (kind, text, photo_ref) → per recipient


@dataclass(frozen=True)
class Scheduled:
    """A notice made (or found again under the same key): its broadcast and its reach."""

    broadcast_id: int
    send_at: dt.datetime
    recipients: int
    will_receive: int
    override_quiet: bool
    web: int = 0
    telegram: int = 0


async def schedule_notice(
    uow: UnitOfWork,
    *,
    partner: Partner | None,
    kind: str,
    text: str,
    photo_ref: str | None,
    audience: Audience,
    send_at: dt.datetime | None,
    idempotency_key: str,
    render: RenderFor,
    status_chat: StatusChat | None = None,
) -> Scheduled:
    """Validate, resolve the audience and write the broadcast with one row per household.

    Nothing is committed here (the caller's transaction decides), and a refusal raises
    before anything is written. The same ``idempotency_key`` twice returns the first
    broadcast: a double tap on "confirm" schedules one notice. A partner's progress and
    delivery report go to ``status_chat`` (their own chat) when given.
    """
    check_kind(kind)
    words = check_text(text, photo=photo_ref is not None)
    when = check_send_at(uow, send_at)
    existing = await uow.session.scalar(
        select(Broadcast).where(Broadcast.idempotency_key == idempotency_key)
    )
    if existing is not None:
        if partner is not None and existing.partner_id != partner.id:
            raise NotFound(what="broadcast", key=idempotency_key)
        return await _scheduled(uow, existing)
    ids = await resolve_audience(uow, partner, audience)
    recipients = await recipients_for(uow, ids)
    broadcast = await create_broadcast(
        uow,
        kind=kind,
        recipients=recipients,
        render=render(kind, words, photo_ref),
        send_at=when,
        idempotency_key=idempotency_key,
        unit_id=_single_unit(partner, audience),
        created_by="hq" if partner is None else "partner",
        partner_id=None if partner is None else partner.id,
        override_quiet=kind == "outage",
        status_chat=status_chat,
    )
    await uow.session.flush()
    return await _scheduled(uow, broadcast)


async def _scheduled(uow: UnitOfWork, broadcast: Broadcast) -> Scheduled:
    """What the confirmation says of a broadcast."""
    counts = await _counts(uow, [broadcast.id])
    progress = progress_of(counts.get(broadcast.id, {}))
    reach = await reach_of(uow, broadcast.id)
    return Scheduled(
        broadcast_id=broadcast.id,
        send_at=broadcast.send_at,
        recipients=progress.total,
        will_receive=progress.total - progress.opted_out - progress.blocked,
        override_quiet=broadcast.override_quiet,
        web=reach.web,
        telegram=reach.telegram,
    )


async def _counts(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Rows by status for several broadcasts, one grouped query."""
    if not ids:
        return {}
    rows = await uow.session.execute(
        select(OutboxMessage.broadcast_id, OutboxMessage.status, func.count())
        .where(OutboxMessage.broadcast_id.in_(ids))
        .group_by(OutboxMessage.broadcast_id, OutboxMessage.status)
    )
    out: dict[int, dict[str, int]] = {}
    for broadcast_id, status, count in rows.all():
        out.setdefault(int(broadcast_id), {})[str(status)] = int(count)
    return out


async def _own(uow: UnitOfWork, partner: Partner | None, broadcast_id: int) -> Broadcast:
    """The notice if the sender may touch it: a partner's own, or any notice for HQ."""
    broadcast = await uow.session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.kind not in NOTICE_KINDS:
        raise NotFound(what="broadcast", key=broadcast_id)
    if partner is not None and broadcast.partner_id != partner.id:
        raise NotFound(what="broadcast", key=broadcast_id)
    return broadcast


@dataclass(frozen=True)
class Cancelled:
    """A cancelled notice: copies already sent stay sent, the rest never go."""

    broadcast_id: int
    sent: int
    cancelled: int


async def cancel_notice(uow: UnitOfWork, partner: Partner | None, broadcast_id: int) -> Cancelled:
    """Stop one's own notice before it is finished; another partner's is NotFound."""
    broadcast = await _own(uow, partner, broadcast_id)
    if broadcast.status not in OPEN:
        raise InvalidInput(field="broadcast", reason=f"already {broadcast.status}")
    progress = await cancel_broadcast(uow, broadcast_id)
    return Cancelled(broadcast_id=broadcast_id, sent=progress.sent, cancelled=progress.cancelled)


@dataclass(frozen=True)
class NoticeRow:
    """A notice not yet finished, as the list shows it."""

    broadcast_id: int
    kind: str
    send_at: dt.datetime
    status: str
    unit_id: int | None
    total: int
    sent: int
    pending: int
    opted_out: int
    preview: str  # the first copy's text (as a customer reads it), for recognising it


async def scheduled_notices(uow: UnitOfWork, partner: Partner | None) -> list[NoticeRow]:
    """The partner's notices still to send (HQ's own for None), soonest first."""
    owner = (
        Broadcast.partner_id == partner.id if partner is not None else Broadcast.created_by == "hq"
    )
    broadcasts = list(
        await uow.session.scalars(
            select(Broadcast)
            .where(owner, Broadcast.status.in_(OPEN), Broadcast.kind.in_(NOTICE_KINDS))
            .order_by(Broadcast.send_at, Broadcast.id)
        )
    )
    ids = [broadcast.id for broadcast in broadcasts]
    counts = await _counts(uow, ids)
    previews: dict[int, str] = {}
    if ids:
        first = (
            select(OutboxMessage.broadcast_id, func.min(OutboxMessage.id))
            .where(
                OutboxMessage.broadcast_id.in_(ids),
                OutboxMessage.status.in_((PENDING, SENT, "sending", "cancelled")),
            )
            .group_by(OutboxMessage.broadcast_id)
        )
        row_ids = [row_id for _b, row_id in (await uow.session.execute(first)).all()]
        if row_ids:
            texts = await uow.session.execute(
                select(OutboxMessage.broadcast_id, OutboxMessage.text).where(
                    OutboxMessage.id.in_(row_ids)
                )
            )
            previews = {int(b): str(text) for b, text in texts.all()}
    rows = []
    for broadcast in broadcasts:
        progress = progress_of(counts.get(broadcast.id, {}))
        rows.append(
            NoticeRow(
                broadcast_id=broadcast.id,
                kind=broadcast.kind,
                send_at=broadcast.send_at,
                status=broadcast.status,
                unit_id=broadcast.unit_id,
                total=progress.total,
                sent=progress.sent,
                pending=progress.pending,
                opted_out=progress.opted_out,
                preview=previews.get(broadcast.id, ""),
            )
        )
    return rows


@dataclass(frozen=True)
class NoticeProgress:
    """A notice, finished or not, with its outbox counts (the console's progress table)."""

    broadcast_id: int
    kind: str
    send_at: dt.datetime
    status: str
    unit_id: int | None
    progress: Progress


async def recent_notices(
    uow: UnitOfWork, partner: Partner | None, *, limit: int = 50
) -> list[NoticeProgress]:
    """The sender's latest notices (HQ's for None), newest first, each with its counts."""
    owner = (
        Broadcast.partner_id == partner.id if partner is not None else Broadcast.created_by == "hq"
    )
    broadcasts = list(
        await uow.session.scalars(
            select(Broadcast)
            .where(owner, Broadcast.kind.in_(NOTICE_KINDS))
            .order_by(Broadcast.id.desc())
            .limit(limit)
        )
    )
    counts = await _counts(uow, [broadcast.id for broadcast in broadcasts])
    return [
        NoticeProgress(
            broadcast_id=b.id,
            kind=b.kind,
            send_at=b.send_at,
            status=b.status,
            unit_id=b.unit_id,
            progress=progress_of(counts.get(b.id, {})),
        )
        for b in broadcasts
    ]


async def notice_progress(
    uow: UnitOfWork, partner: Partner | None, broadcast_id: int
) -> NoticeProgress:
    """One notice's counts, if it is the sender's (another's is NotFound)."""
    broadcast = await _own(uow, partner, broadcast_id)
    counts = await _counts(uow, [broadcast.id])
    return NoticeProgress(
        broadcast_id=broadcast.id,
        kind=broadcast.kind,
        send_at=broadcast.send_at,
        status=broadcast.status,
        unit_id=broadcast.unit_id,
        progress=progress_of(counts.get(broadcast.id, {})),
    )
