"""The departments' pages: a unit liaison's inbox of checks, and the check page where the
liaison answers, corrects or returns a check.

The office (clerks, director) sees the same check page read-only, with ID numbers masked.
The unit's liaisons see the full ID numbers, which they need to look people up in their
own registry; every such page view is written to the access log. Everyone else gets 404.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions, selectors, services
from ..answer_forms import CorrectionForm, FindingsForm, ReturnForm
from ..models import DepartmentCheck
from ..selectors import CheckData
from .common import never_store

INBOX_PAGE_SIZE = 50
RECENTLY_ANSWERED = 20


# --- Inbox ------------------------------------------------------------------------------------


def inbox(request):
    """The unit's open checks, nearest deadline first, then the ones answered lately."""
    unit = permissions.get_unit_for_liaison(request.user)
    today = timezone.localdate()
    page = Paginator(selectors.inbox_open_checks(request.user, unit), INBOX_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for check in page:
        check.is_overdue = check.overdue or check.deadline < today
    return render(
        request,
        "verification/inbox.html",
        {
            "unit": unit,
            "page": page,
            "overdue_count": selectors.inbox_overdue_count(request.user, unit, today),
            "answered": selectors.inbox_answered(request.user, unit, RECENTLY_ANSWERED),
            "today": today,
        },
    )


# --- The check page ---------------------------------------------------------------------------


def _forms(check: DepartmentCheck, data: CheckData, *, answers: bool, bound: dict) -> dict:
    """The forms the user may use on the check in its state (none unless they answer it):
    a refused form in ``bound`` is shown again, the others fresh."""
    forms = dict.fromkeys(("answer_form", "correction_form", "return_form"))
    if not answers:
        return forms
    if check.can_move_to(DepartmentCheck.Status.ANSWERED):
        forms["answer_form"] = bound.get("answer_form") or FindingsForm(
            members=data.members, items=data.items
        )
    if check.can_move_to(DepartmentCheck.Status.RETURNED):
        forms["return_form"] = bound.get("return_form") or ReturnForm()
    if check.status == DepartmentCheck.Status.ANSWERED:
        forms["correction_form"] = bound.get("correction_form") or CorrectionForm(
            members=data.members, items=data.items, findings=data.findings
        )
    return forms


def _render_check(request, check: DepartmentCheck, data: CheckData | None = None, **bound):
    """The check page; ``bound`` holds a form refused on this request (``answer_form``,
    ``correction_form`` or ``return_form``), to show with its errors."""
    data = data or selectors.check_data(check)
    access = permissions.open_check(request.user, check, data.members, path=request.path)
    response = render(
        request,
        "verification/check_detail.html",
        {
            "check": check,
            "household": check.request.household,
            "members": data.members,
            "items": data.items,
            "findings": data.grid() if data.findings else [],
            "corrections": selectors.check_corrections(check, data) if data.findings else [],
            "answers": access.answers,
            "full_ids": access.full_ids,
            "full_id_members": access.full_id_members,
            "office": access.office,
            "is_overdue": check.is_open
            and (check.overdue or check.deadline < timezone.localdate()),
            **_forms(check, data, answers=access.answers, bound=bound),
        },
    )
    return never_store(response) if access.full_ids else response


def check_detail(request, pk):
    check = permissions.get_check_for_user(request.user, pk, perm="view")
    return _render_check(request, check)


def check_answer(request, pk):
    """Answer the check once with the whole grid. A second submission, or an answer to a
    check cancelled meanwhile, is refused by the service and changes nothing."""
    check = permissions.get_check_for_user(request.user, pk, perm="answer")
    if request.method != "POST":
        return redirect(check)
    data = selectors.check_data(check)
    form = FindingsForm(request.POST, members=data.members, items=data.items)
    valid = form.is_valid()
    if not valid and check.can_move_to(DepartmentCheck.Status.ANSWERED):
        return _render_check(request, check, data, answer_form=form)
    try:
        # When the check can no longer be answered, the service says why, whatever the grid.
        services.check_answer(
            actor=request.user, check=check, findings=form.findings() if valid else []
        )
    except services.WrongState as error:
        messages.error(request, error.message)
        return redirect(check)
    except services.VerificationError as error:
        form.add_error(None, error.message)
        return _render_check(request, check, data, answer_form=form)
    messages.success(request, _("Your answer is recorded and the office can see it."))
    return redirect(check)


def check_correct(request, pk):
    """Correct an answered check's findings, with the reason the history keeps."""
    check = permissions.get_check_for_user(request.user, pk, perm="answer")
    if request.method != "POST":
        return redirect(check)
    data = selectors.check_data(check)
    form = CorrectionForm(
        request.POST, members=data.members, items=data.items, findings=data.findings
    )
    valid = form.is_valid()
    if not valid and check.status == DepartmentCheck.Status.ANSWERED:
        return _render_check(request, check, data, correction_form=form)
    try:
        services.check_correct(
            actor=request.user,
            check=check,
            findings=form.findings() if valid else [],
            reason=form.cleaned_data.get("reason", "") if valid else "",
        )
    except services.WrongState as error:
        messages.error(request, error.message)
        return redirect(check)
    except services.VerificationError as error:
        form.add_error(None, error.message)
        return _render_check(request, check, data, correction_form=form)
    if any(name != "reason" for name in form.changed_data):
        messages.success(request, _("The correction is recorded with its reason."))
    else:
        messages.info(request, _("No finding changed, so nothing was recorded."))
    return redirect(check)


def check_return(request, pk):
    """Send the check back to the office with a question."""
    check = permissions.get_check_for_user(request.user, pk, perm="answer")
    if request.method != "POST":
        return redirect(check)
    form = ReturnForm(request.POST)
    valid = form.is_valid()
    if not valid and check.can_move_to(DepartmentCheck.Status.RETURNED):
        return _render_check(request, check, return_form=form)
    try:
        services.check_return(
            actor=request.user,
            check=check,
            question=form.cleaned_data["question"] if valid else "",
        )
    except services.VerificationError as error:
        # A wrong state or a blank question: nothing changed; the page shows the state.
        messages.error(request, error.message)
        return redirect(check)
    messages.success(request, _("Your question is sent to the office."))
    return redirect(check)
