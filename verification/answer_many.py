"""Many checks of one unit answered at once (a department's system sending a batch through
the API), set-based: the same rules as ``services.check_answer`` (the check's state, the
members the request covers, every item for every member once) checked on every check,
and the writes of all the accepted checks made by a fixed number of statements, whatever
their number.

A check that breaks a rule is refused on its own, with the reason, and nothing of it is
written; the others are answered. Locks follow the answering engine's order (the
requests first, in key order, then the checks, in key order), so a batch, a liaison's
answer, a snapshot chunk and a cancel never deadlock, and the last answer of a request
completes it whoever gives it."""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import MemberUnit

from .answering import complete_requests, lock_requests_of
from .models import DepartmentCheck, Finding, VerificationRequest
from .permissions import checks_for_unit
from .services import (
    FindingData,
    findings_problem,
    tell_requesters,
    wrong_state_message,
)
from .sql import history_insert_select, insert_values, marks

ANSWERED = DepartmentCheck.Status.ANSWERED


@dataclass(frozen=True)
class CheckOutcome:
    """What became of one check of a batch: answered, or refused with a code
    (``not_found``: no check of this unit; ``wrong_state``; ``refused``: the findings
    break a rule) and the reason in the user's language."""

    check_id: int
    answered: bool
    code: str = ""
    message: str = ""


@transaction.atomic
def checks_answer_many(
    *, actor, unit: MemberUnit, answers: Mapping[int, Sequence[FindingData]]
) -> list[CheckOutcome]:
    """Answer the checks ``answers`` names (check key → its findings) for ``unit``, each
    as ``check_answer`` would; another unit's check, or one that does not exist, is
    refused as ``not_found`` and never answered. Completes the requests whose last open
    check was answered and tells their requesters, as ``check_answer`` does. Returns one
    outcome per check, in the order given."""
    mine = checks_for_unit(unit).filter(pk__in=list(answers))
    lock_requests_of(mine.filter(status__in=DepartmentCheck.OPEN))
    checks = {check.pk: check for check in mine.select_for_update(of=("self",)).order_by("pk")}
    covered, item_ids = _what_checks_ask(checks.values())
    outcomes, accepted = [], []
    for check_id, findings in answers.items():
        check = checks.get(check_id)
        if check is None:
            outcomes.append(CheckOutcome(check_id, False, "not_found", _("Not found.")))
            continue
        if not check.can_move_to(ANSWERED):
            outcomes.append(
                CheckOutcome(check_id, False, "wrong_state", wrong_state_message(check))
            )
            continue
        problem = findings_problem(covered[check.request_id], item_ids[check_id], findings)
        if problem:
            outcomes.append(CheckOutcome(check_id, False, "refused", problem))
            continue
        accepted.append(check)
        outcomes.append(CheckOutcome(check_id, True))
    if accepted:
        _answer(actor, accepted, answers)
    return outcomes


def _what_checks_ask(checks) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """The members each request covers and the items each check asks for, in two
    queries."""
    checks = list(checks)
    covered_rows = VerificationRequest.members.through.objects.filter(
        verificationrequest_id__in={check.request_id for check in checks}
    ).values_list("verificationrequest_id", "householdmember_id")
    item_rows = DepartmentCheck.items.through.objects.filter(
        departmentcheck_id__in=[check.pk for check in checks]
    ).values_list("departmentcheck_id", "verificationitem_id")
    covered, item_ids = defaultdict(set), defaultdict(set)
    for request_id, member_id in covered_rows:
        covered[request_id].add(member_id)
    for check_id, item_id in item_rows:
        item_ids[check_id].add(item_id)
    return covered, item_ids


def _answer(actor, checks: list[DepartmentCheck], answers) -> None:
    """Write the accepted checks' answers in a fixed number of statements: their findings
    and the checks, each with its history (as ``check_answer`` writes them, by
    ``actor``), then complete the requests left with no open check and tell their
    requesters."""
    now = timezone.now()
    ids = [check.pk for check in checks]
    keys = marks(ids)
    user_id = actor.pk if actor is not None else None
    insert_values(
        Finding,
        ["department_check", "member", "item", "result", "details", "amount"],
        [
            (check.pk, f.member_id, f.item_id, f.result, f.details.strip(), f.amount)
            for check in checks
            for f in answers[check.pk]
        ],
    )
    history = {"user_id": user_id, "date": now}
    history_insert_select(Finding, f"t.department_check_id IN ({keys})", ids, change="+", **history)
    DepartmentCheck.objects.filter(pk__in=ids).update(
        status=ANSWERED, answered_at=now, answered_by=actor, overdue=False
    )
    history_insert_select(DepartmentCheck, f"t.id IN ({keys})", ids, **history)
    completed = complete_requests(sorted({check.request_id for check in checks}), now)
    if completed:
        history_insert_select(
            VerificationRequest, f"t.id IN ({marks(completed)})", completed, **history
        )
        tell_requesters(completed)
