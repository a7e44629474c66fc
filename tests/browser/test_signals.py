"""The «Сигналы» section of the committee's review in Chromium: the evidence and the chart's data table are
readable, the finding's action leads to the prefilled annulment, the committee confirms with its own reason —
and on a 360-pixel phone nothing scrolls sideways."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from atomgrad.integrity.models import FindingKind
from atomgrad.voting.models import VoteAnnulment
from tests.integrity.helpers import finding_store
from tests.results.helpers import city_vote, close_voting


def _logged_in_context(chromium_browser, live_server, user, *, width: int):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    context = chromium_browser.new_context(locale="ru-RU", viewport={"width": width, "height": 800})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "url": live_server.url}])
    return context


def _overflow(page) -> int:  # type: ignore[no-untyped-def]
    """How far the page, or any table inside its own scroll box, reaches beyond the screen's width."""
    return page.evaluate("""() => Math.max(
        document.documentElement.scrollWidth - document.documentElement.clientWidth,
        ...[...document.querySelectorAll('main .table-scroll, main .chart-data')]
            .map(box => box.scrollWidth - box.clientWidth))""")


@pytest.mark.django_db(transaction=True)
def test_signals_evidence_chart_table_and_the_prefilled_annulment(live_server, chromium_browser):
    cv = city_vote(names=["Константинопольская Александра-Виктория Вячеславовна", "Нейтронов Никита Ильич",
                          "Протонова Полина Олеговна"])
    cv.cast([24, 5, 3])
    close_voting(cv.season)
    fake = cv.votes[cv.candidates[0].pk][:16]
    finding = finding_store(votes=fake, kind=FindingKind.LOCKSTEP, score=0.93, evidence={
        "networks": [{"hash": "5f0c1d2e3a4b5c6d", "votes": 16}],
        "phone_blocks": [{"hash": "0a0b0c0d0e0f1011", "votes": 16}],
        "waves": [{"start": fake[0].cast_at.isoformat(), "voters": 16, "minutes": 3}],
    }, explanation_ru="16 жителей выбрали одних и тех же соискателей за 3 минуты.")

    context = _logged_in_context(chromium_browser, live_server, cv.chair, width=360)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        url = f"{live_server.url}/committee/results/{cv.season.year}/{cv.city.slug}/"
        page.goto(url)
        signals = page.locator("#signals")
        expect(signals.get_by_role("heading", name=re.compile("Согласованная группа голосующих"))).to_be_visible()
        expect(signals.get_by_text("16 жителей выбрали одних и тех же соискателей")).to_be_visible()
        expect(signals.get_by_text("5f0c1d2e3a4b5c6d")).to_be_visible()
        expect(signals.get_by_text("0a0b0c0d0e0f1011")).to_be_visible()
        chart = signals.get_by_role("img", name=re.compile("Голоса по часам"))
        expect(chart).to_be_visible()
        table = signals.get_by_role("region", name=re.compile("Данные графика"))
        expect(table.get_by_role("columnheader", name="Час (МСК)")).to_be_visible()
        assert table.get_by_role("row").count() > 2
        assert _overflow(page) <= 0, f"the review scrolls sideways by {_overflow(page)}px at 360px"

        signals.get_by_role("link", name=re.compile("Выбрать 16 голосов сигнала")).click()
        expect(page.get_by_text(f"голоса сигнала № {finding.pk}")).to_be_visible()
        expect(page.get_by_text("В выборке 16 голосов")).to_be_visible()
        assert _overflow(page) <= 0, f"the selection scrolls sideways by {_overflow(page)}px at 360px"
        expect(page.get_by_label("Причина", exact=True)).to_have_value("signal_lockstep")
        expect(page.get_by_label(re.compile("всю выборку: 16"))).to_be_checked()
        page.get_by_label("Обоснование").fill("Группа из 16 новых номеров одного блока проголосовала за 3 минуты.")
        page.get_by_role("button", name="Аннулировать", exact=True).click()
        expect(page.get_by_text("Аннулировано голосов: 16")).to_be_visible()
        assert VoteAnnulment.objects.filter(reason_code="signal_lockstep").count() == 16
        expect(page.locator("#signals").get_by_text("Все голоса этого сигнала уже аннулированы.")).to_be_visible()
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [390, 360])
def test_the_review_table_fits_a_phone(live_server, chromium_browser, width):
    cv = city_vote(names=["Константинопольская Александра-Виктория Вячеславовна", "Нейтронов Никита Ильич"])
    cv.cast([8, 3])
    close_voting(cv.season)
    context = _logged_in_context(chromium_browser, live_server, cv.chair, width=width)
    page = context.new_page()
    try:
        for query in ("", "?status=all", "?status=annulled"):
            page.goto(f"{live_server.url}/committee/results/{cv.season.year}/{cv.city.slug}/{query}")
            assert _overflow(page) <= 0, f"{query or 'review'} scrolls sideways by {_overflow(page)}px at {width}px"
    finally:
        context.close()
