"""schemathesis against the live test server over the referrals' operations (tag
"referrals"), with a real client token holding both referral scopes, while referrals exist
for the calling unit and for another one. The path's referral id is, about half the time, one
that exists (the unit's own or the other unit's), so the generated bodies meet real
referrals in every state the calls lead them to. No server error, nothing that breaks the
schema, and no response carries the other unit's referral (its id is only ever 404)."""

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from api.models import Scope
from intake.models import Referral
from tests.api.test_schema_fuzz import operations
from tests.api.test_v1 import register
from tests.intake.conftest import receive, refer

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = 40


def _ids(body) -> set:
    """Every referral id a response shows: the referral's own, or each row's of a list."""
    if not isinstance(body, dict):
        return set()
    rows = body.get("referrals") if isinstance(body.get("referrals"), list) else [body]
    return {row.get("id") for row in rows if isinstance(row, dict)}


def test_every_referral_operation_keeps_its_contract(
    live_server, security_administrator, clerk, group, program, unit, other_unit, referred
):
    refer(clerk, receive(clerk, group, [program], applicant_name="王五"), unit)
    refer(clerk, receive(clerk, group, [program], applicant_name="赵六"), other_unit)
    _client, token = register(
        security_administrator, unit, scopes=[Scope.REFERRALS_READ, Scope.REFERRALS_ACT]
    )
    foreign = set(Referral.objects.exclude(unit=unit).values_list("pk", flat=True))
    existing = sorted(Referral.objects.values_list("pk", flat=True))
    assert foreign and set(existing) - foreign
    headers = {"Authorization": f"Bearer {token}"}
    referral_operations = operations(live_server.url, "referrals")
    assert {op.label for op in referral_operations} == {
        "GET /api/v1/referrals",
        "GET /api/v1/referrals/{referral_id}",
        "POST /api/v1/referrals/{referral_id}/sign",
        "POST /api/v1/referrals/{referral_id}/return",
        "POST /api/v1/referrals/{referral_id}/progress",
        "POST /api/v1/referrals/{referral_id}/close",
    }
    for operation in referral_operations:

        @hypothesis_settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck)
        )
        @given(case=operation.as_strategy(), real=st.none() | st.sampled_from(existing))
        def run(case, real):
            if "referral_id" not in (case.path_parameters or {}):
                real = None
            elif real is not None:
                case.path_parameters["referral_id"] = real
            response = case.call(base_url=live_server.url, headers=headers)
            assert response.status_code < 500, (case.path, response.text)
            case.validate_response(response)
            if real in foreign:
                assert response.status_code in (401, 403, 404, 422), (case.path, real)
            if response.status_code == 200:
                assert not _ids(response.json()) & foreign, (case.path, response.text)

        run()
