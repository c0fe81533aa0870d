"""API clients: a department's own system, bound to one member unit, with the scopes it may
use, the addresses it may call from and an expiry. Only a hash of its secret is kept: the
secret is shown once, when the client is created or its secret rotated."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from members.models import MemberUnit


class Scope(models.TextChoices):
    CHECKS_READ = "checks:read", _("Read the unit's checks")
    CHECKS_ANSWER = "checks:answer", _("Answer the unit's checks")
    REFERRALS_READ = "referrals:read", _("Read the unit's referrals")
    REFERRALS_ACT = "referrals:act", _("Sign for, return, report on and close the unit's referrals")
    SNAPSHOTS_UPLOAD = "snapshots:upload", _("Upload the unit's registry snapshots")
    # For a client of the unit that hosts a group's office: its requests' status.
    OFFICE_READ = "office:read", _("Read the status of the office's verification requests")


class ApiClient(models.Model):
    """One department system's access to the API."""

    name = models.CharField(_("name"), max_length=100)
    unit = models.ForeignKey(
        MemberUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="api_clients"
    )
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    allowed_addresses = models.TextField(
        _("allowed source addresses"),
        blank=True,
        help_text=_("One address or network (CIDR) per line; empty allows none."),
    )
    expires_at = models.DateTimeField(_("expires at"))
    key_id = models.CharField(_("key"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        null=True,
    )
    # The client's own account, never signed in with (no usable password, inactive): the
    # access log and the histories name it when the client reads or writes.
    principal = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_client",
        editable=False,
        null=True,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    history = HistoricalRecords(excluded_fields=["secret_hash"])

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["unit", "name"]

    def __str__(self):
        return f"{self.name} ({self.unit})"

    def usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


class IdempotentCall(models.Model):
    """A write made under an ``Idempotency-Key``: the same key again with the same body
    returns the first answer and changes nothing; with another body it is refused."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    body_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "key"], name="one_call_per_key"),
        ]

    def __str__(self):
        return f"{self.client_id} {self.key}"
