"""Which households a batch verifies: those due for re-check, and of them those whose
every member has a covering authorisation."""

import datetime

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone

from members.models import LeadingGroup

from ..models import Authorization, Household, HouseholdMember
from ..selectors import due_for_recheck, not_under_way


def households_due(
    *,
    office: LeadingGroup,
    assistance_type: str = "",
    town: str = "",
    due_only: bool = True,
    today: datetime.date | None = None,
) -> QuerySet[Household]:
    """The cohort: households of the office, optionally of one assistance type and town,
    with no verification under way; with ``due_only``, those whose last completed
    verification is older than the re-check rule allows (a year; six months with
    irregular income) or that were never verified."""
    today = today or timezone.localdate()
    households = Household.objects.filter(office=office)
    if assistance_type:
        households = households.filter(assistance_type=assistance_type)
    if town:
        households = households.filter(town=town)
    households = not_under_way(households)
    if due_only:
        households = due_for_recheck(households, today)
    return households


def households_authorized(
    households: QuerySet[Household], on: datetime.date
) -> QuerySet[Household]:
    """Households every member of which has an authorisation covering ``on``."""
    covered = Authorization.objects.filter(
        member=OuterRef("pk"), signed_on__lte=on, valid_until__gte=on
    )
    uncovered = HouseholdMember.objects.filter(household=OuterRef("pk")).exclude(Exists(covered))
    return households.annotate(n=Count("members")).filter(n__gt=0).exclude(Exists(uncovered))
