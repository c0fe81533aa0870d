"""The office records a unit's answer on the unit's behalf: its consent to circulated
minutes (or its comments), or its receipt of issued minutes, given by phone, on paper or
in person. Most member units have no liaison in the application (10 of 14 in the
Huangchuan demo); without this the minutes could never be signed before the deadline.

Each recorded answer says how it came, who gave it and on which day, and names the clerk
who recorded it; the history keeps every version."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import MemberUnit

from ..models import Minutes, MinutesReceipt, MinutesResponse, OnBehalf
from ..permissions import can_answer_on_behalf
from .base import MeetingError, NotAllowed, WrongState, require, save


@dataclass
class OnBehalfData:
    """How the unit's answer came (``OnBehalf.Channel``), who gave it, on which day."""

    via: str
    given_by: str
    given_on: datetime.date | None


def _check(data: OnBehalfData) -> None:
    if data.via not in OnBehalf.Channel.values:
        raise MeetingError(_("Say how the unit gave its answer."))
    if not data.given_by.strip():
        raise MeetingError(_("Name who gave the unit's answer."))
    if data.given_on is None or data.given_on > timezone.localdate():
        raise MeetingError(_("Give the day the unit answered: today or earlier."))


def _stamp(answer: OnBehalf, data: OnBehalfData) -> None:
    answer.via = data.via
    answer.given_by = data.given_by.strip()
    answer.given_on = data.given_on


def _lock(minutes: Minutes) -> Minutes:
    return Minutes.objects.select_for_update().get(pk=minutes.pk)


def _reason(unit: MemberUnit, data: OnBehalfData) -> str:
    return _("Recorded for %(unit)s: %(via)s, given by %(name)s on %(date)s") % {
        "unit": unit.name,
        "via": OnBehalf.Channel(data.via).label,
        "name": data.given_by.strip(),
        "date": data.given_on.isoformat(),
    }


@transaction.atomic
def minutes_respond_on_behalf(
    *,
    actor,
    minutes: Minutes,
    unit: MemberUnit,
    consent: bool,
    on_behalf: OnBehalfData,
    comment: str = "",
) -> MinutesResponse:
    """The office records an attending unit's consent (or comments) to circulated minutes,
    as the unit gave it outside the application."""
    require(can_answer_on_behalf(actor, unit), action=_("record a unit's answer"))
    _check(on_behalf)
    minutes = _lock(minutes)
    if minutes.status != Minutes.Status.CIRCULATED:
        raise WrongState(_("These minutes are not open for consent."))
    response = minutes.responses.select_for_update().filter(unit=unit).first()
    if response is None:
        raise NotAllowed(_("%(unit)s did not attend this meeting.") % {"unit": unit.name})
    if not consent and not comment.strip():
        raise MeetingError(_("Write the unit's comments, or record its consent."))
    response.answer = (
        MinutesResponse.Answer.CONSENTED if consent else MinutesResponse.Answer.COMMENTED
    )
    response.comment = comment.strip()
    response.answered_by = actor
    response.answered_at = timezone.now()
    _stamp(response, on_behalf)
    return save(response, actor, reason=_reason(unit, on_behalf))


@transaction.atomic
def minutes_acknowledge_on_behalf(
    *, actor, minutes: Minutes, unit: MemberUnit, on_behalf: OnBehalfData
) -> MinutesReceipt:
    """The office records that a member unit received the issued minutes (a signed
    delivery slip, a phone call)."""
    require(can_answer_on_behalf(actor, unit), action=_("record a unit's answer"))
    _check(on_behalf)
    minutes = _lock(minutes)
    if minutes.status != Minutes.Status.ISSUED:
        raise WrongState(_("These minutes are not issued."))
    receipt = minutes.receipts.select_for_update().filter(unit=unit).first()
    if receipt is None:
        raise NotAllowed(_("These minutes were not issued to %(unit)s.") % {"unit": unit.name})
    if receipt.acknowledged_at is not None:
        raise WrongState(
            _("%(unit)s already acknowledged receipt on %(date)s.")
            % {
                "unit": unit.name,
                "date": timezone.localtime(receipt.acknowledged_at).date().isoformat(),
            }
        )
    receipt.acknowledged_by = actor
    receipt.acknowledged_at = timezone.now()
    _stamp(receipt, on_behalf)
    return save(receipt, actor, reason=_reason(unit, on_behalf))
