"""Writes of household verification. Every service names its actor, validates, and runs
under a transaction; domain errors carry a message a clerk or liaison understands."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from assistance.audit import current_actor
from assistance.models import AuditEvent
from assistance.outbox import send_or_leave_for_sweep
from assistance.services import audit_event_record, notify
from assistance.workdays import WorkdayCalendar
from members.models import LeadingGroup, MemberUnit

from .models import (
    Authorization,
    DepartmentCheck,
    Finding,
    Household,
    HouseholdMember,
    VerificationItem,
    VerificationRequest,
)


class VerificationError(Exception):
    """A domain rule refused the action; the message says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class AuthorizationMissing(VerificationError):
    def __init__(self, members: Sequence[HouseholdMember]):
        self.members = list(members)
        super().__init__(
            _("These members have no signed authorisation covering today: %(names)s.")
            % {"names": "、".join(m.name for m in self.members)}
        )


class WrongState(VerificationError):
    pass


# --- Households -----------------------------------------------------------------------------


@dataclass
class MemberData:
    name: str
    relation: str
    id_number: str
    has_capacity: bool = True


def _save(obj, actor, reason: str = ""):
    obj._history_user = actor
    if reason:
        obj._change_reason = reason
    obj.full_clean()
    obj.save()
    return obj


@transaction.atomic
def household_register(
    *,
    actor,
    office: LeadingGroup,
    address: str,
    town: str,
    assistance_type: str,
    irregular_income: bool = False,
    members: Sequence[MemberData] = (),
) -> Household:
    """Register a household and its members."""
    household = _save(
        Household(
            office=office,
            address=address,
            town=town,
            assistance_type=assistance_type,
            irregular_income=irregular_income,
            created_by=actor,
        ),
        actor,
    )
    for data in members:
        member_add(actor=actor, household=household, data=data)
    return household


@transaction.atomic
def member_add(*, actor, household: Household, data: MemberData) -> HouseholdMember:
    """Add a member; the ID number is validated (GB 11643) and unique in the household."""
    return _save(
        HouseholdMember(
            household=household,
            name=data.name,
            relation=data.relation,
            id_number=data.id_number,
            has_capacity=data.has_capacity,
        ),
        actor,
    )


@transaction.atomic
def member_update(*, actor, member: HouseholdMember, data: MemberData) -> HouseholdMember:
    member.name = data.name
    member.relation = data.relation
    member.id_number = data.id_number
    member.has_capacity = data.has_capacity
    return _save(member, actor)


@transaction.atomic
def authorization_record(
    *,
    actor,
    member: HouseholdMember,
    signed_on: datetime.date,
    valid_until: datetime.date,
    signer: str,
    scan,
    guardian_name: str = "",
) -> Authorization:
    """Record a member's signed authorisation with its scan (checked by the form)."""
    return _save(
        Authorization(
            member=member,
            signed_on=signed_on,
            valid_until=valid_until,
            signer=signer,
            guardian_name=guardian_name if signer == Authorization.Signer.GUARDIAN else "",
            scan=scan,
            recorded_by=actor,
        ),
        actor,
    )


def members_without_authorization(
    household: Household, *, on: datetime.date | None = None
) -> list[HouseholdMember]:
    """Members with no authorisation covering ``on`` (today by default)."""
    on = on or timezone.localdate()
    covered = set(
        Authorization.objects.filter(
            member__household=household, signed_on__lte=on, valid_until__gte=on
        ).values_list("member_id", flat=True)
    )
    return [m for m in household.members.order_by("pk") if m.pk not in covered]


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

    request = VerificationRequest(
        household=household,
        assistance_type=assistance_type or household.assistance_type,
        requested_by=actor,
    )
    _save(request, actor)
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
    # Every member is covered (checked above under the household's lock): these, and only
    # these, are what the departments see and answer for.
    request.members.set(household.members.all())
    transaction.on_commit(lambda: enqueue_checks(checks))
    return request


def enqueue_checks(checks: Iterable[DepartmentCheck]) -> int:
    """Send each check to its department's own queue (``verify.<unit code>``). Runs after
    the commit; if the broker cannot be reached the checks stay queued in the database
    and the resend sweep sends them later, so the clerk's submission still succeeds.
    Returns how many were sent."""
    sent = 0
    for check in checks:
        if not send_or_leave_for_sweep(
            "verification.tasks.check_deliver_task",
            check.pk,
            what=f"check {check.pk}",
            queue=check.unit.queue_name,
        ):
            break  # the broker is down: the rest wait for the sweep too
        sent += 1
    return sent


def checks_resend_undelivered(*, older_than: datetime.timedelta) -> int:
    """Send again the checks still queued ``older_than`` after their request was filed:
    their message was lost (broker down at submit, a worker killed before acknowledging).
    Delivery is idempotent, so a check whose first message does arrive after all is not
    delivered twice. Returns how many were sent."""
    from .batches import batch_resend_stalled
    from .connectors import snapshots_resend_unchecked

    cutoff = timezone.now() - older_than
    stale = (
        DepartmentCheck.objects.filter(
            status=DepartmentCheck.Status.QUEUED,
            request__submitted_at__lt=cutoff,
            request__batch__isnull=True,
        )
        .select_related("unit")
        .order_by("pk")
    )
    sent = enqueue_checks(stale.iterator(chunk_size=500))
    # A running batch is carried on as a whole (prepared again, or per department), not
    # check by check.
    sent += batch_resend_stalled(cutoff=cutoff)
    # So are registry extracts uploaded but never checked.
    return sent + snapshots_resend_unchecked(older_than=older_than)


def _liaison_users(unit_id: int):
    from django.contrib.auth import get_user_model

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
    from .batches import answer_from_snapshot
    from .connectors import current_snapshot

    found = (
        DepartmentCheck.objects.filter(pk=check_id)
        .values_list("unit_id", "status", "fallback_reason", "request__requested_by_id")
        .first()
    )
    if found is None:
        return False
    unit_id, status, fallback_reason, requested_by_id = found
    queued = status == DepartmentCheck.Status.QUEUED
    unanswered = status == DepartmentCheck.Status.DELIVERED and not fallback_reason
    if not (queued or unanswered):
        return False
    snapshot, reason = current_snapshot(unit_id)
    if snapshot is not None:
        # The clerk who filed the request started this work: the answer is theirs to own.
        answered, completed = answer_from_snapshot(
            [check_id], snapshot, waiting=status, actor_id=requested_by_id
        )
        _tell_requesters(completed)
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
    # Workers have no request language: messages go out in the site's language.
    message = _("New verification check for a household in %(town)s, due %(deadline)s.") % {
        "town": household.town,
        "deadline": check.deadline.isoformat(),
    }
    if reason:
        message = f"{message} {reason}"
    subject = _("Verification check due %(deadline)s") % {"deadline": check.deadline.isoformat()}
    url = reverse("verification:check_detail", kwargs={"pk": check.pk})
    notify(users=_liaison_users(check.unit_id), message=message, url=url, email_subject=subject)


@dataclass
class FindingData:
    member_id: int
    item_id: int
    result: str
    details: str = ""
    amount: Decimal | None = None


def _validate_findings(check: DepartmentCheck, findings: Sequence[FindingData]) -> None:
    covered = set(check.request.members.values_list("pk", flat=True))
    expected = {(m, i) for m in covered for i in check.items.values_list("pk", flat=True)}
    given = [(f.member_id, f.item_id) for f in findings]
    if any(member_id not in covered for member_id, _item in given):
        raise VerificationError(
            _(
                "This answer names a member this request does not cover (no signed "
                "authorisation when it was filed): the department cannot answer for them."
            )
        )
    if len(given) != len(set(given)) or set(given) != expected:
        raise VerificationError(
            _("Answer every item for every member of the household, once each.")
        )
    for finding in findings:
        if finding.result not in Finding.Result.values:
            raise VerificationError(_("Choose “no record” or “record found” for every item."))
        if finding.result == Finding.Result.RECORD_FOUND and not finding.details.strip():
            raise VerificationError(_("Describe every record found."))
        if finding.amount is not None and finding.amount < 0:
            raise VerificationError(_("An amount cannot be negative."))


def _lock_request_then_check(check: DepartmentCheck) -> tuple[VerificationRequest, DepartmentCheck]:
    # Always lock the request first, then the check: concurrent answers to checks of the
    # same request queue up on the request row, so the last one sees all the others.
    request = VerificationRequest.objects.select_for_update().get(pk=check.request_id)
    check = (
        DepartmentCheck.objects.select_for_update()
        .select_related("request__household")
        .get(pk=check.pk)
    )
    return request, check


def _move(check: DepartmentCheck, status: str) -> None:
    if not check.can_move_to(status):
        raise WrongState(
            _("This check is %(status)s and cannot be changed that way.")
            % {"status": check.get_status_display()}
        )
    check.status = status


def _complete_if_last(actor, request: VerificationRequest) -> bool:
    if request.status != VerificationRequest.Status.SUBMITTED:
        return False
    if request.checks.filter(status__in=DepartmentCheck.OPEN).exists():
        return False
    request.status = VerificationRequest.Status.COMPLETED
    request.completed_at = timezone.now()
    _save(request, actor)
    _tell_requester(request)
    return True


def _tell_requester(request: VerificationRequest) -> None:
    """Tell the clerk who filed this (completed) request that every department has
    answered. A batch's requests are followed on the batch's page, not one message each."""
    if request.batch_id:
        return
    notify(
        users=[request.requested_by],
        message=_("Every department has answered verification request %(pk)s.")
        % {"pk": request.pk},
        url=request.get_absolute_url(),
    )


def _tell_requesters(request_ids: Sequence[int]) -> None:
    """_tell_requester for each of these requests (completed by a set-based answer)."""
    if request_ids:
        requests = VerificationRequest.objects.filter(pk__in=request_ids, batch__isnull=True)
        for request in requests.select_related("requested_by"):
            _tell_requester(request)


@transaction.atomic
def check_answer(
    *, actor, check: DepartmentCheck, findings: Sequence[FindingData]
) -> DepartmentCheck:
    """Answer a check with one finding per member and item. Submitted once: later changes
    go through ``check_correct``. Completes the request when this was its last open check."""
    request, check = _lock_request_then_check(check)
    _move(check, DepartmentCheck.Status.ANSWERED)
    _validate_findings(check, findings)
    bulk_create_with_history(
        [
            Finding(
                department_check=check,
                member_id=f.member_id,
                item_id=f.item_id,
                result=f.result,
                details=f.details.strip(),
                amount=f.amount,
            )
            for f in findings
        ],
        Finding,
        default_user=actor,
    )
    check.answered_at = timezone.now()
    check.answered_by = actor
    check.overdue = False
    _save(check, actor)
    _complete_if_last(actor, request)
    return check


@transaction.atomic
def check_correct(
    *, actor, check: DepartmentCheck, findings: Sequence[FindingData], reason: str
) -> DepartmentCheck:
    """Correct an answered check's findings; every change is kept in history with the
    reason."""
    request, check = _lock_request_then_check(check)
    if check.status != DepartmentCheck.Status.ANSWERED:
        raise WrongState(_("Only an answered check can be corrected."))
    if not reason.strip():
        raise VerificationError(_("Give the reason for the correction."))
    _validate_findings(check, findings)
    existing = {(f.member_id, f.item_id): f for f in check.findings.select_for_update()}
    _record_answered_findings(check, list(existing.values()))
    for data in findings:
        finding = existing[(data.member_id, data.item_id)]
        new = (data.result, data.details.strip(), data.amount)
        if (finding.result, finding.details, finding.amount) != new:
            finding.result, finding.details, finding.amount = new
            _save(finding, actor, reason=reason.strip()[:100])
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
    request, check = _lock_request_then_check(check)
    if not question.strip():
        raise VerificationError(_("Write the question for the office."))
    _move(check, DepartmentCheck.Status.RETURNED)
    check.question = question.strip()
    check.reply = ""
    _save(check, actor)
    message = _("%(unit)s returned a check with a question.") % {"unit": check.unit.name}
    subject = _("A department has a question about a verification check")
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
    request, check = _lock_request_then_check(check)
    if not reply.strip():
        raise VerificationError(_("Write the reply to the department."))
    _move(check, DepartmentCheck.Status.DELIVERED)
    check.reply = reply.strip()
    _save(check, actor)
    users = list(_liaison_users(check.unit_id))
    message = _("The office replied to your question on a verification check.")
    subject = _("The office replied to your question")
    transaction.on_commit(
        lambda: notify(
            users=users, message=message, url=check.get_absolute_url(), email_subject=subject
        )
    )
    return check


@transaction.atomic
def request_cancel(*, actor, request: VerificationRequest) -> VerificationRequest:
    request = VerificationRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != VerificationRequest.Status.SUBMITTED:
        raise WrongState(_("Only a request still under way can be cancelled."))
    for check in request.checks.select_for_update().filter(status__in=DepartmentCheck.OPEN):
        _move(check, DepartmentCheck.Status.CANCELLED)
        _save(check, actor)
    request.status = VerificationRequest.Status.CANCELLED
    return _save(request, actor)


# --- Overdue --------------------------------------------------------------------------------


@dataclass
class OverdueSweep:
    marked: int
    reminded: int


def checks_mark_overdue(*, today: datetime.date | None = None) -> OverdueSweep:
    """Mark open checks past their deadline overdue, and remind each unit's liaisons at
    most once a day. Safe to run as often as beat likes."""
    today = today or timezone.localdate()
    # Beat runs the sweep for nobody; run by hand (or a task a user started), it is theirs.
    actor = current_actor()
    with transaction.atomic():
        marked = DepartmentCheck.objects.filter(
            status__in=DepartmentCheck.OPEN, deadline__lt=today, overdue=False
        ).update(overdue=True)
        if marked:
            # One event for the whole sweep: the UPDATE leaves no per-row history.
            audit_event_record(
                actor=actor,
                job="overdue sweep",
                action=AuditEvent.Action.OVERDUE_SWEEP,
                model=DepartmentCheck,
                count=marked,
                summary=_(
                    "%(count)d open checks past their deadline (before %(day)s) marked overdue"
                )
                % {"count": marked, "day": today.isoformat()},
            )
        due = list(
            DepartmentCheck.objects.select_for_update(skip_locked=True)
            .filter(status__in=DepartmentCheck.OPEN, overdue=True)
            .exclude(reminded_on=today)
            .values_list("pk", "unit_id")
        )
        by_unit: dict[int, list[int]] = {}
        for pk, unit_id in due:
            by_unit.setdefault(unit_id, []).append(pk)
        DepartmentCheck.objects.filter(pk__in=[pk for pk, _ in due]).update(reminded_on=today)
        if due:
            audit_event_record(
                actor=actor,
                job="overdue sweep",
                action=AuditEvent.Action.OVERDUE_REMINDERS,
                model=DepartmentCheck,
                ids=[pk for pk, _ in due],
                summary=_("Liaisons of %(units)d units reminded of %(count)d overdue checks")
                % {"units": len(by_unit), "count": len(due)},
            )
        inbox = reverse("verification:inbox")
        for unit_id, pks in by_unit.items():
            message = _("%(count)d verification checks of your unit are overdue.") % {
                "count": len(pks)
            }
            users = list(_liaison_users(unit_id))
            transaction.on_commit(
                lambda users=users, message=message: notify(
                    users=users,
                    message=message,
                    url=inbox,
                    email_subject=_("Overdue verification checks"),
                )
            )
    return OverdueSweep(marked=marked, reminded=len(by_unit))


def provisional_deadline_years() -> dict[int, int]:
    """Open checks whose deadline is provisional, counted by the deadline's year: the years
    whose holidays an administrator still has to enter."""
    rows = (
        DepartmentCheck.objects.filter(status__in=DepartmentCheck.OPEN, deadline_provisional=True)
        .values_list("deadline__year")
        .annotate(count=Count("pk"))
        .order_by("deadline__year")
    )
    return dict(rows)


def deadlines_recount(*, actor=None) -> int:
    """Count provisional deadlines again, from each request's submission day, once an
    administrator has entered a year's holidays. Returns how many deadlines changed; the
    change is recorded as one audit event, by ``actor`` (the administrator whose calendar
    change started it; by default whoever the current task runs for) or the system."""
    actor = actor if actor is not None else current_actor()
    calendar = WorkdayCalendar()
    checks = list(
        DepartmentCheck.objects.filter(status__in=DepartmentCheck.OPEN, deadline_provisional=True)
        .select_related("unit", "request")
        .only("deadline", "deadline_provisional", "unit__answer_days", "request__submitted_at")
    )
    changed = []
    for check in checks:
        start = timezone.localdate(check.request.submitted_at)
        deadline = calendar.add_working_days(start, check.unit.answer_days)
        if (deadline.date, deadline.provisional) != (check.deadline, check.deadline_provisional):
            check.deadline, check.deadline_provisional = deadline.date, deadline.provisional
            changed.append(check)
    with transaction.atomic():
        DepartmentCheck.objects.bulk_update(changed, ["deadline", "deadline_provisional"])
        if changed:
            audit_event_record(
                actor=actor,
                job="deadline recount",
                action=AuditEvent.Action.DEADLINE_RECOUNT,
                model=DepartmentCheck,
                ids=[check.pk for check in changed],
                summary=_("%(count)d provisional deadlines counted again on the calendar")
                % {"count": len(changed)},
            )
    return len(changed)
