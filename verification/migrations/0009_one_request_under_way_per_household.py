"""A household has at most one verification request under way (issue 12, item 6).

Before the constraint is added, households that already hold several requests under way
(two batches prepared at the same moment took them twice) are put right: the oldest
request stays under way (the first the departments were asked for), every later one is
cancelled with its open checks (queued, in a liaison's inbox, or returned with a
question), and each cancellation gets a history row saying why. Answers already given on
a cancelled request's checks are kept. A fresh database has no such household: the step
then changes nothing."""

from django.db import migrations, models
from django.db.models import Count, Q
from django.utils import timezone

OPEN = ("queued", "delivered", "returned")
REASON = "Duplicate request under way for the household: cancelled by migration 0009"


def cancel_duplicates(apps, schema_editor):
    Request = apps.get_model("verification", "VerificationRequest")
    Historical = apps.get_model("verification", "HistoricalVerificationRequest")
    Check = apps.get_model("verification", "DepartmentCheck")
    households = (
        Request.objects.filter(status="submitted")
        .values("household_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("household_id", flat=True)
    )
    now = timezone.now()
    cancelled = 0
    for household_id in households.iterator():
        under_way = list(
            Request.objects.filter(household_id=household_id, status="submitted").order_by(
                "submitted_at", "pk"
            )
        )
        for request in under_way[1:]:
            Check.objects.filter(request_id=request.pk, status__in=OPEN).update(
                status="cancelled"
            )
            request.status = "cancelled"
            request.save(update_fields=["status"])
            Historical.objects.create(
                **{f.attname: getattr(request, f.attname) for f in Request._meta.concrete_fields},
                history_date=now,
                history_type="~",
                history_change_reason=REASON,
            )
            cancelled += 1
    if cancelled:
        print(f"\n  {cancelled} duplicate requests under way cancelled (oldest of each kept)")


class Migration(migrations.Migration):
    # The repair commits before the index is built: PostgreSQL refuses to build an index
    # on a table with pending (deferred) constraint checks from the same transaction.
    atomic = False
    dependencies = [("verification", "0008_report_reference_numbers")]

    operations = [
        migrations.RunPython(cancel_duplicates, migrations.RunPython.noop, atomic=True),
        migrations.AddConstraint(
            model_name="verificationrequest",
            constraint=models.UniqueConstraint(
                condition=Q(status="submitted"),
                fields=("household",),
                name="one_request_under_way_per_household",
                violation_error_message="This household already has a verification under way.",
            ),
        ),
    ]
