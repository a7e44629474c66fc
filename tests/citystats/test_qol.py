"""The quality-of-life method: a hand-computed small example, the alternatives, the missing-data rule, the
sensitivity analysis' determinism, the method file, and the import (refusals, method version recorded)."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from atomgrad.citystats.method import method_load, method_parse
from atomgrad.citystats.models import IndexYear, QolResult, QolValue
from atomgrad.citystats.qol import qol_compute, ranks_of
from atomgrad.citystats.services.qol_import import qol_export_rows, qol_import, qol_recompute
from atomgrad.core.errors import ApplicationError
from atomgrad.core.models import AuditLogEntry
from tests.citystats.helpers import csv_bytes, xlsx_bytes
from tests.factories import CityFactory

SMALL = {
    "version": "test", "title_ru": "т", "title_en": "t",
    "scale": {"low": 0, "high": 100}, "normalisation": "minmax", "normalisation_alternatives": ["zscore"],
    "zscore_scale": {"centre": 50, "spread": 10}, "aggregation": "arithmetic",
    "aggregation_alternatives": ["geometric"], "geometric_floor": 1,
    "missing": {"rule": "available_case", "max_missing_share_per_domain": 0.5},
    "sensitivity": {"draws": 200, "seed": 7, "dirichlet_concentration": 20, "percentiles": [5, 95]},
    "domains": [
        {"code": "d1", "name_ru": "Д1", "name_en": "D1", "weight": 0.6, "indicators": [
            {"code": "x1", "name_ru": "x1", "name_en": "x1", "direction": "higher_better", "unit_ru": "", "unit_en": "",
             "source_ru": "", "bounds": [0, 100]},
            {"code": "x2", "name_ru": "x2", "name_en": "x2", "direction": "lower_better", "unit_ru": "", "unit_en": "",
             "source_ru": "", "bounds": [0, 100]}]},
        {"code": "d2", "name_ru": "Д2", "name_en": "D2", "weight": 0.4, "indicators": [
            {"code": "x3", "name_ru": "x3", "name_en": "x3", "direction": "higher_better", "unit_ru": "", "unit_en": "",
             "source_ru": "", "bounds": [0, 100]}]},
    ],
}
# Cities P, Q, R; columns x1 (higher better), x2 (lower better), x3 (higher better).
RAW = np.array([[10.0, 5.0, 100.0],
                [20.0, 1.0, 0.0],
                [30.0, 3.0, 50.0]])


def _method(**changes):
    document = copy.deepcopy(SMALL)
    for key, value in changes.items():
        document[key] = value
    return method_parse(document)


def test_min_max_arithmetic_reproduces_the_hand_computed_example():
    # min-max: x1 → 0, 50, 100; x2 (reversed, min 1, max 5) → 0, 100, 50; x3 → 100, 0, 50
    # domain 1 = mean(x1, x2): 0, 75, 75; domain 2 = x3: 100, 0, 50
    # index = 0.6·d1 + 0.4·d2: P 40, Q 45, R 65
    result = qol_compute(RAW, method=_method())
    assert result.domains.tolist() == [[0.0, 100.0], [75.0, 0.0], [75.0, 50.0]]
    assert np.allclose(result.scores, [40.0, 45.0, 65.0])
    assert result.ranks.tolist() == [3, 2, 1]


def test_geometric_aggregation_reproduces_the_hand_computed_example():
    # geometric with floor 1: d1 = sqrt(max(x1,1)·max(x2,1)): P sqrt(1·1) = 1, Q sqrt(50·100), R sqrt(100·50)
    # d2: P 100, Q max(0,1) = 1, R 50; index = d1^0.6 · d2^0.4
    result = qol_compute(RAW, method=_method(aggregation="geometric", aggregation_alternatives=["arithmetic"]))
    d1 = [1.0, math.sqrt(5000), math.sqrt(5000)]
    d2 = [100.0, 1.0, 50.0]
    expected = [a ** 0.6 * b ** 0.4 for a, b in zip(d1, d2, strict=True)]
    assert np.allclose(result.scores, expected)
    assert result.ranks.tolist() == [3, 2, 1]


def test_z_score_normalisation_reproduces_the_hand_computed_example():
    # x1: mean 20, population sd sqrt(200/3); 50 + 10·z
    result = qol_compute(RAW, method=_method(normalisation="zscore", normalisation_alternatives=[]))
    sd = math.sqrt(200 / 3)
    x1 = [50 + 10 * (value - 20) / sd for value in (10, 20, 30)]
    sd2 = math.sqrt(8 / 3)  # x2: mean 3, reversed
    x2 = [50 - 10 * (value - 3) / sd2 for value in (5, 1, 3)]
    sd3 = math.sqrt(5000 / 3)  # x3: mean 50
    x3 = [50 + 10 * (value - 50) / sd3 for value in (100, 0, 50)]
    expected = [0.6 * (a + b) / 2 + 0.4 * c for a, b, c in zip(x1, x2, x3, strict=True)]
    assert np.allclose(result.scores, expected)


def test_missing_data_rule():
    raw = RAW.copy()
    raw[0, 1] = np.nan  # P has no x2: x2 normalised over Q and R → Q 100, R 0
    result = qol_compute(raw, method=_method())
    # available case: P's domain 1 is x1 alone (0); Q: (50 + 100)/2 = 75; R: (100 + 0)/2 = 50
    assert result.domains[:, 0].tolist() == [0.0, 75.0, 50.0]
    assert np.allclose(result.scores, [0.6 * 0 + 0.4 * 100, 0.6 * 75, 0.6 * 50 + 0.4 * 50])
    # indicator mean: P's x2 becomes the mean of Q and R (50) → domain 1 = (0 + 50)/2
    imputed = qol_compute(raw, method=_method(missing={"rule": "indicator_mean", "max_missing_share_per_domain": 0.5}))
    assert imputed.domains[0, 0] == 25.0
    # a domain missing more than the allowed share: P is not ranked, the others are ranked among themselves
    strict = qol_compute(raw, method=_method(missing={"rule": "available_case", "max_missing_share_per_domain": 0.4}))
    assert np.isnan(strict.scores[0]) and strict.ranks.tolist() == [0, 2, 1]
    assert strict.rank_low[0] == 0 and strict.rank_high[0] == 0


def test_ties_share_a_rank():
    assert ranks_of(np.array([5.0, 7.0, 5.0, np.nan, 1.0])).tolist() == [2, 1, 2, 0, 4]


def test_sensitivity_is_deterministic_for_a_seed_and_brackets_the_ranks():
    rng = np.random.default_rng(3)
    raw = rng.uniform(0, 100, size=(12, 3))
    method = _method()
    first = qol_compute(raw, method=method, seed=42, draws=300)
    again = qol_compute(raw, method=method, seed=42, draws=300)
    assert first.rank_low.tolist() == again.rank_low.tolist()
    assert first.rank_high.tolist() == again.rank_high.tolist()
    assert (first.rank_low >= 1).all() and (first.rank_low <= first.rank_high).all()
    assert (first.rank_high <= 12).all()
    assert (first.rank_high > first.rank_low).any()  # weights and choices do move some cities
    other = [qol_compute(raw, method=method, seed=seed, draws=300) for seed in (1, 2, 3)]
    assert any(o.rank_low.tolist() != first.rank_low.tolist() or o.rank_high.tolist() != first.rank_high.tolist()
               for o in other)


def test_the_method_file_is_valid_data_with_about_seventy_indicators_in_nine_domains():
    method = method_load()
    assert method.version == "1" and len(method.sha256) == 64
    assert len(method.domains) == 9 and 65 <= len(method.indicators) <= 75
    assert abs(sum(method.weights) - 1) < 1e-9
    assert all(indicator.unit_ru and indicator.source_ru for indicator in method.indicators)
    with pytest.raises(ApplicationError) as refused:
        _method(normalisation="rank")
    assert refused.value.code == "method_invalid"
    with pytest.raises(ApplicationError):
        method_load(version="999")


# --- the import ------------------------------------------------------------------------------------------------


@pytest.fixture
def qol_cities():
    return [CityFactory(slug=f"q{number}", name_ru=f"Кью {number}") for number in range(1, 5)]


def _qol_rows(cities, *, blank=None):
    method = method_load()
    codes = [indicator.code for indicator in method.indicators]
    rows = [["город", *codes]]
    for number, city in enumerate(cities):
        row = [city.slug]
        for indicator in method.indicators:
            share = (number + 1) / (len(cities) + 1)
            row.append(str(round(indicator.low + share * (indicator.high - indicator.low), 3)))
        rows.append(row)
    if blank:
        rows[blank[0]][blank[1]] = ""
    return rows


@pytest.mark.django_db
def test_qol_import_computes_the_year_with_its_method_version_and_round_trips(qol_cities):
    rows = _qol_rows(qol_cities, blank=(1, 5))
    result = qol_import(content=xlsx_bytes(rows), year=2024, actor=None, file_name="q.xlsx")
    assert result.cities == 4
    year = IndexYear.objects.get(kind="qol", year=2024)
    assert year.method_version == "1" and year.method_sha256 == method_load().sha256
    assert year.sensitivity_seed == method_load().seed
    assert QolValue.objects.filter(year=2024).count() == 4 * len(rows[0][1:]) - 1  # the blank is no row
    results = list(QolResult.objects.filter(year=2024).order_by("rank").values_list("city__slug", "rank"))
    # every indicator is monotone in the city number: direction decides; higher-better dominates the weights
    assert len(results) == 4 and {rank for _, rank in results} <= {1, 2, 3, 4}
    exported = qol_export_rows(year=2024)
    assert exported[0] == rows[0]
    assert exported[1][5] is None
    again = qol_import(content=csv_bytes([[cell if cell is not None else "" for cell in row] for row in exported]),
                       year=2024, actor=None)
    assert again.replaced and again.changed == {}
    recomputed = qol_recompute(year=2024, actor=None)
    assert recomputed["method_version"] == "1"
    assert AuditLogEntry.objects.filter(action="citystats.qol_compute").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_bad_qol_file_is_refused_whole_with_every_error(qol_cities, fmt):
    rows = _qol_rows(qol_cities)
    rows[0].append("made_up")  # an unknown indicator
    for row in rows[1:]:
        row.append("1")
    rows[1][1] = "много"  # not a number
    rows[2][2] = "-5"  # below the indicator's bounds
    rows[3][0] = "Нигде"  # an unknown city
    rows.append(list(rows[4]))  # a duplicate city
    content = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)
    with pytest.raises(ApplicationError) as refused:
        qol_import(content=content, year=2024, actor=None)
    errors = [(error["row"], error["column"], error["code"]) for error in refused.value.details["errors"]]
    width = len(rows[0])
    from atomgrad.citystats.tabular import column_letter

    assert errors == [(1, column_letter(width - 1), "indicator_unknown"), (2, "B", "value_not_a_number"),
                      (3, "C", "value_out_of_range"), (4, "A", "city_unknown"), (6, "A", "city_duplicate")]
    assert not QolValue.objects.exists() and not QolResult.objects.exists() and not IndexYear.objects.exists()

    missing = _qol_rows(qol_cities)
    missing = [row[:-1] for row in missing]  # the last indicator's column is gone
    with pytest.raises(ApplicationError) as refused:
        qol_import(content=csv_bytes(missing), year=2024, actor=None)
    assert [error["code"] for error in refused.value.details["errors"]] == ["indicator_missing"]
    assert not QolValue.objects.exists()


@pytest.mark.django_db
def test_organisers_upload_quality_of_life_on_the_web(qol_cities, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import make_organiser

    client.force_login(make_organiser())
    rows = _qol_rows(qol_cities)
    rows[2][3] = "abc"
    response = client.post("/stats/workspace/", {"kind": "qol", "year": "2024",
                                                 "file": SimpleUploadedFile("q.csv", csv_bytes(rows))})
    assert response.status_code == 422 and "«abc» — не число" in response.content.decode()
    assert not QolValue.objects.exists()
    rows[2][3] = "1"
    response = client.post("/stats/workspace/", {"kind": "qol", "year": "2024",
                                                 "file": SimpleUploadedFile("q.csv", csv_bytes(rows))}, follow=True)
    assert "Загружено" in response.content.decode()
    assert QolResult.objects.filter(year=2024).count() == 4
    assert AuditLogEntry.objects.get(action="citystats.qol_import").actor.username == "organiser"
