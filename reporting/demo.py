"""Demo reporting (``manage.py load_demo``) for Xicheng, the seed group with assistance
programmes: figures for 助困 and 助残 reported by five units, and three rounds: the same
quarter last year and the quarter before (every report accepted), and the last quarter,
where two reports are accepted, one awaits review, one came in late and one is missing.
The units' liaisons are load_demo's demo accounts (``liaison-xc…``).
Invented numbers only. Runs once: a group that has rounds is left as it is."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assistance.periods import quarter_of
from members.models import AssistanceProgram, LeadingGroup, Liaison, MemberUnit

from . import services
from .models import FigureDefinition, ReportingRound, UnitReport

# The units that report, in this order (the last one misses the last round).
UNITS = ["xc-minzheng", "xc-renshe", "xc-fulian", "xc-hongshizihui", "xc-canlian"]
# (programme, figure, kind, decimal places)
FIGURES = [
    ("助困", "救助人次", FigureDefinition.Kind.PEOPLE, 0),
    ("助困", "救助户数", FigureDefinition.Kind.HOUSEHOLDS, 0),
    ("助困", "发放资金", FigureDefinition.Kind.YUAN, 2),
    ("助残", "救助人次", FigureDefinition.Kind.PEOPLE, 0),
    ("助残", "发放资金", FigureDefinition.Kind.YUAN, 2),
]

# The last round, per unit in ``UNITS`` order: (when submitted, accepted?) or None.
LAST_ROUND = [("on_time", True), ("on_time", True), ("on_time", False), ("late", False), None]


def _quarter_before(day: datetime.date) -> tuple[int, int]:
    quarter = quarter_of(day)
    return (day.year, quarter - 1) if quarter > 1 else (day.year - 1, 4)


def _previous(year: int, number: int) -> tuple[int, int]:
    return (year, number - 1) if number > 1 else (year - 1, 4)


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _figures(group, units) -> list[FigureDefinition]:
    programs = {p.name: p for p in AssistanceProgram.objects.filter(group=group)}
    figures = []
    for order, (program_name, name, kind, places) in enumerate(FIGURES, start=1):
        program = programs.get(program_name)
        if program is None:
            continue
        figure, _created = FigureDefinition.objects.get_or_create(
            program=program,
            name=name,
            defaults={"group": group, "kind": kind, "decimal_places": places, "order": order},
        )
        figure.units.set(units)
        figures.append(figure)
    return figures


def _liaisons(units) -> dict[int, object] | None:
    """Each unit's active liaison (None when a unit has none: the demo is skipped)."""
    found = {
        liaison.unit_id: liaison.user
        for liaison in Liaison.objects.filter(unit__in=units, active=True).select_related("user")
    }
    return found if all(unit.pk in found for unit in units) else None


def _value(figure: FigureDefinition, unit_index: int, round_index: int) -> str:
    base = {"people": 40, "households": 25, "yuan": 18000}[figure.kind]
    value = Decimal(base * (unit_index + 2) + 7 * round_index * (unit_index + 1))
    return str(value + (Decimal("0.50") if figure.kind == "yuan" else 0))


@transaction.atomic
def demo_reporting() -> int:
    """Load the demo rounds; the number of rounds opened (0 when already there)."""
    group = LeadingGroup.objects.filter(code="xicheng").first()
    clerk = get_user_model().objects.filter(username="clerk").first()
    if group is None or clerk is None or ReportingRound.objects.filter(group=group).exists():
        return 0
    by_code = {u.code: u for u in MemberUnit.objects.filter(group=group)}
    if any(code not in by_code for code in UNITS):
        return 0
    units = [by_code[code] for code in UNITS]
    liaisons = _liaisons(units)
    if liaisons is None:
        return 0
    figures = _figures(group, units)
    if not figures:
        return 0
    last = _quarter_before(timezone.localdate())
    periods = [(last[0] - 1, last[1]), _previous(*last), last]
    for round_index, (year, number) in enumerate(periods):
        _start, end = services.period_dates("quarter", year, number)
        opened = _at(end + datetime.timedelta(days=1), 9)
        round_ = services.round_open(
            actor=clerk,
            group=group,
            period_kind="quarter",
            year=year,
            number=number,
            working_days=10,
            now=opened,
        )
        reports = {r.unit_id: r for r in UnitReport.objects.filter(round=round_)}
        on_time = _at(round_.deadline - datetime.timedelta(days=2), 15)
        late = _at(round_.deadline + datetime.timedelta(days=3), 11)
        for index, unit in enumerate(units):
            # Earlier rounds: all accepted. The last: two accepted, one awaiting review,
            # one late, and the last unit (the disabled persons' federation) missing.
            plan = (on_time, True) if round_index < 2 else LAST_ROUND[index]
            if plan is None:
                continue
            submit_at, accept = plan
            submit_at = {"on_time": on_time, "late": late}.get(submit_at, submit_at)
            values = {f.pk: _value(f, index, round_index) for f in figures}
            report, liaison = reports[unit.pk], liaisons[unit.pk]
            services.report_submit(actor=liaison, report=report, values=values, now=submit_at)
            if accept:
                services.report_accept(actor=clerk, report=report)
    return len(periods)
