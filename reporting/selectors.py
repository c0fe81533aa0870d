"""Reads of reporting, each a fixed number of queries whatever the number of rows: the
rounds with their counts, a round's reports (late and missing ones marked), and the
round's aggregated table per programme, figure and unit beside the previous round and
the same period of last year."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from .models import FigureDefinition, FigureValue, ReportingRound, UnitReport

REPORTED = Q(reports__status__in=UnitReport.REPORTED)


def round_rows(rounds: QuerySet[ReportingRound]) -> QuerySet[ReportingRound]:
    """Rounds with the number of reports, reported (submitted or accepted), accepted and
    late ones: one query."""
    return (
        rounds.select_related("group")
        .order_by("-year", "-period_start", "-pk")
        .annotate(
            report_count=Count("reports", distinct=True),
            reported_count=Count("reports", filter=REPORTED, distinct=True),
            accepted_count=Count(
                "reports", filter=Q(reports__status=UnitReport.Status.ACCEPTED), distinct=True
            ),
            late_count=Count("reports", filter=Q(reports__late=True), distinct=True),
        )
    )


def round_reports(round_: ReportingRound, *, today: datetime.date | None = None) -> list:
    """The round's reports in the register's order, each with ``missing`` set when the
    deadline has passed and the unit has not (or not again) submitted: one query."""
    today = today or timezone.localdate()
    past = round_.is_past_deadline(today)
    reports = list(
        UnitReport.objects.filter(round=round_)
        .select_related("unit")
        .order_by("unit__order", "unit__pk")
    )
    for report in reports:
        report.missing = past and report.editable
    return reports


def liaison_reports(reports: QuerySet[UnitReport]) -> QuerySet[UnitReport]:
    """A liaison's reports, newest round first."""
    return reports.select_related("round", "unit").order_by("-round__year", "-round__period_start")


def report_values(report: UnitReport) -> dict[int, Decimal]:
    return dict(report.values.values_list("definition_id", "value"))


def previous_round(round_: ReportingRound) -> ReportingRound | None:
    """The group's round of the same kind of period just before this one."""
    return (
        ReportingRound.objects.filter(
            group_id=round_.group_id,
            period_kind=round_.period_kind,
            period_start__lt=round_.period_start,
        )
        .order_by("-period_start")
        .first()
    )


def last_year_round(round_: ReportingRound) -> ReportingRound | None:
    """The group's round of the same quarter (or month) a year before."""
    return ReportingRound.objects.filter(
        group_id=round_.group_id,
        period_kind=round_.period_kind,
        year=round_.year - 1,
        number=round_.number,
    ).first()


@dataclass
class TableRow:
    """One unit's value of one figure, and the same in the two rounds compared."""

    unit_name: str
    current: Decimal | None
    previous: Decimal | None
    last_year: Decimal | None


@dataclass
class FigureBlock:
    """One figure of the table: its rows per unit and the totals."""

    definition: FigureDefinition
    rows: list[TableRow] = field(default_factory=list)
    total: Decimal | None = None
    previous_total: Decimal | None = None
    last_year_total: Decimal | None = None


@dataclass
class RoundTable:
    round: ReportingRound
    previous: ReportingRound | None
    last_year: ReportingRound | None
    blocks: list[FigureBlock]


def _total(values):
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


def _shown(definition: FigureDefinition, value: Decimal | None) -> Decimal | None:
    """The value with the figure's decimal places (a count shows no “.00”)."""
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-definition.decimal_places))


def round_table(round_: ReportingRound) -> RoundTable:
    """The round's figures per programme and unit, with the values of the previous round
    and of the same period last year beside them (reported reports only: submitted or
    accepted). Four queries: the two rounds compared, the figures, and one set-based
    aggregate over the values of all three rounds."""
    previous, last_year = previous_round(round_), last_year_round(round_)
    definitions = list(
        round_.figures.select_related("program").order_by(
            "program__order", "program_id", "order", "pk"
        )
    )
    round_ids = [r.pk for r in (round_, previous, last_year) if r is not None]

    def of(r):
        # A round that does not exist sums nothing (NULL), in the same query.
        return Sum("value", filter=Q(report__round_id=r.pk) if r else Q(report__round__isnull=True))

    aggregated = (
        FigureValue.objects.filter(
            definition__in=[d.pk for d in definitions],
            report__round_id__in=round_ids,
            report__status__in=UnitReport.REPORTED,
        )
        .values("definition_id", "report__unit_id", "report__unit__name", "report__unit__order")
        .annotate(current=of(round_), previous=of(previous), last_year=of(last_year))
        .order_by("definition_id", "report__unit__order", "report__unit_id")
    )
    by_id = {d.pk: d for d in definitions}
    rows: dict[int, list[TableRow]] = {}
    for row in aggregated:
        definition = by_id[row["definition_id"]]
        rows.setdefault(definition.pk, []).append(
            TableRow(
                row["report__unit__name"],
                *(_shown(definition, row[key]) for key in ("current", "previous", "last_year")),
            )
        )
    blocks = []
    for definition in definitions:
        block_rows = rows.get(definition.pk, [])
        blocks.append(
            FigureBlock(
                definition,
                block_rows,
                *(
                    _total(getattr(r, key) for r in block_rows)
                    for key in ("current", "previous", "last_year")
                ),
            )
        )
    return RoundTable(round_, previous, last_year, blocks)
