"""Charts as server-rendered SVG, readable without JavaScript and without sight: the site's one chart module.

Every chart comes with a title, a one-sentence summary (the SVG's accessible name and description, also shown as
the caption) and its data as rows for an HTML table beside it; the SVG opening that carries the first two is
`_svg_open`, the same for every kind. The SVG is built here from numbers only — no text a person typed reaches it
except escaped. No `style` attributes (nothing inline for the CSP to forbid). The figures are the templates under
`core/charts/`.

- `OverlayBarChart` — a part's bars over its whole's, one column per label (the integrity evidence, e.g. a
  candidate's votes per hour over the city's); rendered with `core/charts/overlay.html`.
- `bar_chart` → `BarChart` — horizontal bars, one per row with its label above, so long Russian names fit a
  360 px phone (the public results' votes); the SVG is as wide as its column and its text keeps its size (no
  viewBox scaling); rendered with `core/charts/bar.html` (`{{ chart }}` does it).
- `line_chart`, `scaled_bar_chart`, `heatmap` → `Chart` — the city statistics' lines over the years, bars against
  a scale with an optional reference line (the norm, the average), and a grid of coloured cells; the SVG scales
  with its container (viewBox, width 100%); rendered with `core/charts/figure.html` (the data table under a
  disclosure).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

INK = "#1a1f2b"
MUTED = "#4a5263"
GRID = "#cfd5df"
FONT_FAMILY = "system-ui, 'DejaVu Sans', sans-serif"


def _svg_open(*, chart_id: str, title: str, summary: str, css_class: str = "chart",
              view_box: tuple[int, int] | None = None, width: str = "", height: int | None = None,
              font_size: int | None = None, font_family: str = "") -> str:
    """The opening `<svg>` with its title and description, which name and describe the image
    (`aria-labelledby`): the ids derive from `chart_id`, unique on the page."""
    attributes = [f'class="{css_class}"']
    if view_box is not None:
        attributes.append(f'viewBox="0 0 {view_box[0]} {view_box[1]}"')
    if width:
        attributes.append(f'width="{width}"')
    if height is not None:
        attributes.append(f'height="{height}"')
    attributes += ['role="img"', f'aria-labelledby="{chart_id}-title {chart_id}-desc"',
                   'xmlns="http://www.w3.org/2000/svg"']
    if font_size is not None:
        attributes.append(f'font-size="{font_size}"')
    if font_family:
        attributes.append(f'font-family="{font_family}"')
    return (f'<svg {" ".join(attributes)}><title id="{chart_id}-title">{escape(title)}</title>'
            f'<desc id="{chart_id}-desc">{escape(summary)}</desc>')


# --- overlaid bars (the integrity evidence) ------------------------------------------------------------------

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

        base = MARGIN_TOP + plot_height
        first = escape(self.labels[0]) if self.labels else ""
        last = escape(self.labels[-1]) if self.labels else ""
        markup = (
            f"{_svg_open(chart_id=self.chart_id, title=self.title, summary=self.summary, view_box=(WIDTH, HEIGHT))}"
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
        html = render_to_string("core/charts/bar.html", {"chart": self, "with_table": with_table})
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
    parts = [mark_safe(_svg_open(  # noqa: S308 - the title and summary are escaped
        chart_id=chart_id, title=title, summary=summary, css_class="bar-chart", width="100%", height=height,
        font_size=BAR_FONT_SIZE, font_family=FONT_FAMILY))]
    for index, bar in enumerate(items):
        y = index * row_height
        length = round(bar.value * scale, 2)
        css = "bar-chart-bar bar-chart-highlight" if bar.highlight else "bar-chart-bar"
        fill = "#0a4fa3" if bar.highlight else "#7a8496"
        parts.append(format_html(
            '<g><text class="bar-chart-label" x="0" y="{}" fill="{}">{}</text>'
            '<rect class="{}" x="0" y="{}" width="{}%" height="{}" rx="2" fill="{}"/>'
            '<text class="bar-chart-value" x="{}%" y="{}" fill="{}" font-weight="700">{}</text></g>',
            y + BAR_LABEL_HEIGHT - 5, INK, _label_text(bar), css, y + BAR_LABEL_HEIGHT, max(length, 0.3),
            BAR_THICKNESS, fill, round(length + 1.5, 2), y + BAR_LABEL_HEIGHT + BAR_THICKNESS - 3, INK,
            number_format(bar.value),
        ))
    parts.append(mark_safe("</svg>"))  # noqa: S308
    svg = mark_safe("".join(str(part) for part in parts))  # noqa: S308 - every part is escaped by format_html
    return BarChart(title=title, summary=summary, label_heading=label_heading, value_heading=value_heading,
                    bars=items, svg=svg)


def _truncate(text: str, limit: int = BAR_LABEL_MAX_CHARS) -> str:
    """A label short enough for the viewBox; the full text is in the data table."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- the city statistics' charts: lines over the years, bars against a scale, a heatmap -------------------

Number = float | int | Decimal

# Series are told apart by colour, dash and marker shape, never by colour alone.
SERIES_STYLES = (
    {"colour": "#0a4fa3", "dash": "", "marker": "circle"},
    {"colour": "#a11d1d", "dash": "6 4", "marker": "square"},
    {"colour": "#1d6b32", "dash": "2 3", "marker": "diamond"},
)


@dataclass
class Chart:
    """A chart with its data table in general form: `headers` over `rows` of text cells, the first cell of a row
    its heading."""

    chart_id: str
    title: str
    summary: str
    svg: SafeString
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class LineSeries:
    name: str
    values: dict[int, Number | None]


def number_text(value: Number | None, places: int = 1) -> str:
    """Russian style: a comma before decimals, a minus sign; '—' for none."""
    if value is None:
        return "—"
    text = f"{float(value):.{places}f}".replace(".", ",")
    return text.replace("-", "−")


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
    if kind == "diamond":
        return (f'<path d="M{x:.1f} {y - 4.5:.1f} L{x + 4.5:.1f} {y:.1f} L{x:.1f} {y + 4.5:.1f} '
                f'L{x - 4.5:.1f} {y:.1f} Z" fill="{colour}"/>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'


def line_chart(
    *,
    chart_id: str,
    title: str,
    summary: str,
    years: Sequence[int],
    series: Sequence[LineSeries],
    y_min: float,
    y_max: float,
    reference: tuple[float, str] | None = None,
    places: int = 1,
    year_header: str = "Год",
) -> Chart:
    """Lines over the years (one per series) with a legend; an optional horizontal reference line (the norm)."""
    width, height = 360, 250
    left, right, top, bottom = 38, 22, 12, 72
    plot_w, plot_h = width - left - right, height - top - bottom
    span = (y_max - y_min) or 1.0

    def x_of(index: int) -> float:
        return left + (plot_w * index / max(1, len(years) - 1))

    def y_of(value: float) -> float:
        return top + plot_h * (1 - (value - y_min) / span)

    parts = [_svg_open(chart_id=chart_id, title=title, summary=summary, view_box=(width, height), width="100%",
                        font_family=FONT_FAMILY)]
    steps = 4
    for step in range(steps + 1):
        value = y_min + span * step / steps
        y = y_of(value)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="{MUTED}">'
                     f'{int(round(value))}</text>')
    for index, year in enumerate(years):
        parts.append(f'<text x="{x_of(index):.1f}" y="{top + plot_h + 16}" font-size="11" text-anchor="middle" '
                     f'fill="{MUTED}">{year}</text>')
    if reference is not None:
        value, label = reference
        y = y_of(value)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{INK}" '
                     f'stroke-width="1.5" stroke-dasharray="1 3"/>')
        parts.append(f'<text x="{width - right}" y="{y - 4:.1f}" font-size="11" text-anchor="end" fill="{INK}">'
                     f'{escape(label)}</text>')
    for number, line in enumerate(series):
        style = SERIES_STYLES[number % len(SERIES_STYLES)]
        points = [(x_of(index), y_of(float(line.values[year])))
                  for index, year in enumerate(years) if line.values.get(year) is not None]
        if len(points) > 1:
            path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f} {y:.1f}" for i, (x, y) in enumerate(points))
            dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
            parts.append(f'<path d="{path}" fill="none" stroke="{style["colour"]}" stroke-width="2.5"{dash}/>')
        parts.extend(_marker(style["marker"], x, y, style["colour"]) for x, y in points)
        legend_y = top + plot_h + 34 + 16 * number
        parts.append(f'<line x1="{left}" x2="{left + 26}" y1="{legend_y - 4}" y2="{legend_y - 4}" '
                     f'stroke="{style["colour"]}" stroke-width="2.5"'
                     + (f' stroke-dasharray="{style["dash"]}"' if style["dash"] else "") + "/>")
        parts.append(_marker(style["marker"], left + 13, legend_y - 4, style["colour"]))
        parts.append(f'<text x="{left + 32}" y="{legend_y}" font-size="11" fill="{INK}">{escape(line.name)}</text>')
    parts.append("</svg>")
    headers = [year_header, *(line.name for line in series)]
    rows = [[str(year), *(number_text(line.values.get(year), places) for line in series)] for year in years]
    return Chart(chart_id=chart_id, title=title, summary=summary, svg=mark_safe("".join(parts)),  # noqa: S308
                 headers=headers, rows=rows)


def scaled_bar_chart(
    *,
    chart_id: str,
    title: str,
    summary: str,
    bars: Sequence[tuple[str, Number, bool]],
    x_max: float,
    reference: tuple[float, str] | None = None,
    headers: Sequence[str] = ("Город", "Значение"),
    places: int = 1,
) -> Chart:
    """Horizontal bars, one per (label, value, highlighted), the label above its bar so long city names fit a
    phone; an optional vertical reference line."""
    width, row_h, top = 360, 34, 22
    left, right = 4, 44
    plot_w = width - left - right
    height = top + row_h * len(bars) + 6
    parts = [_svg_open(chart_id=chart_id, title=title, summary=summary, view_box=(width, height), width="100%",
                        font_family=FONT_FAMILY)]
    if reference is not None:
        value, label = reference
        x = left + plot_w * value / x_max
        parts.append(f'<text x="{x:.1f}" y="12" font-size="11" text-anchor="middle" fill="{INK}">'
                     f'{escape(label)}</text>')
    for index, (label, value, highlighted) in enumerate(bars):
        y = top + row_h * index
        bar_w = max(0.0, plot_w * float(value) / x_max)
        colour = "#0a4fa3" if not highlighted else "#8a4b00"
        weight = ' font-weight="700"' if highlighted else ""
        parts.append(f'<text x="{left}" y="{y + 11}" font-size="11" fill="{INK}"{weight}>{escape(label)}</text>')
        parts.append(f'<rect x="{left}" y="{y + 15}" width="{bar_w:.1f}" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{left + bar_w + 4:.1f}" y="{y + 25}" font-size="11" fill="{INK}">'
                     f'{number_text(value, places)}</text>')
    if reference is not None:
        x = left + plot_w * reference[0] / x_max
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="16" y2="{height - 4}" stroke="{INK}" '
                     f'stroke-width="1.5" stroke-dasharray="3 3"/>')
    parts.append("</svg>")
    rows = [[label, number_text(value, places)] for label, value, _ in bars]
    return Chart(chart_id=chart_id, title=title, summary=summary, svg=mark_safe("".join(parts)),  # noqa: S308
                 headers=list(headers), rows=rows)


def _heat_colour(value: float, high: float) -> tuple[str, str]:
    """A fill from red (low) through pale (middle) to blue (high), and a text colour that keeps 4.5:1."""
    share = max(0.0, min(1.0, value / high))
    low_rgb, mid_rgb, high_rgb = (178, 24, 43), (247, 247, 247), (33, 102, 172)
    if share < 0.5:
        start, end, t = low_rgb, mid_rgb, share / 0.5
    else:
        start, end, t = mid_rgb, high_rgb, (share - 0.5) / 0.5
    rgb = tuple(round(a + (b - a) * t) for a, b in zip(start, end, strict=True))
    return "#{:02x}{:02x}{:02x}".format(*rgb), text_colour_on(rgb)


def _luminance(rgb: tuple[int, ...]) -> float:
    channels = [value / 255 for value in rgb]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def text_colour_on(rgb: tuple[int, ...]) -> str:
    """Black or white, whichever contrasts more with the fill: one of them always reaches 4.5:1 (WCAG AA)."""
    luminance = _luminance(rgb)
    on_white = 1.05 / (luminance + 0.05)
    on_black = (luminance + 0.05) / 0.05
    return "#ffffff" if on_white >= on_black else "#000000"


def heatmap(
    *,
    chart_id: str,
    title: str,
    summary: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    values: Sequence[Sequence[Number]],
    high: float,
    marked: set[tuple[int, int]] | None = None,
    row_header: str = "",
    full_row_labels: Sequence[str] | None = None,
    full_column_labels: Sequence[str] | None = None,
) -> Chart:
    """A grid of coloured cells with their values; `marked` cells get a thick frame (the weakest)."""
    marked = marked or set()
    width = 360
    left, top = 92, 40
    cell_w = (width - left - 4) / len(column_labels)
    cell_h = 34
    height = top + cell_h * len(row_labels) + 4
    parts = [_svg_open(chart_id=chart_id, title=title, summary=summary, view_box=(width, height), width="100%",
                        font_family=FONT_FAMILY)]
    for column, label in enumerate(column_labels):
        x = left + cell_w * (column + 0.5)
        parts.append(f'<text x="{x:.1f}" y="{top - 8}" font-size="10.5" text-anchor="middle" fill="{INK}">'
                     f'{escape(label)}</text>')
    for row, label in enumerate(row_labels):
        y = top + cell_h * row
        parts.append(f'<text x="{left - 5}" y="{y + cell_h / 2 + 4:.1f}" font-size="10.5" text-anchor="end" '
                     f'fill="{INK}">{escape(label)}</text>')
        for column, value in enumerate(values[row]):
            fill, ink = _heat_colour(float(value), high)
            x = left + cell_w * column
            parts.append(f'<rect x="{x + 1:.1f}" y="{y + 1}" width="{cell_w - 2:.1f}" height="{cell_h - 2}" '
                         f'fill="{fill}"/>')
            if (row, column) in marked:
                parts.append(f'<rect x="{x + 2.5:.1f}" y="{y + 2.5}" width="{cell_w - 5:.1f}" height="{cell_h - 5}" '
                             f'fill="none" stroke="{INK}" stroke-width="3"/>')
            parts.append(f'<text x="{x + cell_w / 2:.1f}" y="{y + cell_h / 2 + 4:.1f}" font-size="12" '
                         f'text-anchor="middle" fill="{ink}">{number_text(value)}</text>')
    parts.append("</svg>")
    columns_full = list(full_column_labels or column_labels)
    rows_full = list(full_row_labels or row_labels)
    rows = [[rows_full[row], *(number_text(value) for value in values[row])] for row in range(len(row_labels))]
    return Chart(chart_id=chart_id, title=title, summary=summary, svg=mark_safe("".join(parts)),  # noqa: S308
                 headers=[row_header, *columns_full], rows=rows)
