"""Who may see what of verification: the one gateway per object kind.

Households and requests are the office's: clerks and the office director see them.
A check is also its department's: the unit's liaisons hold guardian object permissions
on it through the unit's group. Everyone else gets 404, never a hint that it exists.
"""

from django.db.models import Exists, OuterRef
from django.http import Http404

from assistance.roles import Role, has_role

from .models import (
    DepartmentCheck,
    DepartmentCheckGroupObjectPermission,
    Household,
    VerificationRequest,
)

OFFICE_ROLES = (Role.OFFICE_CLERK, Role.OFFICE_DIRECTOR)


def is_office(user) -> bool:
    return has_role(user, *OFFICE_ROLES)


def require_office(user) -> None:
    if not is_office(user):
        raise Http404


def get_household_for_user(user, pk) -> Household:
    require_office(user)
    try:
        return Household.objects.select_related("office").get(pk=pk)
    except Household.DoesNotExist:
        raise Http404 from None


def get_request_for_user(user, pk) -> VerificationRequest:
    require_office(user)
    try:
        return VerificationRequest.objects.select_related("household__office", "requested_by").get(
            pk=pk
        )
    except VerificationRequest.DoesNotExist:
        raise Http404 from None


def checks_for_liaison(user, perm: str = "verification.answer_departmentcheck"):
    """The checks on which the user's unit group holds ``perm`` (guardian's direct
    group-permission rows), and only while the user is an active liaison of that unit: a
    deactivated liaison may still sit in the group.

    Written as an EXISTS on the direct permission table rather than guardian's
    ``get_objects_for_user``, whose generic user-permission branch casts the key to text
    and stops PostgreSQL using the index."""
    granted = DepartmentCheckGroupObjectPermission.objects.filter(
        content_object=OuterRef("pk"),
        permission__codename=perm.rsplit(".", 1)[-1],
        group__user=user,
    )
    return DepartmentCheck.objects.filter(
        Exists(granted), unit__liaisons__user=user, unit__liaisons__active=True
    )


def get_check_for_user(user, pk, *, perm: str = "view") -> DepartmentCheck:
    """A check for the office, or for a liaison of its unit; 404 for anyone else.
    ``perm`` is 'view' or 'answer' (only the unit's liaisons answer)."""
    base = DepartmentCheck.objects.select_related("unit", "request__household", "answered_by")
    if perm == "view" and is_office(user):
        queryset = base
    else:
        codename = "answer_departmentcheck" if perm == "answer" else "view_departmentcheck"
        queryset = checks_for_liaison(user, f"verification.{codename}").select_related(
            "unit", "request__household", "answered_by"
        )
    try:
        return queryset.get(pk=pk)
    except DepartmentCheck.DoesNotExist:
        raise Http404 from None
