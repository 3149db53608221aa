"""The report's chart is a real PNG of a sensible size, even for an empty unit."""

from __future__ import annotations

import datetime as dt
import io

from PIL import Image

from core.partners.reports.chart import cjk_font, has_cjk_font, weekly_chart_png
from core.partners.reports.value import Standing, ValueReport, WeekPoint

LABELS = {
    "orders": "orders",
    "customers": "customers",
    "high_value": "high value",
    "potential": "potential",
    "lost": "lost",
    "regular": "regular",
    "new": "new",
}


def _report(weeks: int) -> ValueReport:
    as_of = dt.date(2026, 11, 23)
    points = [
        WeekPoint(
            week_start=as_of - dt.timedelta(weeks=weeks - 1 - n),
            orders=40 + 7 * n,
            per_group={s: 5 + n + i for i, s in enumerate(Standing)},
        )
        for n in range(weeks)
    ]
    counts = points[-1].per_group if points else dict.fromkeys(Standing, 0)
    return ValueReport(
        unit_id=1,
        as_of=as_of,
        counts=dict(counts),
        previous=dict.fromkeys(Standing, 0),
        top={s: [] for s in Standing},
        customers=[],
        weeks=points,
    )


def _image(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_twelve_weeks_render_as_a_phone_sized_png():
    image = _image(weekly_chart_png(_report(12), title="Jinxiu Garden", labels=LABELS))

    assert image.format == "PNG" and image.size == (800, 450)
    assert (
        len(image.convert("RGB").getcolors(maxcolors=1 << 20) or ()) > 20
    )  # bars and lines were drawn


def test_an_empty_report_still_renders_a_chart():
    for weeks in (0, 12):
        report = _report(weeks)
        if weeks:
            report = ValueReport(
                unit_id=1,
                as_of=report.as_of,
                counts=dict.fromkeys(Standing, 0),
                previous=dict.fromkeys(Standing, 0),
                top={s: [] for s in Standing},
                weeks=[
                    WeekPoint(w.week_start, 0, dict.fromkeys(Standing, 0)) for w in report.weeks
                ],
            )
        image = _image(weekly_chart_png(report, title="empty", labels={}))
        assert image.size == (800, 450)


def test_chinese_labels_use_a_cjk_font_when_the_machine_has_one():
    png = weekly_chart_png(_report(4), title="锦绣花园", labels={"orders": "订单"})

    assert _image(png).size == (800, 450)
    assert has_cjk_font() is (cjk_font() is not None)
