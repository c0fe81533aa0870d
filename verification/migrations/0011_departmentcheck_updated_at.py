"""``DepartmentCheck.updated_at``: when anything a reader of the check sees last changed
(the API's ``updated_since``). Existing checks take the latest time known of them: when
answered, else delivered, else when their request was filed. Added empty, filled by one
UPDATE, then made required with its index."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce


def fill(apps, schema_editor):
    Check = apps.get_model("verification", "DepartmentCheck")
    Request = apps.get_model("verification", "VerificationRequest")
    filed = Request.objects.filter(pk=OuterRef("request_id")).values("submitted_at")[:1]
    Check.objects.update(updated_at=Coalesce("answered_at", "delivered_at", Subquery(filed)))


class Migration(migrations.Migration):

    dependencies = [
        ("verification", "0010_batch_tasks_and_sending"),
    ]

    operations = [
        migrations.AddField(
            model_name="departmentcheck",
            name="updated_at",
            field=models.DateTimeField(null=True, verbose_name="updated"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="departmentcheck",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated"),
        ),
    ]
