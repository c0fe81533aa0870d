"""Monitoring and early warning (动态监测预警) and the hardship score (困难程度).

The office's warning rules read what the application already holds (the departments'
registry extracts, the findings of each household's last verification, the assistance
ledger, the register's household facts); each active rule is evaluated set-based and
raises a graded warning (红/橙/黄) once per person or household and period, checked on
the spot (入户核实) within a deadline in working days by the town or unit the office
assigns it to. A visit that finds the household needs help turns the warning into an
application at intake (channel 主动发现).

The hardship score of a household is the sum of the points its configured indicators
give, each point stored with the record it came from (a registry record, a finding, a
verification request, a member), so a clerk can explain every score to the family.
"""

import string

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from intake.models import Application
from members.models import LeadingGroup, MemberUnit
from verification.models import AssistanceType, Household, HouseholdMember


class RuleKind(models.TextChoices):
    """The fixed set of rules the code knows how to evaluate (``monitoring.rules``)."""

    DISABILITY_NEW = "disability_new", _("A member newly registered disabled")
    UNEMPLOYED = "unemployed", _("A member registered unemployed")
    HOSPITAL_COSTS = "hospital_costs", _("A member in hospital with large out-of-pocket costs")
    DEATH = "death", _("A death in the household")
    INCOME_UNDER_STANDARD = (
        "income_under_standard",
        _("Verified income per head under the local standard, and no assistance"),
    )
    SCHOOL_START = "school_start", _("A child starting school in a low-income household")
    ELDERLY_ALONE = "elderly_alone", _("An elderly person living alone")


# The kinds whose warning is about the household as a whole (no member).
HOUSEHOLD_KINDS = frozenset({RuleKind.INCOME_UNDER_STANDARD})

# Which parameters each kind reads, with their defaults (blank in the admin: the default).
RULE_PARAMETERS = {
    RuleKind.DISABILITY_NEW: {"within_days": 90},
    RuleKind.UNEMPLOYED: {},
    RuleKind.HOSPITAL_COSTS: {"within_days": 180, "min_amount": 20000},
    RuleKind.DEATH: {"within_days": 180},
    RuleKind.INCOME_UNDER_STANDARD: {"share_of_standard": 100},
    RuleKind.SCHOOL_START: {
        "within_days": 120,
        "household_types": [AssistanceType.LOW_INCOME, AssistanceType.DIBAO, AssistanceType.TEKUN],
    },
    RuleKind.ELDERLY_ALONE: {"min_age": 70},
}

# What a reason template may say, filled in from the warning when it is shown.
PLACEHOLDERS = ("name", "age", "town", "address", "date", "amount", "line", "details")


class Grade(models.IntegerChoices):
    RED = 1, _("Red")
    ORANGE = 2, _("Orange")
    YELLOW = 3, _("Yellow")


class Period(models.TextChoices):
    """How often a cause that persists raises its warning again, once the last one is
    closed: a warning is unique per person (or household), rule and period."""

    MONTH = "month", _("Monthly")
    QUARTER = "quarter", _("Quarterly")
    YEAR = "year", _("Yearly")


def period_start(period: str, day):
    if period == Period.MONTH:
        return day.replace(day=1)
    if period == Period.QUARTER:
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


def template_problem(template: str) -> str | None:
    """What is wrong with a reason template (an unknown ``{placeholder}``, a stray brace),
    or None."""
    try:
        fields = [name for _text, name, _spec, _conv in string.Formatter().parse(template)]
    except ValueError:
        return str(_("A brace is not closed: write placeholders as {name}."))
    unknown = sorted({name for name in fields if name is not None and name not in PLACEHOLDERS})
    if unknown:
        return str(
            _("Unknown placeholder %(names)s: use %(allowed)s.")
            % {
                "names": ", ".join(f"{{{name}}}" for name in unknown),
                "allowed": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
            }
        )
    return None


class WarningRule(models.Model):
    """A warning rule of an office: what raises it (``kind``, with its parameters), how
    grave it is, the working days the on-the-spot check has, and the reason a warning
    gives in plain language. Configured by the system administrator in the admin."""

    office = models.ForeignKey(
        LeadingGroup, verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("what raises it"), max_length=30, choices=RuleKind.choices)
    grade = models.PositiveSmallIntegerField(_("grade"), choices=Grade.choices)
    deadline_days = models.PositiveSmallIntegerField(
        _("working days for the on-the-spot check"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    period = models.CharField(
        _("raised again"), max_length=10, choices=Period.choices, default=Period.QUARTER
    )
    reason_template = models.TextField(
        _("reason"),
        help_text=_(
            "What the warning says, in plain language. It may name {name}, {age}, {town}, "
            "{address}, {date} (of the record), {amount}, {line} (the local standard) and "
            "{details} (the record's details)."
        ),
    )
    within_days = models.PositiveSmallIntegerField(
        _("recorded within (days)"),
        null=True,
        blank=True,
        help_text=_(
            "New disability, a death, a child starting school: first recorded this many "
            "days ago or later (blank: 90, 180, 120); a stay in hospital: recorded within "
            "(blank: 180)."
        ),
    )
    min_amount = models.DecimalField(
        _("amount from (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("A stay in hospital: out-of-pocket costs from (blank: 20,000)."),
    )
    min_age = models.PositiveSmallIntegerField(
        _("age from"),
        null=True,
        blank=True,
        help_text=_("An elderly person living alone: aged from (blank: 70)."),
    )
    share_of_standard = models.PositiveSmallIntegerField(
        _("share of the local standard (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(300)],
        help_text=_(
            "Income under the standard: income per head under this share of the local "
            "standard's line (blank: 100)."
        ),
    )
    household_types = models.JSONField(_("households that apply for"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("warning rule")
        verbose_name_plural = _("warning rules")
        ordering = ["office", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "name"],
                name="monitoring_rule_name_unique",
                violation_error_message=_("This office has a rule of that name already."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def about_household(self) -> bool:
        return self.kind in HOUSEHOLD_KINDS

    def parameter(self, name: str):
        """The parameter's value, or the kind's default when it is blank."""
        value = getattr(self, name)
        if value in (None, [], ""):
            return RULE_PARAMETERS[RuleKind(self.kind)].get(name)
        return value

    def clean(self):
        problem = template_problem(self.reason_template or "")
        if problem:
            raise ValidationError({"reason_template": problem})
        unknown = set(self.household_types or []) - set(AssistanceType.values)
        if unknown:
            raise ValidationError({"household_types": _("Choose among the assistance types.")})


class EvaluationRun(models.Model):
    """One evaluation of every active rule and of the hardship scores: what started it,
    when, and what each rule raised and closed (one row per run, never per warning)."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule")
        EXTRACT = "extract", _("A registry extract imported")
        BATCH = "batch", _("A batch re-verification completed")
        OFFICE = "office", _("Asked by the office")

    trigger = models.CharField(_("started by"), max_length=20, choices=Trigger.choices)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    raised = models.PositiveIntegerField(_("warnings raised"), default=0)
    resolved = models.PositiveIntegerField(_("warnings closed, cause gone"), default=0)
    scored = models.PositiveIntegerField(_("households scored"), default=0)
    # [{"rule": id, "raised": n, "resolved": m, "seconds": s}, …]
    details = models.JSONField(_("per rule"), default=list, blank=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-started_at", "-pk"]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.get_trigger_display()}"


class EarlyWarning(models.Model):
    """A warning raised by a rule on a person (or a household) for a period: checked on
    the spot by the unit it is assigned to, by its deadline in working days; closed by the
    visit's outcome (an application made, or no help needed with the reason), or by the
    evaluation when its cause went away."""

    class Status(models.TextChoices):
        RAISED = "raised", _("Waiting to be assigned")
        ASSIGNED = "assigned", _("Assigned for a visit")
        NEEDED = "needed", _("Help needed: application made")
        NOT_NEEDED = "not_needed", _("No help needed")
        RESOLVED = "resolved", _("Cause went away")

    OPEN = (Status.RAISED, Status.ASSIGNED)
    TRANSITIONS = {
        Status.RAISED: {Status.ASSIGNED, Status.RESOLVED},
        Status.ASSIGNED: {Status.ASSIGNED, Status.NEEDED, Status.NOT_NEEDED, Status.RESOLVED},
        Status.NEEDED: set(),
        Status.NOT_NEEDED: set(),
        Status.RESOLVED: set(),
    }

    # The unique constraints below lead with the rule.
    rule = models.ForeignKey(
        WarningRule,
        verbose_name=_("rule"),
        on_delete=models.PROTECT,
        related_name="warnings",
        db_index=False,
    )
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        HouseholdMember,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # the unique constraints below lead with the rule, then the member
    )
    period = models.DateField(_("period"))
    grade = models.PositiveSmallIntegerField(_("grade"), choices=Grade.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RAISED
    )
    reason_template = models.TextField(_("reason"))
    # What the rule found, as of the evaluation that raised the warning, and the record it
    # came from (a registry record, a finding, a verification request or a member).
    evidence_date = models.DateField(_("recorded on"), null=True, blank=True)
    evidence_amount = models.DecimalField(
        _("amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    evidence_line = models.DecimalField(
        _("local standard (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    evidence_text = models.CharField(_("details"), max_length=500, blank=True)
    source_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # never looked up by it
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    raised_run = models.ForeignKey(
        EvaluationRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deadline = models.DateField(_("check by"))
    deadline_provisional = models.BooleanField(_("deadline provisional"), default=False)
    overdue = models.BooleanField(_("overdue"), default=False)
    reminded_on = models.DateField(_("last reminded"), null=True, blank=True)
    assigned_unit = models.ForeignKey(
        MemberUnit,
        verbose_name=_("visited by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # monitoring_warning_unit leads with it
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    visited_at = models.DateTimeField(_("visited"), null=True, blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visit recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    visit_note = models.TextField(_("what the visit found"), blank=True)
    application = models.OneToOneField(
        Application,
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_run = models.ForeignKey(
        EvaluationRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # read once, right after the run's UPDATE
    )
    # The history is read by warning and date only: no index on the rest, which every
    # evaluation would otherwise write for each warning it raises or closes.
    history = HistoricalRecords(
        excluded_fields=["reminded_on"],
        no_db_index=[
            "rule",
            "household",
            "member",
            "source_type",
            "raised_run",
            "assigned_unit",
            "assigned_by",
            "visited_by",
            "application",
            "closed_run",
        ],
    )

    class Meta:
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        ordering = ["grade", "deadline", "pk"]
        constraints = [
            # Raised once per person (or household), rule and period…
            models.UniqueConstraint(
                fields=["rule", "member", "period"],
                condition=Q(member__isnull=False),
                name="monitoring_warning_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["rule", "household", "period"],
                condition=Q(member__isnull=True),
                name="monitoring_warning_once_per_household",
            ),
            # …and never twice open at once, whatever the period.
            models.UniqueConstraint(
                fields=["rule", "member"],
                condition=Q(member__isnull=False, status__in=["raised", "assigned"]),
                name="monitoring_warning_one_open_per_person",
            ),
            models.UniqueConstraint(
                fields=["rule", "household"],
                condition=Q(member__isnull=True, status__in=["raised", "assigned"]),
                name="monitoring_warning_one_open_per_household",
            ),
            models.CheckConstraint(
                condition=~Q(status="assigned") | Q(assigned_unit__isnull=False),
                name="monitoring_warning_assigned_has_unit",
            ),
            models.CheckConstraint(
                condition=~Q(status="needed") | Q(application__isnull=False),
                name="monitoring_warning_needed_has_application",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "grade", "deadline"], name="monitoring_warning_list"),
            models.Index(fields=["assigned_unit", "status"], name="monitoring_warning_unit"),
        ]

    def __str__(self):
        return f"{self.rule} · {self.raised_at:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("monitoring:warning_detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    def can_move_to(self, status) -> bool:
        return status in self.TRANSITIONS[self.Status(self.status)]

    def reason(self) -> str:
        """The reason template filled in with what the warning found."""
        member = self.member
        values = {
            "name": member.name if member else "",
            "age": "",
            "town": self.household.town,
            "address": self.household.address,
            "date": self.evidence_date.isoformat() if self.evidence_date else "",
            "amount": f"{self.evidence_amount:,.2f}" if self.evidence_amount is not None else "",
            "line": f"{self.evidence_line:,.2f}" if self.evidence_line is not None else "",
            "details": self.evidence_text,
        }
        if member is not None:
            age = member.age_on(timezone.localdate())
            values["age"] = "" if age is None else str(age)
        if template_problem(self.reason_template):
            return self.reason_template
        return self.reason_template.format_map(values)


class IndicatorKind(models.TextChoices):
    """The fixed set of hardship indicators the code computes (``monitoring.indicators``)."""

    INCOME_GAP = "income_gap", _("Income per head below the local standard")
    DISABILITY_ILLNESS = "disability_illness", _("Members with a disability or severe illness")
    ELDERLY = "elderly", _("Elderly members")
    ALONE = "alone", _("An elderly person living alone")
    SCHOOL = "school", _("Children at school")
    HOUSING = "housing", _("Housing hardship")


# The default age of the two age indicators.
INDICATOR_MIN_AGE = {IndicatorKind.ELDERLY: 60, IndicatorKind.ALONE: 60}


class ScoreIndicator(models.Model):
    """One indicator of the hardship score of an office, with its weight: the points it
    gives each member it counts (the whole weight to a household with no income at all,
    for the income gap; once per household, for housing)."""

    office = models.ForeignKey(
        LeadingGroup, verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("indicator"), max_length=30, choices=IndicatorKind.choices)
    weight = models.DecimalField(
        _("points"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0)],
        help_text=_("Points per member counted (per household for income and housing)."),
    )
    min_age = models.PositiveSmallIntegerField(
        _("age from"), null=True, blank=True, help_text=_("For the age indicators; blank: 60.")
    )
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("score indicator")
        verbose_name_plural = _("score indicators")
        ordering = ["office", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "kind"],
                name="monitoring_one_indicator_per_kind",
                violation_error_message=_("This office has this indicator already."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.weight})"

    @property
    def age(self) -> int:
        return self.min_age or INDICATOR_MIN_AGE.get(IndicatorKind(self.kind), 60)


class ScoreContribution(models.Model):
    """Points an indicator gives a household, and the record they came from (derived:
    computed whole by every evaluation, so no history of its own; the indicators and the
    records keep theirs)."""

    # Rewritten whole by every evaluation from rows that exist at that moment, so no
    # constraint checks each of them, and only the household's pages' index is kept.
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    indicator = models.ForeignKey(
        ScoreIndicator,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    member = models.ForeignKey(
        HouseholdMember,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2, null=True, blank=True)
    line = models.DecimalField(
        _("local standard (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    source_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    source_id = models.PositiveBigIntegerField()
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    class Meta:
        verbose_name = _("score point")
        verbose_name_plural = _("score points")
        ordering = ["household", "indicator", "pk"]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.household_id} {self.indicator_id}: {self.points}"


class HardshipScore(models.Model):
    """A household's hardship score: the sum of its contributions (derived, no history)."""

    household = models.OneToOneField(
        Household, on_delete=models.CASCADE, related_name="hardship_score", db_constraint=False
    )
    points = models.DecimalField(_("hardship score"), max_digits=8, decimal_places=2)
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    class Meta:
        verbose_name = _("hardship score")
        verbose_name_plural = _("hardship scores")
        ordering = ["-points", "household"]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.household_id}: {self.points}"
