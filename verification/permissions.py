"""Who may see what of verification: the one gateway per object kind.

Households and requests are the office's: clerks and the office director see them.
A check is also its department's: every active liaison of its unit sees and answers it
(a rule on the unit, not rows per check). An authorisation's scan is the office's; a
registry snapshot is its unit's liaisons' and the office's. Everyone else gets 404, never
a hint that it exists.
"""

from django.db.models import Exists, OuterRef
from django.http import Http404

from assistance.roles import Role, has_role
from members.models import Liaison

from .models import (
    Authorization,
    DepartmentCheck,
    Household,
    RegistrySnapshot,
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


def _active_liaison_of(user, unit_ref: str):
    """EXISTS: the user is an active liaison of the unit at ``unit_ref``."""
    return Exists(Liaison.objects.filter(unit_id=OuterRef(unit_ref), user=user, active=True))


def checks_for_liaison(user, perm: str = "verification.answer_departmentcheck"):
    """The checks of every unit the user is an ACTIVE liaison of, however they were
    answered (by hand, from a snapshot in a batch chunk or alone): a rule, not permission
    rows per check, so the batch writes none and never leaves its own unit's liaison
    locked out. ``perm`` is kept for callers; liaisons view and answer the same checks."""
    if not getattr(user, "is_authenticated", False):
        return DepartmentCheck.objects.none()
    return DepartmentCheck.objects.filter(_active_liaison_of(user, "unit_id"))


def get_check_for_user(user, pk, *, perm: str = "view") -> DepartmentCheck:
    """A check for the office, or for a liaison of its unit; 404 for anyone else.
    ``perm`` is 'view' or 'answer' (only the unit's liaisons answer)."""
    base = DepartmentCheck.objects.select_related("unit", "request__household", "answered_by")
    if perm == "view" and is_office(user):
        queryset = base
    else:
        queryset = checks_for_liaison(user).select_related(
            "unit", "request__household", "answered_by"
        )
    try:
        return queryset.get(pk=pk)
    except DepartmentCheck.DoesNotExist:
        raise Http404 from None


def get_authorization_for_user(user, pk) -> Authorization:
    """An authorisation (and its scan) for the office; 404 for anyone else."""
    require_office(user)
    try:
        return Authorization.objects.select_related("member").get(pk=pk)
    except Authorization.DoesNotExist:
        raise Http404 from None


def get_snapshot_for_user(user, pk) -> RegistrySnapshot:
    """A registry snapshot (imported, refused or being checked) for the office or an
    active liaison of its unit; 404 for anyone else, another unit's liaison included."""
    snapshots = RegistrySnapshot.objects.select_related("unit")
    if not is_office(user):
        if not getattr(user, "is_authenticated", False):
            raise Http404
        snapshots = snapshots.filter(_active_liaison_of(user, "unit_id"))
    try:
        return snapshots.get(pk=pk)
    except RegistrySnapshot.DoesNotExist:
        raise Http404 from None
