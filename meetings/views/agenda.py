"""The meetings and their agenda: the list, the yearly plan, scheduling, the meeting page,
agenda items (proposed by units, reviewed by the office director, approved by the
convener), attendance and the exported files.

Each view reads through a gateway of ``meetings.permissions`` (outsiders get 404) and makes
every change through ``meetings.services``. A refused action shows the service's message
on the page it came from and changes nothing. Which buttons a page offers follows the
user's role and the state, but only as a courtesy: the services decide.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Q, When
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from assistance.files import file_response
from assistance.forms import add_service_errors
from assistance.idnumbers import mask_id_number
from assistance.models import AccessLog
from assistance.roles import Role, has_role
from members.models import LeadingGroup
from members.selectors import liaison_unit
from verification.selectors import household_with_applicant

from .. import services
from ..exports import DOCX_CONTENT_TYPE, ICS_CONTENT_TYPE
from ..exports import agenda_docx as build_agenda_docx
from ..exports import meeting_ics as build_meeting_ics
from ..forms import (
    AgendaItemForm,
    MeetingCreateForm,
    MeetingFilterForm,
    MeetingForm,
    PlanForm,
    ReviewForm,
    attendance_formset,
)
from ..models import AgendaItem, Attendance, Meeting
from ..permissions import (
    get_attachment_for_user,
    get_item_for_user,
    get_meeting_for_user,
    is_office,
    is_staff,
    items_for_user,
    meetings_for_user,
    minutes_for_user,
    require_staff,
)

PAGE_SIZE = 50
# The agenda is out (and its files can be downloaded) in these states.
AGENDA_OUT = (Meeting.Status.AGENDA_APPROVED, Meeting.Status.HELD)
# A meeting can be edited or cancelled until it is held.
CHANGEABLE = (Meeting.Status.PLANNED, Meeting.Status.AGENDA_APPROVED)
# Items a unit (or the office) may still change and send.
ITEM_OPEN = (AgendaItem.Status.DRAFT, AgendaItem.Status.RETURNED)


def _office(user) -> bool:
    return is_office(user)


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
    years = sorted(
        {d.year for d in meetings.datetimes("starts_at", "year")} | {timezone.localdate().year},
        reverse=True,
    )
    filters = MeetingFilterForm(request.GET or None, years=years, show_group=staff)
    if filters.is_valid():
        data = filters.cleaned_data
        if data.get("group"):
            meetings = meetings.filter(group=data["group"])
        if data["year"]:
            meetings = meetings.filter(starts_at__year=data["year"])
        if data["kind"]:
            meetings = meetings.filter(kind=data["kind"])
        if data["status"]:
            meetings = meetings.filter(status=data["status"])
    now = timezone.now()
    meetings = meetings.annotate(
        is_past=Case(When(starts_at__lt=now, then=1), default=0, output_field=IntegerField()),
        upcoming_at=Case(When(starts_at__gte=now, then=F("starts_at"))),
    ).order_by("is_past", "upcoming_at", "-starts_at", "-pk")

    page = Paginator(meetings.values_list("pk", flat=True), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    ids = list(page.object_list)
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
    page.object_list = [by_pk[pk] for pk in ids if pk in by_pk]
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("fragment", None)
    context = {
        "page": page,
        "filters": filters,
        "staff": staff,
        "office": _office(user),
        "unit": unit,
        "query": query.urlencode(),
        "now": now,
    }
    if request.htmx and request.GET.get("fragment") == "table":
        return render(request, "meetings/partials/meeting_table.html", context)
    return render(request, "meetings/meeting_list.html", context)


# --- The plan and single meetings ---------------------------------------------------------


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
            messages.success(
                request,
                ngettext(
                    "%(count)d meeting planned for %(year)d.",
                    "%(count)d meetings planned for %(year)d.",
                    len(meetings),
                )
                % {"count": len(meetings), "year": data["year"]},
            )
            query = urlencode({"group": data["group"].pk, "year": data["year"]})
            return redirect(f"{reverse('meetings:meeting_list')}?{query}")
    groups = LeadingGroup.objects.order_by("order", "pk")
    return render(request, "meetings/plan_form.html", {"form": form, "groups": groups})


def _chosen_group(request) -> LeadingGroup | None:
    """The group a new meeting's page is built for: the one posted or asked for, else the
    first."""
    groups = LeadingGroup.objects.order_by("order", "pk")
    value = request.POST.get("group") or request.GET.get("group") or ""
    chosen = groups.filter(pk=int(value)).first() if value.isdigit() else None
    return chosen or groups.first()


def meeting_create(request):
    """Schedule a single meeting (ad hoc, case consultation, liaison meeting…), inviting by
    default every active member unit of its group."""
    require_staff(request.user)
    group = _chosen_group(request)
    if group is None:
        return render(request, "meetings/meeting_form.html", {"form": None, "meeting": None})
    if request.method == "POST":
        form = MeetingCreateForm(request.POST, group=group)
        if form.is_valid():
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
    else:
        form = MeetingCreateForm(group=group)
    context = {
        "form": form,
        "meeting": None,
        "group": group,
        "groups": LeadingGroup.objects.order_by("order", "pk"),
    }
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
        return _render_meeting(request, meeting)
    messages.success(request, _("Meeting cancelled."))
    return redirect(meeting)


# --- The meeting page ---------------------------------------------------------------------


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


def _render_meeting(request, meeting, *, review_forms=None):
    """The meeting page. ``review_forms`` maps an item's pk to a bound review form to show
    again (with its errors) after a refused review."""
    user = request.user
    staff = is_staff(user)
    office = _office(user)
    unit = None if staff else liaison_unit(user)
    review_forms = review_forms or {}
    invited = list(meeting.invited_units.order_by("order", "pk"))
    items = list(
        items_for_user(user)
        .filter(meeting=meeting)
        .select_related("unit", "submitted_by")
        .annotate(attachment_count=Count("attachments", distinct=True))
        .order_by(*_agenda_order())
    )
    director = has_role(user, Role.OFFICE_DIRECTOR)
    for item in items:
        item.open = item.status in ITEM_OPEN
        if director and item.status == AgendaItem.Status.SUBMITTED:
            item.review_form = review_forms.get(item.pk) or ReviewForm(item=item)
    approved = [i for i in items if i.status == AgendaItem.Status.APPROVED]
    own = [i for i in items if unit is not None and i.unit_id == unit.pk]
    counts = dict.fromkeys(AgendaItem.Status.values, 0)
    for item in items:
        counts[item.status] += 1
    attendance = list(meeting.attendance.select_related("unit").order_by("unit__order"))
    presence = dict.fromkeys(Attendance.Presence.values, 0)
    for row in attendance:
        presence[row.presence] += 1
    minutes = minutes_for_user(user).filter(meeting=meeting).first()
    planned = meeting.status == Meeting.Status.PLANNED
    context = {
        "meeting": meeting,
        "invited": invited,
        "staff": staff,
        "office": office,
        "director": director,
        "unit": unit,
        "items": items,
        "approved_items": approved,
        "own_items": own,
        "counts": counts,
        "attendance": attendance,
        "presence": presence,
        "minutes": minutes,
        "draft_minutes": staff
        and office
        and minutes is None
        and meeting.status == Meeting.Status.HELD,
        "agenda_out": meeting.status in AGENDA_OUT,
        "can_propose": planned
        and (office or (unit is not None and any(u.pk == unit.pk for u in invited))),
        "can_approve": planned and has_role(user, Role.CONVENER),
        "can_change": office and meeting.status in CHANGEABLE,
        "can_record_attendance": office and meeting.status in AGENDA_OUT,
    }
    return render(request, "meetings/meeting_detail.html", context)


def meeting_detail(request, pk):
    return _render_meeting(request, get_meeting_for_user(request.user, pk))


@require_POST
def agenda_approve(request, pk):
    """The convener approves the agenda; it is then published to the invited units."""
    meeting = get_meeting_for_user(request.user, pk)
    require_staff(request.user)
    try:
        services.agenda_approve(actor=request.user, meeting=meeting)
    except services.MeetingError as error:
        messages.error(request, error.message)
        return _render_meeting(request, meeting)
    messages.success(
        request, _("Agenda approved. The invited units are told, with the calendar file.")
    )
    return redirect(meeting)


# --- Attendance ---------------------------------------------------------------------------


def attendance(request, pk):
    """Who came for each invited unit; saving it marks the meeting held."""
    meeting = get_meeting_for_user(request.user, pk)
    require_staff(request.user)
    units = list(meeting.invited_units.order_by("order", "pk"))
    formset = attendance_formset(meeting, units, request.POST or None)
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
            "open": meeting.status in AGENDA_OUT,
        },
    )


# --- Agenda items -------------------------------------------------------------------------


def item_create(request, pk):
    """A liaison proposes an item for their own unit; the office may for any invited unit
    and, for a case consultation, names the household."""
    meeting = get_meeting_for_user(request.user, pk)
    office = _office(request.user)
    unit = None if office else liaison_unit(request.user)
    if not office and unit is None:
        raise Http404
    form = AgendaItemForm(
        request.POST or None, request.FILES or None, meeting=meeting, office=office
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                item = services.agenda_item_create(
                    actor=request.user,
                    meeting=meeting,
                    unit=form.cleaned_data["unit"] if office else unit,
                    data=form.item_data(),
                )
                services.agenda_item_attach(
                    actor=request.user, item=item, files=form.cleaned_data["attachments"]
                )
        except services.MeetingError as error:
            messages.error(request, error.message)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Agenda item saved as a draft. Submit it when it is ready.")
            )
            return redirect(item)
    return render(
        request,
        "meetings/item_form.html",
        {
            "form": form,
            "meeting": meeting,
            "item": None,
            "unit": unit,
            "open": meeting.status == Meeting.Status.PLANNED,
        },
    )


def _household_text(item: AgendaItem) -> str:
    """The household an item concerns: its town and its applicant's masked ID number."""
    if item.household is None:
        return ""
    household = household_with_applicant(item.household_id)
    return f"{household.town} · {mask_id_number(household.applicant_id_number or '')}"


def _may_change(user, item: AgendaItem) -> bool:
    """Whether to offer editing and submitting: the office, or the item's own unit."""
    if _office(user):
        return True
    unit = liaison_unit(user)
    return unit is not None and unit.pk == item.unit_id


def _render_item(request, item, *, review_form=None):
    user = request.user
    director = has_role(user, Role.OFFICE_DIRECTOR)
    context = {
        "item": item,
        "meeting": item.meeting,
        "attachments": list(item.attachments.select_related("uploaded_by").order_by("pk")),
        "household": _household_text(item),
        "may_change": item.status in ITEM_OPEN and _may_change(user, item),
        "review_form": (review_form or ReviewForm(item=item))
        if director and item.status == AgendaItem.Status.SUBMITTED
        else None,
        "staff": is_staff(user),
    }
    return render(request, "meetings/item_detail.html", context)


def item_detail(request, pk):
    return _render_item(request, get_item_for_user(request.user, pk))


def item_edit(request, pk):
    """Revise a draft or returned item; attachments can be added or removed."""
    item = get_item_for_user(request.user, pk)
    if not _may_change(request.user, item):
        raise Http404
    office = _office(request.user)
    form = AgendaItemForm(
        request.POST or None, request.FILES or None, meeting=item.meeting, office=office, item=item
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.agenda_item_update(actor=request.user, item=item, data=form.item_data())
                services.agenda_item_attach(
                    actor=request.user,
                    item=item,
                    files=form.cleaned_data["attachments"],
                    remove=form.cleaned_data.get("remove_attachments") or [],
                )
        except services.MeetingError as error:
            messages.error(request, error.message)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Agenda item saved."))
            return redirect(item)
    return render(
        request,
        "meetings/item_form.html",
        {
            "form": form,
            "meeting": item.meeting,
            "item": item,
            "open": item.status in ITEM_OPEN,
        },
    )


def _from_meeting(request) -> bool:
    # Buttons on the meeting page say so, to come back (or be shown again) there.
    return request.POST.get("from") == "meeting"


@require_POST
def item_submit(request, pk):
    """Send a draft (or a revised returned item) to the office director."""
    item = get_item_for_user(request.user, pk)
    try:
        services.agenda_item_submit(actor=request.user, item=item)
    except services.MeetingError as error:
        messages.error(request, error.message)
        if _from_meeting(request):
            return _render_meeting(request, item.meeting)
        return _render_item(request, item)
    messages.success(request, _("Agenda item submitted to the office director."))
    return redirect(item.meeting if _from_meeting(request) else item)


@require_POST
def item_review(request, pk):
    """The office director accepts an item, returns it with comments, or rejects it."""
    item = get_item_for_user(request.user, pk)
    form = ReviewForm(request.POST, item=item)
    if form.is_valid():
        try:
            item = services.agenda_item_review(
                actor=request.user,
                item=item,
                verdict=form.cleaned_data["verdict"],
                comment=form.cleaned_data["comment"],
            )
        except services.MeetingError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("“%(title)s”: %(status)s.")
                % {"title": item.title, "status": item.get_status_display()},
            )
            return redirect(item.meeting if _from_meeting(request) else item)
    if _from_meeting(request):
        return _render_meeting(request, item.meeting, review_forms={item.pk: form})
    return _render_item(request, item, review_form=form)


def attachment_download(request, pk):
    """Stream an attachment to whoever may see what it is attached to; 404 to anyone else,
    never through a public URL; each download is logged."""
    attachment = get_attachment_for_user(request.user, pk)
    return file_response(
        request,
        attachment.file,
        filename=attachment.name,
        obj=attachment,
        purpose=AccessLog.Purpose.REVIEW,
        description=_("Meeting attachment #%(pk)s “%(name)s”")
        % {"pk": attachment.pk, "name": attachment.name},
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
