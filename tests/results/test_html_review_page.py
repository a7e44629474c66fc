"""The committee review page, strictly through the Nu HTML checker (every other page is checked by
tests/html_checker.py on every test): unique ids, every aria-describedby pointing at its help text or errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.html_checker import page_errors
from tests.results.helpers import city_vote, close_voting

pytestmark = pytest.mark.django_db


def test_the_review_page_and_its_refusals_pass_the_html_checker(client):
    cv = city_vote(names=["Абрамова Ася", "Баранов Борис"])
    cv.cast([2, 1])
    close_voting(cv.season)
    client.force_login(cv.member)
    year, slug = cv.season.year, cv.city.slug
    review = client.get(reverse("results:review", args=[year, slug]))
    refused = client.post(f"{reverse('results:annul', args=[year, slug])}?candidate={cv.candidates[0].pk}",
                          {"scope": "selection", "expected_count": 2, "reason_code": "", "reason": ""})
    assert (review.status_code, refused.status_code) == (200, 422)
    errors = page_errors([(f"GET {review.request['PATH_INFO']} → 200", review.content),
                          (f"POST {refused.request['PATH_INFO']} → 422", refused.content)], strict=True)
    assert errors == []
