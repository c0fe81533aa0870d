"""Who may see and do what with reporting rounds and units' reports: the one gateway.

The office (its clerks and director) opens rounds, reads every report and accepts or
sends back submitted ones; auditors read rounds and reports. A unit's active liaison sees
the rounds their unit reports in and their unit's own report, which they fill and submit;
another unit's report is 404 to them, as everything here is to anyone else.
"""

from django.db.models import QuerySet
from django.http import Http404

from assistance.roles import Role, has_role
from members.models import Liaison

from .models import ReportingRound, UnitReport

OFFICE_ROLES = (Role.OFFICE_CLERK, Role.OFFICE_DIRECTOR)


def is_office(user) -> bool:
    """The office's clerks and director: they run the rounds."""
    return has_role(user, *OFFICE_ROLES)


def reads_all(user) -> bool:
    """Who reads every round and report: the office and the auditors."""
    return is_office(user) or has_role(user, Role.AUDITOR)


def _liaison_units(user) -> QuerySet:
    return Liaison.objects.filter(user=user, active=True).values("unit_id")


def is_liaison(user) -> bool:
    return (
        has_role(user, Role.UNIT_LIAISON)
        and Liaison.objects.filter(user=user, active=True).exists()
    )


def acts_for(user, report: UnitReport) -> bool:
    """Whether ``user`` is an active liaison (with the role) of the report's unit."""
    if not user.is_authenticated or not has_role(user, Role.UNIT_LIAISON):
        return False
    return Liaison.objects.filter(user=user, unit_id=report.unit_id, active=True).exists()


# --- Rules -------------------------------------------------------------------------------------


def can_open_round(user) -> bool:
    return is_office(user)


def can_review(user, report: UnitReport) -> bool:
    return is_office(user)


def can_edit(user, report: UnitReport) -> bool:
    return acts_for(user, report)


# --- Gateways ---------------------------------------------------------------------------------


def require_office(user) -> None:
    if not is_office(user):
        raise Http404


def require_reader(user) -> None:
    if not reads_all(user):
        raise Http404


def require_round_list(user) -> None:
    """The list of rounds: the office, auditors and liaisons (their units' rounds)."""
    if not (reads_all(user) or is_liaison(user)):
        raise Http404


def rounds_for(user) -> QuerySet[ReportingRound]:
    """Every round for the office and auditors; for a liaison, the rounds their unit
    reports in; none for anyone else."""
    if not user.is_authenticated:
        return ReportingRound.objects.none()
    if reads_all(user):
        return ReportingRound.objects.all()
    if has_role(user, Role.UNIT_LIAISON):
        return ReportingRound.objects.filter(reports__unit_id__in=_liaison_units(user)).distinct()
    return ReportingRound.objects.none()


def get_round_for_reader(user, pk) -> ReportingRound:
    """A round with its reports and table: the office and auditors, else 404."""
    require_reader(user)
    found = ReportingRound.objects.select_related("group", "opened_by").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def reports_for(user) -> QuerySet[UnitReport]:
    """Every report for the office and auditors, the unit's own for its liaisons."""
    if not user.is_authenticated:
        return UnitReport.objects.none()
    if reads_all(user):
        return UnitReport.objects.all()
    if has_role(user, Role.UNIT_LIAISON):
        return UnitReport.objects.filter(unit_id__in=_liaison_units(user))
    return UnitReport.objects.none()


def get_report_for_user(user, pk) -> UnitReport:
    """One report ``user`` may read, else 404."""
    found = (
        reports_for(user)
        .select_related("round__group", "unit", "reviewed_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def get_report_to_edit(user, pk) -> UnitReport:
    """A report its unit's liaison fills: 404 to everyone else, the office included."""
    report = get_report_for_user(user, pk)
    if not can_edit(user, report):
        raise Http404
    return report


def get_report_to_review(user, pk) -> UnitReport:
    """A report the office accepts or sends back: 404 to everyone else."""
    require_office(user)
    return get_report_for_user(user, pk)
