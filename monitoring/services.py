"""Work on warnings: the office assigns a warning to the town or unit that visits, and that
unit's liaison records what the visit found (help needed: an application at intake with
the channel 主动发现, linked to the warning; no help needed: with the reason). The office
may also ask for an evaluation now.

Every service runs in one transaction, locks the warning's row and refuses a wrong state
or bad input with ``MonitoringError`` (a message the user understands) before anything
changes; history rows name the actor. Work for Celery is sent by task name after commit.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from assistance.notices import notice
from assistance.outbox import send_or_leave_for_sweep
from assistance.services import notify
from intake import services as intake
from intake.base import directors, liaison_users
from intake.models import Application
from intake.permissions import acts_for
from members.models import MemberUnit
from verification.models import HouseholdMember

from .models import EarlyWarning, EvaluationRun, RuleKind
from .permissions import is_office

EVALUATE_TASK = "monitoring.tasks.warnings_evaluate_task"


class MonitoringError(Exception):
    """A rule refused the action; ``message`` says why, in the user's language, and
    ``field`` names the input at fault where there is one."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message, self.field = message, field


def _lock(warning: EarlyWarning) -> EarlyWarning:
    return (
        EarlyWarning.objects.select_for_update(of=("self",))
        .select_related("rule", "household__office", "member", "assigned_unit")
        .get(pk=warning.pk)
    )


def _move(warning: EarlyWarning, status) -> None:
    if not warning.can_move_to(status):
        raise MonitoringError(
            _("This warning is “%(status)s” and cannot be changed that way.")
            % {"status": warning.get_status_display()}
        )
    warning.status = status


def _save(warning: EarlyWarning, actor) -> EarlyWarning:
    warning._history_user = actor
    warning.save()
    return warning


def _text(value: str, message: str, field_name: str) -> str:
    value = (value or "").strip()
    if not value:
        raise MonitoringError(message, field_name)
    return value


@transaction.atomic
def warning_assign(*, actor, warning: EarlyWarning, unit: MemberUnit) -> EarlyWarning:
    """Give the on-the-spot check to ``unit`` (a town, subdistrict or unit of the
    household's group), or to another unit instead; its liaisons are told."""
    if not is_office(actor):
        raise MonitoringError(_("Only the office assigns warnings."))
    warning = _lock(warning)
    if unit.group_id != warning.household.office_id or not unit.active:
        raise MonitoringError(_("Choose an active unit of the household's group."), "unit")
    if warning.assigned_unit_id == unit.pk and warning.status == EarlyWarning.Status.ASSIGNED:
        raise MonitoringError(_("The warning is assigned to that unit already."), "unit")
    _move(warning, EarlyWarning.Status.ASSIGNED)
    warning.assigned_unit = unit
    warning.assigned_at = timezone.now()
    warning.assigned_by = actor
    warning.reminded_on = None
    _save(warning, actor)
    message = notice(
        gettext_noop(
            "A warning (%(rule)s) was given to your unit: visit the household in %(town)s "
            "by %(deadline)s."
        ),
        rule=warning.rule.name,
        town=warning.household.town,
        deadline=warning.deadline.isoformat(),
    )
    users, url = liaison_users(unit.pk), warning.get_absolute_url()
    transaction.on_commit(
        lambda: notify(
            users=users,
            message=message,
            url=url,
            email_subject=notice(gettext_noop("A household to visit")),
        )
    )
    return warning


def _visiting(actor, warning: EarlyWarning) -> EarlyWarning:
    warning = _lock(warning)
    if warning.status != EarlyWarning.Status.ASSIGNED or not acts_for(
        actor, warning.assigned_unit_id
    ):
        raise MonitoringError(_("Only the unit the warning is assigned to records its visit."))
    return warning


def _close_visit(warning: EarlyWarning, actor, status, note: str) -> None:
    _move(warning, status)
    now = timezone.now()
    warning.visited_at = warning.closed_at = now
    warning.visited_by = actor
    warning.visit_note = note
    warning.overdue = False


@transaction.atomic
def warning_not_needed(*, actor, warning: EarlyWarning, reason: str) -> EarlyWarning:
    """The visit found no help is needed, for ``reason`` (required)."""
    reason = _text(reason, _("Say why the household needs no help."), "reason")
    warning = _visiting(actor, warning)
    _close_visit(warning, actor, EarlyWarning.Status.NOT_NEEDED, reason)
    return _save(warning, actor)


@dataclass
class VisitFindings:
    """What a visit that found the household needs help says: the hardship, what is asked
    for, the programmes, a telephone, and whether it is urgent (救急难)."""

    hardship: str
    requested: str = ""
    programs: list = field(default_factory=list)
    phone: str = ""
    urgent: bool = False


def applicant_of(warning: EarlyWarning) -> HouseholdMember | None:
    """Whom the application names: the member the warning is about, unless it is about
    their death or the household; then the household's applicant (or its first member)
    among the others."""
    if warning.member_id and warning.rule.kind != RuleKind.DEATH:
        return warning.member
    others = HouseholdMember.objects.filter(household_id=warning.household_id)
    if warning.member_id:
        others = others.exclude(pk=warning.member_id)
    ordered = sorted(others, key=lambda m: (m.relation != HouseholdMember.Relation.APPLICANT, m.pk))
    return ordered[0] if ordered else None


@transaction.atomic
def warning_needed(*, actor, warning: EarlyWarning, found: VisitFindings) -> Application:
    """The visit found the household needs help: an application is received at intake in
    the unit's name (channel 主动发现), linked to the warning, and the office is told so
    that it refers it."""
    hardship = _text(found.hardship, _("Describe the household's hardship."), "hardship")
    warning = _visiting(actor, warning)
    applicant = applicant_of(warning)
    if applicant is None:
        raise MonitoringError(_("The household has no member to apply for."))
    household = warning.household
    data = intake.ApplicationData(
        office=household.office,
        channel=Application.Channel.PROACTIVE,
        applicant_name=applicant.name,
        applicant_id_number=applicant.id_number,
        hardship=hardship,
        phone=found.phone.strip(),
        address=household.address,
        town=household.town,
        requested=found.requested.strip(),
        urgent=found.urgent,
        household=household,
        programs=list(found.programs),
    )
    try:
        application = intake.application_receive_found(
            actor=actor, unit=warning.assigned_unit, data=data, note=warning.reason()
        )
    except intake.IntakeError as error:
        raise MonitoringError(error.message, error.field) from None
    _close_visit(warning, actor, EarlyWarning.Status.NEEDED, hardship)
    warning.application = application
    _save(warning, actor)
    message = notice(
        gettext_noop(
            "%(unit)s visited a household on a warning and found it needs help: "
            "application %(number)s is waiting to be referred."
        ),
        unit=warning.assigned_unit.name,
        number=application.number,
    )
    users = directors()
    url = reverse("intake:application_detail", kwargs={"pk": application.pk})
    transaction.on_commit(lambda: notify(users=users, message=message, url=url))
    return application


def evaluation_request(*, actor) -> bool:
    """The office asks for an evaluation now (a worker does it); False when the broker
    cannot be reached (the schedule's next run does it)."""
    if not is_office(actor):
        raise MonitoringError(_("Only the office asks for an evaluation."))
    return send_or_leave_for_sweep(
        EVALUATE_TASK, EvaluationRun.Trigger.OFFICE, what="evaluation (office)"
    )
