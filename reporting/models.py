"""Periodic reports from the member units (信息报送, notice 002): the office opens a
reporting round for a period (a quarter or a month), each unit that carries one of the
round's figures fills its report (or uploads it as XLSX), saves drafts and submits it;
the office accepts it or sends it back with a comment.

The figures are defined per programme and unit in the admin (``FigureDefinition``); a
round takes the active definitions of its group when it is opened, so a definition added
later does not change a round already under way. Allowed status changes of a unit's
report live in ``UnitReport.TRANSITIONS``; the services refuse anything else.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from members.models import AssistanceProgram, LeadingGroup, MemberUnit


class FigureDefinition(models.Model):
    """One figure a unit reports for a programme in every round (e.g. people assisted
    under 助残), with how it is counted and what values are plausible."""

    class Kind(models.TextChoices):
        PEOPLE = "people", _("People")
        HOUSEHOLDS = "households", _("Households")
        YUAN = "yuan", _("Amount in yuan")

    # What a value of each kind is counted in, as shown beside the field.
    MEASURES = {
        Kind.PEOPLE: _("persons"),
        Kind.HOUSEHOLDS: _("households"),
        Kind.YUAN: _("yuan"),
    }

    group = models.ForeignKey(
        LeadingGroup,
        verbose_name=_("group"),
        on_delete=models.PROTECT,
        related_name="figure_definitions",
    )
    program = models.ForeignKey(
        AssistanceProgram,
        verbose_name=_("assistance programme"),
        on_delete=models.PROTECT,
        related_name="figure_definitions",
    )
    units = models.ManyToManyField(
        MemberUnit,
        verbose_name=_("units that report it"),
        related_name="figure_definitions",
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    min_value = models.DecimalField(
        _("smallest value"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    max_value = models.DecimalField(
        _("largest value"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Leave empty for no upper limit."),
    )
    decimal_places = models.PositiveSmallIntegerField(
        _("decimal places"),
        default=0,
        help_text=_("0 for counts of people or households, 2 for amounts in yuan."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Only active figures go into new rounds.")
    )
    history = HistoricalRecords(m2m_fields=[units])

    class Meta:
        verbose_name = _("reported figure")
        verbose_name_plural = _("reported figures")
        ordering = ["group", "program__order", "program", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "name"], name="figure_name_unique_in_program"
            ),
            models.CheckConstraint(
                condition=Q(decimal_places__lte=2), name="figure_decimal_places_at_most_2"
            ),
        ]

    def __str__(self):
        return f"{self.program} · {self.name}"

    @property
    def measure(self):
        return self.MEASURES[self.Kind(self.kind)]

    def clean(self):
        if self.program_id and self.group_id and self.program.group_id != self.group_id:
            raise ValidationError({"program": _("The programme belongs to another group.")})
        if self.max_value is not None and self.max_value < self.min_value:
            raise ValidationError(
                {"max_value": _("The largest value is smaller than the smallest.")}
            )


class ReportingRound(models.Model):
    """A reporting round (e.g. 2026年第四季度): the period reported on, the figures asked
    for and the deadline, counted in working days from the day it was opened."""

    class PeriodKind(models.TextChoices):
        QUARTER = "quarter", _("Quarter")
        MONTH = "month", _("Month")

    group = models.ForeignKey(
        LeadingGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="rounds"
    )
    title = models.CharField(_("title"), max_length=100)
    period_kind = models.CharField(
        _("period"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.QUARTER
    )
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(
        pgettext_lazy("reporting period", "number"),
        help_text=_("The quarter (1–4) or the month (1–12)."),
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    figures = models.ManyToManyField(
        FigureDefinition, verbose_name=_("figures"), related_name="rounds"
    )
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    working_days = models.PositiveSmallIntegerField(_("working days to report"))
    deadline = models.DateField(_("deadline"))
    # The count crossed a year whose official holidays are not yet known.
    deadline_provisional = models.BooleanField(_("provisional deadline"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reporting round")
        verbose_name_plural = _("reporting rounds")
        ordering = ["-year", "-period_start", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "period_kind", "year", "number"],
                name="round_period_unique_in_group",
            ),
        ]

    def __str__(self):
        return self.title

    def is_past_deadline(self, today: datetime.date) -> bool:
        return today > self.deadline


class UnitReport(models.Model):
    """One unit's report in a round: its values, its state and when it was submitted."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("unit report", "Draft")
        SUBMITTED = "submitted", pgettext_lazy("unit report", "Submitted")
        ACCEPTED = "accepted", pgettext_lazy("unit report", "Accepted")
        RETURNED = "returned", pgettext_lazy("unit report", "Sent back")

    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.ACCEPTED, Status.RETURNED},
        Status.RETURNED: {Status.SUBMITTED},
        Status.ACCEPTED: set(),
    }
    # The unit may still change its values.
    EDITABLE = (Status.DRAFT, Status.RETURNED)
    # Reported: counted in the round's table.
    REPORTED = (Status.SUBMITTED, Status.ACCEPTED)

    round = models.ForeignKey(
        ReportingRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="reports"
    )
    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="reports"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # Submitted (first or again) after the round's deadline.
    late = models.BooleanField(_("late"), default=False)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField(_("office's comment"), blank=True)
    # Reminders sent, each at most once per report: before the deadline and when overdue.
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["reminded_at", "overdue_reminded_at"])

    class Meta:
        verbose_name = _("unit report")
        verbose_name_plural = _("unit reports")
        ordering = ["round", "unit__order", "unit__pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "unit"], name="one_report_per_unit_round"),
        ]
        indexes = [models.Index(fields=["status"], name="unitreport_status_idx")]

    def __str__(self):
        return f"{self.round} · {self.unit}"

    @property
    def editable(self) -> bool:
        return self.status in self.EDITABLE


class FigureValue(models.Model):
    """The value a unit reports for one figure in one round."""

    report = models.ForeignKey(
        UnitReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="values"
    )
    definition = models.ForeignKey(
        FigureDefinition,
        verbose_name=_("figure"),
        on_delete=models.PROTECT,
        related_name="values",
    )
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reported value")
        verbose_name_plural = _("reported values")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "definition"], name="one_value_per_figure_report"
            ),
        ]

    def __str__(self):
        return f"{self.definition}: {self.value}"
