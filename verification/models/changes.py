"""A batch's changes since the previous verification, as its page lists them: derived
data, computed from the findings by ``verification.changes`` when the batch finishes (and
again whenever what it depends on has changed), never edited. No history is kept: the
findings it is computed from keep theirs, and the rows are replaced whole."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .register import Household
from .requests import VerificationBatch, VerificationRequest


class BatchComparison(models.Model):
    """Which comparison of the batch the page shows (``generation``), computed from the
    state ``state`` (a digest of what it depends on), with its counts. ``started`` numbers
    the comparisons begun, so two computing at once each write rows of their own and the
    later one is shown."""

    batch = models.OneToOneField(
        VerificationBatch,
        verbose_name=_("batch"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="comparison",
    )
    state = models.CharField(_("state compared"), max_length=32, blank=True)
    generation = models.PositiveIntegerField(_("comparison shown"), default=0)
    started = models.PositiveIntegerField(_("comparisons started"), default=0)
    completed = models.PositiveIntegerField(_("households' verifications complete"), default=0)
    compared = models.PositiveIntegerField(_("households compared"), default=0)
    changed = models.PositiveIntegerField(_("households with changes"), default=0)
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True)

    class Meta:
        verbose_name = _("batch comparison")
        verbose_name_plural = _("batch comparisons")

    def __str__(self):
        return str(self.batch)


class BatchHouseholdChanges(models.Model):
    """One household of a batch with changes since its previous verification: its
    members' changes as the page shows them (names, masked ID numbers only, items, kinds,
    amounts), in ``members``."""

    batch = models.ForeignKey(
        VerificationBatch,
        verbose_name=_("batch"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the index below starts with it
    )
    generation = models.PositiveIntegerField(_("comparison"))
    request = models.ForeignKey(
        VerificationRequest,
        verbose_name=_("verification request"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # never looked up by request: rows go with their batch
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    town = models.CharField(_("town or subdistrict"), max_length=60)
    address = models.CharField(_("address"), max_length=200)
    previous_request_id = models.PositiveBigIntegerField(_("previous verification"))
    previous_completed_at = models.DateTimeField(_("previous verification completed"))
    members = models.JSONField(_("members' changes"))

    class Meta:
        verbose_name = _("household's changes in a batch")
        verbose_name_plural = _("households' changes in a batch")
        indexes = [
            # The page: one comparison of a batch, in town and address order.
            models.Index(
                fields=["batch", "generation", "town", "address", "household", "request"],
                name="batch_changes_page",
            ),
        ]

    def __str__(self):
        return f"{self.town} {self.address}"
