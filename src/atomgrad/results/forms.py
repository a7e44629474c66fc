"""Forms of the results workspace: the review filters, annulment and reversal, decisions, the protocol."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from atomgrad.core.text import REASON_MAX_LENGTH, FreeTextFormMixin
from atomgrad.core.timefmt import MOSCOW
from atomgrad.results.models import TieRule
from atomgrad.results.selectors import STATUS_ALL, STATUS_ANNULLED, STATUS_VALID, VoteSelection
from atomgrad.voting.models import Channel
from atomgrad.voting.services.annulment import ANNULMENT_REASONS, REVERSAL_REASONS

DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]


class MoscowDateTimeField(forms.DateTimeField):
    """A `datetime-local` input read as Moscow time (the site's time), whatever the server's zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("input_formats", DATETIME_INPUT_FORMATS)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def to_python(self, value: object) -> dt.datetime | None:
        result = super().to_python(value)
        if result is None:
            return None
        return result.replace(tzinfo=None).replace(tzinfo=MOSCOW) if result.tzinfo is None else result

    def prepare_value(self, value: object) -> object:
        if isinstance(value, dt.datetime):
            return value.astimezone(MOSCOW).strftime("%Y-%m-%dT%H:%M")
        return value


class SelectionForm(FreeTextFormMixin, forms.Form):
    """The review filters (GET). Every filled field narrows the selection."""

    candidate = forms.TypedChoiceField(label=_("Соискатель"), required=False, coerce=int, empty_value=None)
    cast_from = MoscowDateTimeField(label=_("Голос подан с (МСК)"))
    cast_to = MoscowDateTimeField(label=_("до (МСК)"))
    registered_from = MoscowDateTimeField(label=_("Житель зарегистрирован с (МСК)"))
    registered_to = MoscowDateTimeField(label=_("до (МСК)"))
    channel = forms.ChoiceField(label=_("Канал голоса"), required=False,
                                choices=[("", _("любой"))] + list(Channel.choices))
    registered_via = forms.ChoiceField(label=_("Канал регистрации"), required=False,
                                       choices=[("", _("любой"))] + list(Channel.choices))
    finding = forms.TypedChoiceField(label=_("Сигнал проверки"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Голоса"), required=False, initial=STATUS_VALID, choices=[
        (STATUS_VALID, _("действительные")), (STATUS_ANNULLED, _("аннулированные")), (STATUS_ALL, _("все")),
    ])

    def __init__(self, *args: object, candidates: list[tuple[int, str]],
                 findings: list[tuple[int, str]] | None = None, **kwargs: object) -> None:
        """`findings`: the city's findings the person may see (None or empty: no «Сигнал» filter at all)."""
        kwargs.setdefault("auto_id", "filter-%s")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["candidate"].choices = [("", _("все соискатели"))] + candidates  # type: ignore[attr-defined]
        if findings:
            self.fields["finding"].choices = [("", _("любой"))] + findings  # type: ignore[attr-defined]
        else:
            del self.fields["finding"]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        for start, end in (("cast_from", "cast_to"), ("registered_from", "registered_to")):
            if data.get(start) and data.get(end) and data[start] >= data[end]:
                self.add_error(end, _("Конец промежутка должен быть позже начала."))
        return data

    def selection(self) -> VoteSelection:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return VoteSelection(
            candidate_id=data.get("candidate"),
            cast_from=data.get("cast_from"), cast_to=data.get("cast_to"),
            registered_from=data.get("registered_from"), registered_to=data.get("registered_to"),
            channel=data.get("channel") or None, registered_via=data.get("registered_via") or None,
            finding_id=data.get("finding"), status=data.get("status") or STATUS_VALID,
        )


class ScopeMixin(FreeTextFormMixin, forms.Form):
    SCOPE_CHECKED = "checked"
    SCOPE_SELECTION = "selection"
    scope = forms.ChoiceField(
        label=_("Что"), widget=forms.RadioSelect, initial="checked",
        choices=[("checked", _("отмеченные в списке")), ("selection", _("всю выборку по фильтрам"))],
        error_messages={"required": _("Выберите: отмеченные голоса или всю выборку.")},
    )
    expected_count = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class AnnulForm(ScopeMixin):
    reason_code = forms.ChoiceField(
        label=_("Причина"), choices=[("", _("— выберите причину —"))] + [(k, v) for k, v in ANNULMENT_REASONS.items()],
        error_messages={"required": _("Выберите причину из списка.")},
    )
    reason = forms.CharField(
        label=_("Обоснование"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Что установлено при проверке. Текст попадает в открытый реестр голосов и в журнал."),
        error_messages={"required": _("Напишите обоснование аннулирования.")},
    )
    vote_ids = forms.TypedMultipleChoiceField(required=False, coerce=int)

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("auto_id", "annul-%s")  # the review page holds several forms: ids must not repeat
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class ReverseForm(ScopeMixin):
    reason_code = forms.ChoiceField(
        label=_("Причина отмены"),
        choices=[("", _("— выберите причину —"))] + [(k, v) for k, v in REVERSAL_REASONS.items()],
        error_messages={"required": _("Выберите причину из списка.")},
    )
    reason = forms.CharField(
        label=_("Обоснование"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Напишите обоснование отмены аннулирования.")},
    )
    annulment_ids = forms.TypedMultipleChoiceField(required=False, coerce=int)

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("auto_id", "reverse-%s")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class DisqualifyForm(FreeTextFormMixin, forms.Form):
    candidate = forms.TypedChoiceField(label=_("Соискатель"), coerce=int,
                                       error_messages={"required": _("Выберите соискателя.")})
    reason = forms.CharField(label=_("Основание"), max_length=REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("Укажите основание снятия.")})

    def __init__(self, *args: object, candidates: list[tuple[int, str]], **kwargs: object) -> None:
        kwargs.setdefault("auto_id", "disqualify-%s")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["candidate"].choices = [("", _("— выберите —"))] + candidates  # type: ignore[attr-defined]


class ReasonForm(FreeTextFormMixin, forms.Form):
    reason = forms.CharField(label=_("Основание"), max_length=REASON_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("Укажите основание.")})


class TieForm(FreeTextFormMixin, forms.Form):
    rule = forms.ChoiceField(label=_("Правило"), choices=[("", _("— выберите правило —"))] + list(TieRule.choices),
                             error_messages={"required": _("Выберите правило.")})
    explanation = forms.CharField(label=_("Пояснение: как применено правило"), max_length=REASON_MAX_LENGTH,
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  error_messages={"required": _("Поясните, как применено правило.")})

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("auto_id", "tie-%s")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class SignForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Протокол распечатан и подписан членами оргкомитета"),
        error_messages={"required": _("Подтвердите, что протокол подписан.")},
    )
    scan = forms.FileField(label=_("Скан подписанного протокола (PDF, JPEG или PNG, по желанию)"), required=False)


class ScanForm(forms.Form):
    scan = forms.FileField(label=_("Скан подписанного протокола (PDF, JPEG или PNG)"),
                           error_messages={"required": _("Выберите файл скана.")})
