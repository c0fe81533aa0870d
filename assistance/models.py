"""Cross-cutting records: the working-day calendar the administrators maintain, the access
log of personal data, and in-app notifications."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class CalendarYear(models.Model):
    """A year whose official holidays and make-up working days an administrator has entered
    (as ``CalendarDay`` rows). Until a year is marked complete here, or covered by the
    ``chinesecalendar`` package, deadlines that fall in it are provisional."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    complete = models.BooleanField(
        _("holidays entered"),
        default=False,
        help_text=_("Tick once every holiday and make-up working day of the year is entered."),
    )
    note = models.CharField(_("source"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    """A statutory holiday on a weekday, or a weekend day made a working day (调休)."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(
        _("working day"), help_text=_("Ticked for a make-up working day, unticked for a holiday.")
    )
    name = models.CharField(_("name"), max_length=60, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"


class AccessLog(models.Model):
    """One view of personal data in full (an ID number unmasked): who, what, when (UTC) and
    why. Written by the pages that show such data; nobody edits or deletes it."""

    class Purpose(models.TextChoices):
        REGISTRATION = "registration", _("Registering or correcting the household")
        VERIFICATION = "verification", _("Answering a verification check")
        REVIEW = "review", _("Reviewing the application")
        AUDIT = "audit", _("Audit")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="access_logs",
    )
    at = models.DateTimeField(_("when (UTC)"), default=timezone.now, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    # What was seen, described without the data itself (masked), so the log leaks nothing.
    object_repr = models.CharField(_("object"), max_length=200)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    path = models.CharField(_("page"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.object_repr}"


class Notification(models.Model):
    """An in-app message to one user, with a link to the work it is about."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    message = models.CharField(_("message"), max_length=300)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.message


from .signin.models import PasswordRecord  # noqa: E402,F401  (the sign-in's own model)
