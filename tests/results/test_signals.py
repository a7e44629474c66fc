"""From a finding to an annulment to the protocol, through the real HTTP surface: the «Сигналы» section shows
the finding's evidence, its action selects exactly the finding's still-valid votes with the finding's kind as
the reason code, the committee confirms with its own reason, and the protocol counts annulments by signal kind.
Runs on SQLite and on PostgreSQL (scripts/with_postgres.py)."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from atomgrad.core.errors import ApplicationError
from atomgrad.integrity.models import FindingKind
from atomgrad.results.services.annulment import votes_annul
from atomgrad.results.services.protocol import protocol_generate
from atomgrad.voting.models import VoteAnnulment
from atomgrad.voting.services.annulment import ANNULMENT_REASONS
from tests.integrity.helpers import finding_store
from tests.results.helpers import city_vote, close_voting, pdf_text

pytestmark = pytest.mark.django_db

NETWORK_HASH = 0x1A2B3C4D5E6F7081
PHONE_BLOCK_HASH = 0x0102030405060708


@pytest.fixture
def attacked_city():
    cv = city_vote(names=["Атомова Алла", "Нейтронов Никита", "Протонова Полина", "Реакторский Роман"])
    cv.cast([30, 6, 4, 2])
    close_voting(cv.season)
    fake = cv.votes[cv.candidates[0].pk][:20]
    start = fake[0].cast_at.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=2)
    finding = finding_store(votes=fake, kind=FindingKind.BURST, score=0.97, evidence={
        "series": {"start": start.isoformat(), "step_seconds": 3600, "candidate": [0, 1, 20, 9],
                   "city": [2, 3, 24, 13]},
        "waves": [{"start": fake[0].cast_at.isoformat(), "voters": 20, "minutes": 4}],
        "networks": [{"hash": NETWORK_HASH, "votes": 20}],
        "phone_blocks": {str(PHONE_BLOCK_HASH): 18},
    })
    weaker = finding_store(votes=cv.votes[cv.candidates[1].pk][:3], kind=FindingKind.NETWORK, score=0.41,
                           explanation_ru="Три голоса из одной сети за вечер.")
    return cv, finding, weaker


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.described_by: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(values["id"])
        if values.get("aria-describedby"):
            self.described_by += values["aria-describedby"].split()
        if values.get("aria-labelledby"):
            self.described_by += values["aria-labelledby"].split()


def _action_href(html: str, finding_id: int) -> str:
    match = re.search(rf'href="([^"]*\?finding={finding_id}[^"]*)"', html)
    assert match, "the finding has no action link"
    return unescape(match.group(1))


def test_from_a_finding_to_an_annulment_to_the_protocol(client, attacked_city):
    cv, finding, weaker = attacked_city
    year, slug = cv.season.year, cv.city.slug
    # two of the finding's votes were annulled already (for another reason): the action takes the other 18
    first_two = [vote.pk for vote in cv.votes[cv.candidates[0].pk][:2]]
    votes_annul(actor=cv.chair, season=cv.season, city=cv.city, vote_ids=first_two,
                reason_code="fraud_suspected", reason="Жители сообщили о покупке голосов")
    client.force_login(cv.member)
    html = client.get(reverse("results:review", args=[year, slug])).content.decode()

    # ranked by score, with the evidence a committee can judge
    assert html.index(f'id="finding-{finding.pk}"') < html.index(f'id="finding-{weaker.pk}"')
    assert "За 4 минуты пришло 30 голосов" in html and "оценка 97 из 100" in html
    assert f"{NETWORK_HASH:016x}" in html and str(PHONE_BLOCK_HASH) in html
    assert "Атомова Алла — 20 голосов" in html
    assert '<svg class="chart"' in html and f'aria-labelledby="finding-{finding.pk}-chart-title' in html
    assert re.search(r"<td class=\"num\">20</td><td class=\"num\">24</td>", html), "the chart's data table"
    assert "не аннулировано: 18" in html
    assert "20 жителей за 4 минуты" in html

    # the action: exactly the finding's still-valid votes, the kind as the reason code, scope "the selection"
    href = _action_href(html, finding.pk)
    selected = client.get(href).content.decode()
    assert "В выборке 18 голосов" in selected and f"сигнала № {finding.pk}" in selected
    assert re.search(r'<option value="signal_burst" selected>', selected)
    assert re.search(r'type="radio" name="scope" value="selection"[^>]*checked', selected)
    assert 'name="expected_count" value="18"' in selected

    query = href.split("?", 1)[1].split("#", 1)[0]
    response = client.post(f"{reverse('results:annul', args=[year, slug])}?{query}", {
        "scope": "selection", "expected_count": 18, "reason_code": "signal_burst",
        "reason": "Проверили: 18 голосов за 4 минуты с одного блока номеров, жители их не подавали.",
    })
    assert response.status_code == 302
    annulled = VoteAnnulment.objects.filter(vote__candidate=cv.candidates[0], reason_code="signal_burst")
    assert annulled.count() == 18
    assert set(annulled.values_list("vote_id", flat=True)) == {v.pk for v in cv.votes[cv.candidates[0].pk][2:20]}
    after = client.get(reverse("results:review", args=[year, slug])).content.decode()
    assert "Все голоса этого сигнала уже аннулированы." in after

    protocol = protocol_generate(actor=cv.chair, season=cv.season, city=cv.city)
    assert protocol.data["annulled_by_reason"] == {"fraud_suspected": 2, "signal_burst": 18}
    text = pdf_text(protocol.pdf.read())
    assert "по видам сигналов автоматической проверки" in text
    assert "Всплеск голосов 18" in text and "Всего по сигналам 18" in text


def test_the_review_page_has_unique_ids_and_no_dangling_references(client, attacked_city):
    cv, finding, _ = attacked_city
    client.force_login(cv.chair)
    for query in ("", f"?finding={finding.pk}", "?status=annulled"):
        html = client.get(reverse("results:review", args=[cv.season.year, cv.city.slug]) + query).content.decode()
        parser = _Ids()
        parser.feed(html)
        duplicates = sorted({i for i in parser.ids if parser.ids.count(i) > 1})
        assert duplicates == [], f"duplicate ids{query}: {duplicates}"
        assert sorted(set(parser.described_by) - set(parser.ids)) == [], f"dangling references{query}"


@pytest.mark.parametrize("reason", ["Всё в порядке\x07", "\x1b[31mкрасный", "скрытый\x85разрыв", "нуль\x00"])
def test_control_characters_in_an_annulment_reason_are_refused(client, attacked_city, reason):
    cv, finding, _ = attacked_city
    with pytest.raises(ApplicationError) as error:
        votes_annul(actor=cv.chair, season=cv.season, city=cv.city, vote_ids=[cv.votes[cv.candidates[2].pk][0].pk],
                    reason_code="fraud_suspected", reason=reason)
    assert error.value.code == "control_characters"
    client.force_login(cv.chair)
    response = client.post(reverse("results:annul", args=[cv.season.year, cv.city.slug]) + f"?finding={finding.pk}", {
        "scope": "selection", "expected_count": 20, "reason_code": "signal_burst", "reason": reason,
    })
    # a NUL never reaches the form: the site refuses it in any request (400, core middleware)
    assert response.status_code == (400 if "\x00" in reason else 422)
    assert "\x00" in reason or "управляющие (невидимые) символы" in response.content.decode()
    assert "\x1b" not in response.content.decode() and "\x07" not in response.content.decode()
    assert not VoteAnnulment.objects.exists()


def test_line_breaks_and_tabs_stay_allowed_in_a_reason(attacked_city):
    cv, _, _ = attacked_city
    done = votes_annul(actor=cv.chair, season=cv.season, city=cv.city, vote_ids=[cv.votes[cv.candidates[2].pk][0].pk],
                       reason_code="signal_network", reason="Первая строка\r\nвторая\tстрока")
    assert done[0].reason_code == "signal_network"


def test_every_signal_kind_is_an_annulment_reason_with_the_same_words():
    for kind in FindingKind:
        assert kind.value in ANNULMENT_REASONS
        assert str(ANNULMENT_REASONS[kind.value]) == str(kind.label)


def test_a_committee_cannot_select_another_citys_finding(client, attacked_city):
    cv, finding, _ = attacked_city
    other = city_vote(season=cv.season)
    client.force_login(other.chair)
    page = client.get(reverse("results:review", args=[cv.season.year, other.city.slug]), {"finding": finding.pk})
    html = page.content.decode()
    assert "Сигнал проверки" not in html or "В выборке 0" in html or "Выберите корректный вариант" in html
    assert "В выборке 20" not in html and "В выборке 18" not in html
