"""The life of a verification request: filing it, delivering each department's check
(answered from the department's registry snapshot where it can be), the liaisons'
answers, corrections, questions and replies, and cancelling. Every service names its
actor, validates, and runs under a transaction; domain errors carry a message a clerk or
liaison understands. The register (households, members, authorisations) is in
``register``, the scheduled sweeps in ``sweeps``, batches in ``batches``."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history

from assistance.models import Chase
from assistance.notices import notice
from assistance.outbox import send_or_leave_for_sweep
from assistance.services import ChaseRefused, Recipient, chase_record, notify, notify_each
from assistance.workdays import WorkdayCalendar
from members.models import LeadingGroup, MemberUnit

from .answering import answer_from_snapshot, lock_request_then_check
from .connectors import current_snapshot
from .models import (
    DepartmentCheck,
    Finding,
    Household,
    HouseholdMember,
    VerificationItem,
    VerificationRequest,
)
from .permissions import is_office
from .register import members_without_authorization, save_validated
from .signals import checks_created


class VerificationError(Exception):
    """A domain rule refused the action; the message says why, in the user's language."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        # The input at fault, where one is ("reason"), for a caller that names it.
        self.message, self.field = message, field


class AuthorizationMissing(VerificationError):
    """A request was refused: these members have no authorisation covering today."""

    def __init__(self, members: Sequence[HouseholdMember]):
        self.members = list(members)
        super().__init__(
            _("These members have no signed authorisation covering today: %(names)s.")
            % {"names": "、".join(m.name for m in self.members)}
        )


class WrongState(VerificationError):
    """The check or request is no longer in a state that allows the action."""


# The reason a chase leaves in a check's history (a key: the history is read in any language).
CHASED = "chased"


# --- Requests and checks --------------------------------------------------------------------


def default_items(office: LeadingGroup) -> list[VerificationItem]:
    """Every active item of an active unit of the office: the default scope of a request."""
    return list(
        VerificationItem.objects.filter(active=True, unit__group=office, unit__active=True)
        .select_related("unit")
        .order_by("unit__order", "order", "pk")
    )


@transaction.atomic
def request_submit(
    *,
    actor,
    household: Household,
    units: Iterable[MemberUnit] | None = None,
    assistance_type: str | None = None,
) -> VerificationRequest:
    """File a verification request: one check per department, each with its working-day
    deadline, sent to the department's queue once the transaction commits.

    ``units`` narrows the departments (default: every unit providing an item). Refused
    when any member lacks a covering authorisation."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    _refuse_if_under_way(household)
    by_unit = _items_by_unit(household, units)
    request = VerificationRequest(
        household=household,
        assistance_type=assistance_type or household.assistance_type,
        requested_by=actor,
    )
    try:
        # The database has the last word (one request under way per household): a
        # request written meanwhile by a path that does not lock the household first
        # makes this insert wait for it, then fail; the clerk is told why.
        with transaction.atomic():
            # The household (locked above) and the clerk exist, and no request is under
            # way (checked under the lock; the constraint is the database's on insert):
            # validating those again would cost eight statements of every submission.
            save_validated(
                request,
                actor,
                exclude=["household", "requested_by", "batch"],
                validate_constraints=False,
            )
    except IntegrityError:
        _refuse_if_under_way(household)
        raise
    checks = _create_checks(actor, request, by_unit)
    # Every member is covered (checked above under the household's lock): these, and only
    # these, are what the departments see and answer for.
    request.members.set(household.members.all())
    checks_created.send(sender=DepartmentCheck, checks={c.unit_id: [c.pk] for c in checks})
    transaction.on_commit(lambda: enqueue_checks(checks))
    return request


def _refuse_if_under_way(household: Household) -> None:
    """Refuse a second request while one is under way for the household (filed by hand
    or by a batch): every department would be asked twice."""
    under_way = (
        VerificationRequest.objects.filter(
            household=household, status=VerificationRequest.Status.SUBMITTED
        )
        .values_list("pk", flat=True)
        .first()
    )
    if under_way is not None:
        raise VerificationError(
            _("This household already has a verification under way (request %(pk)s).")
            % {"pk": under_way}
        )


def _items_by_unit(
    household: Household, units: Iterable[MemberUnit] | None
) -> dict[int, list[VerificationItem]]:
    """The items a request of the (locked) household checks, by department; refused when
    the household has no member, a member lacks a covering authorisation, or no
    department is left."""
    if not household.members.exists():
        raise VerificationError(_("Register the household's members before verifying it."))
    missing = members_without_authorization(household)
    if missing:
        raise AuthorizationMissing(missing)
    items = default_items(household.office)
    if units is not None:
        chosen = {u.pk for u in units}
        items = [item for item in items if item.unit_id in chosen]
    if not items:
        raise VerificationError(_("Choose at least one department that checks something."))
    by_unit: dict[int, list[VerificationItem]] = {}
    for item in items:
        by_unit.setdefault(item.unit_id, []).append(item)
    return by_unit


def _create_checks(
    actor, request: VerificationRequest, by_unit: dict[int, list[VerificationItem]]
) -> list[DepartmentCheck]:
    """One check per department, with its deadline in working days from today, and its
    items."""
    calendar = WorkdayCalendar()
    today = timezone.localdate()
    checks = []
    for unit_items in by_unit.values():
        unit = unit_items[0].unit
        deadline = calendar.add_working_days(today, unit.answer_days)
        checks.append(
            DepartmentCheck(
                request=request,
                unit=unit,
                deadline=deadline.date,
                deadline_provisional=deadline.provisional,
            )
        )
    checks = bulk_create_with_history(checks, DepartmentCheck, default_user=actor)
    # bulk_create_with_history returns the objects with their keys on PostgreSQL and SQLite.
    through = DepartmentCheck.items.through
    through.objects.bulk_create(
        through(departmentcheck_id=check.pk, verificationitem_id=item.pk)
        for check in checks
        for item in by_unit[check.unit_id]
    )
    return checks


def enqueue_checks(checks: Iterable[DepartmentCheck]) -> int:
    """Send each check to its department's own queue (``verify.<unit code>``). Runs after
    the commit; if the broker cannot be reached the checks stay queued in the database
    and the resend sweep sends them later, so the clerk's submission still succeeds.
    Each check sent is marked ``sent_at`` (one UPDATE per 500), so the request's page
    tells a check waiting to be sent from one sent and not yet taken by a worker.
    Returns how many were sent."""
    sent: list[int] = []
    for check in checks:
        if not send_or_leave_for_sweep(
            "verification.tasks.check_deliver_task",
            check.pk,
            what=f"check {check.pk}",
            queue=check.unit.queue_name,
        ):
            break  # the broker is down: the rest wait for the sweep too
        sent.append(check.pk)
        if len(sent) % 500 == 0:
            _mark_sent(sent[-500:])
    _mark_sent(sent[len(sent) - len(sent) % 500 :])
    return len(sent)


def _mark_sent(check_ids: list[int]) -> None:
    if check_ids:
        DepartmentCheck.objects.filter(pk__in=check_ids).update(sent_at=timezone.now())


def liaison_users(unit_id: int):
    """The active users who are active liaisons of the unit: whom its checks concern."""
    return get_user_model().objects.filter(
        liaison__unit_id=unit_id, liaison__active=True, is_active=True
    )


def check_deliver(*, check_id: int) -> bool:
    """Deliver a queued check to its department: answered at once from the department's
    registry snapshot (delivered, answered and its request completed in one short
    transaction of set-based statements, as a batch's chunk is), or sent to the liaisons'
    inbox with the reason when the connector cannot answer. Idempotent: a redelivered
    task changes nothing, except that it answers a check left delivered, without a
    reason, by a run that stopped before answering it from the snapshot.
    Returns whether this call delivered it."""
    found = (
        DepartmentCheck.objects.filter(pk=check_id)
        .values_list(
            "unit_id",
            "status",
            "fallback_reason",
            "request__requested_by_id",
            "request__requested_by__username",
        )
        .first()
    )
    if found is None:
        return False
    unit_id, status, fallback_reason, requested_by_id, requested_by_name = found
    queued = status == DepartmentCheck.Status.QUEUED
    unanswered = status == DepartmentCheck.Status.DELIVERED and not fallback_reason
    if not (queued or unanswered):
        return False
    snapshot, reason = current_snapshot(unit_id)
    if snapshot is not None:
        # The clerk who filed the request started this work: the answer is theirs to own.
        answered, completed = answer_from_snapshot(
            [check_id],
            snapshot,
            waiting=status,
            actor_id=requested_by_id,
            actor_name=requested_by_name or "",
        )
        tell_requesters(completed)
        return queued and bool(answered)
    if not queued:
        return False
    with transaction.atomic():
        # Lock the check row only ("self"): FOR UPDATE over the join would also lock the
        # request and the household, and deadlock with an answer (request, then check).
        check = (
            DepartmentCheck.objects.select_for_update(of=("self",))
            .select_related("request__household")
            .filter(pk=check_id, status=DepartmentCheck.Status.QUEUED)
            .first()
        )
        if check is None:
            return False
        check.status = DepartmentCheck.Status.DELIVERED
        check.delivered_at = timezone.now()
        check.fallback_reason = reason[:300]
        check.save(update_fields=["status", "delivered_at", "fallback_reason"])
    _tell_liaisons_of_check(check, reason)
    return True


def _tell_liaisons_of_check(check: DepartmentCheck, reason: str = "") -> None:
    household = check.request.household
    # Stored as a key and arguments: each liaison reads it in their own language.
    message = notice(
        gettext_noop("New verification check for a household in %(town)s, due %(deadline)s."),
        town=household.town,
        deadline=check.deadline.isoformat(),
    )
    if reason:
        message = notice(gettext_noop("%(message)s %(reason)s"), message=message, reason=reason)
    subject = notice(
        gettext_noop("Verification check due %(deadline)s"), deadline=check.deadline.isoformat()
    )
    url = reverse("verification:check_detail", kwargs={"pk": check.pk})
    notify(users=liaison_users(check.unit_id), message=message, url=url, email_subject=subject)


@dataclass
class FindingData:
    member_id: int
    item_id: int
    result: str
    details: str = ""
    amount: Decimal | None = None


def _validate_findings(check: DepartmentCheck, findings: Sequence[FindingData]) -> None:
    covered = set(check.request.members.values_list("pk", flat=True))
    problem = findings_problem(covered, set(check.items.values_list("pk", flat=True)), findings)
    if problem:
        raise VerificationError(problem)


# The results an answer may give (Finding.Result.values builds a new list on every read).
_RESULTS = frozenset(Finding.Result.values)


def findings_problem(
    covered: set[int], item_ids: set[int], findings: Sequence[FindingData]
) -> str | None:
    """What is wrong with ``findings`` as the answer to a check of the ``item_ids`` for a
    request covering the members ``covered`` (None: nothing). The one rule for a
    liaison's answer and a department system's, one check or many."""
    expected = {(m, i) for m in covered for i in item_ids}
    given = [(f.member_id, f.item_id) for f in findings]
    if any(member_id not in covered for member_id, _item in given):
        return _(
            "This answer names a member this request does not cover (no signed "
            "authorisation when it was filed): the department cannot answer for them."
        )
    if len(given) != len(set(given)) or set(given) != expected:
        return _("Answer every item for every member of the household, once each.")
    for finding in findings:
        if finding.result not in _RESULTS:
            return _("Choose “no record” or “record found” for every item.")
        if finding.result == Finding.Result.RECORD_FOUND and not finding.details.strip():
            return _("Describe every record found.")
        if finding.amount is not None and finding.amount < 0:
            return _("An amount cannot be negative.")
    return None


def new_findings(check_id: int, findings: Sequence[FindingData]) -> list[Finding]:
    """The unsaved findings of an answer to the check ``check_id``."""
    return [
        Finding(
            department_check_id=check_id,
            member_id=f.member_id,
            item_id=f.item_id,
            result=f.result,
            details=f.details.strip(),
            amount=f.amount,
        )
        for f in findings
    ]


def wrong_state_message(check: DepartmentCheck) -> str:
    return _("This check is %(status)s and cannot be changed that way.") % {
        "status": check.get_status_display()
    }


def _move(check: DepartmentCheck, status: str) -> None:
    if not check.can_move_to(status):
        raise WrongState(wrong_state_message(check))
    check.status = status


def _complete_if_last(actor, request: VerificationRequest) -> bool:
    if request.status != VerificationRequest.Status.SUBMITTED:
        return False
    if request.checks.filter(status__in=DepartmentCheck.OPEN).exists():
        return False
    request.status = VerificationRequest.Status.COMPLETED
    request.completed_at = timezone.now()
    save_validated(request, actor)
    _tell_requester(request)
    return True


def _completed_notice(request_id: int) -> tuple:
    message = notice(
        gettext_noop("Every department has answered verification request %(pk)s."),
        pk=request_id,
    )
    return message, reverse("verification:request_detail", kwargs={"pk": request_id})


def _tell_requester(request: VerificationRequest) -> None:
    """Tell the clerk who filed this (completed) request that every department has
    answered. A batch's requests are followed on the batch's page, not one message each."""
    if request.batch_id:
        return
    message, url = _completed_notice(request.pk)
    notify(users=[request.requested_by], message=message, url=url)


def tell_requesters(request_ids: Sequence[int]) -> None:
    """_tell_requester for each of these requests (completed by a set-based answer), in
    a fixed number of queries whatever their number, loading no row of them."""
    if request_ids:
        rows = (
            VerificationRequest.objects.filter(pk__in=request_ids, batch__isnull=True)
            .order_by("pk")
            .values_list("pk", "requested_by_id", "requested_by__email")
        )
        notify_each(
            [(Recipient(user_id, email), *_completed_notice(pk)) for pk, user_id, email in rows]
        )


@transaction.atomic
def check_answer(
    *, actor, check: DepartmentCheck, findings: Sequence[FindingData]
) -> DepartmentCheck:
    """Answer a check with one finding per member and item. Submitted once: later changes
    go through ``check_correct``. Completes the request when this was its last open check."""
    request, check = lock_request_then_check(check)
    _move(check, DepartmentCheck.Status.ANSWERED)
    _validate_findings(check, findings)
    bulk_create_with_history(new_findings(check.pk, findings), Finding, default_user=actor)
    check.answered_at = timezone.now()
    check.answered_by = actor
    check.overdue = False
    save_validated(check, actor)
    _complete_if_last(actor, request)
    return check


@transaction.atomic
def check_correct(
    *, actor, check: DepartmentCheck, findings: Sequence[FindingData], reason: str
) -> DepartmentCheck:
    """Correct an answered check's findings; every change is kept in history with the
    reason."""
    request, check = lock_request_then_check(check)
    if check.status != DepartmentCheck.Status.ANSWERED:
        raise WrongState(_("Only an answered check can be corrected."))
    if not reason.strip():
        raise VerificationError(_("Give the reason for the correction."), field="reason")
    _validate_findings(check, findings)
    existing = {(f.member_id, f.item_id): f for f in check.findings.select_for_update()}
    _record_answered_findings(check, list(existing.values()))
    for data in findings:
        finding = existing[(data.member_id, data.item_id)]
        new = (data.result, data.details.strip(), data.amount)
        if (finding.result, finding.details, finding.amount) != new:
            finding.result, finding.details, finding.amount = new
            save_validated(finding, actor, reason=reason.strip()[:100])
    return check


def _record_answered_findings(check: DepartmentCheck, findings: list[Finding]) -> None:
    """Findings written by a connector (set-based, without history rows) get their answer
    recorded in history, dated when the check was answered, before the first correction:
    the corrections page shows each change as old → new."""
    recorded = set(
        Finding.history.filter(id__in=[f.pk for f in findings]).values_list("id", flat=True)
    )
    unrecorded = [f for f in findings if f.pk not in recorded]
    if unrecorded:
        Finding.history.bulk_history_create(unrecorded, default_date=check.answered_at)


@transaction.atomic
def check_return(*, actor, check: DepartmentCheck, question: str) -> DepartmentCheck:
    """The liaison returns a check to the office with a question."""
    request, check = lock_request_then_check(check)
    if not question.strip():
        raise VerificationError(_("Write the question for the office."))
    _move(check, DepartmentCheck.Status.RETURNED)
    check.question = question.strip()
    check.reply = ""
    save_validated(check, actor)
    message = notice(
        gettext_noop("%(unit)s returned a check with a question."), unit=check.unit.name
    )
    subject = notice(gettext_noop("A department has a question about a verification check"))
    transaction.on_commit(
        lambda: notify(
            users=[request.requested_by],
            message=message,
            url=request.get_absolute_url(),
            email_subject=subject,
        )
    )
    return check


@transaction.atomic
def check_reply(*, actor, check: DepartmentCheck, reply: str) -> DepartmentCheck:
    """The clerk answers a returned check's question; it goes back to the department."""
    request, check = lock_request_then_check(check)
    if not reply.strip():
        raise VerificationError(_("Write the reply to the department."))
    _move(check, DepartmentCheck.Status.DELIVERED)
    check.reply = reply.strip()
    save_validated(check, actor)
    users = list(liaison_users(check.unit_id))
    message = notice(gettext_noop("The office replied to your question on a verification check."))
    subject = notice(gettext_noop("The office replied to your question"))
    transaction.on_commit(
        lambda: notify(
            users=users, message=message, url=check.get_absolute_url(), email_subject=subject
        )
    )
    return check


@transaction.atomic
def check_chase(*, actor, check: DepartmentCheck) -> Chase:
    """The office presses the unit's liaisons (催办) about a check still waiting for their
    answer: they are notified, the check's history records it, and the base layer's rule
    allows it once a day per check (a second chase the same day is refused)."""
    if not is_office(actor):
        raise VerificationError(_("Only the office chases a department."))
    check = (
        DepartmentCheck.objects.select_for_update(of=("self",))
        .select_related("unit", "request__household")
        .get(pk=check.pk)
    )
    if check.status != DepartmentCheck.Status.DELIVERED:
        raise WrongState(
            _(
                "Only a check waiting for the department's answer can be chased; this one "
                "is %(status)s."
            )
            % {"status": check.get_status_display()}
        )
    users = list(liaison_users(check.unit_id))
    try:
        chase = chase_record(actor=actor, obj=check, liaisons=users, unit_name=check.unit.name)
    except ChaseRefused as refused:
        raise VerificationError(str(refused)) from None
    save_validated(check, actor, reason=CHASED)
    message = notice(
        gettext_noop(
            "The office chases a verification check of your unit for a household in "
            "%(town)s, due %(deadline)s: please answer it."
        ),
        town=check.request.household.town,
        deadline=check.deadline.isoformat(),
    )
    subject = notice(gettext_noop("Chased: a verification check is waiting for your answer"))
    url = check.get_absolute_url()
    transaction.on_commit(
        lambda: notify(users=users, message=message, url=url, email_subject=subject)
    )
    return chase


@transaction.atomic
def request_cancel(*, actor, request: VerificationRequest) -> VerificationRequest:
    request = VerificationRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != VerificationRequest.Status.SUBMITTED:
        raise WrongState(_("Only a request still under way can be cancelled."))
    for check in request.checks.select_for_update().filter(status__in=DepartmentCheck.OPEN):
        _move(check, DepartmentCheck.Status.CANCELLED)
        save_validated(check, actor)
    request.status = VerificationRequest.Status.CANCELLED
    return save_validated(request, actor)
