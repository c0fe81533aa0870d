"""What the intake pages need beyond the gateway (``intake.permissions``) and the reads
(``intake.selectors``): the 404 guards of each kind of page, the list's filters, the
liaison's inbox, and the units the share form pre-selects.

Office roles (clerks, the director) see every application; auditors read applications and
timelines; a unit's active liaison sees the referrals to their units and the application
through them, with the ID number masked. Everyone else gets 404, never a hint."""

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from assistance.roles import Role, has_role
from members.selectors import liaison_unit

from . import permissions, selectors
from .models import Application, Referral
from .services import suggested_units as programme_units


def require_office(user) -> None:
    if not permissions.is_office(user):
        raise Http404


def require_reader(user) -> None:
    """The office and the auditors read every application."""
    if not permissions.reads_all(user):
        raise Http404


def require_liaison(user) -> None:
    """The inbox is a liaison's: an active liaison of some unit, with the role."""
    if not has_role(user, Role.UNIT_LIAISON) or liaison_unit(user) is None:
        raise Http404


def get_office_application(user, pk) -> Application:
    require_office(user)
    return permissions.get_application_for_user(user, pk)


def get_referral_to_work_on(user, pk) -> Referral:
    """A referral its unit's liaison signs, returns, reports on or closes."""
    referral = permissions.get_referral_for_user(user, pk)
    if not permissions.can_act_on_referral(user, referral):
        raise Http404
    return referral


def application_list(user, filters: dict) -> QuerySet[Application]:
    """The applications the user reads, newest first, filtered by status, urgency and
    overdue referrals; a fixed number of queries whatever the page's length."""
    applications = permissions.applications_for(user)
    if filters.get("status"):
        applications = applications.filter(status=filters["status"])
    if filters.get("urgent"):
        applications = applications.filter(urgent=True)
    if filters.get("overdue"):
        overdue = Referral.objects.filter(
            application=OuterRef("pk"), overdue=True, status__in=Referral.ACTIVE_STATUSES
        )
        applications = applications.filter(Exists(overdue))
    return selectors.application_rows(applications).order_by("-received_at", "-pk")


def liaison_inbox(user) -> QuerySet[Referral]:
    """The referrals to the liaison's units: overdue first, then by deadline."""
    return selectors.referral_rows(permissions.referrals_for_liaison(user))


def suggested_units(application: Application) -> list:
    """The lead units of the requested programmes first, then their responsible units,
    active units of the application's office only."""
    units = programme_units(application)
    return [
        unit
        for unit in units["lead"] + units["assisting"]
        if unit and unit.active and unit.group_id == application.office_id
    ]
