"""A department system's writes to one of its unit's checks (its answer, a correction),
through the same services as the liaison's page (``verification.services.check_answer``
and ``check_correct``), made by the client's own account so the histories and the page
name it, each under an ``Idempotency-Key``: the first call's response is kept with a hash
of its body, so a repeated call (a retry after a timeout) returns it and changes nothing,
and the same key with another body is refused (409). Domain refusals are 409 with the
field at fault; 422 is kept for a body or header that does not match the schema. The call
and its record commit together, so a retry never finds half of one."""

import hashlib
import json
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from ninja import Header

from verification import services as verification
from verification.models import DepartmentCheck, Finding

from .errors import ApiError
from .models import ApiClient, IdempotentCall

# The header every write carries: a retry sends the same key.
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=100)]


def body_hash(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


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


def _stored(client: ApiClient, key: str, digest: str) -> tuple[int, dict] | None:
    call = IdempotentCall.objects.filter(client=client, key=key).first()
    if call is None:
        return None
    if call.body_hash != digest:
        raise ApiError(
            409,
            "idempotency_key_reused",
            _("This Idempotency-Key was used with another body."),
            "Idempotency-Key",
        )
    return call.status, call.response


def idempotent_call(
    *, client: ApiClient, key: str, body: dict, write: Callable[[], dict]
) -> tuple[int, dict]:
    """(status, response) of ``write()`` made once under ``key``: the first response again
    for a retry with the same ``body``; 409 for the key with another body. ``write`` and
    the record of the call commit together or not at all."""
    digest = body_hash(body)
    stored = _stored(client, key, digest)
    if stored is not None:
        return stored
    try:
        with transaction.atomic():
            response = write()
            IdempotentCall.objects.create(
                client=client, key=key, body_hash=digest, status=200, response=response
            )
    except IntegrityError:
        # The same key, committed by a concurrent call a moment earlier.
        stored = _stored(client, key, digest)
        if stored is None:
            raise
        return stored
    return 200, response


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
    return idempotent_call(client=client, key=key, body=body, write=write)


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
    return idempotent_call(client=client, key=key, body=body, write=write)
