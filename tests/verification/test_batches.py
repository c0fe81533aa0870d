"""Batch re-verification through its services: the cohort chosen by the re-check rule
(yearly; every 6 months with irregular income), households without a covering
authorisation skipped, requests and checks prepared per household and department, each
department's checks processed in chunks (answered from a fresh registry snapshot or
delivered to the liaison's inbox), completion decided in the database, cancel, the same
result and the same queries per chunk whatever the chunk size, and the changes since
each household's previous verification.

Tasks run in process: a batch submitted inside ``django_capture_on_commit_callbacks
(execute=True)`` is prepared and processed before the block ends."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assistance.models import AuditEvent, Notification
from tests.factories import LeadingGroupFactory, MemberUnitFactory
from tests.verification.factories import VerificationItemFactory, make_id_number
from verification import answering, batches, services
from verification.batches import preparation
from verification.changes import (
    ChangeKind,
    batch_changes,
    household_changes,
    stored_batch_changes,
)
from verification.connectors import snapshot_import
from verification.models import (
    AssistanceType,
    Authorization,
    DepartmentCheck,
    DepartmentCheckGroupObjectPermission,
    Finding,
    Household,
    HouseholdMember,
    UnitConnector,
    VerificationBatch,
    VerificationRequest,
)
from verification.permissions import checks_for_liaison
from verification.services import FindingData, VerificationError

pytestmark = pytest.mark.django_db

Status = DepartmentCheck.Status

# --- Building cohorts quickly -----------------------------------------------------------------

_people = itertools.count()


def unique_id_number() -> str:
    """A valid invented ID number, different for every call in the test run."""
    n = next(_people)
    born = datetime.date(1940, 1, 1) + datetime.timedelta(days=n % 20000)
    return make_id_number(born, region="110105", sequence=(n // 20000) % 1000)


def make_households(
    count,
    *,
    office,
    clerk,
    town="大峪街道",
    assistance_type=AssistanceType.DIBAO,
    members=1,
    authorized=True,
    irregular_income=False,
):
    """``count`` households of ``members`` adults each, written in bulk (a few queries
    however many), every member with a covering authorisation unless ``authorized`` is
    False."""
    households = Household.objects.bulk_create(
        Household(
            office=office,
            address=f"幸福路{i}号",
            town=town,
            assistance_type=assistance_type,
            irregular_income=irregular_income,
            created_by=clerk,
        )
        for i in range(count)
    )
    people = HouseholdMember.objects.bulk_create(
        HouseholdMember(
            household=household,
            name=f"成员{household.pk}-{j}",
            relation=HouseholdMember.Relation.APPLICANT if j == 0 else "spouse",
            id_number=unique_id_number(),
        )
        for household in households
        for j in range(members)
    )
    if authorized:
        authorize(people, clerk=clerk)
    return households


def authorize(people, *, clerk):
    today = timezone.localdate()
    Authorization.objects.bulk_create(
        Authorization(
            member=member,
            signed_on=today - datetime.timedelta(days=1),
            valid_until=today + datetime.timedelta(days=365),
            signer=Authorization.Signer.SELF,
            scan="authorizations/test.pdf",
            recorded_by=clerk,
        )
        for member in people
    )


def verified(household, *, clerk, days_ago, status=VerificationRequest.Status.COMPLETED):
    """A request of the household, completed ``days_ago`` (or under way)."""
    when = timezone.now() - datetime.timedelta(days=days_ago)
    return VerificationRequest.objects.create(
        household=household,
        assistance_type=household.assistance_type,
        requested_by=clerk,
        status=status,
        submitted_at=when - datetime.timedelta(days=3),
        completed_at=when if status == VerificationRequest.Status.COMPLETED else None,
    )


def upload_snapshot(unit, actor, rows):
    """Make ``rows`` ((id number, item code, details, amount), …) the unit's current
    registry snapshot, switching the unit to snapshot answers."""
    UnitConnector.objects.update_or_create(
        unit=unit, defaults={"kind": UnitConnector.Kind.SNAPSHOT}
    )
    lines = ["身份证号码,核对事项,详情,金额"]
    lines += [f"{n},{item},{details},{amount}" for n, item, details, amount in rows]
    upload = SimpleUploadedFile("extract.csv", "\n".join(lines).encode("utf-8"))
    return snapshot_import(actor=actor, unit=unit, upload=upload, taken_on=timezone.localdate())


def submit(capture, **kwargs):
    with capture(execute=True):
        return batches.batch_submit(**kwargs)


@pytest.fixture
def held(monkeypatch):
    """Prepare batches without sending the departments their tasks: a test then runs each
    department itself. Yields the (batch, unit, queue) of every task that would have gone."""
    sent = []
    monkeypatch.setattr(preparation, "_send_process_unit", lambda *args: sent.append(args) or True)
    return sent


def prepared(*, office, clerk, held, town="", due_only=True):
    batch = VerificationBatch.objects.create(
        office=office, town=town, due_only=due_only, created_by=clerk
    )
    batches.batch_prepare(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def statuses(queryset):
    """How many of ``queryset`` (checks or requests) are in each status."""
    return dict(queryset.order_by().values_list("status").annotate(n=Count("pk")))


# --- The cohort ---------------------------------------------------------------------------


def test_households_due_follows_the_recheck_rule(clerk, group):
    never, yearly_due, yearly_fresh = make_households(3, office=group, clerk=clerk)
    irregular_due, irregular_fresh = make_households(
        2, office=group, clerk=clerk, irregular_income=True
    )
    (under_way,) = make_households(1, office=group, clerk=clerk)
    verified(yearly_due, clerk=clerk, days_ago=370)
    verified(yearly_fresh, clerk=clerk, days_ago=200)
    verified(irregular_due, clerk=clerk, days_ago=190)
    verified(irregular_fresh, clerk=clerk, days_ago=100)
    # Verified long ago, but a request is under way now: never sent twice.
    verified(under_way, clerk=clerk, days_ago=800)
    verified(under_way, clerk=clerk, days_ago=0, status=VerificationRequest.Status.SUBMITTED)
    # A cancelled request is no verification: the household stays due.
    verified(never, clerk=clerk, days_ago=10, status=VerificationRequest.Status.CANCELLED)

    due = set(batches.households_due(office=group))
    assert due == {never, yearly_due, irregular_due}
    everyone = set(batches.households_due(office=group, due_only=False))
    assert everyone == {never, yearly_due, yearly_fresh, irregular_due, irregular_fresh}


def test_households_due_filters_by_office_type_and_town(clerk, group):
    (dibao,) = make_households(1, office=group, clerk=clerk, town="大峪街道")
    (tekun,) = make_households(
        1, office=group, clerk=clerk, town="大峪街道", assistance_type=AssistanceType.TEKUN
    )
    (elsewhere,) = make_households(1, office=group, clerk=clerk, town="龙泉镇")
    make_households(1, office=LeadingGroupFactory(), clerk=clerk, town="大峪街道")

    assert set(batches.households_due(office=group)) == {dibao, tekun, elsewhere}
    assert set(batches.households_due(office=group, assistance_type="tekun")) == {tekun}
    assert set(batches.households_due(office=group, town="大峪街道")) == {dibao, tekun}
    assert set(batches.households_due(office=group, assistance_type="dibao", town="龙泉镇")) == {
        elsewhere
    }


def test_submit_is_refused_without_items_or_households(
    clerk, group, unit, django_capture_on_commit_callbacks
):
    make_households(2, office=group, clerk=clerk)
    with pytest.raises(VerificationError):
        submit(django_capture_on_commit_callbacks, actor=clerk, office=group)
    VerificationItemFactory(unit=unit)
    with pytest.raises(VerificationError):
        submit(django_capture_on_commit_callbacks, actor=clerk, office=group, town="龙泉镇")
    assert not VerificationBatch.objects.exists()
    assert not VerificationRequest.objects.exists()


def test_households_without_authorisation_are_skipped(
    clerk, group, items, liaison, other_liaison, django_capture_on_commit_callbacks
):
    make_households(3, office=group, clerk=clerk, members=2)
    make_households(1, office=group, clerk=clerk, authorized=False)
    # One of two members authorised: the household is skipped too.
    (half,) = make_households(1, office=group, clerk=clerk, members=2, authorized=False)
    authorize([half.members.order_by("pk").first()], clerk=clerk)
    # A household with no member yet has nothing to verify.
    Household.objects.create(
        office=group, address="空户", town="大峪街道", assistance_type="dibao", created_by=clerk
    )

    batch = submit(django_capture_on_commit_callbacks, actor=clerk, office=group)
    batch.refresh_from_db()
    assert (batch.household_count, batch.skipped_count) == (3, 3)
    assert not VerificationRequest.objects.filter(household=half).exists()
    assert batch.requests.count() == 3


def test_a_batch_whose_every_household_is_skipped_finishes(
    clerk, group, items, django_capture_on_commit_callbacks
):
    make_households(2, office=group, clerk=clerk, authorized=False)
    batch = submit(django_capture_on_commit_callbacks, actor=clerk, office=group)
    batch.refresh_from_db()
    assert (batch.household_count, batch.skipped_count) == (0, 2)
    # Nothing to wait for: the batch does not stay "running" for ever.
    assert batch.status == VerificationBatch.Status.COMPLETED
    assert batch.finished_at is not None


def test_a_batch_whose_departments_all_went_away_stops_and_says_why(
    clerk, group, unit, other_unit, items, held, django_capture_on_commit_callbacks
):
    make_households(2, office=group, clerk=clerk)
    with django_capture_on_commit_callbacks(execute=False):
        batch = batches.batch_submit(actor=clerk, office=group)
    # Between the submission and its preparation every department is deactivated.
    type(unit).objects.filter(pk__in=[unit.pk, other_unit.pk]).update(active=False)
    assert batches.batch_prepare(batch_id=batch.pk) == 0
    batch.refresh_from_db()
    assert batch.status == VerificationBatch.Status.CANCELLED
    assert batch.finished_at is not None
    assert not VerificationRequest.objects.filter(batch=batch).exists()
    assert held == []
    [note] = Notification.objects.filter(user=clerk)
    assert str(batch.pk) in note.message
    assert note.url == batch.get_absolute_url()
    # A later sweep finds nothing to carry on.
    assert batches.batch_prepare(batch_id=batch.pk) == 0
    assert Notification.objects.filter(user=clerk).count() == 1


# --- Submitting and processing ---------------------------------------------------------------


def test_submit_answers_from_snapshots_and_delivers_the_rest(
    clerk,
    group,
    unit,
    other_unit,
    items,
    liaison,
    other_liaison,
    django_capture_on_commit_callbacks,
):
    homes = make_households(4, office=group, clerk=clerk, members=2)
    owner = homes[0].members.order_by("pk").first()
    snapshot = upload_snapshot(
        unit, liaison, [(owner.id_number, "test-vehicles", "小型轿车 豫S·12345", "")]
    )

    batch = submit(django_capture_on_commit_callbacks, actor=clerk, office=group)
    batch.refresh_from_db()
    assert batch.household_count == 4
    assert batch.requests.count() == 4
    assert set(batch.requests.values_list("assistance_type", flat=True)) == {"recheck"}
    checks = DepartmentCheck.objects.filter(request__batch=batch)
    assert checks.count() == 8  # four households x two departments
    # Every check carries the items of its department.
    police = checks.filter(unit=unit)
    assert {tuple(sorted(c.items.values_list("code", flat=True))) for c in police} == {
        ("test-registration", "test-vehicles")
    }

    # The police answered from their snapshot: every finding names it.
    assert set(police.values_list("status", flat=True)) == {Status.ANSWERED}
    assert not police.filter(answered_at__isnull=True).exists()
    findings = Finding.objects.filter(department_check__in=police)
    assert findings.count() == 4 * 2 * 2  # households x members x items
    assert set(findings.values_list("snapshot", flat=True)) == {snapshot.pk}
    found = findings.get(result=Finding.Result.RECORD_FOUND)
    assert (found.member, found.item.code, found.details) == (
        owner,
        "test-vehicles",
        "小型轿车 豫S·12345",
    )

    # The tax office answers by hand: its checks wait in its liaison's inbox.
    tax = checks.filter(unit=other_unit)
    assert set(tax.values_list("status", flat=True)) == {Status.DELIVERED}
    assert set(checks_for_liaison(other_liaison).filter(request__batch=batch)) == set(tax)
    assert not checks_for_liaison(liaison).filter(unit=other_unit).exists()
    # Seen by the gateway's rule (active liaison of the unit): the batch writes no rows.
    assert not DepartmentCheckGroupObjectPermission.objects.exists()
    note = Notification.objects.get(user=other_liaison)
    assert "4" in note.message
    assert not Notification.objects.filter(user=liaison).exists()

    # No check is queued any more: the batch is done; the requests wait for the tax office.
    assert batch.status == VerificationBatch.Status.COMPLETED
    assert set(batch.requests.values_list("status", flat=True)) == {"submitted"}

    # The liaison answers one household: its request completes, the others wait.
    check = tax.select_related("request__household").first()
    services.check_answer(
        actor=other_liaison,
        check=check,
        findings=[
            FindingData(m.pk, i.pk, Finding.Result.NO_RECORD)
            for m in check.request.household.members.all()
            for i in check.items.all()
        ],
    )
    check.request.refresh_from_db()
    assert check.request.status == VerificationRequest.Status.COMPLETED
    assert batch.requests.filter(status="submitted").count() == 3


def test_a_request_completes_when_every_department_answered(
    clerk,
    group,
    unit,
    other_unit,
    items,
    liaison,
    other_liaison,
    django_capture_on_commit_callbacks,
):
    homes = make_households(3, office=group, clerk=clerk)
    payer = homes[1].members.get()
    upload_snapshot(unit, liaison, [])
    upload_snapshot(other_unit, other_liaison, [(payer.id_number, "纳税", "个人所得税", "1260.5")])

    batch = submit(django_capture_on_commit_callbacks, actor=clerk, office=group)
    assert set(batch.requests.values_list("status", flat=True)) == {"completed"}
    assert not batch.requests.filter(completed_at__isnull=True).exists()
    tax = Finding.objects.get(member=payer, result=Finding.Result.RECORD_FOUND)
    assert (tax.item.code, tax.details, tax.amount) == (
        "test-tax-paid",
        "个人所得税",
        Decimal("1260.50"),
    )
    batch.refresh_from_db()
    assert batch.status == VerificationBatch.Status.COMPLETED
    # Nobody had anything to do by hand.
    assert not Notification.objects.filter(user__in=[liaison, other_liaison]).exists()
    # Re-verified: nobody is due any more.
    assert not batches.households_due(office=group).exists()


def test_each_department_gets_its_own_task_on_its_own_queue(
    clerk, group, unit, other_unit, items, held
):
    make_households(2, office=group, clerk=clerk)
    batch = prepared(office=group, clerk=clerk, held=held)
    assert sorted(held) == sorted(
        [(batch.pk, unit.pk, "verify.test-police"), (batch.pk, other_unit.pk, "verify.test-tax")]
    )
    # Nothing processed yet: every check is queued and the batch runs.
    assert set(DepartmentCheck.objects.values_list("status", flat=True)) == {Status.QUEUED}
    assert batch.status == VerificationBatch.Status.RUNNING


def test_a_stale_snapshot_sends_the_checks_to_the_liaison(clerk, group, unit, items, liaison, held):
    make_households(2, office=group, clerk=clerk)
    snapshot = upload_snapshot(unit, liaison, [])
    snapshot.taken_on -= datetime.timedelta(days=60)
    snapshot.save()
    batch = prepared(office=group, clerk=clerk, held=held)
    assert batches.batch_process_unit(batch_id=batch.pk, unit_id=unit.pk) == 2
    police = DepartmentCheck.objects.filter(unit=unit)
    assert set(police.values_list("status", flat=True)) == {Status.DELIVERED}
    assert all(police.values_list("fallback_reason", flat=True))
    assert not Finding.objects.exists()


# --- Idempotence, cancel ----------------------------------------------------------------------


def test_processing_twice_changes_nothing_the_second_time(
    clerk, group, unit, other_unit, items, liaison, other_liaison, held
):
    homes = make_households(3, office=group, clerk=clerk, members=2)
    upload_snapshot(unit, liaison, [(homes[0].members.first().id_number, "车辆", "轿车", "")])
    batch = prepared(office=group, clerk=clerk, held=held)
    # Preparing again (a redelivered task) creates nothing more.
    assert batches.batch_prepare(batch_id=batch.pk) == 0
    assert batch.requests.count() == 3

    assert batches.batch_process_unit(batch_id=batch.pk, unit_id=unit.pk) == 3
    assert batches.batch_process_unit(batch_id=batch.pk, unit_id=other_unit.pk) == 3

    def state():
        return (
            sorted(
                DepartmentCheck.objects.values_list("pk", "status", "answered_at", "delivered_at")
            ),
            sorted(Finding.objects.values_list("department_check", "member", "item", "result")),
            DepartmentCheckGroupObjectPermission.objects.count(),
            Notification.objects.count(),
            sorted(VerificationRequest.objects.values_list("pk", "status", "completed_at")),
            VerificationBatch.objects.values_list("status", "finished_at").get(),
        )

    before = state()
    assert batches.batch_process_unit(batch_id=batch.pk, unit_id=unit.pk) == 0
    assert batches.batch_process_unit(batch_id=batch.pk, unit_id=other_unit.pk) == 0
    assert batches.batch_prepare(batch_id=batch.pk) == 0
    assert state() == before


def test_cancel_stops_the_batch_and_cancels_open_work(
    clerk, group, unit, other_unit, items, liaison, other_liaison, held
):
    make_households(4, office=group, clerk=clerk)
    upload_snapshot(unit, liaison, [])
    batch = prepared(office=group, clerk=clerk, held=held)
    # The tax office's checks reach its inbox; the police have not started yet.
    batches.batch_process_unit(batch_id=batch.pk, unit_id=other_unit.pk)
    inbox = checks_for_liaison(other_liaison).filter(status__in=DepartmentCheck.OPEN)
    assert inbox.count() == 4
    batch.refresh_from_db()
    assert batch.status == VerificationBatch.Status.RUNNING

    batches.batch_cancel(actor=clerk, batch=batch)
    batch.refresh_from_db()
    assert batch.status == VerificationBatch.Status.CANCELLED
    assert batch.finished_at is not None
    checks = DepartmentCheck.objects.filter(request__batch=batch)
    assert statuses(checks) == {Status.CANCELLED: 8}
    assert statuses(batch.requests.all()) == {"cancelled": 4}
    # Withdrawn from the inbox.
    assert not inbox.exists()
    # The police task, arriving late, does nothing.
    assert batches.batch_process_unit(batch_id=batch.pk, unit_id=unit.pk) == 0
    assert not Finding.objects.exists()
    # Only a running batch can be cancelled.
    with pytest.raises(VerificationError):
        batches.batch_cancel(actor=clerk, batch=batch)
    # The cancelled households are due again.
    assert batches.households_due(office=group).count() == 4


def test_requests_complete_when_the_batch_does_not_chunk_by_chunk(
    clerk, group, unit, other_unit, items, liaison, other_liaison, held
):
    """A department's chunk answers its checks without touching their requests (each
    department's chunk covers the same households: locking them made the departments
    wait for one another); the batch's end completes those fully answered."""
    make_households(3, office=group, clerk=clerk)
    upload_snapshot(unit, liaison, [])
    upload_snapshot(other_unit, other_liaison, [])
    batch = prepared(office=group, clerk=clerk, held=held)
    requests = batch.requests.all()
    prepared_events = list(AuditEvent.objects.values_list("pk", flat=True))
    events = AuditEvent.objects.filter(object_type="verification.VerificationRequest").exclude(
        pk__in=prepared_events
    )

    assert batches.batch_process_unit(batch_id=batch.pk, unit_id=unit.pk) == 3
    assert batches.batch_process_unit(batch_id=batch.pk, unit_id=other_unit.pk) == 3
    # The last department's task finished the batch, and completed every request with it.
    batch.refresh_from_db()
    assert batch.status == VerificationBatch.Status.COMPLETED
    assert statuses(requests) == {"completed": 3}
    assert set(requests.values_list("completed_at", flat=True)) == {batch.finished_at}
    event = events.get()
    assert (event.count, event.action) == (3, AuditEvent.Action.BATCH_STEP)


def test_a_chunk_leaves_requests_to_the_batchs_end(
    clerk, group, unit, other_unit, items, liaison, other_liaison, held
):
    make_households(2, office=group, clerk=clerk)
    upload_snapshot(unit, liaison, [])
    upload_snapshot(other_unit, other_liaison, [])
    batch = prepared(office=group, clerk=clerk, held=held)
    checks = DepartmentCheck.objects.filter(request__batch=batch)
    # The first department's chunk: its checks answered, the other's still queued.
    answered = checks.filter(unit=unit)
    ids = list(answered.values_list("pk", flat=True))
    assert answering.answer_from_snapshot(
        ids, unit.snapshots.get(is_current=True), complete=False
    ) == (2, [])
    assert statuses(batch.requests.all()) == {"submitted": 2}
    assert statuses(checks) == {Status.ANSWERED: 2, Status.QUEUED: 2}
    assert not batches.batch_finish_if_done(batch_id=batch.pk)  # queued checks remain
    assert statuses(batch.requests.all()) == {"submitted": 2}


def test_cancel_completes_requests_every_department_had_answered(
    clerk, group, unit, other_unit, items, liaison, other_liaison, held
):
    homes = make_households(2, office=group, clerk=clerk)
    upload_snapshot(unit, liaison, [])
    upload_snapshot(other_unit, other_liaison, [])
    batch = prepared(office=group, clerk=clerk, held=held)
    done = batch.requests.get(household=homes[0])
    for department in (unit, other_unit):
        check = DepartmentCheck.objects.get(request=done, unit=department)
        answering.answer_from_snapshot(
            [check.pk], department.snapshots.get(is_current=True), complete=False
        )

    batches.batch_cancel(actor=clerk, batch=batch)
    done.refresh_from_db()
    assert done.status == VerificationRequest.Status.COMPLETED
    assert done.completed_at is not None
    other = batch.requests.get(household=homes[1])
    assert other.status == VerificationRequest.Status.CANCELLED
    assert statuses(DepartmentCheck.objects.filter(request=other)) == {Status.CANCELLED: 2}
    assert statuses(DepartmentCheck.objects.filter(request=done)) == {Status.ANSWERED: 2}


def test_a_finished_batch_cannot_be_cancelled(
    clerk, group, items, other_liaison, django_capture_on_commit_callbacks
):
    make_households(2, office=group, clerk=clerk)
    batch = submit(django_capture_on_commit_callbacks, actor=clerk, office=group)
    # Both departments answer by hand: every check waits in an inbox, none is queued.
    batch.refresh_from_db()
    assert batch.status == VerificationBatch.Status.COMPLETED
    assert checks_for_liaison(other_liaison).filter(status=Status.DELIVERED).count() == 2
    with pytest.raises(VerificationError):
        batches.batch_cancel(actor=clerk, batch=batch)
    # Each request can still be cancelled on its own.
    services.request_cancel(actor=clerk, request=batch.requests.first())


# --- Chunks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("chunk", [3, 2000])
def test_the_result_does_not_depend_on_the_chunk_size(
    settings,
    chunk,
    clerk,
    group,
    unit,
    other_unit,
    items,
    liaison,
    other_liaison,
    django_capture_on_commit_callbacks,
):
    settings.VERIFICATION_BATCH_CHUNK = chunk
    homes = make_households(10, office=group, clerk=clerk, members=2)
    owners = [h.members.order_by("pk").first() for h in homes[::3]]  # households 0, 3, 6, 9
    upload_snapshot(unit, liaison, [(m.id_number, "车辆", f"轿车{m.pk}", "") for m in owners])

    batch = submit(django_capture_on_commit_callbacks, actor=clerk, office=group)
    batch.refresh_from_db()
    assert (batch.household_count, batch.status) == (10, VerificationBatch.Status.COMPLETED)
    checks = DepartmentCheck.objects.filter(request__batch=batch)
    assert statuses(checks.filter(unit=unit)) == {Status.ANSWERED: 10}
    assert statuses(checks.filter(unit=other_unit)) == {Status.DELIVERED: 10}
    found = Finding.objects.filter(result=Finding.Result.RECORD_FOUND)
    assert sorted(found.values_list("member", "details")) == sorted(
        (m.pk, f"轿车{m.pk}") for m in owners
    )
    assert Finding.objects.count() == 10 * 2 * 2
    assert checks_for_liaison(other_liaison).count() == 10
    # One notification for the whole batch, not one per chunk or per check.
    assert Notification.objects.filter(user=other_liaison).count() == 1


def _queries_of_processing(*, office, clerk, held, town, units):
    batch = prepared(office=office, clerk=clerk, held=held, town=town)
    counts = []
    for unit in units:
        with CaptureQueriesContext(connection) as context:
            batches.batch_process_unit(batch_id=batch.pk, unit_id=unit.pk)
        counts.append(len(context))
    return counts


def test_queries_grow_with_chunks_not_with_households(
    settings, clerk, group, unit, other_unit, items, liaison, other_liaison, held
):
    """Per department: a fixed number of queries per chunk, however many households the
    chunk holds (the snapshot answers one department, the other delivers to its inbox)."""
    upload_snapshot(unit, liaison, [])
    units = [unit, other_unit]
    settings.VERIFICATION_BATCH_CHUNK = 5
    sizes = {"warm-up": 5, "one chunk": 5, "two chunks": 10, "three chunks": 15}
    counts = {}
    for town, size in sizes.items():
        make_households(size, office=group, clerk=clerk, town=town)
        counts[town] = _queries_of_processing(
            office=group, clerk=clerk, held=held, town=town, units=units
        )
    settings.VERIFICATION_BATCH_CHUNK = 50
    make_households(100, office=group, clerk=clerk, town="two big chunks")
    counts["two big chunks"] = _queries_of_processing(
        office=group, clerk=clerk, held=held, town="two big chunks", units=units
    )

    for department in (0, 1):
        one, two, three = (
            counts[k][department] for k in ("one chunk", "two chunks", "three chunks")
        )
        per_chunk = two - one
        assert per_chunk > 0
        assert three - two == per_chunk  # linear in the number of chunks
        # Two chunks of 50 households cost what two chunks of 5 do.
        assert counts["two big chunks"][department] == two
    assert (
        DepartmentCheck.objects.exclude(status__in=[Status.ANSWERED, Status.DELIVERED]).count() == 0
    )


# --- Changes since the previous verification --------------------------------------------------


@pytest.fixture
def housing(group):
    unit = MemberUnitFactory(group=group, name="区住房和城乡建设局", code="test-housing")
    VerificationItemFactory(unit=unit, code="test-property", name="房产", order=1)
    return unit


def test_changes_against_the_previous_verification(
    clerk,
    group,
    unit,
    other_unit,
    housing,
    items,
    liaison,
    other_liaison,
    django_capture_on_commit_callbacks,
):
    family, neighbours = make_households(2, office=group, clerk=clerk, members=2)
    father, mother = family.members.order_by("pk")
    neighbour = neighbours.members.order_by("pk").first()
    upload_snapshot(unit, liaison, [(neighbour.id_number, "车辆", "摩托车", "")])
    upload_snapshot(housing, clerk, [(father.id_number, "房产", "住宅 幸福路1号", "")])
    upload_snapshot(
        other_unit,
        other_liaison,
        [(father.id_number, "纳税", "个人所得税", "1000"), (neighbour.id_number, "纳税", "", "50")],
    )
    first = submit(django_capture_on_commit_callbacks, actor=clerk, office=group)
    assert set(first.requests.values_list("status", flat=True)) == {"completed"}
    # Nothing to compare the first verification with.
    assert [c.previous_request_id for c in batch_changes(first)] == [None, None]
    # A year later: a child born in between, a car bought, the flat sold, the tax grown.
    long_ago = timezone.now() - datetime.timedelta(days=400)
    first.requests.update(submitted_at=long_ago, completed_at=long_ago)
    child = HouseholdMember.objects.create(
        household=family, name="王小宝", relation="child", id_number=unique_id_number()
    )
    authorize([child], clerk=clerk)
    upload_snapshot(
        unit,
        liaison,
        [
            (father.id_number, "车辆", "小型轿车 豫S·12345", ""),
            (neighbour.id_number, "车辆", "摩托车", ""),
        ],
    )
    upload_snapshot(housing, clerk, [])
    upload_snapshot(
        other_unit,
        other_liaison,
        [(father.id_number, "纳税", "个人所得税", "2000"), (neighbour.id_number, "纳税", "", "50")],
    )
    second = submit(django_capture_on_commit_callbacks, actor=clerk, office=group)
    assert set(second.requests.values_list("status", flat=True)) == {"completed"}

    changes = {c.household_id: c for c in batch_changes(second)}
    assert set(changes) == {family.pk, neighbours.pk}
    assert not changes[neighbours.pk].has_changes
    ours = changes[family.pk]
    assert ours.previous_request_id == first.requests.get(household=family).pk
    members = {m.masked_id: m for m in ours.members}
    assert set(members) == {father.masked_id, child.masked_id}  # mother: nothing changed
    assert members[child.masked_id].status == "added"
    assert members[child.masked_id].changes == []
    got = {(c.kind, c.item_name) for c in members[father.masked_id].changes}
    assert got == {
        (ChangeKind.NEW, "车辆"),
        (ChangeKind.ENDED, "房产"),
        (ChangeKind.CHANGED, "纳税"),
    }
    by_kind = {c.kind: c for c in members[father.masked_id].changes}
    assert by_kind[ChangeKind.NEW].details == "小型轿车 豫S·12345"
    assert by_kind[ChangeKind.ENDED].details == "住宅 幸福路1号"
    assert (by_kind[ChangeKind.CHANGED].previous_amount, by_kind[ChangeKind.CHANGED].amount) == (
        Decimal("1000.00"),
        Decimal("2000.00"),
    )
    # Never a full ID number in what the selector hands to a page.
    assert father.id_number not in repr(ours)
    # The same for one request on its own.
    single = household_changes(second.requests.get(household=family))
    assert single == ours
    assert household_changes(first.requests.get(household=family)).previous_request_id is None
    assert mother  # listed only when something changed


def test_changes_take_a_fixed_number_of_queries(
    clerk,
    group,
    unit,
    other_unit,
    items,
    liaison,
    other_liaison,
    django_capture_on_commit_callbacks,
):
    def twice(count, town):
        make_households(count, office=group, clerk=clerk, town=town, members=2)
        upload_snapshot(unit, liaison, [])
        upload_snapshot(other_unit, other_liaison, [])
        first = submit(django_capture_on_commit_callbacks, actor=clerk, office=group, town=town)
        first.requests.update(
            submitted_at=timezone.now() - datetime.timedelta(days=400),
            completed_at=timezone.now() - datetime.timedelta(days=400),
        )
        people = HouseholdMember.objects.filter(household__town=town)
        upload_snapshot(unit, liaison, [(m.id_number, "车辆", "轿车", "") for m in people])
        second = submit(django_capture_on_commit_callbacks, actor=clerk, office=group, town=town)
        with CaptureQueriesContext(connection) as context:
            changes = batch_changes(second)
        assert sum(len(m.changes) for c in changes for m in c.members) == 2 * count
        return len(context)

    small, big = twice(2, "小镇"), twice(20, "大镇")
    assert small == big


def test_changes_are_computed_when_the_batch_finishes_and_kept_until_stale(
    clerk,
    group,
    unit,
    other_unit,
    items,
    liaison,
    other_liaison,
    django_capture_on_commit_callbacks,
):
    make_households(3, office=group, clerk=clerk, members=2)
    upload_snapshot(unit, liaison, [])
    upload_snapshot(other_unit, other_liaison, [])
    first = submit(django_capture_on_commit_callbacks, actor=clerk, office=group)
    long_ago = timezone.now() - datetime.timedelta(days=400)
    first.requests.update(submitted_at=long_ago, completed_at=long_ago)
    people = list(HouseholdMember.objects.filter(household__office=group).order_by("pk"))
    upload_snapshot(unit, liaison, [(people[0].id_number, "车辆", "轿车", "")])
    second = submit(django_capture_on_commit_callbacks, actor=clerk, office=group)
    second.refresh_from_db()
    assert second.status == VerificationBatch.Status.COMPLETED
    # The finished batch's task compared it already: the page's call only checks the state.
    with CaptureQueriesContext(connection) as context:
        kept = stored_batch_changes(second)
    assert len(context) == 1
    assert (kept.completed, kept.compared, kept.first_time, len(kept)) == (3, 3, 0, 1)
    [household] = kept[0:50]
    assert household.household_id == people[0].household_id
    [member] = household.members
    assert [(c.kind, c.item_name) for c in member.changes] == [(ChangeKind.NEW, "车辆")]
    # What the cache returns is what a fresh comparison gives.
    assert kept[0] == [h for h in batch_changes(second) if h.has_changes][0]

    # A correction of a finding makes the kept comparison stale: the next call compares again.
    car = Finding.objects.get(
        department_check__request__batch=second, member=people[0], item__name="车辆"
    )
    police = car.department_check
    services.check_correct(
        actor=liaison,
        check=police,
        findings=[
            FindingData(f.member_id, f.item_id, Finding.Result.NO_RECORD)
            for f in police.findings.all()
        ],
        reason="登记有误",
    )
    with CaptureQueriesContext(connection) as context:
        now = stored_batch_changes(second)
    assert len(context) > 1
    assert (len(now), now.completed) == (0, 3)
    # So does a request of the office completed since.
    with CaptureQueriesContext(connection) as context:
        assert len(stored_batch_changes(second)) == 0
    assert len(context) == 1
    later = VerificationRequest.objects.filter(batch=second).first()
    VerificationRequest.objects.filter(pk=later.pk).update(completed_at=timezone.now())
    with CaptureQueriesContext(connection) as context:
        stored_batch_changes(second)
    assert len(context) > 1
