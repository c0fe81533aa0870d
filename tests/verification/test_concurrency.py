"""Two departments answering the last two checks of a request at the same moment: the
request completes exactly once (one history row, one notice to the clerk). Completion is
decided in the database under row locks, which only a real concurrent database tests, so
this runs on PostgreSQL only."""

import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from assistance.models import Notification
from tests.factories import LiaisonFactory, MemberUnitFactory, UserFactory
from tests.verification.factories import VerificationItemFactory, authorize_all, register_family
from verification import answering, services
from verification.connectors import snapshot_import
from verification.models import DepartmentCheck, UnitConnector, VerificationRequest
from verification.services import FindingData

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 5


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "concurrent answers need row locks: run with DATABASE_URL set to PostgreSQL "
            "(SQLite serialises every write, so there is no race to test)"
        )


@pytest.fixture
def departments(group, unit, other_unit, liaison, other_liaison):
    """Three units, each with an item and a liaison: (unit, liaison) pairs."""
    third = MemberUnitFactory(group=group, name="区住房城乡建设委", code="test-housing")
    third_liaison = LiaisonFactory(unit=third, user=UserFactory(username="housing-liaison")).user
    pairs = [(unit, liaison), (other_unit, other_liaison), (third, third_liaison)]
    for department, _ in pairs:
        VerificationItemFactory(unit=department)
    return pairs


def _findings(check):
    return [
        FindingData(member.pk, item.pk, "no_record")
        for member in check.request.household.members.order_by("pk")
        for item in check.items.order_by("pk")
    ]


def _answer_together(answers):
    """Run each (liaison, check, findings) in its own thread, all released at once."""
    barrier = threading.Barrier(len(answers))
    errors = []

    def run(liaison, check, findings):
        try:
            # Connect first, so both answers start their transactions at the same moment.
            connection.ensure_connection()
            barrier.wait(timeout=10)
            services.check_answer(actor=liaison, check=check, findings=findings)
        except Exception as exc:  # reported by the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=answer) for answer in answers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "an answer never finished"
    return errors


def test_the_last_two_answers_at_once_complete_the_request_exactly_once(clerk, group, departments):
    household = register_family(actor=clerk, office=group)
    authorize_all(actor=clerk, household=household)
    liaison_of = dict(departments)

    for _ in range(ROUNDS):
        request = services.request_submit(actor=clerk, household=household)
        checks = list(request.checks.select_related("unit", "request__household"))
        assert len(checks) == 3
        first, *last_two = checks
        services.check_answer(actor=liaison_of[first.unit], check=first, findings=_findings(first))

        errors = _answer_together(
            [(liaison_of[check.unit], check, _findings(check)) for check in last_two]
        )

        assert errors == []
        request.refresh_from_db()
        assert request.status == VerificationRequest.Status.COMPLETED
        assert set(request.checks.values_list("status", flat=True)) == {
            DepartmentCheck.Status.ANSWERED
        }
        assert request.history.filter(status=VerificationRequest.Status.COMPLETED).count() == 1
        assert Notification.objects.filter(user=clerk, url=request.get_absolute_url()).count() == 1


def test_a_delivery_does_not_deadlock_with_an_answer_to_the_same_check(
    clerk, group, departments, monkeypatch
):
    # Keep the checks queued: no delivery task runs on commit.
    monkeypatch.setattr(services, "enqueue_checks", lambda checks: None)
    household = register_family(actor=clerk, office=group)
    authorize_all(actor=clerk, household=household)
    request = services.request_submit(actor=clerk, household=household)
    check = request.checks.first()
    assert check.status == DepartmentCheck.Status.QUEUED

    request_locked = threading.Event()
    errors = []

    def answer_side():
        # What check_answer does, slowed down between its two locks: the request first,
        # then the check.
        try:
            with transaction.atomic():
                VerificationRequest.objects.select_for_update().get(pk=request.pk)
                request_locked.set()
                time.sleep(0.5)  # the delivery starts meanwhile
                DepartmentCheck.objects.select_for_update().get(pk=check.pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=answer_side)
    thread.start()
    assert request_locked.wait(timeout=10)
    delivered = services.check_deliver(check_id=check.pk)
    thread.join(timeout=30)

    assert errors == []
    assert delivered is True


def test_a_batchs_chunk_does_not_wait_for_a_request_someone_has_locked(
    clerk, group, departments, monkeypatch
):
    """A department's chunk of a batch answers its checks while another writer (a
    liaison's answer, another department's chunk) holds their requests: the chunk takes
    no request lock, so departments do not queue behind one another."""
    monkeypatch.setattr(services, "enqueue_checks", lambda checks: None)
    (unit, liaison), *_ = departments
    UnitConnector.objects.create(unit=unit, kind=UnitConnector.Kind.SNAPSHOT)
    upload = SimpleUploadedFile("extract.csv", "身份证号码,核对事项,详情,金额".encode())
    snapshot = snapshot_import(
        actor=liaison, unit=unit, upload=upload, taken_on=timezone.localdate()
    )
    household = register_family(actor=clerk, office=group)
    authorize_all(actor=clerk, household=household)
    request = services.request_submit(actor=clerk, household=household)
    check = request.checks.get(unit=unit)

    request_locked, release = threading.Event(), threading.Event()

    def holder():
        try:
            with transaction.atomic():
                VerificationRequest.objects.select_for_update().get(pk=request.pk)
                request_locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert request_locked.wait(timeout=10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            # The single request's way locks the request: it would wait, and time out.
            with pytest.raises(OperationalError), transaction.atomic():
                answering.answer_from_snapshot([check.pk], snapshot)
            answered = answering.answer_from_snapshot([check.pk], snapshot, complete=False)
    finally:
        release.set()
        thread.join(timeout=30)
    assert answered == (1, [])
    check.refresh_from_db()
    assert check.status == DepartmentCheck.Status.ANSWERED
