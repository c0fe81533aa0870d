"""What a batch's page shows of its progress."""

from django.db.models import Count

from ..models import DepartmentCheck, VerificationBatch


def batch_progress(batch: VerificationBatch) -> list[dict]:
    """Per department: how many of the batch's checks are in each status (one query)."""
    rows = (
        DepartmentCheck.objects.filter(request__batch=batch)
        .values("unit_id", "unit__name", "status")
        .annotate(n=Count("pk"))
        .order_by("unit__order", "unit_id")
    )
    units: dict[int, dict] = {}
    for row in rows:
        entry = units.setdefault(
            row["unit_id"],
            {
                "unit": row["unit__name"],
                "total": 0,
                **dict.fromkeys(DepartmentCheck.Status.values, 0),
            },
        )
        entry[row["status"]] = row["n"]
        entry["total"] += row["n"]
    return list(units.values())
