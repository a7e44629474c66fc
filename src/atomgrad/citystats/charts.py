"""Server-rendered SVG charts with their text alternative: a title, a one-sentence summary and the data as a
table (the template `citystats/_chart.html` shows all three). No JavaScript; the SVG scales with its container
(viewBox, width 100%), so a chart fits a 360-pixel phone.

(No shared chart helper existed in core when this was written; these three kinds cover the indices' pages. If
`core/charts.py` appears, these can move there.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

Number = float | int | Decimal

INK = "#1a1f2b"
MUTED = "#4a5263"
GRID = "#cfd5df"
# Series are told apart by colour, dash and marker shape, never by colour alone.
SERIES_STYLES = (
    {"colour": "#0a4fa3", "dash": "", "marker": "circle"},
    {"colour": "#a11d1d", "dash": "6 4", "marker": "square"},
    {"colour": "#1d6b32", "dash": "2 3", "marker": "diamond"},
)


@dataclass
class Chart:
    chart_id: str
    title: str
    summary: str
    svg: SafeString
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Series:
    name: str
    values: dict[int, Number | None]


def number_text(value: Number | None, places: int = 1) -> str:
    """Russian style: a comma before decimals, a minus sign; '—' for none."""
    if value is None:
        return "—"
    text = f"{float(value):.{places}f}".replace(".", ",")
    return text.replace("-", "−")


def _svg_open(chart_id: str, title: str, summary: str, width: int, height: int) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, DejaVu Sans, sans-serif">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(summary)}</desc>'
    )


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
    series: Sequence[Series],
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

    parts = [_svg_open(chart_id, title, summary, width, height)]
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


def bar_chart(
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
    parts = [_svg_open(chart_id, title, summary, width, height)]
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
    parts = [_svg_open(chart_id, title, summary, width, height)]
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
