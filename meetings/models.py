"""Joint meetings (联席会议): the yearly plan, agenda items (提报议题) submitted by units,
reviewed by the office director and approved by the convener; attendance; the minutes
(会议纪要) drafted, reviewed, consented to by the attending units, signed and issued; and
the decisions (议定事项) followed up until done (督促落实).

Allowed status changes live in one ``TRANSITIONS`` dict per model; the services refuse
anything else.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.models import LeadingGroup, MemberUnit


class Meeting(models.Model):
    """One meeting of a group: planned, its agenda approved and published, held."""

    class Kind(models.TextChoices):
        KICKOFF = "kickoff", _("Annual kick-off meeting")
        REGULAR = "regular", _("Regular coordination meeting")
        SPECIAL = "special", _("Special-topic meeting")
        CASE = "case", _("Case consultation")
        YEAR_END = "year_end", _("Year-end review meeting")
        LIAISON = "liaison", _("Liaison meeting")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned: collecting agenda items")
        AGENDA_APPROVED = "agenda_approved", _("Agenda approved and published")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.PLANNED: {Status.AGENDA_APPROVED, Status.CANCELLED},
        Status.AGENDA_APPROVED: {Status.HELD, Status.CANCELLED},
        Status.HELD: set(),
        Status.CANCELLED: set(),
    }

    group = models.ForeignKey(
        LeadingGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="meetings"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(pgettext_lazy("heading of a meeting or item", "title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    convener = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("convener"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    invited_units = models.ManyToManyField(
        MemberUnit, verbose_name=_("invited units"), related_name="meetings", blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    agenda_approved_at = models.DateTimeField(_("agenda approved"), null=True, blank=True)
    agenda_published_at = models.DateTimeField(_("agenda published"), null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[invited_units], excluded_fields=["agenda_published_at"])

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_at", "pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("meetings:meeting_detail", kwargs={"pk": self.pk})


class AgendaItem(models.Model):
    """An item a unit proposes for a meeting's agenda (提报议题)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for review")
        ACCEPTED = "accepted", _("Accepted by the office director")
        RETURNED = "returned", _("Returned with comments")
        REJECTED = "rejected", _("Rejected")
        APPROVED = "approved", _("On the approved agenda")

    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.ACCEPTED, Status.RETURNED, Status.REJECTED},
        Status.RETURNED: {Status.SUBMITTED},
        Status.ACCEPTED: {Status.APPROVED},
        Status.REJECTED: set(),
        Status.APPROVED: set(),
    }

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="agenda_items"
    )
    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("submitted by unit"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(pgettext_lazy("heading of a meeting or item", "title"), max_length=200)
    background = models.TextField(_("background"))
    proposal = models.TextField(_("proposal"))
    decision_requested = models.TextField(_("decision requested"))
    household = models.ForeignKey(
        "verification.Household",
        verbose_name=_("household concerned"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For a case consultation: the household the item is about."),
    )
    # Where an item put on the agenda by another part of the application came from (e.g.
    # an intake application's page, 一事一议), so the meeting's pages link back to it.
    origin_url = models.CharField(_("comes from"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    review_comment = models.TextField(_("review comments"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "order", "pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("meetings:item_detail", kwargs={"pk": self.pk})


def attachment_upload_to(instance, filename):
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    now = timezone.now()
    return f"meetings/{now:%Y/%m}/{now:%d%H%M%S%f}.{suffix}"


class Attachment(models.Model):
    """A file attached to an agenda item or to a progress update of a decision."""

    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    update = models.ForeignKey(
        "DecisionUpdate",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to=attachment_upload_to)
    name = models.CharField(_("name"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.CheckConstraint(
                condition=Q(agenda_item__isnull=False, update__isnull=True)
                | Q(agenda_item__isnull=True, update__isnull=False),
                name="attachment_has_one_owner",
            ),
        ]

    def __str__(self):
        return self.name


class Attendance(models.Model):
    """Who attended for an invited unit."""

    class Presence(models.TextChoices):
        PRESENT = "present", _("Present")
        DELEGATED = "delegated", _("Delegated")
        ABSENT = "absent", _("Absent")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendance"
    )
    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    presence = models.CharField(_("presence"), max_length=20, choices=Presence.choices)
    attendee_name = models.CharField(_("attendee"), max_length=60, blank=True)
    attendee_title = models.CharField(_("attendee's title"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["meeting", "unit__order"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "unit"], name="one_attendance_per_unit"),
            models.CheckConstraint(
                condition=Q(presence="absent") | ~Q(attendee_name=""),
                name="attendance_names_who_came",
                violation_error_message=_("Name who attended for the unit."),
            ),
        ]

    def __str__(self):
        return f"{self.unit}: {self.get_presence_display()}"


class Minutes(models.Model):
    """The minutes of a meeting. Every version is kept (history); once signed they are
    locked."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("With the office director for review")
        CIRCULATED = "circulated", _("Circulated to the attending units")
        SIGNED = "signed", _("Signed by the convener")
        ISSUED = "issued", _("Issued")

    TRANSITIONS = {
        Status.DRAFT: {Status.IN_REVIEW},
        Status.IN_REVIEW: {Status.CIRCULATED, Status.DRAFT},
        Status.CIRCULATED: {Status.SIGNED, Status.DRAFT},
        Status.SIGNED: {Status.ISSUED},
        Status.ISSUED: set(),
    }
    EDITABLE = (Status.DRAFT,)

    meeting = models.OneToOneField(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="minutes"
    )
    document_number = models.CharField(_("document number"), max_length=60, blank=True)
    text = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    review_comment = models.TextField(_("review comments"), blank=True)
    consent_deadline = models.DateField(_("consent by"), null=True, blank=True)
    consent_deadline_provisional = models.BooleanField(default=False)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    reported_to_government_at = models.DateTimeField(
        _("reported to the government"), null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["signed", "issued"]) | Q(signed_at__isnull=False),
                name="signed_minutes_have_signature_time",
            ),
        ]

    def __str__(self):
        return _("Minutes of %(meeting)s") % {"meeting": self.meeting}

    def get_absolute_url(self):
        return reverse("meetings:minutes_detail", kwargs={"pk": self.pk})

    @property
    def locked(self):
        return self.status in (self.Status.SIGNED, self.Status.ISSUED)

    @property
    def draft_mark(self) -> str:
        """The mark on minutes not yet signed (page and Word file): the stage in brackets,
        unless the stage is the draft itself (not “Draft (Draft)”)."""
        if self.status == self.Status.DRAFT:
            return gettext("Draft: not an issued document.")
        return gettext("Draft (%(status)s): not an issued document.") % {
            "status": self.get_status_display()
        }


class OnBehalf(models.Model):
    """An answer the office recorded for a unit (a unit with no liaison in the application
    answers by phone, on paper or in person): how it came, who gave it and when. Empty when
    the unit's own liaison answered."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("By phone")
        PAPER = "paper", _("On paper (signed form or letter)")
        IN_PERSON = "in_person", _("In person")
        OTHER = "other", _("Other")

    via = models.CharField(_("received"), max_length=20, choices=Channel.choices, blank=True)
    given_by = models.CharField(_("given by"), max_length=100, blank=True)
    given_on = models.DateField(_("given on"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def on_behalf(self) -> bool:
        return bool(self.via)


class MinutesResponse(OnBehalf):
    """An attending unit's answer to circulated minutes: consent or comments."""

    class Answer(models.TextChoices):
        PENDING = "pending", _("Not yet answered")
        CONSENTED = "consented", _("Consented")
        COMMENTED = "commented", _("Commented")

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="responses")
    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    answer = models.CharField(
        _("answer"), max_length=20, choices=Answer.choices, default=Answer.PENDING
    )
    comment = models.TextField(_("comments"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("response to minutes")
        verbose_name_plural = _("responses to minutes")
        ordering = ["minutes", "unit__order"]
        constraints = [
            models.UniqueConstraint(fields=["minutes", "unit"], name="one_response_per_unit"),
        ]

    def __str__(self):
        return f"{self.unit}: {self.get_answer_display()}"


class MinutesReceipt(OnBehalf):
    """A member unit's acknowledgement that it received the issued minutes."""

    minutes = models.ForeignKey(Minutes, on_delete=models.CASCADE, related_name="receipts")
    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("receipt of minutes")
        verbose_name_plural = _("receipts of minutes")
        ordering = ["minutes", "unit__order"]
        constraints = [
            models.UniqueConstraint(fields=["minutes", "unit"], name="one_receipt_per_unit"),
        ]

    def __str__(self):
        return str(self.unit)


class Decision(models.Model):
    """A decision taken at a meeting (议定事项), with a lead unit and a deadline in working
    days, followed up by the office until closed."""

    class Status(models.TextChoices):
        OPEN = "open", _("In progress")
        REPORTED_DONE = "reported_done", _("Reported done, awaiting the office")
        CLOSED = "closed", _("Closed")

    TRANSITIONS = {
        Status.OPEN: {Status.REPORTED_DONE, Status.CLOSED},
        Status.REPORTED_DONE: {Status.CLOSED, Status.OPEN},
        Status.CLOSED: set(),
    }

    minutes = models.ForeignKey(
        Minutes, verbose_name=_("minutes"), on_delete=models.PROTECT, related_name="decisions"
    )
    text = models.TextField(_("decision"))
    lead_unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("lead unit"),
        on_delete=models.PROTECT,
        related_name="led_decisions",
    )
    cooperating_units = models.ManyToManyField(
        MemberUnit,
        verbose_name=_("cooperating units"),
        related_name="cooperating_decisions",
        blank=True,
    )
    # The agenda item the decision settles, where it settles one (a case's 一事一议).
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item decided"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions",
    )
    working_days = models.PositiveSmallIntegerField(_("working days to complete"), default=20)
    deadline = models.DateField(_("deadline"), null=True, blank=True, db_index=True)
    deadline_provisional = models.BooleanField(default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Why the office closed a decision its lead unit never reported done (kept in history).
    close_reason = models.TextField(_("reason for closing without a report"), blank=True)
    reminded_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[cooperating_units], excluded_fields=["reminded_on"])

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["minutes", "order", "pk"]

    def __str__(self):
        return self.text[:60]

    def get_absolute_url(self):
        return reverse("meetings:decision_detail", kwargs={"pk": self.pk})

    def is_overdue(self, today) -> bool:
        return (
            self.status != self.Status.CLOSED
            and self.deadline is not None
            and self.deadline < today
        )


class DecisionUpdate(models.Model):
    """A unit's progress report on a decision."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="updates")
    # Null for the office's own notes (e.g. why it sent the decision back).
    unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("progress"))
    reports_done = models.BooleanField(_("reports the decision done"), default=False)
    created_at = models.DateTimeField(_("reported"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["decision", "created_at", "pk"]

    def __str__(self):
        return self.text[:60]
