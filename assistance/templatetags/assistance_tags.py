"""Template filters shared by every app."""

from django import template

from assistance.idnumbers import mask_id_number

register = template.Library()


@register.filter
def mask_id(value) -> str:
    """An ID number with its birth date and sequence hidden: ``{{ member.id_number|mask_id }}``.
    Lists, reports and notifications show only this form."""
    return mask_id_number(str(value)) if value else ""


@register.filter
def mask_name(value) -> str:
    """A person's name with all but its first character hidden (``张**``), for pages that
    show whose case it is to someone whose work does not need the name."""
    value = str(value or "")
    return value[:1] + "*" * (len(value) - 1)
