"""The partner's link, QR code and leaflet: what a neighbour scans leads to the partner."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
import pytest
import zxingcpp
from PIL import Image

from bot.messages.leaflet import leaflet_for
from core.errors import InvalidInput
from core.models import Partner, Unit
from core.people.invites import invite_link_payload
from core.people.invites_print.letter import MAX_LETTER, clean_letter, set_letter
from core.people.invites_print.links import assist_url, invite_link, invite_url, qr_png
from core.people.invites_print.promotion import next_promotion
from core.platform.config import Settings
from tests.factories import make_promotion, make_unit_with_partner


def decoded(png: bytes) -> list[str]:
    """What a phone camera reads from the picture."""
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\n", "")


def test_the_qr_code_decodes_back_to_the_partners_invite_link():
    link = invite_link("linli_demo_bot", "ABCDEFGHIJKL")

    assert link == "https://t.me/linli_demo_bot?start=" + invite_link_payload("ABCDEFGHIJKL")
    assert decoded(qr_png(link)) == [link]


def test_invites_point_at_the_web_chat_by_default_and_at_telegram_when_configured():
    web = Settings(web_url="https://linli.example.com")
    link = invite_url(web, "ABCDEFGHIJKL")
    assert link == "https://linli.example.com/c/" + invite_link_payload("ABCDEFGHIJKL")
    assert decoded(qr_png(link)) == [link]
    assert assist_url(web, "tok") == "https://linli.example.com/c/atok"
    telegram = Settings(web_url="https://linli.example.com", invite_channel="telegram")
    link = invite_url(telegram, "ABCDEFGHIJKL")
    assert link == "https://t.me/linli_demo_bot?start=" + invite_link_payload("ABCDEFGHIJKL")
    assert decoded(qr_png(link)) == [link]
    assert assist_url(telegram, "tok") == "https://t.me/linli_demo_bot?start=atok"
    with pytest.raises(ValueError):
        Settings(invite_channel="wechat")


def test_a_letter_is_trimmed_and_empty_or_too_long_ones_are_refused():
    assert clean_letter("  你好，邻居们！ ") == "你好，邻居们！"
    with pytest.raises(InvalidInput):
        clean_letter("   ")
    with pytest.raises(InvalidInput):
        clean_letter("好" * (MAX_LETTER + 1))
    assert clean_letter("好" * MAX_LETTER) == "好" * MAX_LETTER


async def _leaflet(db, letter: str | None = None) -> str:
    setup = await make_unit_with_partner(db)
    async with db.uow() as uow:
        if letter is not None:
            await set_letter(uow, setup.partner.id, letter)
        partner = await uow.session.get(Partner, setup.partner.id)
        unit = await uow.session.get(Unit, setup.unit.id)
        pdf = await leaflet_for(uow, partner, unit)
        await uow.commit()
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 1
    return pdf_text(pdf)


async def test_the_leaflet_carries_the_partners_own_letter_and_the_selling_points(db):
    text = await _leaflet(db, "我是三栋的王阿姨，有事随时找我。")

    assert "我是三栋的王阿姨，有事随时找我。" in text
    assert "15:00" in text and "锦绣花园" in text


async def test_the_leaflet_says_scan_with_your_phone_and_its_qr_opens_the_web_chat(db):
    setup = await make_unit_with_partner(db)
    async with db.uow() as uow:
        partner = await uow.session.get(Partner, setup.partner.id)
        unit = await uow.session.get(Unit, setup.unit.id)
        pdf = await leaflet_for(uow, partner, unit)
    text = pdf_text(pdf)
    link = f"{db.settings.web_address}/c/" + invite_link_payload(partner.invite_code)
    assert "用手机扫码" in text and "Telegram" not in text
    assert link in text
    [page] = pypdf.PdfReader(io.BytesIO(pdf)).pages
    found = [text for image in page.images for text in decoded_image(image.image)]
    assert found == [link]


def decoded_image(image: Image.Image) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(image)]


async def test_a_partner_without_a_letter_gets_a_default_one_signed_with_their_name(db):
    text = await _leaflet(db)

    assert "亲爱的邻居们" in text and "王阿姨" in text


async def test_the_longest_letter_still_fits_one_page(db):
    await _leaflet(db, "邻" * MAX_LETTER)


async def test_the_leaflet_names_the_promotion_on_now(db):
    await make_promotion(
        db, "NEW10", benefit="amount_off_order", amount_off_fen=1000, name_zh="新邻居立减十元"
    )

    assert "新邻居立减十元" in await _leaflet(db)


async def test_the_next_promotion_skips_other_units_ended_and_used_up_ones(db, clock):
    home = await make_unit_with_partner(db)
    other = await make_unit_with_partner(db, code="other")
    now = clock.now()
    common = {"benefit": "amount_off_order", "amount_off_fen": 500}
    await make_promotion(db, "THEIRS", unit_id=other.unit.id, **common)
    await make_promotion(db, "ENDED", valid_until=now - dt.timedelta(days=1), **common)
    await make_promotion(db, "GONE", total_cap=5, redeemed_count=5, **common)
    await make_promotion(db, "SOON", valid_from=now + dt.timedelta(days=2), **common)
    async with db.uow() as uow:
        assert (await next_promotion(uow, home.unit.id, now)).code == "SOON"
    await make_promotion(db, "NOW", unit_id=home.unit.id, **common)
    async with db.uow() as uow:
        assert (await next_promotion(uow, home.unit.id, now)).code == "NOW"
