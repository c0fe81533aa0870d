"""Who sees the units' scores: the convener, the office director and its clerks see every
unit's; a liaison sees their own unit's only (404 for any other); the office director
alone adjusts a score."""

from django.http import Http404

from assistance.roles import Role, has_role
from members.models import MemberUnit
from members.selectors import liaison_unit

READERS = (Role.CONVENER, Role.OFFICE_DIRECTOR, Role.OFFICE_CLERK)


def reads_all(user) -> bool:
    return has_role(user, *READERS)


def can_adjust(user) -> bool:
    return has_role(user, Role.OFFICE_DIRECTOR)


def require_reader(user) -> None:
    if not reads_all(user):
        raise Http404


def own_unit(user) -> MemberUnit:
    """The unit a liaison acts for, else 404."""
    unit = liaison_unit(user) if has_role(user, Role.UNIT_LIAISON) else None
    if unit is None:
        raise Http404
    return unit


def get_unit_for_user(user, pk) -> MemberUnit:
    """A unit whose score ``user`` may read, else 404."""
    unit = MemberUnit.objects.select_related("group").filter(pk=pk).first()
    if unit is None:
        raise Http404
    if reads_all(user):
        return unit
    own = liaison_unit(user) if has_role(user, Role.UNIT_LIAISON) else None
    if own is None or own.pk != unit.pk:
        raise Http404
    return unit
