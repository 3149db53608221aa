"""The printable A4 leaflet: QR code, the partner's letter, selling points, the next promotion.

reportlab draws it with its built-in CID font STSong-Light: no font file to ship, the
PDF reader supplies the glyphs. (No PNG version: rendering the page needs a Chinese font
file on this side, which Linli does not ship.)
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer

from core.people.invites_print.links import qr_png

FONT = "STSong-Light"
QR_SIZE = 60 * mm
LONG_LETTER = 300  # characters: beyond this the letter is set smaller to keep one page


@dataclass(frozen=True)
class LeafletText:
    """Every word on the leaflet, already in the reader's language."""

    title: str
    letter: str
    signature: str
    selling_points: tuple[str, ...]
    promotion: str | None
    scan_hint: str
    link: str


def _font() -> str:
    """Register the CID font once; reportlab keeps it per process."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    """Big title, readable body (older readers), CJK line breaking everywhere."""
    font = _font()
    base = {"fontName": font, "wordWrap": "CJK"}
    return {
        "title": ParagraphStyle("title", fontSize=28, leading=36, alignment=1, **base),
        "body": ParagraphStyle("body", fontSize=14, leading=22, **base),
        "small": ParagraphStyle("small", fontSize=12, leading=18, **base),
        "sign": ParagraphStyle("sign", fontSize=14, leading=22, alignment=2, **base),
        "point": ParagraphStyle("point", fontSize=15, leading=24, leftIndent=8 * mm, **base),
        "promo": ParagraphStyle("promo", fontSize=16, leading=24, alignment=1, **base),
        "hint": ParagraphStyle("hint", fontSize=12, leading=18, alignment=1, **base),
    }


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: markup escaped, line breaks kept."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def leaflet_pdf(text: LeafletText) -> bytes:
    """One A4 page as PDF bytes; the QR code encodes ``text.link``."""
    styles = _styles()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=15 * mm,
        bottomMargin=12 * mm,
        title=text.title,
    )
    story: list[object] = [_para(text.title, styles["title"]), Spacer(1, 5 * mm)]
    body = styles["small"] if len(text.letter) > LONG_LETTER else styles["body"]
    story += [_para(text.letter, body), _para(text.signature, styles["sign"])]
    story.append(Spacer(1, 4 * mm))
    story += [_para(f"● {point}", styles["point"]) for point in text.selling_points]
    if text.promotion:
        story += [Spacer(1, 4 * mm), _para(text.promotion, styles["promo"])]
    story.append(Spacer(1, 5 * mm))
    story.append(Image(io.BytesIO(qr_png(text.link)), width=QR_SIZE, height=QR_SIZE))
    story += [_para(text.scan_hint, styles["hint"]), _para(text.link, styles["hint"])]
    document.build(story)  # type: ignore[arg-type]
    return buffer.getvalue()
