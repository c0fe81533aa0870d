"""The health endpoints a load balancer and the operators' monitoring call: no sign-in,
nothing personal, 503 as soon as something the site needs is unreachable."""

import pytest
from django.urls import reverse

from tests.factories import MemberUnitFactory
from tests.verification.helpers import broker_down


@pytest.mark.django_db
def test_the_web_process_is_healthy_with_tasks_run_in_process(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "broker": "in_process",
    }
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_an_unreachable_cache_is_503(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["cache"] == "unreachable"
    assert response.json()["database"] == "ok"


@pytest.mark.broker
@pytest.mark.django_db
def test_the_broker_is_reached_and_its_loss_is_503(client):
    assert client.get(reverse("health")).json()["broker"] == "ok"
    with broker_down():
        response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json() == {
        "status": "unreachable",
        "database": "ok",
        "cache": "ok",
        "broker": "unreachable",
    }


@pytest.mark.broker
def test_workers_consuming_every_queue_are_healthy_and_a_new_units_queue_is_not(
    client, celery_worker, group
):
    response = client.get(reverse("health_workers"))
    body = response.json()
    assert response.status_code == 200, body
    assert body["unconsumed"] == []
    (worker_queues,) = body["workers"].values()
    assert "default" in worker_queues
    # A unit added in the admin: its queue waits for a worker started to consume it.
    MemberUnitFactory(group=group, code="newunit", name="区新设局")
    response = client.get(reverse("health_workers"))
    assert response.status_code == 503
    assert response.json()["unconsumed"] == ["verify.newunit"]


@pytest.mark.django_db
def test_workers_are_not_asked_for_when_tasks_run_in_process(client):
    response = client.get(reverse("health_workers"))
    assert response.status_code == 200
    assert response.json()["status"] == "in_process"
