"""The organisers' season overview of findings: per city and kind while the vote runs, no ranking; nobody
else may open it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from atomgrad.integrity.models import FindingKind
from tests.integrity.helpers import finding_store
from tests.results.helpers import city_vote, organiser

pytestmark = pytest.mark.django_db


@pytest.fixture
def season_with_findings():
    attacked = city_vote(names=["Кварков Кирилл", "Лептонова Лиана", "Мюонов Марк"])
    attacked.cast([12, 3, 2])
    calm = city_vote(season=attacked.season, names=["Глюонова Гера", "Бозонов Богдан"])
    calm.cast([2, 1])
    finding_store(votes=attacked.votes[attacked.candidates[0].pk][:10], kind=FindingKind.BURST, score=0.95)
    finding_store(votes=attacked.votes[attacked.candidates[0].pk][:8], kind=FindingKind.LOCKSTEP, score=0.81)
    finding_store(votes=calm.votes[calm.candidates[0].pk][:2], kind=FindingKind.NETWORK, score=0.3)
    return attacked, calm


def test_organisers_see_findings_per_city_and_kind_while_the_vote_runs(client, season_with_findings):
    attacked, calm = season_with_findings
    client.force_login(organiser())
    response = client.get(reverse("integrity:overview", args=[attacked.season.year]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Голосование идёт" in html
    # the attacked city first (top score 95), with its two kinds and the 10 distinct votes they cover
    assert html.index(attacked.city.name_ru) < html.index(calm.city.name_ru)
    row = html[html.index(attacked.city.name_ru):html.index(calm.city.name_ru)]
    assert '<td class="num">95</td>' in row and '<td class="num">2</td>' in row and '<td class="num">10</td>' in row
    assert f"/committee/results/{attacked.season.year}/{attacked.city.slug}/#signals" in html
    # the attack, not the ranking: no candidate's name, no count per candidate
    for candidate in attacked.candidates + calm.candidates:
        assert candidate.full_name not in html


@pytest.mark.parametrize("who", ["committee", "anonymous"])
def test_nobody_else_opens_the_overview(client, season_with_findings, who):
    attacked, _ = season_with_findings
    if who == "committee":
        client.force_login(attacked.chair)
    response = client.get(reverse("integrity:overview", args=[attacked.season.year]))
    assert response.status_code in {302, 404}
    assert attacked.city.name_ru not in response.content.decode()
