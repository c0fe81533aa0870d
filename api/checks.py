"""The unit's checks: list them, read one, answer one. Every operation acts for the calling
client's unit, through the same gateways as the pages
(``verification.permissions.get_check_for_unit``): another unit's checks are 404."""

import datetime
from typing import Literal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_noop
from ninja import Field, Router, Schema, Status
from pydantic import AwareDatetime, BaseModel

from assistance.models import AccessLog
from assistance.notices import notice
from assistance.services import access_log_record
from verification.models import DepartmentCheck
from verification.permissions import checks_for_unit, get_check_for_unit, reveal_check_ids

from .answering import check_answer_idempotent
from .errors import Error, require_scope
from .idempotency import key_header
from .models import Scope
from .paging import after_param, cursor_page, in_utc, limit_param

router = Router(tags=["checks"])


class CheckOut(Schema):
    id: int
    request: int
    status: str
    deadline: datetime.date
    updated_at: datetime.datetime
    items: list[str]


class CheckList(Schema):
    checks: list[CheckOut]
    next_after: int | None
    # Pass as ``updated_since`` in the next poll, once every page of this one is read.
    next_updated_since: datetime.datetime


class MemberOut(Schema):
    id: int
    name: str
    relation: str
    # In full where the member's authorisation covers the request (``id_number_full``),
    # masked otherwise.
    id_number: str
    id_number_full: bool


class CheckDetail(CheckOut):
    members: list[MemberOut]


def _check_out(check: DepartmentCheck) -> dict:
    return {
        "id": check.pk,
        "request": check.request_id,
        "status": check.status,
        "deadline": check.deadline,
        "updated_at": check.updated_at,
        "items": [item.code for item in check.items.all()],
    }


@router.get(
    "/checks",
    response={200: CheckList, 401: Error, 403: Error, 422: Error},
    summary="The unit's checks",
)
def list_checks(
    request,
    status: DepartmentCheck.Status | None = None,
    updated_since: AwareDatetime | None = None,
    after: int = after_param(),
    limit: int = limit_param(),
):
    """The calling unit's checks, oldest first, ``limit`` at a time after the check
    ``after`` (cursor pagination): open ones unless ``status`` says otherwise. With
    ``updated_since`` (ISO 8601 with its offset), those changed since then whatever their
    status (a check answered by a connector or cancelled is news too), every page under
    the same filter; keep ``next_updated_since`` of the poll's first page for the next
    poll. It lies API_POLL_OVERLAP_SECONDS before the call, as a change is stamped when
    written and seen when its transaction commits: a check may come twice, none is
    missed."""
    require_scope(request, Scope.CHECKS_READ)
    polled = timezone.now() - datetime.timedelta(seconds=settings.API_POLL_OVERLAP_SECONDS)
    checks = checks_for_unit(request.auth.unit)
    if status:
        checks = checks.filter(status=status)
    elif updated_since is None:
        checks = checks.filter(status__in=DepartmentCheck.OPEN)
    if updated_since is not None:
        checks = checks.filter(updated_at__gte=in_utc(updated_since))
    page, next_after = cursor_page(checks.prefetch_related("items"), after=after, limit=limit)
    return {
        "checks": [_check_out(check) for check in page],
        "next_after": next_after,
        "next_updated_since": polled,
    }


@router.get(
    "/checks/{check_id}",
    response={200: CheckDetail, 401: Error, 403: Error, 404: Error},
    summary="One check",
)
def get_check(request, check_id: int):
    """One of the unit's checks with the members it covers: full ID numbers of the members
    whose authorisation covers the request (the same rule as the liaison's page, each such
    read in the access log), the others masked."""
    require_scope(request, Scope.CHECKS_READ)
    check = get_check_for_unit(request.auth.unit, check_id)
    members = list(check.request.members.order_by("pk"))
    shown = reveal_check_ids(request.auth.principal, check, members, path=request.path)
    if not shown:
        access_log_record(
            user=request.auth.principal,
            obj=check,
            purpose=AccessLog.Purpose.VERIFICATION,
            description=notice(
                gettext_noop("API: check %(pk)s with its %(count)s members read by %(client)s"),
                pk=check.pk,
                count=len(members),
                client=request.auth.name,
            ),
            path=request.path,
        )
    return {
        **_check_out(check),
        "members": [
            {
                "id": member.pk,
                "name": member.name,
                "relation": member.relation,
                "id_number": member.id_number if member.pk in shown else member.masked_id,
                "id_number_full": member.pk in shown,
            }
            for member in members
        ],
    }


# Plain pydantic models for what a call sends: ninja's Schema runs a validator of its own
# on every instance (to read Django objects), which cost 0.2 s for a batch of 1,200
# answers; a body needs none of it.
class AnswerIn(BaseModel):
    member: int
    item: str
    result: Literal["no_record", "record_found"]
    details: str = Field("", max_length=500)
    # Yuan, rounded to the fen on arrival.
    amount: float | None = Field(None, ge=0, le=9_999_999_999)


class AnswersIn(BaseModel):
    answers: list[AnswerIn] = Field(..., min_length=1, max_length=1000)


class AnswerOut(Schema):
    id: int
    status: str


@router.post(
    "/checks/{check_id}/answers",
    response={200: AnswerOut, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error},
    summary="Answer a check",
)
def answer_check(
    request,
    check_id: int,
    body: AnswersIn,
    idempotency_key: str = key_header(),
):
    """The unit's findings on a check: one per member and item, each "no_record" or
    "record_found" (with its details and, where the item has one, an amount). Send an
    ``Idempotency-Key``: the same key and body again returns the first answer and changes
    nothing; the same key with another body is refused (409)."""
    require_scope(request, Scope.CHECKS_ANSWER)
    check = get_check_for_unit(request.auth.unit, check_id)
    answers = [answer.model_dump() for answer in body.answers]
    status, response = check_answer_idempotent(
        client=request.auth, check=check, answers=answers, key=idempotency_key
    )
    return Status(status, response)
