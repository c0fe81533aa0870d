"""The unit's referrals (一门受理、协同办理): list them, read one, and sign for, return, report
progress on and close one. Every operation acts for the calling client's unit through the
same gateway as the pages (``intake.permissions.get_referral_for_unit``: another unit's
referral is 404), checks its input with the page's forms and acts through the page's
services (``intake.services``), under the client's own account: the histories and the
timeline name the client. Its account acts for the unit for the call only
(``members.acting``) and is never one of the unit's liaisons.

Writes go under an ``Idempotency-Key`` (``api.idempotency``). As for the checks, 422 is
for a body or header the schema does not allow; a body the page's form refuses (a reason
of blanks, an amount past the fen) and a step the referral's state does not allow are
409, with the form's or the service's message and the field at fault."""

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Literal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_noop
from ninja import Field, Router, Schema, Status
from pydantic import AwareDatetime

from assistance.models import AccessLog
from assistance.notices import notice
from assistance.services import access_log_record
from intake import services
from intake.forms import CloseForm, ProgressForm, ReasonForm
from intake.models import Application, ApplicationEvent, Referral
from intake.permissions import get_referral_for_unit, referrals_for_unit, shown_id_number
from intake.selectors import referral_timeline

from .errors import ApiError, Error, require_scope
from .idempotency import idempotent, key_header
from .models import Scope
from .paging import after_param, cursor_page, in_utc, limit_param

router = Router(tags=["referrals"])


def _one_of(choices) -> type:
    """The values of a model's ``TextChoices`` as an inline enum of the schema: the
    models' enums share class names ("Status"), and the schema's components are named by
    class, so one would take another's place."""
    return Literal[tuple(choices.values)]


ReferralStatus = _one_of(Referral.Status)

WRITE_ERRORS = {401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


class ReferralOut(Schema):
    id: int
    application: str  # its number
    applicant_id_number: str  # masked
    role: _one_of(Referral.Role)
    ask: _one_of(Referral.Ask)
    status: ReferralStatus
    deadline: datetime.datetime
    overdue: bool
    signed_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    updated_at: datetime.datetime


class ReferralList(Schema):
    referrals: list[ReferralOut]
    next_after: int | None


class ApplicationOut(Schema):
    number: str
    status: _one_of(Application.Status)
    channel: _one_of(Application.Channel)
    received_at: datetime.datetime
    urgent: bool
    applicant_name: str
    applicant_id_number: str  # masked
    phone: str
    address: str
    town: str
    hardship: str
    requested: str
    programs: list[str]


class EventOut(Schema):
    id: int
    kind: _one_of(ApplicationEvent.Kind)
    text: str
    actor: str | None  # None for the system
    at: datetime.datetime


class ReferralDetail(ReferralOut):
    note: str
    application_summary: ApplicationOut
    return_reason: str
    outcome: _one_of(Referral.Outcome) | None
    outcome_program: str | None
    amount: Decimal | None
    service: str
    outcome_reason: str
    passed_to: str
    help_first: bool
    help_first_note: str
    events: list[EventOut]


def _row(referral: Referral, viewer) -> dict:
    return {
        "id": referral.pk,
        "application": referral.application.number,
        "applicant_id_number": shown_id_number(viewer, referral.application),
        "role": referral.role,
        "ask": referral.ask,
        "status": referral.status,
        "deadline": referral.deadline,
        "overdue": referral.overdue,
        "signed_at": referral.signed_at,
        "closed_at": referral.closed_at,
        "updated_at": referral.updated_at,
    }


def _event(event: ApplicationEvent) -> dict:
    actor = event.actor
    return {
        "id": event.pk,
        "kind": event.kind,
        "text": event.text,
        "actor": (actor.get_full_name() or actor.get_username()) if actor else None,
        "at": event.at,
    }


@router.get(
    "/referrals",
    response={200: ReferralList, 401: Error, 403: Error, 422: Error},
    summary="The unit's referrals",
)
def list_referrals(
    request,
    status: ReferralStatus | None = None,
    updated_since: AwareDatetime | None = None,
    after: int = after_param(),
    limit: int = limit_param(),
):
    """The referrals to the calling unit, oldest first, ``limit`` at a time after the
    referral ``after`` (cursor pagination): every status unless ``status`` says which;
    only those changed at or after ``updated_since`` (a time with its offset) if given.
    A row shows the applicant's ID number masked and nothing else of the applicant."""
    require_scope(request, Scope.REFERRALS_READ)
    referrals = referrals_for_unit(request.auth.unit)
    if status:
        referrals = referrals.filter(status=status)
    if updated_since:
        referrals = referrals.filter(updated_at__gte=in_utc(updated_since))
    page, next_after = cursor_page(
        referrals.select_related("application"), after=after, limit=limit
    )
    viewer = request.auth.principal
    return {"referrals": [_row(referral, viewer) for referral in page], "next_after": next_after}


@router.get(
    "/referrals/{referral_id}",
    response={200: ReferralDetail, 401: Error, 403: Error, 404: Error},
    summary="One referral",
)
def get_referral(request, referral_id: int):
    """One of the unit's referrals with what the unit needs to act on it: the application
    (the applicant's ID number masked), the outcome so far and this referral's timeline.
    The read is written to the access log under the client's account."""
    require_scope(request, Scope.REFERRALS_READ)
    referral = get_referral_for_unit(request.auth.unit, referral_id)
    application = referral.application
    programs = [program.name for program in application.programs.order_by("order", "pk")]
    access_log_record(
        user=request.auth.principal,
        obj=application,
        purpose=AccessLog.Purpose.REVIEW,
        description=notice(
            gettext_noop("API: application %(number)s, referral %(pk)s, read by %(client)s"),
            number=application.number,
            pk=referral.pk,
            client=request.auth.name,
        ),
        path=request.path,
    )
    program, viewer = referral.outcome_program, request.auth.principal
    return {
        **_row(referral, viewer),
        "note": referral.note,
        "application_summary": {
            "number": application.number,
            "status": application.status,
            "channel": application.channel,
            "received_at": application.received_at,
            "urgent": application.urgent,
            "applicant_name": application.applicant_name,
            "applicant_id_number": shown_id_number(viewer, application),
            "phone": application.phone,
            "address": application.address,
            "town": application.town,
            "hardship": application.hardship,
            "requested": application.requested,
            "programs": programs,
        },
        "return_reason": referral.return_reason,
        "outcome": referral.outcome or None,
        "outcome_program": program.name if program else None,
        "amount": referral.amount,
        "service": referral.service,
        "outcome_reason": referral.outcome_reason,
        "passed_to": referral.passed_to,
        "help_first": referral.help_first,
        "help_first_note": referral.help_first_note,
        "events": [_event(event) for event in referral_timeline(referral)],
    }


# --- The unit's steps -------------------------------------------------------------------------


def _checked(form_class: type[forms.Form] | None, body: dict) -> dict:
    """``body`` checked by the page's form: its cleaned data, or 409 naming the field (as
    every refusal of a body the schema allows; 422 is for one it does not)."""
    if form_class is None:
        return {}
    form = form_class(data={k: "" if v is None else str(v) for k, v in body.items()})
    if form.is_valid():
        return form.cleaned_data
    field, errors = next(iter(form.errors.items()))
    raise ApiError(409, "refused", errors[0], "" if field == NON_FIELD_ERRORS else field)


def _step(request, referral_id: int, key: str, body: Schema | None, form_class, act: Callable):
    """One step of the unit on its referral, named by ``act``, the service: called as
    ``act(actor=, referral=, data=)`` with the body as the page's form cleaned it; its
    refusal is 409. Returns the referral as it is after the step (or, for a retry, as the
    first call returned it)."""
    require_scope(request, Scope.REFERRALS_ACT)
    referral = get_referral_for_unit(request.auth.unit, referral_id)
    sent = body.model_dump(mode="json") if body is not None else {}
    data = _checked(form_class, sent)
    viewer = request.auth.principal

    def write() -> dict:
        try:
            act(actor=viewer, referral=referral, data=data)
        except services.IntakeError as error:
            raise ApiError(409, "refused", error.message, error.field) from None
        done = get_referral_for_unit(request.auth.unit, referral.pk)
        return ReferralOut.model_validate(_row(done, viewer)).model_dump(mode="json")

    asked = {"operation": act.__name__, "referral": referral.pk, **sent}
    status, response = idempotent(client=request.auth, key=key, asked=asked, write=write)
    return Status(status, response)


def _sign(*, actor, referral, data):
    return services.referral_sign(actor=actor, referral=referral)


def _return(*, actor, referral, data):
    return services.referral_return(actor=actor, referral=referral, reason=data["reason"])


def _progress(*, actor, referral, data):
    return services.referral_progress(actor=actor, referral=referral, text=data["text"])


def _close(*, actor, referral, data):
    return services.referral_close(
        actor=actor, referral=referral, result=CloseForm.outcome_of(data)
    )


@router.post(
    "/referrals/{referral_id}/sign",
    response={200: ReferralOut, **WRITE_ERRORS},
    summary="Sign for a referral",
)
def sign_referral(request, referral_id: int, idempotency_key: str = key_header()):
    """The unit signs for a referral waiting for it (签收): it is now the unit's to work on."""
    return _step(request, referral_id, idempotency_key, None, None, _sign)


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1)


@router.post(
    "/referrals/{referral_id}/return",
    response={200: ReferralOut, **WRITE_ERRORS},
    summary="Return a referral",
)
def return_referral(request, referral_id: int, body: ReasonIn, idempotency_key: str = key_header()):
    """The unit gives a referral back to the office (退回) as not its business, saying why
    (``reason``, required)."""
    return _step(request, referral_id, idempotency_key, body, ReasonForm, _return)


class ProgressIn(Schema):
    text: str = Field(..., min_length=1)


@router.post(
    "/referrals/{referral_id}/progress",
    response={200: ReferralOut, **WRITE_ERRORS},
    summary="Report progress on a referral",
)
def report_progress(
    request, referral_id: int, body: ProgressIn, idempotency_key: str = key_header()
):
    """The unit reports progress on a referral it has signed for (``text``, required); the
    line joins the referral's timeline."""
    return _step(request, referral_id, idempotency_key, body, ProgressForm, _progress)


class CloseIn(Schema):
    """The page's close form: ``outcome`` granted (with a programme, an amount or a
    service), refused (with the ``reason``) or passed on (with ``passed_to``)."""

    outcome: _one_of(Referral.Outcome)
    outcome_program: int | None = None  # an assistance programme's id
    amount: float | None = Field(None, ge=0)  # yuan, at most to the fen
    service: str = ""
    reason: str = ""
    passed_to: str = ""


@router.post(
    "/referrals/{referral_id}/close",
    response={200: ReferralOut, **WRITE_ERRORS},
    summary="Close a referral with its outcome",
)
def close_referral(request, referral_id: int, body: CloseIn, idempotency_key: str = key_header()):
    """The unit closes a referral it has signed for (办结) with its outcome. When it was
    the application's last open referral, the application is closed too."""
    return _step(request, referral_id, idempotency_key, body, CloseForm, _close)
