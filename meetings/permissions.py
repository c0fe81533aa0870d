"""Who may see what of the joint meetings: one gateway per object kind.

The office (clerks, the office director) and the convener see everything. A liaison sees
the meetings their unit is invited to, their own unit's agenda items (and the approved
agenda of those meetings), minutes once circulated to their unit or issued to it, and the
decisions their unit leads or cooperates on. Anyone else gets 404, never a hint.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from assistance.roles import Role, has_role
from members.selectors import liaison_unit

from .models import AgendaItem, Attachment, Decision, Meeting, Minutes

STAFF_ROLES = (Role.OFFICE_CLERK, Role.OFFICE_DIRECTOR, Role.CONVENER)


def is_staff(user) -> bool:
    """The office and the convener: they see every meeting."""
    return has_role(user, *STAFF_ROLES)


def _unit(user):
    unit = liaison_unit(user)
    if unit is None:
        raise Http404
    return unit


def meetings_for_user(user) -> QuerySet[Meeting]:
    if is_staff(user):
        return Meeting.objects.all()
    unit = liaison_unit(user)
    if unit is None:
        return Meeting.objects.none()
    return Meeting.objects.filter(invited_units=unit)


def items_for_user(user) -> QuerySet[AgendaItem]:
    if is_staff(user):
        return AgendaItem.objects.all()
    unit = liaison_unit(user)
    if unit is None:
        return AgendaItem.objects.none()
    return AgendaItem.objects.filter(
        Q(unit=unit) | Q(status=AgendaItem.Status.APPROVED, meeting__invited_units=unit)
    ).distinct()


def minutes_for_user(user) -> QuerySet[Minutes]:
    if is_staff(user):
        return Minutes.objects.all()
    unit = liaison_unit(user)
    if unit is None:
        return Minutes.objects.none()
    circulated = Q(
        status__in=[Minutes.Status.CIRCULATED, Minutes.Status.SIGNED, Minutes.Status.ISSUED],
        responses__unit=unit,
    )
    issued = Q(status=Minutes.Status.ISSUED, receipts__unit=unit)
    return Minutes.objects.filter(circulated | issued).distinct()


def decisions_for_user(user) -> QuerySet[Decision]:
    if is_staff(user):
        return Decision.objects.all()
    unit = liaison_unit(user)
    if unit is None:
        return Decision.objects.none()
    return Decision.objects.filter(
        Q(lead_unit=unit) | Q(cooperating_units=unit),
        minutes__status=Minutes.Status.ISSUED,
    ).distinct()


def _get(queryset, pk):
    try:
        return queryset.get(pk=pk)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def get_meeting_for_user(user, pk) -> Meeting:
    return _get(meetings_for_user(user).select_related("group", "convener"), pk)


def get_item_for_user(user, pk) -> AgendaItem:
    return _get(items_for_user(user).select_related("meeting__group", "unit", "household"), pk)


def get_minutes_for_user(user, pk) -> Minutes:
    return _get(
        minutes_for_user(user).select_related("meeting__group", "meeting__convener", "signed_by"),
        pk,
    )


def get_decision_for_user(user, pk) -> Decision:
    return _get(decisions_for_user(user).select_related("minutes__meeting", "lead_unit"), pk)


def get_attachment_for_user(user, pk) -> Attachment:
    """An attachment for whoever may see what it is attached to (the agenda item, or the
    decision whose progress update carries it); 404 for anyone else."""
    attachment = _get(Attachment.objects.select_related("update"), pk)
    if attachment.agenda_item_id:
        get_item_for_user(user, attachment.agenda_item_id)
    elif attachment.update_id:
        get_decision_for_user(user, attachment.update.decision_id)
    else:
        raise Http404
    return attachment


def require_staff(user) -> None:
    if not is_staff(user):
        raise Http404
