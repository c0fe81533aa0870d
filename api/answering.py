"""A department system's writes to one of its unit's checks (its answer, a correction),
through the same services as the liaison's page (``verification.services.check_answer``
and ``check_correct``), made by the client's own account so the histories and the page
name it, each under an ``Idempotency-Key`` (``api.idempotency``). Domain refusals are 409
with the field at fault; 422 is kept for a body or header that does not match the
schema."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from verification import services as verification
from verification.models import DepartmentCheck, Finding

from .errors import ApiError
from .idempotency import idempotent
from .models import ApiClient


def yuan(amount) -> Decimal | None:
    """An amount as the schema allows it (any number from 0 to 9,999,999,999), to the fen."""
    if amount is None:
        return None
    return Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _findings(check: DepartmentCheck, answers: list[dict]) -> list:
    items = dict(check.items.values_list("code", "pk"))
    findings = []
    for index, answer in enumerate(answers):
        if answer["item"] not in items:
            raise ApiError(
                409, "refused", _("This check asks for no such item."), f"answers.{index}.item"
            )
        amount = answer.get("amount")
        findings.append(
            verification.FindingData(
                member_id=answer["member"],
                item_id=items[answer["item"]],
                result=answer["result"],
                details=answer.get("details") or "",
                amount=yuan(amount),
            )
        )
    return findings


def _refusal(error: verification.VerificationError) -> ApiError:
    """A service's refusal as the API answers it: 409, "wrong_state" when the check is no
    longer in a state that allows the write, else "refused", with the field at fault."""
    code = "wrong_state" if isinstance(error, verification.WrongState) else "refused"
    return ApiError(409, code, error.message, error.field)


def check_answer_idempotent(
    *, client: ApiClient, check: DepartmentCheck, answers: list[dict], key: str
) -> tuple[int, dict]:
    """(status, response) of answering ``check``; the first response again for a retry."""

    def write() -> dict:
        try:
            answered = verification.check_answer(
                actor=client.principal, check=check, findings=_findings(check, answers)
            )
        except verification.VerificationError as error:
            raise _refusal(error) from None
        return {"id": answered.pk, "status": answered.status}

    body = {"check": check.pk, "answers": answers}
    return idempotent(client=client, key=key, asked=body, write=write)


def check_correct_idempotent(
    *, client: ApiClient, check: DepartmentCheck, answers: list[dict], reason: str, key: str
) -> tuple[int, dict]:
    """(status, response) of correcting ``check``'s findings with ``reason`` (the whole
    grid again, as answered, with the changes); the first response again for a retry.
    The response counts the findings that changed (none: nothing was recorded)."""

    def write() -> dict:
        changes = Finding.history.filter(department_check_id=check.pk, history_type="~")
        before = changes.count()
        try:
            corrected = verification.check_correct(
                actor=client.principal,
                check=check,
                findings=_findings(check, answers),
                reason=reason,
            )
        except verification.VerificationError as error:
            raise _refusal(error) from None
        return {
            "id": corrected.pk,
            "status": corrected.status,
            "changed": changes.count() - before,
        }

    body = {"check": check.pk, "answers": answers, "reason": reason}
    return idempotent(client=client, key=key, asked=body, write=write)
