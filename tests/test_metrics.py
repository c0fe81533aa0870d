"""Prometheus metrics at /metrics: the web process's requests, and what every host reads
alike (queue depths from the broker, checks answered per department, task failures
counted by the workers). Only for the allowed addresses."""

import datetime
import re

import pytest
from celery import current_app
from django.urls import reverse

from dashboards.models import CheckWeek


def _metrics(client, **extra) -> str:
    response = client.get(reverse("metrics"), **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def _value(text: str, name: str, **labels) -> float | None:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    found = re.search(rf"^{re.escape(name)}\{{{re.escape(wanted)}\}} (\S+)$", text, re.M)
    return float(found.group(1)) if found else None


@pytest.mark.django_db
def test_requests_and_each_departments_answered_checks(client, unit, other_unit):
    monday = datetime.date(2026, 11, 23)
    for week, answered in ((monday, 7), (monday - datetime.timedelta(days=7), 5)):
        CheckWeek.objects.create(unit=unit, group=unit.group, week=week, answered=answered)
    CheckWeek.objects.create(unit=other_unit, group=other_unit.group, week=monday, answered=2)
    client.get(reverse("health"))
    text = _metrics(client)
    assert _value(text, "office_checks_answered_total", unit=unit.code) == 12
    assert _value(text, "office_checks_answered_total", unit=other_unit.code) == 2
    # django-prometheus's middlewares counted the health request by its view.
    assert re.search(
        r'^django_http_requests_total_by_view_transport_method_total\{method="GET",'
        r'transport="http",view="health"\} [1-9]',
        text,
        re.M,
    )
    task = "intake.tasks.referral_deliver_task"
    assert _value(text, "office_task_failures_total", task=task) == 0


@pytest.mark.django_db
def test_other_addresses_are_not_shown_the_metrics(client, settings):
    assert client.get(reverse("metrics"), REMOTE_ADDR="10.1.2.3").status_code == 404
    settings.METRICS_ALLOWED_ADDRESSES = "10.1.0.0/16"
    assert client.get(reverse("metrics"), REMOTE_ADDR="10.1.2.3").status_code == 200


@pytest.mark.broker
@pytest.mark.django_db
def test_messages_waiting_in_a_departments_queue(client, unit):
    queue = f"verify.{unit.code}"
    with current_app.connection_for_write() as conn:
        current_app.send_task("verification.tasks.check_deliver_task", args=[0], queue=queue)
        try:
            assert _value(_metrics(client), "office_queue_messages", queue=queue) == 1
        finally:
            with conn.channel() as channel:
                channel.queue_purge(queue)
    assert _value(_metrics(client), "office_queue_messages", queue=queue) == 0


@pytest.mark.broker
def test_a_workers_failed_task_is_counted(client, celery_worker):
    name = "verification.tasks.batch_changes_warm_task"
    assert _value(_metrics(client), "office_task_failures_total", task=name) == 0
    current_app.send_task(name, args=[])  # its batch id is missing: a TypeError in the worker
    celery_worker(lambda: _value(_metrics(client), "office_task_failures_total", task=name) == 1)
