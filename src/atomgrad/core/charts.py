"""Charts as server-rendered SVG, readable without JavaScript and without sight: the site's one chart module.

Every chart comes with a title, a one-sentence summary (the SVG's text alternative, also shown as the
caption) and its data as rows for an HTML table beside it. The SVG is built here from numbers only — no text a
person typed reaches it except escaped. No `style` attributes (nothing inline for the CSP to forbid).

- `OverlayBarChart` — a part's bars over its whole's, one column per label (the integrity evidence, e.g. a
  candidate's votes per hour over the city's); rendered with `core/_chart.html`.
- `bar_chart` → `BarChart` — horizontal bars, one per row with its label above, so long Russian names fit a
  360 px phone (the public results' votes); the SVG is as wide as its column and its text keeps its size (no
  viewBox scaling); rendered with `core/_bar_chart.html` (`{{ chart }}` does it).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape

from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
HEIGHT = 200
MARGIN_LEFT = 40
MARGIN_BOTTOM = 22
MARGIN_TOP = 8


@dataclass(frozen=True)
class ChartSeries:
    name: str
    values: list[int]


@dataclass(frozen=True)
class OverlayBarChart:
    """Bars of a part (`front`, dark) drawn over the bars of its whole (`back`, light), one bar per label:
    e.g. a candidate's votes per hour over all the city's votes in that hour."""

    chart_id: str  # unique on the page: the ids of the SVG's title and description derive from it
    title: str
    summary: str
    label_heading: str  # the table's first column, e.g. «Час (МСК)»
    labels: list[str]
    back: ChartSeries
    front: ChartSeries

    def __post_init__(self) -> None:
        if not (len(self.labels) == len(self.back.values) == len(self.front.values)):
            raise ValueError("a chart's labels and series must have the same length")

    @property
    def rows(self) -> list[tuple[str, int, int]]:
        """The data table's rows: (label, front, back)."""
        return list(zip(self.labels, self.front.values, self.back.values, strict=True))

    @property
    def svg(self) -> SafeString:
        count = max(len(self.labels), 1)
        top = max([*self.back.values, *self.front.values, 1])
        plot_width = WIDTH - MARGIN_LEFT
        plot_height = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
        step = plot_width / count
        bar = max(step * 0.85, 0.5)

        def bars(values: list[int], css: str) -> str:
            parts = []
            for index, value in enumerate(values):
                if value <= 0:
                    continue
                height = plot_height * value / top
                x = MARGIN_LEFT + index * step
                y = MARGIN_TOP + plot_height - height
                parts.append(f'<rect class="{css}" x="{x:.2f}" y="{y:.2f}" width="{bar:.2f}" height="{height:.2f}"/>')
            return "".join(parts)

        title_id, desc_id = f"{self.chart_id}-title", f"{self.chart_id}-desc"
        base = MARGIN_TOP + plot_height
        first = escape(self.labels[0]) if self.labels else ""
        last = escape(self.labels[-1]) if self.labels else ""
        markup = (
            f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
            f'aria-labelledby="{title_id} {desc_id}" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{title_id}">{escape(self.title)}</title>'
            f'<desc id="{desc_id}">{escape(self.summary)}</desc>'
            f'<line class="chart-axis" x1="{MARGIN_LEFT}" y1="{base}" x2="{WIDTH}" y2="{base}"/>'
            f'<line class="chart-axis" x1="{MARGIN_LEFT}" y1="{MARGIN_TOP}" x2="{MARGIN_LEFT}" y2="{base}"/>'
            f'<text class="chart-label" x="{MARGIN_LEFT - 4}" y="{MARGIN_TOP + 10}" text-anchor="end">{top}</text>'
            f'<text class="chart-label" x="{MARGIN_LEFT - 4}" y="{base}" text-anchor="end">0</text>'
            f'{bars(self.back.values, "chart-back")}{bars(self.front.values, "chart-front")}'
            f'<text class="chart-label" x="{MARGIN_LEFT}" y="{HEIGHT - 4}">{first}</text>'
            f'<text class="chart-label" x="{WIDTH}" y="{HEIGHT - 4}" text-anchor="end">{last}</text>'
            "</svg>"
        )
        return mark_safe(markup)  # noqa: S308 - built from numbers and escaped labels above


# --- horizontal bar charts (the public results) ------------------------------------------------------------

# Geometry: heights in pixels, so the text keeps its size on any screen; horizontal positions in percent of
# the SVG's width (100% of its column), so the bars stretch with the page without shrinking the labels.
BAR_LABEL_HEIGHT = 18  # the label line above each bar
BAR_THICKNESS = 16
BAR_ROW_GAP = 10
BAR_VALUE_SPACE_PERCENT = 16  # room at the right of the longest bar for its value
BAR_FONT_SIZE = 14
BAR_LABEL_MAX_CHARS = 36  # about what fits a 360 px phone at BAR_FONT_SIZE; the full label is in the data table

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
class BarChart:
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
        html = render_to_string("core/_bar_chart.html", {"chart": self, "with_table": with_table})
        return mark_safe(html)  # noqa: S308 - a rendered, autoescaped template

    def __html__(self) -> str:
        return self.render()

    def __str__(self) -> str:  # `{{ chart }}` in a template: the template engine takes str() first
        return self.render()


def _label_text(bar: Bar) -> str:
    """The label, shortened to fit, with its note kept whole."""
    if not bar.note:
        return _truncate(bar.label)
    return f"{_truncate(bar.label, BAR_LABEL_MAX_CHARS - len(bar.note) - 3)} — {bar.note}"


def bar_chart(*, title: str, summary: str, bars: Iterable[Bar], label_heading: str, value_heading: str,
              id_prefix: str = "chart") -> BarChart:
    """A horizontal bar chart of non-negative values, in the order given.

    `title` names the chart, `summary` says in one sentence what it shows (e.g. who leads and by how much);
    both become the SVG's accessible name and description and are shown as text.
    """
    items = tuple(bars)
    if any(bar.value < 0 for bar in items):
        raise ValueError("bar_chart draws non-negative values only")
    chart_id = f"{id_prefix}-{next(_ids)}"
    top = max((bar.value for bar in items), default=0) or 1
    row_height = BAR_LABEL_HEIGHT + BAR_THICKNESS + BAR_ROW_GAP
    height = max(row_height * len(items), row_height)
    scale = (100 - BAR_VALUE_SPACE_PERCENT) / top
    parts = [
        format_html(
            '<svg class="bar-chart" xmlns="http://www.w3.org/2000/svg" width="100%" height="{}" '
            'role="img" aria-labelledby="{}-title {}-desc" font-size="{}" '
            'font-family="system-ui, \'DejaVu Sans\', sans-serif">',
            height, chart_id, chart_id, BAR_FONT_SIZE,
        ),
        format_html('<title id="{}-title">{}</title>', chart_id, title),
        format_html('<desc id="{}-desc">{}</desc>', chart_id, summary),
    ]
    for index, bar in enumerate(items):
        y = index * row_height
        length = round(bar.value * scale, 2)
        css = "bar-chart-bar bar-chart-highlight" if bar.highlight else "bar-chart-bar"
        fill = "#0a4fa3" if bar.highlight else "#7a8496"
        parts.append(format_html(
            '<g><text class="bar-chart-label" x="0" y="{}" fill="#1a1f2b">{}</text>'
            '<rect class="{}" x="0" y="{}" width="{}%" height="{}" rx="2" fill="{}"/>'
            '<text class="bar-chart-value" x="{}%" y="{}" fill="#1a1f2b" font-weight="700">{}</text></g>',
            y + BAR_LABEL_HEIGHT - 5, _label_text(bar), css, y + BAR_LABEL_HEIGHT, max(length, 0.3),
            BAR_THICKNESS, fill, round(length + 1.5, 2), y + BAR_LABEL_HEIGHT + BAR_THICKNESS - 3,
            number_format(bar.value),
        ))
    parts.append(mark_safe("</svg>"))  # noqa: S308
    svg = mark_safe("".join(str(part) for part in parts))  # noqa: S308 - every part is escaped by format_html
    return BarChart(title=title, summary=summary, label_heading=label_heading, value_heading=value_heading,
                    bars=items, svg=svg)


def _truncate(text: str, limit: int = BAR_LABEL_MAX_CHARS) -> str:
    """A label short enough for the viewBox; the full text is in the data table."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

