"""API clients: a department's own system, bound to one member unit, with the scopes it may
use, the addresses it may call from and an expiry. Only a hash of its secret is kept: the
secret is shown once, when the client is created or its secret rotated."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
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
    EVENTS_MANAGE = "events:manage", _("Manage the client's event subscriptions")


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


class Event(models.TextChoices):
    CHECK_CREATED = "check.created", _("New checks for the unit")
    REFERRAL_CREATED = "referral.created", _("New referrals to the unit")


LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def validate_callback_url(url: str) -> None:
    """https, or plain http to this machine where API_EVENT_LOCAL_HTTP allows it
    (development and tests); no user name or password in the address."""
    try:
        parts = urlsplit(url)
        parts.hostname  # noqa: B018 (a malformed host, e.g. "http://[", raises here)
    except ValueError:
        raise ValidationError(_("Enter a valid URL.")) from None
    if parts.username or parts.password:
        raise ValidationError(_("Put no user name or password in the callback URL."))
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and settings.API_EVENT_LOCAL_HTTP and parts.hostname in LOCAL_HOSTS:
        return
    raise ValidationError(_("The callback URL must start with https://."))


def validate_events(events) -> None:
    if (
        not isinstance(events, list)
        or not events
        or any(event not in Event.values for event in events)
    ):
        raise ValidationError(
            _("Choose the events: %(events)s.") % {"events": ", ".join(Event.values)}
        )


class EventSubscription(models.Model):
    """A client's callback URL for events of its unit. The signing secret is shown once;
    only a random ``salt`` is kept, from which the secret is derived with a server key
    (``API_EVENTS_KEY``): signing needs the secret itself, so it cannot be a one-way hash
    as the client's token is, and a copy of the database alone gives no secret away."""

    client = models.ForeignKey(
        ApiClient,
        verbose_name=_("client"),
        on_delete=models.CASCADE,
        related_name="subscriptions",
    )
    url = models.URLField(_("callback URL"), max_length=500, validators=[validate_callback_url])
    events = models.JSONField(_("events"), default=list, validators=[validate_events])
    salt = models.CharField(max_length=64, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    history = HistoricalRecords(excluded_fields=["salt"])

    class Meta:
        verbose_name = _("event subscription")
        verbose_name_plural = _("event subscriptions")
        ordering = ["client", "pk"]

    def __str__(self):
        return f"{self.client.name}: {self.url}"


class EventDelivery(models.Model):
    """One event sent to one subscription: the JSON ``payload`` (event type and object
    ids, never personal data), POSTed by a Celery task and tried again with growing
    pauses until delivered or ``API_EVENT_MAX_ATTEMPTS`` attempts have failed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    subscription = models.ForeignKey(
        EventSubscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    object_ids = models.JSONField(_("object ids"), default=list)
    payload = models.JSONField(_("payload"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    # When the next attempt is due; while one runs, when it will have given up (a lease).
    next_attempt = models.DateTimeField(_("next attempt"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("event delivery")
        verbose_name_plural = _("event deliveries")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["status", "next_attempt"])]

    def __str__(self):
        return f"{self.event} #{self.pk}"
