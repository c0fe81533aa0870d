"""Writes of joint meetings: the plan, agenda items, attendance, minutes and decisions.

Each step is allowed only to its role and only in its state: the service checks both and
raises ``MeetingError`` (with a message the user understands) before changing anything.
Views call these; they hold no rule of their own.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from assistance.outbox import send_after_commit
from assistance.roles import Role, has_role
from assistance.services import notify
from assistance.workdays import WorkdayCalendar
from members.models import LeadingGroup, Liaison, MemberUnit
from verification.selectors import household_registered_with

from .models import (
    AgendaItem,
    Attachment,
    Attendance,
    Decision,
    DecisionUpdate,
    Meeting,
    Minutes,
    MinutesReceipt,
    MinutesResponse,
)


class MeetingError(Exception):
    """A rule refused the action; ``message`` says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(MeetingError):
    pass


class WrongState(MeetingError):
    pass


OFFICE = (Role.OFFICE_CLERK, Role.OFFICE_DIRECTOR)


def _require_role(actor, *roles, action: str):
    if not has_role(actor, *roles):
        raise NotAllowed(_("Your role does not allow you to %(action)s.") % {"action": action})


def _require_liaison_of(actor, unit: MemberUnit):
    if not Liaison.objects.filter(user=actor, unit=unit, active=True).exists():
        raise NotAllowed(_("Only a liaison of %(unit)s can do this.") % {"unit": unit.name})


def _move(obj, status):
    current = type(obj).Status(obj.status)
    if status not in type(obj).TRANSITIONS[current]:
        raise WrongState(
            _("This is “%(status)s” and cannot be changed that way.") % {"status": current.label}
        )
    obj.status = status


def _create(obj, actor):
    """Insert ``obj`` as it is (already validated), its history row naming ``actor``."""
    obj._history_user = actor
    obj.save(force_insert=True)
    return obj


def _save(obj, actor, *, reason: str = ""):
    obj._history_user = actor
    if reason:
        obj._change_reason = reason[:100]
    obj.full_clean()
    obj.save()
    return obj


def _liaisons_of(units) -> list:
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(liaison__unit__in=units, liaison__active=True, is_active=True)
        .distinct()
    )


def _users_with_role(role) -> list:
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.filter(groups__name=role, is_active=True))


def _notify_after_commit(users, message, url, subject=""):
    users = list(users)
    transaction.on_commit(
        lambda: notify(users=users, message=message, url=url, email_subject=subject)
    )


# --- The yearly plan ------------------------------------------------------------------------

PLAN_KINDS = (Meeting.Kind.KICKOFF, Meeting.Kind.REGULAR, Meeting.Kind.YEAR_END)


def _first_workday_on_or_after(calendar: WorkdayCalendar, day: datetime.date) -> datetime.date:
    while not calendar.is_workday(day):
        day += datetime.timedelta(days=1)
    return day


def plan_dates(group: LeadingGroup, year: int) -> list[tuple[str, datetime.date]]:
    """The meetings a group's rule asks for in a year: a kick-off early in January, the
    regular meetings spread evenly (mid-month of each period), a year-end review in
    mid-December; each on the first working day from the 10th/15th."""
    calendar = WorkdayCalendar()
    dates = []
    if group.holds_kickoff:
        dates.append((Meeting.Kind.KICKOFF, datetime.date(year, 1, 10)))
    count = group.meetings_per_year or 0
    for i in range(count):
        month = int((i + 0.5) * 12 / count) + 1 if count < 12 else i + 1
        dates.append((Meeting.Kind.REGULAR, datetime.date(year, min(month, 12), 15)))
    if group.holds_year_end:
        dates.append((Meeting.Kind.YEAR_END, datetime.date(year, 12, 15)))
    return [(kind, _first_workday_on_or_after(calendar, day)) for kind, day in dates]


@transaction.atomic
def plan_generate(
    *, actor, group: LeadingGroup, year: int, place: str = "", convener=None
) -> list[Meeting]:
    """Create the year's planned meetings from the group's rule, inviting every active
    member unit. Refused if the year already has a plan (edit it instead)."""
    _require_role(actor, *OFFICE, action=_("plan meetings"))
    LeadingGroup.objects.select_for_update().get(pk=group.pk)
    if Meeting.objects.filter(group=group, kind__in=PLAN_KINDS, starts_at__year=year).exists():
        raise WrongState(_("%(year)d already has a plan: edit its meetings.") % {"year": year})
    units = list(group.units.filter(active=True, is_member=True))
    labels = dict(Meeting.Kind.choices)
    meetings = []
    regular = 0
    for kind, day in plan_dates(group, year):
        if kind == Meeting.Kind.REGULAR:
            regular += 1
            title = _("%(year)d regular coordination meeting no. %(n)d") % {
                "year": year,
                "n": regular,
            }
        else:
            title = f"{year} {labels[kind]}"
        starts_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30)))
        meeting = _save(
            Meeting(
                group=group,
                kind=kind,
                title=title,
                starts_at=starts_at,
                place=place,
                convener=convener,
            ),
            actor,
        )
        meeting.invited_units.set(units)
        meetings.append(meeting)
    if not meetings:
        raise MeetingError(
            _("The group's rule sets no regular meetings: schedule meetings one by one.")
        )
    return meetings


@transaction.atomic
def meeting_schedule(
    *,
    actor,
    group: LeadingGroup,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    place: str = "",
    convener=None,
    invited_units: Iterable[MemberUnit] = (),
) -> Meeting:
    """Schedule one meeting (ad hoc, case consultation, liaison meeting…)."""
    _require_role(actor, *OFFICE, action=_("schedule meetings"))
    meeting = _save(
        Meeting(
            group=group,
            kind=kind,
            title=title,
            starts_at=starts_at,
            place=place,
            convener=convener,
        ),
        actor,
    )
    meeting.invited_units.set(list(invited_units))
    return meeting


@transaction.atomic
def meeting_update(
    *,
    actor,
    meeting: Meeting,
    title: str,
    starts_at: datetime.datetime,
    place: str,
    convener,
    invited_units: Iterable[MemberUnit],
) -> Meeting:
    """Edit a planned meeting (time, place, convener, invited units)."""
    _require_role(actor, *OFFICE, action=_("edit meetings"))
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status not in (Meeting.Status.PLANNED, Meeting.Status.AGENDA_APPROVED):
        raise WrongState(_("A meeting that was held or cancelled cannot be edited."))
    meeting.title, meeting.starts_at, meeting.place = title, starts_at, place
    meeting.convener = convener
    _save(meeting, actor)
    meeting.invited_units.set(list(invited_units))
    return meeting


@transaction.atomic
def meeting_cancel(*, actor, meeting: Meeting) -> Meeting:
    _require_role(actor, *OFFICE, action=_("cancel meetings"))
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _move(meeting, Meeting.Status.CANCELLED)
    return _save(meeting, actor)


# --- Agenda ---------------------------------------------------------------------------------


@dataclass
class ItemData:
    title: str
    background: str
    proposal: str
    decision_requested: str
    household_id: int | None = None


def _check_household(meeting: Meeting, household_id: int | None) -> None:
    if not household_id:
        return
    if meeting.kind != Meeting.Kind.CASE:
        raise MeetingError(_("Only a case consultation concerns one household."))
    # Households are confidential records of one office: a case consultation can only
    # be about one registered with the meeting's own group.
    if not household_registered_with(household_id, meeting.group_id):
        raise MeetingError(_("The household is not registered with this group's office."))


@transaction.atomic
def agenda_item_create(*, actor, meeting: Meeting, unit: MemberUnit, data: ItemData) -> AgendaItem:
    """A liaison drafts an agenda item for their unit (the office may too, for any unit)."""
    if not has_role(actor, *OFFICE):
        _require_liaison_of(actor, unit)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != Meeting.Status.PLANNED:
        raise WrongState(_("The agenda of this meeting is closed."))
    if not meeting.invited_units.filter(pk=unit.pk).exists():
        raise NotAllowed(_("%(unit)s is not invited to this meeting.") % {"unit": unit.name})
    _check_household(meeting, data.household_id)
    return _save(
        AgendaItem(
            meeting=meeting,
            unit=unit,
            submitted_by=actor,
            title=data.title,
            background=data.background,
            proposal=data.proposal,
            decision_requested=data.decision_requested,
            household_id=data.household_id,
        ),
        actor,
    )


@transaction.atomic
def agenda_item_update(*, actor, item: AgendaItem, data: ItemData) -> AgendaItem:
    item = AgendaItem.objects.select_for_update().select_related("meeting").get(pk=item.pk)
    if not has_role(actor, *OFFICE):
        _require_liaison_of(actor, item.unit)
    if item.status not in (AgendaItem.Status.DRAFT, AgendaItem.Status.RETURNED):
        raise WrongState(_("Only a draft or returned item can be edited."))
    _check_household(item.meeting, data.household_id)
    item.title, item.background, item.proposal = data.title, data.background, data.proposal
    item.decision_requested = data.decision_requested
    item.household_id = data.household_id
    return _save(item, actor)


@transaction.atomic
def agenda_item_attach(*, actor, item: AgendaItem, files=(), remove=()) -> list[Attachment]:
    """Add files (already checked by their content, ``assistance.uploads``) to an item and
    remove some, while the item can still be edited. Removed files leave the disk only
    once the removal is committed."""
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    if not has_role(actor, *OFFICE):
        _require_liaison_of(actor, item.unit)
    if item.status not in (AgendaItem.Status.DRAFT, AgendaItem.Status.RETURNED):
        raise WrongState(_("Only a draft or returned item can be edited."))
    for old in item.attachments.filter(pk__in=[a.pk for a in remove]):
        name, storage = old.file.name, old.file.storage
        old._history_user = actor  # the deletion's history row names who removed it
        old.delete()
        transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
    saved = []
    for upload in files:
        attachment = Attachment(
            agenda_item=item,
            file=upload,
            uploaded_by=actor,
            name=PurePath(upload.name).name[:200],
        )
        attachment._history_user = actor
        attachment.full_clean()
        attachment.save()
        saved.append(attachment)
    return saved


@transaction.atomic
def agenda_item_submit(*, actor, item: AgendaItem) -> AgendaItem:
    """Send a draft (or a returned item, revised) to the office director for review."""
    item = AgendaItem.objects.select_for_update().select_related("meeting").get(pk=item.pk)
    if not has_role(actor, *OFFICE):
        _require_liaison_of(actor, item.unit)
    if item.meeting.status != Meeting.Status.PLANNED:
        raise WrongState(_("The agenda of this meeting is closed."))
    _move(item, AgendaItem.Status.SUBMITTED)
    _save(item, actor)
    _notify_after_commit(
        _users_with_role(Role.OFFICE_DIRECTOR),
        _("%(unit)s submitted an agenda item for %(meeting)s.")
        % {"unit": item.unit.name, "meeting": item.meeting.title},
        item.get_absolute_url(),
    )
    return item


class Review:
    ACCEPT = "accept"
    RETURN = "return"
    REJECT = "reject"


@transaction.atomic
def agenda_item_review(*, actor, item: AgendaItem, verdict: str, comment: str = "") -> AgendaItem:
    """The office director accepts, returns (with comments) or rejects a submitted item."""
    _require_role(actor, Role.OFFICE_DIRECTOR, action=_("review agenda items"))
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    target = {
        Review.ACCEPT: AgendaItem.Status.ACCEPTED,
        Review.RETURN: AgendaItem.Status.RETURNED,
        Review.REJECT: AgendaItem.Status.REJECTED,
    }.get(verdict)
    if target is None:
        raise MeetingError(_("Choose accept, return or reject."))
    if target != AgendaItem.Status.ACCEPTED and not comment.strip():
        raise MeetingError(_("Say why the item is returned or rejected."))
    _move(item, target)
    item.review_comment = comment.strip()
    item.reviewed_by = actor
    _save(item, actor)
    _notify_after_commit(
        _liaisons_of([item.unit]),
        _("Your agenda item “%(title)s” was %(verdict)s.")
        % {"title": item.title, "verdict": item.get_status_display()},
        item.get_absolute_url(),
    )
    return item


@transaction.atomic
def agenda_approve(*, actor, meeting: Meeting) -> Meeting:
    """The convener approves the agenda: the accepted items go on it, and it is published
    to the invited units (in-app, by mail with a calendar file)."""
    _require_role(actor, Role.CONVENER, action=_("approve agendas"))
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    items = meeting.agenda_items.select_for_update()
    pending = [i.title for i in items if i.status == AgendaItem.Status.SUBMITTED]
    if pending:
        raise WrongState(
            _("The office director has not yet reviewed: %(items)s.")
            % {"items": "、".join(pending)}
        )
    accepted = [i for i in items if i.status == AgendaItem.Status.ACCEPTED]
    if not accepted:
        raise WrongState(_("No accepted item: there is no agenda to approve."))
    _move(meeting, Meeting.Status.AGENDA_APPROVED)
    meeting.agenda_approved_at = timezone.now()
    _save(meeting, actor)
    for order, item in enumerate(accepted, start=1):
        item.status = AgendaItem.Status.APPROVED
        item.order = order
        _save(item, actor)
    send_after_commit(
        "meetings.tasks.agenda_publish_task", meeting.pk, what=f"agenda of meeting {meeting.pk}"
    )
    return meeting


def agenda_publish(*, meeting_id: int) -> int:
    """Tell every invited unit's liaisons of the approved agenda, with an .ics file. Once
    only: a redelivered task finds the agenda published and sends nothing."""
    from django.core.mail import EmailMessage

    from .exports import meeting_ics

    with transaction.atomic():
        meeting = (
            Meeting.objects.select_for_update()
            .filter(pk=meeting_id, status=Meeting.Status.AGENDA_APPROVED, agenda_published_at=None)
            .first()
        )
        if meeting is None:
            return 0
        Meeting.objects.filter(pk=meeting.pk).update(agenda_published_at=timezone.now())
    users = _liaisons_of(meeting.invited_units.all())
    message = _("The agenda of %(meeting)s (%(when)s, %(place)s) is published.") % {
        "meeting": meeting.title,
        "when": timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M"),
        "place": meeting.place or "—",
    }
    notify(users=users, message=message, url=meeting.get_absolute_url())
    ics = meeting_ics(meeting)
    for user in users:
        if user.email:
            mail = EmailMessage(
                _("Meeting: %(meeting)s") % {"meeting": meeting.title},
                message,
                settings.DEFAULT_FROM_EMAIL,
                [user.email],
            )
            mail.attach("meeting.ics", ics, "text/calendar")
            mail.send()
    return len(users)


# --- Attendance -----------------------------------------------------------------------------


@dataclass
class AttendanceData:
    unit_id: int
    presence: str
    attendee_name: str = ""
    attendee_title: str = ""


@transaction.atomic
def attendance_record(
    *, actor, meeting: Meeting, rows: Sequence[AttendanceData]
) -> list[Attendance]:
    """Record who attended for each invited unit; the meeting is then held."""
    _require_role(actor, *OFFICE, action=_("record attendance"))
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status not in (Meeting.Status.AGENDA_APPROVED, Meeting.Status.HELD):
        raise WrongState(_("Attendance is recorded once the agenda is approved."))
    # The attending units are the ones asked to consent: once the minutes have left the
    # draft, who attended is part of them.
    if Minutes.objects.filter(meeting=meeting).exclude(status__in=Minutes.EDITABLE).exists():
        raise WrongState(_("The minutes have left the draft: attendance can no longer change."))
    invited = set(meeting.invited_units.values_list("pk", flat=True))
    if {row.unit_id for row in rows} != invited or len(rows) != len(invited):
        raise MeetingError(_("Record attendance for every invited unit, once each."))
    saved = []
    for row in rows:
        attendance = Attendance.objects.filter(meeting=meeting, unit_id=row.unit_id).first()
        attendance = attendance or Attendance(meeting=meeting, unit_id=row.unit_id)
        attendance.presence = row.presence
        attendance.attendee_name = row.attendee_name.strip()
        attendance.attendee_title = row.attendee_title.strip()
        saved.append(_save(attendance, actor))
    if meeting.status == Meeting.Status.AGENDA_APPROVED:
        _move(meeting, Meeting.Status.HELD)
        _save(meeting, actor)
    return saved


# --- Minutes --------------------------------------------------------------------------------


@dataclass
class DecisionData:
    text: str
    lead_unit_id: int
    cooperating_unit_ids: list[int] = field(default_factory=list)
    working_days: int = 20


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
    _require_role(actor, *OFFICE, action=_("draft minutes"))
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != Meeting.Status.HELD:
        raise WrongState(_("Minutes are drafted once the meeting is held."))
    minutes = Minutes.objects.select_for_update().filter(meeting=meeting).first()
    if minutes is None:
        minutes = Minutes(meeting=meeting, drafted_by=actor)
    elif minutes.status not in Minutes.EDITABLE:
        raise WrongState(_("Only draft minutes can be edited."))
    if not text.strip():
        raise MeetingError(_("The minutes have no text."))
    group_units = set(meeting.group.units.values_list("pk", flat=True))
    for data in decisions:
        units = {data.lead_unit_id, *data.cooperating_unit_ids}
        if not data.text.strip() or not units <= group_units:
            raise MeetingError(_("Each decision needs its text and units of this group."))
        if not 1 <= data.working_days <= 250:
            raise MeetingError(_("A decision's deadline is 1 to 250 working days."))
    minutes.text = text.strip()
    minutes.document_number = document_number.strip()
    minutes.drafted_by = actor
    _save(minutes, actor)
    for old in minutes.decisions.all():
        old._history_user = actor  # the deletion's history row names who redrafted
        old.delete()
    for order, data in enumerate(decisions, start=1):
        decision = _save(
            Decision(
                minutes=minutes,
                text=data.text.strip(),
                lead_unit_id=data.lead_unit_id,
                working_days=data.working_days,
                order=order,
            ),
            actor,
        )
        decision.cooperating_units.set(
            [pk for pk in data.cooperating_unit_ids if pk != data.lead_unit_id]
        )
    return minutes


def _lock_minutes(minutes: Minutes) -> Minutes:
    return Minutes.objects.select_for_update().select_related("meeting__group").get(pk=minutes.pk)


@transaction.atomic
def minutes_submit_for_review(*, actor, minutes: Minutes) -> Minutes:
    _require_role(actor, *OFFICE, action=_("submit minutes for review"))
    minutes = _lock_minutes(minutes)
    _move(minutes, Minutes.Status.IN_REVIEW)
    _save(minutes, actor)
    _notify_after_commit(
        _users_with_role(Role.OFFICE_DIRECTOR),
        _("Minutes of %(meeting)s await your review.") % {"meeting": minutes.meeting.title},
        minutes.get_absolute_url(),
    )
    return minutes


@transaction.atomic
def minutes_review(*, actor, minutes: Minutes, approve: bool, comment: str = "") -> Minutes:
    """The office director either returns the draft (with comments) or approves it, which
    circulates it to the attending units for consent by a working-day deadline."""
    _require_role(actor, Role.OFFICE_DIRECTOR, action=_("review minutes"))
    minutes = _lock_minutes(minutes)
    if not approve:
        if not comment.strip():
            raise MeetingError(_("Say what to change."))
        _move(minutes, Minutes.Status.DRAFT)
        minutes.review_comment = comment.strip()
        return _save(minutes, actor, reason=comment)
    if minutes.status != Minutes.Status.IN_REVIEW:
        raise WrongState(_("Only minutes in review can be circulated."))
    attending = list(
        minutes.meeting.attendance.exclude(presence=Attendance.Presence.ABSENT).values_list(
            "unit_id", flat=True
        )
    )
    if not attending:
        raise MeetingError(_("No unit attended: record attendance first."))
    _move(minutes, Minutes.Status.CIRCULATED)
    deadline = WorkdayCalendar().add_working_days(
        timezone.localdate(), settings.MINUTES_CONSENT_WORKING_DAYS
    )
    minutes.consent_deadline = deadline.date
    minutes.consent_deadline_provisional = deadline.provisional
    minutes.review_comment = comment.strip()
    _save(minutes, actor)
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
        _save(response, actor)
    _notify_after_commit(
        _liaisons_of(MemberUnit.objects.filter(pk__in=attending)),
        _("Minutes of %(meeting)s are circulated: consent or comment by %(date)s.")
        % {"meeting": minutes.meeting.title, "date": deadline.date.isoformat()},
        minutes.get_absolute_url(),
        _("Minutes for your consent"),
    )
    return minutes


@transaction.atomic
def minutes_respond(
    *, actor, minutes: Minutes, unit: MemberUnit, consent: bool, comment: str = ""
) -> MinutesResponse:
    """An attending unit consents to circulated minutes, or comments on them."""
    _require_liaison_of(actor, unit)
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
    return _save(response, actor)


@transaction.atomic
def minutes_return_to_draft(*, actor, minutes: Minutes, comment: str) -> Minutes:
    """The office takes circulated minutes back to revise them after comments."""
    _require_role(actor, *OFFICE, action=_("revise minutes"))
    minutes = _lock_minutes(minutes)
    if minutes.status != Minutes.Status.CIRCULATED:
        raise WrongState(_("Only circulated minutes can be taken back for revision."))
    _move(minutes, Minutes.Status.DRAFT)
    minutes.review_comment = comment.strip()
    return _save(minutes, actor, reason=comment)


@transaction.atomic
def minutes_sign(*, actor, minutes: Minutes) -> Minutes:
    """The convener signs: every attending unit has consented, or the consent deadline has
    passed without an objection outstanding. Signed minutes are locked."""
    _require_role(actor, Role.CONVENER, action=_("sign minutes"))
    minutes = _lock_minutes(minutes)
    if minutes.status != Minutes.Status.CIRCULATED:
        raise WrongState(_("Only circulated minutes can be signed."))
    responses = list(minutes.responses.select_related("unit"))
    commented = [r.unit.name for r in responses if r.answer == MinutesResponse.Answer.COMMENTED]
    if commented:
        raise WrongState(
            _("Units commented and the office has not revised the minutes: %(units)s.")
            % {"units": "、".join(commented)}
        )
    pending = [r.unit.name for r in responses if r.answer == MinutesResponse.Answer.PENDING]
    if pending and timezone.localdate() <= minutes.consent_deadline:
        raise WrongState(
            _("Waiting for consent until %(date)s from: %(units)s.")
            % {"date": minutes.consent_deadline.isoformat(), "units": "、".join(pending)}
        )
    _move(minutes, Minutes.Status.SIGNED)
    minutes.signed_by = actor
    minutes.signed_at = timezone.now()
    return _save(minutes, actor)


@transaction.atomic
def minutes_issue(*, actor, minutes: Minutes, reported_to_government: bool = True) -> Minutes:
    """Issue signed minutes to every member unit (each acknowledges receipt) and, as the
    notices require, report them to the government. Decisions' deadlines start now."""
    _require_role(actor, *OFFICE, action=_("issue minutes"))
    minutes = _lock_minutes(minutes)
    _move(minutes, Minutes.Status.ISSUED)
    now = timezone.now()
    minutes.issued_at = now
    if reported_to_government:
        minutes.reported_to_government_at = now
    _save(minutes, actor)
    units = list(minutes.meeting.group.units.filter(active=True, is_member=True))
    # The minutes are locked: no receipt appears between this read and the insert.
    issued_to = set(minutes.receipts.values_list("unit_id", flat=True))
    bulk_create_with_history(
        [MinutesReceipt(minutes=minutes, unit=unit) for unit in units if unit.pk not in issued_to],
        MinutesReceipt,
        default_user=actor,
    )
    calendar = WorkdayCalendar()
    today = timezone.localdate(now)
    for decision in minutes.decisions.select_for_update():
        deadline = calendar.add_working_days(today, decision.working_days)
        decision.deadline = deadline.date
        decision.deadline_provisional = deadline.provisional
        _save(decision, actor)
    _notify_after_commit(
        _liaisons_of(units),
        _("Minutes of %(meeting)s are issued: acknowledge receipt.")
        % {"meeting": minutes.meeting.title},
        minutes.get_absolute_url(),
        _("Minutes issued"),
    )
    return minutes


@transaction.atomic
def minutes_acknowledge(*, actor, minutes: Minutes, unit: MemberUnit) -> MinutesReceipt:
    _require_liaison_of(actor, unit)
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


# --- Decisions ------------------------------------------------------------------------------


def _decision_units(decision: Decision) -> set[int]:
    return {decision.lead_unit_id, *decision.cooperating_units.values_list("pk", flat=True)}


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
    _require_liaison_of(actor, unit)
    decision = Decision.objects.select_for_update().select_related("minutes").get(pk=decision.pk)
    if decision.minutes.status != Minutes.Status.ISSUED:
        raise WrongState(_("The minutes of this decision are not issued yet."))
    if unit.pk not in _decision_units(decision):
        raise NotAllowed(_("This decision is not assigned to %(unit)s.") % {"unit": unit.name})
    if decision.status == Decision.Status.CLOSED:
        raise WrongState(_("This decision is closed."))
    if not text.strip():
        raise MeetingError(_("Describe the progress."))
    if reports_done and unit.pk != decision.lead_unit_id:
        raise NotAllowed(_("Only the lead unit reports a decision done."))
    update = _create(
        DecisionUpdate(
            decision=decision, unit=unit, author=actor, text=text.strip(), reports_done=reports_done
        ),
        actor,
    )
    for upload in attachments:
        _create(
            Attachment(
                update=update, file=upload, name=PurePath(upload.name).name[:200], uploaded_by=actor
            ),
            actor,
        )
    if reports_done and decision.status == Decision.Status.OPEN:
        _move(decision, Decision.Status.REPORTED_DONE)
        _save(decision, actor)
        _notify_after_commit(
            _users_with_role(Role.OFFICE_CLERK) + _users_with_role(Role.OFFICE_DIRECTOR),
            _("%(unit)s reports a decision done: %(text)s")
            % {"unit": unit.name, "text": decision.text[:60]},
            decision.get_absolute_url(),
        )
    return update


@transaction.atomic
def decision_close(*, actor, decision: Decision) -> Decision:
    _require_role(actor, *OFFICE, action=_("close decisions"))
    decision = Decision.objects.select_for_update().select_related("minutes").get(pk=decision.pk)
    if decision.minutes.status != Minutes.Status.ISSUED:
        raise WrongState(_("The minutes of this decision are not issued yet."))
    _move(decision, Decision.Status.CLOSED)
    decision.closed_by = actor
    decision.closed_at = timezone.now()
    return _save(decision, actor)


@transaction.atomic
def decision_send_back(*, actor, decision: Decision, comment: str) -> Decision:
    """The office does not accept a decision as done: it goes back to the lead unit."""
    _require_role(actor, *OFFICE, action=_("send decisions back"))
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if not comment.strip():
        raise MeetingError(_("Say what is still to be done."))
    _move(decision, Decision.Status.OPEN)
    _save(decision, actor, reason=comment)
    _create(DecisionUpdate(decision=decision, unit=None, author=actor, text=comment.strip()), actor)
    _notify_after_commit(
        _liaisons_of([decision.lead_unit]),
        _("The office sent a decision back: %(comment)s") % {"comment": comment.strip()[:100]},
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
            _notify_after_commit(
                _liaisons_of([decision.lead_unit]),
                _("A decision your unit leads is overdue (deadline %(date)s): %(text)s")
                % {"date": decision.deadline.isoformat(), "text": decision.text[:60]},
                decision.get_absolute_url(),
                _("Overdue decision"),
            )
    return len(overdue)
