"""The decisions (议定事项) of issued minutes and their follow-up (督办): a decision's page,
progress reported by its units, the office closing it or sending it back, and the
follow-up page with completion figures.

Each view reads through a gateway of ``meetings.permissions`` (outsiders get 404) and
``meetings.selectors``, and makes every change through ``meetings.services``. A refused
action shows the service's message on the page it came from and changes nothing. Which
buttons a page offers follows the gateway's rules and the state, but only as a courtesy:
the services decide.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from assistance.services import chases_by_object
from members.selectors import liaison_unit

from .. import permissions, selectors, services
from ..minutes_forms import CloseForm, DecisionUpdateForm, FollowupFilterForm, SendBackForm
from ..models import Decision
from ..permissions import get_decision_for_user, is_staff

FOLLOWUP_PAGE_SIZE = 50
# Overdue decisions listed at the top of the follow-up page; the count says how many more.
OVERDUE_SHOWN = 10


# --- Decisions ------------------------------------------------------------------------------


def _render_decision(request, pk, *, update_form=None, send_back_form=None, close_form=None):
    decision = selectors.decision_with_units(get_decision_for_user(request.user, pk))
    unit = liaison_unit(request.user)
    involved = permissions.works_on(decision, unit)
    lead = involved and permissions.leads(decision, unit)
    follow_up = permissions.can_follow_up(request.user, decision)
    open_ = decision.status != Decision.Status.CLOSED
    selectors.mark_overdue([decision], timezone.localdate())
    chases = chases_by_object(Decision, [decision.pk]).get(decision.pk, []) if follow_up else []
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
            "can_close": follow_up and services.can_move(decision, Decision.Status.CLOSED),
            "can_send_back": follow_up and services.can_move(decision, Decision.Status.OPEN),
            "send_back_form": send_back_form or SendBackForm(),
            "close_form": close_form
            or CloseForm(needs_reason=services.close_needs_reason(decision)),
            "chases": chases,
            "chased_today": any(c.day == timezone.localdate() for c in chases),
            "can_chase": follow_up and decision.status == Decision.Status.OPEN,
            "overdue": decision.overdue,
            "days_overdue": decision.days_overdue,
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
    lead = permissions.leads(decision, unit)
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
    """The office closes a decision: at once if the lead unit reported it done, else only
    with a written reason."""
    decision = get_decision_for_user(request.user, pk)
    form = CloseForm(request.POST, needs_reason=services.close_needs_reason(decision))
    if not form.is_valid():
        response = _render_decision(request, pk, close_form=form)
        response.status_code = 400
        return response
    return _decision_act(
        request,
        pk,
        lambda: services.decision_close(
            actor=request.user, decision=decision, reason=form.cleaned_data.get("reason", "")
        ),
        _("Decision closed."),
        close_form=form,
    )


@require_POST
def decision_chase(request, pk):
    """The office chases (催办) the lead unit about a decision in progress: once a day."""
    permissions.require_office(request.user)
    decision = get_decision_for_user(request.user, pk)
    try:
        chase = services.decision_chase(actor=request.user, decision=decision)
    except services.MeetingError as error:
        messages.error(request, error.message)
        return redirect("meetings:decision_detail", pk=pk)
    messages.success(
        request,
        ngettext(
            "%(unit)s was chased: %(count)d liaison notified.",
            "%(unit)s was chased: %(count)d liaisons notified.",
            chase.notified,
        )
        % {"unit": decision.lead_unit.name, "count": chase.notified},
    )
    return redirect("meetings:decision_detail", pk=pk)


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
        groups=selectors.groups() if staff else None,
        units=selectors.followup_units() if staff else None,
    )
    listed = scope
    if filters.is_valid():
        scope, listed = selectors.narrow_followup(scope, filters.cleaned_data, today)
    page = Paginator(selectors.followup_list(listed, today), FOLLOWUP_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    overdue = selectors.overdue_decisions(scope, today, OVERDUE_SHOWN)
    selectors.mark_overdue([*page.object_list, *overdue], today)
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
