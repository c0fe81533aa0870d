"""A department system's answer to one of its unit's checks, through the verification
service that answers many (``verification.answer_many``: the rules of the liaison's page,
``check_answer``, written set-based), under an ``Idempotency-Key``:
the first call's response is kept with a hash of its body, so a repeated call (a retry
after a timeout) returns it and changes nothing, and the same key with another body is
refused (409). Domain refusals are 409 with the field at fault; 422 is kept for a body
or header that does not match the schema. The call and its record commit together, so a
retry never finds half of one."""

import hashlib
import json
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from verification import services as verification
from verification.answer_many import checks_answer_many
from verification.models import DepartmentCheck

from .errors import ApiError
from .models import ApiClient, IdempotentCall


def body_hash(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def yuan(amount) -> Decimal | None:
    """An amount as the schema allows it (any number from 0 to 9,999,999,999), to the fen."""
    if amount is None:
        return None
    return Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def findings_of(items: dict[str, int], answers: list[dict], field: str = "answers") -> list:
    """The findings ``answers`` give for a check asking ``items`` (code → key); an item
    the check does not ask for is refused, naming the answer at fault under ``field``."""
    findings = []
    for index, answer in enumerate(answers):
        if answer["item"] not in items:
            raise ApiError(
                409, "refused", _("This check asks for no such item."), f"{field}.{index}.item"
            )
        findings.append(
            verification.FindingData(
                member_id=answer["member"],
                item_id=items[answer["item"]],
                result=answer["result"],
                details=answer.get("details") or "",
                amount=yuan(answer.get("amount")),
            )
        )
    return findings


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


def idempotent(
    *, client: ApiClient, key: str, body: dict, work: Callable[[], tuple[int, dict]]
) -> tuple[int, dict]:
    """(status, response) of ``work()`` run once per ``key``: its first response again for
    a retry with the same ``body``, a refusal for another body. The work and its record
    commit together, so a retry never finds half of one."""
    digest = body_hash(body)
    stored = _stored(client, key, digest)
    if stored is not None:
        return stored
    try:
        with transaction.atomic():
            status, response = work()
            IdempotentCall.objects.create(
                client=client, key=key, body_hash=digest, status=status, response=response
            )
    except IntegrityError:
        # The same key, committed by a concurrent call a moment earlier.
        stored = _stored(client, key, digest)
        if stored is None:
            raise
        return stored
    return status, response


def check_answer_idempotent(
    *, client: ApiClient, check: DepartmentCheck, answers: list[dict], key: str
) -> tuple[int, dict]:
    """(status, response) of answering ``check``; the first response again for a retry.
    A batch of one for the service that answers many (``checks_answer_many``): the same
    rules as a liaison's answer (``check_answer``), written in a fixed number of
    statements."""

    def work():
        findings = findings_of(dict(check.items.values_list("code", "pk")), answers)
        (outcome,) = checks_answer_many(actor=None, unit=client.unit, answers={check.pk: findings})
        if outcome.code == "not_found":
            raise Http404
        if not outcome.answered:
            raise ApiError(409, "refused", outcome.message)
        return 200, {"id": check.pk, "status": DepartmentCheck.Status.ANSWERED.value}

    return idempotent(
        client=client, key=key, body={"check": check.pk, "answers": answers}, work=work
    )
