"""The departments' pages: a unit liaison's inbox of checks, and the check page where the
liaison answers, corrects or returns a check.

The office (clerks, director) sees the same check page read-only, with ID numbers masked.
The unit's liaisons see the full ID numbers, which they need to look people up in their
own registry; every such page view is written to the access log. Everyone else gets 404.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _

from assistance.models import AccessLog
from assistance.services import access_log_record
from members.selectors import liaison_unit

from .. import services
from ..answer_forms import CorrectionForm, FindingsForm, ReturnForm
from ..models import (
    DepartmentCheck,
    Finding,
    HouseholdMember,
    VerificationItem,
    VerificationRequest,
)
from ..permissions import checks_for_liaison, get_check_for_user, is_office

INBOX_PAGE_SIZE = 50
RECENTLY_ANSWERED = 20


# --- Inbox ----------------------------------------------------------------------------------


def _member_count():
    """The number of members the check's request covers, as a subquery (no join that
    would multiply the rows)."""
    covered = VerificationRequest.members.through
    members = (
        covered.objects.filter(verificationrequest_id=OuterRef("request_id"))
        .order_by()
        .values("verificationrequest_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(members, output_field=IntegerField()), 0)


def inbox(request):
    """The unit's open checks, nearest deadline first, then the ones answered lately."""
    unit = liaison_unit(request.user)
    if unit is None:
        raise Http404
    today = timezone.localdate()
    checks = (
        # The unit narrows the rows before the permission test (index on unit, status,
        # deadline); the permission still decides.
        checks_for_liaison(request.user)
        .filter(unit=unit)
        .select_related("request__household")
        .annotate(member_count=_member_count())
    )
    open_checks = checks.filter(status__in=DepartmentCheck.OPEN).order_by("deadline", "pk")
    page = Paginator(
        open_checks.prefetch_related(
            Prefetch("items", queryset=VerificationItem.objects.order_by("order", "pk"))
        ),
        INBOX_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    for check in page:
        check.is_overdue = check.overdue or check.deadline < today
    overdue_count = open_checks.filter(Q(overdue=True) | Q(deadline__lt=today)).count()
    answered = list(
        checks.filter(status=DepartmentCheck.Status.ANSWERED)
        .select_related("answered_by")
        .order_by("-answered_at", "-pk")[:RECENTLY_ANSWERED]
    )
    return render(
        request,
        "verification/inbox.html",
        {
            "unit": unit,
            "page": page,
            "overdue_count": overdue_count,
            "answered": answered,
            "today": today,
        },
    )


# --- The check page -------------------------------------------------------------------------


@dataclass
class _CheckData:
    """What every form and view of one check needs, loaded once."""

    members: list[HouseholdMember]
    items: list[VerificationItem]
    findings: dict[tuple[int, int], Finding]


def _check_data(check: DepartmentCheck) -> _CheckData:
    return _CheckData(
        # Only the members the request covers: a member added to the household since has
        # no authorisation on this request and is never shown to the department.
        members=list(check.request.members.order_by("pk")),
        items=list(check.items.order_by("order", "pk")),
        # The item comes along: a finding asks it whether it bears on eligibility.
        findings={(f.member_id, f.item_id): f for f in check.findings.select_related("item")},
    )


def _answers_for_unit(user, check: DepartmentCheck) -> bool:
    """Whether the user answers this check, i.e. is a liaison of its unit."""
    return checks_for_liaison(user).filter(pk=check.pk).exists()


def _describe(record) -> str:
    text = record.get_result_display()
    if record.details:
        text = f"{text}: {record.details}"
    if record.amount is not None:
        text = _("%(text)s (%(amount)s yuan)") % {"text": text, "amount": record.amount}
    return text


def _corrections(check: DepartmentCheck, data: _CheckData) -> list[dict]:
    """The changes made to the check's findings after the answer, newest first, each with
    who, when, why and old → new (from the findings' history, in one query)."""
    members = {m.pk: m for m in data.members}
    items = {i.pk: i for i in data.items}
    records = (
        Finding.history.filter(department_check_id=check.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    previous = {}
    changes = []
    for record in records:
        before = previous.get(record.id)
        if before is not None and record.history_type == "~":
            changes.append(
                {
                    "at": record.history_date,
                    "user": record.history_user,
                    "reason": record.history_change_reason or "",
                    "member": members.get(record.member_id),
                    "item": items.get(record.item_id),
                    "old": _describe(before),
                    "new": _describe(record),
                }
            )
        previous[record.id] = record
    changes.sort(key=lambda change: change["at"], reverse=True)
    return changes


def _log_full_ids(request, check: DepartmentCheck, members: list[HouseholdMember]) -> None:
    # The log names what was seen by masked numbers only, so it leaks nothing itself.
    access_log_record(
        user=request.user,
        obj=check.request.household,
        purpose=AccessLog.Purpose.VERIFICATION,
        description=_(
            "ID numbers of the members of household #%(household)s on check %(pk)s (%(ids)s)"
        )
        % {
            "household": check.request.household_id,
            "pk": check.pk,
            "ids": ", ".join(m.masked_id for m in members),
        },
        path=request.path,
    )


def _render_check(
    request,
    check: DepartmentCheck,
    data: _CheckData | None = None,
    *,
    answer_form=None,
    correction_form=None,
    return_form=None,
):
    data = data or _check_data(check)
    answers = _answers_for_unit(request.user, check)
    # Only the unit's liaisons look people up in their registry; a cancelled check needs
    # nobody looked up.
    full_ids = answers and check.status != DepartmentCheck.Status.CANCELLED
    if full_ids and data.members:
        _log_full_ids(request, check, data.members)
    if answers:
        if check.can_move_to(DepartmentCheck.Status.ANSWERED):
            answer_form = answer_form or FindingsForm(members=data.members, items=data.items)
        else:
            answer_form = None
        if check.can_move_to(DepartmentCheck.Status.RETURNED):
            return_form = return_form or ReturnForm()
        else:
            return_form = None
        if check.status == DepartmentCheck.Status.ANSWERED:
            correction_form = correction_form or CorrectionForm(
                members=data.members, items=data.items, findings=data.findings
            )
        else:
            correction_form = None
    else:
        answer_form = correction_form = return_form = None
    today = timezone.localdate()
    findings = [
        {"member": member, "item": item, "finding": data.findings.get((member.pk, item.pk))}
        for member in data.members
        for item in data.items
    ]
    response = render(
        request,
        "verification/check_detail.html",
        {
            "check": check,
            "household": check.request.household,
            "members": data.members,
            "items": data.items,
            "findings": findings if data.findings else [],
            "corrections": _corrections(check, data) if data.findings else [],
            "answers": answers,
            "full_ids": full_ids,
            "office": is_office(request.user),
            "is_overdue": check.is_open and (check.overdue or check.deadline < today),
            "answer_form": answer_form,
            "correction_form": correction_form,
            "return_form": return_form,
        },
    )
    if full_ids:
        # The full numbers must not linger in a cache or come back with "back".
        add_never_cache_headers(response)
        patch_cache_control(response, no_store=True, private=True)
    return response


def check_detail(request, pk):
    check = get_check_for_user(request.user, pk, perm="view")
    return _render_check(request, check)


def check_answer(request, pk):
    """Answer the check once with the whole grid. A second submission, or an answer to a
    check cancelled meanwhile, is refused by the service and changes nothing."""
    check = get_check_for_user(request.user, pk, perm="answer")
    if request.method != "POST":
        return redirect(check)
    data = _check_data(check)
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
    check = get_check_for_user(request.user, pk, perm="answer")
    if request.method != "POST":
        return redirect(check)
    data = _check_data(check)
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
    check = get_check_for_user(request.user, pk, perm="answer")
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
