"""What waits for each role in the joint meetings, for the "my work" home: counts, and the
oldest waiting object to link to where there is no list page. One aggregate query per kind
of work, whatever the numbers."""

import datetime

from django.db.models import Count, Min, Q

from ..models import AgendaItem, Decision, Meeting, Minutes, MinutesReceipt, MinutesResponse
from .followup import involving_unit, overdue_q


def _count_first(queryset, first: str = "pk") -> tuple[int, int | None]:
    found = queryset.aggregate(count=Count("pk", distinct=True), first=Min(first))
    return found["count"], found["first"]


def convened_meetings(user):
    """The meetings of the groups ``user`` convenes: those they convene, and those of the
    same groups with no convener named yet."""
    groups = Meeting.objects.filter(convener=user).values("group")
    return Meeting.objects.filter(Q(convener=user) | Q(convener__isnull=True, group__in=groups))


def convener_work(user) -> dict:
    """Agenda items accepted by the director and waiting for the convener's approval of the
    agenda, and circulated minutes waiting for the signature: only of the convener's
    groups. Two queries."""
    meetings = convened_meetings(user)
    items, item_meeting = _count_first(
        AgendaItem.objects.filter(
            status=AgendaItem.Status.ACCEPTED,
            meeting__in=meetings.filter(status=Meeting.Status.PLANNED),
        ),
        "meeting_id",
    )
    minutes, first_minutes = _count_first(
        Minutes.objects.filter(status=Minutes.Status.CIRCULATED, meeting__in=meetings)
    )
    return {
        "items_to_approve": items,
        "item_meeting": item_meeting,
        "minutes_to_sign": minutes,
        "minutes": first_minutes,
    }


def director_work(today: datetime.date) -> dict:
    """Agenda items and minutes waiting for the director's review, and the decisions to
    follow up: overdue ones and those reported done. Three queries."""
    items, first_item = _count_first(AgendaItem.objects.filter(status=AgendaItem.Status.SUBMITTED))
    minutes, first_minutes = _count_first(Minutes.objects.filter(status=Minutes.Status.IN_REVIEW))
    decisions = Decision.objects.filter(minutes__status=Minutes.Status.ISSUED).aggregate(
        overdue=Count("pk", filter=overdue_q(today)),
        reported_done=Count("pk", filter=Q(status=Decision.Status.REPORTED_DONE)),
    )
    return {
        "items_to_review": items,
        "item": first_item,
        "minutes_to_review": minutes,
        "minutes": first_minutes,
        "decisions_overdue": decisions["overdue"],
        "decisions_reported_done": decisions["reported_done"],
    }


def liaison_work(unit, today: datetime.date) -> dict:
    """For the liaison's ``unit``: circulated minutes to consent to, issued minutes to
    acknowledge, and the decisions it leads or cooperates on still in progress (with how
    many are overdue). Three queries."""
    consent, consent_minutes = _count_first(
        MinutesResponse.objects.filter(
            unit=unit,
            answer=MinutesResponse.Answer.PENDING,
            minutes__status=Minutes.Status.CIRCULATED,
        ),
        "minutes_id",
    )
    receipts, receipt_minutes = _count_first(
        MinutesReceipt.objects.filter(
            unit=unit, acknowledged_at__isnull=True, minutes__status=Minutes.Status.ISSUED
        ),
        "minutes_id",
    )
    decisions = involving_unit(
        Decision.objects.filter(minutes__status=Minutes.Status.ISSUED, status=Decision.Status.OPEN),
        unit,
    ).aggregate(open=Count("pk"), overdue=Count("pk", filter=overdue_q(today)))
    return {
        "minutes_to_consent": consent,
        "consent_minutes": consent_minutes,
        "minutes_to_acknowledge": receipts,
        "receipt_minutes": receipt_minutes,
        "decisions_to_report": decisions["open"],
        "decisions_overdue": decisions["overdue"],
    }
