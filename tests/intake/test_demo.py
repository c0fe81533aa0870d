"""The demo applications load with the demo data, in their states, once."""

import pytest
from django.core.management import call_command

from dashboards.demo import MARK
from intake.models import Application, Referral

pytestmark = pytest.mark.django_db


def test_demo_applications(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo")
    # The dashboards' invented past (``dashboards.demo``) is left aside, and so is the
    # ledger's application in Huangchuan (``ledger.demo``).
    demo = Application.objects.filter(office__code="xicheng").exclude(
        applicant_name__startswith=MARK
    )
    statuses = sorted(demo.values_list("status", flat=True))
    assert statuses == ["answered", "in_progress", "received", "referred", "refused"]
    urgent = demo.get(urgent=True)
    assert urgent.applicant_id_number == ""
    assert urgent.referrals.get(role="lead").help_first
    returned = Referral.objects.filter(application__in=demo).get(status="returned")
    rerouted = returned.application.referrals.exclude(pk=returned.pk).get()
    assert rerouted.status == "pending" and rerouted.unit.code == "xc-minzheng"
    assert rerouted.delivered_at is not None
    count = Application.objects.count()
    call_command("load_demo")
    assert Application.objects.count() == count
