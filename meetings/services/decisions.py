"""Writes of the decisions (议定事项) of issued minutes: progress reported by the units, the
office closing a decision or sending it back, and the daily reminder of overdue ones."""

import datetime
from collections.abc import Sequence
from pathlib import PurePath

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from assistance.models import Chase
from assistance.notices import notice
from assistance.roles import Role
from assistance.services import ChaseRefused, chase_record
from members.models import MemberUnit

from ..models import Attachment, Decision, DecisionUpdate, Minutes
from ..permissions import can_answer_for, can_follow_up, leads, works_on
from .base import (
    MeetingError,
    NotAllowed,
    WrongState,
    create,
    liaisons_of,
    move,
    notify_after_commit,
    require,
    require_unit,
    save,
    users_with_role,
)

# The reason a chase leaves in a decision's history (a key: read in any language).
CHASED = "chased"


def _require_issued(decision: Decision) -> None:
    if decision.minutes.status != Minutes.Status.ISSUED:
        raise WrongState(_("The minutes of this decision are not issued yet."))


def _check_update(decision: Decision, unit: MemberUnit, text: str, reports_done: bool) -> None:
    """Refuse a progress update the unit may not post on this decision now."""
    _require_issued(decision)
    if not works_on(decision, unit):
        raise NotAllowed(_("This decision is not assigned to %(unit)s.") % {"unit": unit.name})
    if decision.status == Decision.Status.CLOSED:
        raise WrongState(_("This decision is closed."))
    if not text.strip():
        raise MeetingError(_("Describe the progress."))
    if reports_done and not leads(decision, unit):
        raise NotAllowed(_("Only the lead unit reports a decision done."))


@transaction.atomic
def decision_update_post(
    *,
    actor,
    decision: Decision,
    unit: MemberUnit,
    text: str,
    reports_done: bool = False,
    attachments: Sequence = (),
) -> DecisionUpdate:
    """A lead or cooperating unit reports progress, with files already checked by their
    content (``assistance.uploads``); the lead unit may report the decision done."""
    require_unit(can_answer_for(actor, unit), unit)
    decision = Decision.objects.select_for_update().select_related("minutes").get(pk=decision.pk)
    _check_update(decision, unit, text, reports_done)
    update = create(
        DecisionUpdate(
            decision=decision, unit=unit, author=actor, text=text.strip(), reports_done=reports_done
        ),
        actor,
    )
    for upload in attachments:
        create(
            Attachment(
                update=update, file=upload, name=PurePath(upload.name).name[:200], uploaded_by=actor
            ),
            actor,
        )
    if reports_done and decision.status == Decision.Status.OPEN:
        move(decision, Decision.Status.REPORTED_DONE)
        save(decision, actor)
        notify_after_commit(
            users_with_role(Role.OFFICE_CLERK) + users_with_role(Role.OFFICE_DIRECTOR),
            notice(
                gettext_noop("%(unit)s reports a decision done: %(text)s"),
                unit=unit.name,
                text=decision.text[:60],
            ),
            decision.get_absolute_url(),
        )
    return update


def close_needs_reason(decision: Decision) -> bool:
    """Closing a decision its lead unit has not reported done needs a written reason."""
    return decision.status != Decision.Status.REPORTED_DONE


@transaction.atomic
def decision_close(*, actor, decision: Decision, reason: str = "") -> Decision:
    """The office accepts a decision reported done, or closes one without a report for a
    written reason (kept on the decision and in its history, and shown on its page)."""
    require(can_follow_up(actor, decision), action=_("close decisions"))
    decision = Decision.objects.select_for_update().select_related("minutes").get(pk=decision.pk)
    _require_issued(decision)
    if close_needs_reason(decision) and decision.status != Decision.Status.CLOSED:
        if not reason.strip():
            raise MeetingError(
                _("The lead unit has not reported this decision done: write why you close it.")
            )
        decision.close_reason = reason.strip()
    move(decision, Decision.Status.CLOSED)
    decision.closed_by = actor
    decision.closed_at = timezone.now()
    return save(decision, actor, reason=decision.close_reason)


@transaction.atomic
def decision_send_back(*, actor, decision: Decision, comment: str) -> Decision:
    """The office does not accept a decision as done: it goes back to the lead unit."""
    require(can_follow_up(actor, decision), action=_("send decisions back"))
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if not comment.strip():
        raise MeetingError(_("Say what is still to be done."))
    move(decision, Decision.Status.OPEN)
    save(decision, actor, reason=comment)
    create(DecisionUpdate(decision=decision, unit=None, author=actor, text=comment.strip()), actor)
    notify_after_commit(
        liaisons_of([decision.lead_unit]),
        notice(
            gettext_noop("The office sent a decision back: %(comment)s"),
            comment=comment.strip()[:100],
        ),
        decision.get_absolute_url(),
    )
    return decision


def decisions_remind_overdue(*, today: datetime.date | None = None) -> int:
    """Remind the lead units of overdue open decisions, at most once a day each. Returns
    the number of decisions reminded."""
    today = today or timezone.localdate()
    with transaction.atomic():
        overdue = list(
            Decision.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                # A decision reported done waits on the office, not on the lead unit.
                status=Decision.Status.OPEN,
                deadline__lt=today,
                minutes__status=Minutes.Status.ISSUED,
            )
            .exclude(reminded_on=today)
            .select_related("lead_unit")
        )
        Decision.objects.filter(pk__in=[d.pk for d in overdue]).update(reminded_on=today)
        for decision in overdue:
            notify_after_commit(
                liaisons_of([decision.lead_unit]),
                notice(
                    gettext_noop(
                        "A decision your unit leads is overdue (deadline %(date)s): %(text)s"
                    ),
                    date=decision.deadline.isoformat(),
                    text=decision.text[:60],
                ),
                decision.get_absolute_url(),
                notice(gettext_noop("Overdue decision")),
            )
    return len(overdue)


@transaction.atomic
def decision_chase(*, actor, decision: Decision) -> Chase:
    """The office presses the lead unit's liaisons (催办) about a decision still in
    progress: they are notified, the decision's history records it, and the base layer's
    rule allows it once a day per decision."""
    require(can_follow_up(actor, decision), action=_("chase a decision"))
    decision = Decision.objects.select_for_update().select_related("lead_unit").get(pk=decision.pk)
    if decision.status != Decision.Status.OPEN:
        raise WrongState(
            _("Only a decision in progress can be chased; this one is %(status)s.")
            % {"status": decision.get_status_display()}
        )
    users = liaisons_of([decision.lead_unit])
    try:
        chase = chase_record(
            actor=actor, obj=decision, liaisons=users, unit_name=decision.lead_unit.name
        )
    except ChaseRefused as refused:
        raise MeetingError(str(refused)) from None
    save(decision, actor, reason=CHASED)
    deadline = decision.deadline.isoformat() if decision.deadline else "—"
    notify_after_commit(
        users,
        notice(
            gettext_noop(
                "The office chases a decision your unit leads (deadline %(date)s): %(text)s"
            ),
            date=deadline,
            text=decision.text[:60],
        ),
        decision.get_absolute_url(),
        notice(gettext_noop("Chased: a decision your unit leads")),
    )
    return chase
