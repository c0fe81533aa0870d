"""The minutes as an official notice (会议纪要) in Word, laid out after GB/T 9704 (the
layout of official documents): a red header with the group's name, the document number,
the issuing office and date over a red rule, the meeting, the text, the decisions numbered
with their lead and cooperating units and deadlines, who attended, and the distribution
block (主送 the member units, 抄报 the government) at the foot. A4, Chinese fonts set for
East Asian text, page numbers.

The minutes page lays out the same pieces (``issuing_office``, ``government_name``,
``document_date``), so the printed page and the Word document never disagree.
"""

import dataclasses
import datetime
import re

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from assistance import wordexport
from assistance.wordexport import item_label
from members.models import LeadingGroup

from .models import Attendance, Decision, Minutes

# The views send it with the file.
DOCX_CONTENT_TYPE = wordexport.DOCX_CONTENT_TYPE

# GB/T 9704 on A4, the body set on a 28 pt grid; the footer 20 mm from the page's edge.
PAGE = dataclasses.replace(wordexport.OFFICIAL_PAGE, footer_distance=20)
LINE_SPACING = 28

_PROVINCE = re.compile(r"^.+?(?:省|自治区)")
# A prefecture-level city before the county or district (北京市门头沟区 → 门头沟区).
_CITY = re.compile(r"^.+?市(?=.+[区县旗州]$)")


def issuing_office(group: LeadingGroup) -> str:
    """The office of the group, which drafts and issues the minutes (e.g. 张北县困难群众
    基本生活保障联席会议办公室)."""
    return _("Office of %(group)s") % {"group": group.name}


def government_name(group: LeadingGroup) -> str:
    """The government the minutes are reported to (抄报): that of the group's county or
    district, from its region (河北省张北县 → 张北县人民政府)."""
    region = _CITY.sub("", _PROVINCE.sub("", group.region.strip())) or group.region
    return _("%(region)s People's Government") % {"region": region}


def document_date(minutes: Minutes) -> datetime.date | None:
    """The date the document bears: issued, else signed, else none yet."""
    moment = minutes.issued_at or minutes.signed_at
    return timezone.localdate(moment) if moment else None


def format_date(day: datetime.date | None) -> str:
    return formats.date_format(day, "DATE_FORMAT") if day else "—"


def meeting_when(meeting) -> str:
    """When a meeting began, as the document prints it (2026年3月16日 09:30)."""
    when = timezone.localtime(meeting.starts_at)
    return f"{format_date(when.date())} {when:%H:%M}"


def decision_deadline(decision: Decision) -> str:
    if decision.deadline is None:
        return _("%(days)d working days after issue") % {"days": decision.working_days}
    text = format_date(decision.deadline)
    if decision.deadline_provisional:
        text = _("%(date)s (provisional)") % {"date": text}
    return text


def decision_units_line(decision: Decision) -> str:
    """The lead unit, the cooperating units and the deadline of a decision, as one line."""
    cooperating = [u.name for u in decision.cooperating_units.all()]
    values = {
        "lead": decision.lead_unit.name,
        "cooperating": "、".join(cooperating),
        "deadline": decision_deadline(decision),
    }
    if cooperating:
        return (
            _("Lead unit: %(lead)s. Cooperating units: %(cooperating)s. Deadline: %(deadline)s.")
            % values
        )
    return _("Lead unit: %(lead)s. Deadline: %(deadline)s.") % values


def attendance_line(attendance: Attendance) -> str:
    who = " ".join(p for p in (attendance.attendee_name, attendance.attendee_title) if p)
    if attendance.presence == Attendance.Presence.DELEGATED:
        return _("%(unit)s (%(who)s, delegated)") % {"unit": attendance.unit.name, "who": who}
    if who:
        return _("%(unit)s (%(who)s)") % {"unit": attendance.unit.name, "who": who}
    return attendance.unit.name


# --- The document --------------------------------------------------------------------------


def minutes_docx(minutes: Minutes, *, decisions: list[Decision], attendance: list[Attendance]):
    """The minutes as a Word document (bytes). Minutes not yet signed carry a draft mark."""
    # python-docx (8 MB with lxml) loads only when a document is written: workers import this
    # module and most never write one.
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    meeting = minutes.meeting
    doc = wordexport.OfficialDocument(page=PAGE, line_spacing=LINE_SPACING, tight=True)
    doc.properties(
        title=_("Minutes of %(meeting)s") % {"meeting": meeting.title},
        author=issuing_office(meeting.group),
    )
    doc.page_numbers()
    if not minutes.locked:
        doc.paragraph(
            minutes.draft_mark,
            font=doc.fonts.heading,
            size=12,
            color=wordexport.RED,
            align=WD_ALIGN_PARAGRAPH.RIGHT,
        )
    _header(doc, minutes)
    doc.title(meeting.title, space_after=12, line_spacing=36)
    for fact in _meeting_facts(meeting):
        doc.body(fact)
    for line in minutes.text.splitlines():
        if line.strip():
            doc.body(line.strip())
    if decisions:
        doc.heading(_("Decisions"))
        for number, decision in enumerate(decisions, start=1):
            doc.body(f"{item_label(number)}{decision.text}")
            doc.body(decision_units_line(decision), font=doc.fonts.kai, space_after=4)
    for line in _attendance_lines(attendance):
        doc.body(line)
    if minutes.signed_by and minutes.signed_at:
        doc.signature(_signed_line(minutes), space_after=12)
    _distribution(doc, minutes)
    return doc.to_bytes()


def _header(doc: wordexport.OfficialDocument, minutes: Minutes) -> None:
    """The red header (版头): the group, "Meeting minutes", the number, the masthead."""
    doc.title(minutes.meeting.group.name, red=True, line_spacing=40)
    doc.title(_("Meeting minutes"), size=36, red=True, space_after=6, line_spacing=56)
    if minutes.document_number:
        doc.document_number(minutes.document_number)
    doc.masthead(issuing_office(minutes.meeting.group), format_date(document_date(minutes)))


def _meeting_facts(meeting) -> list[str]:
    facts = [
        _("Time: %(when)s") % {"when": meeting_when(meeting)},
        _("Place: %(place)s") % {"place": meeting.place or "—"},
    ]
    if meeting.convener:
        facts.append(
            _("Presided over by: %(name)s")
            % {"name": meeting.convener.get_full_name() or meeting.convener.get_username()}
        )
    return facts


def _attendance_lines(attendance: list[Attendance]) -> list[str]:
    attended = [a for a in attendance if a.presence != Attendance.Presence.ABSENT]
    absent = [a for a in attendance if a.presence == Attendance.Presence.ABSENT]
    lines = []
    if attended:
        units = "、".join(attendance_line(a) for a in attended)
        lines.append(_("Attended: %(units)s.") % {"units": units})
    if absent:
        lines.append(_("Absent: %(units)s.") % {"units": "、".join(a.unit.name for a in absent)})
    return lines


def _signed_line(minutes: Minutes) -> str:
    return _("Signed by the convener %(name)s on %(date)s.") % {
        "name": minutes.signed_by.get_full_name() or minutes.signed_by.get_username(),
        "date": format_date(timezone.localdate(minutes.signed_at)),
    }


def _distribution(doc: wordexport.OfficialDocument, minutes: Minutes) -> None:
    """The distribution block (版记): recipients, then who issued it and when."""
    group = minutes.meeting.group
    recipients = [_("To: all member units.")]
    if minutes.reported_to_government_at or minutes.issued_at is None:
        recipients.append(
            _("Reported to: %(government)s.") % {"government": government_name(group)}
        )
    issued = document_date(minutes) if minutes.issued_at else None
    doc.distribution(
        recipients,
        issuer=issuing_office(group),
        issued=_("Issued %(date)s") % {"date": format_date(issued)}
        if issued
        else _("Not issued yet"),
    )
