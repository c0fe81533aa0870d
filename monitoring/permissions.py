"""Who may see what of the monitoring: one gateway per object kind; outsiders get 404,
never a hint that something exists.

The monitoring list, every warning, the evaluations and a household's hardship score are
the office's (its clerks and director). A warning is also the unit's it is assigned to:
that unit's active liaisons see it (the household's town and address, the member's name,
the reason) and record the visit; another unit's warning, or one not assigned, is 404 to
them. Nobody else sees any.
"""

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from intake.permissions import acts_for
from ledger.permissions import get_household_for_office as get_household_for_office
from members.models import Liaison
from verification.permissions import get_unit_for_liaison as get_unit_for_liaison
from verification.permissions import is_office, require_office

from .models import EarlyWarning

__all__ = [
    "get_household_for_office",
    "get_unit_for_liaison",
    "get_warning_for_user",
    "get_warning_to_visit",
    "visits",
    "is_office",
    "require_office",
    "warnings_for_user",
]


def warnings_for_user(user) -> QuerySet[EarlyWarning]:
    """Every warning for the office; those assigned to the units ``user`` is an active
    liaison of; none for anyone else."""
    if not getattr(user, "is_authenticated", False):
        return EarlyWarning.objects.none()
    if is_office(user):
        return EarlyWarning.objects.all()
    liaison = Liaison.objects.filter(unit_id=OuterRef("assigned_unit_id"), user=user, active=True)
    return EarlyWarning.objects.filter(Exists(liaison))


def get_warning_for_user(user, pk) -> EarlyWarning:
    """One warning ``user`` may see, else 404."""
    found = (
        warnings_for_user(user)
        .select_related(
            "rule", "household__office", "member", "assigned_unit", "application", "source_type"
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def visits(user, warning: EarlyWarning) -> bool:
    """Whether ``user`` records the visit of ``warning``: it acts for the unit the warning
    is assigned to."""
    return warning.assigned_unit_id is not None and acts_for(user, warning.assigned_unit_id)


def get_warning_to_visit(user, pk) -> EarlyWarning:
    """A warning whose visit ``user`` records (its unit's liaison); 404 for the office and
    everyone else."""
    warning = get_warning_for_user(user, pk)
    if not visits(user, warning):
        raise Http404
    return warning
