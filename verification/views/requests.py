"""The office's request pages (clerks and the office director): filing a verification
request, the list of requests, one request with its departments' checks (and the reply to
a department's question), cancelling it, and the overdue checks.

Every view takes its object from a gateway of ``verification.permissions`` (anyone outside
the office gets 404), reads through ``verification.selectors`` and writes through
``verification.services``; a refused action shows the service's message and changes
nothing.
"""

import datetime
from itertools import groupby

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from assistance.services import chases_by_object
from assistance.workdays import WorkdayCalendar

from .. import permissions, register, selectors, services
from ..forms import ReplyForm, RequestFilterForm, RequestForm
from ..models import DepartmentCheck, VerificationRequest
from .common import page_of, query_without_page

PAGE_SIZE = 50
OVERDUE_PAGE_SIZE = 100
# How often the department table of a request under way refreshes itself.
REFRESH_SECONDS = 10


def _say_what_was_sent(request, verification_request, count: int) -> None:
    """Tell the clerk what happened: the departments were asked, or (the queue could not
    be reached) the request is saved and its checks go out as soon as it can be."""
    unsent = selectors.checks_waiting_to_be_sent(verification_request)
    if unsent:
        messages.warning(
            request,
            ngettext(
                "Verification request saved. The queue cannot be reached right now: the "
                "check for %(count)d department will be sent as soon as it can be.",
                "Verification request saved. The queue cannot be reached right now: the "
                "checks for %(count)d departments will be sent as soon as it can be.",
                unsent,
            )
            % {"count": unsent},
        )
        return
    messages.success(
        request,
        ngettext(
            "Verification request filed: %(count)d department was asked.",
            "Verification request filed: %(count)d departments were asked.",
            count,
        )
        % {"count": count},
    )


def request_create(request, pk):
    """File a verification request for a household. Refused, naming them, while any member
    lacks a covering authorisation."""
    household = permissions.get_household_for_user(request.user, pk)
    items = services.default_items(household.office)
    missing = register.members_without_authorization(household)
    form = RequestForm(request.POST or None, items=items, household=household)
    if request.method == "POST" and form.is_valid():
        try:
            verification_request = services.request_submit(
                actor=request.user,
                household=household,
                units=form.cleaned_data["units"],
                assistance_type=form.cleaned_data["assistance_type"],
            )
        except services.VerificationError as error:
            messages.error(request, error.message)
        else:
            _say_what_was_sent(request, verification_request, len(form.cleaned_data["units"]))
            return redirect(verification_request)
    return render(
        request,
        "verification/request_form.html",
        {
            "household": household,
            "form": form,
            "missing": missing,
            "missing_message": services.AuthorizationMissing(missing).message if missing else "",
            "has_members": selectors.household_has_members(household),
            "chosen": form.chosen_unit_ids(),
        },
    )


def request_list(request):
    """Requests with progress, nearest open deadline and overdue badge, in a fixed number of
    queries whatever the number of rows."""
    permissions.require_office(request.user)
    filters = RequestFilterForm(request.GET or None)
    if filters.is_valid():
        requests_ = selectors.request_list(**filters.cleaned_data)
    else:
        requests_ = selectors.request_list()
    return render(
        request,
        "verification/request_list.html",
        {
            "page": page_of(request, requests_, PAGE_SIZE, rows=selectors.request_rows),
            "filters": filters,
            "towns": selectors.towns(),
            "query": query_without_page(request),
            "today": timezone.localdate(),
        },
    )


def _render_request_detail(request, verification_request, *, reply_forms=None):
    checks = selectors.request_checks(verification_request)
    reply_forms = reply_forms or {}
    chases = chases_by_object(DepartmentCheck, [c.pk for c in checks])
    today = timezone.localdate()
    for check in checks:
        check.chases = chases.get(check.pk, [])
        check.chased_today = any(c.day == today for c in check.chases)
        check.can_chase = check.status == DepartmentCheck.Status.DELIVERED
        if check.status == DepartmentCheck.Status.RETURNED:
            check.reply_form = reply_forms.get(check.pk) or ReplyForm(check=check)
        # A request's own check whose message has not reached the broker yet (a batch's
        # are sent per department: its page says so).
        check.waiting_to_be_sent = (
            check.status == DepartmentCheck.Status.QUEUED
            and check.sent_at is None
            and verification_request.batch_id is None
        )
    context = {
        "vr": verification_request,
        "household": verification_request.household,
        "checks": checks,
        "returned": [c for c in checks if c.status == DepartmentCheck.Status.RETURNED],
        "answered_count": sum(c.status == DepartmentCheck.Status.ANSWERED for c in checks),
        "waiting_to_be_sent": sum(c.waiting_to_be_sent for c in checks),
        "any_provisional": any(c.deadline_provisional for c in checks),
        "under_way": verification_request.status == VerificationRequest.Status.SUBMITTED,
        "refresh_seconds": REFRESH_SECONDS,
        "today": timezone.localdate(),
    }
    if request.htmx and request.GET.get("fragment") == "checks":
        return render(request, "verification/partials/request_checks.html", context)
    # Members added to the household after the request was filed: no department sees
    # them here.
    context["members"], context["not_covered"] = selectors.request_members(verification_request)
    return render(request, "verification/request_detail.html", context)


def request_detail(request, pk):
    """Each department's check; its table refreshes by htmx while the request is under way
    (and the page works the same without JavaScript)."""
    verification_request = permissions.get_request_for_user(request.user, pk)
    return _render_request_detail(request, verification_request)


@require_POST
def check_reply(request, pk):
    """The clerk answers a department's question; the check goes back to the department."""
    check = permissions.get_check_for_user(request.user, pk, perm="reply")
    verification_request = permissions.get_request_for_user(request.user, check.request_id)
    form = ReplyForm(request.POST, check=check)
    if form.is_valid():
        try:
            services.check_reply(actor=request.user, check=check, reply=form.cleaned_data["reply"])
        except services.VerificationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Reply sent to %(unit)s.") % {"unit": check.unit.name})
            return redirect(verification_request)
    return _render_request_detail(request, verification_request, reply_forms={check.pk: form})


@require_POST
def check_chase(request, pk):
    """The office chases (催办) a check waiting for its department: once a day."""
    check = permissions.get_check_for_user(request.user, pk, perm="reply")
    try:
        chase = services.check_chase(actor=request.user, check=check)
    except services.VerificationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            ngettext(
                "%(unit)s was chased: %(count)d liaison notified.",
                "%(unit)s was chased: %(count)d liaisons notified.",
                chase.notified,
            )
            % {"unit": check.unit.name, "count": chase.notified},
        )
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)  # the overdue list, where the office chases many
    return redirect(check.request)


@require_http_methods(["GET", "POST"])
def request_cancel(request, pk):
    """Ask for confirmation, then cancel every open check of the request."""
    verification_request = permissions.get_request_for_user(request.user, pk)
    if request.method == "POST":
        try:
            services.request_cancel(actor=request.user, request=verification_request)
        except services.VerificationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Verification request cancelled."))
        return redirect(verification_request)
    return render(
        request,
        "verification/request_cancel.html",
        {"vr": verification_request, "household": verification_request.household},
    )


# --- Overdue ----------------------------------------------------------------------------------


def _mark_days_overdue(checks, today: datetime.date) -> None:
    """Each check's working days past its deadline (counted once per deadline)."""
    calendar = WorkdayCalendar()
    days_late: dict[datetime.date, int] = {}
    for check in checks:
        if check.deadline not in days_late:
            days_late[check.deadline] = calendar.working_days_between(check.deadline, today)
        check.days_overdue = days_late[check.deadline]


def overdue_list(request):
    """Open checks past their deadline, grouped by department, with the working days they
    are overdue. A fixed number of queries: one page of checks, one summary per unit."""
    permissions.require_office(request.user)
    summary = selectors.overdue_summary()
    page = page_of(
        request, selectors.overdue_checks(), OVERDUE_PAGE_SIZE, rows=selectors.overdue_rows
    )
    today = timezone.localdate()
    _mark_days_overdue(page.object_list, today)
    chases = chases_by_object(DepartmentCheck, [c.pk for c in page.object_list])
    for check in page.object_list:
        check.chases = chases.get(check.pk, [])
        check.chased_today = any(c.day == today for c in check.chases)
        check.can_chase = check.status == DepartmentCheck.Status.DELIVERED
    units = [
        {"unit": unit, "checks": list(rows)}
        for unit, rows in groupby(page.object_list, key=lambda c: c.unit)
    ]
    return render(
        request,
        "verification/overdue_list.html",
        {
            "page": page,
            "units": units,
            "summary": summary,
            "total": sum(row["count"] for row in summary),
            "today": today,
        },
    )
