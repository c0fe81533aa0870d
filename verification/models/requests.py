"""What is checked and the work of checking it: the item catalogue, batches, requests,
one check per department and one finding per member and item."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase
from simple_history.models import HistoricalRecords

from members.models import LeadingGroup, MemberUnit

from .register import AssistanceType, Household, HouseholdMember


class ItemMeaning(models.TextChoices):
    """What a record found for an item means beyond the report (``VerificationItem.meaning``)."""

    DEATH = "death", _("The person has died")
    INCOME = "income", _("Income (yuan over 12 months)")
    PROPERTY = "property", _("Property (yuan)")
    # What the monitoring rules and the hardship score read (monitoring.facts).
    DISABILITY = "disability", _("Registered disabled (disability certificate)")
    ILLNESS = "illness", _("Severe or chronic illness")
    UNEMPLOYED = "unemployed", _("Registered unemployed")
    HOSPITAL = "hospital", _("In hospital (amount: out-of-pocket costs in yuan)")
    SCHOOL = "school", _("Enrolled at school")
    HOUSING = "housing", _("Housing hardship")


class VerificationItem(models.Model):
    """What one department checks for every household member (e.g. private cars, business
    licences, tax paid). Configured in the admin; seeded from Huangchuan's and Mentougou's
    duties."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("checked by"),
        on_delete=models.PROTECT,
        related_name="verification_items",
    )
    description = models.TextField(_("what the department checks"), blank=True)
    bears_on_eligibility = models.BooleanField(
        _("bears on eligibility"),
        default=True,
        help_text=_("A record found for this item is highlighted in the report."),
    )
    has_amount = models.BooleanField(_("has an amount"), default=False)
    # What a record found means to the rules read over the findings and the registry
    # extracts (the ledger's conflict lists, the warnings, the hardship score): nothing,
    # the person's death (公安: 死亡未注销户口), an amount that counts as income or property
    # against the local standard, or a fact about the person (disability, illness,
    # unemployment, a stay in hospital, school, housing).
    meaning = models.CharField(
        _("a record means"),
        max_length=20,
        choices=ItemMeaning.choices,
        blank=True,
        help_text=_(
            "Death: a record found shows the person has died. Income: the amount is the "
            "person's income over the last 12 months. Property: the amount is the value "
            "of the person's property. The others are facts the warning rules and the "
            "hardship score read (a stay in hospital: the amount is what the person paid)."
        ),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("verification item")
        verbose_name_plural = _("verification items")
        ordering = ["unit__order", "order", "pk"]

    def __str__(self):
        return self.name


class VerificationBatch(models.Model):
    """A cohort of households re-verified together (e.g. every 低保 household of a town
    due for its yearly re-check), processed per department in chunks."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        # Every department has been given its checks (answered from a snapshot, or in a
        # liaison's inbox): not that every household's verification is complete, which
        # the batch's requests say (see batches.progress.batch_phase).
        COMPLETED = "completed", _("Sent to every department")
        CANCELLED = "cancelled", _("Cancelled")

    office = models.ForeignKey(
        LeadingGroup, verbose_name=_("office"), on_delete=models.PROTECT, related_name="batches"
    )
    assistance_type = models.CharField(
        _("assistance type"), max_length=20, choices=AssistanceType.choices, blank=True
    )
    town = models.CharField(_("town or subdistrict"), max_length=60, blank=True)
    due_only = models.BooleanField(_("only households due for re-check"), default=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RUNNING, db_index=True
    )
    household_count = models.PositiveIntegerField(_("households"), default=0)
    skipped_count = models.PositiveIntegerField(
        _("households skipped (authorisation missing)"), default=0
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("submitted"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("verification batch")
        verbose_name_plural = _("verification batches")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return _("Batch %(pk)s") % {"pk": self.pk}

    def get_absolute_url(self):
        return reverse("verification:batch_detail", kwargs={"pk": self.pk})


class BatchTask(models.Model):
    """One task of a batch as the workers run it: its preparation (no unit) or one
    department's share. Records when its message reached the broker, when a worker took
    it and, after every chunk, that the worker is still at it: work whose message never
    left (the broker was down) or whose worker stopped showing progress (killed mid-batch)
    is re-sent by the stall sweep within a minute, and the batch's page says so."""

    batch = models.ForeignKey(
        VerificationBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="tasks"
    )
    unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent to the queue"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    beat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    resent = models.PositiveIntegerField(_("times re-sent"), default=0)

    class Meta:
        verbose_name = _("batch task")
        verbose_name_plural = _("batch tasks")
        constraints = [
            models.UniqueConstraint(fields=["batch", "unit"], name="one_task_per_department"),
            models.UniqueConstraint(
                fields=["batch"], condition=Q(unit__isnull=True), name="one_preparation_per_batch"
            ),
        ]

    def __str__(self):
        part = self.unit or _("preparation")
        return f"{self.batch} · {part}"


class VerificationRequest(models.Model):
    """A request to verify one household's economic status across departments."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="requests"
    )
    batch = models.ForeignKey(
        VerificationBatch,
        verbose_name=_("batch"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
    )
    assistance_type = models.CharField(_("for"), max_length=20, choices=AssistanceType.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now, db_index=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # Exactly the members whose signed authorisation covered them when the request was
    # filed: the departments see, and answer for, these and no one else. A member added to
    # the household later needs a new request.
    members = models.ManyToManyField(
        HouseholdMember, verbose_name=_("members covered"), related_name="requests", blank=True
    )
    # A request's history is read by request and by date (verification.request_status);
    # the indexes simple-history would copy from the other fields are written, never read.
    history = HistoricalRecords(
        no_db_index=["status", "submitted_at", "requested_by", "household", "batch"]
    )

    class Meta:
        verbose_name = _("verification request")
        verbose_name_plural = _("verification requests")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="completed", completed_at__isnull=False)
                | ~Q(status="completed"),
                name="completed_request_has_time",
            ),
            # A household has at most one request under way, however the requests were
            # filed (one by one, or by batches submitted a moment apart): the database
            # refuses the second, so no department is ever asked twice.
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(status="submitted"),
                name="one_request_under_way_per_household",
                violation_error_message=_("This household already has a verification under way."),
            ),
        ]

    def __str__(self):
        return _("Verification request %(pk)s") % {"pk": self.pk}

    def get_absolute_url(self):
        return reverse("verification:request_detail", kwargs={"pk": self.pk})


# Fields a write may change without the check counting as changed for its department:
# the office's own bookkeeping of sending and reminding (kept out of history as well).
BOOKKEEPING = frozenset({"sent_at", "reminded_on"})


class DepartmentCheckQuerySet(models.QuerySet):
    """Set-based writes move ``updated_at`` as ``save()`` does (``auto_now`` only acts in
    ``save()``): a department's system polling with ``updated_since`` sees a check answered
    by a connector, cancelled with its batch or marked overdue by a sweep. Writes of the
    bookkeeping fields alone leave it."""

    def update(self, **kwargs):
        if "updated_at" not in kwargs and not set(kwargs) <= BOOKKEEPING:
            kwargs["updated_at"] = timezone.now()
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        fields = list(fields)
        if "updated_at" not in fields and not set(fields) <= BOOKKEEPING:
            now = timezone.now()
            for obj in objs:
                obj.updated_at = now
            fields.append("updated_at")
        return super().bulk_update(objs, fields, batch_size=batch_size)


class DepartmentCheck(models.Model):
    """One department's part of a request: what it found on every member for the items it
    checks, answered by a deadline counted in working days."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        DELIVERED = "delivered", _("Awaiting answer")
        RETURNED = "returned", _("Returned with a question")
        ANSWERED = "answered", _("Answered")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN = (Status.QUEUED, Status.DELIVERED, Status.RETURNED)

    # Allowed transitions, in one place: status -> statuses it may move to.
    TRANSITIONS = {
        Status.QUEUED: {Status.DELIVERED, Status.ANSWERED, Status.RETURNED, Status.CANCELLED},
        Status.DELIVERED: {Status.ANSWERED, Status.RETURNED, Status.CANCELLED},
        Status.RETURNED: {Status.DELIVERED, Status.CANCELLED},
        Status.ANSWERED: set(),
        Status.CANCELLED: set(),
    }

    # Neither key has an index of its own: the unique constraint (request, unit) and the
    # index (unit, status, deadline) start with them.
    request = models.ForeignKey(
        VerificationRequest,
        verbose_name=_("request"),
        on_delete=models.PROTECT,
        related_name="checks",
        db_index=False,
    )
    unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="checks",
        db_index=False,
    )
    items = models.ManyToManyField(VerificationItem, verbose_name=_("items"), related_name="+")
    # Indexed for the open checks only (``check_open`` below).
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    deadline = models.DateField(_("deadline"), db_index=True)
    deadline_provisional = models.BooleanField(
        _("deadline provisional"),
        default=False,
        help_text=_("The deadline falls in a year whose official holidays are not yet entered."),
    )
    # When the check's message reached the broker (a request's own checks; a batch's are
    # sent per department, see BatchTask): a queued check without it waits to be sent.
    sent_at = models.DateTimeField(_("sent to the queue"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    fallback_reason = models.CharField(
        _("why the connector did not answer"), max_length=300, blank=True
    )
    question = models.TextField(_("question to the office"), blank=True)
    reply = models.TextField(_("the office's reply"), blank=True)
    # No index of its own: the partial index below holds the few open checks marked
    # overdue, where an index of the flag held an entry for every check.
    overdue = models.BooleanField(_("overdue"), default=False)
    reminded_on = models.DateField(_("last reminded"), null=True, blank=True)
    # When anything a reader of the check sees last changed (``updated_since`` in the API):
    # save() sets it, and so do set-based writes (DepartmentCheckQuerySet, and the
    # answering engine's own UPDATE in verification.answering.move_queued).
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)
    # Read by check, by request and by date (verification.request_status); no other index.
    history = HistoricalRecords(
        excluded_fields=["reminded_on", "sent_at", "updated_at"],
        no_db_index=["status", "deadline", "overdue", "answered_by", "unit"],
    )

    objects = DepartmentCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("department check")
        verbose_name_plural = _("department checks")
        ordering = ["deadline", "pk"]
        permissions = [("answer_departmentcheck", _("Can answer a department check"))]
        constraints = [
            models.UniqueConstraint(fields=["request", "unit"], name="one_check_per_department"),
            models.CheckConstraint(
                condition=Q(status="answered", answered_at__isnull=False) | ~Q(status="answered"),
                name="answered_check_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status", "deadline"]),
            # The office's open checks, the checks a batch still has queued, the sweeps:
            # the few open checks among millions answered. Where every status was indexed
            # (and again for LIKE), answering a check wrote two index entries more, and
            # a batch answers hundreds of thousands at once.
            models.Index(
                fields=["status"],
                condition=Q(status__in=["queued", "delivered", "returned"]),
                name="check_open",
            ),
            # The overdue list, its counts per unit and the sweeps: open checks marked
            # overdue, a few thousand among millions (read index-only).
            models.Index(
                fields=["unit", "deadline", "id"],
                condition=Q(overdue=True, status__in=["queued", "delivered", "returned"]),
                name="check_open_overdue",
            ),
            # A liaison's "answered lately": the unit's newest answers, without sorting
            # every answer the unit ever gave (160 ms at 200,000 of them, loaded below 1).
            models.Index(
                "unit",
                models.F("answered_at").desc(),
                condition=Q(status="answered"),
                name="check_answered_lately",
            ),
        ]

    def __str__(self):
        return f"{self.unit} · {self.request}"

    def save(self, *args, **kwargs):
        # auto_now writes the field only when save() writes it: a save of some fields
        # (update_fields) that a reader sees writes it too.
        fields = kwargs.get("update_fields")
        if fields is not None and not set(fields) <= BOOKKEEPING:
            kwargs["update_fields"] = {*fields, "updated_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("verification:check_detail", kwargs={"pk": self.pk})

    @property
    def is_open(self):
        return self.status in self.OPEN

    def can_move_to(self, status) -> bool:
        return status in self.TRANSITIONS[self.Status(self.status)]


class DepartmentCheckGroupObjectPermission(GroupObjectPermissionBase):
    """Guardian object permissions on checks, with a direct foreign key (fast joins)."""

    content_object = models.ForeignKey(DepartmentCheck, on_delete=models.CASCADE)


class Finding(models.Model):
    """What a department found on one member for one item."""

    class Result(models.TextChoices):
        NO_RECORD = "no_record", _("No record")
        RECORD_FOUND = "record_found", _("Record found")

    # No index of its own: the unique constraint's index starts with it.
    department_check = models.ForeignKey(
        DepartmentCheck,
        verbose_name=_("check"),
        on_delete=models.CASCADE,
        related_name="findings",
        db_index=False,
    )
    member = models.ForeignKey(
        HouseholdMember, verbose_name=_("member"), on_delete=models.PROTECT, related_name="findings"
    )
    item = models.ForeignKey(
        VerificationItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="findings"
    )
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    details = models.CharField(_("details"), max_length=500, blank=True)
    amount = models.DecimalField(
        _("amount (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    snapshot = models.ForeignKey(
        "RegistrySnapshot",
        verbose_name=_("from snapshot"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Set when the department's registry snapshot answered, not a person."),
    )
    # Read by finding, by check and by date (corrections, the check's timeline); no other.
    history = HistoricalRecords(no_db_index=["member", "item", "snapshot"])

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["member", "item__order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["department_check", "member", "item"],
                name="one_finding_per_member_and_item",
            ),
        ]

    def __str__(self):
        return f"{self.member.name} · {self.item} · {self.get_result_display()}"

    @property
    def is_highlighted(self):
        return self.result == self.Result.RECORD_FOUND and self.item.bears_on_eligibility
