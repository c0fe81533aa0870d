"""What the quarterly bulletin says, gathered once for the page and the Word file: a
summary paragraph of the quarter's work, then sections, each a table (and a chart where a
picture helps) taken from the dashboards' own selectors, so the bulletin and the
dashboards can never disagree."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from intake.models import Application, Referral
from members.models import LeadingGroup

from ..charts import Chart, Series
from ..filters import Scope
from ..selectors import intake_charts, meetings_charts, verification_charts


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


def quarter_span(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    start = datetime.date(year, 3 * quarter - 2, 1)
    following = datetime.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return start, following - datetime.timedelta(days=1)


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
            Series(_("Amount (yuan)"), [amount or Decimal("0") for _n, _c, amount in rows]),
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
            Section(
                _("Verification timeliness per department"), chart=charts["checks-by-department"]
            ),
            Section(_("Answer time in working days"), table=charts["answer-time"]),
            Section(_("Referrals per unit"), chart=charts["referrals-by-unit"]),
            Section(_("Urgent cases"), table=charts["urgent-hours"]),
            Section(_("Decisions carried out"), chart=charts["decisions-by-state"]),
            Section(_("Overdue decisions per lead unit"), table=charts["overdue-decisions"]),
        ],
    )
