"""Issue 3's journey in a real browser: a resident verifies a phone (the code read from the file SMS backend),
votes for two candidates, sees the receipts, checks one on the verify page, and is refused a third vote (K=2)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from atomgrad.award.models import ConsentKind
from atomgrad.award.phases import Phase
from atomgrad.core.names import name_case
from atomgrad.voting.models import Vote
from atomgrad.voting.receipts import receipt_display
from tests.factories import CityFactory, ConsentDocumentFactory, SeasonFactory
from tests.voting.ballot_helpers import application
from tests.voting.otp_support import last_code

PHONE_TYPED = "8 (916) 123-45-67"
PHONE_E164 = "+79161234567"


def assert_no_phone(page) -> None:  # type: ignore[no-untyped-def]
    digits = re.sub(r"\D", "", page.content())
    assert "9161234567" not in digits


@pytest.mark.django_db(transaction=True)
def test_resident_verifies_a_phone_votes_twice_checks_a_receipt_and_is_refused_a_third(
    live_server, page, settings, tmp_path
):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms.log"
    ConsentDocumentFactory(kind=ConsentKind.VOTER, version="voter-journey-1", title="Согласие участника голосования",
                           text="Я согласен на обработку номера телефона и города.")
    city = CityFactory(slug="sarov", name_ru="Саров", name_en="Sarov")
    season = SeasonFactory(phase=Phase.VOTING, votes_per_voter=2, cities=[city])
    first, second, third = (
        application(season=season, city=city, status="accepted", full_name=name)
        for name in ("Атомова Анна Ивановна", "Борисов Глеб Петрович", "Васильева Дарья Олеговна")
    )

    # On the city page the resident presses «Голосовать» on a card: not logged in, so the log-in comes first.
    page.goto(f"{live_server.url}/cities/{city.slug}/")
    page.get_by_role("link", name=f"Голосовать за {name_case(first.full_name, 'accusative')}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Войти и голосовать")
    page.get_by_label("Номер мобильного телефона").fill(PHONE_TYPED)
    page.get_by_role("button", name="Получить код").click()
    expect(page.get_by_label("Код из SMS")).to_be_visible()  # the SMS is in the file once this page answers
    page.get_by_label("Код из SMS").fill(last_code(settings.SMS_FILE_PATH, PHONE_E164))
    page.get_by_role("button", name="Подтвердить").click()
    page.get_by_label("Город проживания").select_option(label="Саров")
    page.get_by_label(re.compile("Я даю согласие")).check()
    page.get_by_role("button", name="Подтвердить и перейти к голосованию").click()
    assert_no_phone(page)

    # Back at the candidate it was about: confirm, and the receipt is shown.
    first_accusative = name_case(first.full_name, "accusative")
    expect(page.get_by_text(re.compile(f"Вы голосуете за\\s+{first_accusative}"))).to_be_visible()
    page.get_by_role("button", name="Подтвердить").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ваш голос принят")
    first_receipt = receipt_display(Vote.objects.get(candidate=first).receipt)
    expect(page.locator(".receipt-code")).to_have_text(first_receipt)
    expect(page.get_by_text("Осталось голосов: 1 из 2.")).to_be_visible()

    # The second vote, from the candidate's own page.
    page.goto(f"{live_server.url}/candidates/{second.pk}/")
    page.get_by_role("button", name=f"Голосовать за {name_case(second.full_name, 'accusative')}").click()
    page.get_by_role("button", name="Подтвердить").click()
    second_receipt = receipt_display(Vote.objects.get(candidate=second).receipt)
    expect(page.locator(".receipt-code")).to_have_text(second_receipt)
    expect(page.get_by_text("Осталось голосов: 0 из 2.")).to_be_visible()

    # «Мои голоса» lists both receipts; one is checked on the public verify page.
    page.goto(f"{live_server.url}/vote/my/")
    expect(page.get_by_role("link", name=first_receipt)).to_be_visible()
    expect(page.get_by_role("link", name=second_receipt)).to_be_visible()
    expect(page.locator("#votes-left")).to_have_text("0")
    page.get_by_role("link", name=first_receipt).click()
    expect(page.locator("#receipt-verdict")).to_contain_text("на позиции 1 и учтён")
    assert_no_phone(page)

    # A third vote: the card no longer offers it, and going to it directly is refused with the limit.
    page.goto(f"{live_server.url}/cities/{city.slug}/")
    third_button = page.get_by_role("button", name=f"Голосовать за {name_case(third.full_name, 'accusative')}")
    expect(third_button).to_have_count(0)
    expect(page.get_by_text("Все ваши голоса отданы: 2 из 2.").first).to_be_visible()
    page.goto(f"{live_server.url}/vote/candidates/{third.pk}/")
    expect(page.get_by_role("alert")).to_contain_text("Вы уже отдали все голоса")
    expect(page.get_by_role("button", name="Подтвердить")).to_have_count(0)
    assert Vote.objects.count() == 2
    assert_no_phone(page)
