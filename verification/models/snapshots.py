"""How a department answers: its connector, and the registry extracts it uploads."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assistance.idnumbers import mask_id_number
from members.models import MemberUnit

from .requests import VerificationItem


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
