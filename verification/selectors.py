"""Reads of verification for the home pages: a few counts each, in one query apiece."""

from django.db.models import Count, Q
from django.utils import timezone

from .models import DepartmentCheck, VerificationRequest
from .permissions import checks_for_liaison


def office_summary() -> dict:
    """What the office has under way: requests in progress, checks returned with a
    question, and overdue checks."""
    checks = DepartmentCheck.objects.filter(status__in=DepartmentCheck.OPEN).aggregate(
        returned=Count("pk", filter=Q(status=DepartmentCheck.Status.RETURNED)),
        overdue=Count("pk", filter=Q(overdue=True) | Q(deadline__lt=timezone.localdate())),
    )
    under_way = VerificationRequest.objects.filter(
        status=VerificationRequest.Status.SUBMITTED
    ).count()
    return {"under_way": under_way, **checks}


def liaison_summary(user) -> dict:
    """The liaison's unit's open checks and how many of them are overdue."""
    return (
        checks_for_liaison(user)
        .filter(status__in=DepartmentCheck.OPEN)
        .aggregate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(overdue=True) | Q(deadline__lt=timezone.localdate())),
        )
    )
