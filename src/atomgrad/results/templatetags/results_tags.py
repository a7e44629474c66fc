from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):  # type: ignore[no-untyped-def]
    """`{{ names|get_item:candidate_id }}`: a dict's value in a template."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""
