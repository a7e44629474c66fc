from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):  # type: ignore[no-untyped-def]
    """`{{ names|get_item:candidate_id }}`: a dict's value in a template."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def reason_words(code):  # type: ignore[no-untyped-def]
    """`{{ annulment.reason_code|reason_words }}`: the words for an annulment's reason code."""
    from atomgrad.results.services.tally import reason_label

    return reason_label(code or "")
