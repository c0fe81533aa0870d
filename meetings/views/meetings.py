"""The meetings: the list, the yearly plan, scheduling and editing a meeting, the meeting
page with its agenda (approved by the convener), attendance and the exported files.

Each view reads through a gateway of ``meetings.permissions`` (outsiders get 404) and
``meetings.selectors``, and makes every change through ``meetings.services``. A refused
action shows the service's message on the page it came from and changes nothing. Which
buttons a page offers follows the gateway's rules and the state, but only as a courtesy:
the services decide.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from assistance.forms import add_service_errors
from members.selectors import liaison_unit

from .. import permissions, selectors, services
from ..exports import DOCX_CONTENT_TYPE, ICS_CONTENT_TYPE
from ..exports import agenda_docx as build_agenda_docx
from ..exports import meeting_ics as build_meeting_ics
from ..exports import meetings_ics as build_meetings_ics
from ..forms import (
    CalendarYearForm,
    MeetingCreateForm,
    MeetingFilterForm,
    MeetingForm,
    PlanForm,
    ReviewForm,
    attendance_formset,
)
from ..models import AgendaItem, Meeting
from ..permissions import get_meeting_for_user, is_staff, meetings_for_user, require_staff

PAGE_SIZE = 50
# The agenda is out (and its files can be downloaded) in these states.
AGENDA_OUT = (Meeting.Status.AGENDA_APPROVED, Meeting.Status.HELD)
# A meeting can be edited or cancelled until it is held.
CHANGEABLE = (Meeting.Status.PLANNED, Meeting.Status.AGENDA_APPROVED)
# Items a unit (or the office) may still change and send.
ITEM_OPEN = (AgendaItem.Status.DRAFT, AgendaItem.Status.RETURNED)


# --- The list -----------------------------------------------------------------------------


def meeting_list(request):
    """The office and the convener see every meeting, a liaison those their unit is invited
    to; upcoming first (soonest first), then past ones (latest first). A fixed number of
    queries, however many meetings: one page of ids, then that page's rows with counts."""
    user = request.user
    staff = is_staff(user)
    unit = None if staff else liaison_unit(user)
    if not staff and unit is None:
        raise Http404
    meetings = meetings_for_user(user)
    years = selectors.meeting_years(meetings)
    filters = MeetingFilterForm(request.GET or None, years=years, show_group=staff)
    if filters.is_valid():
        meetings = selectors.filter_meetings(meetings, filters.cleaned_data)
    now = timezone.now()
    page = Paginator(selectors.meeting_ids_in_list_order(meetings, now), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    page.object_list = selectors.meeting_rows(list(page.object_list), staff=staff, unit=unit)
    for meeting in page.object_list:
        meeting.date_tag = selectors.date_tag(meeting, now)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("fragment", None)
    context = {
        "page": page,
        "filters": filters,
        "staff": staff,
        "office": permissions.is_office(user),
        "unit": unit,
        "query": query.urlencode(),
        "now": now,
    }
    if request.htmx and request.GET.get("fragment") == "table":
        return render(request, "meetings/partials/meeting_table.html", context)
    return render(request, "meetings/meeting_list.html", context)


# --- The calendar -------------------------------------------------------------------------


def _calendar_year(request):
    """The meetings the user sees (404 for whoever sees none) and the year asked for; a
    year that is not one gives the form with its error."""
    user = request.user
    if not is_staff(user) and liaison_unit(user) is None:
        raise Http404
    form = CalendarYearForm(request.GET)
    year = form.year_or(timezone.localdate().year) if form.is_valid() else None
    return meetings_for_user(user), form, year


def meeting_calendar(request):
    """The meetings of a year as twelve month grids, each meeting linked to its page, with
    the year's calendar file (.ics). Three queries however many meetings."""
    meetings, form, year = _calendar_year(request)
    if year is None:
        return render(request, "meetings/calendar.html", {"form": form}, status=400)
    rows = selectors.calendar_meetings(meetings, year)
    context = {
        "form": form,
        "year": year,
        "months": selectors.calendar_months(rows, year),
        "count": len(rows),
        "weekdays": selectors.weekday_names(),
        "today": timezone.localdate(),
    }
    return render(request, "meetings/calendar.html", context)


def meeting_calendar_ics(request):
    """The year's meetings the user sees, as one calendar file (each entry as the
    meeting's own .ics makes it)."""
    meetings, form, year = _calendar_year(request)
    if year is None:
        return HttpResponse(" ".join(form.errors.get("year", [])), status=400)
    content = build_meetings_ics(selectors.calendar_meetings(meetings, year))
    response = HttpResponse(content, content_type=ICS_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="meetings-{year}.ics"'
    patch_cache_control(response, private=True)
    return response


# --- The plan and single meetings ---------------------------------------------------------


def _planned(request, data, count: int):
    messages.success(
        request,
        ngettext(
            "%(count)d meeting planned for %(year)d.",
            "%(count)d meetings planned for %(year)d.",
            count,
        )
        % {"count": count, "year": data["year"]},
    )
    query = urlencode({"group": data["group"].pk, "year": data["year"]})
    return redirect(f"{reverse('meetings:meeting_list')}?{query}")


def plan_generate(request):
    """The year's meetings from a group's rule (kick-off, regular meetings, year-end)."""
    require_staff(request.user)
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meetings = services.plan_generate(
                actor=request.user,
                group=data["group"],
                year=data["year"],
                place=data["place"].strip(),
                convener=data["convener"],
            )
        except services.MeetingError as error:
            messages.error(request, error.message)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _planned(request, data, len(meetings))
    return render(request, "meetings/plan_form.html", {"form": form, "groups": selectors.groups()})


def _schedule(request, form, group):
    """Schedule the meeting ``form`` describes; the response, or None to show the form."""
    data = form.cleaned_data
    try:
        meeting = services.meeting_schedule(
            actor=request.user,
            group=group,
            kind=data["kind"],
            title=data["title"].strip(),
            starts_at=data["starts_at"],
            place=data["place"].strip(),
            convener=data["convener"],
            invited_units=data["invited_units"],
        )
    except services.MeetingError as error:
        messages.error(request, error.message)
    except ValidationError as error:
        add_service_errors(form, error)
    else:
        messages.success(request, _("Meeting scheduled."))
        return redirect(meeting)
    return None


def meeting_create(request):
    """Schedule a single meeting (ad hoc, case consultation, liaison meeting…), inviting by
    default every active member unit of its group (the one posted or asked for, else the
    first)."""
    require_staff(request.user)
    group = selectors.chosen_group(request.POST.get("group") or request.GET.get("group") or "")
    if group is None:
        return render(request, "meetings/meeting_form.html", {"form": None, "meeting": None})
    if request.method == "POST":
        form = MeetingCreateForm(request.POST, group=group)
        if form.is_valid() and (response := _schedule(request, form, group)):
            return response
    else:
        form = MeetingCreateForm(group=group)
    context = {"form": form, "meeting": None, "group": group, "groups": selectors.groups()}
    if request.htmx and request.GET.get("fragment") == "units":
        return render(request, "meetings/partials/meeting_units.html", context)
    return render(request, "meetings/meeting_form.html", context)


def meeting_edit(request, pk):
    """Change a meeting's time, place, convener or invited units (planned or approved)."""
    meeting = get_meeting_for_user(request.user, pk)
    require_staff(request.user)
    form = MeetingForm(request.POST or None, group=meeting.group, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_update(
                actor=request.user,
                meeting=meeting,
                title=data["title"].strip(),
                starts_at=data["starts_at"],
                place=data["place"].strip(),
                convener=data["convener"],
                invited_units=data["invited_units"],
            )
        except services.MeetingError as error:
            messages.error(request, error.message)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Meeting updated."))
            return redirect(meeting)
    return render(
        request,
        "meetings/meeting_form.html",
        {"form": form, "meeting": meeting, "group": meeting.group},
    )


@require_POST
def meeting_cancel(request, pk):
    meeting = get_meeting_for_user(request.user, pk)
    require_staff(request.user)
    try:
        services.meeting_cancel(actor=request.user, meeting=meeting)
    except services.MeetingError as error:
        messages.error(request, error.message)
        return render_meeting(request, meeting)
    messages.success(request, _("Meeting cancelled."))
    return redirect(meeting)


# --- The meeting page ---------------------------------------------------------------------


def _offers(user, meeting: Meeting, page: selectors.MeetingPage) -> dict[str, bool]:
    """Which steps the meeting page offers: the gateway's rules in the meeting's state."""
    office = permissions.is_office(user)
    planned = meeting.status == Meeting.Status.PLANNED
    return {
        "draft_minutes": permissions.can_keep_minutes(user)
        and page.minutes is None
        and meeting.status == Meeting.Status.HELD
        and services.meeting_day_reached(meeting),
        "agenda_out": meeting.status in AGENDA_OUT,
        "can_propose": planned and permissions.can_propose_items(user, meeting),
        "can_approve": planned and permissions.can_approve_agenda(user, meeting),
        "can_change": office and meeting.status in CHANGEABLE,
        "can_record_attendance": office and meeting.status in AGENDA_OUT,
        # Shown beside a disabled button: why attendance cannot be recorded yet.
        "attendance_refusal": services.attendance_refusal(meeting) if office else "",
    }


def render_meeting(request, meeting, *, review_forms=None):
    """The meeting page. ``review_forms`` maps an item's pk to a bound review form to show
    again (with its errors) after a refused review."""
    user = request.user
    staff = is_staff(user)
    unit = None if staff else liaison_unit(user)
    review_forms = review_forms or {}
    page = selectors.meeting_page(meeting, user=user)
    director = permissions.can_review_item(user)
    for item in page.items:
        item.open = item.status in ITEM_OPEN
        if item.status == AgendaItem.Status.SUBMITTED and permissions.can_review_item(user, item):
            item.review_form = review_forms.get(item.pk) or ReviewForm(item=item)
    context = {
        "meeting": meeting,
        "invited": page.invited,
        "staff": staff,
        "office": permissions.is_office(user),
        "director": director,
        "unit": unit,
        "items": page.items,
        "approved_items": page.approved_items,
        "own_items": page.own_items(unit),
        "counts": page.counts,
        "attendance": page.attendance,
        "presence": page.presence,
        "minutes": page.minutes,
        **_offers(user, meeting, page),
    }
    return render(request, "meetings/meeting_detail.html", context)


def meeting_detail(request, pk):
    return render_meeting(request, get_meeting_for_user(request.user, pk))


@require_POST
def agenda_approve(request, pk):
    """The convener approves the agenda; it is then published to the invited units."""
    meeting = get_meeting_for_user(request.user, pk)
    require_staff(request.user)
    try:
        services.agenda_approve(actor=request.user, meeting=meeting)
    except services.MeetingError as error:
        messages.error(request, error.message)
        return render_meeting(request, meeting)
    messages.success(
        request, _("Agenda approved. The invited units are told, with the calendar file.")
    )
    return redirect(meeting)


# --- Attendance ---------------------------------------------------------------------------


def attendance(request, pk):
    """Who came for each invited unit; saving it marks the meeting held (on or after the
    meeting's day only: the page says why otherwise)."""
    meeting = get_meeting_for_user(request.user, pk)
    require_staff(request.user)
    formset = attendance_formset(meeting, selectors.invited_units(meeting), request.POST or None)
    if request.method == "POST" and formset.is_valid():
        try:
            services.attendance_record(
                actor=request.user,
                meeting=meeting,
                rows=[form.attendance_data() for form in formset.forms],
            )
        except services.MeetingError as error:
            messages.error(request, error.message)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Attendance recorded."))
            return redirect(meeting)
    return render(
        request,
        "meetings/attendance_form.html",
        {
            "meeting": meeting,
            "formset": formset,
            "refusal": services.attendance_refusal(meeting),
        },
    )


# --- Files --------------------------------------------------------------------------------


def meeting_ics(request, pk):
    """The meeting as a calendar entry, for whoever may see the meeting."""
    meeting = get_meeting_for_user(request.user, pk)
    response = HttpResponse(build_meeting_ics(meeting), content_type=ICS_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    patch_cache_control(response, private=True)
    return response


def agenda_docx(request, pk):
    """The approved agenda as an official notice (Word), once it is approved."""
    meeting = get_meeting_for_user(request.user, pk)
    if meeting.status not in AGENDA_OUT:
        raise Http404
    response = HttpResponse(build_agenda_docx(meeting), content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="agenda-{meeting.pk}.docx"'
    patch_cache_control(response, private=True)
    return response
