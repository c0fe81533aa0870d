"""The hardship scores, computed whole and set-based: in one transaction that holds the
indicators' rows, every contribution is deleted and written again, one INSERT … SELECT per
active indicator (``monitoring.indicators``), then every household's total in one
INSERT … SELECT … GROUP BY. A household no indicator counts has no score (0 on the
pages). Each contribution keeps the record it came from, so a score can always be
explained point by point."""

import datetime

from django.db import connection, transaction
from django.utils import timezone

from verification.sql import insert_select, table

from . import indicators
from .models import HardshipScore, ScoreContribution, ScoreIndicator


def scores_compute(*, today: datetime.date | None = None) -> int:
    """Compute every household's score again; returns how many households have one."""
    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        active = list(ScoreIndicator.objects.select_for_update().filter(active=True).order_by("pk"))
        ScoreContribution.objects.all().delete()
        HardshipScore.objects.all().delete()
        for indicator in active:
            sql, params = indicators.counted(indicator, today)
            insert_select(
                ScoreContribution,
                ScoreContribution(indicator=indicator, computed_at=now),
                {
                    "household": "c.household_id",
                    "member": "c.member_id",
                    "points": "c.points",
                    "value": "c.value",
                    "line": "c.line",
                    "source_type": "c.source_type",
                    "source_id": "c.source_id",
                },
                f"FROM ({sql}) c",
                params,
            )
        contributions = table(ScoreContribution)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table(HardshipScore)} (household_id, points, computed_at)
                SELECT household_id, SUM(points), %s FROM {contributions}
                GROUP BY household_id
                """,
                [now],
            )
            return cursor.rowcount
