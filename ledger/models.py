"""The assistance ledger (救助台账): every unit's assistance to a household or one of its
members, in one place (notice 002: 实施主动救助; units keep their beneficiaries' basic
information up to date).

An entry is entered or edited by the unit's liaison, made from a referral its unit closed
as granted, or imported from the unit's monthly file (CSV or XLSX in the published
template), which replaces that unit's month as a whole. Rules between programmes ("A and
B exclude each other", "A requires B") are configured in the admin and read set-based with
the conflict lists; the local standard (当地标准) is what a household's last verification is
measured against.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from intake.models import Referral
from members.models import AssistanceProgram, LeadingGroup, MemberUnit
from verification.models import Household, HouseholdMember


class ProgramRule(models.Model):
    """A rule between two programmes of one group, checked on every change of the ledger:
    ``excludes`` (the two are never received at once, e.g. 低保 and 特困供养) or
    ``requires`` (the programme is received only with the other, over the same time), for
    the same household or the same person."""

    class Kind(models.TextChoices):
        EXCLUDES = "excludes", _("excludes")
        REQUIRES = "requires", _("requires")

    class Scope(models.TextChoices):
        HOUSEHOLD = "household", _("the same household")
        PERSON = "person", _("the same person")

    program = models.ForeignKey(
        AssistanceProgram,
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="ledger_rules",
        db_index=False,  # ledger_rule_unique leads with it
    )
    kind = models.CharField(_("rule"), max_length=10, choices=Kind.choices)
    other = models.ForeignKey(
        AssistanceProgram,
        verbose_name=_("other programme"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # a handful of rules, read whole
    )
    scope = models.CharField(
        _("for"), max_length=10, choices=Scope.choices, default=Scope.HOUSEHOLD
    )
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(
        _("basis"), max_length=200, blank=True, help_text=_("The policy the rule comes from.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("programme rule")
        verbose_name_plural = _("programme rules")
        ordering = ["program", "kind", "other"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "kind", "other", "scope"],
                name="ledger_rule_unique",
                violation_error_message=_("This rule exists already."),
            ),
            models.CheckConstraint(
                condition=~Q(program=models.F("other")),
                name="ledger_rule_two_programmes",
                violation_error_message=_("A rule is between two different programmes."),
            ),
        ]

    def __str__(self):
        return f"{self.program} {self.get_kind_display()} {self.other} ({self.get_scope_display()})"

    def clean(self):
        if self.program_id and self.other_id and self.program.group_id != self.other.group_id:
            raise ValidationError({"other": _("Both programmes must belong to the same group.")})


class LocalStandard(models.Model):
    """The local standard (当地标准) a group's office applies from a date: the 低保 line of
    income per person per month, and the property a person may hold. A household whose
    last verification found more, per person, is listed to the office."""

    office = models.ForeignKey(
        LeadingGroup,
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        related_name="local_standards",
        db_index=False,  # ledger_standard_one_per_day leads with it
    )
    valid_from = models.DateField(_("in force from"))
    income_per_head_month = models.DecimalField(
        _("income per person per month (yuan)"),
        max_digits=10,
        decimal_places=2,
        help_text=_("The local minimum living allowance line (低保标准)."),
    )
    property_per_head = models.DecimalField(
        _("property per person (yuan)"),
        max_digits=14,
        decimal_places=2,
        help_text=_("The most a person of an assisted household may hold."),
    )
    document = models.CharField(_("set by document"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("local standard")
        verbose_name_plural = _("local standards")
        ordering = ["office", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "valid_from"],
                name="ledger_standard_one_per_day",
                violation_error_message=_("This office has a standard from that day already."),
            ),
            models.CheckConstraint(
                condition=Q(income_per_head_month__gt=0) & Q(property_per_head__gt=0),
                name="ledger_standard_positive",
                violation_error_message=_("A standard is more than zero."),
            ),
        ]

    def __str__(self):
        return f"{self.office} {self.valid_from}"


def ledger_import_upload_to(instance, filename):
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    now = timezone.now()
    return f"ledger/{instance.unit_id}/{instance.month:%Y%m}-{now:%Y%m%d-%H%M%S%f}.{suffix}"


class LedgerImport(models.Model):
    """A unit's monthly file of assistance, kept at once and checked row by row in a task:
    refused whole (every bad line kept) or imported, replacing the entries of the unit's
    earlier imports for that month in one transaction. Every upload is kept."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Being checked")
        IMPORTED = "imported", _("Imported")
        REFUSED = "refused", _("Refused")
        REPLACED = "replaced", _("Replaced by a later file")

    MAX_ERRORS_KEPT = 500

    unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="ledger_imports",
        db_index=False,  # the constraint's and the list's index below lead with the unit
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    file = models.FileField(_("file"), upload_to=ledger_import_upload_to)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CHECKING
    )
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    # [[line, message], …]: line 0 for the file as a whole; a message is a notice
    # (assistance.notices), rendered in the reader's language.
    errors = models.JSONField(_("problems"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("number of problems"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # nobody looks files up by who uploaded them
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    # The uploader's language: what the file-level problems read by the shared file
    # reader are written in.
    language = models.CharField(max_length=10, blank=True)
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["errors"])

    class Meta:
        verbose_name = _("ledger import")
        verbose_name_plural = _("ledger imports")
        ordering = ["unit", "-uploaded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "month"],
                condition=Q(status="imported"),
                name="ledger_one_import_per_unit_month",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "-uploaded_at"], name="ledger_import_unit"),
            models.Index(
                fields=["uploaded_at"],
                condition=Q(status="checking"),
                name="ledger_import_waiting",
            ),
        ]

    def __str__(self):
        return f"{self.unit} {self.month:%Y-%m}"


class LedgerEntry(models.Model):
    """What one unit gives one household (and, where it applies, one member of it) under
    one programme: an amount in yuan (each month, or once in total) and/or a service, over
    a period whose end may be open, on a decision document."""

    class Source(models.TextChoices):
        ENTERED = "entered", _("Entered by the unit")
        REFERRAL = "referral", _("From a granted referral")
        IMPORT = "import", _("Monthly import")
        API = "api", _("The unit's system")

    class AmountPer(models.TextChoices):
        MONTH = "month", _("per month")
        TOTAL = "total", _("in total")

    unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        db_index=False,  # ledger_entry_unit leads with it
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    member = models.ForeignKey(
        HouseholdMember,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        help_text=_("Blank when the assistance goes to the household as a whole."),
    )
    program = models.ForeignKey(
        AssistanceProgram,
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        db_index=False,  # ledger_entry_program leads with it
    )
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    amount_per = models.CharField(
        _("amount paid"), max_length=10, choices=AmountPer.choices, default=AmountPer.MONTH
    )
    service = models.CharField(_("service"), max_length=300, blank=True)
    period_from = models.DateField(_("from"))
    period_to = models.DateField(_("until"), null=True, blank=True, help_text=_("Blank: open."))
    document_number = models.CharField(_("decision document"), max_length=100, blank=True)
    source = models.CharField(_("how recorded"), max_length=10, choices=Source.choices)
    referral = models.ForeignKey(
        Referral,
        verbose_name=_("referral"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        db_index=False,  # the partial unique constraint below indexes it
    )
    ledger_import = models.ForeignKey(
        LedgerImport,
        verbose_name=_("imported from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
    )
    end_reason = models.CharField(_("reason for ending"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # nobody looks entries up by who entered them
    )
    created_at = models.DateTimeField(_("entered"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-period_from", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_to__isnull=True) | Q(period_to__gte=models.F("period_from")),
                name="ledger_entry_period_ordered",
                violation_error_message=_("The period cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0),
                name="ledger_entry_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=False) | ~Q(service=""),
                name="ledger_entry_amount_or_service",
                violation_error_message=_("Give an amount, a service or both."),
            ),
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(referral__isnull=False),
                name="ledger_entry_one_per_referral",
                violation_error_message=_("This referral is in the ledger already."),
            ),
        ]
        indexes = [
            # A unit's own list, newest first.
            models.Index(fields=["unit", "-period_from"], name="ledger_entry_unit"),
            # The rules' self-join: entries of a programme, by household.
            models.Index(fields=["program", "household"], name="ledger_entry_program"),
        ]

    def __str__(self):
        return f"{self.program} · {self.unit} · {self.period_from}"

    def runs_on(self, day) -> bool:
        return self.period_from <= day and (self.period_to is None or self.period_to >= day)
