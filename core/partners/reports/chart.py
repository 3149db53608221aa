"""The report's chart: the unit's weekly orders as bars, customers per group as lines.

Partners would rather look than read, so the bot sends this as a photo. Rendered
headless with matplotlib's object API (``Figure`` on the Agg canvas, never pyplot: no
global state, safe in a server process). Chinese labels need a CJK font; when the
machine has none (``has_cjk_font()`` is False) callers should pass English labels, or
the glyphs come out as boxes.
"""

from __future__ import annotations

import io
import warnings
from contextlib import AbstractContextManager
from functools import lru_cache

from core.partners.reports.value import Standing, ValueReport

# Families that cover Chinese, most common on servers first.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
COLOURS = {
    Standing.HIGH_VALUE: "#d62728",
    Standing.POTENTIAL: "#2ca02c",
    Standing.LOST: "#7f7f7f",
    Standing.REGULAR: "#1f77b4",
    Standing.NEW: "#ff7f0e",
}
BARS = "#c7dcef"
WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 100  # 800 × 450 px: sharp on a phone, ~40 KB
# Fixed margins (figure fractions), room for five-digit ticks and the axis labels either
# side, the title above, the week ticks and the legend below. matplotlib's constrained
# layout found the same ones but cost half the chart's time: it measures every label and
# makes savefig draw the figure twice.
MARGINS = {"left": 0.085, "right": 0.905, "top": 0.925, "bottom": 0.14}


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed font family that can draw Chinese, if any."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((family for family in CJK_FAMILIES if family in installed), None)


def has_cjk_font() -> bool:
    """True when Chinese labels will render as characters, not boxes."""
    return cjk_font() is not None


def weekly_chart_png(report: ValueReport, *, title: str, labels: dict[str, str]) -> bytes:
    """The chart as PNG bytes; an empty report still draws its (empty) axes.

    ``labels`` names the series and axes: ``"orders"``, ``"customers"`` and each
    ``Standing`` value; a missing key shows the key itself.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    def label(key: str) -> str:
        return labels.get(key, key)

    font = cjk_font()
    rc = {"font.family": [font, "DejaVu Sans"]} if font else {}
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    figure.subplots_adjust(**MARGINS)
    FigureCanvasAgg(figure)
    with _rc(rc):
        bars = figure.add_subplot()
        lines = bars.twinx()
        positions = list(range(len(report.weeks)))
        ticks = [f"{week.week_start:%m-%d}" for week in report.weeks]
        bars.bar(
            positions, [week.orders for week in report.weeks], color=BARS, label=label("orders")
        )
        for standing in Standing:
            lines.plot(
                positions,
                [week.per_group.get(standing, 0) for week in report.weeks],
                marker="o",
                markersize=3,
                linewidth=1.8,
                color=COLOURS[standing],
                label=label(standing.value),
            )
        bars.set_xticks(positions, ticks, fontsize=8)
        bars.set_ylabel(label("orders"))
        lines.set_ylabel(label("customers"))
        bars.set_ylim(bottom=0)
        lines.set_ylim(bottom=0)
        bars.yaxis.set_major_locator(MaxNLocator(integer=True))
        lines.yaxis.set_major_locator(MaxNLocator(integer=True))
        if not positions:
            bars.set_xticks([])
        bars.set_title(title)
        handles = [*bars.get_legend_handles_labels()[0], *lines.get_legend_handles_labels()[0]]
        figure.legend(
            handles=handles,
            loc="lower center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=6,
            fontsize=8,
            frameon=False,
        )
        out = io.BytesIO()
        with warnings.catch_warnings():
            # without a CJK font, Chinese draws as boxes (documented above), not a warning each
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
            figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


def _rc(params: dict[str, object]) -> AbstractContextManager[object]:
    """matplotlib's rc_context, imported late (matplotlib costs ~0.3 s to import)."""
    from matplotlib import rc_context

    return rc_context(params)
