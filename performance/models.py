"""The member units' performance (绩效考核): indicators the office weighs, a score per unit
and quarter computed from the records each indicator counts, and the office's adjustments
with their written reasons.

A unit's score is 100 × Σ(weight × share met) / Σ(weight) over the indicators that counted
at least one of its records in the quarter, plus the adjustments' points. The records
behind every share are listed on the unit's page (``performance.indicators``), so each
figure can be traced to the checks, referrals, decisions and periodic reports it counts."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.models import LeadingGroup, MemberUnit


class Indicator(models.Model):
    """One thing a unit is scored on, with its weight, for one group."""

    class Kind(models.TextChoices):
        CHECKS_ON_TIME = "checks_on_time", _("Checks answered by their deadline")
        REFERRALS_ON_TIME = "referrals_on_time", _("Referrals handled by their deadline")
        DECISIONS_DONE = "decisions_done", _("Decisions carried out by their deadline")
        REPORTS_ON_TIME = "reports_on_time", _("Periodic reports submitted by their deadline")

    group = models.ForeignKey(
        LeadingGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("indicator"), max_length=30, choices=Kind.choices)
    weight = models.PositiveSmallIntegerField(_("weight"), default=25)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("performance indicator")
        verbose_name_plural = _("performance indicators")
        ordering = ["group", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["group", "kind"], name="one_indicator_per_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.weight})"


class UnitScore(models.Model):
    """A unit's computed score for a quarter, with what each indicator counted (derived:
    recomputed whole, no history; the adjustments keep theirs)."""

    group = models.ForeignKey(
        LeadingGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    computed = models.DecimalField(
        _("computed score"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    # {kind: {"counted": n, "met": m, "weight": w}}
    details = models.JSONField(_("what each indicator counted"), default=dict)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("unit's score")
        verbose_name_plural = _("units' scores")
        ordering = ["group", "year", "quarter", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "quarter"], name="one_score_per_unit_quarter"
            ),
        ]

    def __str__(self):
        return f"{self.unit} {self.year}Q{self.quarter}: {self.computed}"


class ScoreAdjustment(models.Model):
    """Points the office adds to or takes from a unit's quarter, with the reason."""

    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    points = models.DecimalField(_("points"), max_digits=4, decimal_places=1)
    reason = models.TextField(_("reason"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    made_at = models.DateTimeField(_("made at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("score adjustment")
        verbose_name_plural = _("score adjustments")
        ordering = ["made_at", "pk"]

    def __str__(self):
        return f"{self.unit} {self.year}Q{self.quarter}: {self.points:+}"
