"""Reading a unit's monthly ledger file (CSV or XLSX in the published template): one row
per person and programme the unit assisted in the month. Every row is checked and every
problem of every bad line named; the file is refused whole if any line is bad.

A row's problems are notices (``assistance.notices``), kept on the import and shown in
the reader's language. The file itself is read (and its size, type and shape checked) by
the registry snapshots' own reader (``verification.connectors``), whose file-level
messages come in the uploader's language.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_noop, pgettext_lazy

from assistance.idnumbers import normalize_id_number, validate_id_number
from assistance.notices import Notice, label, notice
from members.models import AssistanceProgram, MemberUnit
from verification.connectors import SnapshotInvalid, file_rows
from verification.models import HouseholdMember

from .models import LedgerEntry

# The template's columns, in order: (field, heading in the reader's language). Each field
# is also recognised by any of its ``HEADINGS`` (lower-cased, English or Chinese).
COLUMNS = (
    ("id_number", pgettext_lazy("ledger column", "ID number")),
    ("name", pgettext_lazy("ledger column", "name")),
    ("program", pgettext_lazy("ledger column", "programme")),
    ("amount", pgettext_lazy("ledger column", "amount (yuan)")),
    ("amount_per", pgettext_lazy("ledger column", "amount paid")),
    ("service", pgettext_lazy("ledger column", "service")),
    ("period_from", pgettext_lazy("ledger column", "from")),
    ("period_to", pgettext_lazy("ledger column", "until")),
    ("document_number", pgettext_lazy("ledger column", "decision document")),
)
HEADINGS = {
    "id_number": {"id number", "id_number", "身份证号码", "身份证号", "公民身份号码"},
    "name": {"name", "姓名"},
    "program": {"programme", "program", "救助项目", "项目"},
    "amount": {"amount (yuan)", "amount", "金额（元）", "金额(元)", "金额"},
    "amount_per": {"amount paid", "发放方式", "金额方式"},
    "service": {"service", "服务", "服务内容"},
    "period_from": {"from", "起始日期", "开始日期"},
    "period_to": {"until", "终止日期", "结束日期"},
    "document_number": {"decision document", "决定文号", "文号"},
}
REQUIRED = ("id_number", "program")
AMOUNT_PER = {
    "": LedgerEntry.AmountPer.MONTH,
    "month": LedgerEntry.AmountPer.MONTH,
    "per month": LedgerEntry.AmountPer.MONTH,
    "每月": LedgerEntry.AmountPer.MONTH,
    "按月": LedgerEntry.AmountPer.MONTH,
    "total": LedgerEntry.AmountPer.TOTAL,
    "in total": LedgerEntry.AmountPer.TOTAL,
    "once": LedgerEntry.AmountPer.TOTAL,
    "一次性": LedgerEntry.AmountPer.TOTAL,
    "合计": LedgerEntry.AmountPer.TOTAL,
}
# A date as written by hand (2026-03-01, 2026/3/1) or as a spreadsheet's date cell is
# read (2026-03-01 00:00:00).
DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?$")
MAX_AMOUNT = Decimal("1e10")


@dataclass
class Row:
    line: int
    member: HouseholdMember
    program_id: int
    amount: Decimal | None
    amount_per: str
    service: str
    period_from: datetime.date
    period_to: datetime.date
    document_number: str


class ImportInvalid(Exception):
    """The file was refused; ``errors`` lists (line, message): line 0 for the file as a
    whole, a message a notice or (from the shared file reader) text."""

    def __init__(self, errors: list[tuple[int, "Notice | str"]]):
        self.errors = errors
        super().__init__(f"{len(errors)} problem(s)")


def template_rows() -> list[list[str]]:
    """The template's heading row in the reader's language: exactly what ``parse`` reads."""
    return [[str(heading) for _field, heading in COLUMNS]]


def month_span(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = month.replace(day=1)
    following = (start + datetime.timedelta(days=32)).replace(day=1)
    return start, following - datetime.timedelta(days=1)


def _columns(line: int, cells: list[str]) -> dict[str, int]:
    columns = {}
    for index, heading in enumerate(cells):
        for field, names in HEADINGS.items():
            if heading.strip().lower() in names:
                columns.setdefault(field, index)
    if any(field not in columns for field in REQUIRED):
        found = "、".join(c for c in cells if c) or "—"
        raise ImportInvalid(
            [
                (
                    line,
                    notice(
                        gettext_noop(
                            "The first row must name the columns, at least ID number and "
                            "programme (found: %(found)s). Start from the template."
                        ),
                        found=found,
                    ),
                )
            ]
        )
    return columns


class _Context:
    """What every row is checked against: the unit's group's programmes and the members
    of its households, read once for the whole file."""

    def __init__(self, unit: MemberUnit, month: datetime.date, id_numbers: set[str]):
        self.start, self.end = month_span(month)
        self.programs = {}
        for program in AssistanceProgram.objects.filter(group_id=unit.group_id):
            self.programs[program.name.strip().lower()] = program
        # The household most recently registered holds a person registered twice.
        self.members = {}
        members = (
            HouseholdMember.objects.filter(
                id_number__in=id_numbers, household__office_id=unit.group_id
            )
            .select_related("household")
            .order_by("household__created_at", "pk")
        )
        for member in members:
            self.members[member.id_number] = member


def _amount(text: str, problems: list) -> Decimal | None:
    if not text:
        return None
    try:
        amount = Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation:
        problems.append(
            notice(gettext_noop("The amount “%(amount)s” is not a number."), amount=text)
        )
        return None
    if not amount.is_finite() or amount <= 0 or amount >= MAX_AMOUNT:
        problems.append(
            notice(gettext_noop("The amount must be more than 0 and under 10 billion."))
        )
        return None
    return amount.quantize(Decimal("0.01"))


def _date(text: str, what, problems: list) -> datetime.date | None:
    if not text:
        return None
    match = DATE.match(text.strip())
    try:
        if match is None:
            raise ValueError
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        problems.append(
            notice(
                gettext_noop("The date %(what)s “%(date)s” is not a date like 2026-03-01."),
                what=label(what),
                date=text,
            )
        )
        return None


def _person(cell: dict, context: _Context, problems: list) -> HouseholdMember | None:
    id_number = normalize_id_number(cell["id_number"])
    try:
        validate_id_number(id_number)
    except ValidationError:
        problems.append(
            notice(gettext_noop("“%(id)s” is not a valid ID number."), id=cell["id_number"])
        )
        return None
    member = context.members.get(id_number)
    if member is None:
        problems.append(
            notice(gettext_noop("No household of the register has a member with this ID number."))
        )
    elif cell["name"] and cell["name"] != member.name:
        problems.append(
            notice(
                gettext_noop("The name “%(name)s” is not the name the register holds."),
                name=cell["name"],
            )
        )
    return member


def _period(cell: dict, context: _Context, problems: list):
    """The row's period cut to the month: a monthly file says what the unit gave in it."""
    begins = _date(
        cell["period_from"], LedgerEntry._meta.get_field("period_from").verbose_name, problems
    )
    ends = _date(cell["period_to"], LedgerEntry._meta.get_field("period_to").verbose_name, problems)
    begins, ends = begins or context.start, ends or context.end
    if ends < begins:
        problems.append(notice(gettext_noop("The period cannot end before it starts.")))
    elif begins > context.end or ends < context.start:
        problems.append(
            notice(
                gettext_noop("The period does not fall in the month %(month)s."),
                month=f"{context.start:%Y-%m}",
            )
        )
    return max(begins, context.start), min(ends, context.end)


def _row(line: int, cell: dict, context: _Context) -> tuple[Row | None, list]:
    problems = []
    member = _person(cell, context, problems)
    program = context.programs.get(cell["program"].strip().lower())
    if program is None:
        problems.append(
            notice(
                gettext_noop("“%(program)s” is not a programme of your group."),
                program=cell["program"],
            )
        )
    amount = _amount(cell["amount"], problems)
    amount_per = AMOUNT_PER.get(cell["amount_per"].strip().lower())
    if amount_per is None:
        problems.append(
            notice(
                gettext_noop(
                    "Write “per month” or “in total” for how the amount is paid, not “%(text)s”."
                ),
                text=cell["amount_per"],
            )
        )
    service = cell["service"].strip()
    if amount is None and not service and not problems:
        problems.append(notice(gettext_noop("Give an amount, a service or both.")))
    if len(service) > 300 or len(cell["document_number"]) > 100:
        problems.append(notice(gettext_noop("The service or the document number is too long.")))
    begins, ends = _period(cell, context, problems)
    if problems:
        return None, problems
    row = Row(
        line=line,
        member=member,
        program_id=program.pk,
        amount=amount,
        amount_per=amount_per,
        service=service,
        period_from=begins,
        period_to=ends,
        document_number=cell["document_number"].strip(),
    )
    return row, []


def parse(*, unit: MemberUnit, month: datetime.date, name: str, raw: bytes) -> list[Row]:
    """Every row of the file checked; ImportInvalid naming every bad line (and every
    problem of it), or the rows."""
    try:
        lines = list(file_rows(name, raw))
    except SnapshotInvalid as refused:
        raise ImportInvalid(refused.errors) from None
    if not lines:
        raise ImportInvalid([(0, notice(gettext_noop("The file is empty.")))])
    heading_line, heading = lines[0]
    columns = _columns(heading_line, heading)
    limit = settings.SNAPSHOT_MAX_ROWS
    cells = []
    for line, values in lines[1:]:
        if not any(values):
            continue
        cell = {
            field: (values[index] if index is not None and index < len(values) else "")
            for field, index in ((f, columns.get(f)) for f, _h in COLUMNS)
        }
        cells.append((line, cell))
    if len(cells) > limit:
        message = notice(gettext_noop("More than %(limit)d rows: split the file."), limit=limit)
        raise ImportInvalid([(0, message)])
    ids = {normalize_id_number(cell["id_number"]) for _line, cell in cells}
    context = _Context(unit, month, ids)
    rows, errors = [], []
    for line, cell in cells:
        row, problems = _row(line, cell, context)
        if row is not None:
            rows.append(row)
        errors.extend((line, problem) for problem in problems)
    if errors:
        raise ImportInvalid(errors)
    return rows
