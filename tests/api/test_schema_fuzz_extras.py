"""schemathesis against the live test server for the operations added to the checks
(corrections), the registry snapshots and the office's request status, each with a real
client token holding the scopes they need: no server error, nothing that breaks the
schema, and no response that carries another unit's check or snapshot, or another
office's request."""

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from api.models import Scope
from tests.api.test_v1 import register
from tests.factories import LeadingGroupFactory, MemberUnitFactory
from tests.verification.factories import VerificationItemFactory, authorize_all, register_family
from verification import connectors
from verification import services as verification_services
from verification.models import DepartmentCheck, RegistrySnapshot, VerificationRequest

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = 40
DEPARTMENT = {
    "POST /api/v1/checks/{check_id}/corrections",
    "POST /api/v1/snapshots",
    "GET /api/v1/snapshots/{snapshot_id}",
}
OFFICE = {"GET /api/v1/requests", "GET /api/v1/requests/{request_id}"}


@pytest.fixture
def world(clerk, group, unit, other_unit, other_liaison, checks):
    """The group's office hosted by 区民政局; a request of another group; a snapshot of
    another unit."""
    civil = MemberUnitFactory(group=group, name="区民政局", code="test-civil")
    group.office_host_unit = civil
    group.save(update_fields=["office_host_unit"])
    elsewhere = LeadingGroupFactory(code="elsewhere", name="另一区领导小组")
    VerificationItemFactory(unit=MemberUnitFactory(group=elsewhere, code="else-police"))
    household = register_family(actor=clerk, office=elsewhere)
    authorize_all(actor=clerk, household=household)
    verification_services.request_submit(actor=clerk, household=household)
    connectors.snapshot_receive(
        actor=other_liaison,
        unit=other_unit,
        upload=SimpleUploadedFile("e.csv", b"id_number,item\n"),
        taken_on=clerk.date_joined.date(),
    )
    return civil


def _fuzz(url, token, labels, foreign):
    schema = schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json")
    operations = [r.ok() for r in schema.get_all_operations() if r.ok().label in labels]
    assert {op.label for op in operations} == labels
    headers = {"Authorization": f"Bearer {token}"}
    for operation in operations:

        @hypothesis_settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck)
        )
        @given(case=operation.as_strategy())
        def run(case):
            response = case.call(base_url=url, headers=headers)
            assert response.status_code < 500, (case.path, response.text)
            case.validate_response(response)
            if response.status_code == 200:
                body = response.json() or {}
                rows = body.get("requests") or [body]
                assert not {row.get("id") for row in rows} & foreign[case.path.split("/")[3]]

        run()


def test_the_departments_operations_keep_their_contract(
    live_server, security_administrator, unit, world
):
    _client, token = register(
        security_administrator,
        unit,
        scopes=[Scope.CHECKS_READ, Scope.CHECKS_ANSWER, Scope.SNAPSHOTS_UPLOAD],
    )
    foreign = {
        "checks": set(DepartmentCheck.objects.exclude(unit=unit).values_list("pk", flat=True)),
        "snapshots": set(RegistrySnapshot.objects.exclude(unit=unit).values_list("pk", flat=True)),
    }
    _fuzz(live_server.url, token, DEPARTMENT, foreign)


def test_the_offices_operations_keep_their_contract(
    live_server, security_administrator, group, world
):
    _client, token = register(
        security_administrator, world, name="民政核对平台", scopes=[Scope.OFFICE_READ]
    )
    others = VerificationRequest.objects.exclude(household__office=group)
    _fuzz(live_server.url, token, OFFICE, {"requests": set(others.values_list("pk", flat=True))})
