"""The verification dashboard, read from the weekly summaries (``dashboards.summaries``):
per department, checks received, answered, overdue, the median and 90th-percentile answer
time in working days and the share answered by connectors; the trend by week; and the
requests completed within the statutory limit. Four queries whatever the data."""

from collections import Counter, defaultdict

from django.utils.translation import gettext as _

from members.models import MemberUnit

from ..charts import Chart, Series
from ..filters import Scope
from ..models import CheckWeek, RequestWeek, SummaryRefresh
from ..summaries import monday
from .stats import histogram_percentile, share_percent


def last_refresh() -> SummaryRefresh | None:
    return SummaryRefresh.objects.order_by("-finished_at").first()


def _weeks(scope: Scope):
    return {"group": scope.group, "week__gte": monday(scope.start), "week__lte": scope.end}


def _department_rows(scope: Scope) -> list[dict]:
    units = MemberUnit.objects.filter(group=scope.group).order_by("order", "pk")
    if scope.unit:
        units = units.filter(pk=scope.unit.pk)
    weeks = CheckWeek.objects.filter(**_weeks(scope))
    totals: dict[int, dict] = defaultdict(lambda: {"hist": Counter()})
    for week in weeks.only(
        "unit_id",
        "received",
        "answered",
        "answered_on_time",
        "answered_automatically",
        "overdue",
        "answer_days",
    ):
        total = totals[week.unit_id]
        for name in ("received", "answered", "answered_on_time", "answered_automatically"):
            total[name] = total.get(name, 0) + getattr(week, name)
        total["overdue"] = total.get("overdue", 0) + week.overdue
        total["hist"].update({int(days): n for days, n in week.answer_days.items()})
    rows = []
    for unit in units:
        total = totals.get(unit.pk)
        if total is None:
            continue
        rows.append(
            {
                "unit": unit.name,
                "received": total.get("received", 0),
                "answered": total.get("answered", 0),
                "on_time": total.get("answered_on_time", 0),
                "overdue": total.get("overdue", 0),
                "median": histogram_percentile(total["hist"], 0.5),
                "p90": histogram_percentile(total["hist"], 0.9),
                "automatic": share_percent(
                    total.get("answered_automatically", 0), total.get("answered", 0)
                ),
            }
        )
    return rows


def _trend(scope: Scope) -> dict:
    weeks = CheckWeek.objects.filter(**_weeks(scope))
    if scope.unit:
        weeks = weeks.filter(unit=scope.unit)
    trend: dict = defaultdict(lambda: [0, 0, 0])
    for week, received, answered, overdue in weeks.values_list(
        "week", "received", "answered", "overdue"
    ):
        trend[week][0] += received
        trend[week][1] += answered
        trend[week][2] += overdue
    return dict(sorted(trend.items()))


def _requests(scope: Scope) -> dict:
    rows = RequestWeek.objects.filter(**_weeks(scope)).order_by("week")
    return {row.week: (row.submitted, row.completed, row.completed_on_time) for row in rows}


def verification_charts(scope: Scope) -> list[Chart]:
    rows = _department_rows(scope)
    labels = [row["unit"] for row in rows]
    department = _("Department")
    trend = _trend(scope)
    requests = _requests(scope)
    week = _("Week of")
    return [
        Chart(
            key="checks-by-department",
            title=_("Checks per department"),
            kind="stacked",
            category=department,
            labels=labels,
            series=[
                Series(_("Answered on time"), [row["on_time"] for row in rows]),
                Series(_("Answered late"), [row["answered"] - row["on_time"] for row in rows]),
                Series(
                    _("Not answered yet"),
                    [row["received"] - row["answered"] - row["overdue"] for row in rows],
                ),
                Series(_("Overdue"), [row["overdue"] for row in rows]),
            ],
        ),
        Chart(
            key="answer-time",
            title=_("Answer time in working days"),
            kind="bar",
            category=department,
            labels=labels,
            series=[
                Series(_("Median"), [row["median"] for row in rows]),
                Series(_("90th percentile"), [row["p90"] for row in rows]),
            ],
            note=_("From the day the request was filed to the day of the answer."),
        ),
        Chart(
            key="automatic-share",
            title=_("Share answered by connectors (%)"),
            kind="horizontal",
            category=department,
            labels=labels,
            series=[Series(_("Answered by a connector (%)"), [row["automatic"] for row in rows])],
        ),
        Chart(
            key="weekly-trend",
            title=_("Checks by week"),
            kind="line",
            category=week,
            labels=[day.isoformat() for day in trend],
            series=[
                Series(_("Received"), [values[0] for values in trend.values()]),
                Series(_("Answered"), [values[1] for values in trend.values()]),
                Series(_("Overdue"), [values[2] for values in trend.values()]),
            ],
        ),
        Chart(
            key="requests-within-limit",
            title=_("Requests completed within the statutory limit"),
            kind="bar",
            category=week,
            labels=[day.isoformat() for day in requests],
            series=[
                Series(_("Submitted"), [values[0] for values in requests.values()]),
                Series(_("Completed"), [values[1] for values in requests.values()]),
                Series(_("Within the limit"), [values[2] for values in requests.values()]),
            ],
        ),
    ]
