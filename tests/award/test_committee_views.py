"""The committee workspace over real HTTP: log-in, isolation between cities in both directions, the queue,
the application page with its private data, the decision (POST-redirect-GET, CSRF, messages), the petition."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from atomgrad.award.models import ApplicationStatus, NominationKind
from atomgrad.award.phases import Phase
from atomgrad.core.models import AuditLogEntry
from tests.factories import (
    ApplicationFactory,
    CityFactory,
    CommitteeMemberFactory,
    ConsentDocumentFactory,
    SeasonFactory,
    SphereFactory,
    UserFactory,
    make_organiser,
)

MOSCOW = ZoneInfo("Europe/Moscow")
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class World:
    """Two cities, each with a committee member and applications; one season in moderation."""

    def __init__(self) -> None:
        self.city_a = CityFactory(slug="sarov", name_ru="Саров", name_en="Sarov")
        self.city_b = CityFactory(slug="seversk", name_ru="Северск", name_en="Seversk")
        self.season = SeasonFactory(phase=Phase.MODERATION, cities=[self.city_a, self.city_b])
        self.member_a = CommitteeMemberFactory(city=self.city_a, user=UserFactory(username="sarov-member")).user
        self.member_b = CommitteeMemberFactory(city=self.city_b, user=UserFactory(username="seversk-member")).user
        self.application_a = ApplicationFactory(
            season=self.season, city=self.city_a, full_name="Алексеева Мария Ивановна",
            phone="+79005550101", email="maria@example.org", birth_date=dt.date(1990, 3, 8),
            nomination_kind=NominationKind.LABOUR_COLLECTIVE, nominator_name="Коллектив школы № 5",
            candidate_consent=True, petition=ContentFile(PDF_BYTES, name="petition.pdf"),
            consent_document=ConsentDocumentFactory(version="2026-05"), consent_ip="203.0.113.7",
        )
        self.application_b = ApplicationFactory(
            season=self.season, city=self.city_b, full_name="Борисов Пётр Олегович",
            phone="+79005550202", email="petr@example.org",
            nomination_kind=NominationKind.PUBLIC_ORGANISATION, nominator_name="Союз ветеранов",
            candidate_consent=True, petition=ContentFile(PDF_BYTES, name="petition.pdf"),
        )


@pytest.fixture
def world(db):
    return World()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def detail_url(application) -> str:
    return reverse("award:committee_application", args=[application.pk])


def decide_url(application) -> str:
    return reverse("award:committee_decide", args=[application.pk])


def petition_url(application) -> str:
    return reverse("award:committee_petition", args=[application.pk])


# --- log-in ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login_page(world, client):
    login = reverse("core:login")
    for url in (reverse("award:committee_queue"), detail_url(world.application_a), petition_url(world.application_a)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{login}?next={url}"
    response = client.post(decide_url(world.application_a), {"decision": "accept"})
    assert response.status_code == 302
    assert response["Location"].startswith(login)
    world.application_a.refresh_from_db()
    assert world.application_a.status == ApplicationStatus.SUBMITTED


@pytest.mark.django_db
def test_logging_in_leads_to_the_queue(world, client):
    response = client.post(reverse("core:login"), {"username": "sarov-member", "password": "secret-pass-123"})
    assert response.status_code == 302
    assert response["Location"] == reverse("award:committee_queue")
    assert "Алексеева Мария Ивановна" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_a_person_without_a_role_has_no_workspace(world):
    client = logged_in(UserFactory(username="resident"))
    response = client.get(reverse("award:committee_queue"))
    assert response.status_code == 403
    assert "Нет доступа" in response.content.decode()
    assert client.get(detail_url(world.application_a)).status_code == 404
    assert client.get(petition_url(world.application_a)).status_code == 404
    assert client.post(decide_url(world.application_a), {"decision": "accept"}).status_code == 404


# --- isolation between cities, both directions ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("direction", ["a_on_b", "b_on_a"])
def test_another_citys_application_does_not_exist_for_a_member(world, direction, mailoutbox):
    member, foreign = (
        (world.member_a, world.application_b) if direction == "a_on_b" else (world.member_b, world.application_a)
    )
    client = logged_in(member)
    assert client.get(detail_url(foreign)).status_code == 404
    assert client.get(petition_url(foreign)).status_code == 404
    for decision in ("accept", "return", "reject"):
        response = client.post(decide_url(foreign), {"decision": decision, "comment": "Чужая заявка"})
        assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == ApplicationStatus.SUBMITTED
    assert not AuditLogEntry.objects.filter(object_id=str(foreign.pk)).exists()
    assert mailoutbox == []
    # Nor can the other city's queue be opened by its slug.
    response = client.get(reverse("award:committee_queue"), {"city": foreign.city.slug})
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("direction", ["a", "b"])
def test_the_queue_shows_only_the_members_city(world, direction):
    member, own, foreign = (
        (world.member_a, world.application_a, world.application_b)
        if direction == "a"
        else (world.member_b, world.application_b, world.application_a)
    )
    page = logged_in(member).get(reverse("award:committee_queue")).content.decode()
    assert own.full_name in page
    assert detail_url(own) in page
    assert foreign.full_name not in page
    assert detail_url(foreign) not in page
    assert foreign.city.name_ru not in page


@pytest.mark.django_db
def test_an_organiser_sees_every_city(world):
    client = logged_in(make_organiser())
    overview = client.get(reverse("award:committee_queue")).content.decode()
    assert "Выберите город" in overview
    assert "Саров" in overview and "Северск" in overview
    for application in (world.application_a, world.application_b):
        page = client.get(reverse("award:committee_queue"), {"city": application.city.slug}).content.decode()
        assert application.full_name in page
        assert client.get(detail_url(application)).status_code == 200
        assert client.get(petition_url(application)).status_code == 200


@pytest.mark.django_db
def test_a_member_of_two_committees_picks_between_them_only(world):
    user = UserFactory(username="both")
    CommitteeMemberFactory(city=world.city_a, user=user)
    CommitteeMemberFactory(city=world.city_b, user=user)
    third = CityFactory(slug="lesnoy", name_ru="Лесной")
    client = logged_in(user)
    overview = client.get(reverse("award:committee_queue")).content.decode()
    assert "Саров" in overview and "Северск" in overview and "Лесной" not in overview
    assert client.get(reverse("award:committee_queue"), {"city": third.slug}).status_code == 404


# --- the queue ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_queue_counts_filters_and_search(world):
    sport = SphereFactory(slug="sport", name_ru="Спорт")
    culture = SphereFactory(slug="culture", name_ru="Культура")
    ApplicationFactory(season=world.season, city=world.city_a, sphere=sport, full_name="Смирнов Игорь Петрович")
    ApplicationFactory(season=world.season, city=world.city_a, sphere=culture, full_name="Смирнова Алла Юрьевна",
                       status=ApplicationStatus.RETURNED, status_comment="Нужна фотография")
    ApplicationFactory(season=world.season, city=world.city_a, sphere=culture, full_name="Кузнецов Олег Ильич",
                       status=ApplicationStatus.ACCEPTED)
    client = logged_in(world.member_a)
    queue = reverse("award:committee_queue")

    default = client.get(queue)
    assert default.status_code == 200
    page = default.content.decode()
    # the default view is the work to do: applications waiting for a decision, with counts per status
    assert "Смирнов Игорь Петрович" in page and "Алексеева Мария Ивановна" in page
    assert "Смирнова Алла Юрьевна" not in page and "Кузнецов Олег Ильич" not in page
    counts = {value: count for value, _label, count in default.context["status_tabs"]}
    assert counts == {"submitted": 2, "returned": 1, "accepted": 1, "rejected": 0, "all": 4}

    page = client.get(queue, {"status": "all"}).content.decode()
    assert all(name in page for name in ("Смирнов Игорь", "Смирнова Алла", "Кузнецов Олег", "Алексеева Мария"))

    page = client.get(queue, {"status": "returned"}).content.decode()
    assert "Смирнова Алла Юрьевна" in page and "Смирнов Игорь Петрович" not in page

    page = client.get(queue, {"status": "all", "sphere": "culture"}).content.decode()
    assert "Смирнова Алла" in page and "Кузнецов Олег" in page and "Смирнов Игорь" not in page

    # a name search, lower case as people type it, on both databases
    response = client.get(queue, {"status": "all", "q": "смирнов"})
    names = [application.full_name for application in response.context["page_obj"].object_list]
    assert sorted(names) == ["Смирнов Игорь Петрович", "Смирнова Алла Юрьевна"]
    response = client.get(queue, {"status": "all", "q": "смирнова алла"})
    assert [a.full_name for a in response.context["page_obj"].object_list] == ["Смирнова Алла Юрьевна"]
    assert "Заявок с такими условиями нет" in client.get(queue, {"q": "Несуществующий"}).content.decode()

    # nonsense in the query string is ignored, not an error
    assert client.get(queue, {"status": "bogus", "sphere": "nope", "page": "x"}).status_code == 200


@pytest.mark.django_db
def test_queue_pages(world, django_assert_max_num_queries):
    sphere = SphereFactory()
    for number in range(30):
        ApplicationFactory(season=world.season, city=world.city_a, sphere=sphere, full_name=f"Заявитель Номер {number}")
    client = logged_in(world.member_a)
    # A fixed number of queries whatever the page holds (session, user, roles, seasons, spheres, counts, rows).
    with django_assert_max_num_queries(13):
        first = client.get(reverse("award:committee_queue"))
    assert len(first.context["page_obj"].object_list) == 25
    assert "Страница 1 из 2" in first.content.decode()
    second = client.get(reverse("award:committee_queue"), {"page": 2})
    assert len(second.context["page_obj"].object_list) == 6  # 31 waiting applications in all
    shown = {a.pk for a in first.context["page_obj"].object_list} | {a.pk for a in second.context["page_obj"]}
    assert len(shown) == 31


@pytest.mark.django_db
def test_queue_without_a_season(db):
    city = CityFactory()
    member = CommitteeMemberFactory(city=city).user
    response = logged_in(member).get(reverse("award:committee_queue"))
    assert response.status_code == 200
    assert "Сезон премии ещё не создан" in response.content.decode()


# --- the application page --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_application_page_shows_everything_to_the_committee(world):
    response = logged_in(world.member_a).get(detail_url(world.application_a))
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    page = response.content.decode()
    application = world.application_a
    for text in (
        "Алексеева Мария Ивановна", "+79005550101", "maria@example.org", "8 марта 1990 г.",
        "Коллектив школы № 5", "Трудовой коллектив", "2026-05", "203.0.113.7", application.workplace,
        application.position, application.story, application.photo.url, petition_url(application),
        "Возраст на день окончания приёма заявок",
    ):
        assert text in page, text
    assert "полных лет:" in page
    # the decision form: three buttons, a comment, the consequences spelt out, CSRF
    assert 'name="csrfmiddlewaretoken"' in page
    for value in ("accept", "return", "reject"):
        assert f'name="decision" value="{value}"' in page
    assert '<label for="id_comment">' in page
    assert "не отменяется" in page


@pytest.mark.django_db
def test_the_age_is_counted_on_the_day_applications_close(world):
    close_day = timezone.localtime(world.season.applications_close_at, MOSCOW).date()
    birthday = close_day + dt.timedelta(days=1)
    if (birthday.month, birthday.day) == (2, 29):
        birthday += dt.timedelta(days=1)
    # The 30th birthday falls the day after applications close: 29 full years on the day they close.
    application = ApplicationFactory(
        season=world.season, city=world.city_a, birth_date=birthday.replace(year=birthday.year - 30)
    )
    page = logged_in(world.member_a).get(detail_url(application)).content.decode()
    assert "полных лет: 29" in page


@pytest.mark.django_db
def test_accepting_over_http(world, mailoutbox, django_capture_on_commit_callbacks):
    client = logged_in(world.member_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(decide_url(world.application_a), {"decision": "accept", "comment": ""})
    # first the confirmation: nothing is decided yet, the page says what will happen
    assert response.status_code == 200
    page = response.content.decode()
    assert "Отменить это решение нельзя" in page and "Да, принять и опубликовать" in page
    assert '<input type="hidden" name="confirmed" value="on">' in page
    world.application_a.refresh_from_db()
    assert world.application_a.status == ApplicationStatus.SUBMITTED and mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(decide_url(world.application_a),
                               {"decision": "accept", "comment": "", "confirmed": "on"})
    assert response.status_code == 302
    assert response["Location"] == detail_url(world.application_a) + "#main"
    world.application_a.refresh_from_db()
    assert world.application_a.status == ApplicationStatus.ACCEPTED
    assert world.application_a.published_at is not None
    assert len(mailoutbox) == 1

    page = client.get(response["Location"]).content.decode()
    assert "принята и опубликована" in page  # the success message
    assert 'name="decision"' not in page  # decided: no buttons any more
    assert "sarov-member" in page  # the history names who decided
    entry = AuditLogEntry.objects.exclude(action="application.viewed").get(object_id=str(world.application_a.pk))
    assert entry.actor == world.member_a and entry.action == "application.accepted"


@pytest.mark.django_db
def test_returning_without_a_comment_keeps_the_page_and_changes_nothing(world, mailoutbox):
    client = logged_in(world.member_a)
    response = client.post(decide_url(world.application_a), {"decision": "return", "comment": "   "})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'role="alert"' in page
    assert "без комментария заявку нельзя вернуть" in page
    assert 'aria-invalid="true"' in page
    world.application_a.refresh_from_db()
    assert world.application_a.status == ApplicationStatus.SUBMITTED
    assert mailoutbox == []

    response = client.post(decide_url(world.application_a), {"decision": "reject", "comment": ""})
    assert response.status_code == 422
    assert "Укажите причину отказа" in response.content.decode()

    response = client.post(decide_url(world.application_a), {"comment": "Что-то"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Выберите решение" in page
    assert "Что-то" in page  # what was typed is kept


@pytest.mark.django_db
def test_returning_with_a_comment(world, mailoutbox, django_capture_on_commit_callbacks):
    client = logged_in(world.member_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            decide_url(world.application_a), {"decision": "return", "comment": "Приложите ходатайство с подписью."}
        )
    assert response.status_code == 302
    world.application_a.refresh_from_db()
    assert world.application_a.status == ApplicationStatus.RETURNED
    assert world.application_a.status_comment == "Приложите ходатайство с подписью."
    (message,) = mailoutbox
    assert reverse("award:apply_edit", args=[world.application_a.edit_token]) in message.body
    page = client.get(detail_url(world.application_a)).content.decode()
    assert "Приложите ходатайство с подписью." in page
    assert "возвращена на доработку" in page


@pytest.mark.django_db
def test_deciding_an_already_decided_application_over_http(world):
    client = logged_in(world.member_a)
    assert client.post(decide_url(world.application_a), {"decision": "accept", "confirmed": "on"}).status_code == 302
    response = client.post(decide_url(world.application_a), {"decision": "reject", "comment": "Передумали"})
    assert response.status_code == 409
    assert "Решение не принято" in response.content.decode()
    world.application_a.refresh_from_db()
    assert world.application_a.status == ApplicationStatus.ACCEPTED
    assert AuditLogEntry.objects.filter(object_id=str(world.application_a.pk)).exclude(
        action="application.viewed").count() == 1


@pytest.mark.django_db
def test_after_moderation_a_member_sees_no_buttons_and_cannot_post(world):
    late = SeasonFactory(phase=Phase.VOTING, cities=[world.city_a])
    application = ApplicationFactory(season=late, city=world.city_a)
    client = logged_in(world.member_a)
    page = client.get(detail_url(application)).content.decode()
    assert 'name="decision"' not in page
    assert "только федеральный организатор" in page
    response = client.post(decide_url(application), {"decision": "accept"})
    assert response.status_code == 409
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    # …while an organiser still can, and the history says it came late
    organiser_client = logged_in(make_organiser())
    assert 'name="decision"' in organiser_client.get(detail_url(application)).content.decode()
    assert organiser_client.post(decide_url(application),
                                 {"decision": "accept", "confirmed": "on"}).status_code == 302
    assert "после срока проверки" in organiser_client.get(detail_url(application)).content.decode()


@pytest.mark.django_db
def test_the_decision_needs_a_post_with_a_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.member_a)
    assert client.get(decide_url(world.application_a)).status_code == 405
    assert client.post(decide_url(world.application_a), {"decision": "accept"}).status_code == 403
    world.application_a.refresh_from_db()
    assert world.application_a.status == ApplicationStatus.SUBMITTED


# --- the petition ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_petition_is_downloaded_as_an_attachment(world):
    response = logged_in(world.member_a).get(petition_url(world.application_a))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"petition-{world.application_a.pk}.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF_BYTES


@pytest.mark.django_db
def test_no_petition_or_a_missing_file_is_a_404(world):
    client = logged_in(world.member_a)
    without = ApplicationFactory(season=world.season, city=world.city_a)
    assert client.get(petition_url(without)).status_code == 404
    world.application_a.petition.storage.delete(world.application_a.petition.name)
    assert client.get(petition_url(world.application_a)).status_code == 404


@pytest.mark.django_db
def test_the_petition_is_not_under_the_public_media_url(world, settings):
    name = world.application_a.petition.name
    assert (settings.PRIVATE_MEDIA_ROOT / name).exists()
    assert not (settings.MEDIA_ROOT / name).exists()


@pytest.mark.django_db
def test_rejecting_asks_for_a_confirmation_and_cancel_changes_nothing(world, mailoutbox):
    client = logged_in(world.member_a)
    response = client.post(decide_url(world.application_a), {"decision": "reject", "comment": "Не житель города"})
    page = response.content.decode()
    assert response.status_code == 200 and "Да, отклонить" in page and "Не житель города" in page
    assert f'href="{detail_url(world.application_a)}#h-decision"' in page  # «Отмена» just goes back
    world.application_a.refresh_from_db()
    assert world.application_a.status == ApplicationStatus.SUBMITTED and mailoutbox == []
    response = client.post(decide_url(world.application_a),
                           {"decision": "reject", "comment": "Не житель города", "confirmed": "on"})
    assert response.status_code == 302
    world.application_a.refresh_from_db()
    assert world.application_a.status == ApplicationStatus.REJECTED


@pytest.mark.django_db
def test_returning_needs_no_confirmation(world):
    client = logged_in(world.member_a)
    response = client.post(decide_url(world.application_a), {"decision": "return", "comment": "Нужна подпись"})
    assert response.status_code == 302
