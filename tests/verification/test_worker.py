"""Each department has its own queue (``verify.<unit code>``), served by a real Celery
worker process through Redis: a worker that serves three of four departments delivers
their checks, while the fourth department's check waits in its own queue untouched.

Runs with CELERY_BROKER_URL (Redis) and DATABASE_URL (PostgreSQL) set; reported as not
run otherwise."""

import pytest

from assistance.broker import queue_length, queues_delete
from assistance.models import Notification
from tests.factories import LiaisonFactory, MemberUnitFactory, UserFactory
from tests.verification.factories import VerificationItemFactory, authorize_all, register_family
from verification import services
from verification.models import DepartmentCheck, VerificationRequest
from verification.services import FindingData

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]

UNSERVED = "test-expropriation"


@pytest.fixture
def departments(group, unit, other_unit, liaison, other_liaison):
    """Four units, each with an item and a liaison: {unit: liaison}."""
    housing = MemberUnitFactory(group=group, name="区住房城乡建设委", code="test-housing")
    expropriation = MemberUnitFactory(group=group, name="区房屋征收中心", code=UNSERVED)
    pairs = {
        unit: liaison,
        other_unit: other_liaison,
        housing: LiaisonFactory(unit=housing, user=UserFactory(username="housing")).user,
        expropriation: LiaisonFactory(unit=expropriation, user=UserFactory(username="exp")).user,
    }
    for department in pairs:
        VerificationItemFactory(unit=department)
    return pairs


@pytest.fixture
def celery_worker_queues(departments):
    # Depending on ``departments`` makes the units exist before the worker reads them.
    return ",".join(unit.code for unit in departments if unit.code != UNSERVED)


@pytest.fixture
def unserved_queue():
    """The queue no worker serves; deleted afterwards, so its task does not reach a later
    run."""
    yield f"verify.{UNSERVED}"
    queues_delete([f"verify.{UNSERVED}"])


def test_each_department_queue_is_consumed_only_by_workers_serving_it(
    celery_worker, unserved_queue, clerk, group, departments
):
    household = register_family(actor=clerk, office=group)
    authorize_all(actor=clerk, household=household)
    # The request commits here, and its checks go to Redis.
    request = services.request_submit(actor=clerk, household=household)

    checks = {c.unit.code: c for c in request.checks.select_related("unit")}
    assert len(checks) == 4
    served = [c.pk for code, c in checks.items() if code != UNSERVED]
    celery_worker(
        lambda: (
            DepartmentCheck.objects.filter(
                pk__in=served, status=DepartmentCheck.Status.DELIVERED
            ).count()
            == 3
        )
    )
    for department, liaison in departments.items():
        check = DepartmentCheck.objects.get(pk=checks[department.code].pk)
        notices = Notification.objects.filter(user=liaison, url=check.get_absolute_url())
        if department.code == UNSERVED:
            assert check.status == DepartmentCheck.Status.QUEUED
            assert check.delivered_at is None
            assert not notices.exists()
        else:
            assert check.delivered_at is not None
            assert notices.count() == 1
    # The unserved department's task sits in its own queue; the served queues are empty.
    assert queue_length(unserved_queue) == 1
    for code in checks:
        if code != UNSERVED:
            assert queue_length(f"verify.{code}") == 0

    # Every department answers (the unserved one straight from the queue, as a connector
    # would), and the request completes.
    for check in request.checks.all():
        findings = [
            FindingData(member.pk, item.pk, "no_record")
            for member in household.members.all()
            for item in check.items.all()
        ]
        services.check_answer(actor=departments[check.unit], check=check, findings=findings)
    request.refresh_from_db()
    assert request.status == VerificationRequest.Status.COMPLETED
    assert request.completed_at is not None
