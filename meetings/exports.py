"""Files made from a meeting: the calendar entry (.ics) sent with the published agenda and
offered on the meeting's page, and the approved agenda laid out as an official notice
(.docx) for printing and filing.

Both read the approved agenda only: items not (yet) on it never leave the office this way.
"""

import datetime
import io

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from icalendar import Calendar, Event

from .models import AgendaItem, Meeting

# The notices give no length; calendars need an end. Two hours is the usual joint meeting.
MEETING_LENGTH = datetime.timedelta(hours=2)
ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Fonts of official documents (GB/T 9704): the body in FangSong, headings in SimHei, the
# title and the issuing office in a Song face. Word substitutes what a machine lacks.
BODY_FONT = "FangSong"
HEADING_FONT = "SimHei"
TITLE_FONT = "SimSun"
LATIN_FONT = "Times New Roman"
RED = RGBColor(0xC0, 0x00, 0x00)


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


def meeting_ics(meeting: Meeting) -> bytes:
    """One VEVENT: the meeting's time (two hours), place, and the approved agenda item
    titles in its description. A cancelled meeting's file cancels the entry."""
    meeting = Meeting.objects.select_related("convener").get(pk=meeting.pk)
    items = approved_items(meeting)
    start = timezone.localtime(meeting.starts_at)
    lines = []
    if meeting.convener:
        convener = meeting.convener.get_full_name() or meeting.convener.get_username()
        lines.append(_("Convener: %(name)s") % {"name": convener})
    if items:
        lines.append(_("Agenda:"))
        lines.extend(
            f"{number}. {item.title} ({item.unit.name})"
            for number, item in enumerate(items, start=1)
        )
    else:
        lines.append(_("The agenda is not approved yet."))

    calendar = Calendar()
    calendar.add("prodid", "-//Basic Living Security Coordination Office//Meetings//ZH")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if meeting.status == Meeting.Status.CANCELLED else "PUBLISH")
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
    event.add("sequence", meeting.history.count())
    event.add("status", "CANCELLED" if meeting.status == Meeting.Status.CANCELLED else "CONFIRMED")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


# --- The agenda as an official notice ---------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def _chinese_number(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 25 → 二十五 (agendas stay well under a hundred items)."""
    if number < 10:
        return _DIGITS[number]
    tens, ones = divmod(number, 10)
    return (_DIGITS[tens] if tens > 1 else "") + "十" + (_DIGITS[ones] if ones else "")


def item_label(number: int) -> str:
    """ "一、" in Chinese documents, "1." otherwise."""
    if translation.get_language().startswith("zh"):
        return f"{_chinese_number(number)}、"
    return f"{number}."


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


def _fonts(run, east_asian: str, size: float | None = None, *, bold=False, color=None):
    run.font.name = LATIN_FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)
    if size:
        run.font.size = Pt(size)
    run.bold = bold
    if color is not None:
        run.font.color.rgb = color
    return run


def _paragraph(document, text="", *, font=BODY_FONT, size=None, bold=False, align=None, **kw):
    paragraph = document.add_paragraph()
    if text:
        _fonts(paragraph.add_run(text), font, size, bold=bold, color=kw.get("color"))
    if align is not None:
        paragraph.alignment = align
    if "indent" in kw:
        paragraph.paragraph_format.first_line_indent = kw["indent"]
    if "space_after" in kw:
        paragraph.paragraph_format.space_after = kw["space_after"]
    return paragraph


def _red_rule(paragraph) -> None:
    # The red line under the issuing office (版头分隔线).
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in {
        "w:val": "single",
        "w:sz": "12",
        "w:space": "4",
        "w:color": "C00000",
    }.items():
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _page_number(paragraph) -> None:
    def field_part(tag, attrs, text=None):
        element = OxmlElement(tag)
        for key, value in attrs.items():
            element.set(qn(key), value)
        if text:
            element.text = text
        return element

    _fonts(paragraph.add_run("— "), BODY_FONT, 14)
    run = _fonts(paragraph.add_run(), BODY_FONT, 14)
    run._r.append(field_part("w:fldChar", {"w:fldCharType": "begin"}))
    run._r.append(field_part("w:instrText", {"xml:space": "preserve"}, " PAGE "))
    run._r.append(field_part("w:fldChar", {"w:fldCharType": "end"}))
    _fonts(paragraph.add_run(" —"), BODY_FONT, 14)


def agenda_docx(meeting: Meeting) -> bytes:
    """The approved agenda as an official notice on A4: the issuing office and document
    number, the title, the recipients (主送), time, place and convener, the numbered items
    with their unit and the decision requested, the office and date, page numbers."""
    meeting = Meeting.objects.select_related("group", "convener").get(pk=meeting.pk)
    items = approved_items(meeting)
    units = list(meeting.invited_units.order_by("order", "pk"))

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    center, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT

    _paragraph(
        document,
        office_name(meeting),
        font=TITLE_FONT,
        size=22,
        bold=True,
        align=center,
        color=RED,
    )
    number_line = _paragraph(document, document_number(meeting), size=16, align=center)
    _red_rule(number_line)
    _paragraph(document)
    _paragraph(document, meeting.title, font=TITLE_FONT, size=22, bold=True, align=center)
    _paragraph(
        document,
        _("Agenda"),
        font=TITLE_FONT,
        size=22,
        bold=True,
        align=center,
        space_after=Pt(12),
    )
    _paragraph(document, _("To: %(units)s") % {"units": "、".join(u.name for u in units)})

    start = timezone.localtime(meeting.starts_at)
    facts = [
        _("Time: %(when)s") % {"when": f"{date_format(start, 'DATE_FORMAT')} {start:%H:%M}"},
        _("Place: %(place)s") % {"place": meeting.place or "—"},
    ]
    if meeting.convener:
        convener = meeting.convener.get_full_name() or meeting.convener.get_username()
        facts.append(_("Convener: %(name)s") % {"name": convener})
    for fact in facts:
        _paragraph(document, fact, indent=Pt(32))

    _paragraph(document, _("Agenda items"), font=HEADING_FONT, size=16, indent=Pt(32))
    for number, item in enumerate(items, start=1):
        _paragraph(document, f"{item_label(number)}{item.title}", bold=True, indent=Pt(32))
        _paragraph(document, _("Submitted by: %(unit)s") % {"unit": item.unit.name}, indent=Pt(32))
        _paragraph(
            document,
            _("Decision requested: %(text)s") % {"text": item.decision_requested},
            indent=Pt(32),
        )
    if not items:
        _paragraph(document, _("The agenda is not approved yet."), indent=Pt(32))

    _paragraph(document)
    _paragraph(document, office_name(meeting), align=right)
    approved = meeting.agenda_approved_at or timezone.now()
    _paragraph(document, date_format(timezone.localtime(approved), "DATE_FORMAT"), align=right)

    footer = section.footer.paragraphs[0]
    footer.alignment = center
    _page_number(footer)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
