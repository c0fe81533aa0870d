"""The verification report (核对报告): per member and item, what each department found.

``build_report`` reads everything a report shows in a fixed number of queries; the web page
and ``report_docx`` lay the same rows out, so the printed page and the Word document never
disagree. ID numbers appear masked only.
"""

import datetime
import io
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from .models import (
    DepartmentCheck,
    Finding,
    Household,
    HouseholdMember,
    VerificationItem,
    VerificationRequest,
)


class RowState:
    ANSWERED = "answered"
    PENDING = "pending"
    CANCELLED = "cancelled"
    # The check was answered without this member (registered after the request was filed).
    NOT_ASKED = "not_asked"


@dataclass
class ReportRow:
    check: DepartmentCheck
    item: VerificationItem
    finding: Finding | None
    state: str

    @property
    def highlighted(self) -> bool:
        # Same rule as Finding.is_highlighted, without a query for the finding's item.
        return (
            self.finding is not None
            and self.finding.result == Finding.Result.RECORD_FOUND
            and self.item.bears_on_eligibility
        )


@dataclass
class MemberSection:
    member: HouseholdMember
    rows: list[ReportRow] = field(default_factory=list)

    @property
    def highlighted_count(self) -> int:
        return sum(row.highlighted for row in self.rows)


@dataclass
class Report:
    request: VerificationRequest
    household: Household
    checks: list[DepartmentCheck]
    members: list[MemberSection]
    generated_at: datetime.datetime
    # Members of the household the request does not cover (added after it was filed):
    # named so the clerk files a new request, never checked or shown with findings.
    not_covered: list[HouseholdMember] = field(default_factory=list)

    @property
    def answered_count(self) -> int:
        return sum(c.status == DepartmentCheck.Status.ANSWERED for c in self.checks)

    @property
    def pending_checks(self) -> list[DepartmentCheck]:
        return [c for c in self.checks if c.is_open]

    @property
    def highlighted_count(self) -> int:
        return sum(section.highlighted_count for section in self.members)


def build_report(request: VerificationRequest) -> Report:
    """Everything the report shows, in four queries whatever the size of the household."""
    household = request.household
    # The members the request covers, not whoever joined the household since.
    covered = VerificationRequest.members.through.objects.filter(
        verificationrequest_id=request.pk, householdmember_id=OuterRef("pk")
    )
    everyone = list(household.members.annotate(covered=Exists(covered)).order_by("pk"))
    members = [m for m in everyone if m.covered]
    checks = list(
        request.checks.select_related("unit")
        .prefetch_related(
            Prefetch("items", queryset=VerificationItem.objects.order_by("order", "pk"))
        )
        .order_by("unit__order", "unit__pk")
    )
    findings = {
        (f.department_check_id, f.member_id, f.item_id): f
        for f in Finding.objects.filter(department_check__request=request)
    }
    sections = []
    for member in members:
        section = MemberSection(member=member)
        for check in checks:
            for item in check.items.all():
                finding = findings.get((check.pk, member.pk, item.pk))
                if finding is not None:
                    state = RowState.ANSWERED
                elif check.status == DepartmentCheck.Status.ANSWERED:
                    state = RowState.NOT_ASKED
                elif check.status == DepartmentCheck.Status.CANCELLED:
                    state = RowState.CANCELLED
                else:
                    state = RowState.PENDING
                section.rows.append(ReportRow(check=check, item=item, finding=finding, state=state))
        sections.append(section)
    return Report(
        request=request,
        household=household,
        checks=checks,
        members=sections,
        generated_at=timezone.now(),
        not_covered=[m for m in everyone if not m.covered],
    )


# --- Word document ----------------------------------------------------------------------------

HIGHLIGHT_FILL = "FCE8B2"
HEADER_FILL = "D9E2F3"
EAST_ASIAN_FONT = "SimSun"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _shade(cell, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def _set_cell(cell, text: str, *, bold: bool = False, fill: str | None = None) -> None:
    cell.text = ""
    run = cell.paragraphs[0].add_run(text)
    run.bold = bold
    if fill:
        _shade(cell, fill)


def _repeat_header(row) -> None:
    # A table that runs over a page repeats its header row.
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _table(document, headers: list[str], rows: list[tuple[list[str], bool]], widths=None):
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        _set_cell(cell, text, bold=True, fill=HEADER_FILL)
    _repeat_header(table.rows[0])
    for values, highlighted in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            _set_cell(cell, text, bold=highlighted, fill=HIGHLIGHT_FILL if highlighted else None)
    if widths:
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = width
    return table


def _page_number_field(paragraph) -> None:
    run = paragraph.add_run()
    for tag, attrs, text in (
        ("w:fldChar", {"w:fldCharType": "begin"}, None),
        ("w:instrText", {"xml:space": "preserve"}, " PAGE "),
        ("w:fldChar", {"w:fldCharType": "end"}, None),
    ):
        element = OxmlElement(tag)
        for key, value in attrs.items():
            element.set(qn(key), value)
        if text:
            element.text = text
        run._r.append(element)


def row_result_text(row: ReportRow) -> str:
    if row.state == RowState.ANSWERED:
        return str(row.finding.get_result_display())
    if row.state == RowState.CANCELLED:
        return _("Cancelled")
    if row.state == RowState.NOT_ASKED:
        return _("Not asked (member added later)")
    return _("Pending: not answered yet")


def report_docx(report: Report) -> bytes:
    """The report as a Word document laid out for A4: title, household, members with masked
    ID numbers, one table per member, the time it was generated and page numbers."""
    request, household = report.request, report.household
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(18))
    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), EAST_ASIAN_FONT)

    title = document.add_heading(_("Household economic-status verification report"), level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    generated = timezone.localtime(report.generated_at)
    subtitle = document.add_paragraph(
        _("Verification request %(pk)s · %(office)s")
        % {"pk": request.pk, "office": household.office.name}
    )
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER

    document.add_heading(_("Household"), level=1)
    facts = [
        (_("Address"), f"{household.town} {household.address}"),
        (_("Applies for"), str(household.get_assistance_type_display())),
        (_("Verification for"), str(request.get_assistance_type_display())),
        (_("Status"), str(request.get_status_display())),
        (_("Submitted"), timezone.localtime(request.submitted_at).strftime("%Y-%m-%d %H:%M")),
        (
            _("Completed"),
            timezone.localtime(request.completed_at).strftime("%Y-%m-%d %H:%M")
            if request.completed_at
            else "—",
        ),
        (
            _("Departments answered"),
            f"{report.answered_count} / {len(report.checks)}",
        ),
    ]
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in facts:
        cells = table.add_row().cells
        _set_cell(cells[0], label, bold=True, fill=HEADER_FILL)
        _set_cell(cells[1], value)
    if report.pending_checks:
        document.add_paragraph(
            _("Not answered yet: %(units)s.")
            % {"units": "、".join(c.unit.name for c in report.pending_checks)}
        )
    if report.not_covered:
        document.add_paragraph(
            _("Not covered by this request (added after it was filed): %(members)s.")
            % {"members": "、".join(f"{m.name} ({m.masked_id})" for m in report.not_covered)}
        )

    document.add_heading(_("Members"), level=1)
    _table(
        document,
        [_("Name"), _("Relation"), _("ID number")],
        [
            (
                [s.member.name, str(s.member.get_relation_display()), s.member.masked_id],
                False,
            )
            for s in report.members
        ],
    )

    document.add_heading(_("Findings"), level=1)
    legend = document.add_paragraph()
    legend_run = legend.add_run(
        _("Shaded, bold rows: a record found for an item that bears on eligibility.")
    )
    legend_run.italic = True
    widths = [Mm(34), Mm(34), Mm(30), Mm(56), Mm(20)]
    for member_section in report.members:
        member = member_section.member
        document.add_heading(
            _("%(name)s (%(relation)s, %(id_number)s)")
            % {
                "name": member.name,
                "relation": member.get_relation_display(),
                "id_number": member.masked_id,
            },
            level=2,
        )
        rows = []
        for row in member_section.rows:
            finding = row.finding
            rows.append(
                (
                    [
                        row.check.unit.name,
                        row.item.name,
                        ("★ " if row.highlighted else "") + row_result_text(row),
                        finding.details if finding else "",
                        number_format(finding.amount, 2)
                        if finding and finding.amount is not None
                        else "",
                    ],
                    row.highlighted,
                )
            )
        if rows:
            _table(
                document,
                [_("Department"), _("Item"), _("Result"), _("Details"), _("Amount (yuan)")],
                rows,
                widths,
            )
        else:
            document.add_paragraph(_("No department checks anything for this request."))

    closing = document.add_paragraph()
    closing.add_run(
        _("Generated %(time)s. Confidential: for the people deciding this application only.")
        % {"time": generated.strftime("%Y-%m-%d %H:%M %Z")}
    ).font.color.rgb = RGBColor(0x55, 0x55, 0x55)

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(
        _("Verification request %(pk)s · generated %(time)s · page ")
        % {"pk": request.pk, "time": generated.strftime("%Y-%m-%d %H:%M")}
    )
    _page_number_field(footer)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- Spreadsheet ------------------------------------------------------------------------------


def report_table(report: Report) -> list[list]:
    """The report's findings as rows for a spreadsheet (heading first): one row per member,
    department and item, ID numbers masked. Written out by ``assistance.spreadsheets``,
    which neutralises any cell a spreadsheet would read as a formula (the details are
    typed by liaisons)."""
    rows: list[list] = [
        [
            _("Name"),
            _("ID number"),
            _("Department"),
            _("Item"),
            _("Result"),
            _("Details"),
            _("Amount (yuan)"),
            _("Bears on eligibility"),
        ]
    ]
    for section in report.members:
        member = section.member
        for row in section.rows:
            finding = row.finding
            rows.append(
                [
                    member.name,
                    member.masked_id,
                    row.check.unit.name,
                    row.item.name,
                    row_result_text(row),
                    finding.details if finding else "",
                    finding.amount if finding else None,
                    _("yes") if row.highlighted else "",
                ]
            )
    return rows
