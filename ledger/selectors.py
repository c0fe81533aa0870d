"""Reads of the ledger, each in a fixed number of queries whatever the number of rows: a
unit's entries and imports, a household's picture, the office's three lists a page at a
time, and the funds per programme per quarter that the dashboards and the quarterly
bulletin show."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear, Greatest, Least
from django.utils import timezone

from assistance.periods import quarter_span
from members.models import AssistanceProgram, LeadingGroup, MemberUnit
from verification.models import Household, HouseholdMember, VerificationRequest

from . import conflicts
from .models import LedgerEntry, LedgerImport, ProgramRule

# --- A unit's own ledger ---------------------------------------------------------------------


def running_q(day: datetime.date, prefix: str = "") -> Q:
    """Entries running on ``day``: begun, and not ended before it."""
    return Q(**{f"{prefix}period_from__lte": day}) & (
        Q(**{f"{prefix}period_to__isnull": True}) | Q(**{f"{prefix}period_to__gte": day})
    )


def unit_entries(
    unit: MemberUnit, *, program: AssistanceProgram | None = None, running: bool | None = None
) -> QuerySet[LedgerEntry]:
    """The unit's entries, newest first (the index ``ledger_entry_unit``)."""
    entries = LedgerEntry.objects.filter(unit=unit)
    if program is not None:
        entries = entries.filter(program=program)
    if running is not None:
        today = timezone.localdate()
        entries = entries.filter(running_q(today)) if running else entries.exclude(running_q(today))
    return entries.select_related("program", "household", "member").order_by("-period_from", "-pk")


def unit_programs(unit: MemberUnit) -> QuerySet[AssistanceProgram]:
    """The programmes a unit may record: its group's."""
    return AssistanceProgram.objects.filter(group_id=unit.group_id).order_by("order", "pk")


def unit_imports(unit: MemberUnit) -> QuerySet[LedgerImport]:
    return (
        LedgerImport.objects.filter(unit=unit)
        .select_related("uploaded_by")
        .order_by("-uploaded_at", "-pk")
    )


# --- The office's lists ----------------------------------------------------------------------


@dataclass
class Duplicate:
    rule: ProgramRule
    entry: LedgerEntry
    other: LedgerEntry | None  # None: the programme the rule requires is missing
    overlap_from: datetime.date
    overlap_to: datetime.date | None


@dataclass
class Death:
    entry: LedgerEntry
    member: HouseholdMember
    seen_on: object
    source: str  # "snapshot" or "finding"

    @property
    def whole_household(self) -> bool:
        return self.entry.member_id is None


@dataclass
class OverStandard:
    household: Household
    request_id: int
    measure: conflicts.Measure
    programs: list[str] = field(default_factory=list)


def _entries(ids) -> dict[int, LedgerEntry]:
    rows = LedgerEntry.objects.filter(pk__in=set(ids)).select_related(
        "unit", "program", "household", "member"
    )
    return {entry.pk: entry for entry in rows}


def duplicates(rows: list[tuple]) -> list[Duplicate]:
    """The duplicates list's rows as objects (two queries, whatever their number)."""
    rules = ProgramRule.objects.filter(pk__in={row[0] for row in rows}).select_related(
        "program", "other"
    )
    rules = {rule.pk: rule for rule in rules}
    entries = _entries([r[1] for r in rows] + [r[2] for r in rows if r[2]])
    return [
        Duplicate(rules[rule], entries[entry], entries.get(other), start, end)
        for rule, entry, other, start, end in rows
    ]


def deaths(rows: list[tuple]) -> list[Death]:
    entries = _entries(row[0] for row in rows)
    members = HouseholdMember.objects.filter(pk__in={row[1] for row in rows})
    members = {member.pk: member for member in members}
    return [
        Death(entries[entry], members[member], seen_on, source)
        for entry, member, seen_on, source in rows
    ]


def over_standard(rows: list[tuple]) -> list[OverStandard]:
    households = Household.objects.filter(pk__in={row[0] for row in rows}).select_related("office")
    households = {household.pk: household for household in households}
    today = timezone.localdate()
    running = (
        LedgerEntry.objects.filter(running_q(today), household_id__in=households)
        .values_list("household_id", "program__name")
        .distinct()
        .order_by("household_id", "program__name")
    )
    programs = {}
    for household_id, name in running:
        programs.setdefault(household_id, []).append(name)
    return [
        OverStandard(
            households[household],
            request,
            conflicts.Measure(people, *(Decimal(str(v)) for v in values)),
            programs.get(household, []),
        )
        for household, request, people, *values in rows
    ]


READERS = {"duplicates": duplicates, "deaths": deaths, "over_standard": over_standard}


class OfficeList:
    """One of the office's lists as a paginator reads it: ``count()`` is one statement,
    a slice one more and the objects of its rows two more, whatever the list's length."""

    def __init__(self, name: str):
        if name not in READERS:
            raise KeyError(name)
        self.name = name

    def count(self) -> int:
        return conflicts.count(self.name)

    def __getitem__(self, span: slice) -> list:
        rows = conflicts.rows(self.name, limit=span.stop - span.start, offset=span.start)
        return READERS[self.name](rows) if rows else []


# --- A household's picture -------------------------------------------------------------------


@dataclass
class Picture:
    household: Household
    members: list[HouseholdMember]
    current: list[LedgerEntry]
    past: list[LedgerEntry]
    duplicates: list[Duplicate]
    deaths: list[Death]
    over_standard: list[OverStandard]
    last_verification: VerificationRequest | None


def household_picture(household: Household) -> Picture:
    """Everything every unit gives the household, now and before, with what the rules
    say of it: a fixed number of queries."""
    today = timezone.localdate()
    entries = list(
        LedgerEntry.objects.filter(household=household)
        .select_related("unit", "program", "member", "referral__application", "ledger_import")
        .order_by("-period_from", "unit__order", "pk")
    )
    ids = [entry.pk for entry in entries]
    return Picture(
        household=household,
        members=list(household.members.order_by("pk")),
        current=[e for e in entries if e.runs_on(today) or e.period_from > today],
        past=[e for e in entries if not (e.runs_on(today) or e.period_from > today)],
        duplicates=duplicates(conflicts.rows("duplicates", entry_ids=ids)) if ids else [],
        deaths=deaths(conflicts.rows("deaths", entry_ids=ids)) if ids else [],
        over_standard=over_standard(conflicts.rows("over_standard", household_ids=[household.pk])),
        last_verification=household.requests.filter(status=VerificationRequest.Status.COMPLETED)
        .order_by("-completed_at")
        .first(),
    )


# --- Funds per programme, for the dashboards and the bulletin --------------------------------


def _month_index(year, month):
    return year * 12 + month


def _months(entry_from, entry_to, start: datetime.date, end: datetime.date):
    """The months of [start, end] an entry's period touches, as an SQL expression."""
    begins = ExtractYear(entry_from) * 12 + ExtractMonth(entry_from)
    ends = Coalesce(ExtractYear(entry_to) * 12 + ExtractMonth(entry_to), Value(10**6))
    first, last = _month_index(start.year, start.month), _month_index(end.year, end.month)
    return Greatest(Value(0), Least(ends, Value(last)) - Greatest(begins, Value(first)) + 1)


def _funds(start: datetime.date, end: datetime.date):
    """Yuan of an entry paid in [start, end]: a monthly amount for each month of the span
    its period touches (months not yet come left out), a total once, in its first
    month."""
    end = min(end, timezone.localdate())
    money = DecimalField(max_digits=16, decimal_places=2)
    if end < start:
        return Value(Decimal("0"), output_field=money)
    monthly = F("amount") * _months("period_from", "period_to", start, end)
    return Case(
        When(amount_per=LedgerEntry.AmountPer.MONTH, then=monthly),
        When(
            amount_per=LedgerEntry.AmountPer.TOTAL,
            period_from__gte=start,
            period_from__lte=end,
            then=F("amount"),
        ),
        default=Value(Decimal("0")),
        output_field=money,
    )


@dataclass
class Funds:
    """Funds used per programme (rows) and quarter (columns), in yuan."""

    quarters: list[tuple[int, int]]
    programs: list[str]
    amounts: list[list[Decimal]]  # per programme, per quarter
    households: list[int]  # per programme, assisted at some time of the span


def funds_by_quarter(group: LeadingGroup, quarters: list[tuple[int, int]]) -> Funds:
    """The ledger's funds per programme per quarter for ``group``, and how many households
    each programme assisted over the span: one query."""
    if not quarters:
        return Funds([], [], [], [])
    spans = [quarter_span(year, quarter) for year, quarter in quarters]
    first, last = spans[0][0], spans[-1][1]
    touching = Q(period_from__lte=last) & (Q(period_to__isnull=True) | Q(period_to__gte=first))
    columns = {f"q{i}": Coalesce(Sum(_funds(s, e)), Decimal("0")) for i, (s, e) in enumerate(spans)}
    rows = list(
        LedgerEntry.objects.filter(touching, program__group=group, amount__isnull=False)
        .values("program__order", "program_id", "program__name")
        .annotate(
            households=Count("household", distinct=True),
            **columns,
        )
        .order_by("program__order", "program_id")
    )
    return Funds(
        quarters=list(quarters),
        programs=[row["program__name"] for row in rows],
        amounts=[[Decimal(row[f"q{i}"] or 0) for i in range(len(spans))] for row in rows],
        households=[row["households"] for row in rows],
    )


def quarters_between(start: datetime.date, end: datetime.date) -> list[tuple[int, int]]:
    """The calendar quarters a period touches, in order."""
    quarters = []
    year, quarter = start.year, (start.month - 1) // 3 + 1
    while (year, quarter) <= (end.year, (end.month - 1) // 3 + 1):
        quarters.append((year, quarter))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return quarters


def entries_by_source(group: LeadingGroup, start: datetime.date, end: datetime.date) -> dict:
    """How the entries running in the period came into the ledger: {source: count}."""
    touching = Q(period_from__lte=end) & (Q(period_to__isnull=True) | Q(period_to__gte=start))
    rows = (
        LedgerEntry.objects.filter(touching, program__group=group)
        .values_list("source")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)
