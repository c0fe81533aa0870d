"""Template filters shared by every app."""

from django import template

from assistance.idnumbers import mask_id_number

register = template.Library()


@register.filter
def mask_id(value) -> str:
    """An ID number with its birth date and sequence hidden: ``{{ member.id_number|mask_id }}``.
    Lists, reports and notifications show only this form."""
    return mask_id_number(str(value)) if value else ""
