"""The formal parts of an issued verification report: its reference number (文号), in a
series per office and year, e.g. 潢救核〔2026〕12号."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.models import LeadingGroup

from .requests import VerificationRequest


class ReportNumberSeries(models.Model):
    """One office's reference numbers of one year: the prefix they carry (editable in the
    admin, e.g. 潢救核) and the last number given. Its row is locked while a number is
    allocated, so two reports issued at once never share one."""

    office = models.ForeignKey(
        LeadingGroup,
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        related_name="report_number_series",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    prefix = models.CharField(
        _("prefix"),
        max_length=40,
        help_text=_("What comes before the year in the reference number, e.g. 潢救核."),
    )
    last_number = models.PositiveIntegerField(_("last number given"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("report number series")
        verbose_name_plural = _("report number series")
        ordering = ["office", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["office", "year"], name="one_report_series_per_year"),
        ]

    def __str__(self):
        return f"{self.prefix}〔{self.year}〕"


class ReportReference(models.Model):
    """The reference number of a request's verification report, given once, when the
    report of the completed request is first issued (shown or exported), and never
    changed. Unique per office and year."""

    request = models.OneToOneField(
        VerificationRequest,
        verbose_name=_("verification request"),
        on_delete=models.PROTECT,
        related_name="report_reference",
    )
    office = models.ForeignKey(
        LeadingGroup, verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"), validators=[MinValueValidator(1)])
    prefix = models.CharField(_("prefix"), max_length=40)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("report reference number")
        verbose_name_plural = _("report reference numbers")
        ordering = ["office", "-year", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "year", "number"], name="report_number_unique_per_office_year"
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def text(self) -> str:
        """The reference as printed: prefix〔year〕number号."""
        return f"{self.prefix}〔{self.year}〕{self.number}号"
