"""Writes of the meetings themselves: the yearly plan, scheduling, editing and cancelling a
meeting, and recording who attended (which makes the meeting held)."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.workdays import WorkdayCalendar
from members.models import LeadingGroup, MemberUnit

from ..models import Attendance, Meeting, Minutes
from ..permissions import can_manage_meetings
from .base import MeetingError, WrongState, move, require, save

PLAN_KINDS = (Meeting.Kind.KICKOFF, Meeting.Kind.REGULAR, Meeting.Kind.YEAR_END)


# --- The yearly plan ------------------------------------------------------------------------


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


def _plan_titles(group: LeadingGroup, year: int) -> list[tuple[str, datetime.date, str]]:
    """Each planned meeting's kind, day and title (regular meetings numbered)."""
    labels = dict(Meeting.Kind.choices)
    planned = []
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
        planned.append((kind, day, title))
    return planned


@transaction.atomic
def plan_generate(
    *, actor, group: LeadingGroup, year: int, place: str = "", convener=None
) -> list[Meeting]:
    """Create the year's planned meetings from the group's rule, inviting every active
    member unit. Refused if the year already has a plan (edit it instead)."""
    require(can_manage_meetings(actor), action=_("plan meetings"))
    LeadingGroup.objects.select_for_update().get(pk=group.pk)
    if Meeting.objects.filter(group=group, kind__in=PLAN_KINDS, starts_at__year=year).exists():
        raise WrongState(_("%(year)d already has a plan: edit its meetings.") % {"year": year})
    units = list(group.units.filter(active=True, is_member=True))
    meetings = []
    for kind, day, title in _plan_titles(group, year):
        starts_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30)))
        meeting = save(
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


# --- Single meetings ------------------------------------------------------------------------


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
    require(can_manage_meetings(actor), action=_("schedule meetings"))
    meeting = save(
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
    require(can_manage_meetings(actor), action=_("edit meetings"))
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status not in (Meeting.Status.PLANNED, Meeting.Status.AGENDA_APPROVED):
        raise WrongState(_("A meeting that was held or cancelled cannot be edited."))
    meeting.title, meeting.starts_at, meeting.place = title, starts_at, place
    meeting.convener = convener
    save(meeting, actor)
    meeting.invited_units.set(list(invited_units))
    return meeting


@transaction.atomic
def meeting_cancel(*, actor, meeting: Meeting) -> Meeting:
    """Cancel a meeting that has not been held."""
    require(can_manage_meetings(actor), action=_("cancel meetings"))
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    move(meeting, Meeting.Status.CANCELLED)
    return save(meeting, actor)


# --- Attendance -----------------------------------------------------------------------------


@dataclass
class AttendanceData:
    unit_id: int
    presence: str
    attendee_name: str = ""
    attendee_title: str = ""


def meeting_day_reached(meeting: Meeting, today: datetime.date | None = None) -> bool:
    """Whether the meeting's day has come (a meeting is held only on or after its date)."""
    return timezone.localdate(meeting.starts_at) <= (today or timezone.localdate())


def not_held_yet_reason(meeting: Meeting) -> str:
    """What the pages and the services say when attendance or minutes come too early."""
    return _(
        "The meeting takes place on %(date)s: attendance is recorded and the minutes are "
        "drafted on or after that day."
    ) % {"date": timezone.localdate(meeting.starts_at).isoformat()}


def attendance_refusal(meeting: Meeting) -> str:
    """Why attendance cannot be recorded now (empty if it can), by the meeting's state and
    date; the attendance page shows it and ``attendance_record`` refuses by it."""
    if meeting.status not in (Meeting.Status.AGENDA_APPROVED, Meeting.Status.HELD):
        return _("Attendance is recorded once the agenda is approved.")
    if not meeting_day_reached(meeting):
        return not_held_yet_reason(meeting)
    return ""


@transaction.atomic
def attendance_record(
    *, actor, meeting: Meeting, rows: Sequence[AttendanceData]
) -> list[Attendance]:
    """Record who attended for each invited unit; the meeting is then held. Only on or
    after the meeting's day: before it, nobody has attended yet."""
    require(can_manage_meetings(actor), action=_("record attendance"))
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if refusal := attendance_refusal(meeting):
        raise WrongState(refusal)
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
        saved.append(save(attendance, actor))
    if meeting.status == Meeting.Status.AGENDA_APPROVED:
        move(meeting, Meeting.Status.HELD)
        save(meeting, actor)
    return saved
