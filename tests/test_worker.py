"""Celery against the real broker: a task enqueued after commit is consumed by a worker
process and its work lands in the database."""

import pytest

from members.models import Liaison
from members.services import liaison_appoint
from tests.factories import UserFactory

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]


def test_liaison_appointment_is_told_by_a_real_worker(celery_worker, administrator, unit):
    person = UserFactory(username="worker-test", email="w@example.invalid")
    liaison = liaison_appoint(actor=administrator, user=person, unit=unit)
    celery_worker(lambda: Liaison.objects.filter(pk=liaison.pk, notified_at__isnull=False).exists())
    notified_at = Liaison.objects.get(pk=liaison.pk).notified_at
    assert notified_at is not None
