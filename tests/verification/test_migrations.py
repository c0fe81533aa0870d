"""The data migration that records, for requests filed before requests kept their members,
the members each covered: those the household had when the request was filed (judged by
each member's first history record), plus any member a department already answered for."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("verification", "0005_request_members_idnumber_field")]
AFTER = [("verification", "0006_request_members_fill")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_requests_cover_the_members_they_had(clerk, group):
    apps = _migrate(BEFORE)
    try:
        Household = apps.get_model("verification", "Household")
        Member = apps.get_model("verification", "HouseholdMember")
        Historical = apps.get_model("verification", "HistoricalHouseholdMember")
        Request = apps.get_model("verification", "VerificationRequest")
        filed = timezone.now() - datetime.timedelta(days=10)
        household = Household.objects.create(
            office_id=group.pk,
            address="幸福路1号",
            town="大峪街道",
            assistance_type="dibao",
            created_by_id=clerk.pk,
        )
        early = Member.objects.create(
            household=household, name="早", relation="applicant", id_number="11010519491231002X"
        )
        late = Member.objects.create(
            household=household, name="晚", relation="other", id_number="110105200001010033"
        )
        for member, when in ((early, filed - datetime.timedelta(days=1)), (late, timezone.now())):
            Historical.objects.create(
                id=member.pk,
                household_id=household.pk,
                name=member.name,
                relation=member.relation,
                id_number=member.id_number,
                has_capacity=True,
                history_date=when,
                history_type="+",
            )
        request = Request.objects.create(
            household=household,
            assistance_type="dibao",
            requested_by_id=clerk.pk,
            submitted_at=filed,
        )
        apps = _migrate(AFTER)
        Request = apps.get_model("verification", "VerificationRequest")
        covered = set(Request.objects.get(pk=request.pk).members.values_list("pk", flat=True))
        assert covered == {early.pk}
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
