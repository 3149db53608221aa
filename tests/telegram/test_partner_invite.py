"""The Invite screen over python-telegram-bot: QR code as a photo, leaflet as a file."""

from __future__ import annotations

import io

import pypdf
import zxingcpp
from PIL import Image

from core.people.invites_print.links import invite_url
from tests.factories import make_unit_with_partner
from tests.telegram.fake_bot_api import Person, press, recorder, send_text


def upload(call, field: str) -> bytes:
    """The bytes uploaded in ``field`` of a recorded call."""
    return call.params[f"upload:{field}"]


async def test_the_partner_gets_the_qr_as_a_photo_and_the_leaflet_as_a_pdf_document(db, app):
    setup = await make_unit_with_partner(db)
    partner = Person(setup.partner.telegram_id, first_name="王阿姨", language_code="en")
    await send_text(app, partner, "/partner")

    await press(app, partner, "Invite neighbours")
    await press(app, partner, "Leaflet to print")

    calls = recorder(app).to(partner.id)
    [photo] = [call for call in calls if call.method == "sendPhoto"]
    link = invite_url(db.settings, setup.partner.invite_code)  # the web chat by default
    png = upload(photo, "photo")
    assert [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))] == [link]
    [document] = [call for call in calls if call.method == "sendDocument"]
    pdf = upload(document, "document")
    assert document.params["caption"].startswith("🖨")
    assert pdf.startswith(b"%PDF") and len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 1
