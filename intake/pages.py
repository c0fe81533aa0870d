"""What the intake pages read beyond ``intake.selectors``: the list's filters, the
liaison's inbox, and the units the share form pre-selects. Who may open which page is the
gateway's (``intake.permissions``).

Office roles (clerks, the director) see every application; auditors read applications and
timelines; a unit's active liaison sees the referrals to their units and the application
through them, with the ID number masked. Everyone else gets 404, never a hint."""

from django.db.models import Exists, OuterRef, QuerySet

from . import permissions, selectors
from .models import Application, Referral
from .services import suggested_units as programme_units


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
