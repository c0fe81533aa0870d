"""Reads of verification that views, other apps and the home pages share: each one query
(or a subquery to annotate with), so a list page's query count stays fixed."""

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, When
from django.utils import timezone

from members.models import LeadingGroup

from .models import DepartmentCheck, Household, HouseholdMember, VerificationRequest
from .permissions import checks_for_liaison


def office_summary() -> dict:
    """What the office has under way: requests in progress, checks returned with a
    question, and overdue checks."""
    checks = DepartmentCheck.objects.filter(status__in=DepartmentCheck.OPEN).aggregate(
        returned=Count("pk", filter=Q(status=DepartmentCheck.Status.RETURNED)),
        overdue=Count("pk", filter=Q(overdue=True) | Q(deadline__lt=timezone.localdate())),
    )
    under_way = VerificationRequest.objects.filter(
        status=VerificationRequest.Status.SUBMITTED
    ).count()
    return {"under_way": under_way, **checks}


def liaison_summary(user) -> dict:
    """The liaison's unit's open checks and how many of them are overdue."""
    return (
        checks_for_liaison(user)
        .filter(status__in=DepartmentCheck.OPEN)
        .aggregate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(overdue=True) | Q(deadline__lt=timezone.localdate())),
        )
    )


# --- Households and their applicants --------------------------------------------------------


def applicant_of(household_ref: str = "pk") -> QuerySet[HouseholdMember]:
    """The household's applicant (or, failing one, its first member), as a subquery on the
    household named by ``household_ref`` in the outer query (slice it to one row)."""
    return HouseholdMember.objects.filter(household=OuterRef(household_ref)).order_by(
        Case(
            When(relation=HouseholdMember.Relation.APPLICANT, then=0),
            default=1,
            output_field=IntegerField(),
        ),
        "pk",
    )


def with_applicant(queryset: QuerySet, household_ref: str = "pk") -> QuerySet:
    """``queryset`` with ``applicant_name`` and ``applicant_id_number`` of the household
    that ``household_ref`` names on each row, in the same query."""
    return queryset.annotate(
        applicant_name=Subquery(applicant_of(household_ref).values("name")[:1]),
        applicant_id_number=Subquery(applicant_of(household_ref).values("id_number")[:1]),
    )


def households_of(group: LeadingGroup) -> QuerySet[Household]:
    """The households registered with a group's office, each with its applicant's name and
    ID number (masked when shown), by town, in one query."""
    return with_applicant(Household.objects.filter(office=group)).order_by("town", "pk")


def household_with_applicant(household_id: int) -> Household | None:
    """One household with its applicant's name and ID number, or None."""
    return with_applicant(Household.objects.filter(pk=household_id)).first()


def household_registered_with(household_id: int, group_id: int) -> bool:
    """Whether the household is registered with that group's office."""
    return Household.objects.filter(pk=household_id, office_id=group_id).exists()
