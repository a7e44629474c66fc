"""Accessible charts as server-rendered SVG: one helper for every chart of the site (the public results, the
integrity evidence, …).

A chart is never the only carrier of its numbers. `bar_chart` returns a `Chart` with
- the SVG (inline, `role="img"`, its `<title>` and `<desc>` named by `aria-labelledby`), drawn from the data;
- a one-sentence summary, the text alternative a screen reader reads and every reader sees under the chart;
- the same data as rows for a table (`core/_chart.html` renders figure, summary and table together).

The SVG uses presentation attributes and classes only (no `style` attributes, nothing inline for the CSP to
forbid); `site.css` colours it on the page, and the attributes are its defaults in a PDF or on its own.
Bars are horizontal, one per row with the label above the bar, so long Russian names fit a 360 px phone; the
SVG is as wide as its column and its text keeps its size (no viewBox scaling).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

# Geometry: heights in pixels, so the text keeps its size on any screen; horizontal positions in percent of
# the SVG's width (100% of its column), so the bars stretch with the page without shrinking the labels.
LABEL_HEIGHT = 18  # the label line above each bar
BAR_HEIGHT = 16
ROW_GAP = 10
VALUE_SPACE_PERCENT = 16  # room at the right of the longest bar for its value
FONT_SIZE = 14
LABEL_MAX_CHARS = 36  # about what fits a 360 px phone at FONT_SIZE; the full label is in the data table

_ids = itertools.count(1)


def number_format(value: float) -> str:
    """A number the Russian way: thousands separated by a narrow no-break space, a decimal comma."""
    text = f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}".replace(".", "\0")
    return text.replace(",", "\u202f").replace("\0", ",")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    highlight: bool = False  # drawn in the accent colour (e.g. a laureate)
    note: str = ""  # a word shown after the label, e.g. «призёр»


@dataclass(frozen=True)
class Chart:
    title: str
    summary: str
    label_heading: str
    value_heading: str
    bars: tuple[Bar, ...]
    svg: SafeString = field(repr=False)

    def rows(self) -> list[tuple[str, str]]:
        return [(bar.label, number_format(bar.value)) for bar in self.bars]

    def render(self, *, with_table: bool = True) -> SafeString:
        """The figure: the SVG, the summary as its caption and (unless the page shows the data already) the
        data table."""
        return mark_safe(render_to_string("core/_chart.html", {"chart": self, "with_table": with_table}))  # noqa: S308

    def __html__(self) -> str:
        return self.render()

    def __str__(self) -> str:  # `{{ chart }}` in a template: the template engine takes str() first
        return self.render()


def _label_text(bar: Bar) -> str:
    return f"{bar.label} — {bar.note}" if bar.note else bar.label


def bar_chart(*, title: str, summary: str, bars: Iterable[Bar], label_heading: str, value_heading: str,
              id_prefix: str = "chart") -> Chart:
    """A horizontal bar chart of non-negative values, in the order given.

    `title` names the chart, `summary` says in one sentence what it shows (e.g. who leads and by how much);
    both become the SVG's accessible name and description and are shown as text.
    """
    items = tuple(bars)
    if any(bar.value < 0 for bar in items):
        raise ValueError("bar_chart draws non-negative values only")
    chart_id = f"{id_prefix}-{next(_ids)}"
    top = max((bar.value for bar in items), default=0) or 1
    row_height = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    height = max(row_height * len(items), row_height)
    scale = (100 - VALUE_SPACE_PERCENT) / top
    parts = [
        format_html(
            '<svg class="chart chart-bars" xmlns="http://www.w3.org/2000/svg" width="100%" height="{}" '
            'role="img" aria-labelledby="{}-title {}-desc" font-size="{}" '
            'font-family="system-ui, \'DejaVu Sans\', sans-serif">',
            height, chart_id, chart_id, FONT_SIZE,
        ),
        format_html('<title id="{}-title">{}</title>', chart_id, title),
        format_html('<desc id="{}-desc">{}</desc>', chart_id, summary),
    ]
    for index, bar in enumerate(items):
        y = index * row_height
        length = round(bar.value * scale, 2)
        css = "chart-bar chart-bar-highlight" if bar.highlight else "chart-bar"
        fill = "#0a4fa3" if bar.highlight else "#7a8496"
        parts.append(format_html(
            '<g class="chart-row"><text class="chart-label" x="0" y="{}" fill="#1a1f2b">{}</text>'
            '<rect class="{}" x="0" y="{}" width="{}%" height="{}" rx="2" fill="{}"/>'
            '<text class="chart-value" x="{}%" y="{}" fill="#1a1f2b" font-weight="700">{}</text></g>',
            y + LABEL_HEIGHT - 5, _truncate(_label_text(bar)), css, y + LABEL_HEIGHT, max(length, 0.3), BAR_HEIGHT,
            fill, round(length + 1.5, 2), y + LABEL_HEIGHT + BAR_HEIGHT - 3, number_format(bar.value),
        ))
    parts.append(mark_safe("</svg>"))  # noqa: S308
    svg = mark_safe("".join(str(part) for part in parts))  # noqa: S308 - every part is escaped by format_html
    return Chart(title=title, summary=summary, label_heading=label_heading, value_heading=value_heading,
                 bars=items, svg=svg)


def _truncate(text: str, limit: int = LABEL_MAX_CHARS) -> str:
    """A label short enough for the viewBox; the full text is in the data table."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

