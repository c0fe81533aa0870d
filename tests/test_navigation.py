"""Each role sees the navigation it needs, and only that."""

import pytest
from django.urls import reverse

from assistance.roles import Role

pytestmark = pytest.mark.django_db

EVERYONE = {"home", "members:group_list", "notifications"}
OFFICE = {
    "verification:request_list",
    "verification:household_list",
    "verification:batch_list",
    "ledger:conflicts",
    "monitoring:warning_list",
}
MEETINGS = {"meetings:meeting_list", "meetings:followup"}
INTAKE = {"intake:application_list"}
REPORTS = {"reporting:round_list"}
STEERING = {"dashboards:index", "performance:scores"}
EXPECTED = {
    Role.OFFICE_CLERK: EVERYONE | OFFICE | MEETINGS | INTAKE | REPORTS | STEERING,
    Role.OFFICE_DIRECTOR: EVERYONE
    | OFFICE
    | MEETINGS
    | INTAKE
    | REPORTS
    | STEERING
    | {"verification:overdue_list", "task_queues"},
    Role.CONVENER: EVERYONE | MEETINGS | STEERING,
    Role.AUDITOR: EVERYONE
    | INTAKE
    | REPORTS
    | {"members:change_log", "access_log", "account_changes", "login_log", "audit_events"},
    Role.ADMINISTRATOR: EVERYONE | {"members:change_log", "admin:index", "task_queues"},
    Role.UNIT_LIAISON: EVERYONE
    | MEETINGS
    | REPORTS
    | {"performance:scores"}
    | {"my_unit", "verification:inbox", "verification:snapshot_list", "intake:inbox"}
    | {"ledger:entry_list", "monitoring:visit_list"},
    None: EVERYONE,
}


def _urls(names, unit):
    urls = set()
    for name in names:
        if name == "my_unit":
            urls.add(reverse("members:unit_detail", kwargs={"code": unit.code}))
        else:
            urls.add(reverse(name))
    return urls


@pytest.mark.parametrize("role", list(EXPECTED))
def test_navigation_per_role(client, personas, unit, role):
    client.force_login(personas[role])
    response = client.get(reverse("home"))
    shown = {item["url"] for item in response.context["nav_items"]}
    assert shown == _urls(EXPECTED[role], unit)


def test_navigation_of_the_security_administrator(client):
    from tests.factories import UserFactory

    security = UserFactory(roles=[Role.SECURITY_ADMINISTRATOR], is_staff=True)
    client.force_login(security)
    response = client.get(reverse("home"))
    shown = {item["url"] for item in response.context["nav_items"]}
    assert shown == _urls({"home", "notifications", "locked_signins", "admin:index"}, None)


@pytest.mark.parametrize("role", [Role.OFFICE_CLERK, Role.UNIT_LIAISON, None])
def test_change_log_refused_to_other_roles(client, personas, role):
    client.force_login(personas[role])
    response = client.get(reverse("members:change_log"))
    assert response.status_code == 403
    assert "只有审计员和管理员" in response.content.decode()


@pytest.mark.parametrize("role", [Role.OFFICE_CLERK, Role.UNIT_LIAISON, Role.AUDITOR])
def test_admin_site_refused_to_non_staff(client, personas, role):
    client.force_login(personas[role])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "login" in response["Location"]
