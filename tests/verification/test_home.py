"""The home pages show each role the verification work waiting for it."""

import datetime

import pytest
from django.urls import reverse

from verification import services
from verification.models import DepartmentCheck

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(clerk, authorized_household, items, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.request_submit(actor=clerk, household=authorized_household)


def test_liaison_home_counts_their_units_open_checks(client, liaison, other_liaison, filed):
    client.force_login(liaison)
    assert client.get(reverse("home")).context["checks"] == {"open": 1, "overdue": 0}
    DepartmentCheck.objects.filter(request=filed).update(deadline=datetime.date(2020, 1, 2))
    assert client.get(reverse("home")).context["checks"] == {"open": 1, "overdue": 1}


def test_clerk_home_counts_requests_returned_and_overdue(client, clerk, liaison, unit, filed):
    client.force_login(clerk)
    assert client.get(reverse("home")).context["verification"] == {
        "under_way": 1,
        "returned": 0,
        "overdue": 0,
    }
    services.check_return(actor=liaison, check=filed.checks.get(unit=unit), question="户籍地址？")
    summary = client.get(reverse("home")).context["verification"]
    assert summary["returned"] == 1


def test_administrator_home_warns_of_provisional_deadlines(
    client, administrator, today, clerk, authorized_household, items
):
    today(datetime.date(2026, 12, 28))
    services.request_submit(actor=clerk, household=authorized_household)
    client.force_login(administrator)
    response = client.get(reverse("home"))
    assert response.context["provisional_years"] == {2027: 2}
    assert reverse("admin:assistance_calendaryear_changelist") in response.content.decode()
