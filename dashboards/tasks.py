"""The summaries behind the verification dashboard, rebuilt on a schedule (beat)."""

from celery import shared_task

from .summaries import summaries_refresh


@shared_task(name="dashboards.tasks.summaries_refresh_task")
def summaries_refresh_task() -> dict:
    """Rebuild the summaries; running it twice in a row leaves the same rows."""
    refresh = summaries_refresh()
    return {"checks": refresh.checks, "seconds": round(refresh.seconds, 2)}
