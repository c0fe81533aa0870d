"""Writes and rules of intake: receiving (or refusing) an application (``intake.receiving``,
re-exported here), referring it to units, each unit signing for, returning, reporting on and
closing its referral, the office chasing and re-routing, answering the applicant and
putting a case on a meeting's agenda.

Every service runs in one transaction and locks the application row first (then the
referral), so two units closing their referrals at once close the application exactly
once. A wrong state or bad input raises ``IntakeError`` (its message translated) before
anything changes. Work for the units' workers is sent by task name after the commit
(``assistance.outbox``), never by importing tasks.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from assistance.models import Chase
from assistance.notices import notice
from assistance.outbox import send_after_commit
from assistance.services import ChaseRefused, chase_record, notify
from assistance.workdays import WorkdayCalendar
from meetings.models import Meeting
from meetings.services import ItemData, MeetingError, agenda_item_create
from members.models import AssistanceProgram, MemberUnit
from verification.register import MemberData as MemberData

from .base import (
    IntakeError,
    directors,
    liaison_users,
    lock_application,
    lock_referral,
    move,
    page_url,
    record_event,
    require,
    require_text,
    save,
)
from .households import NewHousehold as NewHousehold
from .models import Application, ApplicationEvent, ProgramRouting, Referral
from .permissions import can_act_on_referral, can_run_application, is_office
from .receiving import ApplicationData as ApplicationData
from .receiving import application_attach as application_attach
from .receiving import application_receive as application_receive
from .receiving import application_receive_found as application_receive_found
from .receiving import application_refuse as application_refuse
from .selectors import possible_duplicates as possible_duplicates
from .signals import referral_granted, referrals_created

DEFAULT_WORKING_DAYS = 10
DEFAULT_URGENT_HOURS = 24
DELIVER_TASK = "intake.tasks.referral_deliver_task"


# --- Referring --------------------------------------------------------------------------------


def suggested_units(application: Application) -> dict:
    """The units the requested programmes suggest (notice 002): ``lead`` (the lead units,
    in programme order) and ``assisting`` (their responsible units, without the leads)."""
    programs = (
        application.programs.select_related("lead_unit")
        .prefetch_related("responsible_units")
        .order_by("order", "pk")
    )
    lead, assisting = [], []
    for program in programs:
        if program.lead_unit not in lead:
            lead.append(program.lead_unit)
        for unit in program.responsible_units.all():
            if unit not in assisting:
                assisting.append(unit)
    return {"lead": lead, "assisting": [u for u in assisting if u not in lead]}


def referral_deadline(application: Application, *, start=None) -> datetime.datetime:
    """When a referral made at ``start`` (now) is due: for an urgent case ``urgent_hours``
    on the clock (the shortest of the programmes', default 24: the most urgent help sets
    the pace); else ``deadline_working_days`` working days (the longest of the programmes',
    default 10), at the end of that day."""
    start = start or timezone.now()
    routings = ProgramRouting.objects.filter(program__in=application.programs.all())
    if application.urgent:
        hours = min((r.urgent_hours for r in routings), default=DEFAULT_URGENT_HOURS)
        return start + datetime.timedelta(hours=hours)
    days = max((r.deadline_working_days for r in routings), default=DEFAULT_WORKING_DAYS)
    due = WorkdayCalendar().add_working_days(timezone.localdate(start), days).date
    return timezone.make_aware(datetime.datetime.combine(due, datetime.time(23, 59, 59)))


def _refer(*, actor, application, unit, role, ask, note, start) -> Referral:
    referral = Referral(
        application=application,
        unit=unit,
        role=role,
        ask=ask,
        note=note,
        created_at=start,
        deadline=referral_deadline(application, start=start),
    )
    taken = application.referrals.filter(unit=unit, status__in=Referral.ACTIVE_STATUSES)
    if taken.exists():
        raise IntakeError(_("%(unit)s already has this application.") % {"unit": unit.name})
    save(referral, actor)
    record_event(
        application,
        ApplicationEvent.Kind.REFERRED,
        actor=actor,
        referral=referral,
        text=f"{unit.name} ({referral.get_role_display()})",
    )
    referrals_created.send(sender=Referral, referrals={unit.pk: [referral.pk]})
    send_after_commit(
        DELIVER_TASK,
        referral.pk,
        queue=f"verify.{unit.code}",
        what=f"referral {referral.pk} of {application.number} to {unit.code}",
    )
    return referral


@transaction.atomic
def referrals_share(
    *, actor, application: Application, lead: MemberUnit, assisting=(), ask: str, note: str = ""
) -> list[Referral]:
    """Refer a received application (转办) to one lead unit and any assisting units; each
    is delivered to its unit's queue after the commit."""
    application = lock_application(application)
    require(can_run_application(actor, application))
    if lead is None:
        raise IntakeError(_("Choose the lead unit."))
    if application.status != Application.Status.RECEIVED:
        raise IntakeError(_("This application was referred already."))
    move(application, Application.Status.REFERRED)
    others = [u for u in dict.fromkeys(assisting) if u.pk != lead.pk]
    now = timezone.now()
    referrals = [
        _refer(
            actor=actor,
            application=application,
            unit=unit,
            role=role,
            ask=ask,
            note=note,
            start=now,
        )
        for unit, role in [(lead, Referral.Role.LEAD)] + [(u, Referral.Role.ASSIST) for u in others]
    ]
    save(application, actor)
    return referrals


def referral_deliver(*, referral_id: int) -> bool:
    """Mark a referral delivered to its unit and tell its liaisons; once only (a second
    message changes nothing). Returns whether it was delivered now. Locks the application
    first, as every service does, so a delivery never deadlocks with a unit's step."""
    with transaction.atomic():
        application_id = (
            Referral.objects.filter(pk=referral_id).values_list("application_id", flat=True).first()
        )
        if application_id is None:
            return False
        Application.objects.select_for_update().get(pk=application_id)
        referral = (
            Referral.objects.select_for_update(of=("self",))
            .select_related("application", "unit")
            .filter(pk=referral_id, delivered_at__isnull=True, status__in=Referral.ACTIVE_STATUSES)
            .first()
        )
        if referral is None:
            return False
        referral.delivered_at = timezone.now()
        referral._history_user = None
        referral.save(update_fields=["delivered_at", "updated_at"])
        record_event(referral.application, ApplicationEvent.Kind.DELIVERED, referral=referral)
        users = liaison_users(referral.unit_id)
        message = notice(
            gettext_noop("Application %(number)s was referred to your unit; due %(due)s."),
            number=referral.application.number,
            due=timezone.localtime(referral.deadline).strftime("%Y-%m-%d %H:%M"),
        )
        url = page_url("intake:referral_detail", referral.pk)
        transaction.on_commit(lambda: notify(users=users, message=message, url=url))
    return True


# --- The unit's work --------------------------------------------------------------------------


def _unit_step(actor, referral: Referral) -> tuple[Application, Referral]:
    application, referral = lock_referral(referral)
    require(can_act_on_referral(actor, referral))
    return application, referral


@transaction.atomic
def referral_sign(*, actor, referral: Referral) -> Referral:
    """The unit signs for a referral (签收): it is now the unit's to work on."""
    application, referral = _unit_step(actor, referral)
    move(referral, Referral.Status.IN_PROGRESS)
    referral.signed_at, referral.signed_by = timezone.now(), actor
    save(referral, actor)
    if application.status == Application.Status.REFERRED:
        move(application, Application.Status.IN_PROGRESS)
        save(application, actor)
    record_event(application, ApplicationEvent.Kind.SIGNED, actor=actor, referral=referral)
    return referral


@transaction.atomic
def referral_return(*, actor, referral: Referral, reason: str) -> Referral:
    """The unit gives a referral back (退回) as not its business, saying why; the office
    re-routes it (until then the application is not closed, even if it was the last one
    open)."""
    application, referral = _unit_step(actor, referral)
    reason = require_text(reason, _("Say why the referral is returned."))
    move(referral, Referral.Status.RETURNED)
    referral.return_reason = reason
    save(referral, actor)
    record_event(
        application, ApplicationEvent.Kind.RETURNED, actor=actor, referral=referral, text=reason
    )
    url = page_url("intake:application_detail", application.pk)
    message = notice(
        gettext_noop("%(unit)s returned its referral of application %(number)s."),
        unit=referral.unit.name,
        number=application.number,
    )
    users = list(get_user_model().objects.filter(pk=application.received_by_id)) + directors()
    transaction.on_commit(lambda: notify(users=set(users), message=message, url=url))
    return referral


@transaction.atomic
def referral_reroute(*, actor, referral: Referral, unit: MemberUnit) -> Referral:
    """The office sends a returned referral to another unit, in the same role: a new
    referral, whose clock starts again."""
    application, referral = lock_referral(referral)
    require(can_run_application(actor, application))
    if referral.status != Referral.Status.RETURNED:
        raise IntakeError(_("Only a returned referral can be sent to another unit."))
    if referral.events.filter(kind=ApplicationEvent.Kind.REROUTED).exists():
        raise IntakeError(_("This referral was sent to another unit already."))
    if unit.pk == referral.unit_id:
        raise IntakeError(_("Choose another unit than the one that returned it."))
    if application.status not in (Application.Status.REFERRED, Application.Status.IN_PROGRESS):
        raise IntakeError(_("This application is no longer being worked on."))
    record_event(
        application,
        ApplicationEvent.Kind.REROUTED,
        actor=actor,
        referral=referral,
        text=f"{referral.unit.name} → {unit.name}",
    )
    return _refer(
        actor=actor,
        application=application,
        unit=unit,
        role=referral.role,
        ask=referral.ask,
        note=referral.note,
        start=timezone.now(),
    )


@transaction.atomic
def referral_progress(*, actor, referral: Referral, text: str) -> ApplicationEvent:
    """The unit reports progress on a referral it has signed for."""
    application, referral = _unit_step(actor, referral)
    text = require_text(text, _("Describe the progress."))
    if referral.status != Referral.Status.IN_PROGRESS:
        raise IntakeError(_("Sign for the referral first."))
    return record_event(
        application, ApplicationEvent.Kind.PROGRESS, actor=actor, referral=referral, text=text
    )


@transaction.atomic
def referral_help_first(*, actor, referral: Referral, note: str) -> Referral:
    """The lead unit of an urgent case helps first and completes the paperwork after
    (先行救助)."""
    application, referral = _unit_step(actor, referral)
    note = require_text(note, _("Say what help was given."))
    if not application.urgent:
        raise IntakeError(_("Help first is only for urgent cases."))
    if referral.role != Referral.Role.LEAD:
        raise IntakeError(_("Only the lead unit helps first."))
    if not referral.is_active:
        raise IntakeError(_("This referral is no longer open."))
    if referral.help_first:
        raise IntakeError(_("Help first is recorded already."))
    referral.help_first, referral.help_first_note = True, note
    referral.help_first_at = timezone.now()
    save(referral, actor)
    record_event(
        application, ApplicationEvent.Kind.HELP_FIRST, actor=actor, referral=referral, text=note
    )
    return referral


@dataclass
class Outcome:
    outcome: str
    program: AssistanceProgram | None = None
    amount: Decimal | None = None
    service: str = ""
    reason: str = ""
    passed_to: str = ""


def _check_outcome(result: Outcome) -> None:
    # The fields named are the close form's (the page's and the API's).
    if result.outcome not in Referral.Outcome.values:
        raise IntakeError(_("Choose the outcome."), "outcome")
    if result.outcome == Referral.Outcome.GRANTED and not (
        result.program or result.amount or result.service.strip()
    ):
        raise IntakeError(_("Say what was granted: a programme, an amount or a service."))
    if result.amount is not None and result.amount <= 0:
        raise IntakeError(_("The amount must be more than zero."), "amount")
    if result.outcome == Referral.Outcome.REFUSED and not result.reason.strip():
        raise IntakeError(_("Give the reason for refusing."), "reason")
    if result.outcome == Referral.Outcome.PASSED_ON and not result.passed_to.strip():
        raise IntakeError(_("Say where the case was passed on to."), "passed_to")


@transaction.atomic
def referral_close(*, actor, referral: Referral, result: Outcome) -> Referral:
    """The unit closes its referral (办结) with its outcome. When it was the last open one,
    the application is closed too, exactly once (the application row is locked first)."""
    application, referral = _unit_step(actor, referral)
    _check_outcome(result)
    move(referral, Referral.Status.CLOSED)
    referral.outcome, referral.outcome_program = result.outcome, result.program
    referral.amount, referral.service = result.amount, result.service
    referral.outcome_reason, referral.passed_to = result.reason, result.passed_to
    referral.closed_at, referral.closed_by = timezone.now(), actor
    save(referral, actor)
    record_event(
        application,
        ApplicationEvent.Kind.CLOSED,
        actor=actor,
        referral=referral,
        text=referral.get_outcome_display(),
    )
    if referral.outcome == Referral.Outcome.GRANTED:
        referral_granted.send(sender=Referral, referral=referral, actor=actor)
    if not application.referrals.filter(status__in=Referral.ACTIVE_STATUSES).exists():
        move(application, Application.Status.CLOSED)
        save(application, actor)
        record_event(application, ApplicationEvent.Kind.CLOSED, actor=actor)
        message = notice(
            gettext_noop(
                "Every referral of application %(number)s is closed: answer the applicant."
            ),
            number=application.number,
        )
        users = list(get_user_model().objects.filter(pk=application.received_by_id))
        url = page_url("intake:application_detail", application.pk)
        transaction.on_commit(lambda: notify(users=users, message=message, url=url))
    return referral


@transaction.atomic
def referral_chase(*, actor, referral: Referral) -> Chase:
    """The office presses the unit's liaisons (催办) about a referral still with them
    (waiting to be signed for, or in progress): they are notified, the timeline records
    it, and the base layer's rule allows it once a day per referral."""
    require(is_office(actor))
    application, referral = lock_referral(referral)
    if not referral.is_active:
        raise IntakeError(
            _("Only a referral still with the unit can be chased; this one is %(status)s.")
            % {"status": referral.get_status_display()}
        )
    users = liaison_users(referral.unit_id)
    try:
        chase = chase_record(
            actor=actor, obj=referral, liaisons=users, unit_name=referral.unit.name
        )
    except ChaseRefused as refused:
        raise IntakeError(str(refused)) from None
    record_event(application, ApplicationEvent.Kind.CHASED, actor=actor, referral=referral)
    message = notice(
        gettext_noop(
            "The office chases application %(number)s referred to your unit, due %(due)s."
        ),
        number=application.number,
        due=timezone.localtime(referral.deadline).strftime("%Y-%m-%d %H:%M"),
    )
    subject = notice(gettext_noop("Chased: a referral is waiting for your unit"))
    url = page_url("intake:referral_detail", referral.pk)
    transaction.on_commit(
        lambda: notify(users=users, message=message, url=url, email_subject=subject)
    )
    return chase


@transaction.atomic
def referral_link_verification(*, actor, referral: Referral, request) -> Referral:
    """The office links a verification request (核对) of the applicant's household to a
    referral that asks for a decision, so the unit sees the household's checks."""
    application, referral = lock_referral(referral)
    require(can_run_application(actor, application))
    if not referral.is_active:
        raise IntakeError(_("This referral is no longer open."))
    if not application.household_id or request.household_id != application.household_id:
        raise IntakeError(_("The verification request is not of the applicant's household."))
    referral.verification_request = request
    save(referral, actor)
    return referral


# --- The office's answer ----------------------------------------------------------------------


@transaction.atomic
def application_answer(*, actor, application: Application, text: str) -> Application:
    """Answer the applicant (答复) once every referral is closed."""
    application = lock_application(application)
    require(can_run_application(actor, application))
    text = require_text(text, _("Write the answer to the applicant."))
    if application.status != Application.Status.CLOSED:
        raise IntakeError(_("The applicant is answered once every referral is closed."))
    move(application, Application.Status.ANSWERED)
    application.answer, application.answered_at = text, timezone.now()
    application.answered_by = actor
    save(application, actor)
    record_event(application, ApplicationEvent.Kind.ANSWERED, actor=actor, text=text)
    return application


@transaction.atomic
def application_to_agenda(*, actor, application: Application, meeting: Meeting):
    """Put a case the units cannot settle alone on a joint meeting's agenda (一事一议), as a
    draft item of its lead unit."""
    application = lock_application(application)
    require(can_run_application(actor, application))
    if application.agenda_item_id:
        raise IntakeError(_("This application is on a meeting's agenda already."))
    if application.status in (Application.Status.REFUSED, Application.Status.ANSWERED):
        raise IntakeError(_("This application is no longer being worked on."))
    lead = application.referrals.filter(role=Referral.Role.LEAD).exclude(
        status=Referral.Status.RETURNED
    )
    lead = lead.select_related("unit").first()
    if lead is None:
        raise IntakeError(_("Refer the application to a lead unit first."))
    case = meeting.kind == Meeting.Kind.CASE and application.household_id
    data = ItemData(
        title=_("Application %(number)s") % {"number": application.number},
        background=application.hardship,
        proposal=application.requested,
        decision_requested=_("Decide on the assistance this case needs."),
        household_id=application.household_id if case else None,
        origin_url=reverse("intake:application_detail", args=[application.pk]),
    )
    try:
        with transaction.atomic():
            item = agenda_item_create(actor=actor, meeting=meeting, unit=lead.unit, data=data)
    except MeetingError as exc:
        raise IntakeError(exc.message) from None
    application.agenda_item = item
    save(application, actor)
    record_event(application, ApplicationEvent.Kind.ON_AGENDA, actor=actor, text=str(meeting))
    return item
