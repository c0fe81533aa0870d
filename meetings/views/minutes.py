"""The minutes (会议纪要): drafting, the minutes page and each step of their way (review,
consent, revision, signing, issue, receipt), and their Word file.

Each view reads through a gateway of ``meetings.permissions`` (outsiders get 404) and
``meetings.selectors``, and makes every change through ``meetings.services``. A refused
action shows the service's message on the page it came from and changes nothing. Which
buttons a page offers follows the gateway's rules and the state, but only as a courtesy:
the services decide.
"""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.selectors import liaison_unit

from .. import minutes_export, permissions, selectors, services
from ..minutes_forms import (
    MAX_DECISIONS,
    IssueForm,
    MinutesForm,
    OnBehalfForm,
    RespondForm,
    ReviewForm,
    ReviseForm,
    decision_formset,
    hold_errors,
    with_another_row,
)
from ..models import Minutes
from ..permissions import (
    get_meeting_for_user,
    get_minutes_for_user,
    is_staff,
    meeting_minutes_for_user,
    require_office,
)

# --- Drafting -------------------------------------------------------------------------------


def minutes_draft(request, pk):
    """Draft a held meeting's minutes, or redraft minutes returned to draft: the text, the
    document number and the decisions (a formset), prefilled from what is on file."""
    meeting = get_meeting_for_user(request.user, pk)
    # Only the office drafts; to anyone else this page does not exist.
    require_office(request.user)
    minutes = meeting_minutes_for_user(request.user, meeting)
    if minutes is not None and minutes.status not in Minutes.EDITABLE:
        messages.error(request, _("Only draft minutes can be edited."))
        return redirect(minutes)
    decisions = selectors.minutes_decisions(minutes) if minutes else []
    items = selectors.agenda_topics(meeting)
    topics = [] if minutes else items
    data = request.POST if request.method == "POST" else None
    adding = data is not None and "add_row" in data
    if adding:
        data = with_another_row(data)
    form = MinutesForm.for_minutes(data, minutes=minutes, topics=topics)
    units = selectors.group_unit_choices(meeting)
    formset = decision_formset(data, units=units, decisions=decisions, topics=topics, items=items)
    if adding:
        hold_errors(form, formset)
    elif data is not None and form.is_valid() & formset.is_valid():
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
            "held": meeting.status == meeting.Status.HELD and services.meeting_day_reached(meeting),
            "can_add_row": formset.total_form_count() < MAX_DECISIONS,
        },
    )


# --- The minutes page -----------------------------------------------------------------------


def _actions(user, minutes: Minutes, page: selectors.MinutesPage) -> dict:
    """Which steps the minutes page offers: the gateway's rules in the minutes' state (a
    unit answers where the page found its own response or receipt). A step the user may
    take but that the service would refuse now is shown disabled, with the service's
    reason (``sign_refusal``)."""
    keeper = permissions.can_keep_minutes(user)
    status = minutes.status
    circulated = status == Minutes.Status.CIRCULATED
    sign = permissions.can_sign_minutes(user, minutes) and circulated
    return {
        "sign_refusal": services.sign_refusal(minutes, page.responses) if sign else "",
        "on_behalf": bool(page.on_behalf_units) and permissions.can_answer_on_behalf(user),
        "edit": keeper and status in Minutes.EDITABLE,
        "submit": keeper and services.can_move(minutes, Minutes.Status.IN_REVIEW),
        "review": permissions.can_review_minutes(user, minutes)
        and status == Minutes.Status.IN_REVIEW,
        "respond": page.own_response is not None and circulated,
        "revise": keeper and circulated,
        "sign": sign,
        "issue": keeper and services.can_move(minutes, Minutes.Status.ISSUED),
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
        "on_behalf": _on_behalf_form(None, minutes, page),
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


def _on_behalf_form(data, minutes: Minutes, page: selectors.MinutesPage) -> OnBehalfForm:
    return OnBehalfForm(
        data,
        units=page.on_behalf_units,
        receipt=minutes.status == Minutes.Status.ISSUED,
    )


@require_POST
def minutes_on_behalf(request, pk):
    """The office records a unit's consent (or comments) to circulated minutes, or its
    receipt of issued ones, as the unit gave it by phone, on paper or in person."""
    minutes = get_minutes_for_user(request.user, pk)
    if not permissions.can_answer_on_behalf(request.user):
        # The step is the office's; to anyone else who sees the minutes it is refused.
        messages.error(request, _("Only the office records a unit's answer on its behalf."))
        return _render_minutes(request, pk)
    page = selectors.minutes_page(minutes, user=request.user)
    if not page.on_behalf_units:
        messages.error(request, _("No unit's answer is awaited at this stage of the minutes."))
        return _render_minutes(request, pk)
    form = _on_behalf_form(request.POST, minutes, page)
    if not form.is_valid():
        response = _render_minutes(request, pk, forms={"on_behalf": form})
        response.status_code = 400
        return response
    unit = selectors.unit_by_pk(form.cleaned_data["unit"])
    if minutes.status == Minutes.Status.ISSUED:

        def action():
            services.minutes_acknowledge_on_behalf(
                actor=request.user, minutes=minutes, unit=unit, on_behalf=form.on_behalf_data()
            )

        done = _("Receipt recorded for %(unit)s.")
    else:

        def action():
            services.minutes_respond_on_behalf(
                actor=request.user,
                minutes=minutes,
                unit=unit,
                consent=form.cleaned_data["answer"] == OnBehalfForm.CONSENT,
                comment=form.cleaned_data["comment"],
                on_behalf=form.on_behalf_data(),
            )

        done = _("Answer recorded for %(unit)s.")
    return _act(request, pk, action, done % {"unit": unit.name}, form_name="on_behalf", form=form)


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
