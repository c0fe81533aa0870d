"""Files made from a meeting: the calendar entry (.ics) sent with the published agenda and
offered on the meeting's page, and the approved agenda laid out as an official notice
(.docx) for printing and filing.

Both read the approved agenda only: items not (yet) on it never leave the office this way.
"""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from assistance import wordexport
from assistance.wordexport import item_label

from .models import AgendaItem, Meeting

# The notices give no length; calendars need an end. Two hours is the usual joint meeting.
MEETING_LENGTH = datetime.timedelta(hours=2)
ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"
# The views send it with the file.
DOCX_CONTENT_TYPE = wordexport.DOCX_CONTENT_TYPE

# Fonts of official documents (GB/T 9704) by their Windows names: the body in FangSong,
# headings in SimHei, the title and the issuing office in a Song face. Word substitutes what
# a machine lacks.
AGENDA_FONTS = wordexport.Fonts(title="SimSun", body="FangSong", heading="SimHei", kai="KaiTi")


def approved_items(meeting: Meeting) -> list[AgendaItem]:
    return list(
        meeting.agenda_items.filter(status=AgendaItem.Status.APPROVED)
        .select_related("unit")
        .order_by("order", "pk")
    )


def _uid_domain() -> str:
    # A stable domain for UIDs, so a re-sent file updates the same calendar entry.
    address = settings.DEFAULT_FROM_EMAIL
    return address.rsplit("@", 1)[-1].strip("> ") if "@" in address else "localhost"


# --- Calendar file ----------------------------------------------------------------------------


def _event(meeting: Meeting, items: list[AgendaItem], sequence: int) -> Event:
    """The meeting as a VEVENT: its time (two hours), place, convener and approved agenda
    item titles; a cancelled meeting's entry is cancelled."""
    start = timezone.localtime(meeting.starts_at)
    lines = []
    if meeting.convener:
        convener = meeting.convener.get_full_name() or meeting.convener.get_username()
        lines.append(_("Convener: %(name)s") % {"name": convener})
    if items:
        lines.append(_("Agenda:"))
        lines.extend(
            _("%(number)s. %(title)s (%(unit)s)")
            % {"number": number, "title": item.title, "unit": item.unit.name}
            for number, item in enumerate(items, start=1)
        )
    else:
        lines.append(_("The agenda is not approved yet."))
    event = Event()
    event.add("uid", f"meeting-{meeting.pk}@{_uid_domain()}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", start)
    event.add("dtend", start + MEETING_LENGTH)
    event.add("summary", meeting.title)
    if meeting.place:
        event.add("location", meeting.place)
    event.add("description", "\n".join(lines))
    # Calendars replace an entry only by a higher sequence: every saved change counts.
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if meeting.status == Meeting.Status.CANCELLED else "CONFIRMED")
    return event


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Basic Living Security Coordination Office//Meetings//ZH")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    return calendar


def meeting_ics(meeting: Meeting) -> bytes:
    """One VEVENT: the meeting's time (two hours), place, and the approved agenda item
    titles in its description. A cancelled meeting's file cancels the entry."""
    meeting = Meeting.objects.select_related("convener").get(pk=meeting.pk)
    cancelled = meeting.status == Meeting.Status.CANCELLED
    calendar = _calendar("CANCEL" if cancelled else "PUBLISH")
    calendar.add_component(_event(meeting, approved_items(meeting), meeting.history.count()))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def meetings_ics(meetings: list[Meeting]) -> bytes:
    """Several meetings in one file (the calendar page's year), each entry as
    ``meeting_ics`` makes it, so importing either updates the same entries. Each meeting
    comes with ``calendar_items`` (its approved agenda) and ``sequence`` (its number of
    saved versions): see ``selectors.calendar_meetings``."""
    calendar = _calendar("PUBLISH")
    for meeting in meetings:
        calendar.add_component(_event(meeting, meeting.calendar_items, meeting.sequence))
    calendar.add_missing_timezones()
    return calendar.to_ical()


# --- The agenda as an official notice ---------------------------------------------------------


def office_name(meeting: Meeting) -> str:
    """The issuing office: the group's office (e.g. 张北县困难群众基本生活保障联席会议办公室)."""
    return _("%(group)s Office") % {"group": meeting.group.name}


def document_number(meeting: Meeting) -> str:
    """The office, the year and this agenda's place among the group's agendas approved that
    year: stable once approved, whatever is rescheduled later."""
    if meeting.agenda_approved_at is None:
        return office_name(meeting)
    approved = timezone.localtime(meeting.agenda_approved_at)
    number = Meeting.objects.filter(
        group=meeting.group,
        agenda_approved_at__year=approved.year,
        agenda_approved_at__lte=meeting.agenda_approved_at,
    ).count()
    return _("%(office)s [%(year)s] No. %(number)s") % {
        "office": office_name(meeting),
        "year": approved.year,
        "number": number,
    }


def agenda_docx(meeting: Meeting) -> bytes:
    """The approved agenda as an official notice on A4: the issuing office and document
    number, the title, the recipients (主送), time, place and convener, the numbered items
    with their unit and the decision requested, the office and date, page numbers."""
    meeting = Meeting.objects.select_related("group", "convener").get(pk=meeting.pk)
    units = list(meeting.invited_units.order_by("order", "pk"))
    doc = wordexport.OfficialDocument(fonts=AGENDA_FONTS)
    doc.title(office_name(meeting), bold=True, red=True)
    doc.document_number(document_number(meeting), red_rule=True)
    doc.blank()
    doc.title(meeting.title, bold=True)
    doc.title(_("Agenda"), bold=True, space_after=12)
    doc.paragraph(_("To: %(units)s") % {"units": "、".join(u.name for u in units)})
    for fact in _meeting_facts(meeting):
        doc.body(fact)
    _agenda_items(doc, approved_items(meeting))
    doc.blank()
    approved = meeting.agenda_approved_at or timezone.now()
    doc.signature(office_name(meeting), date_format(timezone.localtime(approved), "DATE_FORMAT"))
    doc.page_numbers()
    return doc.to_bytes()


def _meeting_facts(meeting: Meeting) -> list[str]:
    start = timezone.localtime(meeting.starts_at)
    facts = [
        _("Time: %(when)s") % {"when": f"{date_format(start, 'DATE_FORMAT')} {start:%H:%M}"},
        _("Place: %(place)s") % {"place": meeting.place or "—"},
    ]
    if meeting.convener:
        convener = meeting.convener.get_full_name() or meeting.convener.get_username()
        facts.append(_("Convener: %(name)s") % {"name": convener})
    return facts


def _agenda_items(doc: wordexport.OfficialDocument, items: list[AgendaItem]) -> None:
    doc.heading(_("Agenda items"))
    for number, item in enumerate(items, start=1):
        # "1.title" in English: the notice has always printed the label without a space.
        doc.body(f"{item_label(number, latin_space=False)}{item.title}", bold=True)
        doc.body(_("Submitted by: %(unit)s") % {"unit": item.unit.name})
        doc.body(_("Decision requested: %(text)s") % {"text": item.decision_requested})
    if not items:
        doc.body(_("The agenda is not approved yet."))
