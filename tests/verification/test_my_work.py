"""The "my work" home of the clerk and the liaison, for verification: departments'
questions, households due for re-check, checks to answer, registry extracts due; counts
from the selectors in a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.verification.factories import authorize_all, register_family
from verification import selectors, services
from verification.models import DepartmentCheck, UnitConnector

pytestmark = pytest.mark.django_db


def _work(client, user) -> dict:
    client.force_login(user)
    response = client.get(reverse("home"), headers={"accept-language": "zh-hans"})
    assert response.status_code == 200
    return {w.key: (w.count, w.url) for w in response.context["work"]}


def _file(clerk, household, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.request_submit(actor=clerk, household=household)


def test_the_clerk_sees_questions_and_households_due_for_recheck(
    client, clerk, liaison, group, items, authorized_household, django_capture_on_commit_callbacks
):
    register_family(actor=clerk, office=group, town="永定镇")  # never verified: due
    work = _work(client, clerk)
    assert work["recheck"] == (2, reverse("verification:batch_create"))
    assert work["questions"][0] == 0
    request = _file(clerk, authorized_household, django_capture_on_commit_callbacks)
    check = request.checks.get(unit=items["vehicles"].unit)
    services.check_return(actor=liaison, check=check, question="请补充户主身份证明")
    work = _work(client, clerk)
    assert work["recheck"][0] == 1  # the other one is under verification now
    assert work["questions"][0] == 1
    assert work["questions"][1].startswith(reverse("verification:request_list"))
    page = client.get(reverse("home"), headers={"accept-language": "zh-hans"}).content.decode()
    assert "待答复的部门问题" in page and "到期需复核的家庭" in page


def test_the_liaison_sees_checks_to_answer_and_the_registry_extract_due(
    client, clerk, liaison, unit, items, authorized_household, django_capture_on_commit_callbacks
):
    work = _work(client, liaison)
    assert work["checks"] == (0, reverse("verification:inbox"))
    assert "snapshot" not in work  # the unit answers by hand
    _file(clerk, authorized_household, django_capture_on_commit_callbacks)
    UnitConnector.objects.create(unit=unit, kind=UnitConnector.Kind.SNAPSHOT)
    work = _work(client, liaison)
    assert work["checks"][0] == 1
    assert work["snapshot"] == (1, reverse("verification:snapshot_list"))  # none uploaded yet


def test_an_extract_is_due_a_week_before_it_grows_too_old(unit):
    UnitConnector.objects.create(
        unit=unit, kind=UnitConnector.Kind.SNAPSHOT, max_snapshot_age_days=31
    )
    today = timezone.localdate()
    assert selectors.snapshot_due(unit, today) == {"taken_on": None, "due_on": today, "due": True}


def test_the_homes_cost_the_same_queries_however_much_waits(
    client, clerk, liaison, group, items, authorized_household, django_capture_on_commit_callbacks
):
    _file(clerk, authorized_household, django_capture_on_commit_callbacks)

    def queries(user) -> int:
        client.force_login(user)
        with CaptureQueriesContext(connection) as context:
            client.get(reverse("home"))
        return len(context.captured_queries)

    few = (queries(clerk), queries(liaison))
    for number in range(5):
        household = register_family(actor=clerk, office=group, town=f"镇{number}")
        authorize_all(actor=clerk, household=household)
        _file(clerk, household, django_capture_on_commit_callbacks)
    DepartmentCheck.objects.update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    assert _work(client, liaison)["checks"][0] == 6
    assert _work(client, liaison)["checks-overdue"][0] == 6
    assert (queries(clerk), queries(liaison)) == few
