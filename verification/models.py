"""Household economic-status verification (居民家庭经济状况核对).

A clerk registers a household and its members and records each member's signed
authorisation (授权书). A request for the household then fans out into one
``DepartmentCheck`` per department, each answered (by the department's liaison) with one
``Finding`` per member and item the department checks. The request completes when its last
check is answered, decided in the database.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase
from simple_history.models import HistoricalRecords

from assistance.idnumbers import IdNumberField, birth_date, mask_id_number, normalize_id_number
from members.models import LeadingGroup, MemberUnit

ADULT_AGE = 18


class AssistanceType(models.TextChoices):
    DIBAO = "dibao", _("Minimum living allowance (低保)")
    TEKUN = "tekun", _("Special-hardship support (特困)")
    TEMPORARY = "temporary", _("Temporary assistance (临时救助)")
    LOW_INCOME = "low_income", _("Low-income household (低收入)")
    RECHECK = "recheck", _("Periodic re-check")


class Household(models.Model):
    """A household applying for assistance or due for a re-check."""

    office = models.ForeignKey(
        LeadingGroup, verbose_name=_("office"), on_delete=models.PROTECT, related_name="households"
    )
    address = models.CharField(_("address"), max_length=200)
    town = models.CharField(_("town or subdistrict"), max_length=60, db_index=True)
    assistance_type = models.CharField(
        _("applies for"), max_length=20, choices=AssistanceType.choices
    )
    irregular_income = models.BooleanField(
        _("irregular income"),
        default=False,
        help_text=_(
            "Households with irregular income are re-checked every 6 months, others yearly."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.town} {self.address}"

    def get_absolute_url(self):
        return reverse("verification:household_detail", kwargs={"pk": self.pk})


class HouseholdMember(models.Model):
    """A member of a household; the ID number is personal data, shown masked in lists."""

    class Relation(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        SIBLING = "sibling", _("Sibling")
        GRANDPARENT = "grandparent", _("Grandparent")
        GRANDCHILD = "grandchild", _("Grandchild")
        OTHER = "other", _("Other relative")

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="members"
    )
    name = models.CharField(_("name"), max_length=60)
    relation = models.CharField(
        _("relation to the applicant"), max_length=20, choices=Relation.choices
    )
    id_number = IdNumberField(_("ID number"), db_index=True)
    has_capacity = models.BooleanField(
        _("has full civil capacity"),
        default=True,
        help_text=_("Untick for a person without capacity: a guardian signs for them."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        ordering = ["household", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "id_number"],
                name="member_id_unique_in_household",
                violation_error_message=_("This ID number is already a member of the household."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.masked_id})"

    def clean(self):
        self.id_number = normalize_id_number(self.id_number)

    @property
    def masked_id(self):
        return mask_id_number(self.id_number)

    @property
    def birth_date(self) -> datetime.date | None:
        try:
            return birth_date(self.id_number)
        except (ValueError, IndexError):
            return None

    def age_on(self, day: datetime.date) -> int | None:
        born = self.birth_date
        if born is None:
            return None
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def needs_guardian(self) -> bool:
        """Minors and people without capacity have a guardian sign for them."""
        age = self.age_on(timezone.localdate())
        return not self.has_capacity or (age is not None and age < ADULT_AGE)


def authorization_upload_to(instance, filename):
    # Never keep the uploaded name: it may carry a person's name or ID number.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    now = timezone.now()
    return f"authorizations/{now:%Y/%m}/{instance.member_id}-{now:%H%M%S%f}.{suffix}"


class Authorization(models.Model):
    """A signed authorisation (授权书) for the office to verify a member's economic status."""

    class Signer(models.TextChoices):
        SELF = "self", _("The member")
        GUARDIAN = "guardian", _("A guardian")

    member = models.ForeignKey(
        HouseholdMember,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="authorizations",
    )
    signed_on = models.DateField(_("signed on"))
    signer = models.CharField(_("signed by"), max_length=10, choices=Signer.choices)
    guardian_name = models.CharField(_("guardian's name"), max_length=60, blank=True)
    valid_until = models.DateField(_("valid until"))
    scan = models.FileField(_("scan"), upload_to=authorization_upload_to)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("authorisation")
        verbose_name_plural = _("authorisations")
        ordering = ["member", "-signed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("signed_on")),
                name="authorization_valid_after_signing",
                violation_error_message=_("An authorisation cannot expire before it is signed."),
            ),
            models.CheckConstraint(
                condition=Q(signer="self") | ~Q(guardian_name=""),
                name="authorization_guardian_named",
                violation_error_message=_("Name the guardian who signed."),
            ),
        ]

    def __str__(self):
        return f"{self.member.name} {self.signed_on}–{self.valid_until}"

    def covers(self, day: datetime.date) -> bool:
        return self.signed_on <= day <= self.valid_until

    def clean(self):
        errors = authorization_date_errors(
            member=self.member if self.member_id else None,
            signed_on=self.signed_on,
            valid_until=self.valid_until,
        )
        if self.member_id and self.signer == self.Signer.SELF and self.member.needs_guardian:
            errors.setdefault(
                "signer", _("This member is a minor or lacks capacity: a guardian must sign.")
            )
        if errors:
            raise ValidationError(errors)


def authorization_date_errors(
    *, member: HouseholdMember | None, signed_on, valid_until
) -> dict[str, str]:
    """The impossible dates of an authorisation, by field: signed in the future or before
    the member was born, expiring before it was signed, or valid for longer than
    ``AUTHORIZATION_MAX_VALID_YEARS`` allows. Used by the model and the form alike."""
    errors = {}
    if signed_on is None or valid_until is None:
        return errors
    if signed_on > timezone.localdate():
        errors["signed_on"] = _("An authorisation cannot be signed in the future.")
    elif member is not None and member.birth_date and signed_on < member.birth_date:
        errors["signed_on"] = _(
            "The member was born on %(born)s: an authorisation cannot be signed before that."
        ) % {"born": member.birth_date.isoformat()}
    years = settings.AUTHORIZATION_MAX_VALID_YEARS
    if valid_until < signed_on:
        errors["valid_until"] = _("An authorisation cannot expire before it is signed.")
    elif valid_until > _years_after(signed_on, years):
        errors["valid_until"] = _(
            "An authorisation is valid for at most %(years)d years from its signing: "
            "until %(limit)s at the latest."
        ) % {"years": years, "limit": _years_after(signed_on, years).isoformat()}
    return errors


def _years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


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
        COMPLETED = "completed", _("Completed")
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
    history = HistoricalRecords()

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
        ]

    def __str__(self):
        return _("Verification request %(pk)s") % {"pk": self.pk}

    def get_absolute_url(self):
        return reverse("verification:request_detail", kwargs={"pk": self.pk})


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

    request = models.ForeignKey(
        VerificationRequest,
        verbose_name=_("request"),
        on_delete=models.PROTECT,
        related_name="checks",
    )
    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("department"), on_delete=models.PROTECT, related_name="checks"
    )
    items = models.ManyToManyField(VerificationItem, verbose_name=_("items"), related_name="+")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    deadline = models.DateField(_("deadline"), db_index=True)
    deadline_provisional = models.BooleanField(
        _("deadline provisional"),
        default=False,
        help_text=_("The deadline falls in a year whose official holidays are not yet entered."),
    )
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
    overdue = models.BooleanField(_("overdue"), default=False, db_index=True)
    reminded_on = models.DateField(_("last reminded"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["reminded_on"])

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
        indexes = [models.Index(fields=["unit", "status", "deadline"])]

    def __str__(self):
        return f"{self.unit} · {self.request}"

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

    department_check = models.ForeignKey(
        DepartmentCheck, verbose_name=_("check"), on_delete=models.CASCADE, related_name="findings"
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
    history = HistoricalRecords()

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


class UnitConnector(models.Model):
    """How a department answers its checks: by hand in the liaison's inbox, or
    automatically from the registry snapshot it uploads."""

    class Kind(models.TextChoices):
        MANUAL = "manual", _("Manual: the liaison answers in the browser")
        SNAPSHOT = "snapshot", _("Registry snapshot: answered automatically")

    unit = models.OneToOneField(
        MemberUnit, verbose_name=_("department"), on_delete=models.CASCADE, related_name="connector"
    )
    kind = models.CharField(
        _("connector"), max_length=20, choices=Kind.choices, default=Kind.MANUAL
    )
    max_snapshot_age_days = models.PositiveSmallIntegerField(
        _("snapshot valid for (days)"),
        default=31,
        validators=[MinValueValidator(1)],
        help_text=_("An older snapshot does not answer: the check goes to the liaison instead."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("connector")
        verbose_name_plural = _("connectors")

    def __str__(self):
        return f"{self.unit}: {self.get_kind_display()}"


def snapshot_upload_to(instance, filename):
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    now = timezone.now()
    return f"snapshots/{instance.unit_id}/{now:%Y%m%d-%H%M%S%f}.{suffix}"


class RegistrySnapshot(models.Model):
    """An extract of a department's registry (ID number plus item fields), uploaded by its
    liaison and checked row by row in a task: refused whole (with the bad lines) or
    imported, the newest imported one then being current and answering the department's
    checks. Every upload is kept, refused ones too."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Being checked")
        IMPORTED = "imported", _("Imported")
        REFUSED = "refused", _("Refused")

    # How many of a refused file's problems are kept (the count is kept in full).
    MAX_ERRORS_KEPT = 200

    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("department"), on_delete=models.PROTECT, related_name="snapshots"
    )
    taken_on = models.DateField(_("extract date"))
    file = models.FileField(_("file"), upload_to=snapshot_upload_to)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    is_current = models.BooleanField(_("current"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CHECKING
    )
    # [[line, message], …] in the site's language, line 0 for the file as a whole.
    errors = models.JSONField(_("problems"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("number of problems"), default=0)
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["errors"])

    class Meta:
        verbose_name = _("registry snapshot")
        verbose_name_plural = _("registry snapshots")
        ordering = ["unit", "-uploaded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"], condition=Q(is_current=True), name="one_current_snapshot_per_unit"
            ),
        ]

    def __str__(self):
        return f"{self.unit} {self.taken_on}"


class RegistryRecord(models.Model):
    """One row of a snapshot: what the registry holds on a person for an item."""

    snapshot = models.ForeignKey(RegistrySnapshot, on_delete=models.CASCADE, related_name="records")
    id_number = models.CharField(max_length=18)
    item = models.ForeignKey(VerificationItem, on_delete=models.PROTECT, related_name="+")
    details = models.CharField(max_length=500, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("registry record")
        verbose_name_plural = _("registry records")
        indexes = [models.Index(fields=["snapshot", "id_number"])]

    def __str__(self):
        return f"{mask_id_number(self.id_number)} {self.item_id}"
