"""Log lines tie together what one web request caused: the response names its correlation
id (django-guid), the request's own lines carry it, and so do the lines a worker writes
while running the tasks the request sent, with the task's own id, in JSON when
LOG_FORMAT=json."""

import io
import json
import logging

import pytest
from django.urls import reverse

from members.models import Liaison
from tests.factories import UserFactory


@pytest.fixture
def console_lines():
    """What the root's console handler (LOGGING) prints while the test runs."""
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.mark.django_db
def test_a_requests_lines_carry_its_correlation_id(client, console_lines):
    response = client.get("/no-such-page/")
    correlation_id = response["Correlation-ID"]
    assert len(correlation_id) == 32
    assert f"[{correlation_id}] django.request: Not Found: /no-such-page/" in (
        console_lines.getvalue()
    )


@pytest.mark.django_db
def test_a_callers_correlation_id_is_kept(client):
    given = "0123456789abcdef0123456789abcdef"
    response = client.get(reverse("health"), HTTP_CORRELATION_ID=given)
    assert response["Correlation-ID"] == given


@pytest.fixture
def json_logs(monkeypatch):
    """The worker started after this fixture prints JSON lines."""
    monkeypatch.setenv("LOG_FORMAT", "json")


@pytest.mark.broker
def test_the_tasks_a_request_sends_log_under_its_id(
    json_logs, celery_worker, tmp_path, admin_client, unit
):
    person = UserFactory(username="guid-test", email="g@example.invalid")
    response = admin_client.post(
        reverse("admin:members_liaison_add"),
        {"user": person.pk, "unit": unit.pk, "title": "科员", "phone": "010-1234", "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    correlation_id = response["Correlation-ID"]
    celery_worker(lambda: Liaison.objects.filter(user=person, notified_at__isnull=False).exists())
    lines = [
        json.loads(line)
        for line in (tmp_path / "worker.log").read_text().splitlines()
        if line.startswith("{")
    ]
    tied = [line for line in lines if line["correlation_id"] == correlation_id]
    assert any("members.tasks.liaison_notify_appointed" in line["message"] for line in tied), lines
    assert any(line["celery_current_id"] for line in tied), tied
    assert all(line["time"].endswith("+00:00") for line in tied)
