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


def test_exact_duplicate_authorisations_are_dropped_before_the_constraint(clerk, group):
    """Issue 12: an authorisation recorded twice for the same member and period keeps its
    first record; an overlapping one and another member's stay."""
    apps = _migrate([("verification", "0006_request_members_fill")])
    try:
        Household = apps.get_model("verification", "Household")
        Member = apps.get_model("verification", "HouseholdMember")
        Authorization = apps.get_model("verification", "Authorization")
        household = Household.objects.create(
            office_id=group.pk,
            address="幸福路1号",
            town="大峪街道",
            assistance_type="dibao",
            created_by_id=clerk.pk,
        )
        one, two = (
            Member.objects.create(
                household=household, name=name, relation=relation, id_number=number
            )
            for name, relation, number in (
                ("甲", "applicant", "11010519491231002X"),
                ("乙", "spouse", "110105200001010033"),
            )
        )
        day = datetime.date(2026, 1, 5)
        year = datetime.date(2027, 1, 4)

        def record(member, signed_on, valid_until, minutes):
            return Authorization.objects.create(
                member=member,
                signed_on=signed_on,
                valid_until=valid_until,
                signer="self",
                scan="authorizations/x.pdf",
                recorded_by_id=clerk.pk,
                recorded_at=timezone.now() + datetime.timedelta(minutes=minutes),
            )

        first = record(one, day, year, 0)
        record(one, day, year, 1)  # the same paper entered again
        record(one, day, year, 2)
        overlapping = record(one, day, datetime.date(2026, 6, 30), 3)
        other = record(two, day, year, 4)
        apps = _migrate([("verification", "0007_authorization_unique_period")])
        Authorization = apps.get_model("verification", "Authorization")
        kept = set(Authorization.objects.values_list("pk", flat=True))
        assert kept == {first.pk, overlapping.pk, other.pk}
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_duplicate_requests_under_way_are_cancelled_before_the_constraint(clerk, group, unit):
    """Migration 0009: a household holding three requests under way (two batches took it
    twice, a clerk once more) keeps the oldest; the later ones are cancelled with their
    open checks, with a history row saying why; answers already given are kept."""
    apps = _migrate([("verification", "0008_report_reference_numbers")])
    try:
        Household = apps.get_model("verification", "Household")
        Request = apps.get_model("verification", "VerificationRequest")
        Check = apps.get_model("verification", "DepartmentCheck")
        household = Household.objects.create(
            office_id=group.pk,
            address="幸福路2号",
            town="大峪街道",
            assistance_type="dibao",
            created_by_id=clerk.pk,
        )
        now = timezone.now()
        oldest, second, third = (
            Request.objects.create(
                household=household,
                assistance_type="recheck",
                requested_by_id=clerk.pk,
                submitted_at=now - datetime.timedelta(minutes=minutes),
            )
            for minutes in (30, 20, 10)
        )
        for request, status in ((oldest, "delivered"), (second, "answered"), (third, "queued")):
            Check.objects.create(
                request=request,
                unit_id=unit.pk,
                status=status,
                deadline=now.date(),
                answered_at=now if status == "answered" else None,
            )
        apps = _migrate([("verification", "0009_one_request_under_way_per_household")])
        Request = apps.get_model("verification", "VerificationRequest")
        Check = apps.get_model("verification", "DepartmentCheck")
        Historical = apps.get_model("verification", "HistoricalVerificationRequest")
        statuses = dict(Request.objects.values_list("pk", "status"))
        assert statuses == {oldest.pk: "submitted", second.pk: "cancelled", third.pk: "cancelled"}
        checks = dict(Check.objects.values_list("request_id", "status"))
        assert checks == {oldest.pk: "delivered", second.pk: "answered", third.pk: "cancelled"}
        reasons = set(
            Historical.objects.filter(status="cancelled").values_list("id", "history_change_reason")
        )
        assert {pk for pk, _ in reasons} == {second.pk, third.pk}
        assert all("Duplicate request under way" in reason for _, reason in reasons)
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_existing_checks_take_their_latest_known_time_as_updated_at(clerk, group, unit):
    """Migration 0011: a check answered takes its answer's time, one delivered its
    delivery's, one still queued its request's filing time (set-based, one UPDATE)."""
    apps = _migrate([("verification", "0010_batch_tasks_and_sending")])
    try:
        Household = apps.get_model("verification", "Household")
        Request = apps.get_model("verification", "VerificationRequest")
        Check = apps.get_model("verification", "DepartmentCheck")
        Unit = apps.get_model("members", "MemberUnit")
        filed = timezone.now() - datetime.timedelta(days=9)
        times = {"answered": filed + datetime.timedelta(days=2), "delivered": filed}
        checks = {}
        for n, status in enumerate(("answered", "delivered", "queued")):
            household = Household.objects.create(
                office_id=group.pk,
                address=f"幸福路{n}号",
                town="大峪街道",
                assistance_type="dibao",
                created_by_id=clerk.pk,
            )
            request = Request.objects.create(
                household=household,
                assistance_type="dibao",
                requested_by_id=clerk.pk,
                submitted_at=filed - datetime.timedelta(hours=1),
            )
            checks[status] = Check.objects.create(
                request=request,
                unit=Unit.objects.get(pk=unit.pk),
                deadline=datetime.date(2026, 12, 31),
                status=status,
                delivered_at=times["delivered"] if status != "queued" else None,
                answered_at=times.get("answered") if status == "answered" else None,
            )
        apps = _migrate([("verification", "0011_departmentcheck_updated_at")])
        Check = apps.get_model("verification", "DepartmentCheck")
        updated = dict(Check.objects.values_list("pk", "updated_at"))
        assert updated[checks["answered"].pk] == times["answered"]
        assert updated[checks["delivered"].pk] == times["delivered"]
        assert updated[checks["queued"].pk] == filed - datetime.timedelta(hours=1)
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
