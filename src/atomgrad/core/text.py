"""The one check of free text that people type (names, stories, reasons, comments), used by the services (so the
web, the API, the bot and the admin refuse alike) and by the forms (so the message sits at the field).

Control characters have no business in such text: they are invisible, they break the HTML and the exports that
echo the text (the Nu HTML checker refuses U+0001 … U+001F in a page), NUL makes PostgreSQL refuse the statement,
and a lone surrogate (U+D800 … U+DFFF, which a JSON body can escape) is not text at all. Multi-line fields keep
the tab and line breaks."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from atomgrad.core.errors import ApplicationError

_CONTROL_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def control_character_find(text: str, *, multiline: bool = False) -> str | None:
    """The first forbidden character of `text`, or None. Line breaks and tabs are allowed when `multiline`."""
    match = (_CONTROL_MULTILINE if multiline else _CONTROL_SINGLE_LINE).search(text or "")
    return match.group() if match else None


def control_characters_remove(text: str) -> str:
    """`text` without the characters `control_character_find` refuses in multi-line text: for echoing refused
    input back into a page (which must stay valid HTML), never for accepting it."""
    return _CONTROL_MULTILINE.sub("", text)


def text_check(text: str, *, field: str, label_ru: str, label_en: str, multiline: bool = False) -> str:
    """Return `text` unchanged, or refuse it (ApplicationError 422 `control_characters`, `details.field`)."""
    found = control_character_find(text, multiline=multiline)
    if found is not None:
        raise ApplicationError(
            "control_characters",
            f"Поле «{label_ru}» содержит управляющие (невидимые) символы, например U+{ord(found):04X}. Наберите "
            "текст заново или вставьте его как простой текст.",
            f"'{label_en}' holds invisible control characters, for example U+{ord(found):04X}. Type the text again "
            "or paste it as plain text.",
            status=422,
            details={"field": field, "character": f"U+{ord(found):04X}"},
        )
    return text


REASON_MAX_LENGTH = 2000  # a reason that goes into the audit log or a protocol


def reason_clean(*, reason: str, what_ru: str, what_en: str, max_length: int = REASON_MAX_LENGTH) -> str:
    """The free-text reason of an audited action (`what_ru`/`what_en`: «…причину {what}»), stripped; refuse an
    empty one, an overlong one or one with control characters (ApplicationError, 422)."""
    reason = (reason or "").strip()
    text_check(reason, field="reason", label_ru="Причина", label_en="Reason", multiline=True)
    if not reason:
        raise ApplicationError(
            "reason_required", f"Укажите причину {what_ru}.", f"Give the reason for {what_en}.", status=422
        )
    if len(reason) > max_length:
        raise ApplicationError(
            "reason_too_long",
            f"Причина слишком длинная: не больше {max_length} символов.",
            f"The reason is too long: at most {max_length} characters.",
            status=422,
        )
    return reason


@deconstructible
class ControlCharactersValidator:
    """The same check for a form field (Django's CharField refuses only NUL)."""

    code = "control_characters"

    def __init__(self, *, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, value: str) -> None:
        found = control_character_find(str(value), multiline=self.multiline)
        if found is not None:
            raise ValidationError(
                _("Текст содержит управляющие (невидимые) символы, например %(character)s. Наберите его заново или "
                  "вставьте как простой текст."),
                code=self.code, params={"character": f"U+{ord(found):04X}"},
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ControlCharactersValidator) and other.multiline == self.multiline


def form_free_text_guard(form: object) -> None:
    """Give every text field of a form the check (a Textarea's as multi-line). Call from the form's __init__."""
    from django import forms

    for field in form.fields.values():  # type: ignore[attr-defined]
        if isinstance(field, forms.CharField):
            multiline = isinstance(field.widget, forms.Textarea)
            field.validators.append(ControlCharactersValidator(multiline=multiline))
            field.widget.format_value = _echo_without_control_characters(field.widget.format_value)


def _echo_without_control_characters(format_value: Any) -> Any:
    """A refused value is shown again in its field (to be corrected), without the characters that were refused:
    they would make the page invalid HTML."""

    def format_value_clean(value: Any) -> Any:
        formatted = format_value(value)
        return control_characters_remove(formatted) if isinstance(formatted, str) else formatted

    return format_value_clean


class FreeTextFormMixin:
    """Put first among a form's bases: every text field gets the control-character check."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_free_text_guard(self)
