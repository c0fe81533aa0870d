"""When each user's password was last set (for the maximum password age)."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PasswordRecord(models.Model):
    """When a user's password was last set. Written by ``PasswordAgeValidator`` whenever a
    password is saved; a user without one counts from the day the account was created."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="password_record",
        verbose_name=_("user"),
    )
    changed_at = models.DateTimeField(_("password changed"))

    class Meta:
        verbose_name = _("password record")
        verbose_name_plural = _("password records")

    def __str__(self):
        return f"{self.user} {self.changed_at:%Y-%m-%d}"


def password_expired(user) -> bool:
    """Whether the user's password is older than ``PASSWORD_MAX_AGE_DAYS`` (0: never)."""
    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days or not user.has_usable_password():
        return False
    record = PasswordRecord.objects.filter(user=user).first()
    changed_at = record.changed_at if record else user.date_joined
    return timezone.now() - changed_at > timedelta(days=days)
