"""The Django admin for organisers: every page an organiser needs renders, in Russian; the audit log and the
consent texts cannot be edited; committee members and residents do not get in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from atomgrad.award.identity import person_key_for
from atomgrad.award.models import Laureate, Season
from atomgrad.award.phases import Phase
from atomgrad.award.services.moderation import application_decide
from atomgrad.award.services.staff import ORGANISER_PERMISSIONS, organiser_grant
from atomgrad.cities.permissions import ORGANISERS_GROUP, user_is_organiser
from atomgrad.core.models import AuditLogEntry
from tests.factories import (
    ApplicationFactory,
    CityFactory,
    CommitteeMemberFactory,
    ConsentDocumentFactory,
    SeasonFactory,
    SphereFactory,
    UserFactory,
)

ADMIN_MODELS = [
    "award/season", "award/sphere", "award/consentdocument", "award/application", "award/laureate",
    "core/auditlogentry", "cities/city", "cities/committeemembership",
]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def organiser(db):
    return organiser_grant(user=UserFactory(username="federal"))


@pytest.fixture
def organiser_client(organiser) -> Client:
    client = Client()
    client.force_login(organiser)
    return client


@pytest.fixture
def decided(db):
    """A season with one decided application, so every list has a row and the audit log an entry."""
    city = CityFactory(slug="novouralsk", name_ru="Новоуральск")
    season = SeasonFactory(phase=Phase.MODERATION, cities=[city])
    member = CommitteeMemberFactory(city=city).user
    application = ApplicationFactory(season=season, city=city, full_name="Григорьева Нина Львовна")
    application_decide(actor=member, application=application, decision="return", comment="Уточните должность")
    Laureate.objects.create(
        season=season, city=city, full_name="Давыдов Ян Ильич", birth_date=dt.date(1970, 1, 2), place=1,
        person_key=person_key_for("Давыдов Ян Ильич", dt.date(1970, 1, 2)),
    )
    return application


# --- the organisers' role --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_organiser_grant_gives_the_group_staff_status_and_the_permissions(organiser):
    assert organiser.is_staff and not organiser.is_superuser
    assert user_is_organiser(organiser)
    group = Group.objects.get(name=ORGANISERS_GROUP)
    granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
    expected = {
        f"{label.split('.')[0]}.{action}_{label.split('.')[1]}"
        for label, actions in ORGANISER_PERMISSIONS.items()
        for action in actions
    }
    assert granted == expected
    assert organiser.has_perm("award.change_season")
    assert not organiser.has_perm("core.change_auditlogentry")
    assert not organiser.has_perm("auth.change_user")  # would let an organiser make anyone a superuser
    # granting twice changes nothing
    organiser_grant(user=organiser)
    assert organiser.groups.filter(name=ORGANISERS_GROUP).count() == 1
    assert AuditLogEntry.objects.filter(action="organiser.grant", object_id=str(organiser.pk)).count() == 2


@pytest.mark.django_db
def test_the_grant_organiser_command(db):
    user = UserFactory(username="new-organiser")
    call_command("grant_organiser", "new-organiser")
    user.refresh_from_db()
    assert user.is_staff and user_is_organiser(user)


# --- pages ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_is_in_russian(organiser_client):
    page = organiser_client.get(reverse("admin:index")).content.decode()
    assert "Новые Созидатели" in page
    assert "Сезоны" in page and "Журнал аудита" in page
    assert "Site administration" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_every_changelist_renders_for_an_organiser(model, organiser_client, decided):
    response = organiser_client.get(f"/admin/{model}/")
    assert response.status_code == 200, model


@pytest.mark.django_db
def test_the_season_list_shows_the_current_phase(organiser_client, decided):
    page = organiser_client.get("/admin/award/season/").content.decode()
    assert "Проверка заявок" in page


@pytest.mark.django_db
def test_the_application_page_shows_private_data_to_the_organiser(organiser_client, decided):
    response = organiser_client.get(f"/admin/award/application/{decided.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert decided.phone in page and decided.email in page
    assert reverse("award:committee_application", args=[decided.pk]) in page
    assert decided.edit_token not in page  # the applicant's secret link stays the applicant's
    assert organiser_client.get("/admin/award/application/add/").status_code == 403


@pytest.mark.django_db
def test_an_organiser_can_correct_an_applications_text_but_not_its_status(organiser_client, decided):
    url = f"/admin/award/application/{decided.pk}/change/"
    form = {
        "sphere": decided.sphere_id, "full_name": "Григорьева Нина Львовна", "birth_date": "1985-04-12",
        "workplace": decided.workplace, "position": "учитель химии", "story": decided.story,
        "phone": decided.phone, "email": decided.email, "nomination_kind": decided.nomination_kind,
        "nominator_name": "", "status": "accepted",
    }
    response = organiser_client.post(url, form)
    assert response.status_code == 302
    decided.refresh_from_db()
    assert decided.position == "учитель химии"
    assert decided.status == "returned"  # the status is read-only here: decisions go through the workspace


@pytest.mark.django_db
def test_consent_texts_are_read_only_after_creation(organiser_client):
    document = ConsentDocumentFactory(version="2026-01", text="Исходный текст согласия")
    url = f"/admin/award/consentdocument/{document.pk}/change/"
    response = organiser_client.get(url)
    assert response.status_code == 200
    assert 'name="text"' not in response.content.decode()  # shown, not editable
    organiser_client.post(url, {"kind": document.kind, "version": "2026-01", "title": "x", "text": "Подмена"})
    document.refresh_from_db()
    assert document.text == "Исходный текст согласия"
    assert organiser_client.post(f"/admin/award/consentdocument/{document.pk}/delete/", {"post": "yes"}).status_code \
        == 403
    # a new version can be added
    response = organiser_client.post(
        "/admin/award/consentdocument/add/",
        {"kind": "application", "version": "2026-02", "title": "Согласие", "text": "Новый текст",
         "published_at_0": "2026-06-01", "published_at_1": "10:00:00"},
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_audit_log_cannot_be_edited_in_the_admin(organiser_client, decided):
    entry = AuditLogEntry.objects.get(action="application.returned")
    change = f"/admin/core/auditlogentry/{entry.pk}/change/"
    page = organiser_client.get(change)
    assert page.status_code == 200  # viewable…
    assert 'name="reason"' not in page.content.decode()  # …but not as a form
    assert "Уточните должность" in page.content.decode()
    organiser_client.post(change, {"reason": "Подчищено", "action": "application.accepted"})
    assert organiser_client.get("/admin/core/auditlogentry/add/").status_code == 403
    assert organiser_client.post(f"/admin/core/auditlogentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    changelist = organiser_client.get("/admin/core/auditlogentry/").content.decode()
    assert "delete_selected" not in changelist
    entry.refresh_from_db()
    assert entry.reason == "Уточните должность" and entry.action == "application.returned"


@pytest.mark.django_db
def test_even_a_superuser_cannot_edit_the_audit_log(decided):
    root = UserFactory(username="root")
    root.is_superuser = root.is_staff = True
    root.save()
    client = Client()
    client.force_login(root)
    entry = AuditLogEntry.objects.get(action="application.returned")
    assert client.get("/admin/core/auditlogentry/add/").status_code == 403
    assert client.post(f"/admin/core/auditlogentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditLogEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db
def test_season_dates_out_of_order_get_a_message_not_an_error(organiser_client):
    city = CityFactory()
    form = {
        "year": "2031", "title": "Новые Созидатели — 2031", "cities": [city.pk],
        "applications_open_at_0": "2031-06-01", "applications_open_at_1": "00:00:00",
        "applications_close_at_0": "2031-05-01", "applications_close_at_1": "00:00:00",  # before the opening
        "voting_open_at_0": "2031-10-01", "voting_open_at_1": "00:00:00",
        "voting_close_at_0": "2031-10-15", "voting_close_at_1": "23:59:00",
        "results_at_0": "2031-11-01", "results_at_1": "12:00:00",
        "ceremony_at_0": "2031-11-22", "ceremony_at_1": "12:00:00",
        "min_age": "18", "laureate_cooldown_years": "3", "votes_per_voter": "3", "own_city_only": "on",
        "laureate_min_valid_votes": "1",
    }
    response = organiser_client.post("/admin/award/season/add/", form)
    assert response.status_code == 200
    assert "должна быть позже, чем «начало приёма заявок»" in response.content.decode()
    assert not Season.objects.filter(year=2031).exists()
    form["applications_close_at_0"] = "2031-09-14"
    assert organiser_client.post("/admin/award/season/add/", form).status_code == 302
    season = Season.objects.get(year=2031)
    assert list(season.cities.all()) == [city]


@pytest.mark.django_db
def test_spheres_are_reordered_from_the_list(organiser_client):
    first, second = SphereFactory(slug="a", order=1), SphereFactory(slug="b", order=2)
    response = organiser_client.post("/admin/award/sphere/", {
        "form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "2",
        "form-0-id": first.pk, "form-0-order": "5", "form-0-is_active": "on",
        "form-1-id": second.pk, "form-1-order": "1",
        "_save": "Сохранить",
    })
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.order, second.order, second.is_active) == (5, 1, False)


@pytest.mark.django_db
def test_a_laureate_added_in_the_admin_gets_the_person_key(organiser_client):
    city = CityFactory()
    season = SeasonFactory(phase=Phase.RESULTS, cities=[city])
    response = organiser_client.post("/admin/award/laureate/add/", {
        "season": season.pk, "city": city.pk, "place": "2", "full_name": "Ёлкина Ирина Андреевна",
        "birth_date": "1980-05-06",
    })
    assert response.status_code == 302
    laureate = Laureate.objects.get()
    assert laureate.person_key == person_key_for("Елкина Ирина Андреевна", dt.date(1980, 5, 6))
    # the same person twice in a season is refused with a message
    response = organiser_client.post("/admin/award/laureate/add/", {
        "season": season.pk, "city": city.pk, "place": "3", "full_name": "ёлкина  ирина андреевна",
        "birth_date": "1980-05-06",
    })
    assert response.status_code == 200
    assert "уже есть запись этого человека" in response.content.decode()


# --- who does not get in ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_committee_members_and_residents_do_not_get_into_the_admin(decided):
    member = CommitteeMemberFactory(city=decided.city).user
    for user in (member, UserFactory(username="resident")):
        client = Client()
        client.force_login(user)
        response = client.get("/admin/award/application/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_staff_without_the_organisers_group_does_not_see_applications(decided):
    """Private data needs the organiser's role, not only a staff flag and a stray permission."""
    from django.contrib.auth.models import Permission

    clerk = UserFactory(username="clerk")
    clerk.is_staff = True
    clerk.save()
    clerk.user_permissions.add(Permission.objects.get(codename="view_application"))
    client = Client()
    client.force_login(clerk)
    assert client.get("/admin/award/application/").status_code == 403
