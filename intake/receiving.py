"""Receiving an application (受理) or refusing it at the door (不予受理): the numbering,
the household it is filed under (``intake.households``) and the papers handed in with it.
Part of ``intake.services``, which re-exports everything here."""

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.idnumbers import birth_date as id_birth_date
from assistance.idnumbers import normalize_id_number
from members.models import LeadingGroup, MemberUnit
from verification.models import Household

from .base import IntakeError, lock_application, record_event, require, require_text, save, validate
from .households import NewHousehold, check_registered, register_new
from .models import Application, ApplicationAttachment, ApplicationEvent
from .permissions import acts_for, can_receive, can_run_application

NUMBER_ATTEMPTS = 5


@dataclass
class ApplicationData:
    office: LeadingGroup
    channel: str
    applicant_name: str
    hardship: str
    applicant_id_number: str = ""
    applicant_birth_date: datetime.date | None = None
    phone: str = ""
    address: str = ""
    town: str = ""
    requested: str = ""
    urgent: bool = False
    household: Household | None = None
    new_household: NewHousehold | None = None
    programs: list = field(default_factory=list)
    received_at: datetime.datetime | None = None

    def applicant(self) -> dict:
        return {
            "id_number": self.applicant_id_number,
            "name": self.applicant_name,
            "birth_date": self.applicant_birth_date,
        }


def _next_number(year: int) -> str:
    prefix = f"SQ{year}"
    last = (
        Application.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{sequence:06d}"


def _household(*, actor, data: ApplicationData, status) -> Household | None:
    """The household the application is filed under: one of the register (checked), a
    new one registered now (only for an accepted application), or none."""
    if data.household is not None and data.new_household is not None:
        raise IntakeError(_("Choose a household of the register or a new one, not both."))
    if data.household is not None:
        return check_registered(data.household, office=data.office, applicant=data.applicant())
    if data.new_household is not None and status == Application.Status.RECEIVED:
        return register_new(
            actor=actor,
            office=data.office,
            applicant=data.applicant(),
            address=data.address,
            town=data.town,
            new=data.new_household,
        )
    return None


def _new_application(*, actor, data: ApplicationData, status) -> Application:
    if not data.applicant_id_number and not data.urgent:
        raise IntakeError(_("Enter the applicant's ID number (only an urgent case may lack one)."))
    household = _household(actor=actor, data=data, status=status)
    received_at = data.received_at or timezone.now()
    birth = data.applicant_birth_date
    if data.applicant_id_number and birth is None:
        try:
            birth = id_birth_date(normalize_id_number(data.applicant_id_number))
        except ValueError:
            birth = None  # full_clean below says what is wrong with the number
    application = Application(
        office=data.office,
        channel=data.channel,
        received_at=received_at,
        received_by=actor,
        household=household,
        applicant_name=data.applicant_name.strip(),
        applicant_id_number=data.applicant_id_number,
        applicant_birth_date=birth,
        phone=data.phone,
        address=data.address,
        town=data.town,
        hardship=data.hardship,
        requested=data.requested,
        urgent=data.urgent,
        status=status,
    )
    validate(application, exclude=["number"])
    _save_numbered(application, actor, timezone.localtime(received_at).year)
    application.programs.set(data.programs)
    return application


def _save_numbered(application: Application, actor, year: int) -> None:
    """Save with the next free number of the year. Numbers run across every office, so two
    clerks may draw the same one at once: the unique constraint refuses the second, which
    draws again."""
    application._history_user = actor
    for attempt in range(NUMBER_ATTEMPTS):
        application.number = _next_number(year)
        try:
            with transaction.atomic():
                application.save(force_insert=True)
            return
        except IntegrityError:
            if attempt == NUMBER_ATTEMPTS - 1:
                raise


@transaction.atomic
def application_receive(*, actor, data: ApplicationData, files=()) -> Application:
    """Receive an application (受理): numbered SQ<year><6 digits>, on the timeline, with the
    papers handed in (already checked by their content, ``assistance.uploads``)."""
    require(can_receive(actor))
    application = _new_application(actor=actor, data=data, status=Application.Status.RECEIVED)
    _attach(application, actor, files)
    record_event(application, ApplicationEvent.Kind.RECEIVED, actor=actor)
    return application


@transaction.atomic
def application_receive_found(
    *, actor, unit: MemberUnit, data: ApplicationData, note: str = ""
) -> Application:
    """Receive an application that a unit's visit found (主动发现): a town or unit checked a
    warning on the spot and found the household needs help. Its liaison receives it in the
    unit's name (``data.channel`` must be the proactive one, the household one of the unit's
    group's register); the office then runs it like any other. ``note`` goes on the
    timeline's first line (what the visit found)."""
    require(acts_for(actor, unit) and data.channel == Application.Channel.PROACTIVE)
    if data.office.pk != unit.group_id:
        raise IntakeError(_("That household is registered with another office."))
    application = _new_application(actor=actor, data=data, status=Application.Status.RECEIVED)
    record_event(application, ApplicationEvent.Kind.RECEIVED, actor=actor, text=note)
    return application


@transaction.atomic
def application_refuse(*, actor, data: ApplicationData, reason: str, files=()) -> Application:
    """Record an application that is not accepted (不予受理), with the reason the notice
    gives the applicant."""
    require(can_receive(actor))
    reason = require_text(reason, _("Give the reason for not accepting the application."))
    application = _new_application(actor=actor, data=data, status=Application.Status.REFUSED)
    application.refusal_reason = reason
    save(application, actor)
    _attach(application, actor, files)
    record_event(application, ApplicationEvent.Kind.REFUSED, actor=actor, text=reason)
    return application


@transaction.atomic
def application_attach(*, actor, application: Application, files=()) -> list:
    """Add files (already checked by their content, ``assistance.uploads``) to an open
    application."""
    application = lock_application(application)
    require(can_run_application(actor, application))
    return _attach(application, actor, files)


def _attach(application: Application, actor, files) -> list:
    saved = []
    for upload in files:
        attachment = ApplicationAttachment(
            application=application, file=upload, name=upload.name[:200], uploaded_by=actor
        )
        saved.append(save(attachment, actor))
    return saved
