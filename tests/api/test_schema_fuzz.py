"""schemathesis against the live test server, with a real client token: every operation of
the checks (tag "checks"; the referrals have their own test), with generated data (valid
and not), answers no server error and nothing that breaks the schema, and no response
carries another unit's check."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from api.models import Scope
from tests.api.test_v1 import register
from verification.models import DepartmentCheck

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = 40


def operations(url, tag):
    """The operations of the live schema tagged ``tag`` (each router's fuzz test its own)."""
    schema = schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json").include(tag=tag)
    return [result.ok() for result in schema.get_all_operations()]


def _shown_ids(body) -> set:
    """Every object id a response shows: its own, or each row's of a list."""
    if not isinstance(body, dict):
        return set()
    rows = next((value for value in body.values() if isinstance(value, list)), None)
    rows = rows if rows is not None and "next_after" in body else [body]
    return {row.get("id") for row in rows if isinstance(row, dict)}


def fuzz(url, tag, token, *, labels, foreign, path_ids=None):
    """Every operation tagged ``tag`` (exactly ``labels``) with generated data: no server
    error, nothing that breaks the schema, none of the ``foreign`` ids in a response. With
    ``path_ids`` ({parameter: ids that exist}), the path's id is one of them about half the
    time, so the bodies meet real objects; a ``foreign`` one is never found."""
    headers = {"Authorization": f"Bearer {token}"}
    found = operations(url, tag)
    assert {op.label for op in found} == labels
    name, existing = next(iter((path_ids or {"": [None]}).items()))
    for operation in found:

        @hypothesis_settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck)
        )
        @given(case=operation.as_strategy(), real=st.none() | st.sampled_from(existing))
        def run(case, real):
            if name not in (case.path_parameters or {}):
                real = None
            elif real is not None:
                case.path_parameters[name] = real
            response = case.call(base_url=url, headers=headers)
            assert response.status_code < 500, (case.path, response.text)
            case.validate_response(response)
            if real in foreign:
                assert response.status_code in (404, 422), (case.path, real)
            if response.status_code == 200:
                assert not _shown_ids(response.json()) & foreign, (case.path, response.text)

        run()


def test_every_operation_keeps_its_contract(live_server, security_administrator, unit, checks):
    _client, token = register(
        security_administrator, unit, scopes=[Scope.CHECKS_READ, Scope.CHECKS_ANSWER]
    )
    fuzz(
        live_server.url,
        "checks",
        token,
        labels={
            "GET /api/v1/checks",
            "GET /api/v1/checks/{check_id}",
            "POST /api/v1/checks/{check_id}/answers",
            "POST /api/v1/checks/{check_id}/corrections",
        },
        foreign=set(DepartmentCheck.objects.exclude(unit=unit).values_list("pk", flat=True)),
    )
