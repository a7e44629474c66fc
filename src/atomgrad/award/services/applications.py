"""Applying for the award: submitting an application and resubmitting one the committee returned.

Every eligibility rule is checked here, against the season, whichever surface the application comes from:

* applications are taken only while the season's phase accepts them (`PhaseRules.accepts_applications`);
  a returned application may be fixed while moderation is still open;
* the candidate is at least `season.min_age` years old on the day applications close (Moscow time);
* the candidate lives in a city that takes part in the season;
* the candidate is not a top-three finisher (`Laureate`) of a season less than `laureate_cooldown_years` ago;
* one application per person per season: the person is identified by `person_key` (normalised full name plus
  date of birth) and the database holds a unique constraint on (season, person_key), so two parallel
  submissions of the same person end with exactly one application;
* the sphere is active; a nomination by others (a labour collective, a public organisation, an initiative
  group) names the nominator, carries a petition (PDF) and the candidate's own consent.

A refusal is an `ApplicationError` with a stable `code`, a Russian and an English message and, where one form
field is at fault, `details["field"]`. A refused submission leaves nothing behind: no row and no file.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from atomgrad.award.identity import edit_token_new, person_key_for
from atomgrad.award.models import (
    STORY_MAX_LENGTH,
    Application,
    ApplicationStatus,
    ConsentDocument,
    ConsentKind,
    Laureate,
    NominationKind,
    Season,
    Sphere,
)
from atomgrad.award.selectors import moderation_open_in_city
from atomgrad.award.services.reference import consent_current
from atomgrad.award.uploads import PreparedPetition, PreparedPhoto, petition_prepare, photo_prepare
from atomgrad.award.workflow import check_transition
from atomgrad.cities.models import City
from atomgrad.core.errors import ApplicationError
from atomgrad.core.services import audit_record
from atomgrad.core.text import text_check
from atomgrad.core.timefmt import format_date, format_datetime, to_moscow
from atomgrad.voting.phones import phone_normalise

logger = logging.getLogger(__name__)

FULL_NAME_MAX_LENGTH = 200
TEXT_FIELD_MAX_LENGTH = 200
NOMINATOR_NAME_MAX_LENGTH = 300
OLDEST_BIRTH_DATE = dt.date(1900, 1, 1)
# Letters of any script, spaces, hyphens, apostrophes and dots («Анна-Мария д'Арк», «Иванов И. И.»).
FULL_NAME_PATTERN = re.compile(r"^[^\W\d_]+(?:[ .'’\-]+[^\W\d_]+)*\.?$")

OTHERS_NOMINATE = frozenset(
    {NominationKind.LABOUR_COLLECTIVE, NominationKind.PUBLIC_ORGANISATION, NominationKind.INITIATIVE_GROUP}
)


def _refuse(code: str, message_ru: str, message_en: str, *, field: str | None = None, status: int = 422,
            **details: Any) -> ApplicationError:
    if field is not None:
        details["field"] = field
    return ApplicationError(code, message_ru, message_en, status=status, details=details)


# --- names --------------------------------------------------------------------------------------------------


def full_name_clean(full_name: str) -> str:
    """The full name as it will be stored and shown: Unicode NFC, single spaces, no spaces at the ends."""
    return " ".join(unicodedata.normalize("NFC", full_name or "").split())


# --- eligibility ----------------------------------------------------------------------------------------


def age_on(*, birth_date: dt.date, day: dt.date) -> int:
    """Full years of age on `day`. Someone born on 29 February becomes a year older on 28 February of a
    common year (the year ends on the last day of the month, as the Civil Code, art. 192, counts periods)."""
    try:
        birthday_this_year = birth_date.replace(year=day.year)
    except ValueError:  # 29 February in a common year
        birthday_this_year = dt.date(day.year, 2, 28)
    return day.year - birth_date.year - (1 if day < birthday_this_year else 0)


def _years_ru(count: int) -> str:
    """«год», «года» or «лет» after a number (1 год, 3 года, 18 лет, 21 год)."""
    if count % 10 == 1 and count % 100 != 11:
        return "год"
    if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        return "года"
    return "лет"


def applications_close_day(season: Season) -> dt.date:
    """The day applications close, in Moscow time: the day the age rule is measured on."""
    return to_moscow(season.applications_close_at).date()


def _check_window(season: Season, *, resubmission: bool, city: City) -> None:
    rules = season.phase_rules
    if resubmission:
        if moderation_open_in_city(season=season, city_id=city.pk):
            return
        raise _refuse(
            "resubmission_closed",
            f"Проверка заявок сезона «{season.title}» завершена, исправленную заявку отправить уже нельзя.",
            f"Moderation of the season '{season.title}' is over: a corrected application can no longer be sent.",
            status=409,
        )
    if rules.accepts_applications:
        return
    opens = format_datetime(season.applications_open_at)
    closes = format_datetime(season.applications_close_at)
    if timezone.now() < season.applications_open_at:
        raise _refuse(
            "applications_not_open",
            f"Приём заявок ещё не начался: он откроется {opens} и продлится до {closes}.",
            f"Applications are not open yet: they open on {opens} and close on {closes}.",
            status=409, opens_at=season.applications_open_at.isoformat(),
            closes_at=season.applications_close_at.isoformat(),
        )
    raise _refuse(
        "applications_closed",
        f"Приём заявок завершён {closes}. Заявки больше не принимаются.",
        f"Applications closed on {closes} and are no longer accepted.",
        status=409, opens_at=season.applications_open_at.isoformat(),
        closes_at=season.applications_close_at.isoformat(),
    )


def _check_age(season: Season, birth_date: dt.date) -> None:
    close_day = applications_close_day(season)
    if age_on(birth_date=birth_date, day=close_day) < season.min_age:
        raise _refuse(
            "too_young",
            f"Соискателю должно исполниться {season.min_age} {_years_ru(season.min_age)} не позднее дня окончания "
            "приёма заявок "
            f"({format_date(close_day)}).",
            f"The candidate must be at least {season.min_age} years old on the day applications close "
            f"({close_day.isoformat()}).",
            field="birth_date", min_age=season.min_age, on=close_day.isoformat(),
        )


def _check_city(season: Season, city: City) -> None:
    if not season.cities.filter(pk=city.pk).exists():
        raise _refuse(
            "city_not_participating",
            f"Город {city.name_ru} не участвует в сезоне «{season.title}». Выберите город, где соискатель "
            "постоянно проживает, из списка городов-участников.",
            f"{city.name_en} does not take part in the season '{season.title}'. Choose the participating city "
            "where the candidate lives.",
            field="city", city=city.slug,
        )


def _check_not_recent_laureate(season: Season, person_key: str) -> None:
    """A former top-three finisher waits `laureate_cooldown_years`. Matched by person, in any city: moving
    to another atomic city does not shorten the wait."""
    earliest_year = season.year - season.laureate_cooldown_years
    laureate = (
        Laureate.objects.filter(person_key=person_key, season__year__gte=earliest_year)
        .exclude(season=season)
        .select_related("season")
        .order_by("-season__year")
        .first()
    )
    if laureate is not None:
        free_year = laureate.season.year + season.laureate_cooldown_years + 1
        raise _refuse(
            "recent_laureate",
            f"Соискатель стал призёром премии в {laureate.season.year} году ({laureate.place} место). "
            f"Призёры могут снова подать заявку через {season.laureate_cooldown_years} г., то есть начиная с "
            f"сезона {free_year} года.",
            f"The candidate finished in the top three in {laureate.season.year} (place {laureate.place}). "
            f"Finishers may apply again after {season.laureate_cooldown_years} years, from the {free_year} season.",
            field="full_name", laureate_year=laureate.season.year, eligible_from=free_year,
        )


def _duplicate_error(season: Season) -> ApplicationError:
    return _refuse(
        "duplicate_application",
        f"Заявка на этого человека (те же ФИО и дата рождения) в сезоне «{season.title}» уже подана. "
        "Второй раз подать её нельзя. Если заявку вернули на доработку, исправьте её по ссылке из письма.",
        f"An application for this person (the same full name and date of birth) has already been submitted in "
        f"the season '{season.title}'. If it was returned for corrections, use the link from the e-mail.",
        field="full_name", status=409,
    )


def _check_not_duplicate(season: Season, person_key: str, *, exclude_pk: int | None = None) -> None:
    others = Application.objects.filter(season=season, person_key=person_key)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise _duplicate_error(season)


# --- field checks ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cleaned:
    full_name: str
    birth_date: dt.date
    workplace: str
    position: str
    story: str
    phone: str
    email: str
    nomination_kind: str
    nominator_name: str
    candidate_consent: bool


def _required_text(value: str, *, field: str, label_ru: str, label_en: str, max_length: int) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise _refuse(f"{field}_required", f"Заполните поле «{label_ru}».", f"Please fill in '{label_en}'.",
                      field=field)
    if len(text) > max_length:
        raise _refuse(
            f"{field}_too_long",
            f"Поле «{label_ru}»: не больше {max_length} символов (сейчас {len(text)}).",
            f"'{label_en}' must be at most {max_length} characters (it has {len(text)}).",
            field=field, max_length=max_length,
        )
    return text


def story_clean(story: str) -> str:
    """Line breaks as one character each (browsers send CRLF), no blank space at the ends."""
    return (story or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _clean(
    *, full_name: str, birth_date: dt.date, workplace: str, position: str, story: str, phone: str, email: str,
    nomination_kind: str, nominator_name: str, candidate_consent: bool,
) -> _Cleaned:
    for value, field, label_ru, label_en, multiline in (
        (full_name, "full_name", "ФИО", "Full name", False),
        (workplace, "workplace", "Место работы", "Workplace", False),
        (position, "position", "Должность", "Position", False),
        (story, "story", "Рассказ о достижениях", "Achievements", True),
        (phone, "phone", "Телефон", "Phone", False),
        (email, "email", "Электронная почта", "E-mail", False),
        (nominator_name, "nominator_name", "Кто выдвигает", "Nominated by", False),
    ):
        text_check(value or "", field=field, label_ru=label_ru, label_en=label_en, multiline=multiline)
    name = full_name_clean(full_name)
    if not name:
        raise _refuse("full_name_required", "Укажите фамилию, имя и отчество соискателя.",
                      "Please enter the candidate's full name.", field="full_name")
    if len(name) > FULL_NAME_MAX_LENGTH:
        raise _refuse("full_name_too_long", f"ФИО: не больше {FULL_NAME_MAX_LENGTH} символов.",
                      f"The full name must be at most {FULL_NAME_MAX_LENGTH} characters.", field="full_name")
    if not FULL_NAME_PATTERN.match(name) or len(name.split()) < 2:
        raise _refuse(
            "full_name_invalid",
            "Укажите фамилию, имя и (если есть) отчество соискателя буквами, например «Иванова Анна Сергеевна».",
            "Enter the candidate's surname, first name and (if any) patronymic in letters, for example "
            "'Ivanova Anna Sergeevna'.",
            field="full_name",
        )
    if not isinstance(birth_date, dt.date) or isinstance(birth_date, dt.datetime):
        raise _refuse("birth_date_invalid", "Укажите дату рождения.", "Please enter the date of birth.",
                      field="birth_date")
    today = timezone.localdate()
    if birth_date > today or birth_date < OLDEST_BIRTH_DATE:
        raise _refuse("birth_date_invalid", "Проверьте дату рождения: такой даты быть не может.",
                      "Please check the date of birth: it cannot be right.", field="birth_date")

    cleaned_story = story_clean(story)
    if not cleaned_story:
        raise _refuse("story_required", "Расскажите о достижениях соискателя.",
                      "Please describe the candidate's achievements.", field="story")
    if len(cleaned_story) > STORY_MAX_LENGTH:
        raise _refuse(
            "story_too_long",
            f"Рассказ о достижениях: не больше {STORY_MAX_LENGTH} символов (сейчас {len(cleaned_story)}). "
            "Сократите его.",
            f"The story must be at most {STORY_MAX_LENGTH} characters (it has {len(cleaned_story)}).",
            field="story", max_length=STORY_MAX_LENGTH,
        )

    try:
        cleaned_phone = phone_normalise(phone)
    except ApplicationError as exc:
        raise _refuse("invalid_phone", "Укажите номер телефона полностью, например +7 900 123-45-67.",
                      "Enter the full phone number, for example +7 900 123-45-67.", field="phone") from exc
    cleaned_email = (email or "").strip()
    try:
        validate_email(cleaned_email)
    except ValidationError as exc:
        raise _refuse("invalid_email", "Укажите адрес электронной почты, например anna@example.ru.",
                      "Enter an e-mail address, for example anna@example.ru.", field="email") from exc
    local, _, domain = cleaned_email.rpartition("@")
    cleaned_email = f"{local}@{domain.lower()}"

    if nomination_kind not in NominationKind.values:
        raise _refuse("nomination_kind_invalid", "Укажите, кто выдвигает соискателя.",
                      "Please say who nominates the candidate.", field="nomination_kind")
    if nomination_kind == NominationKind.SELF:
        # The applicant is the candidate: their own consent is the application itself; a nominator and a
        # petition that were typed in before switching to self-nomination are not kept.
        cleaned_nominator, consent = "", True
    else:
        cleaned_nominator = " ".join((nominator_name or "").split())
        if not cleaned_nominator:
            raise _refuse(
                "nominator_name_required",
                "Укажите, кто выдвигает соискателя: название трудового коллектива (организации), общественной "
                "организации или инициативной группы.",
                "Please name who nominates the candidate: the labour collective (organisation), the public "
                "organisation or the initiative group.",
                field="nominator_name",
            )
        if len(cleaned_nominator) > NOMINATOR_NAME_MAX_LENGTH:
            raise _refuse("nominator_name_too_long", f"Не больше {NOMINATOR_NAME_MAX_LENGTH} символов.",
                          f"At most {NOMINATOR_NAME_MAX_LENGTH} characters.", field="nominator_name")
        if not candidate_consent:
            raise _refuse(
                "candidate_consent_required",
                "При выдвижении коллективом, организацией или инициативной группой нужно согласие самого "
                "соискателя на выдвижение. Подтвердите, что соискатель согласен.",
                "A nomination by others needs the candidate's own consent. Please confirm that the candidate "
                "agrees.",
                field="candidate_consent",
            )
        consent = True

    return _Cleaned(
        full_name=name,
        birth_date=birth_date,
        workplace=_required_text(workplace, field="workplace", label_ru="Место работы", label_en="Workplace",
                                 max_length=TEXT_FIELD_MAX_LENGTH),
        position=_required_text(position, field="position", label_ru="Должность", label_en="Position",
                                max_length=TEXT_FIELD_MAX_LENGTH),
        story=cleaned_story,
        phone=cleaned_phone,
        email=cleaned_email,
        nomination_kind=nomination_kind,
        nominator_name=cleaned_nominator,
        candidate_consent=consent,
    )


def _check_sphere(sphere: Sphere) -> None:
    if not sphere.is_active:
        raise _refuse("sphere_inactive", f"Сфера «{sphere.name_ru}» сейчас не принимает заявки. Выберите другую.",
                      f"The sphere '{sphere.name_en}' is not open for applications. Please choose another.",
                      field="sphere")


def _check_consent(*, consent_given: bool, consent_document: ConsentDocument | None) -> ConsentDocument:
    """The consent must be given, to the text currently in force (the one the person was shown)."""
    current = consent_current(kind=ConsentKind.APPLICATION)
    if not consent_given:
        raise _refuse(
            "consent_required",
            "Без согласия на обработку персональных данных заявку принять нельзя. Прочитайте текст согласия "
            "и отметьте галочку.",
            "An application cannot be accepted without consent to personal-data processing. Please read the "
            "text and tick the box.",
            field="consent",
        )
    if consent_document is not None and consent_document.pk != current.pk:
        raise _refuse(
            "consent_outdated",
            "Текст согласия на обработку персональных данных обновился. Прочитайте новую редакцию и "
            "подтвердите согласие ещё раз.",
            "The personal-data consent text has been updated. Please read the new version and confirm again.",
            field="consent", current_version=current.version,
        )
    return current


def _checked_ip(address: str) -> str:
    try:
        return str(ipaddress.ip_address((address or "").strip()))
    except ValueError as exc:
        raise _refuse("consent_ip_invalid", "Не удалось определить адрес, с которого дано согласие.",
                      "The address the consent was given from is not a valid IP address.", status=400) from exc


# --- files ----------------------------------------------------------------------------------------------


def _check_eligible(
    season: Season, *, resubmission: bool, city: City, sphere: Sphere, consent_ip: str, consent_given: bool,
    consent_document: ConsentDocument | None, **fields: Any,
) -> tuple[_Cleaned, str, ConsentDocument, str]:
    """Every rule a new or a fixed application must pass, in the order the person sees refusals: the window,
    the fields (`fields` go to `_clean`), age, city, sphere, no recent laureate, the consent. Returns the
    cleaned fields, the person key, the consent document and the checked client address."""
    _check_window(season, resubmission=resubmission, city=city)
    consent_ip = _checked_ip(consent_ip)
    data = _clean(**fields)
    _check_age(season, data.birth_date)
    _check_city(season, city)
    _check_sphere(sphere)
    person_key = person_key_for(data.full_name, data.birth_date)
    _check_not_recent_laureate(season, person_key)
    document = _check_consent(consent_given=consent_given, consent_document=consent_document)
    return data, person_key, document, consent_ip


def _store(field_file: Any, content: PreparedPhoto | PreparedPetition, written: list[tuple[Storage, str]]) -> None:
    field_file.save(content.name, content, save=False)
    written.append((field_file.storage, field_file.name))


def _delete_files(files: list[tuple[Storage, str]]) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("Could not delete the stored file %s", name)


# --- e-mail ---------------------------------------------------------------------------------------------


def application_edit_url(application: Application) -> str:
    """The secret link that lets the applicant see the status and fix a returned application."""
    return settings.SITE_URL + reverse("award:apply_edit", kwargs={"token": application.edit_token})


def _send_submitted_email(application_id: int, *, resubmitted: bool, language: str) -> None:
    application = Application.objects.select_related("season", "city", "sphere").get(pk=application_id)
    with translation.override(language):
        context = {
            "application": application,
            "season": application.season,
            "resubmitted": resubmitted,
            "edit_url": application_edit_url(application),
            "site_url": settings.SITE_URL,
        }
        subject = " ".join(render_to_string("award/email/application_submitted_subject.txt", context).split())
        text = render_to_string("award/email/application_submitted.txt", context)
        html = render_to_string("award/email/application_submitted.html", context)
    message = EmailMultiAlternatives(subject, text, to=[application.email])
    message.attach_alternative(html, "text/html")
    message.send()


def _email_on_commit(application: Application, *, resubmitted: bool) -> None:
    language = translation.get_language() or settings.LANGUAGE_CODE
    application_id = application.pk
    # robust: a mail server that is down must not turn a saved application into an error page.
    transaction.on_commit(
        lambda: _send_submitted_email(application_id, resubmitted=resubmitted, language=language), robust=True
    )


# --- services -------------------------------------------------------------------------------------------


def application_submit(
    *,
    season: Season,
    city: City,
    sphere: Sphere,
    full_name: str,
    birth_date: dt.date,
    workplace: str,
    position: str,
    story: str,
    phone: str,
    email: str,
    photo: IO[bytes],
    nomination_kind: str = NominationKind.SELF,
    nominator_name: str = "",
    candidate_consent: bool = False,
    petition: IO[bytes] | None = None,
    consent_given: bool,
    consent_ip: str,
    consent_document: ConsentDocument | None = None,
) -> Application:
    """Check every rule and store a new application (status «submitted») with its consent record.

    `consent_document` is the consent text the person was shown (None: the current one); if a newer version
    was published in between, the person is asked to confirm again. The applicant gets an e-mail with the
    secret edit link once the transaction commits. Files are checked and re-encoded before the transaction
    starts, so the write lock (SQLite takes it at BEGIN) is held only for the duplicate check and the inserts.
    """
    data, person_key, document, consent_ip = _check_eligible(
        season, resubmission=False, city=city, sphere=sphere, consent_ip=consent_ip, consent_given=consent_given,
        consent_document=consent_document, full_name=full_name, birth_date=birth_date, workplace=workplace,
        position=position, story=story, phone=phone, email=email, nomination_kind=nomination_kind,
        nominator_name=nominator_name, candidate_consent=candidate_consent,
    )

    prepared_photo = photo_prepare(photo)
    prepared_petition: PreparedPetition | None = None
    if data.nomination_kind in OTHERS_NOMINATE:
        if petition is None:
            raise _refuse(
                "petition_required",
                "При выдвижении коллективом, организацией или инициативной группой приложите ходатайство "
                "(протокол собрания, письмо организации или подписной лист) в формате PDF.",
                "A nomination by others needs the petition (minutes, a letter or a list of signatures) as a PDF.",
                field="petition",
            )
        prepared_petition = petition_prepare(petition)

    written: list[tuple[Storage, str]] = []
    try:
        with transaction.atomic():
            _check_not_duplicate(season, person_key)
            application = Application(
                season=season, city=city, sphere=sphere,
                full_name=data.full_name, birth_date=data.birth_date, workplace=data.workplace,
                position=data.position, story=data.story, phone=data.phone, email=data.email,
                nomination_kind=data.nomination_kind, nominator_name=data.nominator_name,
                candidate_consent=data.candidate_consent,
                consent_document=document, consent_given_at=timezone.now(), consent_ip=consent_ip,
                person_key=person_key, status=ApplicationStatus.SUBMITTED,
                edit_token=edit_token_new(), submitted_at=timezone.now(),
            )
            _store(application.photo, prepared_photo, written)
            if prepared_petition is not None:
                _store(application.petition, prepared_petition, written)
            application.save()
            audit_record(
                actor=None, action="application.submitted", obj=application, city=city,
                details={"season": season.year, "nomination_kind": data.nomination_kind,
                         "consent_version": document.version},
            )
            _email_on_commit(application, resubmitted=False)
    except IntegrityError as exc:
        _delete_files(written)
        # The unique constraint (season, person_key): a parallel submission of the same person won the race.
        if Application.objects.filter(season=season, person_key=person_key).exists():
            raise _duplicate_error(season) from exc
        raise
    except BaseException:
        _delete_files(written)
        raise
    return application


def application_get_by_token(*, token: str) -> Application | None:
    """The application behind a secret edit link, or None."""
    if not token or len(token) > 64:
        return None
    return Application.objects.select_related("season", "city", "sphere").filter(edit_token=token).first()


def application_resubmit(
    *,
    application: Application,
    city: City,
    sphere: Sphere,
    full_name: str,
    birth_date: dt.date,
    workplace: str,
    position: str,
    story: str,
    phone: str,
    email: str,
    nomination_kind: str = NominationKind.SELF,
    nominator_name: str = "",
    candidate_consent: bool = False,
    photo: IO[bytes] | None = None,
    petition: IO[bytes] | None = None,
    consent_given: bool,
    consent_ip: str,
    consent_document: ConsentDocument | None = None,
) -> Application:
    """Fix an application the committee returned and send it back for moderation (returned → submitted).

    The same eligibility rules hold as for a new application (except the window: a returned application may
    be fixed until moderation ends). A new photo or petition replaces the old one; the old file is deleted
    after the commit. The consent is given anew (the person confirms it on the form) and recorded.
    """
    season = application.season
    data, person_key, document, consent_ip = _check_eligible(
        season, resubmission=True, city=city, sphere=sphere, consent_ip=consent_ip, consent_given=consent_given,
        consent_document=consent_document, full_name=full_name, birth_date=birth_date, workplace=workplace,
        position=position, story=story, phone=phone, email=email, nomination_kind=nomination_kind,
        nominator_name=nominator_name, candidate_consent=candidate_consent,
    )
    prepared_photo = photo_prepare(photo) if photo is not None else None
    prepared_petition = petition_prepare(petition) if petition is not None else None

    written: list[tuple[Storage, str]] = []
    replaced: list[tuple[Storage, str]] = []
    try:
        with transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=application.pk)
            if locked.status != ApplicationStatus.RETURNED:
                raise _refuse(
                    "application_not_returned",
                    f"Заявка сейчас в статусе «{ApplicationStatus(locked.status).label}»: исправить и отправить "
                    "её можно, только когда оргкомитет вернул её на доработку.",
                    f"The application is '{locked.status}': it can be corrected only after the committee "
                    "returned it.",
                    status=409, current=locked.status,
                )
            check_transition(current=locked.status, target=ApplicationStatus.SUBMITTED)
            _check_not_duplicate(season, person_key, exclude_pk=locked.pk)

            keeps_petition = data.nomination_kind in OTHERS_NOMINATE
            if keeps_petition and prepared_petition is None and not locked.petition:
                raise _refuse(
                    "petition_required",
                    "При выдвижении коллективом, организацией или инициативной группой приложите ходатайство "
                    "в формате PDF.",
                    "A nomination by others needs the petition as a PDF.",
                    field="petition",
                )
            changed = [
                name for name, value in (
                    ("city", city.pk), ("sphere", sphere.pk), ("full_name", data.full_name),
                    ("birth_date", data.birth_date), ("workplace", data.workplace), ("position", data.position),
                    ("story", data.story), ("phone", data.phone), ("email", data.email),
                    ("nomination_kind", data.nomination_kind), ("nominator_name", data.nominator_name),
                )
                if getattr(locked, f"{name}_id" if name in {"city", "sphere"} else name) != value
            ]
            locked.city, locked.sphere = city, sphere
            for name in ("full_name", "birth_date", "workplace", "position", "story", "phone", "email",
                         "nomination_kind", "nominator_name", "candidate_consent"):
                setattr(locked, name, getattr(data, name))
            locked.person_key = person_key
            locked.consent_document = document
            locked.consent_given_at = timezone.now()
            locked.consent_ip = consent_ip

            if prepared_photo is not None:
                if locked.photo:
                    replaced.append((locked.photo.storage, locked.photo.name))
                _store(locked.photo, prepared_photo, written)
                changed.append("photo")
            if prepared_petition is not None and keeps_petition:
                if locked.petition:
                    replaced.append((locked.petition.storage, locked.petition.name))
                _store(locked.petition, prepared_petition, written)
                changed.append("petition")
            elif not keeps_petition and locked.petition:
                replaced.append((locked.petition.storage, locked.petition.name))
                locked.petition = ""
                changed.append("petition")

            previous_comment = locked.status_comment
            locked.status = ApplicationStatus.SUBMITTED
            locked.save()
            audit_record(
                actor=None, action="application.resubmitted", obj=locked, city=locked.city,
                reason=previous_comment,
                details={"changed": changed, "consent_version": document.version},
            )
            old_files = list(replaced)
            transaction.on_commit(lambda: _delete_files(old_files), robust=True)
            _email_on_commit(locked, resubmitted=True)
    except IntegrityError as exc:
        _delete_files(written)
        if Application.objects.filter(season=season, person_key=person_key).exclude(pk=application.pk).exists():
            raise _duplicate_error(season) from exc
        raise
    except BaseException:
        _delete_files(written)
        raise
    return locked
