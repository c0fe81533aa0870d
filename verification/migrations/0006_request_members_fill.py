"""Fill the members each existing request covers (best effort: the members the household
had when the request was filed, judged by each member's first history record, plus any
member a department already answered for), and store existing ID numbers in their
normalised ASCII form where that does not collide with another member of the household."""

from django.db import migrations


def fill_members(apps, schema_editor):
    Request = apps.get_model("verification", "VerificationRequest")
    Member = apps.get_model("verification", "HouseholdMember")
    Historical = apps.get_model("verification", "HistoricalHouseholdMember")
    Finding = apps.get_model("verification", "Finding")
    Check = apps.get_model("verification", "DepartmentCheck")
    covered = Request.members.through
    qn = schema_editor.connection.ops.quote_name

    def t(model):
        return qn(model._meta.db_table)

    def c(model, name):
        return qn(model._meta.get_field(name).column)

    schema_editor.execute(
        f"INSERT INTO {t(covered)} ({c(covered, 'verificationrequest')}, "
        f"{c(covered, 'householdmember')}) "
        f"SELECT r.id, m.id FROM {t(Request)} r JOIN {t(Member)} m "
        f"ON m.{c(Member, 'household')} = r.{c(Request, 'household')} "
        f"WHERE NOT EXISTS (SELECT 1 FROM {t(Historical)} h WHERE h.id = m.id "
        f"AND h.{c(Historical, 'history_type')} = '+' "
        f"AND h.{c(Historical, 'history_date')} > r.{c(Request, 'submitted_at')}) "
        f"OR EXISTS (SELECT 1 FROM {t(Finding)} f JOIN {t(Check)} k "
        f"ON k.id = f.{c(Finding, 'department_check')} "
        f"WHERE k.{c(Check, 'request')} = r.id AND f.{c(Finding, 'member')} = m.id)"
    )


def normalize_id_numbers(apps, schema_editor):
    from assistance.idnumbers import normalize_id_number

    Member = apps.get_model("verification", "HouseholdMember")
    # Only rows that are not plain ASCII already can change; they are few.
    for member in Member.objects.exclude(id_number__regex=r"^[0-9X]{18}$").iterator():
        number = normalize_id_number(member.id_number)
        if number == member.id_number:
            continue
        taken = Member.objects.filter(household_id=member.household_id, id_number=number)
        if not taken.exclude(pk=member.pk).exists():
            Member.objects.filter(pk=member.pk).update(id_number=number)


class Migration(migrations.Migration):
    dependencies = [("verification", "0005_request_members_idnumber_field")]

    operations = [
        migrations.RunPython(fill_members, migrations.RunPython.noop),
        migrations.RunPython(normalize_id_numbers, migrations.RunPython.noop),
    ]
