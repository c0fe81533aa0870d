"""schemathesis against the live test server, with a real client token: every operation of
the schema, with generated data (valid and not), answers no server error and nothing that
breaks the schema, and no response carries another unit's check."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from api.models import Scope
from tests.api.test_v1 import register
from verification.models import DepartmentCheck

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = 40


def _operations(url):
    schema = schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def test_every_operation_keeps_its_contract(live_server, security_administrator, unit, checks):
    _client, token = register(
        security_administrator, unit, scopes=[Scope.CHECKS_READ, Scope.CHECKS_ANSWER]
    )
    foreign = set(DepartmentCheck.objects.exclude(unit=unit).values_list("pk", flat=True))
    headers = {"Authorization": f"Bearer {token}"}
    operations = _operations(live_server.url)
    assert {op.label for op in operations} >= {
        "GET /api/v1/checks",
        "GET /api/v1/checks/{check_id}",
        "POST /api/v1/checks/{check_id}/answers",
    }
    for operation in operations:

        def no_foreign_check(case, response):
            if response.status_code == 200 and "id" in (response.json() or {}):
                assert response.json()["id"] not in foreign

        fuzz(operation, live_server.url, headers, no_foreign_check)


def fuzz(operation, url, headers, check) -> None:
    """Call ``operation`` with EXAMPLES generated cases: no server error, every response
    as the schema says, and ``check(case, response)`` holds."""

    @hypothesis_settings(
        max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(case=operation.as_strategy())
    def run(case):
        response = case.call(base_url=url, headers=headers)
        assert response.status_code < 500, (case.path, response.text)
        case.validate_response(response)
        check(case, response)

    run()
