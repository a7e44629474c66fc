"""Applying through the web: the form, the closed window, the happy path with its consent record and e-mail,
refusals shown on their fields, the secret edit link and resubmission, and parallel duplicate submissions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from atomgrad.award.models import Application, ApplicationStatus
from atomgrad.award.services.applications import application_resubmit, application_submit
from atomgrad.core.errors import ApplicationError
from atomgrad.core.models import AuditLogEntry
from tests.award.apply_support import (
    VALID_BIRTH_DATE,
    VALID_NAME,
    consent_document,
    form_data,
    jpeg_bytes,
    open_season,
    petition_upload,
    photo_upload,
    service_arguments,
    stored_files,
)
from tests.concurrency import run_together
from tests.factories import CityFactory, ConsentDocumentFactory, SeasonFactory, SphereFactory


@pytest.fixture
def season(db):
    consent_document()
    return open_season()


@pytest.fixture
def sphere(db):
    return SphereFactory(name_ru="Образование")


def submit(client, season, sphere, **overrides):
    return client.post("/apply/", form_data(season, sphere, **overrides))


def edit_path(application) -> str:
    return f"/apply/edit/{application.edit_token}/"


# --- the page -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_form_shows_the_fields_the_consent_text_and_a_required_checkbox(client, season, sphere):
    response = client.get("/apply/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert "csrfmiddlewaretoken" in page
    for label in ("Фамилия, имя, отчество соискателя", "Дата рождения", "Город постоянного проживания",
                  "Место работы", "Должность", "Сфера", "Рассказ о достижениях", "Фотография соискателя",
                  "Телефон для связи", "Электронная почта для связи", "Ходатайство (PDF)"):
        assert label in page
    assert 'type="date"' in page
    assert page.count('type="radio"') == 4
    assert "<details>" in page and "Я даю согласие на обработку персональных данных." in page
    assert re.search(r'<input type="checkbox" name="consent"[^>]*required', page)
    assert 'name="consent_version" value="test-1"' in page
    # Only the season's cities can be chosen; the nominator section explains itself without JavaScript.
    assert season.cities.first().name_ru in page
    assert "только если соискателя выдвигает трудовой коллектив" in page


@pytest.mark.django_db
def test_before_the_window_the_page_says_when_it_opens(client):
    season = SeasonFactory(phase="upcoming", cities=[CityFactory()])
    page = client.get("/apply/").content.decode()
    assert "Приём заявок ещё не начался" in page
    assert season.title in page and "(МСК)" in page
    assert 'name="full_name"' not in page


@pytest.mark.django_db
def test_after_the_window_the_page_says_it_closed(client):
    SeasonFactory(phase="moderation", cities=[CityFactory()])
    page = client.get("/apply/").content.decode()
    assert "Приём заявок завершён" in page
    assert 'name="full_name"' not in page


@pytest.mark.django_db
def test_a_post_after_the_window_saves_nothing(client, sphere):
    consent_document()
    season = SeasonFactory(phase="voting", cities=[CityFactory()])
    response = client.post("/apply/", form_data(season, sphere))
    assert "Приём заявок завершён" in response.content.decode()
    assert Application.objects.count() == 0
    assert stored_files() == []


@pytest.mark.django_db
def test_without_a_season_the_page_says_so(client):
    assert "Сезон ещё не объявлен" in client.get("/apply/").content.decode()


@pytest.mark.django_db
def test_csrf_is_enforced(season, sphere):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/apply/", form_data(season, sphere))
    assert response.status_code == 403
    assert Application.objects.count() == 0


# --- the happy path -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_valid_application_is_stored_with_its_consent_and_mailed(client, season, sphere, settings,
                                                                   django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://atomgrad.example"
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, season, sphere)
    assert response.status_code == 302
    assert response["Location"] == "/apply/done/"

    application = Application.objects.get()
    assert application.full_name == VALID_NAME
    assert application.birth_date == VALID_BIRTH_DATE
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.story == "Двадцать лет учит детей физике\nи ведёт кружок робототехники."
    assert application.phone == "+79001234567"
    assert application.consent_document.version == "test-1"
    assert before <= application.consent_given_at <= timezone.now()
    assert application.consent_ip == "127.0.0.1"
    assert application.photo and application.photo.name.startswith("photos/")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alena@example.org"]
    assert "Заявка получена" in message.subject
    edit_url = f"https://atomgrad.example/apply/edit/{application.edit_token}/"
    assert edit_url in message.body
    assert edit_url in message.alternatives[0][0]

    done = client.get("/apply/done/").content.decode()
    assert "Заявка отправлена" in done
    assert "a•••@example.org" in done
    assert "alena@example.org" not in done


@pytest.mark.django_db
def test_no_mail_leaves_before_the_transaction_commits(client, season, sphere, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit(client, season, sphere)
    assert Application.objects.count() == 1
    assert mail.outbox == []
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_the_address_comes_from_the_proxy_only_when_trusted(season, sphere, settings):
    client = Client(REMOTE_ADDR="10.0.0.5")
    settings.TRUST_X_FORWARDED_FOR = False
    client.post("/apply/", form_data(season, sphere, full_name="Сидоров Пётр Ильич"),
                HTTP_X_FORWARDED_FOR="198.51.100.1, 192.0.2.44")
    assert Application.objects.get(full_name="Сидоров Пётр Ильич").consent_ip == "10.0.0.5"

    settings.TRUST_X_FORWARDED_FOR = True
    client.post("/apply/", form_data(season, sphere, full_name="Кузнецова Мария Петровна"),
                HTTP_X_FORWARDED_FOR="198.51.100.1, 192.0.2.44")
    assert Application.objects.get(full_name="Кузнецова Мария Петровна").consent_ip == "192.0.2.44"


@pytest.mark.django_db
def test_a_nomination_by_a_collective_through_the_form(client, season, sphere):
    response = submit(client, season, sphere, nomination_kind="labour_collective",
                      nominator_name="Коллектив цеха № 3", candidate_consent="on", petition=petition_upload())
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.nomination_kind == "labour_collective"
    assert application.nominator_name == "Коллектив цеха № 3"
    assert application.candidate_consent is True
    assert application.petition


# --- refusals on their fields -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_nomination_by_others_without_its_parts_shows_three_messages(client, season, sphere):
    response = submit(client, season, sphere, nomination_kind="initiative_group")
    page = response.content.decode()
    assert "Укажите, кто выдвигает соискателя" in page
    assert "Приложите ходатайство в формате PDF" in page
    assert "Нужно согласие самого соискателя" in page
    assert Application.objects.count() == 0
    assert stored_files() == []


@pytest.mark.django_db
def test_a_too_young_candidate_is_refused_on_the_birth_date_field(client, season, sphere):
    birth = timezone.localdate().replace(year=timezone.localdate().year - 17)
    response = submit(client, season, sphere, birth_date=birth.strftime("%d.%m.%Y"))
    page = response.content.decode()
    assert "Соискателю должно исполниться 18 лет" in page
    assert re.search(r'<ul class="errorlist" id="id_birth_date_error"><li>Соискателю должно исполниться', page)
    assert re.search(r'name="birth_date"[^>]*aria-invalid="true"', page)
    assert 'value="Петрова Алёна Сергеевна"' in page
    assert Application.objects.count() == 0
    assert stored_files() == []


@pytest.mark.django_db
def test_a_city_of_another_season_cannot_be_chosen(client, season, sphere):
    response = submit(client, season, sphere, city=CityFactory().pk)
    assert "Этот город не участвует в текущем сезоне" in response.content.decode()
    assert Application.objects.count() == 0


@pytest.mark.django_db
def test_a_duplicate_through_the_form_is_refused_with_a_clear_message(client, season, sphere):
    submit(client, season, sphere)
    response = submit(client, season, sphere, full_name="ПЕТРОВА алена Сергеевна", email="second@example.org")
    page = response.content.decode()
    assert "уже подана" in page
    assert Application.objects.count() == 1
    assert len(stored_files()) == 1


@pytest.mark.django_db
def test_without_the_consent_checkbox_nothing_is_saved(client, season, sphere):
    data = form_data(season, sphere)
    del data["consent"]
    page = client.post("/apply/", data).content.decode()
    assert "Без согласия на обработку персональных данных заявку принять нельзя" in page
    assert Application.objects.count() == 0


@pytest.mark.django_db
def test_a_consent_text_updated_meanwhile_is_asked_again(client, season, sphere):
    ConsentDocumentFactory(kind="application", version="test-2", text="Новая редакция согласия.",
                           published_at=timezone.now() + dt.timedelta(seconds=1))
    page = submit(client, season, sphere).content.decode()
    assert "Текст согласия на обработку персональных данных обновился" in page
    assert "Новая редакция согласия." in page
    assert 'name="consent_version" value="test-2"' in page
    assert Application.objects.count() == 0
    assert submit(client, season, sphere, consent_version="test-2").status_code == 302


@pytest.mark.django_db
def test_refusals_are_in_english_when_the_site_is(client, season, sphere):
    client.cookies["django_language"] = "en"
    submit(client, season, sphere)
    page = submit(client, season, sphere, email="again@example.org").content.decode()
    assert "An application for this person" in page


# --- the secret link and resubmission ----------------------------------------------------------------------


def returned_application(season, comment="Уточните место работы и замените фотографию."):
    application = application_submit(**service_arguments(season))
    Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.RETURNED, status_comment=comment,
                                                         decided_at=timezone.now())
    application.refresh_from_db()
    return application


def edit_data(application, **overrides):
    data = {
        "nomination_kind": application.nomination_kind,
        "full_name": application.full_name,
        "birth_date": application.birth_date.isoformat(),
        "city": application.city_id,
        "workplace": application.workplace,
        "position": application.position,
        "sphere": application.sphere_id,
        "story": application.story,
        "phone": application.phone,
        "email": application.email,
        "nominator_name": application.nominator_name,
        "consent": "on",
        "consent_version": "test-1",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.django_db
def test_an_unknown_token_is_404(client, season):
    assert client.get("/apply/edit/not-a-real-token/").status_code == 404


@pytest.mark.django_db
def test_the_secret_link_pages_forms_pass_the_csrf_check_as_a_browser_posts_them(season):
    """Under `Referrer-Policy: no-referrer` Chromium posts a page's own form with `Origin: null`, which Django's
    CSRF check refuses (403): a returned application could not be sent again (found by the season journey in
    Chromium). The pages keep the link to themselves with `strict-origin`, under which a same-origin form carries
    the real Origin; the resubmission and the erase form then pass the check."""
    application = returned_application(season)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(edit_path(application))
    assert page["Referrer-Policy"] == "strict-origin"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)  # type: ignore[union-attr]
    data = {**edit_data(application), "csrfmiddlewaretoken": token}
    assert browser.post(edit_path(application), data, HTTP_ORIGIN="null").status_code == 403  # why it matters
    response = browser.post(edit_path(application), data, HTTP_ORIGIN="http://testserver")
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert browser.get(edit_path(application))["Referrer-Policy"] == "strict-origin"  # the status page
    erase = browser.post(f"{edit_path(application)}erase/", {"csrfmiddlewaretoken": token},
                         HTTP_ORIGIN="http://testserver")
    assert erase.status_code == 302  # past the CSRF check (without the confirmation it only asks again)


@pytest.mark.django_db
def test_a_returned_application_shows_the_comment_and_a_filled_form(client, season):
    application = returned_application(season)
    response = client.get(edit_path(application))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Оргкомитет вернул заявку на доработку" in page
    assert "Уточните место работы и замените фотографию." in page
    assert f'value="{application.full_name}"' in page
    assert 'value="Школа № 7"' in page
    assert application.photo.url in page
    assert response["Referrer-Policy"] == "strict-origin"
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@pytest.mark.django_db
def test_resubmission_sends_the_application_back_to_the_committee(client, season, django_capture_on_commit_callbacks):
    application = returned_application(season)
    old_photo = application.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit_path(application), edit_data(application, workplace="Школа № 7 имени Курчатова"))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.workplace == "Школа № 7 имени Курчатова"
    assert application.photo.name == old_photo  # no new photo chosen: the old one stays
    entry = AuditLogEntry.objects.get(action="application.resubmitted")
    assert entry.details["changed"] == ["workplace"]
    assert entry.reason == "Уточните место работы и замените фотографию."
    assert [m.subject for m in mail.outbox] == ["Исправленная заявка получена — «Новые Созидатели»"]

    page = client.get(edit_path(application)).content.decode()
    assert "Исправленная заявка отправлена оргкомитету" in page
    assert "на проверке" in page
    assert 'name="full_name"' not in page  # read-only now


@pytest.mark.django_db
def test_resubmission_with_a_new_photo_replaces_the_old_file(client, season, django_capture_on_commit_callbacks):
    application = returned_application(season)
    old_path = application.photo.path
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit_path(application),
                               edit_data(application, photo=photo_upload(jpeg_bytes((700, 900), color="#113311"))))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.photo.path != old_path
    assert [str(path) for path in stored_files()] == [application.photo.path]


@pytest.mark.django_db
def test_a_bad_file_on_resubmission_changes_nothing(client, season):
    application = returned_application(season)
    files_before = sorted(stored_files())
    response = client.post(edit_path(application),
                           edit_data(application, workplace="Другое место", photo=photo_upload(b"text")))
    assert "Этот файл не является фотографией" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RETURNED
    assert application.workplace == "Школа № 7"
    assert sorted(stored_files()) == files_before


@pytest.mark.django_db
def test_resubmission_still_checks_eligibility(client, season):
    application = returned_application(season)
    birth = timezone.localdate().replace(year=timezone.localdate().year - 10)
    page = client.post(edit_path(application), edit_data(application, birth_date=birth.isoformat())).content.decode()
    assert "Соискателю должно исполниться 18 лет" in page
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RETURNED


@pytest.mark.django_db
def test_resubmission_cannot_become_a_duplicate_of_another_application(client, season):
    application = returned_application(season)
    application_submit(**service_arguments(season, full_name="Орлова Вера Павловна"))
    response = client.post(edit_path(application), edit_data(application, full_name="орлова вера павловна"))
    page = response.content.decode()
    assert "уже подана" in page
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RETURNED


@pytest.mark.django_db
def test_switching_to_a_nomination_by_others_needs_a_petition_and_switching_back_drops_it(
        client, season, django_capture_on_commit_callbacks):
    application = returned_application(season)
    page = client.post(edit_path(application), edit_data(application, nomination_kind="public_organisation",
                                                         nominator_name="Клуб «Атом»", candidate_consent="on")
                       ).content.decode()
    assert "Приложите ходатайство в формате PDF" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(edit_path(application), edit_data(application, nomination_kind="public_organisation",
                                                       nominator_name="Клуб «Атом»", candidate_consent="on",
                                                       petition=petition_upload()))
    application.refresh_from_db()
    assert application.petition and application.status == ApplicationStatus.SUBMITTED

    Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.RETURNED)
    application.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(edit_path(application), edit_data(application, nomination_kind="self", nominator_name=""))
    application.refresh_from_db()
    assert application.nomination_kind == "self" and not application.petition and not application.nominator_name
    assert len(stored_files()) == 1  # the photo; the dropped petition was deleted


@pytest.mark.django_db
@pytest.mark.parametrize("status", [ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED,
                                    ApplicationStatus.REJECTED])
def test_an_application_that_is_not_returned_is_shown_read_only(client, season, status):
    application = application_submit(**service_arguments(season))
    Application.objects.filter(pk=application.pk).update(
        status=status, status_comment="Нет подтверждения достижений." if status == "rejected" else "",
        published_at=timezone.now() if status == ApplicationStatus.ACCEPTED else None,
    )
    response = client.post(edit_path(application), edit_data(application, workplace="Подмена"))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="full_name"' not in page
    assert str(ApplicationStatus(status).label) in page
    application.refresh_from_db()
    assert application.workplace == "Школа № 7" and application.status == status
    if status == ApplicationStatus.REJECTED:
        assert "Нет подтверждения достижений." in page


@pytest.mark.django_db
def test_a_returned_application_cannot_be_fixed_after_moderation_closes(client, season):
    application = returned_application(season)
    past = timezone.now() - dt.timedelta(days=1)
    type(season).objects.filter(pk=season.pk).update(
        applications_open_at=past - dt.timedelta(days=30), applications_close_at=past - dt.timedelta(days=20),
        voting_open_at=past,
    )
    page = client.post(edit_path(application), edit_data(application)).content.decode()
    assert "исправить заявку больше нельзя" in page
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RETURNED
    with pytest.raises(ApplicationError) as caught:
        application_resubmit(application=application, **_resubmit_arguments(application))
    assert caught.value.code == "resubmission_closed"


@pytest.mark.django_db
def test_the_service_refuses_to_resubmit_what_was_not_returned(season):
    application = application_submit(**service_arguments(season))
    with pytest.raises(ApplicationError) as caught:
        application_resubmit(application=application, **_resubmit_arguments(application))
    assert caught.value.code == "application_not_returned"
    assert caught.value.status == 409


def _resubmit_arguments(application):
    return {
        "city": application.city, "sphere": application.sphere, "full_name": application.full_name,
        "birth_date": application.birth_date, "workplace": application.workplace, "position": application.position,
        "story": application.story, "phone": application.phone, "email": application.email,
        "consent_given": True, "consent_ip": "127.0.0.1",
    }


# --- parallel duplicates ------------------------------------------------------------------------------------


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_of_the_same_person_make_exactly_one_application():
    consent_document()
    season = open_season()
    sphere = SphereFactory()
    spellings = ["Петрова Алёна Сергеевна", "петрова алена сергеевна", "ПЕТРОВА  АЛЁНА СЕРГЕЕВНА",
                 "Петрова Алена Сергеевна", " петрова Алёна  сергеевна ", "Петрова алёна Сергеевна"]
    arguments = [service_arguments(season, sphere=sphere, full_name=name, email=f"{abs(hash(name))}@example.org")
                 for name in spellings]
    submissions = [lambda these=these: application_submit(**these) for these in arguments]
    outcomes = [outcome.code if isinstance(outcome, ApplicationError) else outcome
                for outcome in run_together(submissions)]

    winners = [outcome for outcome in outcomes if isinstance(outcome, Application)]
    refusals = [outcome for outcome in outcomes if not isinstance(outcome, Application)]
    assert len(outcomes) == len(spellings)
    assert len(winners) == 1
    assert refusals == ["duplicate_application"] * (len(spellings) - 1)
    assert Application.objects.filter(season=season).count() == 1
    # The losers' photos were written before the database refused them, and then deleted.
    assert [str(path) for path in stored_files()] == [Application.objects.get().photo.path]
