"""Scores recomputed by a worker: asked for by the office, and nightly for the current
quarter (beat)."""

from celery import shared_task
from django.utils import timezone

from assistance.periods import quarter_of
from members.models import LeadingGroup

from .services import scores_compute


@shared_task(name="performance.tasks.scores_compute_task")
def scores_compute_task(group_id: int, year: int, quarter: int) -> int:
    group = LeadingGroup.objects.filter(pk=group_id).first()
    if group is None:
        return 0
    return len(scores_compute(group=group, year=year, quarter=quarter))


@shared_task(name="performance.tasks.scores_current_quarter_task")
def scores_current_quarter_task() -> int:
    today = timezone.localdate()
    quarter = quarter_of(today)
    return sum(
        len(scores_compute(group=group, year=today.year, quarter=quarter))
        for group in LeadingGroup.objects.all()
    )
