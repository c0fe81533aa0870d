"""Writes shared by every app: the access log of personal data and notifications."""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mass_mail

from .models import AccessLog, Notification


def access_log_record(*, user, obj, purpose: str, description: str, path: str = "") -> AccessLog:
    """Record that ``user`` saw personal data of ``obj`` in full, and why. ``description``
    names what was seen without the data itself."""
    return AccessLog.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=description[:200],
        purpose=purpose,
        path=path[:300],
    )


def notify(*, users: Iterable, message: str, url: str = "", email_subject: str = "") -> int:
    """An in-app notification for each user and, with ``email_subject``, a mail to those
    with an address. Messages must carry no personal data in full (mask ID numbers)."""
    users = list(users)
    Notification.objects.bulk_create(
        Notification(user=user, message=message[:300], url=url) for user in users
    )
    if email_subject:
        body = f"{message}\n\n{url}" if url else message
        send_mass_mail(
            [
                (email_subject, body, settings.DEFAULT_FROM_EMAIL, [u.email])
                for u in users
                if u.email
            ]
        )
    return len(users)
