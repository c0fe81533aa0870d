"""The five seed notices load together into one register, and the demo data on top."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from assistance.roles import Role
from members.models import Duty, LeadingGroup, Liaison, MemberUnit
from office.management.commands.load_demo import DEMO_LIAISONS, SEED_FIXTURES

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_all_seed_notices_load_together():
    for name in SEED_FIXTURES:
        call_command("loaddata", str(FIXTURES / f"{name}.json"), verbosity=0)
    assert set(LeadingGroup.objects.values_list("code", flat=True)) == set(SEED_FIXTURES)
    codes = list(MemberUnit.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes))
    # Every group's office is hosted by one of its own units.
    for group in LeadingGroup.objects.select_related("office_host_unit"):
        assert group.office_host_unit.group_id == group.pk


def test_demo_data_loads_once_and_again_without_change(capsys, django_capture_on_commit_callbacks):
    # The checks of the demo request are delivered once the demo's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo")
    out = capsys.readouterr().out
    assert "Demo-pass-2026" in out
    # Office roles sign in with the published demo key as their second factor.
    assert "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" in out
    from django_otp.plugins.otp_totp.models import TOTPDevice

    enrolled = set(TOTPDevice.objects.values_list("user__username", flat=True))
    assert enrolled == {"admin", "clerk", "director", "security"}
    call_command("demo_code")
    code = capsys.readouterr().out.strip()
    assert TOTPDevice.objects.get(user__username="clerk").verify_token(code)
    User = get_user_model()
    for role in Role:
        assert User.objects.filter(groups__name=role).exists(), role
    assert Liaison.objects.count() == len(DEMO_LIAISONS)
    liaison = Liaison.objects.get(user__username="liaison")
    assert (liaison.unit.group.code, liaison.unit.name) == ("huangchuan", "公安局")
    # A household under verification: the tax office answered from its registry snapshot.
    from meetings.models import AgendaItem, Meeting
    from verification.models import DepartmentCheck

    # (The dashboards' invented past, in Xicheng, is left aside: ``dashboards.demo``; so
    # is the ledger's household verified a month ago: ``ledger.demo``.)
    single = DepartmentCheck.objects.filter(
        request__batch__isnull=True,
        request__household__office__code="huangchuan",
        request__status="submitted",
    )
    tax = single.get(unit__code="hc-taxation")
    assert tax.status == DepartmentCheck.Status.ANSWERED
    assert tax.findings.filter(result="record_found", snapshot__isnull=False).count() == 1
    assert single.filter(status=DepartmentCheck.Status.DELIVERED).count() == 11
    # The other household, due for re-check, in a demo batch: prepared and sent to every
    # department (the two with snapshots answered, the others in their liaisons' inboxes).
    from verification.models import VerificationBatch

    batch = VerificationBatch.objects.get()
    assert (batch.household_count, batch.skipped_count) == (1, 0)
    in_batch = DepartmentCheck.objects.filter(request__batch=batch)
    assert in_batch.count() == single.count()
    assert in_batch.filter(status=DepartmentCheck.Status.ANSWERED).count() == 2
    assert not in_batch.filter(status=DepartmentCheck.Status.QUEUED).exists()
    # Next year's plan for Huangchuan (kick-off, four quarters, year-end) and an item to review.
    assert Meeting.objects.filter(group__code="huangchuan").count() == 6
    item = AgendaItem.objects.get(meeting__group__code="huangchuan")
    assert item.status == AgendaItem.Status.SUBMITTED
    units, users = MemberUnit.objects.count(), User.objects.count()
    call_command("load_demo")
    assert "not reloaded" in capsys.readouterr().out
    assert (MemberUnit.objects.count(), User.objects.count()) == (units, users)


@pytest.mark.parametrize("name", SEED_FIXTURES)
def test_every_seed_object_is_valid_and_codes_fit_queue_names(name):
    call_command("loaddata", str(FIXTURES / f"{name}.json"), verbosity=0)
    group = LeadingGroup.objects.get()
    objects = [
        group,
        *group.units.all(),
        *group.positions.all(),
        *Duty.objects.filter(unit__group=group),
        *group.programs.all(),
    ]
    for obj in objects:
        obj.full_clean()
    prefix = {"mentougou": "mtg-", "zhangbei": "zb-", "xicheng": "xc-", "dehong": "dh-"}.get(
        name, "hc-"
    )
    for code in group.units.values_list("code", flat=True):
        assert code.startswith(prefix)
        # The code names a Celery queue ``verify.<code>``.
        assert re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", code), code
