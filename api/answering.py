"""A department system's answer to one of its unit's checks, through the same service as
the liaison's page (``verification.services.check_answer``), under an ``Idempotency-Key``
(``api.idempotency``). Domain refusals are 409 with the field at fault; 422 is kept for a
body or header that does not match the schema."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from verification import services as verification
from verification.models import DepartmentCheck

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


def check_answer_idempotent(
    *, client: ApiClient, check: DepartmentCheck, answers: list[dict], key: str
) -> tuple[int, dict]:
    """(status, response) of answering ``check``; the first response again for a retry."""

    def write() -> dict:
        try:
            answered = verification.check_answer(
                actor=None, check=check, findings=_findings(check, answers)
            )
        except verification.VerificationError as error:
            raise ApiError(409, "refused", error.message) from None
        return {"id": answered.pk, "status": answered.status}

    return idempotent(
        client=client, key=key, asked={"check": check.pk, "answers": answers}, write=write
    )
