"""The SVG charts: a title and a summary inside the SVG, the data as a table, readable text on every cell."""

from __future__ import annotations

from atomgrad.citystats import charts


def _contrast(first: tuple[int, ...], second: tuple[int, ...]) -> float:
    high, low = sorted((charts._luminance(first), charts._luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_heatmap_text_keeps_aa_contrast_on_every_fill():
    for step in range(101):
        fill, ink = charts._heat_colour(step / 10, 10)
        fill_rgb = tuple(int(fill[i:i + 2], 16) for i in (1, 3, 5))
        ink_rgb = tuple(int(ink[i:i + 2], 16) for i in (1, 3, 5))
        assert _contrast(fill_rgb, ink_rgb) >= 4.5, (step, fill, ink)


def test_charts_carry_title_summary_and_data_table():
    chart = charts.line_chart(chart_id="t", title="Заголовок <и>", summary="Итог.", years=[2019, 2020],
                              series=[charts.Series("Город", {2019: 180, 2020: None})], y_min=0, y_max=360,
                              reference=(180, "норма"))
    assert '<title id="t-title">Заголовок &lt;и&gt;</title>' in chart.svg
    assert '<desc id="t-desc">Итог.</desc>' in chart.svg
    assert 'aria-labelledby="t-title t-desc"' in chart.svg
    assert chart.headers == ["Год", "Город"] and chart.rows == [["2019", "180,0"], ["2020", "—"]]
    bars = charts.bar_chart(chart_id="b", title="Т", summary="С", bars=[("А", -1.5, False)], x_max=10)
    assert bars.rows == [["А", "−1,5"]]
