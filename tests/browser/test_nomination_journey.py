"""Issue 2's journey in a real browser: a resident applies, the city's committee accepts, the city page shows it."""

import re

import pytest
from playwright.sync_api import expect

from atomgrad.award.models import Application, ApplicationStatus
from tests.factories import (
    CityFactory,
    CommitteeMemberFactory,
    ConsentDocumentFactory,
    SeasonFactory,
    SphereFactory,
    UserFactory,
    image_bytes,
)


@pytest.mark.django_db(transaction=True)
def test_resident_applies_and_committee_accepts(live_server, page):
    city = CityFactory(slug="sarov", name_ru="Саров", name_en="Sarov")
    SeasonFactory(phase="applications", cities=[city])
    SphereFactory(slug="education", name_ru="Образование", name_en="Education")
    ConsentDocumentFactory()
    CommitteeMemberFactory(city=city, user=UserFactory(username="sarov-committee"))

    # The resident fills in the form on a phone-sized screen.
    page.goto(live_server.url + "/apply/")
    page.get_by_label("Самовыдвижение").check()
    page.get_by_label("Фамилия, имя, отчество соискателя").fill("Изотопова Мария Петровна")
    page.get_by_label("Дата рождения").fill("1979-03-08")
    page.get_by_label("Город постоянного проживания").select_option(label="Саров")
    page.get_by_label("Место работы").fill("Детская школа искусств")
    page.get_by_label("Должность").fill("преподаватель фортепиано")
    page.get_by_label("Сфера").select_option(label="Образование")
    page.get_by_label("Рассказ о достижениях").fill(
        "Тридцать лет учит детей музыке; её ученики играют в оркестре города."
    )
    page.get_by_label("Фотография соискателя").set_input_files(
        {"name": "portrait.jpg", "mimeType": "image/jpeg", "buffer": image_bytes((300, 400))}
    )
    page.get_by_label("Телефон для связи").fill("+7 900 555-12-34")
    page.get_by_label("Электронная почта для связи").fill("maria@example.org")
    page.get_by_label(re.compile("даю согласие на обработку персональных данных")).check()
    page.get_by_role("button", name=re.compile("Отправить")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Заявка отправлена")
    application = Application.objects.get(full_name="Изотопова Мария Петровна")
    assert application.status == ApplicationStatus.SUBMITTED

    # Not public yet.
    page.goto(f"{live_server.url}/cities/{city.slug}/")
    expect(page.get_by_text("Изотопова Мария Петровна")).to_have_count(0)

    # The committee member of that city logs in and accepts it.
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Логин").fill("sarov-committee")
    page.get_by_label("Пароль").fill("secret-pass-123")
    page.get_by_role("button", name="Войти").click()
    page.goto(live_server.url + "/committee/")
    page.get_by_role("link", name=re.compile("Изотопова Мария Петровна")).click()
    page.get_by_role("button", name="Принять и опубликовать").click()
    # an irreversible decision is confirmed on a second page (plain forms, no JavaScript needed)
    expect(page.get_by_text("Отменить это решение нельзя")).to_be_visible()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    page.get_by_role("button", name="Да, принять и опубликовать").click()
    expect(page.locator(".messages")).to_be_visible()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED

    # Now the city page lists the candidate, and the candidate page opens.
    page.goto(f"{live_server.url}/cities/{city.slug}/")
    page.get_by_role("link", name=re.compile("Изотопова Мария Петровна")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Изотопова Мария Петровна")
    assert "maria@example.org" not in page.content()
    assert "555-12-34" not in page.content()
