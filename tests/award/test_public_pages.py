"""The public pages of the award through real HTTP: cities, a city's candidates, a candidate."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

import pytest

from atomgrad.award.models import ApplicationStatus
from tests.factories import ApplicationFactory, CityFactory, SeasonFactory, SphereFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def season_city():
    city = CityFactory(slug="zarechny", name_ru="Заречный", name_en="Zarechny", region_ru="Пензенская область",
                       region_en="Penza Oblast", is_closed=True)
    season = SeasonFactory(phase="voting", cities=[city])
    return season, city


def _candidate(season, city, **kwargs):
    return ApplicationFactory(season=season, city=city, status=ApplicationStatus.ACCEPTED, **kwargs)


def _names_on(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# --- cities ---------------------------------------------------------------------------------------------


def test_city_list_shows_participating_cities_with_published_counts(client, season_city):
    season, city = season_city
    outsider = CityFactory(name_ru="Нигдеград")
    _candidate(season, city)
    _candidate(season, city)
    ApplicationFactory(season=season, city=city, status=ApplicationStatus.SUBMITTED)
    ApplicationFactory(season=season, city=city, status=ApplicationStatus.REJECTED)

    html = _names_on(client.get("/cities/"))

    assert "Заречный" in html and "Пензенская область" in html
    assert "ЗАТО" in html
    assert "2 соискателя" in html
    assert outsider.name_ru not in html
    assert 'href="/cities/zarechny/"' in html


def test_city_search_ignores_case_of_russian_letters(client, season_city):
    season, _city = season_city
    season.cities.add(CityFactory(slug="sarov", name_ru="Саров", region_ru="Нижегородская область"))

    by_name = _names_on(client.get("/cities/", {"q": "заречный"}))
    by_region = _names_on(client.get("/cities/", {"q": "нижегородская"}))
    nothing = _names_on(client.get("/cities/", {"q": "Атлантида"}))

    assert "Заречный" in by_name and "Саров" not in by_name
    assert "Саров" in by_region and "Заречный" not in by_region
    assert "не найден" in nothing


def test_city_page_is_404_for_an_unknown_city(client, season_city):
    assert client.get("/cities/atlantis/").status_code == 404


def test_city_page_lists_only_published_candidates_of_that_city_and_season(client, season_city):
    season, city = season_city
    other_city = CityFactory()
    season.cities.add(other_city)
    past_season = SeasonFactory(year=season.year - 1, phase="ceremony", cities=[city])
    shown = _candidate(season, city, full_name="Публикова Анна Ивановна", workplace="Школа № 5",
                       position="учитель химии", story="Ведёт кружок.\n\nСобрала музей.")
    hidden = [
        ApplicationFactory(season=season, city=city, status=status, full_name=f"Скрытов {status}")
        for status in (ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED, ApplicationStatus.REJECTED)
    ]
    hidden.append(_candidate(season, other_city, full_name="Чужой Город Петрович"))
    hidden.append(_candidate(past_season, city, full_name="Прошлогодний Пётр Петрович"))

    html = _names_on(client.get(f"/cities/{city.slug}/"))

    assert shown.full_name in html
    assert f'href="/candidates/{shown.pk}/"' in html
    assert "учитель химии" in html and "Школа № 5" in html
    assert shown.sphere.name_ru in html
    assert f'alt="Фотография: {shown.full_name}"' in html
    for application in hidden:
        assert application.full_name not in html
    assert "Соискатели" in html


def test_city_page_search_finds_lowercase_and_e_for_yo(client, season_city):
    season, city = season_city
    _candidate(season, city, full_name="Сёмин Пётр Алексеевич")
    _candidate(season, city, full_name="Иванова Мария Олеговна")

    lower = _names_on(client.get(f"/cities/{city.slug}/", {"q": "семин петр"}))
    upper = _names_on(client.get(f"/cities/{city.slug}/", {"q": "ИВАНОВА"}))

    assert "Сёмин Пётр Алексеевич" in lower and "Иванова Мария Олеговна" not in lower
    assert "Найдено: 1 соискатель" in lower
    assert "Иванова Мария Олеговна" in upper and "Сёмин" not in upper


def test_city_page_filters_by_sphere_and_reports_a_bad_sphere(client, season_city):
    season, city = season_city
    teachers = SphereFactory(slug="education", name_ru="Образование")
    doctors = SphereFactory(slug="healthcare", name_ru="Здравоохранение")
    _candidate(season, city, full_name="Учителева Ольга", sphere=teachers)
    _candidate(season, city, full_name="Врачёв Игорь", sphere=doctors)

    filtered = _names_on(client.get(f"/cities/{city.slug}/", {"sphere": "healthcare"}))
    bad = _names_on(client.get(f"/cities/{city.slug}/", {"sphere": "no-such-sphere"}))

    assert "Врачёв Игорь" in filtered and "Учителева Ольга" not in filtered
    assert '<option value="healthcare" selected>' in filtered
    assert "Такой сферы нет" in bad and 'role="alert"' in bad
    assert "Врачёв Игорь" in bad and "Учителева Ольга" in bad


def test_city_page_says_plainly_when_nothing_is_found(client, season_city):
    season, city = season_city
    _candidate(season, city, full_name="Иванова Мария Олеговна")

    html = _names_on(client.get(f"/cities/{city.slug}/", {"q": "Несуществующий"}))

    assert "Никого не нашлось" in html
    assert "Найдено: 0 соискателей" in html


def test_city_page_paginates_by_24_and_page_links_keep_the_filters(client, season_city):
    season, city = season_city
    sphere = SphereFactory(slug="sport", name_ru="Спорт")
    for number in range(30):
        _candidate(season, city, full_name=f"Спортсменов Игрок {number:02d}", sphere=sphere)

    first = _names_on(client.get(f"/cities/{city.slug}/", {"q": "спортсменов", "sphere": "sport"}))
    second = _names_on(client.get(f"/cities/{city.slug}/", {"q": "спортсменов", "sphere": "sport", "page": 2}))

    assert first.count('class="card candidate-card"') == 24
    assert second.count('class="card candidate-card"') == 6
    assert "Страница 1 из 2" in first
    next_link = re.search(r'href="\?([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert parse_qs(next_link) == {"q": ["спортсменов"], "sphere": ["sport"], "page": ["2"]}
    assert "Спортсменов Игрок 00" in first and "Спортсменов Игрок 29" in second


@pytest.mark.parametrize("count", [3, 40])
def test_city_page_query_count_does_not_grow_with_candidates(client, season_city, django_assert_max_num_queries,
                                                             count):
    season, city = season_city
    spheres = [SphereFactory() for _ in range(3)]
    for number in range(count):
        _candidate(season, city, sphere=spheres[number % 3])

    with django_assert_max_num_queries(7):
        response = client.get(f"/cities/{city.slug}/", {"q": "Тестова", "page": 1})
    assert response.status_code == 200
    assert response.content.decode().count('class="card candidate-card"') == min(count, 24)


def test_city_page_of_a_city_without_candidates_invites_to_apply_while_applications_are_open(client):
    city = CityFactory()
    SeasonFactory(phase="applications", cities=[city])

    html = _names_on(client.get(f"/cities/{city.slug}/"))

    assert "пока нет опубликованных заявок" in html
    assert 'href="/apply/"' in html


# --- candidate ------------------------------------------------------------------------------------------


def test_candidate_page_shows_the_public_record(client, season_city):
    season, city = season_city
    candidate = _candidate(season, city, full_name="Созидателева Вера Павловна", workplace="ДК «Энергетик»",
                           position="художественный руководитель",
                           story="Первый абзац истории.\n\nВторой абзац & <script>alert(1)</script>")

    html = _names_on(client.get(f"/candidates/{candidate.pk}/"))

    assert "<h1" in html and "Созидателева Вера Павловна" in html
    assert "ДК «Энергетик»" in html and "художественный руководитель" in html
    assert "Заречный" in html and candidate.sphere.name_ru in html and str(season.year) in html
    assert "<p>Первый абзац истории.</p>" in html
    assert "&lt;script&gt;" in html and "<script>alert" not in html
    assert candidate.photo.url in html


@pytest.mark.parametrize("status", [ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED,
                                    ApplicationStatus.REJECTED])
def test_candidate_page_is_404_unless_the_application_is_accepted(client, season_city, status):
    season, city = season_city
    application = ApplicationFactory(season=season, city=city, status=status)

    assert client.get(f"/candidates/{application.pk}/").status_code == 404


def test_candidate_page_is_404_for_an_unknown_id(client, season_city):
    assert client.get("/candidates/987654/").status_code == 404


def test_public_pages_have_one_h1_a_main_landmark_and_alt_texts(client, season_city):
    season, city = season_city
    candidate = _candidate(season, city)
    for url in ["/", "/cities/", f"/cities/{city.slug}/", f"/candidates/{candidate.pk}/", "/rules/"]:
        html = _names_on(client.get(url))
        assert html.count("<h1") == 1, url
        assert '<main id="main"' in html, url
        for img in re.findall(r"<img[^>]*>", html):
            assert re.search(r'alt="[^"]+"', img), (url, img)
