"""One-door intake (一门受理、协同办理): an application for help received once by the office,
referred to the member units that can help (a lead unit and assisting units), each
referral signed for, worked on and closed by its unit, and the applicant answered once
every referral is closed. Urgent hardship (救急难) runs on an hours clock and lets the lead
unit help first and complete the paperwork after.

Allowed status changes live in one ``TRANSITIONS`` dict per model; the services refuse
anything else.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from assistance.idnumbers import IdNumberField
from meetings.models import AgendaItem
from members.models import AssistanceProgram, LeadingGroup, MemberUnit
from verification.models import Household, VerificationRequest


class ProgramRouting(models.Model):
    """How long the units have for an application under one assistance programme: working
    days for an ordinary one, hours on the clock for an urgent one. Which units a programme
    suggests comes from the programme itself (its lead unit and responsible units)."""

    program = models.OneToOneField(
        AssistanceProgram,
        verbose_name=_("assistance programme"),
        on_delete=models.CASCADE,
        related_name="routing",
    )
    deadline_working_days = models.PositiveSmallIntegerField(
        _("deadline in working days"), default=10
    )
    urgent_hours = models.PositiveSmallIntegerField(
        _("deadline for urgent cases in hours"), default=24
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("programme routing")
        verbose_name_plural = _("programme routings")
        ordering = ["program"]

    def __str__(self):
        return str(self.program)


class Application(models.Model):
    """An application for help received by the office (受理), by whatever channel."""

    class Channel(models.TextChoices):
        WINDOW = "window", _("At the window")
        PHONE = "phone", _("By telephone")
        ONLINE = "online", _("Online")
        GRID = "grid", _("Grid worker or village report")
        UNIT_REFERRAL = "unit_referral", _("Referred by a member unit")
        # A warning of the monitoring (动态监测预警) checked on the spot by a town or unit
        # that found the household needs help (主动发现, notice 002's 主动救助).
        PROACTIVE = "proactive", _("Proactive discovery (主动发现)")

    class Status(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("intake", "Received")
        REFERRED = "referred", _("Referred")
        IN_PROGRESS = "in_progress", _("In progress")
        CLOSED = "closed", pgettext_lazy("intake", "Closed")
        ANSWERED = "answered", _("Answered")
        REFUSED = "refused", _("Not accepted")

    TRANSITIONS = {
        Status.RECEIVED: {Status.REFERRED},
        Status.REFERRED: {Status.IN_PROGRESS, Status.CLOSED},
        Status.IN_PROGRESS: {Status.CLOSED},
        Status.CLOSED: {Status.ANSWERED},
        Status.ANSWERED: set(),
        Status.REFUSED: set(),
    }
    OPEN_STATUSES = (Status.RECEIVED, Status.REFERRED, Status.IN_PROGRESS, Status.CLOSED)

    number = models.CharField(pgettext_lazy("intake", "number"), max_length=20, unique=True)
    office = models.ForeignKey(
        LeadingGroup,
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    applicant_name = models.CharField(_("applicant's name"), max_length=100)
    # Blank only for an urgent case whose person cannot (yet) be identified.
    applicant_id_number = IdNumberField(_("applicant's ID number"), blank=True)
    applicant_birth_date = models.DateField(_("applicant's date of birth"), null=True, blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    town = models.CharField(_("town or subdistrict"), max_length=100, blank=True)
    hardship = models.TextField(_("hardship"))
    requested = models.TextField(_("help requested"), blank=True)
    programs = models.ManyToManyField(
        AssistanceProgram,
        verbose_name=_("assistance programmes"),
        related_name="applications",
        blank=True,
    )
    urgent = models.BooleanField(_("urgent hardship"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    refusal_reason = models.TextField(_("reason for not accepting"), blank=True)
    answer = models.TextField(_("answer to the applicant"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # 一事一议: a case the units cannot settle alone goes to a joint meeting.
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
    )

    history = HistoricalRecords(m2m_fields=[programs])

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["applicant_id_number"], name="intake_app_idnumber")]

    def __str__(self):
        return f"{self.number} {self.applicant_name}"

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES


def application_attachment_upload_to(instance, filename):
    return f"intake/{instance.application_id}/{filename}"


class ApplicationAttachment(models.Model):
    """A file handed in with an application; served only through the intake gateway."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=application_attachment_upload_to)
    name = models.CharField(_("name"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("application attachment")
        verbose_name_plural = _("application attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.name


class Referral(models.Model):
    """An application shared with one member unit (转办), as lead or assisting unit."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead unit")
        ASSIST = "assist", _("Assisting unit")

    class Ask(models.TextChoices):
        DECISION = "decision", _("A decision on assistance")
        SERVICE = "service", _("A service")
        INFORMATION = "information", _("Information")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be signed for")
        IN_PROGRESS = "in_progress", _("In progress")
        CLOSED = "closed", pgettext_lazy("intake", "Closed")
        RETURNED = "returned", _("Returned")

    class Outcome(models.TextChoices):
        GRANTED = "granted", _("Assistance granted")
        REFUSED = "refused", _("Assistance refused")
        PASSED_ON = "passed_on", _("Passed on")

    TRANSITIONS = {
        Status.PENDING: {Status.IN_PROGRESS, Status.RETURNED},
        Status.IN_PROGRESS: {Status.CLOSED, Status.RETURNED},
        Status.CLOSED: set(),
        Status.RETURNED: set(),
    }
    ACTIVE_STATUSES = (Status.PENDING, Status.IN_PROGRESS)

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="referrals",
    )
    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="referrals"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    ask = models.CharField(_("what is asked"), max_length=20, choices=Ask.choices)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("referred at"), default=timezone.now)
    deadline = models.DateTimeField(_("deadline"))
    # A flag, not a state: an overdue referral is still pending or in progress.
    overdue = models.BooleanField(_("overdue"), default=False)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed for at"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed for by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    return_reason = models.TextField(_("reason for returning"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_program = models.ForeignKey(
        AssistanceProgram,
        verbose_name=_("programme of the outcome"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    service = models.TextField(_("service provided"), blank=True)
    outcome_reason = models.TextField(_("reason"), blank=True)
    passed_to = models.TextField(_("passed on to"), blank=True)
    help_first = models.BooleanField(_("helped first"), default=False)
    help_first_note = models.TextField(_("help given first"), blank=True)
    help_first_at = models.DateTimeField(_("helped first at"), null=True, blank=True)
    verification_request = models.ForeignKey(
        VerificationRequest,
        verbose_name=_("verification request"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    # What a unit's system polls by (``updated_since``): every write of the row moves it,
    # the ``update_fields`` and ``QuerySet.update`` ones included (they name it).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["application", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "unit"],
                condition=~Q(status="returned"),
                name="referral_one_active_per_unit",
            ),
        ]

    def __str__(self):
        return f"{self.application.number} → {self.unit}"

    @property
    def is_active(self):
        return self.status in self.ACTIVE_STATUSES


class ApplicationEvent(models.Model):
    """One line of an application's timeline; ``actor`` is empty for the system."""

    class Kind(models.TextChoices):
        RECEIVED = "received", pgettext_lazy("intake", "Received")
        REFUSED = "refused", _("Not accepted")
        REFERRED = "referred", _("Referred")
        DELIVERED = "delivered", _("Delivered")
        SIGNED = "signed", _("Signed for")
        RETURNED = "returned", _("Returned")
        REROUTED = "rerouted", _("Re-routed")
        PROGRESS = "progress", _("Progress")
        HELP_FIRST = "help_first", _("Helped first")
        CLOSED = "closed", pgettext_lazy("intake", "Closed")
        ANSWERED = "answered", _("Answered")
        ON_AGENDA = "on_agenda", _("Put on a meeting's agenda")
        OVERDUE = "overdue", _("Overdue")
        CHASED = "chased", _("Chased")

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    referral = models.ForeignKey(
        Referral,
        verbose_name=_("referral"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.TextField(pgettext_lazy("intake", "text"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("application event")
        verbose_name_plural = _("application events")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.application.number} {self.get_kind_display()}"
