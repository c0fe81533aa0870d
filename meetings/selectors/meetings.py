"""Reads of the meetings and their agenda, shaped for pages: the meeting list (filtered,
in list order, one page of rows with their counts), the meeting page, an agenda item's
page. Each returns what its page shows in a fixed number of queries, and only what the
gateway (``meetings.permissions``) lets the user see."""

import calendar
import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, When
from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS_ABBR

from assistance.idnumbers import mask_id_number
from assistance.roles import Role
from members.models import LeadingGroup, MemberUnit
from verification.selectors import household_with_applicant

from ..models import AgendaItem, Attachment, Attendance, Meeting, Minutes
from ..permissions import items_for_user, meeting_minutes_for_user

# --- Groups and conveners ------------------------------------------------------------------


def groups() -> QuerySet[LeadingGroup]:
    """Every leading group, in the register's order (for choosing one)."""
    return LeadingGroup.objects.order_by("order", "pk")


def conveners():
    """Active users holding the convener role (to choose a meeting's convener)."""
    return (
        get_user_model()
        .objects.filter(groups__name=Role.CONVENER, is_active=True)
        .order_by("first_name", "username")
        .distinct()
    )


def chosen_group(value: str) -> LeadingGroup | None:
    """The group whose pk ``value`` names, else the first (None if there is none)."""
    chosen = groups().filter(pk=int(value)).first() if value.isdigit() else None
    return chosen or groups().first()


# --- The meeting list -----------------------------------------------------------------------


def meeting_years(meetings: QuerySet[Meeting]) -> list[int]:
    """The years ``meetings`` fall in, and this year, latest first (the year filter)."""
    years = {d.year for d in meetings.datetimes("starts_at", "year")}
    return sorted(years | {timezone.localdate().year}, reverse=True)


def filter_meetings(meetings: QuerySet[Meeting], data: dict) -> QuerySet[Meeting]:
    """The list filter's choices (group, year, kind, status) applied."""
    if data.get("group"):
        meetings = meetings.filter(group=data["group"])
    if data.get("year"):
        meetings = meetings.filter(starts_at__year=data["year"])
    if data.get("kind"):
        meetings = meetings.filter(kind=data["kind"])
    if data.get("status"):
        meetings = meetings.filter(status=data["status"])
    return meetings


# A meeting is "upcoming" (即将召开) within this window; later ones are only planned.
UPCOMING_WINDOW = datetime.timedelta(days=30)


def date_tag(meeting: Meeting, now: datetime.datetime) -> str:
    """How the list tags a meeting's date: ``upcoming`` within ``UPCOMING_WINDOW``,
    ``planned`` later, nothing once past or cancelled."""
    if meeting.status == Meeting.Status.CANCELLED or meeting.starts_at < now:
        return ""
    return "upcoming" if meeting.starts_at <= now + UPCOMING_WINDOW else "planned"


def meeting_ids_in_list_order(
    meetings: QuerySet[Meeting], now: datetime.datetime
) -> QuerySet[Meeting]:
    """The ids of ``meetings``: upcoming first (soonest first), then past ones (latest
    first). Paginate these, then fetch one page's rows with ``meeting_rows``."""
    return (
        meetings.annotate(
            is_past=Case(When(starts_at__lt=now, then=1), default=0, output_field=IntegerField()),
            upcoming_at=Case(When(starts_at__gte=now, then=F("starts_at"))),
        )
        .order_by("is_past", "upcoming_at", "-starts_at", "-pk")
        .values_list("pk", flat=True)
    )


def meeting_rows(ids: list[int], *, staff: bool, unit: MemberUnit | None) -> list[Meeting]:
    """The meetings of ``ids`` in that order, with their counts in one query: for the
    office and the convener every item, those awaiting review and the invited units; for a
    liaison their own unit's items only."""
    rows = Meeting.objects.filter(pk__in=ids).select_related("group", "convener")
    if staff:
        rows = rows.annotate(
            item_count=Count("agenda_items", distinct=True),
            awaiting_review=Count(
                "agenda_items",
                filter=Q(agenda_items__status=AgendaItem.Status.SUBMITTED),
                distinct=True,
            ),
            invited_count=Count("invited_units", distinct=True),
        )
    else:
        rows = rows.annotate(
            item_count=Count("agenda_items", filter=Q(agenda_items__unit=unit), distinct=True)
        )
    by_pk = {meeting.pk: meeting for meeting in rows}
    return [by_pk[pk] for pk in ids if pk in by_pk]


# --- The meeting page -----------------------------------------------------------------------


def _agenda_order():
    # The approved agenda in its order, then the rest as they came in.
    return (
        Case(
            When(status=AgendaItem.Status.APPROVED, then=0),
            default=1,
            output_field=IntegerField(),
        ),
        "order",
        "created_at",
        "pk",
    )


@dataclass
class MeetingPage:
    """What the meeting page shows of a meeting, as the user may see it."""

    invited: list[MemberUnit]
    items: list[AgendaItem]
    attendance: list[Attendance]
    minutes: Minutes | None

    @property
    def approved_items(self) -> list[AgendaItem]:
        return [i for i in self.items if i.status == AgendaItem.Status.APPROVED]

    def own_items(self, unit: MemberUnit | None) -> list[AgendaItem]:
        return [i for i in self.items if unit is not None and i.unit_id == unit.pk]

    @property
    def counts(self) -> dict[str, int]:
        """Items per status (every status, zero included)."""
        counts = dict.fromkeys(AgendaItem.Status.values, 0)
        for item in self.items:
            counts[item.status] += 1
        return counts

    @property
    def presence(self) -> dict[str, int]:
        """Attendance rows per presence (every presence, zero included)."""
        presence = dict.fromkeys(Attendance.Presence.values, 0)
        for row in self.attendance:
            presence[row.presence] += 1
        return presence


def invited_units(meeting: Meeting) -> list[MemberUnit]:
    return list(meeting.invited_units.order_by("order", "pk"))


def meeting_page(meeting: Meeting, *, user) -> MeetingPage:
    """The meeting page's reads in four queries, however many items and units: the invited
    units, the items the user may see (with their attachment counts), the attendance, and
    the minutes if the user may see them."""
    items = (
        items_for_user(user)
        .filter(meeting=meeting)
        .select_related("unit", "submitted_by")
        .annotate(attachment_count=Count("attachments", distinct=True))
        .order_by(*_agenda_order())
    )
    return MeetingPage(
        invited=invited_units(meeting),
        items=list(items),
        attendance=list(meeting.attendance.select_related("unit").order_by("unit__order")),
        minutes=meeting_minutes_for_user(user, meeting),
    )


# --- Agenda items ---------------------------------------------------------------------------


def item_attachments(item: AgendaItem) -> list[Attachment]:
    return list(item.attachments.select_related("uploaded_by").order_by("pk"))


def item_household_text(item: AgendaItem) -> str:
    """The household an item concerns: its town and its applicant's masked ID number."""
    if item.household is None:
        return ""
    household = household_with_applicant(item.household_id)
    return f"{household.town} · {mask_id_number(household.applicant_id_number or '')}"


# --- The calendar ---------------------------------------------------------------------------


def calendar_meetings(meetings: QuerySet[Meeting], year: int) -> list[Meeting]:
    """The year's meetings of ``meetings`` (the user's), in time order, each with its
    approved agenda (``calendar_items``) and its number of saved versions (``sequence``,
    for the .ics file): three queries however many meetings."""
    rows = list(
        meetings.filter(starts_at__year=year)
        .select_related("group", "convener")
        .prefetch_related(
            Prefetch(
                "agenda_items",
                queryset=AgendaItem.objects.filter(status=AgendaItem.Status.APPROVED)
                .select_related("unit")
                .order_by("order", "pk"),
                to_attr="calendar_items",
            )
        )
        .order_by("starts_at", "pk")
    )
    versions = dict(
        Meeting.history.filter(id__in=[m.pk for m in rows])
        .values_list("id")
        .annotate(n=Count("history_id"))
        .order_by()
    )
    for meeting in rows:
        meeting.sequence = versions.get(meeting.pk, 0)
    return rows


@dataclass
class CalendarMonth:
    month: int
    name: str
    # Weeks of days (Monday first); each day is (date, in this month, its meetings).
    weeks: list[list[tuple[datetime.date, bool, list[Meeting]]]]
    count: int


def calendar_months(meetings: list[Meeting], year: int) -> list[CalendarMonth]:
    """The twelve month grids of ``year`` with each day's meetings (local dates)."""
    by_day: dict[datetime.date, list[Meeting]] = {}
    for meeting in meetings:
        by_day.setdefault(timezone.localdate(meeting.starts_at), []).append(meeting)
    grid = calendar.Calendar(firstweekday=calendar.MONDAY)
    months = []
    for month in range(1, 13):
        weeks = [
            [
                (day, day.month == month, by_day.get(day, []) if day.month == month else [])
                for day in week
            ]
            for week in grid.monthdatescalendar(year, month)
        ]
        count = sum(len(v) for d, v in by_day.items() if (d.year, d.month) == (year, month))
        months.append(CalendarMonth(month, str(MONTHS[month]), weeks, count))
    return months


def weekday_names() -> list[str]:
    """Monday to Sunday, abbreviated, in the active language (Django's own catalogue)."""
    return [str(WEEKDAYS_ABBR[day]) for day in range(7)]
