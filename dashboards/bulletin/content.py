"""What the quarterly bulletin says, gathered once for the page and the Word file: a
summary paragraph of the quarter's work, then sections, each a table (and a chart where a
picture helps) taken from the dashboards' own selectors, so the bulletin and the
dashboards can never disagree."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.periods import quarter_span
from intake.models import Application, Referral
from members.models import LeadingGroup
from reporting.models import FigureDefinition, FigureValue, ReportingRound, UnitReport

from ..charts import Chart, Series
from ..filters import Scope
from ..selectors import intake_charts, meetings_charts, verification_charts
from ..selectors.ledger import funds_chart


@dataclass
class Section:
    heading: str
    text: str = ""
    chart: Chart | None = None  # drawn, and printed as a table beside
    table: Chart | None = None  # printed as a table only


@dataclass
class Bulletin:
    group: LeadingGroup
    year: int
    quarter: int
    title: str
    summary: str
    sections: list[Section] = field(default_factory=list)


def yuan(amount) -> Decimal:
    """An amount in yuan to the fen, as a bulletin prints it (SQLite's sums drop zeros)."""
    return Decimal(amount or 0).quantize(Decimal("0.01"))


def _funds(scope: Scope) -> Chart:
    """Granted referrals closed in the quarter, per programme: how many and the amounts."""
    rows = (
        Referral.objects.filter(
            application__office=scope.group,
            closed_at__range=scope.span(),
            outcome=Referral.Outcome.GRANTED,
        )
        .values_list("outcome_program__name")
        .annotate(count=Count("pk"), amount=Sum("amount"))
        .order_by("outcome_program__name")
    )
    rows = list(rows)
    return Chart(
        key="funds-by-programme",
        title=_("Assistance granted per programme"),
        kind="bar",
        category=_("Programme"),
        labels=[name or _("No programme named") for name, _c, _a in rows],
        series=[
            Series(_("Referrals granted"), [count for _n, count, _a in rows]),
            Series(_("Amount (yuan)"), [yuan(amount) for _n, _c, amount in rows]),
        ],
    )


def _quarter_rounds(scope: Scope):
    """The group's reporting rounds whose period lies within the quarter."""
    return ReportingRound.objects.filter(
        group=scope.group, period_start__gte=scope.start, period_end__lte=scope.end
    )


def _reported_funds(scope: Scope) -> Chart:
    """The amounts in yuan the units reported for the quarter (信息报送), per programme:
    submitted and accepted reports only; beside the ledger's funds, to compare."""
    rows = list(
        FigureValue.objects.filter(
            report__round__in=_quarter_rounds(scope),
            report__status__in=UnitReport.REPORTED,
            definition__kind=FigureDefinition.Kind.YUAN,
        )
        .values_list("definition__program__name")
        .annotate(total=Sum("value"), units=Count("report__unit", distinct=True))
        .order_by("definition__program__name")
    )
    return Chart(
        key="reported-funds",
        title=_("Funds used per programme, as the units reported them"),
        kind="bar",
        category=_("Programme"),
        labels=[name for name, _t, _u in rows],
        series=[
            Series(_("Amount (yuan)"), [yuan(total) for _n, total, _u in rows]),
            Series(_("Units reporting"), [units for _n, _t, units in rows]),
        ],
    )


def _late_reports(scope: Scope) -> Chart:
    """The units that reported late, or not at all once the deadline passed."""
    today = timezone.localdate()
    reports = UnitReport.objects.filter(round__in=_quarter_rounds(scope)).filter(
        Q(late=True) | (~Q(status__in=UnitReport.REPORTED) & Q(round__deadline__lt=today))
    )
    rows = list(
        reports.values_list("unit__name", "round__title", "late").order_by(
            "unit__order", "unit__name", "round__title"
        )
    )
    return Chart(
        key="late-reports",
        title=_("Units that reported late or not at all"),
        kind="bar",
        category=_("Unit"),
        labels=[
            _("%(unit)s (%(round)s)") % {"unit": unit, "round": title} for unit, title, _l in rows
        ],
        series=[
            Series(
                _("State"),
                [_("reported late") if late else _("not reported") for _u, _t, late in rows],
            )
        ],
    )


def _summary(scope: Scope, charts: dict[str, Chart]) -> str:
    applications = Application.objects.filter(office=scope.group, received_at__range=scope.span())
    counts = applications.aggregate(all=Count("pk"), urgent=Count("pk", filter=Q(urgent=True)))
    requests = charts["requests-within-limit"]
    submitted, completed, on_time = (sum(series.values) for series in requests.series)
    checks = charts["checks-by-department"]
    answered_on_time, answered_late, _waiting, _overdue = (sum(s.values) for s in checks.series)
    received = sum(sum(series.values) for series in checks.series)
    meetings = charts["meetings-by-quarter"]
    held = sum(meetings.series[0].values)
    decisions = charts["decisions-by-state"]
    return _(
        "This quarter the office filed %(submitted)d verification requests and completed "
        "%(completed)d (%(on_time)d within the statutory limit); the departments received "
        "%(received)d checks and answered %(answered)d, %(answered_on_time)d of them on time. "
        "It received %(applications)d applications for help (%(urgent)d urgent). The group "
        "held %(held)d meetings, which took %(decisions)d decisions."
    ) % {
        "submitted": submitted,
        "completed": completed,
        "on_time": on_time,
        "received": received,
        "answered": answered_on_time + answered_late,
        "answered_on_time": answered_on_time,
        "applications": counts["all"],
        "urgent": counts["urgent"],
        "held": held,
        "decisions": sum(sum(series.values) for series in decisions.series),
    }


def quarter_bulletin(group: LeadingGroup, year: int, quarter: int) -> Bulletin:
    start, end = quarter_span(year, quarter)
    scope = Scope(group=group, start=start, end=end)
    charts = {
        chart.key: chart
        for chart in verification_charts(scope) + intake_charts(scope) + meetings_charts(scope)
    }
    return Bulletin(
        group=group,
        year=year,
        quarter=quarter,
        title=_("Bulletin on the work of the %(year)d Q%(quarter)d")
        % {"year": year, "quarter": quarter},
        summary=_summary(scope, charts),
        sections=[
            Section(_("Assistance granted"), table=_funds(scope)),
            Section(_("Funds used per programme"), table=funds_chart(scope)),
            Section(_("Funds as the units reported them"), table=_reported_funds(scope)),
            Section(
                _("Verification timeliness per department"), chart=charts["checks-by-department"]
            ),
            Section(_("Answer time in working days"), table=charts["answer-time"]),
            Section(_("Referrals per unit"), chart=charts["referrals-by-unit"]),
            Section(_("Urgent cases"), table=charts["urgent-hours"]),
            Section(_("Decisions carried out"), chart=charts["decisions-by-state"]),
            Section(_("Overdue decisions per lead unit"), table=charts["overdue-decisions"]),
            Section(_("Periodic reports"), table=_late_reports(scope)),
        ],
    )
