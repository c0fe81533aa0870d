"""Who may see what of the joint meetings, and who may do what to it: the app's gateway.

Seeing: the office (clerks, the office director) and the convener see everything. A
liaison sees the meetings their unit is invited to, their own unit's agenda items (and the
approved agenda of those meetings), minutes once circulated to their unit or issued to it,
and the decisions their unit leads or cooperates on. Anyone else gets 404, never a hint.

Doing: the ``can_*`` rules below say which role (or which unit's liaison) may take each
step. The services refuse by them (``NotAllowed``) and the views ask them which buttons to
offer, so the two never disagree. Whether the object's *state* allows the step is the
services' (and the models' transitions') business, not this module's.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from assistance.roles import Role, has_role
from members.models import Liaison, MemberUnit
from members.selectors import liaison_unit

from .models import AgendaItem, Attachment, Decision, Meeting, Minutes

OFFICE_ROLES = (Role.OFFICE_CLERK, Role.OFFICE_DIRECTOR)
STAFF_ROLES = (*OFFICE_ROLES, Role.CONVENER)


# --- Roles and units ------------------------------------------------------------------------


def is_staff(user) -> bool:
    """The office and the convener: they see every meeting."""
    return has_role(user, *STAFF_ROLES)


def is_office(user) -> bool:
    """The office's clerks and its director: they run the meetings' paperwork."""
    return has_role(user, *OFFICE_ROLES)


def acts_for(user, unit: MemberUnit) -> bool:
    """Whether ``user`` is an active liaison of ``unit`` (one query)."""
    if not user.is_authenticated:
        return False
    return Liaison.objects.filter(user=user, unit=unit, active=True).exists()


# --- Rules: who may do what -----------------------------------------------------------------


def can_manage_meetings(user) -> bool:
    """Plan, schedule, edit and cancel meetings and record attendance: the office."""
    return is_office(user)


def can_propose_for(user, unit: MemberUnit) -> bool:
    """Draft, change and submit a unit's agenda items: the office for any unit, a liaison
    for their own."""
    return is_office(user) or acts_for(user, unit)


def can_change_item(user, item: AgendaItem) -> bool:
    return can_propose_for(user, item.unit)


def can_propose_items(user, meeting: Meeting) -> bool:
    """Whether to offer proposing an item at ``meeting``: the office, or a liaison of an
    invited unit (one query for a liaison)."""
    if is_office(user):
        return True
    if not user.is_authenticated:
        return False
    return Liaison.objects.filter(
        user=user, active=True, unit__in=meeting.invited_units.all()
    ).exists()


def can_review_item(user, item: AgendaItem | None = None) -> bool:
    """Accept, return or reject submitted agenda items: the office director."""
    return has_role(user, Role.OFFICE_DIRECTOR)


def can_approve_agenda(user, meeting: Meeting | None = None) -> bool:
    """Approve a meeting's agenda (which publishes it): the convener."""
    return has_role(user, Role.CONVENER)


def can_keep_minutes(user) -> bool:
    """Draft minutes, send them for review, take them back to revise, issue them: the
    office."""
    return is_office(user)


def can_review_minutes(user, minutes: Minutes | None = None) -> bool:
    """Return draft minutes or approve and circulate them: the office director."""
    return has_role(user, Role.OFFICE_DIRECTOR)


def can_sign_minutes(user, minutes: Minutes | None = None) -> bool:
    return has_role(user, Role.CONVENER)


def can_answer_for(user, unit: MemberUnit) -> bool:
    """Consent to minutes, acknowledge their receipt, report a decision's progress for a
    unit in the unit's own name: that unit's liaison only (the office records an answer
    the unit gave outside the application: ``can_answer_on_behalf``)."""
    return acts_for(user, unit)


def can_answer_on_behalf(user, unit: MemberUnit | None = None) -> bool:
    """Record a unit's consent to minutes or its receipt of them, given by phone, on paper
    or in person (most units have no liaison in the application): the office, naming how
    the answer came, who gave it and when."""
    return is_office(user)


def works_on(decision: Decision, unit: MemberUnit | None) -> bool:
    """Whether ``unit`` leads ``decision`` or cooperates on it (the cooperating units'
    prefetch is used when there is one)."""
    if unit is None:
        return False
    return unit.pk == decision.lead_unit_id or any(
        u.pk == unit.pk for u in decision.cooperating_units.all()
    )


def leads(decision: Decision, unit: MemberUnit | None) -> bool:
    """Only the lead unit reports a decision done."""
    return unit is not None and unit.pk == decision.lead_unit_id


def can_follow_up(user, decision: Decision | None = None) -> bool:
    """Close a decision or send it back to its lead unit: the office."""
    return is_office(user)


# --- What a user may see --------------------------------------------------------------------


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


def get_changeable_item_for_user(user, pk) -> AgendaItem:
    """An item the user may also change (the office, or the item's own unit); 404 for a
    liaison who only sees it on the approved agenda, as for anyone else."""
    item = get_item_for_user(user, pk)
    if not can_change_item(user, item):
        raise Http404
    return item


def get_minutes_for_user(user, pk) -> Minutes:
    return _get(
        minutes_for_user(user).select_related("meeting__group", "meeting__convener", "signed_by"),
        pk,
    )


def meeting_minutes_for_user(user, meeting: Meeting) -> Minutes | None:
    """The minutes of ``meeting``, if it has any the user may see."""
    return minutes_for_user(user).filter(meeting=meeting).first()


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


def require_office(user) -> None:
    """Pages only the office uses (drafting minutes): to anyone else they do not exist."""
    if not is_office(user):
        raise Http404
