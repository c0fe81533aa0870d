"""Many checks answered in one call: a department's system sending up to ``BATCH_LIMIT``
checks with their findings under one ``Idempotency-Key``, answered by the verification
service for many checks (``verification.answer_many.checks_answer_many``: the rules of a
single answer, checked on every check; the writes set-based).

Each check stands alone: one that breaks a rule (another unit's check, a check no longer
open, a member the request does not cover, an item missing or asked twice) is refused
with its code and message and nothing of it is written, while the others are answered.
A retry with the same key and body returns the first response and changes nothing."""

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import BaseModel

from verification.answer_many import checks_answer_many
from verification.models import DepartmentCheck

from .answering import findings_of
from .checks import AnswerIn
from .errors import ApiError, Error, require_scope
from .idempotency import idempotent, key_header
from .models import ApiClient, Scope

router = Router(tags=["checks"])
BATCH_LIMIT = 500


class BatchCheckIn(BaseModel):
    check: int
    answers: list[AnswerIn] = Field(..., min_length=1, max_length=1000)


class BatchIn(BaseModel):
    checks: list[BatchCheckIn] = Field(..., min_length=1, max_length=BATCH_LIMIT)


class CheckResult(Schema):
    check: int
    status: str  # "answered" or "refused"
    code: str = ""
    message: str = ""
    field: str = ""


class BatchOut(Schema):
    answered: int
    refused: int
    results: list[CheckResult]


@router.post(
    "/checks/answers",
    response={200: BatchOut, 401: Error, 403: Error, 409: Error, 422: Error},
    summary="Answer many checks",
)
def answer_checks(
    request,
    body: BatchIn,
    idempotency_key: str = key_header(),
):
    """Up to 500 of the unit's checks, each with its findings (as for one check: one per
    member and item). Each check is answered or refused on its own: a refused one (code
    ``not_found``, ``wrong_state`` or ``refused``, with the message and the field at
    fault) has nothing written, the others are answered. Send an ``Idempotency-Key``: the
    same key and body again returns the first response and changes nothing; the same key
    with another body is refused (409)."""
    require_scope(request, Scope.CHECKS_ANSWER)
    checks = [(entry.check, [dict(a) for a in entry.answers]) for entry in body.checks]
    seen = set()
    for index, (check_id, _answers) in enumerate(checks):
        if check_id in seen:
            # 409, not 422: the schema allows it (a list of checks), the rule does not.
            raise ApiError(
                409,
                "duplicate_check",
                _("A check appears more than once in this batch."),
                f"checks.{index}.check",
            )
        seen.add(check_id)
    status, response = idempotent(
        client=request.auth,
        key=idempotency_key,
        asked={"checks": checks},
        write=lambda: _answer(request.auth, checks),
    )
    return Status(status, response)


def _answer(client: ApiClient, checks: list[tuple[int, list[dict]]]) -> dict:
    """Turn each check's answers into findings (an item the check does not ask for refuses
    that check), answer the rest through the service and report per check."""
    items = _items_by_check(client, [check_id for check_id, _answers in checks])
    findings, refused = {}, {}
    for index, (check_id, answers) in enumerate(checks):
        try:
            findings[check_id] = findings_of(
                items.get(check_id, {}), answers, f"checks.{index}.answers"
            )
        except ApiError as error:
            if check_id not in items:  # not the unit's: the service says not found
                findings[check_id] = []
                continue
            refused[check_id] = {"code": error.code, "message": error.message, "field": error.field}
    outcomes = checks_answer_many(actor=client.principal, unit=client.unit, answers=findings)
    results = {
        check_id: {"check": check_id, "status": "refused", **refused[check_id]}
        for check_id in refused
    }
    for outcome in outcomes:
        results[outcome.check_id] = {
            "check": outcome.check_id,
            "status": "answered" if outcome.answered else "refused",
            "code": outcome.code,
            "message": outcome.message,
            "field": "",
        }
    ordered = [results[check_id] for check_id, _answers in checks]
    answered = sum(result["status"] == "answered" for result in ordered)
    return {"answered": answered, "refused": len(ordered) - answered, "results": ordered}


def _items_by_check(client: ApiClient, check_ids: list[int]) -> dict[int, dict[str, int]]:
    """For each of the unit's checks among ``check_ids``, the items it asks for (code →
    key), in one query."""
    # A check asks only for its own unit's items, so the unit is told by the items (a
    # small table) rather than by joining the checks.
    rows = DepartmentCheck.items.through.objects.filter(
        departmentcheck_id__in=check_ids, verificationitem__unit=client.unit
    ).values_list("departmentcheck_id", "verificationitem__code", "verificationitem_id")
    items: dict[int, dict[str, int]] = {}
    for check_id, code, item_id in rows:
        items.setdefault(check_id, {})[code] = item_id
    return items
