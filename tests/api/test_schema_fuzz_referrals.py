"""schemathesis against the live test server over the referrals' operations (tag
"referrals"), with a real client token holding both referral scopes, while referrals exist
for the calling unit and for another one. The path's referral id is, about half the time,
one that exists (the unit's own or the other unit's), so the generated bodies meet real
referrals in every state the calls lead them to. No server error, nothing that breaks the
schema, and no response carries the other unit's referral (its id is only ever 404, or
422 for a call the schema refuses first)."""

import pytest

from api.models import Scope
from intake.models import Referral
from tests.api.test_schema_fuzz import fuzz
from tests.api.test_v1 import register
from tests.intake.conftest import receive, refer

pytestmark = pytest.mark.django_db(transaction=True)


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
    fuzz(
        live_server.url,
        "referrals",
        token,
        labels={
            "GET /api/v1/referrals",
            "GET /api/v1/referrals/{referral_id}",
            "POST /api/v1/referrals/{referral_id}/sign",
            "POST /api/v1/referrals/{referral_id}/return",
            "POST /api/v1/referrals/{referral_id}/progress",
            "POST /api/v1/referrals/{referral_id}/close",
        },
        foreign=foreign,
        path_ids={"referral_id": existing},
    )
