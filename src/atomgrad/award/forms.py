"""The resident's application form. It checks what a form can check (formats, required fields, the files'
content) so a person sees every problem at once; the eligibility rules are the service's
(`award.services.applications`), whose refusals the view puts on the field they concern."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from atomgrad.award.models import STORY_MAX_LENGTH, Application, ConsentDocument, NominationKind, Season, Sphere
from atomgrad.award.selectors import sphere_list
from atomgrad.award.services.applications import story_clean
from atomgrad.award.uploads import (
    UploadRejected,
    petition_check_header,
    petition_prepare,
    photo_check_header,
    photo_prepare,
)
from atomgrad.cities.models import City
from atomgrad.core.errors import ApplicationError
from atomgrad.core.text import FreeTextFormMixin
from atomgrad.voting.phones import phone_normalise

NOMINATION_BY_OTHERS = [kind for kind in NominationKind.values if kind != NominationKind.SELF]


class IsoDateInput(forms.DateInput):
    """`<input type="date">` whose value is always an ISO date or empty, as HTML requires: a date typed as
    12.04.1985 (where a browser has no date picker) comes back as 1985-04-12, and text that is no date comes back
    empty, with the field's error message saying what to type."""

    input_type = "date"

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, str):
            for date_format in ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"):
                try:
                    return dt.datetime.strptime(value.strip(), date_format).replace(tzinfo=dt.UTC).date().isoformat()
                except ValueError:
                    continue
            return None
        return super().format_value(value)


class LocalisedModelChoiceField(forms.ModelChoiceField):
    """Shows `name` (Russian or English, following the active language) instead of `str()`."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class ApplicationForm(FreeTextFormMixin, forms.Form):
    """Fields in the order a person fills them in: who nominates, the candidate, the story and photo, the
    contacts, the nomination by others (only when someone else nominates), the consent."""

    nomination_kind = forms.ChoiceField(
        label=_("Кто выдвигает соискателя"),
        choices=NominationKind.choices,
        initial=NominationKind.SELF,
        widget=forms.RadioSelect,
        help_text=_("Если соискателя выдвигает не он сам, заполните ещё раздел «Выдвижение коллективом, "
                    "организацией или группой» ниже."),
    )
    full_name = forms.CharField(
        label=_("Фамилия, имя, отчество соискателя"), max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=_("Полностью, как в паспорте. Например: Иванова Анна Сергеевна."),
    )
    birth_date = forms.DateField(
        label=_("Дата рождения"),
        widget=IsoDateInput(attrs={"autocomplete": "bday"}, format="%Y-%m-%d"),
        help_text=_("Например: 12.04.1985. Не публикуется."),
        error_messages={"invalid": _("Введите дату рождения в виде ДД.ММ.ГГГГ, например 12.04.1985.")},
    )
    city = LocalisedModelChoiceField(
        label=_("Город постоянного проживания"),
        queryset=City.objects.none(),
        empty_label=_("— выберите город —"),
        error_messages={"invalid_choice": _("Этот город не участвует в текущем сезоне. Выберите город из списка.")},
    )
    workplace = forms.CharField(
        label=_("Место работы"), max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
        help_text=_("Организация; если соискатель не работает — «пенсионер», «студент» и т. п."),
    )
    position = forms.CharField(
        label=_("Должность"), max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    sphere = LocalisedModelChoiceField(
        label=_("Сфера"),
        queryset=sphere_list(active_only=True),
        empty_label=_("— выберите сферу —"),
        help_text=_("В какой сфере соискатель добился того, о чём вы расскажете."),
        error_messages={"invalid_choice": _("Выберите сферу из списка.")},
    )
    story = forms.CharField(
        label=_("Рассказ о достижениях"),
        widget=forms.Textarea(attrs={"rows": 10, "maxlength": STORY_MAX_LENGTH}),
        help_text=format_lazy(
            _("Что сделал соискатель для города и людей. Не больше {max} символов. Публикуется на сайте."),
            max=STORY_MAX_LENGTH,
        ),
    )
    photo = forms.FileField(
        label=_("Фотография соискателя"),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("JPEG, PNG или WebP, не больше 5 МБ, не меньше 200 × 200 пикселей. Лучше портрет. "
                    "Сведения о съёмке (EXIF) удаляются, фотография публикуется на сайте."),
    )
    phone = forms.CharField(
        label=_("Телефон для связи"), max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("Например: +7 900 123-45-67. Не публикуется: нужен, чтобы оргкомитет мог уточнить заявку."),
    )
    email = forms.EmailField(
        label=_("Электронная почта для связи"), max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("Не публикуется. Сюда придёт письмо со ссылкой, по которой можно следить за заявкой."),
        error_messages={"invalid": _("Введите адрес электронной почты, например anna@example.ru.")},
    )

    # The nomination by others (labour collective, public organisation, initiative group).
    nominator_name = forms.CharField(
        label=_("Кто выдвигает: название"), max_length=300, required=False,
        help_text=_("Название организации (трудового коллектива) или общественной организации; для инициативной "
                    "группы — «Инициативная группа жителей» и ФИО её руководителя."),
    )
    petition = forms.FileField(
        label=_("Ходатайство (PDF)"), required=False,
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
        help_text=_("Протокол собрания коллектива, письмо организации или подписной лист группы — один PDF-файл "
                    "не больше 5 МБ. Не публикуется."),
    )
    candidate_consent = forms.BooleanField(
        label=_("Соискатель знает о выдвижении и согласен участвовать в премии"), required=False,
    )

    consent = forms.BooleanField(
        label=_("Я прочитал(а) текст согласия и даю согласие на обработку персональных данных"),
        error_messages={"required": _("Без согласия на обработку персональных данных заявку принять нельзя. "
                                      "Прочитайте текст согласия и отметьте галочку.")},
    )
    consent_version = forms.CharField(widget=forms.HiddenInput, required=False)

    SECTIONS = (
        (None, ("nomination_kind",)),
        (_("Соискатель"), ("full_name", "birth_date", "city", "workplace", "position")),
        (_("Достижения"), ("sphere", "story", "photo")),
        (_("Контакты для связи"), ("phone", "email")),
        (_("Выдвижение коллективом, организацией или группой"), ("nominator_name", "petition",
                                                                   "candidate_consent")),
    )

    def __init__(
        self,
        *args: Any,
        season: Season,
        consent_document: ConsentDocument,
        application: Application | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.season = season
        self.consent_document = consent_document
        self.application = application
        self.fields["city"].queryset = season.cities.order_by("name_ru")
        if application is not None:
            # Fixing a returned application: the stored files stay unless new ones are chosen.
            self.fields["photo"].required = False
            self.fields["photo"].help_text = _("Оставьте пустым, чтобы сохранить прежнюю фотографию.")
            # Its sphere stays selectable even if organisers have since closed it (the service still refuses an
            # inactive sphere, with a message on the field, so the person picks an open one).
            self.fields["sphere"].queryset = Sphere.objects.filter(  # type: ignore[attr-defined]
                Q(is_active=True) | Q(pk=application.sphere_id)
            ).order_by("order", "name_ru")
        if not self.is_bound:
            self.initial.setdefault("consent_version", consent_document.version)

    # --- sections for the template ---

    def sections(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    # --- fields ---

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())

    def clean_story(self) -> str:
        story = story_clean(self.cleaned_data["story"])
        if len(story) > STORY_MAX_LENGTH:
            raise forms.ValidationError(
                _("Не больше %(max)s символов, сейчас %(count)s. Сократите рассказ."),
                params={"max": STORY_MAX_LENGTH, "count": len(story)},
            )
        return story

    def clean_phone(self) -> str:
        try:
            return phone_normalise(self.cleaned_data["phone"])
        except ApplicationError as exc:
            raise forms.ValidationError(_("Укажите номер телефона полностью, например +7 900 123-45-67.")) from exc

    def clean_photo(self) -> Any:
        """Only the cheap checks here (size, format, dimensions from the header): the photo is decoded in
        `clean`, once every other field is valid, so a post that fails anyway never costs a decode."""
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        try:
            photo_check_header(upload)
        except UploadRejected as exc:
            raise forms.ValidationError(exc.message(_language())) from exc
        return upload

    def clean_petition(self) -> Any:
        """The signature only here; the PDF is parsed in `clean`, once every other field is valid."""
        upload = self.cleaned_data.get("petition")
        if not upload:
            return None
        try:
            petition_check_header(upload)
        except UploadRejected as exc:
            raise forms.ValidationError(exc.message(_language())) from exc
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("nomination_kind")
        if kind in NOMINATION_BY_OTHERS:
            if not (cleaned.get("nominator_name") or "").strip():
                self.add_error("nominator_name", _("Укажите, кто выдвигает соискателя: название коллектива, "
                                                   "организации или инициативной группы."))
            has_stored_petition = self.application is not None and bool(self.application.petition)
            if not cleaned.get("petition") and "petition" not in self.errors and not has_stored_petition:
                self.add_error("petition", _("Приложите ходатайство в формате PDF: без него выдвижение "
                                             "коллективом, организацией или группой не принимается."))
            if not cleaned.get("candidate_consent"):
                self.add_error("candidate_consent", _("Нужно согласие самого соискателя на выдвижение. "
                                                      "Отметьте галочку, если соискатель согласен."))
        if cleaned.get("consent") and cleaned.get("consent_version") != self.consent_document.version:
            self.add_error("consent", _("Текст согласия на обработку персональных данных обновился. Прочитайте "
                                        "новую редакцию и подтвердите согласие ещё раз."))
            # Show the new text's version next time, so the person can confirm it.
            data = self.data.copy()
            data["consent_version"] = self.consent_document.version
            data.pop("consent", None)
            self.data = data
        # The expensive part last, and only for a post that is valid otherwise (docs/applications.md).
        for field, prepare in (("photo", photo_prepare), ("petition", petition_prepare)):
            if not self.errors and cleaned.get(field) is not None:
                try:
                    cleaned[field] = prepare(cleaned[field])
                except UploadRejected as exc:
                    self.add_error(field, exc.message(_language()))
        return cleaned

    @property
    def files_chosen_again(self) -> bool:
        """Browsers never re-fill file inputs: after a refusal the person must choose the files again."""
        return bool(self.is_bound and self.errors and self.files)


def _language() -> str:
    return get_language() or "ru"
