"""Writes of reporting: opening a round, a unit saving and submitting its report, the
office accepting it or sending it back. Each runs in one transaction, locks the report
it changes (``select_for_update``), checks the gateway's rules, moves the status only as
``UnitReport.TRANSITIONS`` allows, and names the actor in the history. Refusals raise
``ReportingError`` with a message in the user's language and change nothing."""

import calendar
import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from assistance.roles import Role
from assistance.services import notify
from assistance.workdays import WorkdayCalendar
from members.models import LeadingGroup

from . import permissions
from .figures import InvalidValue, parse_value
from .models import FigureDefinition, FigureValue, ReportingRound, UnitReport


class ReportingError(Exception):
    """A rule refused the action. ``message`` says why; ``field_errors`` maps a figure's
    id to what is wrong with its value, when values were refused."""

    def __init__(self, message: str, field_errors: Mapping[int, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = dict(field_errors or {})


def _require(allowed: bool) -> None:
    if not allowed:
        raise ReportingError(_("Your role does not allow you to do this."))


def _move(report: UnitReport, status) -> None:
    current = UnitReport.Status(report.status)
    if status not in UnitReport.TRANSITIONS[current]:
        raise ReportingError(
            _("This report is “%(status)s” and cannot be changed that way.")
            % {"status": current.label}
        )
    report.status = status


def _lock(report: UnitReport) -> UnitReport:
    return UnitReport.objects.select_for_update().select_related("round", "unit").get(pk=report.pk)


def liaison_users(unit_ids) -> list:
    return list(
        get_user_model().objects.filter(
            liaison__unit_id__in=list(unit_ids), liaison__active=True, is_active=True
        )
    )


def office_users() -> list:
    return list(
        get_user_model()
        .objects.filter(groups__name__in=[Role.OFFICE_CLERK, Role.OFFICE_DIRECTOR], is_active=True)
        .distinct()
    )


def notify_after_commit(users: list, message: str, url: str = "") -> None:
    if users:
        transaction.on_commit(lambda: notify(users=users, message=message, url=url))


# --- Rounds ----------------------------------------------------------------------------------


def period_dates(kind: str, year: int, number: int) -> tuple[datetime.date, datetime.date]:
    """The first and last day of quarter or month ``number`` of ``year``."""
    if kind == ReportingRound.PeriodKind.QUARTER:
        if not 1 <= number <= 4:
            raise ReportingError(_("A quarter is numbered 1 to 4."))
        first_month, last_month = 3 * number - 2, 3 * number
    else:
        if not 1 <= number <= 12:
            raise ReportingError(_("A month is numbered 1 to 12."))
        first_month = last_month = number
    if not 2000 <= year <= 2100:
        raise ReportingError(_("Enter a year between 2000 and 2100."))
    last_day = calendar.monthrange(year, last_month)[1]
    return datetime.date(year, first_month, 1), datetime.date(year, last_month, last_day)


def default_title(kind: str, year: int, number: int) -> str:
    """e.g. “2026年第4季度” or “2026年10月”, in the opener's language."""
    if kind == ReportingRound.PeriodKind.QUARTER:
        return _("%(year)d, quarter %(number)d") % {"year": year, "number": number}
    return _("%(year)d, month %(number)d") % {"year": year, "number": number}


@transaction.atomic
def round_open(
    *,
    actor,
    group: LeadingGroup,
    period_kind: str,
    year: int,
    number: int,
    working_days: int,
    title: str = "",
    now: datetime.datetime | None = None,
) -> ReportingRound:
    """Open a round: the group's active figures are asked of the active units that carry
    them, each such unit gets an empty report (a draft), and the deadline is ``working_days``
    working days after today (the day of opening not counted). The liaisons are told."""
    _require(permissions.can_open_round(actor))
    now = now or timezone.now()
    start, end = period_dates(period_kind, year, number)
    if not 1 <= working_days <= 60:
        raise ReportingError(_("Give between 1 and 60 working days to report."))
    figures = list(FigureDefinition.objects.filter(group=group, active=True))
    unit_ids = set(
        FigureDefinition.units.through.objects.filter(
            figuredefinition__in=figures, memberunit__active=True, memberunit__group=group
        ).values_list("memberunit_id", flat=True)
    )
    if not unit_ids:
        raise ReportingError(
            _("The group has no active figure for any active unit: define them in the admin.")
        )
    if ReportingRound.objects.filter(
        group=group, period_kind=period_kind, year=year, number=number
    ).exists():
        raise ReportingError(_("A round for this period is already open."))
    deadline = WorkdayCalendar().add_working_days(timezone.localdate(now), working_days)
    round_ = ReportingRound(
        group=group,
        title=(title or "").strip() or default_title(period_kind, year, number),
        period_kind=period_kind,
        year=year,
        number=number,
        period_start=start,
        period_end=end,
        opened_at=now,
        opened_by=actor,
        working_days=working_days,
        deadline=deadline.date,
        deadline_provisional=deadline.provisional,
    )
    round_._history_user = actor
    round_.full_clean()
    try:
        with transaction.atomic():
            round_.save()
    except IntegrityError:
        raise ReportingError(_("A round for this period is already open.")) from None
    round_.figures.set(figures)
    reports = [UnitReport(round=round_, unit_id=unit_id) for unit_id in sorted(unit_ids)]
    bulk_create_with_history(reports, UnitReport, default_user=actor)
    message = _("Reporting round “%(title)s” is open: report by %(deadline)s.") % {
        "title": round_.title,
        "deadline": round_.deadline.isoformat(),
    }
    notify_after_commit(liaison_users(unit_ids), message, reverse("reporting:round_list"))
    return round_


# --- A unit's report -------------------------------------------------------------------------


def report_definitions(report: UnitReport) -> list[FigureDefinition]:
    """The figures of the round that the report's unit carries, in programme order."""
    return list(
        report.round.figures.filter(units=report.unit_id)
        .select_related("program")
        .order_by("program__order", "program_id", "order", "pk")
    )


def _checked_values(definitions, values: Mapping[int, object]) -> dict[int, Decimal | None]:
    """Every value read by its figure's rules; all refusals at once."""
    by_id = {d.pk: d for d in definitions}
    checked, errors = {}, {}
    for definition_id, raw in values.items():
        definition = by_id.get(int(definition_id))
        if definition is None:
            raise ReportingError(_("A value was given for a figure this report does not ask."))
        try:
            checked[definition.pk] = parse_value(definition, raw)
        except InvalidValue as error:
            errors[definition.pk] = error.message
    if errors:
        raise ReportingError(_("Some values are not accepted; nothing was saved."), errors)
    return checked


def _write_values(report: UnitReport, checked: Mapping[int, Decimal | None], actor) -> None:
    existing = {v.definition_id: v for v in report.values.select_for_update()}
    for definition_id, value in checked.items():
        current = existing.get(definition_id)
        if value is None:
            if current is not None:
                current._history_user = actor
                current.delete()
        elif current is None:
            row = FigureValue(report=report, definition_id=definition_id, value=value)
            row._history_user = actor
            row.save()
        elif current.value != value:
            current.value = value
            current._history_user = actor
            current.save(update_fields=["value"])


@transaction.atomic
def report_save(*, actor, report: UnitReport, values: Mapping[int, object]) -> UnitReport:
    """Save the unit's values as a draft (blank ones are cleared); the report stays a draft
    (or sent back) until submitted. Refused whole if any value is not accepted."""
    report = _lock(report)
    _require(permissions.can_edit(actor, report))
    if not report.editable:
        raise ReportingError(_("This report is no longer open for changes."))
    checked = _checked_values(report_definitions(report), values)
    _write_values(report, checked, actor)
    return report


@transaction.atomic
def report_submit(
    *,
    actor,
    report: UnitReport,
    values: Mapping[int, object] | None = None,
    now: datetime.datetime | None = None,
) -> UnitReport:
    """Save ``values`` (if given) and submit the report to the office; every figure needs a
    value. A report submitted after the round's deadline is flagged late."""
    report = _lock(report)
    _require(permissions.can_edit(actor, report))
    if not report.editable:
        raise ReportingError(_("This report is no longer open for changes."))
    definitions = report_definitions(report)
    if values is not None:
        _write_values(report, _checked_values(definitions, values), actor)
    given = set(report.values.values_list("definition_id", flat=True))
    missing = {d.pk: _("A value is needed to submit.") for d in definitions if d.pk not in given}
    if missing:
        raise ReportingError(
            _("Every figure needs a value before the report is submitted."), missing
        )
    now = now or timezone.now()
    _move(report, UnitReport.Status.SUBMITTED)
    report.submitted_at = now
    report.late = report.late or report.round.is_past_deadline(timezone.localdate(now))
    report._history_user = actor
    report.save(update_fields=["status", "submitted_at", "late"])
    message = _("%(unit)s submitted its report for “%(round)s”.") % {
        "unit": report.unit.name,
        "round": report.round.title,
    }
    notify_after_commit(
        office_users(), message, reverse("reporting:report_detail", kwargs={"pk": report.pk})
    )
    return report


def _review(actor, report: UnitReport, status, comment: str) -> UnitReport:
    report = _lock(report)
    _require(permissions.can_review(actor, report))
    _move(report, status)
    report.reviewed_at = timezone.now()
    report.reviewed_by = actor
    report.comment = comment
    report._history_user = actor
    report.save(update_fields=["status", "reviewed_at", "reviewed_by", "comment"])
    return report


@transaction.atomic
def report_accept(*, actor, report: UnitReport, comment: str = "") -> UnitReport:
    """The office accepts a submitted report; its values are final."""
    return _review(actor, report, UnitReport.Status.ACCEPTED, (comment or "").strip())


@transaction.atomic
def report_return(*, actor, report: UnitReport, comment: str) -> UnitReport:
    """The office sends a submitted report back with a comment; the unit corrects it and
    submits it again. Its liaisons are told."""
    comment = (comment or "").strip()
    if not comment:
        raise ReportingError(_("Say what the unit should correct."))
    report = _review(actor, report, UnitReport.Status.RETURNED, comment)
    message = _("Your report for “%(round)s” was sent back: %(comment)s") % {
        "round": report.round.title,
        "comment": comment,
    }
    notify_after_commit(
        liaison_users([report.unit_id]),
        message,
        reverse("reporting:report_detail", kwargs={"pk": report.pk}),
    )
    return report
