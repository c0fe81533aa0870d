"""A department system corrects its unit's answer to a check: the whole grid again with
the changes and the reason the history keeps, through the same service as the liaison's
page (``verification.services.check_correct``), under an ``Idempotency-Key`` like the
answer (``api.answering``)."""

from ninja import Field, Router, Status

from verification.answer_forms import REASON_MAX_LENGTH
from verification.permissions import get_check_for_unit

from .answering import check_correct_idempotent
from .checks import AnswerOut, AnswersIn
from .errors import Error, require_scope
from .idempotency import key_header
from .models import Scope

router = Router(tags=["checks"])


class CorrectionIn(AnswersIn):
    # Required by the service, not the schema: a blank reason is refused (409, "reason").
    reason: str = Field("", max_length=REASON_MAX_LENGTH)


class CorrectionOut(AnswerOut):
    changed: int


@router.post(
    "/checks/{check_id}/corrections",
    response={200: CorrectionOut, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error},
    summary="Correct a check's answer",
)
def correct_check(
    request,
    check_id: int,
    body: CorrectionIn,
    idempotency_key: str = key_header(),
):
    """The unit's findings on an answered check again, one per member and item as in the
    answer, with the ``reason`` for the correction (kept in the history of every finding
    that changes). ``changed`` counts them: none changed, nothing was recorded. A check
    that is not answered is refused (409 ``wrong_state``), a blank reason too (409,
    field ``reason``). Under an ``Idempotency-Key`` like the answer."""
    require_scope(request, Scope.CHECKS_ANSWER)
    check = get_check_for_unit(request.auth.unit, check_id)
    answers = [answer.dict() for answer in body.answers]
    status, response = check_correct_idempotent(
        client=request.auth, check=check, answers=answers, reason=body.reason, key=idempotency_key
    )
    return Status(status, response)
