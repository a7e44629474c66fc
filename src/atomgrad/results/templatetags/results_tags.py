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


@register.filter
def without_votes_split(lines):  # type: ignore[no-untyped-def]
    """A count's lines as (placed and disqualified lines, lines of candidates without a valid vote): the
    latter are listed together after the ranking, not as many candidates sharing the last place."""
    def get(line, key):  # type: ignore[no-untyped-def]
        return line.get(key) if isinstance(line, dict) else getattr(line, key, None)

    placed = [line for line in lines if get(line, "disqualified") or get(line, "valid")]
    without = [line for line in lines if not get(line, "disqualified") and not get(line, "valid")]
    return placed, without
