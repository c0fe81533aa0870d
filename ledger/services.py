"""Writes of the ledger: a unit's liaison enters, corrects and ends its own unit's entries;
a referral its unit closes as granted becomes an entry by itself (``entry_from_referral``,
called from intake's signal); a unit's monthly file replaces that unit's month
(``ledger_import_*``).

Every write runs in one transaction, names its actor in the history, and raises
``LedgerError`` (its message in the user's language) before anything changes. After each
change the rules are checked on the entries it touched (``conflicts``); what breaks one
is returned to the caller, and the office's lists show it at once.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from assistance.notices import notice
from intake.models import Referral
from members.models import AssistanceProgram, MemberUnit
from verification.models import HouseholdMember

from .base import Found, check_entries, require_unit, tell_office
from .base import LedgerError as LedgerError
from .importing import ledger_import_check as ledger_import_check
from .importing import ledger_import_now as ledger_import_now
from .importing import ledger_import_upload as ledger_import_upload
from .models import LedgerEntry


@dataclass
class EntryData:
    """What a liaison enters or corrects (the entry form's and, later, the API's fields)."""

    program: AssistanceProgram | None
    period_from: datetime.date | None
    period_to: datetime.date | None = None
    amount: Decimal | None = None
    amount_per: str = LedgerEntry.AmountPer.MONTH
    service: str = ""
    document_number: str = ""


def _fill(entry: LedgerEntry, data: EntryData) -> None:
    if data.program is None:
        raise LedgerError(_("Choose the programme."), "program")
    if data.program.group_id != entry.unit.group_id:
        raise LedgerError(_("The programme is not one of your group's."), "program")
    if data.period_from is None:
        raise LedgerError(_("Give the day the assistance starts."), "period_from")
    if data.amount is not None and data.amount <= 0:
        raise LedgerError(_("The amount must be more than zero."), "amount")
    entry.program = data.program
    entry.period_from, entry.period_to = data.period_from, data.period_to
    entry.amount, entry.amount_per = data.amount, data.amount_per
    entry.service = (data.service or "").strip()
    entry.document_number = (data.document_number or "").strip()


def _save(entry: LedgerEntry, actor) -> LedgerEntry:
    """Validate (the model's constraints included) and save, the history naming ``actor``."""
    try:
        entry.full_clean()
    except ValidationError as exc:
        field = next(iter(exc.error_dict), "") if hasattr(exc, "error_dict") else ""
        raise LedgerError(" ".join(exc.messages), "" if field == "__all__" else field) from None
    entry._history_user = actor
    entry.save()
    return entry


def _changed(entry: LedgerEntry, verb: str) -> Found:
    found = check_entries([entry.pk])
    tell_office(found, notice(verb, unit=entry.unit.name, program=entry.program.name))
    return found


@transaction.atomic
def entry_create(
    *, actor, unit: MemberUnit, member: HouseholdMember, data: EntryData, whole_household=False
) -> tuple[LedgerEntry, Found]:
    """A liaison records assistance their unit gives ``member`` (or, with
    ``whole_household``, the member's household as a whole)."""
    require_unit(actor, unit)
    if member.household.office_id != unit.group_id:
        raise LedgerError(_("This person's household is registered with another office."))
    entry = LedgerEntry(
        unit=unit,
        household=member.household,
        member=None if whole_household else member,
        source=LedgerEntry.Source.ENTERED,
        created_by=actor,
    )
    _fill(entry, data)
    _save(entry, actor)
    return entry, _changed(entry, gettext_noop("%(unit)s entered %(program)s"))


def _lock(entry: LedgerEntry, actor) -> LedgerEntry:
    entry = LedgerEntry.objects.select_for_update().select_related("unit").get(pk=entry.pk)
    require_unit(actor, entry.unit)
    if entry.source == LedgerEntry.Source.IMPORT:
        raise LedgerError(_("An imported entry is corrected by importing its month's file again."))
    return entry


@transaction.atomic
def entry_update(*, actor, entry: LedgerEntry, data: EntryData) -> tuple[LedgerEntry, Found]:
    """The unit corrects its entry (programme, amount, service, period, document)."""
    entry = _lock(entry, actor)
    _fill(entry, data)
    _save(entry, actor)
    return entry, _changed(entry, gettext_noop("%(unit)s corrected %(program)s"))


@transaction.atomic
def entry_end(
    *, actor, entry: LedgerEntry, period_to: datetime.date | None, reason: str
) -> tuple[LedgerEntry, Found]:
    """The unit ends its assistance on ``period_to``, saying why."""
    entry = _lock(entry, actor)
    reason = (reason or "").strip()
    if period_to is None:
        raise LedgerError(_("Give the last day of the assistance."), "period_to")
    if not reason:
        raise LedgerError(_("Say why the assistance ends."), "reason")
    entry.period_to, entry.end_reason = period_to, reason[:300]
    _save(entry, actor)
    return entry, _changed(entry, gettext_noop("%(unit)s ended %(program)s"))


def entry_from_referral(*, referral: Referral, actor) -> LedgerEntry | None:
    """The entry of a referral its unit closed as granted, in the close's transaction:
    the programme, amount and service of the outcome, from the day it closed (an amount
    granted once: that day only; a service: open until the unit ends it). Nothing when
    the outcome names no programme or the applicant's household is not registered: the
    ledger is by programme and household."""
    application = referral.application
    if not referral.outcome_program_id or not application.household_id:
        return None
    if referral.amount is None and not (referral.service or "").strip():
        raise LedgerError(
            _(
                "Say what was granted under the programme, an amount or a service: the "
                "assistance ledger records it."
            ),
            "amount",
        )
    member = None
    if application.applicant_id_number:
        member = HouseholdMember.objects.filter(
            household_id=application.household_id, id_number=application.applicant_id_number
        ).first()
    day = timezone.localdate(referral.closed_at or timezone.now())
    entry = LedgerEntry(
        unit_id=referral.unit_id,
        household_id=application.household_id,
        member=member,
        program_id=referral.outcome_program_id,
        amount=referral.amount,
        amount_per=LedgerEntry.AmountPer.TOTAL,
        service=(referral.service or "").strip()[:300],
        period_from=day,
        period_to=day if referral.amount is not None else None,
        source=LedgerEntry.Source.REFERRAL,
        referral=referral,
        created_by=actor,
    )
    _save(entry, actor)
    unit = MemberUnit.objects.only("name").get(pk=referral.unit_id)
    program = AssistanceProgram.objects.only("name").get(pk=referral.outcome_program_id)
    found = check_entries([entry.pk])
    tell_office(
        found,
        notice(
            gettext_noop("%(unit)s granted %(program)s on application %(number)s"),
            unit=unit.name,
            program=program.name,
            number=application.number,
        ),
    )
    return entry
