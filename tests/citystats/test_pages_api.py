"""The pages, the API (in the OpenAPI document, one error shape) and the open data (formula cells neutralised)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from atomgrad.citystats.models import UrbanGroup
from atomgrad.citystats.services.reference import national_average_set
from atomgrad.citystats.services.urban_import import urban_import
from tests.citystats.helpers import HEADER, csv_bytes, urban_row
from tests.factories import CityFactory


@pytest.fixture
def stats():
    alpha = CityFactory(slug="alpha", name_ru="Альфа")
    beta = CityFactory(slug="beta", name_ru="=HYPERLINK(\"x\")")  # a formula-like name must stay text
    UrbanGroup.objects.create(city=alpha, group=9)
    urban_import(content=csv_bytes([HEADER, urban_row("alpha", "5"), urban_row("beta", "6")]), year=2019,
                 actor=None)
    urban_import(content=csv_bytes([HEADER, urban_row("alpha", "7", i30="1.5"), urban_row("beta", "4")]),
                 year=2020, actor=None)
    national_average_set(year=2019, total="170", source="test", actor=None)
    national_average_set(year=2020, total="175.5", source="test", actor=None)
    return alpha, beta


@pytest.mark.django_db
def test_comparison_page_sorts_by_links_and_filters_groups(client, stats):
    page = client.get("/stats/?year=2020").content.decode()
    assert "Атомграды в цифрах, 2020" in page
    assert page.index("Альфа") < page.index("HYPERLINK")  # rank order: Альфа 246.5 before 144
    assert 'href="?year=2020&amp;sort=-rank"' in page  # clicking the current column reverses it
    assert "<svg" in page and "<title id=\"urban-bars-title\">" in page and "Данные графика таблицей" in page
    reversed_page = client.get("/stats/?year=2020&sort=-rank").content.decode()
    assert reversed_page.index("HYPERLINK") < reversed_page.index("Альфа")
    group = client.get("/stats/?year=2020&group=9").content.decode()
    assert "Альфа" in group and "HYPERLINK" not in group.split("<table")[1].split("</table>")[0]
    assert client.get("/stats/?year=1900").status_code == 200  # an unknown year falls back to the latest


@pytest.mark.django_db
def test_city_dashboard_names_the_weakest_cells_and_links_the_award(client, stats):
    page = client.get("/stats/alpha/").content.decode()
    assert "246,5" in page
    assert "Улично-дорожная сеть — Эффективность управления" in page  # indicator 30 = 1.5, the weakest
    assert 'id="matrix-title"' in page and 'id="trend-title"' in page
    assert "Среднее по России" in page and "Среднее по атомградам" in page
    assert "/results/cities/alpha/" in page  # the city's laureates: linked, not imported
    older = client.get("/stats/alpha/?year=2019").content.decode()
    assert "36 показателей в 2019 году" in older
    assert client.get("/stats/nowhere/").status_code == 404


@pytest.mark.django_db
def test_method_page_explains_both_indices(client):
    page = client.get("/stats/method/").content.decode()
    assert "510-р" in page and "Шаг за шагом" in page and "housing_area" in page
    assert client.get("/stats/method/?version=999").status_code == 404


@pytest.mark.django_db
def test_api_city_year_method_and_errors(client, stats):
    city = client.get("/api/v1/stats/cities/alpha").json()
    assert [row["total"] for row in city["urban_index"]] == [180.0, 246.5]
    assert city["urban_index"][1]["change_since_2019"] == 66.5 and city["urban_index"][1]["group_rank"] == 1
    assert city["national_average"] == {"2019": 170.0, "2020": 175.5}
    year = client.get("/api/v1/stats/years/2020").json()
    assert [row["city"] for row in year["urban_index"]["cities"]] == ["alpha", "beta"]
    assert year["urban_index"]["cities"][1]["favourable"] is False
    method = client.get("/api/v1/stats/method").json()
    assert method["version"] == "1" and len(method["urban_index"]["numbering"]) == 36
    assert method["quality_of_life"]["domains"][0]["code"] == "housing_nature"
    for url in ("/api/v1/stats/cities/nowhere", "/api/v1/stats/years/1990", "/api/v1/stats/method?version=9"):
        response = client.get(url)
        body = response.json()
        assert response.status_code == 404 and set(body) == {"code", "message", "details"}
        assert body["message"]["ru"] and body["message"]["en"]
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/v1/stats/cities/{slug}", "/api/v1/stats/years/{year}", "/api/v1/stats/method"} <= set(paths)


@pytest.mark.django_db
def test_open_data_in_three_formats_with_formula_cells_neutralised(client, stats):
    response = client.get("/stats/data/2020/urban-index.csv")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == HEADER
    assert [row[0] for row in rows[1:]] == ["'=HYPERLINK(\"x\")", "Альфа"]
    workbook = load_workbook(io.BytesIO(client.get("/stats/data/2020/urban-index.xlsx").content))
    sheet = workbook.active
    names = [sheet.cell(row=row, column=1).value for row in (2, 3)]
    # core.spreadsheets: stored as text with the quote prefix, shown as typed, never a formula
    assert names == ["=HYPERLINK(\"x\")", "Альфа"] and sheet.cell(row=2, column=1).data_type == "s"
    assert sheet.cell(row=2, column=1).quotePrefix
    assert sheet.cell(row=3, column=31).value == 1.5
    document = json.loads(client.get("/stats/data/2020/citystats.json").content)
    assert document["format"] == "atomgrad-citystats/1" and document["urban_index"]["national_average"] == 175.5
    assert client.get("/stats/data/2031/urban-index.csv").status_code == 404
    assert client.get("/stats/data/2020/secrets.csv").status_code == 404


@pytest.mark.django_db
def test_summary_tag_for_other_apps_pages(stats):
    from django.template import Context, Template

    alpha, _ = stats
    html = Template("{% load citystats %}{% citystats_summary city %}").render(Context({"city": alpha}))
    assert "246,5 из 360 (2020), 1-е место из 2 атомградов" in html and "/stats/alpha/" in html
