"""The verification report (核对报告): per member and item, what each department found.

``build_report`` reads everything a report shows in a fixed number of queries; the web page
and ``report_docx`` lay the same rows out, so the printed page and the Word document never
disagree. ID numbers appear masked only.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from assistance import localtime, wordexport

from .models import (
    DepartmentCheck,
    Finding,
    Household,
    HouseholdMember,
    ReportReference,
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
    # The reference number (文号), once the report of the completed request was issued.
    reference: ReportReference | None = None

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
    """Everything the report shows, in five queries whatever the size of the household."""
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
        reference=ReportReference.objects.select_related("issued_by")
        .filter(request=request)
        .first(),
    )


# --- Word document ----------------------------------------------------------------------------

# The same shade as the report page's highlighted rows (.report-highlight).
HIGHLIGHT_FILL = "FCE8B2"
# The views send it with the file.
DOCX_CONTENT_TYPE = wordexport.DOCX_CONTENT_TYPE
# A compact A4 report rather than an official notice: narrow margins, 五号 (10.5 pt) text in
# a Song face, Word's own heading styles.
PAGE = wordexport.PageLayout(top=18, bottom=18, left=18, right=18)
FONTS = wordexport.Fonts(body="SimSun", latin=None)
TEXT_SIZE = 10.5
# In millimetres and RGB: python-docx's Mm and RGBColor are made when a report is written.
FINDING_WIDTHS_MM = (34, 34, 30, 56, 20)
GREY = (0x55, 0x55, 0x55)


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
    # python-docx (8 MB with lxml) loads only when a report is written: workers import this
    # module.
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import RGBColor

    request = report.request
    generated = timezone.localtime(report.generated_at)
    doc = wordexport.OfficialDocument(page=PAGE, fonts=FONTS, size=TEXT_SIZE)
    center = WD_ALIGN_PARAGRAPH.CENTER
    doc.outline_heading(_("Household economic-status verification report"), level=0, align=center)
    doc.paragraph(reference_line(report), align=center)
    doc.note(
        _("Verification request %(pk)s · %(office)s")
        % {"pk": request.pk, "office": report.household.office.name},
        align=center,
    )
    _household(doc, report)
    doc.outline_heading(_("Members"), level=1)
    doc.table(
        [_("Name"), _("Relation"), _("ID number")],
        [
            ([s.member.name, str(s.member.get_relation_display()), s.member.masked_id], False)
            for s in report.members
        ],
    )
    _findings(doc, report)
    _signatures(doc, report)
    doc.note(
        _("Generated %(time)s. Confidential: for the people deciding this application only.")
        % {"time": localtime.stamp(report.generated_at)},
        color=RGBColor(*GREY),
    )
    doc.page_numbers(
        prefix=_("Verification request %(pk)s · generated %(time)s · page ")
        % {"pk": request.pk, "time": generated.strftime("%Y-%m-%d %H:%M")},
        suffix="",
        plain=True,
    )
    return doc.to_bytes()


def reference_line(report: Report) -> str:
    """The reference number as the report prints it under its title."""
    if report.reference is None:
        return _("No reference number yet: one is given when the completed report is issued.")
    return _("Reference number: %(reference)s") % {"reference": report.reference.text}


@dataclass
class Signatures:
    """The block at the foot of an issued report: who prepared it (the clerk who filed
    the request), a line for the reviewer to sign, the office's seal and the date."""

    prepared_by: str
    office: str
    issued_on: str


def signatures(report: Report) -> Signatures:
    clerk = report.request.requested_by
    issued = report.reference.issued_at if report.reference else None
    return Signatures(
        prepared_by=(clerk.get_full_name() or clerk.get_username()) if clerk else "",
        office=report.household.office.name,
        issued_on=timezone.localtime(issued).strftime("%Y-%m-%d") if issued else "",
    )


def _signatures(doc: wordexport.OfficialDocument, report: Report) -> None:
    """经办人 and 审核人 on one line, then the office (盖章) and the date on the right."""
    block = signatures(report)
    blank = "＿" * 8
    doc.blank()
    doc.split_line(
        pgettext("report signature", "Prepared by: %(name)s")
        % {"name": block.prepared_by or blank},
        pgettext("report signature", "Reviewed by: %(name)s") % {"name": blank},
        space_before=12,
    )
    doc.signature(
        pgettext("report signature", "%(office)s (seal)") % {"office": block.office},
        pgettext("report signature", "Date: %(date)s") % {"date": block.issued_on or blank},
        space_after=6,
    )


def _household(doc: wordexport.OfficialDocument, report: Report) -> None:
    """The household's facts, and which departments and members are still missing."""
    doc.outline_heading(_("Household"), level=1)
    doc.label_table(_household_facts(report))
    if report.pending_checks:
        doc.note(
            _("Not answered yet: %(units)s.")
            % {"units": "、".join(c.unit.name for c in report.pending_checks)}
        )
    if report.not_covered:
        doc.note(
            _("Not covered by this request (added after it was filed): %(members)s.")
            % {
                "members": "、".join(
                    _("%(name)s (%(masked_id)s)") % {"name": m.name, "masked_id": m.masked_id}
                    for m in report.not_covered
                )
            }
        )


def _household_facts(report: Report) -> list[tuple[str, str]]:
    request, household = report.request, report.household
    completed = request.completed_at
    return [
        (_("Address"), f"{household.town} {household.address}"),
        (_("Applies for"), str(household.get_assistance_type_display())),
        (_("Verification for"), str(request.get_assistance_type_display())),
        (_("Status"), str(request.get_status_display())),
        (_("Submitted"), timezone.localtime(request.submitted_at).strftime("%Y-%m-%d %H:%M")),
        (
            _("Completed"),
            timezone.localtime(completed).strftime("%Y-%m-%d %H:%M") if completed else "—",
        ),
        (_("Departments answered"), f"{report.answered_count} / {len(report.checks)}"),
    ]


def _findings(doc: wordexport.OfficialDocument, report: Report) -> None:
    """Per member, a heading and the table of what each department found."""
    from docx.shared import Mm

    doc.outline_heading(_("Findings"), level=1)
    doc.note(
        _("Shaded, bold rows: a record found for an item that bears on eligibility."),
        italic=True,
    )
    headers = [_("Department"), _("Item"), _("Result"), _("Details"), _("Amount (yuan)")]
    widths = [Mm(width) for width in FINDING_WIDTHS_MM]
    for section in report.members:
        member = section.member
        doc.outline_heading(
            _("%(name)s (%(relation)s, %(id_number)s)")
            % {
                "name": member.name,
                "relation": member.get_relation_display(),
                "id_number": member.masked_id,
            },
            level=2,
        )
        if section.rows:
            rows = [(_finding_cells(row), row.highlighted) for row in section.rows]
            doc.table(headers, rows, widths=widths, highlight_fill=HIGHLIGHT_FILL)
        else:
            doc.note(_("No department checks anything for this request."))


def _finding_cells(row: ReportRow) -> list[str]:
    finding = row.finding
    amount = finding.amount if finding else None
    return [
        row.check.unit.name,
        row.item.name,
        ("★ " if row.highlighted else "") + row_result_text(row),
        finding.details if finding else "",
        number_format(amount, 2) if amount is not None else "",
    ]


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
