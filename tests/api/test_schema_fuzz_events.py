"""schemathesis over the operations tagged ``events`` (the client's subscriptions), against
the live test server with a real client token holding ``events:manage``: generated calls
(valid and not) answer no server error and nothing that breaks the schema, and never show
or end another client's subscription (its id, tried as a path about half the time, is
never found)."""

import pytest

from api import webhooks
from api.models import EventSubscription, Scope
from tests.api.test_schema_fuzz import fuzz
from tests.api.test_v1 import register

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_events_operation_keeps_its_contract(
    live_server, security_administrator, unit, other_unit, settings
):
    settings.API_EVENT_LOCAL_HTTP = False
    _client, token = register(security_administrator, unit, scopes=[Scope.EVENTS_MANAGE])
    other, _token = register(security_administrator, other_unit, name="税务系统")
    foreign, _secret = webhooks.subscription_create(
        actor=security_administrator,
        client=other,
        url="https://tax.example/hooks",
        events=["check.created"],
    )
    fuzz(
        live_server.url,
        "events",
        token,
        labels={
            "GET /api/v1/subscriptions",
            "POST /api/v1/subscriptions",
            "DELETE /api/v1/subscriptions/{subscription_id}",
        },
        foreign={foreign.pk},
        path_ids={"subscription_id": [foreign.pk]},
    )
    foreign.refresh_from_db()
    assert foreign.active  # never ended by another client
    created = EventSubscription.objects.exclude(pk=foreign.pk)
    assert all(s.url.startswith("https://") for s in created)
