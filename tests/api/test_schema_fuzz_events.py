"""schemathesis over the operations tagged ``events`` (the client's subscriptions), against
the live test server with a real client token holding ``events:manage``: generated calls
(valid and not) answer no server error and nothing that breaks the schema, and never show
or end another client's subscription."""

import pytest
import schemathesis

from api import webhooks
from api.models import EventSubscription, Scope
from tests.api.test_schema_fuzz import fuzz
from tests.api.test_v1 import register

pytestmark = pytest.mark.django_db(transaction=True)


def _event_operations(url):
    schema = schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    return [op for op in operations if "events" in (schema.get_tags(op) or [])]


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
    headers = {"Authorization": f"Bearer {token}"}
    operations = _event_operations(live_server.url)
    assert {op.label for op in operations} == {
        "GET /api/v1/subscriptions",
        "POST /api/v1/subscriptions",
        "DELETE /api/v1/subscriptions/{subscription_id}",
    }
    for operation in operations:

        def not_theirs(case, response):
            if response.status_code == 200 and case.method == "GET":
                assert foreign.pk not in {s["id"] for s in response.json()}

        fuzz(operation, live_server.url, headers, not_theirs)
    foreign.refresh_from_db()
    assert foreign.active  # never ended by another client
    created = EventSubscription.objects.exclude(pk=foreign.pk)
    assert all(s.url.startswith("https://") for s in created)
