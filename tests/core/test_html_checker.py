"""The Nu HTML checker fixture itself (tests/html_checker.py): it finds real errors, and the pages every visitor
gets — the home page with the footer a logged-in member sees — have none."""

from __future__ import annotations

import pytest

from tests.factories import CommitteeMemberFactory
from tests.html_checker import checker, page_errors

pytestmark = pytest.mark.django_db


def test_the_checker_reports_what_it_should():
    if checker() is None:
        pytest.skip("no Java runtime")
    broken = (b'<!doctype html><html lang="ru"><head><title>t</title></head><body><p><form></form></p>'
              b'<div id="a"></div><div id="a"></div>\x01</body></html>')
    errors = "\n".join(page_errors([("GET /broken/ → 200", broken)], strict=True))
    assert "“p” end tag" in errors and "Duplicate ID “a”" in errors and "GET /broken/" in errors


def test_the_footer_of_a_logged_in_member_is_valid(client):
    """The log-out form used to sit inside a <p> (a form cannot be inside a paragraph)."""
    member = CommitteeMemberFactory()
    client.force_login(member.user)
    response = client.get("/")
    assert 'action="/accounts/logout/"' in response.content.decode()
    assert page_errors([("GET / → 200", response.content)], strict=True) == []
