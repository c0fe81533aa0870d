"""``VerificationItem.meaning``: what a record found means to the rules read over the
findings and the registry extracts (a death, income, property). The seeded items that say
so by their duty take their meaning (公安局's 死亡未注销户口: a death; pensions: income;
deposits and demolition compensation: property); items of another code keep none."""

from django.db import migrations, models

SEEDED = {
    "hc-police-death-not-deregistered": "death",
    "hc-enterprise-pension": "income",
    "hc-pboc-deposits": "property",
    "mtg-expropriation-compensation": "property",
}


def fill(apps, schema_editor):
    Item = apps.get_model("verification", "VerificationItem")
    for code, meaning in SEEDED.items():
        Item.objects.filter(code=code, meaning="").update(meaning=meaning)


class Migration(migrations.Migration):

    dependencies = [
        ('verification', '0011_departmentcheck_updated_at'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalverificationitem',
            name='meaning',
            field=models.CharField(blank=True, choices=[('death', 'The person has died'), ('income', 'Income (yuan over 12 months)'), ('property', 'Property (yuan)')], help_text="Death: a record found shows the person has died. Income: the amount is the person's income over the last 12 months. Property: the amount is the value of the person's property.", max_length=20, verbose_name='a record means'),
        ),
        migrations.AddField(
            model_name='verificationitem',
            name='meaning',
            field=models.CharField(blank=True, choices=[('death', 'The person has died'), ('income', 'Income (yuan over 12 months)'), ('property', 'Property (yuan)')], help_text="Death: a record found shows the person has died. Income: the amount is the person's income over the last 12 months. Property: the amount is the value of the person's property.", max_length=20, verbose_name='a record means'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
