"""Template filters shared by every app."""

from django import template
from django.urls import reverse

from assistance import people
from assistance.idnumbers import mask_id_number
from assistance.localtime import stamp as localtime_stamp
from assistance.localtime import zone_name

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
    return people.mask_name(value)


@register.filter
def person(user) -> str:
    """Who did something, as pages name them: ``{{ check.answered_by|person }}`` (a
    department's system as "API: <its name>"); see ``assistance.people``."""
    return people.person_label(user)


@register.simple_tag
def time_zone_name() -> str:
    """The office's time zone as readers name it (北京时间 / Beijing time): see
    ``assistance.localtime``."""
    return zone_name()


@register.filter
def stamp(value, seconds="") -> str:
    """``{{ moment|stamp }}``: ``2026-12-07 09:30 北京时间``; ``{{ moment|stamp:"s" }}`` with
    seconds."""
    return localtime_stamp(value, seconds=bool(seconds))


@register.inclusion_tag("assistance/partials/xlsx_link.html", takes_context=True)
def xlsx_link(context, url_name, *args):
    """The "XLSX" link of a list: its export URL with the list's query string (the filters
    applied), less the page number, since the export holds every matching row."""
    query = context["request"].GET.copy()
    query.pop("page", None)
    url = reverse(url_name, args=args)
    return {"url": f"{url}?{query.urlencode()}" if query else url}
