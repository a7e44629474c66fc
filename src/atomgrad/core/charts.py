"""Charts as server-rendered SVG, readable without JavaScript and without sight.

Every chart comes with a title, a one-sentence summary (the SVG's text alternative, also shown as the
caption) and its data as rows for an HTML table beside it (`core/_chart.html` renders all three). The SVG is
built here from numbers only — no text a person typed reaches it except through `escape`.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

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
