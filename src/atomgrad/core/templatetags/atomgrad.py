from django import template

from atomgrad.core import names, timefmt

register = template.Library()


@register.filter
def ru_date(value):  # type: ignore[no-untyped-def]
    return timefmt.format_date(value) if value else ""


@register.filter
def ru_datetime(value):  # type: ignore[no-untyped-def]
    return timefmt.format_datetime(value) if value else ""


@register.filter
def ru_datetime_seconds(value):  # type: ignore[no-untyped-def]
    return timefmt.format_datetime(value, seconds=True) if value else ""


@register.filter
def plural(value, forms):  # type: ignore[no-untyped-def]
    """`{{ n }} {{ n|plural:_("год,года,лет") }}`: the word form for the number (see timefmt.plural)."""
    return timefmt.plural(value, str(forms))


@register.simple_tag(takes_context=True)
def url_replace(context, **kwargs):  # type: ignore[no-untyped-def]
    """The current query string with some parameters replaced (for pagination links keeping filters)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()


@register.filter
def name_case(value, case):  # type: ignore[no-untyped-def]
    """`{{ candidate.full_name|name_case:"accusative" }}`: a person's name declined for Russian text (pytrovich);
    unchanged in English."""
    return names.name_case(str(value), str(case))


@register.filter
def by_gender(full_name, forms):  # type: ignore[no-untyped-def]
    """`{{ name|by_gender:_("снят,снята,снят(а)") }}`: the word form for the person's gender (masculine,
    feminine, either when the name does not tell)."""
    variants = [form.strip() for form in str(forms).split(",")]
    if len(variants) != 3:
        return variants[0]
    gender = names.name_gender(str(full_name))
    return variants[1] if gender == "female" else variants[0] if gender == "male" else variants[2]
