"""The minutes as an official notice (会议纪要) in Word, laid out after GB/T 9704 (the
layout of official documents): a red header with the group's name, the document number,
the issuing office and date over a red rule, the meeting, the text, the decisions numbered
with their lead and cooperating units and deadlines, who attended, and the distribution
block (主送 the member units, 抄报 the government) at the foot. A4, Chinese fonts set for
East Asian text, page numbers.

The minutes page lays out the same pieces (``issuing_office``, ``government_name``,
``document_date``), so the printed page and the Word document never disagree.
"""

import datetime
import io
import re

from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from members.models import LeadingGroup

from .models import Attendance, Decision, Minutes

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# GB/T 9704: titles in 小标宋, body in 仿宋 三号 (16 pt), headings in 黑体; 28 mm left,
# 26 mm right, 37 mm top and 35 mm bottom margins on A4.
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
BODY_SIZE = 16
RED = RGBColor(0xC0, 0x00, 0x00)
TEXT_WIDTH = Mm(210 - 28 - 26)

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


_DIGITS = "零一二三四五六七八九"


def _chinese_number(n: int) -> str:
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def item_label(n: int) -> str:
    """一、二、… in Chinese (as official documents number their items), 1. 2. … otherwise."""
    if (get_language() or "").lower().startswith("zh"):
        return f"{_chinese_number(n)}、"
    return f"{n}. "


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


# --- Word helpers --------------------------------------------------------------------------


def _fonts(run, east_asian: str) -> None:
    run.font.name = LATIN_FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)


def _paragraph(
    document_or_cell,
    text: str = "",
    *,
    font: str = BODY_FONT,
    size: float = BODY_SIZE,
    bold: bool = False,
    color: RGBColor | None = None,
    align=None,
    indent: bool = False,
    space_after: float = 0,
):
    paragraph = document_or_cell.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.space_after = Pt(space_after)
    fmt.space_before = Pt(0)
    if indent:
        # Two characters, as Chinese paragraphs begin.
        fmt.first_line_indent = Pt(size * 2)
    if text:
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        run.bold = bold
        if color is not None:
            run.font.color.rgb = color
        _fonts(run, font)
    return paragraph


def _border(paragraph, side: str, *, color: str, size: int) -> None:
    properties = paragraph._p.get_or_add_pPr()
    borders = properties.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        properties.append(borders)
    line = OxmlElement(f"w:{side}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size))
    line.set(qn("w:space"), "1")
    line.set(qn("w:color"), color)
    borders.append(line)


def _field(paragraph, instruction: str, *, size: float) -> None:
    run = paragraph.add_run()
    run.font.size = Pt(size)
    _fonts(run, BODY_FONT)
    for tag, attrs, text in (
        ("w:fldChar", {"w:fldCharType": "begin"}, None),
        ("w:instrText", {"xml:space": "preserve"}, f" {instruction} "),
        ("w:fldChar", {"w:fldCharType": "end"}, None),
    ):
        element = OxmlElement(tag)
        for key, value in attrs.items():
            element.set(qn(key), value)
        if text:
            element.text = text
        run._r.append(element)


def _setup(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(20)
    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(BODY_SIZE)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Pt(28)
    # Page numbers as official documents print them: “— 1 —”, centred.
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text in ("— ", None, " —"):
        if text is None:
            _field(footer, "PAGE", size=14)
        else:
            run = footer.add_run(text)
            run.font.size = Pt(14)
            _fonts(run, BODY_FONT)


def minutes_docx(minutes: Minutes, *, decisions: list[Decision], attendance: list[Attendance]):
    """The minutes as a Word document (bytes). Minutes not yet signed carry a draft mark."""
    meeting = minutes.meeting
    group = meeting.group
    document = Document()
    _setup(document)
    document.core_properties.title = _("Minutes of %(meeting)s") % {"meeting": meeting.title}
    document.core_properties.author = issuing_office(group)

    if not minutes.locked:
        _paragraph(
            document,
            _("Draft (%(status)s): not an issued document.")
            % {"status": minutes.get_status_display()},
            font=HEADING_FONT,
            size=12,
            color=RED,
            align=WD_ALIGN_PARAGRAPH.RIGHT,
        )

    # The red header (版头).
    header = _paragraph(
        document, group.name, font=TITLE_FONT, size=22, color=RED, align=WD_ALIGN_PARAGRAPH.CENTER
    )
    header.paragraph_format.line_spacing = Pt(40)
    title = _paragraph(
        document,
        _("Meeting minutes"),
        font=TITLE_FONT,
        size=36,
        color=RED,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        space_after=6,
    )
    title.paragraph_format.line_spacing = Pt(56)
    if minutes.document_number:
        _paragraph(document, minutes.document_number, align=WD_ALIGN_PARAGRAPH.CENTER)
    # Issuing office on the left, the date on the right, over the red rule.
    masthead = _paragraph(document, space_after=12)
    masthead.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    run = masthead.add_run(f"{issuing_office(group)}\t{format_date(document_date(minutes))}")
    run.font.size = Pt(BODY_SIZE)
    _fonts(run, BODY_FONT)
    _border(masthead, "bottom", color="C00000", size=18)

    # The meeting.
    _paragraph(
        document,
        meeting.title,
        font=TITLE_FONT,
        size=22,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        space_after=12,
    ).paragraph_format.line_spacing = Pt(36)
    facts = [
        _("Time: %(when)s") % {"when": meeting_when(meeting)},
        _("Place: %(place)s") % {"place": meeting.place or "—"},
    ]
    if meeting.convener:
        facts.append(
            _("Presided over by: %(name)s")
            % {"name": meeting.convener.get_full_name() or meeting.convener.get_username()}
        )
    for fact in facts:
        _paragraph(document, fact, indent=True)

    for line in minutes.text.splitlines():
        if line.strip():
            _paragraph(document, line.strip(), indent=True)

    if decisions:
        _paragraph(document, _("Decisions"), font=HEADING_FONT, indent=True)
        for number, decision in enumerate(decisions, start=1):
            _paragraph(document, f"{item_label(number)}{decision.text}", indent=True)
            _paragraph(
                document, decision_units_line(decision), font="楷体", indent=True, space_after=4
            )

    attended = [a for a in attendance if a.presence != Attendance.Presence.ABSENT]
    absent = [a for a in attendance if a.presence == Attendance.Presence.ABSENT]
    if attended:
        _paragraph(
            document,
            _("Attended: %(units)s.") % {"units": "、".join(attendance_line(a) for a in attended)},
            indent=True,
        )
    if absent:
        _paragraph(
            document,
            _("Absent: %(units)s.") % {"units": "、".join(a.unit.name for a in absent)},
            indent=True,
        )
    if minutes.signed_by and minutes.signed_at:
        _paragraph(
            document,
            _("Signed by the convener %(name)s on %(date)s.")
            % {
                "name": minutes.signed_by.get_full_name() or minutes.signed_by.get_username(),
                "date": format_date(timezone.localdate(minutes.signed_at)),
            },
            align=WD_ALIGN_PARAGRAPH.RIGHT,
            space_after=12,
        )

    # The distribution block (版记): recipients, then who issued it and when.
    to = _paragraph(document, _("To: all member units."), size=14)
    to.paragraph_format.space_before = Pt(24)
    _border(to, "top", color="000000", size=8)
    if minutes.reported_to_government_at or minutes.issued_at is None:
        _paragraph(
            document,
            _("Reported to: %(government)s.") % {"government": government_name(group)},
            size=14,
        )
    printed = _paragraph(document, size=14)
    printed.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    issued = document_date(minutes) if minutes.issued_at else None
    run = printed.add_run(
        f"{issuing_office(group)}\t"
        + (_("Issued %(date)s") % {"date": format_date(issued)} if issued else _("Not issued yet"))
    )
    run.font.size = Pt(14)
    _fonts(run, BODY_FONT)
    _border(printed, "top", color="000000", size=4)
    _border(printed, "bottom", color="000000", size=8)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
