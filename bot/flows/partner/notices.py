"""The partner's Notices screen: a notice to many neighbours in a few taps, typed once.

Kind (outage, event, advice, promotion, letter) → the text (or a photo with a caption)
→ the audience (the whole unit, some buildings, a customer-value group, households with
elderly / children / pregnant members who shared it) → when (now, tonight 19:00,
tomorrow 08:00 or 10:00, Shanghai time) → the preview a customer will read with the
number of households it reaches after opt-outs → confirm. Scheduling is core's
(core/messaging/notices): it writes the outbox rows in this step's transaction, and the sender
later edits a status message in this chat into the delivery report.

The draft lives in the chat state, so a restart loses nothing. Every draft button
carries the draft's id: a button of an older draft, or pressed after the draft is gone,
reads as expired; a double confirm finds the notice already made (its idempotency key is
the draft's). Building ids in buttons are checked against the partner's unit again when
pressed and when scheduling, so a forged one reads as expired and schedules nothing.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from babel.numbers import format_decimal

from bot.flows.callbacks import payload
from bot.flows.context import Ctx
from bot.flows.events import Photo, Text
from bot.flows.partner.home import (
    PartnerScreen,
    home_button,
    partner_button,
    partner_screen,
    rows_of_two,
)
from bot.flows.partner.relay import sending_partner
from bot.flows.replies import InlineButton
from bot.flows.router import expired, on_step
from bot.messages.errors import explain
from bot.messages.notices import HEADINGS, NOBODY, notice_renderer, notice_text, reach_text
from core.errors import InvalidInput, NotFound
from core.messaging.notices import (
    NOTICE_KINDS,
    Audience,
    FlaggedHouseholds,
    SomeBuildings,
    ValueGroup,
    WholeUnit,
    audience_size,
    cancel_notice,
    check_send_at,
    check_text,
    schedule_notice,
    scheduled_notices,
)
from core.messaging.outbox.enqueue import StatusChat
from core.messaging.outbox.quiet import in_quiet_hours
from core.models import Partner
from core.partners.customers import FLAGS
from core.partners.reports.value import Standing
from core.people.units import buildings_of

TEXT_STEP = "partner_notice_text"  # waiting for the notice's words (or a photo)
DRAFT_STEP = "partner_notice"  # the draft is complete enough for buttons only
LISTED = 5  # scheduled notices shown with a cancel button


def _(message: str) -> str:
    """Mark for extraction; translated when shown."""
    return message


GROUP_LABELS = {
    Standing.HIGH_VALUE: _("⭐ High value"),
    Standing.POTENTIAL: _("🌱 Potential"),
    Standing.LOST: _("💤 Lost"),
    Standing.REGULAR: _("🙂 Regular"),
    Standing.NEW: _("🆕 Not ordered yet"),
}
FLAG_AUDIENCE = {
    "elderly": _("👴 Households with elderly"),
    "children": _("🧒 Households with children"),
    "pregnant": _("🤰 Households expecting a baby"),
}
WHEN_LABELS = {
    "now": _("⚡ Now"),
    "tonight": _("🌆 Tonight 19:00"),
    "tomorrow8": _("🌅 Tomorrow 08:00"),
    "tomorrow10": _("☀️ Tomorrow 10:00"),
}
# Fixed choices: (days from today, hour) in business time.
WHEN_AT = {"tonight": (0, 19), "tomorrow8": (1, 8), "tomorrow10": (1, 10)}


@payload("pn1")
@dataclass(frozen=True)
class NoticeKind:
    """Start a new draft of this kind."""

    kind: str


@payload("pn2")
@dataclass(frozen=True)
class NoticeAudience:
    """Choose the audience: ``unit``, ``pick`` / ``toggle`` (ref = building) / ``picked``,
    a value group's name, or a household flag."""

    draft: str
    choice: str
    ref: int = 0


@payload("pn3")
@dataclass(frozen=True)
class NoticeWhen:
    """When to send: one of WHEN_LABELS."""

    draft: str
    when: str


@payload("pn4")
@dataclass(frozen=True)
class NoticeConfirm:
    """Schedule the previewed draft."""

    draft: str


@payload("pn5")
@dataclass(frozen=True)
class NoticeCancel:
    """Cancel a scheduled notice of this partner's."""

    broadcast_id: int


@payload("pn6")
@dataclass(frozen=True)
class NoticeBack:
    """Go back a step of the draft (``text``, ``audience``, ``when``) or ``discard`` it."""

    draft: str
    to: str


# ------------------------------------------------------------------ the screen


def _count(ctx: Ctx, value: int) -> str:
    """1234 → "1,234" in the partner's language."""
    return format_decimal(value, locale=ctx.t.babel_locale)


def _when_text(ctx: Ctx, instant: dt.datetime | None) -> str:
    """ "now", "today 19:00", "tomorrow 08:00", or a weekday and date with the time."""
    if instant is None:
        return ctx._("now")
    today = ctx.t.local(ctx.uow.clock.now()).date()
    day = ctx.t.local(instant).date()
    clock = f"{ctx.t.local(instant):%H:%M}"  # 24-hour, as on the buttons
    if day == today:
        return ctx._("today {time}").format(time=clock)
    if day == today + dt.timedelta(days=1):
        return ctx._("tomorrow {time}").format(time=clock)
    return f"{ctx.t.weekday_date(instant)} {clock}"


@partner_screen("notices", _("📢 Notices"), 45)
async def show_notices(ctx: Ctx, partner: Partner, page: int, *, note: str | None = None) -> None:
    """Pick a kind to write a new notice; the notices still to send, each with ✖️ Cancel."""
    ctx.chat.go("idle")
    lines = [
        ctx._(
            "📢 Notices to your neighbours: a water or power cut, an event, advice, "
            "an offer or a letter."
        ),
        ctx._("Choose the kind of notice to write:"),
    ]
    if note:
        lines.insert(0, note + "\n")
    kinds = [ctx.button(ctx._(HEADINGS[kind]), NoticeKind(kind)) for kind in NOTICE_KINDS]
    rows: list[tuple[InlineButton, ...]] = list(rows_of_two(kinds))
    listed = await scheduled_notices(ctx.uow, partner)
    if listed:
        lines += ["", ctx._("Scheduled:")]
    for row in listed[:LISTED]:
        heading = ctx._(HEADINGS[row.kind])
        households = ctx.t.ngettext(
            "{num} household", "{num} households", row.total - row.opted_out
        ).format(num=_count(ctx, row.total - row.opted_out))
        when = _when_text(ctx, row.send_at if row.send_at > ctx.uow.clock.now() else None)
        if row.status == "sending":
            when = ctx._("sending: {sent} sent").format(sent=_count(ctx, row.sent))
        lines.append(f"· {when} · {heading} · {households}")
        rows.append(
            (
                ctx.button(
                    ctx._("✖️ Cancel: {when} {heading}").format(when=when, heading=heading),
                    NoticeCancel(row.broadcast_id),
                ),
            )
        )
    if len(listed) > LISTED:
        lines.append(ctx._("… and {num} more").format(num=len(listed) - LISTED))
    rows.append((home_button(ctx),))
    ctx.show("\n".join(lines), tuple(rows))


# ------------------------------------------------------------------ the draft


def _draft(ctx: Ctx, draft: str, *steps: str) -> dict[str, Any] | None:
    """The chat's draft when ``draft`` is its id (and the chat is at one of ``steps``)."""
    data = ctx.chat.data
    if ctx.chat.step not in (steps or (TEXT_STEP, DRAFT_STEP)) or data.get("draft") != draft:
        return None
    return data


def _discard(ctx: Ctx, draft: str) -> InlineButton:
    return ctx.button(ctx._("✖️ Discard"), NoticeBack(draft, "discard"))


@partner_button(NoticeKind)
async def start_draft(ctx: Ctx, partner: Partner, item: NoticeKind) -> None:
    """A new draft of that kind; the next text or photo is its words."""
    if item.kind not in NOTICE_KINDS:
        await expired(ctx)
        return
    draft = secrets.token_hex(4)
    ctx.chat.go(TEXT_STEP, draft=draft, kind=item.kind)
    _ask_text(ctx, draft, item.kind)


def _ask_text(ctx: Ctx, draft: str, kind: str) -> None:
    """Ask for the words, saying how the customer will see them."""
    ctx.show(
        ctx._(
            "{heading}\n\nWrite the notice now: a text, or a photo with a caption, up to "
            "1,000 characters. Your neighbours read it under this heading."
        ).format(heading=ctx._(HEADINGS[kind])),
        ((_discard(ctx, draft),),),
    )


@on_step(TEXT_STEP)
async def text_written(ctx: Ctx) -> None:
    """Keep the words (and photo) in the draft, then ask who should get it."""
    partner = await sending_partner(ctx)
    data = ctx.chat.data
    draft, kind = data.get("draft"), data.get("kind")
    if partner is None or not isinstance(draft, str) or kind not in NOTICE_KINDS:
        ctx.chat.go("idle")
        await expired(ctx)
        return
    event = ctx.event
    photo: str | None = None
    if isinstance(event, Photo):
        words, photo = event.caption, event.file_ref
    elif isinstance(event, Text):
        words = event.text
    else:
        ctx.say(ctx._("Please send the notice as text, or a photo with a caption."))
        return
    try:
        words = check_text(words, photo=photo is not None)
    except InvalidInput as refusal:
        ctx.say(explain(refusal, ctx.t), ((_discard(ctx, draft),),))
        return
    ctx.chat.go(DRAFT_STEP, draft=draft, kind=kind, text=words, photo=photo)
    await _ask_audience(ctx, partner, draft)


async def _ask_audience(ctx: Ctx, partner: Partner, draft: str) -> None:
    """Whole unit, some buildings, a value group, or flagged households."""
    choice = [
        ctx.button(ctx._("🏘️ Whole unit"), NoticeAudience(draft, "unit")),
        ctx.button(ctx._("🏢 Some buildings"), NoticeAudience(draft, "pick")),
        *(
            ctx.button(ctx._(label), NoticeAudience(draft, str(standing)))
            for standing, label in GROUP_LABELS.items()
        ),
        *(ctx.button(ctx._(FLAG_AUDIENCE[flag]), NoticeAudience(draft, flag)) for flag in FLAGS),
    ]
    rows = (
        *rows_of_two(choice),
        (ctx.button(ctx._("◀️ Rewrite"), NoticeBack(draft, "text")), _discard(ctx, draft)),
    )
    ctx.show(
        ctx._(
            "Who should get it? Groups are those of your customer report; households with "
            "elderly, children or a baby on the way are only those who chose to tell us."
        ),
        rows,
    )


@on_step(DRAFT_STEP)
async def typed_during_draft(ctx: Ctx) -> None:
    """Typing while the draft waits for a button: say so, keep the draft."""
    draft = str(ctx.chat.data.get("draft", ""))
    ctx.say(
        ctx._("Please use the buttons above to finish the notice, or discard it."),
        ((ctx.button(ctx._("◀️ Rewrite"), NoticeBack(draft, "text")), _discard(ctx, draft)),),
    )


async def _own_buildings(ctx: Ctx, partner: Partner) -> list[tuple[int, str]]:
    """(id, label) of the partner's unit's buildings in walking order."""
    return [(b.id, b.label) for b in await buildings_of(ctx.uow, partner.unit_id)]


@partner_button(NoticeAudience)
async def choose_audience(ctx: Ctx, partner: Partner, item: NoticeAudience) -> None:
    """Set the audience (or pick buildings one toggle at a time), then ask when."""
    data = _draft(ctx, item.draft, DRAFT_STEP)
    if data is None:
        await expired(ctx)
        return
    if item.choice in ("pick", "toggle", "picked"):
        await _pick_buildings(ctx, partner, data, item)
        return
    if item.choice == "unit":
        data["audience"] = {"type": "unit"}
    elif item.choice in GROUP_LABELS:
        data["audience"] = {"type": "group", "name": item.choice}
    elif item.choice in FLAGS:
        data["audience"] = {"type": "flag", "name": item.choice}
    else:
        await expired(ctx)
        return
    _ask_when(ctx, item.draft)


async def _pick_buildings(
    ctx: Ctx, partner: Partner, data: dict[str, Any], item: NoticeAudience
) -> None:
    """The unit's buildings as toggles; a building not of the partner's unit is expired."""
    own = await _own_buildings(ctx, partner)
    own_ids = {building_id for building_id, _label in own}
    chosen = [b for b in data.get("buildings", []) if b in own_ids]
    if item.choice == "toggle":
        if item.ref not in own_ids:
            await expired(ctx)
            return
        chosen = [b for b in chosen if b != item.ref] if item.ref in chosen else [*chosen, item.ref]
    if item.choice == "picked":
        if not chosen:
            ctx.toast(ctx._("Choose at least one building."))
        else:
            data["audience"] = {"type": "buildings", "ids": sorted(chosen)}
            _ask_when(ctx, item.draft)
            return
    data["buildings"] = chosen
    toggles = [
        ctx.button(
            ("✅ " if building_id in chosen else "⬜ ") + label,
            NoticeAudience(item.draft, "toggle", building_id),
        )
        for building_id, label in own
    ]
    rows = (
        *rows_of_two(toggles),
        (
            ctx.button(
                ctx._("✔️ Done ({num} chosen)").format(num=len(chosen)),
                NoticeAudience(item.draft, "picked"),
            ),
        ),
        (
            ctx.button(ctx._("◀️ Back"), NoticeBack(item.draft, "audience")),
            _discard(ctx, item.draft),
        ),
    )
    ctx.show(ctx._("🏢 Tap the buildings that should get it, then Done."), rows)


def _choices(ctx: Ctx) -> list[str]:
    """The send times still ahead: "tonight" only before 19:00."""
    now = ctx.t.local(ctx.uow.clock.now())
    return [when for when in WHEN_LABELS if when != "tonight" or now.hour < WHEN_AT["tonight"][1]]


def _ask_when(ctx: Ctx, draft: str) -> None:
    """Now, tonight 19:00, tomorrow 08:00 or 10:00."""
    buttons = [
        ctx.button(ctx._(WHEN_LABELS[when]), NoticeWhen(draft, when)) for when in _choices(ctx)
    ]
    rows = (
        *rows_of_two(buttons),
        (ctx.button(ctx._("◀️ Back"), NoticeBack(draft, "audience")), _discard(ctx, draft)),
    )
    ctx.show(ctx._("When should it go out? (Shanghai time)"), rows)


def _instant(ctx: Ctx, when: str) -> dt.datetime | None:
    """The chosen time as an aware instant (None: now)."""
    if when == "now":
        return None
    days, hour = WHEN_AT[when]
    today = ctx.t.local(ctx.uow.clock.now()).date() + dt.timedelta(days=days)
    return dt.datetime.combine(today, dt.time(hour), tzinfo=ctx.uow.settings.tz)


def _audience_of(data: dict[str, Any]) -> Audience | None:
    """The draft's audience as core's typed value (None when the draft holds none)."""
    chosen = data.get("audience")
    if not isinstance(chosen, dict):
        return None
    kind = chosen.get("type")
    if kind == "unit":
        return WholeUnit()
    if kind == "buildings":
        ids = chosen.get("ids")
        if isinstance(ids, list) and ids and all(isinstance(i, int) for i in ids):
            return SomeBuildings(tuple(ids))
    if kind == "group" and chosen.get("name") in GROUP_LABELS:
        return ValueGroup(Standing(chosen["name"]))
    if kind == "flag" and chosen.get("name") in FLAGS:
        return FlaggedHouseholds(str(chosen["name"]))
    return None


async def _audience_text(ctx: Ctx, partner: Partner, audience: Audience) -> str:
    """ "the whole unit", "1栋, 3栋", "⭐ High value", "👴 Households with elderly"."""
    if isinstance(audience, SomeBuildings):
        labels = dict(await _own_buildings(ctx, partner))
        return ", ".join(labels.get(b, "?") for b in audience.building_ids)
    if isinstance(audience, ValueGroup):
        return ctx._(GROUP_LABELS[audience.standing])
    if isinstance(audience, FlaggedHouseholds):
        return ctx._(FLAG_AUDIENCE[audience.flag])
    return ctx._("the whole unit")


@partner_button(NoticeWhen)
async def choose_when(ctx: Ctx, partner: Partner, item: NoticeWhen) -> None:
    """Keep the time, then show the preview."""
    data = _draft(ctx, item.draft, DRAFT_STEP)
    if data is None or item.when not in WHEN_LABELS or _audience_of(data) is None:
        await expired(ctx)
        return
    instant = _instant(ctx, item.when)
    data["send_at"] = None if instant is None else instant.astimezone(dt.UTC).isoformat()
    await _preview(ctx, partner, data)


def _send_at(data: dict[str, Any]) -> dt.datetime | None:
    """The draft's send time (None: now)."""
    stored = data.get("send_at")
    return dt.datetime.fromisoformat(stored) if isinstance(stored, str) else None


async def _preview(ctx: Ctx, partner: Partner, data: dict[str, Any]) -> None:
    """Exactly what a neighbour reads, how many get it, and when; then ✅ Confirm."""
    audience = _audience_of(data)
    draft, kind = str(data["draft"]), str(data["kind"])
    if audience is None:
        await expired(ctx)
        return
    try:
        size = await audience_size(ctx.uow, partner, audience, kind)
    except NotFound:
        ctx.chat.go("idle")
        await expired(ctx)
        return
    when = _send_at(data)
    lines = [
        ctx._("👀 Preview: this is what your neighbours will read"),
        "",
        notice_text(ctx.customer.locale, kind, str(data["text"])),
        "",
    ]
    if data.get("photo"):
        lines.append(ctx._("📷 With your photo."))
    lines.append(
        ctx._("To: {audience} · {households}").format(
            audience=await _audience_text(ctx, partner, audience),
            households=reach_text(ctx.t, size.web, size.telegram),
        )
    )
    if size.opted_out or size.unreachable:
        lines.append(
            ctx._(
                "(not counted: {opted} opted out of these messages, {blocked} blocked the bot)"
            ).format(opted=_count(ctx, size.opted_out), blocked=_count(ctx, size.unreachable))
        )
    lines.append(ctx._("When: {when}").format(when=_when_text(ctx, when)))
    starts = when or ctx.uow.clock.now()
    settings = ctx.uow.settings
    if kind != "outage" and in_quiet_hours(
        starts, settings.quiet_start, settings.quiet_end, settings.tz
    ):
        lines.append(
            ctx._("🌙 That is in the quiet hours: it goes out at {time}.").format(
                time=f"{settings.quiet_end:%H:%M}"
            )
        )
    if size.nobody:  # nothing to confirm: say so, and offer another audience
        lines += ["", ctx._(NOBODY)]
        ctx.show(
            "\n".join(lines),
            (
                (ctx.button(ctx._("◀️ Change the audience"), NoticeBack(draft, "audience")),),
                (_discard(ctx, draft),),
            ),
        )
        return
    buttons = (
        (ctx.button(ctx._("✅ Confirm and schedule"), NoticeConfirm(draft)),),
        (ctx.button(ctx._("◀️ Change the time"), NoticeBack(draft, "when")), _discard(ctx, draft)),
    )
    ctx.show("\n".join(lines), buttons)


@partner_button(NoticeConfirm)
async def confirm(ctx: Ctx, partner: Partner, item: NoticeConfirm) -> None:
    """Schedule it once (the draft's id is the key), then say how many and offer ✖️ Cancel."""
    done = ctx.chat.data
    if ctx.chat.step == "idle" and done.get("notice_draft") == item.draft:
        await _scheduled_screen(ctx, int(done["broadcast"]), int(done["households"]), done)
        return  # a second tap on the same confirm: already scheduled, nothing more
    data = _draft(ctx, item.draft, DRAFT_STEP)
    audience = None if data is None else _audience_of(data)
    if data is None or audience is None or "send_at" not in data:
        await expired(ctx)
        return
    try:
        check_send_at(ctx.uow, _send_at(data))
    except InvalidInput as refusal:
        ctx.say(explain(refusal, ctx.t))
        _ask_when(ctx, item.draft)
        return
    try:
        nobody = (await audience_size(ctx.uow, partner, audience, str(data["kind"]))).nobody
    except NotFound:
        nobody = False  # schedule_notice answers the same NotFound below
    if nobody:  # an old preview's button: the audience has emptied since
        await _preview(ctx, partner, data)
        return
    try:
        made = await schedule_notice(
            ctx.uow,
            partner=partner,
            kind=str(data["kind"]),
            text=str(data["text"]),
            photo_ref=data.get("photo"),
            audience=audience,
            send_at=_send_at(data),
            idempotency_key=f"notice:partner:{partner.id}:{item.draft}",
            render=notice_renderer(ctx.key),
            status_chat=StatusChat(
                ctx.incoming.chat_id, locale=ctx.customer.locale, channel=ctx.incoming.channel
            ),
        )
    except NotFound:
        ctx.chat.go("idle")
        await expired(ctx)
        return
    households = made.will_receive
    ctx.chat.go(
        "idle",
        notice_draft=item.draft,
        broadcast=made.broadcast_id,
        households=households,
        send_at=data["send_at"],
    )
    await _scheduled_screen(ctx, made.broadcast_id, households, ctx.chat.data)


async def _scheduled_screen(
    ctx: Ctx, broadcast_id: int, households: int, data: dict[str, Any]
) -> None:
    """ "✅ Scheduled: 1,234 households, tonight 19:00" with ✖️ Cancel."""
    count = ctx.t.ngettext("{num} household", "{num} households", households).format(
        num=_count(ctx, households)
    )
    text = ctx._(
        "✅ Scheduled: {households}, {when}. You will see the progress here while it is sent."
    ).format(households=count, when=_when_text(ctx, _send_at(data)))
    ctx.show(
        text,
        (
            (ctx.button(ctx._("✖️ Cancel this notice"), NoticeCancel(broadcast_id)),),
            (ctx.button(ctx._("📢 Notices"), PartnerScreen("notices")), home_button(ctx)),
        ),
    )


@partner_button(NoticeBack)
async def go_back(ctx: Ctx, partner: Partner, item: NoticeBack) -> None:
    """Back a step of the draft, or discard it (the notices screen again)."""
    data = _draft(ctx, item.draft)
    if data is None:
        await expired(ctx)
        return
    if item.to == "discard":
        await show_notices(ctx, partner, 0, note=ctx._("Discarded: nothing was sent."))
    elif item.to == "text":
        ctx.chat.go(TEXT_STEP, draft=item.draft, kind=data["kind"])
        _ask_text(ctx, item.draft, str(data["kind"]))
    elif item.to == "audience" and ctx.chat.step == DRAFT_STEP:
        await _ask_audience(ctx, partner, item.draft)
    elif item.to == "when" and ctx.chat.step == DRAFT_STEP and _audience_of(data) is not None:
        _ask_when(ctx, item.draft)
    else:
        await expired(ctx)


@partner_button(NoticeCancel)
async def cancel(ctx: Ctx, partner: Partner, item: NoticeCancel) -> None:
    """Stop one's own notice; copies already sent stay sent. Another's reads as expired."""
    try:
        stopped = await cancel_notice(ctx.uow, partner, item.broadcast_id)
    except NotFound:
        await expired(ctx)
        return
    except InvalidInput:
        await show_notices(ctx, partner, 0, note=ctx._("That notice has already gone out."))
        return
    note = ctx.t.ngettext(
        "Cancelled: {num} household will not get it.",
        "Cancelled: {num} households will not get it.",
        stopped.cancelled,
    ).format(num=_count(ctx, stopped.cancelled))
    await show_notices(ctx, partner, 0, note=note)
