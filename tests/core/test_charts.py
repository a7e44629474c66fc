"""The one SVG chart module: accessible name and description, the data as a table, escaping, scale, readable text on
every heatmap cell."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from atomgrad.core import charts
from atomgrad.core.charts import Bar, ChartSeries, OverlayBarChart, bar_chart, number_format

SVG = "{http://www.w3.org/2000/svg}"


def _chart():  # type: ignore[no-untyped-def]
    return bar_chart(
        title="Голоса по соискателям", summary="Больше всего голосов у Атомовой: 1200.",
        bars=[Bar("Атомова Жанна", 1200, highlight=True, note="призёр"), Bar("Реакторский <b>Пётр</b>", 300),
              Bar("Ноль", 0)],
        label_heading="Соискатель", value_heading="Голосов",
    )


def test_svg_is_named_and_described_by_its_title_and_summary():
    chart = _chart()
    root = ET.fromstring(str(chart.svg))  # noqa: S314 - our own markup
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}title").text == "Голоса по соискателям"
    assert root.find(f"{SVG}desc").get("id") == desc_id
    assert root.find(f"{SVG}desc").text == "Больше всего голосов у Атомовой: 1200."


def test_bars_are_proportional_and_labels_escaped():
    chart = _chart()
    root = ET.fromstring(str(chart.svg))  # noqa: S314 - parses: the markup in a label was escaped, not injected
    rects = root.findall(f".//{SVG}rect")
    widths = [float(rect.get("width").rstrip("%")) for rect in rects]
    assert widths[0] == pytest.approx(4 * widths[1]) and widths[0] < 100  # room is left for the value
    assert widths[2] == 0.3  # a zero still shows as a hairline
    assert "bar-chart-highlight" in rects[0].get("class") and "bar-chart-highlight" not in rects[1].get("class")
    labels = [text.text for text in root.findall(f".//{SVG}text[@class='bar-chart-label']")]
    assert labels == ["Атомова Жанна — призёр", "Реакторский <b>Пётр</b>", "Ноль"]
    assert "<b>" not in str(chart.svg)


def test_figure_has_summary_as_text_and_the_data_table():
    html = _chart().render()
    assert "<figcaption" in html and "Больше всего голосов у Атомовой: 1200." in html
    assert "<table>" in html and "1\u202f200" in html and "Реакторский &lt;b&gt;Пётр&lt;/b&gt;" in html
    assert "<table>" not in _chart().render(with_table=False)
    assert "style=" not in html  # nothing for the CSP to refuse


def test_negative_values_are_refused_and_numbers_read_the_russian_way():
    with pytest.raises(ValueError):
        bar_chart(title="t", summary="s", bars=[Bar("x", -1)], label_heading="a", value_heading="b")
    assert number_format(1234567) == "1\u202f234\u202f567"
    assert number_format(2.5) == "2,5"


def test_the_overlay_chart_of_the_integrity_evidence_lives_in_the_same_module():
    chart = OverlayBarChart(chart_id="hours", title="Голоса по часам", summary="Всплеск в 03:00.",
                            label_heading="Час", labels=["02:00", "03:00"], back=ChartSeries("Город", [4, 40]),
                            front=ChartSeries("Соискатель", [1, 38]))
    root = ET.fromstring(str(chart.svg))  # noqa: S314 - our own markup
    assert root.get("aria-labelledby") == "hours-title hours-desc"
    assert chart.rows == [("02:00", 1, 4), ("03:00", 38, 40)]


def test_a_long_label_is_shortened_but_keeps_its_note():
    chart = bar_chart(title="t", summary="s", bars=[Bar("Константинопольская Александра-Виктория Вячеславовна", 5,
                                                        note="1 место")], label_heading="a", value_heading="b")
    label = ET.fromstring(str(chart.svg)).find(f".//{SVG}text[@class='bar-chart-label']").text  # noqa: S314
    assert label.endswith("… — 1 место") and len(label) <= 36
    assert "Константинопольская Александра-Виктория Вячеславовна" in chart.render()  # whole in the table


def _contrast(first: tuple[int, ...], second: tuple[int, ...]) -> float:
    high, low = sorted((charts._luminance(first), charts._luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_heatmap_text_keeps_aa_contrast_on_every_fill():
    for step in range(101):
        fill, ink = charts._heat_colour(step / 10, 10)
        fill_rgb = tuple(int(fill[i:i + 2], 16) for i in (1, 3, 5))
        ink_rgb = tuple(int(ink[i:i + 2], 16) for i in (1, 3, 5))
        assert _contrast(fill_rgb, ink_rgb) >= 4.5, (step, fill, ink)


def test_the_city_statistics_charts_carry_title_summary_and_data_table():
    chart = charts.line_chart(chart_id="t", title="Заголовок <и>", summary="Итог.", years=[2019, 2020],
                              series=[charts.LineSeries("Город", {2019: 180, 2020: None})], y_min=0, y_max=360,
                              reference=(180, "норма"))
    root = ET.fromstring(str(chart.svg))  # noqa: S314 - our own markup
    assert root.get("aria-labelledby") == "t-title t-desc"
    assert root.find(f"{SVG}title").text == "Заголовок <и>" and root.find(f"{SVG}desc").text == "Итог."
    assert chart.headers == ["Год", "Город"] and chart.rows == [["2019", "180,0"], ["2020", "—"]]
    bars = charts.scaled_bar_chart(chart_id="b", title="Т", summary="С", bars=[("А", -1.5, False)], x_max=10)
    assert bars.rows == [["А", "−1,5"]]
