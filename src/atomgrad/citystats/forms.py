from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from atomgrad.citystats.models import YEAR_MAX, YEAR_MIN, IndexKind


class IndexUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Индекс"), choices=IndexKind.choices, widget=forms.RadioSelect)
    year = forms.IntegerField(label=_("Год"), min_value=YEAR_MIN, max_value=YEAR_MAX)
    file = forms.FileField(label=_("Файл XLSX или CSV"),
                           help_text=_("Первая строка — «город» и номера или коды показателей."))
