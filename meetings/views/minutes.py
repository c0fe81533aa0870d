"""The minutes (会议纪要), the decisions (议定事项) and their follow-up (督办).

Each view reads through a gateway of ``meetings.permissions`` (outsiders get 404) and makes
every change through ``meetings.services``. A refused action shows the service's message
on the page it came from and changes nothing. Which buttons a page offers follows the
user's role and the state, but only as a courtesy: the services decide.
"""

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assistance.roles import Role, has_role
from assistance.workdays import WorkdayCalendar
from members.selectors import liaison_unit

from .. import minutes_export, selectors, services
from ..minutes_forms import (
    DecisionUpdateForm,
    FollowupFilterForm,
    IssueForm,
    MinutesForm,
    RespondForm,
    ReviewForm,
    ReviseForm,
    SendBackForm,
    decision_formset,
)
from ..models import Decision, Minutes
from ..permissions import (
    get_decision_for_user,
    get_meeting_for_user,
    get_minutes_for_user,
    is_office,
    is_staff,
)

FOLLOWUP_PAGE_SIZE = 50
# Overdue decisions listed at the top of the follow-up page; the count says how many more.
OVERDUE_SHOWN = 10


def _office(user) -> bool:
    return is_office(user)


def _can_move(obj, status) -> bool:
    return status in type(obj).TRANSITIONS[type(obj).Status(obj.status)]


# --- Drafting -------------------------------------------------------------------------------


def _group_units(meeting):
    return list(
        meeting.group.units.filter(active=True).order_by("order", "pk").values_list("pk", "name")
    )


def minutes_draft(request, pk):
    """Draft a held meeting's minutes, or redraft minutes returned to draft: the text, the
    document number and the decisions (a formset), prefilled from what is on file."""
    meeting = get_meeting_for_user(request.user, pk)
    if not _office(request.user):
        # Only the office drafts; to anyone else this page does not exist.
        raise Http404
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is not None and minutes.status not in Minutes.EDITABLE:
        messages.error(request, _("Only draft minutes can be edited."))
        return redirect(minutes)
    decisions = selectors.minutes_decisions(minutes) if minutes else []
    data = request.POST if request.method == "POST" else None
    form = MinutesForm.for_minutes(data, minutes=minutes)
    formset = decision_formset(data, units=_group_units(meeting), decisions=decisions)
    if request.method == "POST" and form.is_valid() & formset.is_valid():
        try:
            minutes = services.minutes_draft(
                actor=request.user,
                meeting=meeting,
                text=form.cleaned_data["text"],
                document_number=form.cleaned_data["document_number"],
                decisions=formset.decision_data(),
            )
        except services.MeetingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Minutes saved as a draft."))
            return redirect(minutes)
    return render(
        request,
        "meetings/minutes_form.html",
        {
            "meeting": meeting,
            "minutes": minutes,
            "form": form,
            "formset": formset,
            "held": meeting.status == meeting.Status.HELD,
        },
    )


# --- The minutes page -----------------------------------------------------------------------


def _actions(user, minutes: Minutes, page: selectors.MinutesPage) -> dict[str, bool]:
    office = _office(user)
    status = minutes.status
    return {
        "edit": office and status in Minutes.EDITABLE,
        "submit": office and _can_move(minutes, Minutes.Status.IN_REVIEW),
        "review": has_role(user, Role.OFFICE_DIRECTOR) and status == Minutes.Status.IN_REVIEW,
        "respond": page.own_response is not None and status == Minutes.Status.CIRCULATED,
        "revise": office and status == Minutes.Status.CIRCULATED,
        "sign": has_role(user, Role.CONVENER) and status == Minutes.Status.CIRCULATED,
        "issue": office and _can_move(minutes, Minutes.Status.ISSUED),
        "acknowledge": page.own_receipt is not None
        and page.own_receipt.acknowledged_at is None
        and status == Minutes.Status.ISSUED,
    }


def _render_minutes(request, pk, *, forms=None):
    """The minutes page; after a refused action, with the form the user filled in."""
    minutes = get_minutes_for_user(request.user, pk)
    page = selectors.minutes_page(minutes, user=request.user)
    today = timezone.localdate()
    for decision in page.decisions:
        decision.overdue = decision.is_overdue(today)
    forms = {
        "review": ReviewForm(),
        "respond": RespondForm(),
        "revise": ReviseForm(),
        "issue": IssueForm(),
        **(forms or {}),
    }
    group = minutes.meeting.group
    return render(
        request,
        "meetings/minutes_detail.html",
        {
            "minutes": minutes,
            "meeting": minutes.meeting,
            "group": group,
            "page": page,
            "staff": is_staff(request.user),
            "actions": _actions(request.user, minutes, page),
            "forms": forms,
            "office_name": minutes_export.issuing_office(group),
            "government": minutes_export.government_name(group),
            "document_date": minutes_export.document_date(minutes),
            "when": minutes_export.meeting_when(minutes.meeting),
            "today": today,
        },
    )


def minutes_detail(request, pk):
    return _render_minutes(request, pk)


def _act(request, pk, action, success: str, *, form_name: str = "", form=None):
    """Run ``action`` (a service call); on success say ``success`` and go back to the
    minutes, on refusal show the service's message on the page with the user's form."""
    try:
        action()
    except services.MeetingError as error:
        messages.error(request, error.message)
        return _render_minutes(request, pk, forms={form_name: form} if form_name else None)
    messages.success(request, success)
    return redirect("meetings:minutes_detail", pk=pk)


@require_POST
def minutes_submit(request, pk):
    minutes = get_minutes_for_user(request.user, pk)
    return _act(
        request,
        pk,
        lambda: services.minutes_submit_for_review(actor=request.user, minutes=minutes),
        _("Minutes sent to the office director for review."),
    )


@require_POST
def minutes_review(request, pk):
    minutes = get_minutes_for_user(request.user, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _render_minutes(request, pk, forms={"review": form})
    approve = form.cleaned_data["verdict"] == ReviewForm.APPROVE
    return _act(
        request,
        pk,
        lambda: services.minutes_review(
            actor=request.user,
            minutes=minutes,
            approve=approve,
            comment=form.cleaned_data["comment"],
        ),
        _("Minutes approved and circulated to the attending units for consent.")
        if approve
        else _("Minutes returned to the office with your comments."),
        form_name="review",
        form=form,
    )


def _no_unit(request, pk, form_name="", form=None):
    messages.error(request, _("Only a unit's liaison answers for the unit."))
    return _render_minutes(request, pk, forms={form_name: form} if form_name else None)


@require_POST
def minutes_respond(request, pk):
    minutes = get_minutes_for_user(request.user, pk)
    form = RespondForm(request.POST)
    if not form.is_valid():
        return _render_minutes(request, pk, forms={"respond": form})
    unit = liaison_unit(request.user)
    if unit is None:
        return _no_unit(request, pk, "respond", form)
    consent = form.cleaned_data["answer"] == RespondForm.CONSENT
    return _act(
        request,
        pk,
        lambda: services.minutes_respond(
            actor=request.user,
            minutes=minutes,
            unit=unit,
            consent=consent,
            comment=form.cleaned_data["comment"],
        ),
        _("Your unit consented to the minutes.")
        if consent
        else _("Your unit's comments were sent to the office."),
        form_name="respond",
        form=form,
    )


@require_POST
def minutes_revise(request, pk):
    minutes = get_minutes_for_user(request.user, pk)
    form = ReviseForm(request.POST)
    if not form.is_valid():
        return _render_minutes(request, pk, forms={"revise": form})
    return _act(
        request,
        pk,
        lambda: services.minutes_return_to_draft(
            actor=request.user, minutes=minutes, comment=form.cleaned_data["comment"]
        ),
        _("The minutes are back in draft: revise them and submit them again."),
        form_name="revise",
        form=form,
    )


@require_POST
def minutes_sign(request, pk):
    minutes = get_minutes_for_user(request.user, pk)
    return _act(
        request,
        pk,
        lambda: services.minutes_sign(actor=request.user, minutes=minutes),
        _("Minutes signed. The office can now issue them."),
    )


@require_POST
def minutes_issue(request, pk):
    minutes = get_minutes_for_user(request.user, pk)
    form = IssueForm(request.POST)
    form.is_valid()  # A single optional checkbox: always valid.
    return _act(
        request,
        pk,
        lambda: services.minutes_issue(
            actor=request.user,
            minutes=minutes,
            reported_to_government=form.cleaned_data.get("reported_to_government", False),
        ),
        _("Minutes issued to every member unit; the decisions' deadlines run from today."),
        form_name="issue",
        form=form,
    )


@require_POST
def minutes_acknowledge(request, pk):
    minutes = get_minutes_for_user(request.user, pk)
    unit = liaison_unit(request.user)
    if unit is None:
        return _no_unit(request, pk)
    return _act(
        request,
        pk,
        lambda: services.minutes_acknowledge(actor=request.user, minutes=minutes, unit=unit),
        _("Receipt acknowledged for %(unit)s.") % {"unit": unit.name},
    )


def minutes_docx(request, pk):
    """The minutes as an official notice in Word, for whoever may see the minutes."""
    minutes = get_minutes_for_user(request.user, pk)
    content = minutes_export.minutes_docx(
        minutes,
        decisions=selectors.minutes_decisions(minutes),
        attendance=selectors.minutes_attendance(minutes),
    )
    response = HttpResponse(content, content_type=minutes_export.DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="minutes-{minutes.pk}.docx"'
    patch_cache_control(response, private=True)
    return response


# --- Decisions ------------------------------------------------------------------------------


def _render_decision(request, pk, *, update_form=None, send_back_form=None):
    decision = selectors.decision_with_units(get_decision_for_user(request.user, pk))
    unit = liaison_unit(request.user)
    involved = unit is not None and (
        unit.pk == decision.lead_unit_id
        or any(u.pk == unit.pk for u in decision.cooperating_units.all())
    )
    lead = involved and unit.pk == decision.lead_unit_id
    office = _office(request.user)
    open_ = decision.status != Decision.Status.CLOSED
    today = timezone.localdate()
    overdue = decision.is_overdue(today)
    return render(
        request,
        "meetings/decision_detail.html",
        {
            "decision": decision,
            "minutes": decision.minutes,
            "meeting": decision.minutes.meeting,
            "updates": selectors.decision_updates(decision),
            "unit": unit,
            "lead": lead,
            "update_form": (
                (update_form or DecisionUpdateForm(lead=lead)) if involved and open_ else None
            ),
            "can_close": office and _can_move(decision, Decision.Status.CLOSED),
            "can_send_back": office and _can_move(decision, Decision.Status.OPEN),
            "send_back_form": send_back_form or SendBackForm(),
            "overdue": overdue,
            "days_overdue": (
                WorkdayCalendar().working_days_between(decision.deadline, today) if overdue else 0
            ),
            "staff": is_staff(request.user),
        },
    )


def decision_detail(request, pk):
    return _render_decision(request, pk)


def _decision_act(request, pk, action, success: str, **forms):
    try:
        action()
    except services.MeetingError as error:
        messages.error(request, error.message)
        return _render_decision(request, pk, **forms)
    messages.success(request, success)
    return redirect("meetings:decision_detail", pk=pk)


@require_POST
def decision_update(request, pk):
    """A liaison of the lead or a cooperating unit reports progress (the lead unit may
    report the decision done), with attachments checked by their content."""
    decision = get_decision_for_user(request.user, pk)
    unit = liaison_unit(request.user)
    lead = unit is not None and unit.pk == decision.lead_unit_id
    form = DecisionUpdateForm(request.POST, request.FILES, lead=lead)
    if not form.is_valid():
        return _render_decision(request, pk, update_form=form)
    if unit is None:
        messages.error(request, _("Only a unit's liaison reports progress for the unit."))
        return _render_decision(request, pk, update_form=form)
    reports_done = form.cleaned_data.get("reports_done", False)

    def post():
        services.decision_update_post(
            actor=request.user,
            decision=decision,
            unit=unit,
            text=form.cleaned_data["text"],
            reports_done=reports_done,
            attachments=form.cleaned_data["attachments"],
        )

    return _decision_act(
        request,
        pk,
        post,
        _("Reported done: the office will check and close the decision.")
        if reports_done
        else _("Progress reported."),
        update_form=form,
    )


@require_POST
def decision_close(request, pk):
    decision = get_decision_for_user(request.user, pk)
    return _decision_act(
        request,
        pk,
        lambda: services.decision_close(actor=request.user, decision=decision),
        _("Decision closed."),
    )


@require_POST
def decision_send_back(request, pk):
    decision = get_decision_for_user(request.user, pk)
    form = SendBackForm(request.POST)
    if not form.is_valid():
        return _render_decision(request, pk, send_back_form=form)
    return _decision_act(
        request,
        pk,
        lambda: services.decision_send_back(
            actor=request.user, decision=decision, comment=form.cleaned_data["comment"]
        ),
        _("Decision sent back to the lead unit."),
        send_back_form=form,
    )


# --- Follow-up (督办) -----------------------------------------------------------------------


def _days_overdue(decisions, today: datetime.date) -> None:
    calendar = None
    late: dict[datetime.date, int] = {}
    for decision in decisions:
        decision.overdue = decision.is_overdue(today)
        if decision.overdue:
            if decision.deadline not in late:
                calendar = calendar or WorkdayCalendar()
                late[decision.deadline] = calendar.working_days_between(decision.deadline, today)
            decision.days_overdue = late[decision.deadline]


def followup(request):
    """Every decision of issued minutes for the office and the convener (filtered by
    group, unit, status, overdue), a liaison's own unit's for a liaison; completion rates
    overall and per unit, overdue decisions first. A fixed number of queries."""
    user = request.user
    staff = is_staff(user)
    unit = None if staff else liaison_unit(user)
    if not staff and unit is None:
        raise Http404
    today = timezone.localdate()
    scope = selectors.followup_scope(user)
    filters = FollowupFilterForm(
        request.GET or None,
        groups=selectors.followup_groups() if staff else None,
        units=selectors.followup_units() if staff else None,
    )
    listed = scope
    if filters.is_valid():
        data = filters.cleaned_data
        # Group and unit narrow the figures too; status and overdue only the list (a
        # completion rate of the closed decisions alone would say nothing).
        if data.get("group"):
            scope = scope.filter(minutes__meeting__group=data["group"])
        if data.get("unit"):
            scope = selectors.involving_unit(scope, data["unit"])
        listed = scope
        if data["status"]:
            listed = listed.filter(status=data["status"])
        if data["overdue"]:
            listed = listed.filter(selectors.overdue_q(today))
    page = Paginator(selectors.followup_list(listed, today), FOLLOWUP_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    overdue = selectors.overdue_decisions(scope, today, OVERDUE_SHOWN)
    _days_overdue([*page.object_list, *overdue], today)
    total = selectors.figures(scope, today)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "staff": staff,
        "unit": unit,
        "filters": filters,
        "page": page,
        "figures": total,
        "unit_rows": selectors.unit_figures(scope, today) if staff else [],
        "overdue": overdue,
        "overdue_more": max(total.overdue - len(overdue), 0),
        "today": today,
        "query": query.urlencode(),
    }
    if request.htmx and request.htmx.target == "followup-results":
        return render(request, "meetings/partials/decision_followup_results.html", context)
    return render(request, "meetings/followup.html", context)
