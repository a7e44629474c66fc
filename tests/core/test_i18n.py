"""The English version of the site: the language switch, the public pages in English, and a complete catalogue."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

from atomgrad.award.models import ApplicationStatus
from tests.factories import ApplicationFactory, CityFactory, ConsentDocumentFactory, SeasonFactory, SphereFactory

LOCALE = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
PO_PATH = LOCALE / "django.po"
MO_PATH = LOCALE / "django.mo"

CYRILLIC = re.compile("[А-Яа-яЁё]")
QUOTED_LITERAL = re.compile("«[^»]*»")


# --- the catalogue --------------------------------------------------------------------------------------


def _po_entries(path: Path) -> list[dict[str, object]]:
    """A tiny .po reader: each entry's flags, msgctxt, msgid, msgid_plural and msgstr / msgstr[n] (unescaped)."""
    entries: list[dict[str, object]] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict[str, object] = {"flags": set()}
        key = None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}  # type: ignore[operator]
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[key] += ast.literal_eval(line)  # type: ignore[index,operator]
            else:
                key, _, value = line.partition(" ")
                entry[key] = ast.literal_eval(value)
        if "msgid" in entry:
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[dict[str, object]]:
    return _po_entries(PO_PATH)


def test_the_catalogue_has_a_header_with_english_plural_rules(po_entries):
    header = next(entry for entry in po_entries if entry["msgid"] == "")
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"]
    assert "charset=UTF-8" in header["msgstr"]
    assert "fuzzy" not in header["flags"]


def test_every_entry_is_translated_and_none_is_fuzzy(po_entries):
    messages = [entry for entry in po_entries if entry["msgid"]]
    assert len(messages) > 500
    fuzzy = [entry["msgid"] for entry in messages if "fuzzy" in entry["flags"]]
    empty = [entry["msgid"] for entry in messages
             if any(entry[key] == "" for key in entry if str(key).startswith("msgstr"))]
    # A literal the reader must type as it is (the import file's header «город») stays Russian, in «…».
    still_russian = [entry["msgid"] for entry in messages
                     if any(CYRILLIC.search(QUOTED_LITERAL.sub("", str(entry[key])))
                            for key in entry if str(key).startswith("msgstr"))]
    assert fuzzy == []
    assert empty == []
    assert still_russian == []


def test_placeholders_and_markup_survive_translation(po_entries):
    token = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|</?\w+[^>]*>")
    for entry in po_entries:
        if not entry["msgid"]:
            continue
        if "msgid_plural" in entry:
            pairs = [(entry["msgid"], entry["msgstr[0]"]), (entry["msgid_plural"], entry["msgstr[1]"])]
        else:
            pairs = [(entry["msgid"], entry["msgstr"])]
        for source, translation in pairs:
            assert sorted(token.findall(source)) == sorted(token.findall(translation)), source


def test_word_form_lists_become_two_english_forms(po_entries):
    """`{{ n|plural:_("год,года,лет") }}` — three Russian forms translate to two English ones."""
    from atomgrad.core.timefmt import plural

    form_lists = [entry for entry in po_entries
                  if re.fullmatch(r"[а-яё][а-яё ]*,[а-яё][а-яё ]*,[а-яё][а-яё ]*", str(entry["msgid"]))]
    assert {entry["msgid"] for entry in form_lists} >= {"год,года,лет", "город,города,городов"}
    for entry in form_lists:
        singular, many = entry["msgstr"].split(",")
        assert plural(1, entry["msgstr"]) == singular and plural(5, entry["msgstr"]) == many


def test_the_compiled_catalogue_matches_the_source(po_entries):
    """The .mo is committed (CI has no msgfmt): it must hold every message of the .po with the same text."""
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in po_entries:
        if not entry["msgid"]:
            continue
        msgid = entry["msgid"] if "msgctxt" not in entry else f"{entry['msgctxt']}\x04{entry['msgid']}"
        if "msgid_plural" in entry:
            assert compiled.ngettext(msgid, entry["msgid_plural"], 1) == entry["msgstr[0]"]
            assert compiled.ngettext(msgid, entry["msgid_plural"], 5) == entry["msgstr[1]"]
        else:
            assert compiled.gettext(msgid) == entry["msgstr"], msgid


# --- the pages in English -------------------------------------------------------------------------------


@pytest.fixture
def voting_season(db):
    lesnoy = CityFactory(slug="lesnoy", name_ru="Лесной", name_en="Lesnoy", is_closed=True)
    sarov = CityFactory(slug="sarov", name_ru="Саров", name_en="Sarov")
    season = SeasonFactory(phase="voting", cities=[lesnoy, sarov])
    candidate = ApplicationFactory(season=season, city=lesnoy, sphere=SphereFactory(),
                                   status=ApplicationStatus.ACCEPTED, full_name="Петрова Мария Ивановна")
    return season, lesnoy, candidate


@pytest.fixture
def applications_season(db):
    city = CityFactory(slug="novouralsk", name_ru="Новоуральск", name_en="Novouralsk")
    ConsentDocumentFactory()
    SphereFactory(name_ru="Образование")
    return SeasonFactory(phase="applications", cities=[city])


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_language_switch_sets_english_and_back(client, voting_season):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/rules/"})
    assert response.status_code == 302 and response["Location"] == "/rules/"
    html = _page(client, "/rules/")
    assert '<html lang="en"' in html
    assert "Rules of the “New Creators” Award" in html
    assert "Правила премии «Новые Созидатели»" not in html

    client.post("/i18n/setlang/", {"language": "ru", "next": "/rules/"})
    html = _page(client, "/rules/")
    assert "Правила премии «Новые Созидатели»" in html


def test_the_site_is_russian_by_default(client, voting_season):
    html = _page(client, "/")
    assert "Народное голосование" in html
    assert "Public vote" not in html


def test_an_english_browser_still_gets_russian_until_the_person_switches(client, voting_season):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Народное голосование" in html
    assert "Public vote" not in html


@pytest.mark.parametrize(("url", "english", "russian"), [
    ("/", ["people's award of the atomic cities", "Public vote", "Season stages", "Moscow time (MSK)"],
     ["Народное голосование", "Этапы сезона", "Правила премии"]),
    ("/rules/", ["Who can be a candidate", "What the receipt confirms", "Personal data"],
     ["Кто может стать соискателем", "Персональные данные"]),
    ("/cities/", ["Participating cities", "Search for a city", "Lesnoy", "Sarov"],
     ["Города-участники", "Поиск города", "Лесной"]),
    ("/cities/lesnoy/", ["Candidates", "Search candidates", "All fields"],
     ["Соискатели", "Поиск соискателей", "Все сферы"]),
    ("/vote/login/", ["Mobile phone number", "Get a code"],
     ["Номер мобильного телефона", "Получить код"]),
])
def test_public_pages_are_in_english(client, voting_season, url, english, russian):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = _page(client, url)
    for text in english:
        assert text in html, (url, text)
    for text in russian:
        assert text not in html, (url, text)
    assert "Skip to content" in html and "Перейти к содержанию" not in html


def test_the_candidate_page_is_in_english(client, voting_season):
    _, _, candidate = voting_season
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = _page(client, f"/candidates/{candidate.pk}/")
    assert "Achievements" in html and "All candidates: Lesnoy" in html
    assert "О достижениях" not in html and "Все соискатели" not in html


def test_the_application_form_is_in_english(client, applications_season):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = _page(client, "/apply/")
    for text in ["Application for the “New Creators” Award", "City of permanent residence", "Date of birth",
                 "Consent to the processing of personal data", "Send the application", "Novouralsk"]:
        assert text in html, text
    for text in ["Заявка на премию", "Дата рождения", "Отправить заявку", "Новоуральск"]:
        assert text not in html, text


def test_form_errors_are_in_english(client, applications_season):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post("/apply/", {"full_name": "", "birth_date": "not a date"})
    html = response.content.decode()
    assert "The application was not sent: please check" in html
    assert "Заявка не отправлена" not in html
