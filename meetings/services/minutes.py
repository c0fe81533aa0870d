"""Writes of the minutes (会议纪要): the office drafts them with their decisions, the office
director reviews them, the attending units consent, the convener signs, the office issues
them to every member unit, and each unit acknowledges receipt."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history

from assistance.notices import notice
from assistance.roles import Role
from assistance.workdays import WorkdayCalendar
from members.models import MemberUnit

from ..models import Attendance, Decision, Meeting, Minutes, MinutesReceipt, MinutesResponse
from ..permissions import (
    can_answer_for,
    can_keep_minutes,
    can_review_minutes,
    can_sign_minutes,
)
from .base import (
    MeetingError,
    NotAllowed,
    WrongState,
    liaisons_of,
    move,
    notify_after_commit,
    require,
    require_unit,
    save,
    users_with_role,
)
from .meetings import meeting_day_reached, not_held_yet_reason


@dataclass
class DecisionData:
    text: str
    lead_unit_id: int
    cooperating_unit_ids: list[int] = field(default_factory=list)
    working_days: int = 20
    agenda_item_id: int | None = None


def _lock_minutes(minutes: Minutes) -> Minutes:
    return Minutes.objects.select_for_update().select_related("meeting__group").get(pk=minutes.pk)


# --- Drafting -------------------------------------------------------------------------------


def _check_decisions(meeting: Meeting, decisions: Sequence[DecisionData]) -> None:
    group_units = set(meeting.group.units.values_list("pk", flat=True))
    for data in decisions:
        units = {data.lead_unit_id, *data.cooperating_unit_ids}
        if not data.text.strip() or not units <= group_units:
            raise MeetingError(_("Each decision needs its text and units of this group."))
        if not 1 <= data.working_days <= 250:
            raise MeetingError(_("A decision's deadline is 1 to 250 working days."))
    items = {data.agenda_item_id for data in decisions if data.agenda_item_id}
    if items and meeting.agenda_items.filter(pk__in=items).count() != len(items):
        raise MeetingError(_("A decision settles an item on this meeting's agenda only."))


def _replace_decisions(minutes: Minutes, decisions: Sequence[DecisionData], actor) -> None:
    for old in minutes.decisions.all():
        old._history_user = actor  # the deletion's history row names who redrafted
        old.delete()
    for order, data in enumerate(decisions, start=1):
        decision = save(
            Decision(
                minutes=minutes,
                text=data.text.strip(),
                lead_unit_id=data.lead_unit_id,
                working_days=data.working_days,
                agenda_item_id=data.agenda_item_id,
                order=order,
            ),
            actor,
        )
        decision.cooperating_units.set(
            [pk for pk in data.cooperating_unit_ids if pk != data.lead_unit_id]
        )


@transaction.atomic
def minutes_draft(
    *,
    actor,
    meeting: Meeting,
    text: str,
    decisions: Sequence[DecisionData],
    document_number: str = "",
) -> Minutes:
    """Draft (or redraft) a held meeting's minutes with its decisions as structured items."""
    require(can_keep_minutes(actor), action=_("draft minutes"))
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != Meeting.Status.HELD:
        raise WrongState(_("Minutes are drafted once the meeting is held."))
    if not meeting_day_reached(meeting):
        raise WrongState(not_held_yet_reason(meeting))
    minutes = Minutes.objects.select_for_update().filter(meeting=meeting).first()
    if minutes is None:
        minutes = Minutes(meeting=meeting, drafted_by=actor)
    elif minutes.status not in Minutes.EDITABLE:
        raise WrongState(_("Only draft minutes can be edited."))
    if not text.strip():
        raise MeetingError(_("The minutes have no text."))
    _check_decisions(meeting, decisions)
    minutes.text = text.strip()
    minutes.document_number = document_number.strip()
    minutes.drafted_by = actor
    save(minutes, actor)
    _replace_decisions(minutes, decisions, actor)
    return minutes


@transaction.atomic
def minutes_submit_for_review(*, actor, minutes: Minutes) -> Minutes:
    """Send draft minutes to the office director."""
    require(can_keep_minutes(actor), action=_("submit minutes for review"))
    minutes = _lock_minutes(minutes)
    move(minutes, Minutes.Status.IN_REVIEW)
    save(minutes, actor)
    notify_after_commit(
        users_with_role(Role.OFFICE_DIRECTOR),
        notice(
            gettext_noop("Minutes of %(meeting)s await your review."),
            meeting=minutes.meeting.title,
        ),
        minutes.get_absolute_url(),
    )
    return minutes


# --- Review and consent ---------------------------------------------------------------------


def _ask_attending(minutes: Minutes, attending: list[int], actor) -> None:
    """Ask every attending unit again for its answer, and only them."""
    # A recirculated draft asks everyone again, and only the units that attended (the
    # attendance may have been corrected while the minutes were back in the draft). Saved
    # one by one so each response's history names the director; the earlier answers stay
    # in that history.
    existing = {r.unit_id: r for r in minutes.responses.select_for_update().order_by()}
    for unit_id, response in existing.items():
        if unit_id not in attending:
            response._history_user = actor
            response.delete()
    for unit_id in attending:
        response = existing.get(unit_id) or MinutesResponse(minutes=minutes, unit_id=unit_id)
        response.answer = MinutesResponse.Answer.PENDING
        response.comment = ""
        response.answered_by = None
        response.answered_at = None
        response.via, response.given_by, response.given_on = "", "", None
        save(response, actor)


@transaction.atomic
def minutes_review(*, actor, minutes: Minutes, approve: bool, comment: str = "") -> Minutes:
    """The office director either returns the draft (with comments) or approves it, which
    circulates it to the attending units for consent by a working-day deadline."""
    require(can_review_minutes(actor, minutes), action=_("review minutes"))
    minutes = _lock_minutes(minutes)
    if not approve:
        if not comment.strip():
            raise MeetingError(_("Say what to change."))
        move(minutes, Minutes.Status.DRAFT)
        minutes.review_comment = comment.strip()
        return save(minutes, actor, reason=comment)
    if minutes.status != Minutes.Status.IN_REVIEW:
        raise WrongState(_("Only minutes in review can be circulated."))
    attending = list(
        minutes.meeting.attendance.exclude(presence=Attendance.Presence.ABSENT).values_list(
            "unit_id", flat=True
        )
    )
    if not attending:
        raise MeetingError(_("No unit attended: record attendance first."))
    move(minutes, Minutes.Status.CIRCULATED)
    deadline = WorkdayCalendar().add_working_days(
        timezone.localdate(), settings.MINUTES_CONSENT_WORKING_DAYS
    )
    minutes.consent_deadline = deadline.date
    minutes.consent_deadline_provisional = deadline.provisional
    minutes.review_comment = comment.strip()
    save(minutes, actor)
    _ask_attending(minutes, attending, actor)
    notify_after_commit(
        liaisons_of(MemberUnit.objects.filter(pk__in=attending)),
        notice(
            gettext_noop("Minutes of %(meeting)s are circulated: consent or comment by %(date)s."),
            meeting=minutes.meeting.title,
            date=deadline.date.isoformat(),
        ),
        minutes.get_absolute_url(),
        notice(gettext_noop("Minutes for your consent")),
    )
    return minutes


@transaction.atomic
def minutes_respond(
    *, actor, minutes: Minutes, unit: MemberUnit, consent: bool, comment: str = ""
) -> MinutesResponse:
    """An attending unit consents to circulated minutes, or comments on them."""
    require_unit(can_answer_for(actor, unit), unit)
    minutes = _lock_minutes(minutes)
    if minutes.status != Minutes.Status.CIRCULATED:
        raise WrongState(_("These minutes are not open for consent."))
    response = minutes.responses.select_for_update().filter(unit=unit).first()
    if response is None:
        raise NotAllowed(_("%(unit)s did not attend this meeting.") % {"unit": unit.name})
    if not consent and not comment.strip():
        raise MeetingError(_("Write your comments, or consent."))
    response.answer = (
        MinutesResponse.Answer.CONSENTED if consent else MinutesResponse.Answer.COMMENTED
    )
    response.comment = comment.strip()
    response.answered_by = actor
    response.answered_at = timezone.now()
    # The unit's own answer replaces any the office recorded for it.
    response.via, response.given_by, response.given_on = "", "", None
    return save(response, actor)


@transaction.atomic
def minutes_return_to_draft(*, actor, minutes: Minutes, comment: str) -> Minutes:
    """The office takes circulated minutes back to revise them after comments."""
    require(can_keep_minutes(actor), action=_("revise minutes"))
    minutes = _lock_minutes(minutes)
    if minutes.status != Minutes.Status.CIRCULATED:
        raise WrongState(_("Only circulated minutes can be taken back for revision."))
    move(minutes, Minutes.Status.DRAFT)
    minutes.review_comment = comment.strip()
    return save(minutes, actor, reason=comment)


# --- Signing and issuing --------------------------------------------------------------------


def sign_refusal(minutes: Minutes, responses: Sequence[MinutesResponse]) -> str:
    """Why the convener cannot sign ``minutes`` now (empty if they can), given all its
    ``responses`` with their units. The minutes page shows it beside a disabled button;
    ``minutes_sign`` refuses by it, so the two never disagree."""
    if minutes.status != Minutes.Status.CIRCULATED:
        return _("Only circulated minutes can be signed.")
    commented = [r.unit.name for r in responses if r.answer == MinutesResponse.Answer.COMMENTED]
    if commented:
        return _("Units commented and the office has not revised the minutes: %(units)s.") % {
            "units": "、".join(commented)
        }
    pending = [r.unit.name for r in responses if r.answer == MinutesResponse.Answer.PENDING]
    if pending and timezone.localdate() <= minutes.consent_deadline:
        return _(
            "Waiting for consent until %(date)s from: %(units)s. The office can record a "
            "consent given by phone or on paper."
        ) % {"date": minutes.consent_deadline.isoformat(), "units": "、".join(pending)}
    return ""


@transaction.atomic
def minutes_sign(*, actor, minutes: Minutes) -> Minutes:
    """The convener signs: every attending unit has consented, or the consent deadline has
    passed without an objection outstanding. Signed minutes are locked."""
    require(can_sign_minutes(actor, minutes), action=_("sign minutes"))
    minutes = _lock_minutes(minutes)
    refusal = sign_refusal(minutes, list(minutes.responses.select_related("unit")))
    if refusal:
        raise WrongState(refusal)
    move(minutes, Minutes.Status.SIGNED)
    minutes.signed_by = actor
    minutes.signed_at = timezone.now()
    return save(minutes, actor)


def _start_deadlines(minutes: Minutes, now, actor) -> None:
    """Each decision's deadline, in working days from the day of issue."""
    calendar = WorkdayCalendar()
    today = timezone.localdate(now)
    for decision in minutes.decisions.select_for_update():
        deadline = calendar.add_working_days(today, decision.working_days)
        decision.deadline = deadline.date
        decision.deadline_provisional = deadline.provisional
        save(decision, actor)


@transaction.atomic
def minutes_issue(*, actor, minutes: Minutes, reported_to_government: bool = True) -> Minutes:
    """Issue signed minutes to every member unit (each acknowledges receipt) and, as the
    notices require, report them to the government. Decisions' deadlines start now."""
    require(can_keep_minutes(actor), action=_("issue minutes"))
    minutes = _lock_minutes(minutes)
    move(minutes, Minutes.Status.ISSUED)
    now = timezone.now()
    minutes.issued_at = now
    if reported_to_government:
        minutes.reported_to_government_at = now
    save(minutes, actor)
    units = list(minutes.meeting.group.units.filter(active=True, is_member=True))
    # The minutes are locked: no receipt appears between this read and the insert.
    issued_to = set(minutes.receipts.values_list("unit_id", flat=True))
    bulk_create_with_history(
        [MinutesReceipt(minutes=minutes, unit=unit) for unit in units if unit.pk not in issued_to],
        MinutesReceipt,
        default_user=actor,
    )
    _start_deadlines(minutes, now, actor)
    notify_after_commit(
        liaisons_of(units),
        notice(
            gettext_noop("Minutes of %(meeting)s are issued: acknowledge receipt."),
            meeting=minutes.meeting.title,
        ),
        minutes.get_absolute_url(),
        notice(gettext_noop("Minutes issued")),
    )
    return minutes


@transaction.atomic
def minutes_acknowledge(*, actor, minutes: Minutes, unit: MemberUnit) -> MinutesReceipt:
    """A member unit's liaison acknowledges receipt of issued minutes (once)."""
    require_unit(can_answer_for(actor, unit), unit)
    minutes = _lock_minutes(minutes)
    if minutes.status != Minutes.Status.ISSUED:
        raise WrongState(_("These minutes are not issued."))
    receipt = minutes.receipts.select_for_update().filter(unit=unit).first()
    if receipt is None:
        raise NotAllowed(_("These minutes were not issued to %(unit)s.") % {"unit": unit.name})
    if receipt.acknowledged_at is None:
        receipt.acknowledged_by = actor
        receipt.acknowledged_at = timezone.now()
        receipt._history_user = actor
        receipt.save(update_fields=["acknowledged_by", "acknowledged_at"])
    return receipt
