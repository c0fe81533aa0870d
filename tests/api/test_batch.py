"""Many checks answered in one call (POST /api/v1/checks/answers): each check answered or
refused on its own, nothing of a refused check written, another unit's check never
answered, the key replayed or reused, the size limit, a query count that does not grow
with the batch, and the same result as a liaison's answer on the page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api.batch import BATCH_LIMIT
from api.models import ApiClient, Scope
from assistance.models import Notification
from tests.api.test_v1 import register
from tests.verification.factories import (
    VerificationItemFactory,
    authorize_all,
    register_family,
)
from tests.verification.helpers import grid
from verification import services as verification_services
from verification.models import DepartmentCheck, Finding, VerificationRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(unit, other_unit):
    VerificationItemFactory(unit=unit, code="hukou")
    VerificationItemFactory(unit=unit, code="car", has_amount=True)
    VerificationItemFactory(unit=other_unit, code="tax")


def requests_for(clerk, group, count):
    """``count`` requests, each checked by ``unit`` and ``other_unit``."""
    requests = []
    for number in range(count):
        household = register_family(actor=clerk, office=group, town=f"街道{number}")
        authorize_all(actor=clerk, household=household)
        requests.append(verification_services.request_submit(actor=clerk, household=household))
    return requests


@pytest.fixture
def token(security_administrator, unit):
    return register(security_administrator, unit, scopes=[Scope.CHECKS_ANSWER])[1]


def answers(check, result="no_record", **override):
    rows = [
        {"member": member.pk, "item": item.code, "result": result, "details": ""}
        for member in check.request.members.order_by("pk")
        for item in check.items.order_by("pk")
    ]
    rows[0].update(override)
    return rows


def entry(check, **override):
    return {"check": check.pk, "answers": answers(check, **override)}


def post(client, token, body, key="batch-1", language="en"):
    return client.post(
        reverse("api-v1:answer_checks"),
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY=key,
        HTTP_ACCEPT_LANGUAGE=language,
    )


def mine(requests, unit):
    return [request.checks.get(unit=unit) for request in requests]


def test_a_batch_answers_every_check_and_completes_their_requests(
    client, clerk, group, unit, items, token
):
    requests = requests_for(clerk, group, 3)
    checks = mine(requests, unit)
    # The other unit answered first: the API's answer is each request's last.
    for request in requests:
        other = request.checks.exclude(unit=unit).get()
        findings = [
            verification_services.FindingData(member_id=m, item_id=i, result="no_record")
            for m in request.members.values_list("pk", flat=True)
            for i in other.items.values_list("pk", flat=True)
        ]
        verification_services.check_answer(actor=None, check=other, findings=findings)
    response = post(client, token, {"checks": [entry(check) for check in checks]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["answered"] == 3 and body["refused"] == 0
    assert [r["check"] for r in body["results"]] == [c.pk for c in checks]
    for check in checks:
        check.refresh_from_db()
        # Answered by the client's own account, as a single answer through the API is.
        assert check.status == "answered"
        assert check.answered_by == ApiClient.objects.get(unit=unit).principal
        assert check.findings.count() == check.request.members.count() * 2
        assert check.history.first().status == "answered"
        assert check.request.status == VerificationRequest.Status.COMPLETED
        assert check.request.history.first().status == "completed"
    assert Finding.history.filter(department_check__in=checks).count() == sum(
        c.findings.count() for c in checks
    )
    # Each requester is told once per request, as after a liaison's last answer.
    told = Notification.objects.filter(user=clerk, message_key__contains="Every department")
    assert told.count() == 3


def test_each_bad_check_is_refused_alone_and_nothing_of_it_written(
    client, clerk, group, unit, other_unit, items, token
):
    requests = requests_for(clerk, group, 6)
    good, outsider, wrong_member, missing, state, unknown_item = mine(requests, unit)
    foreign = requests[0].checks.get(unit=other_unit)
    verification_services.request_cancel(actor=clerk, request=state.request)
    incomplete = entry(missing)
    incomplete["answers"] = incomplete["answers"][1:]
    body = {
        "checks": [
            entry(good),
            entry(foreign),  # another unit's check: as if it did not exist
            entry(outsider, member=wrong_member.request.members.first().pk),
            incomplete,
            entry(state),  # cancelled with its request
            entry(unknown_item, item="tax"),
        ]
    }
    response = post(client, token, body)
    assert response.status_code == 200, response.content
    results = {r["check"]: r for r in response.json()["results"]}
    assert results[good.pk]["status"] == "answered"
    assert results[foreign.pk]["code"] == "not_found"
    assert results[outsider.pk]["code"] == "refused"
    assert "does not cover" in results[outsider.pk]["message"]
    assert results[missing.pk]["message"].startswith("Answer every item for every member")
    assert results[state.pk]["code"] == "wrong_state"
    assert results[unknown_item.pk] == {
        "check": unknown_item.pk,
        "status": "refused",
        "code": "refused",
        "message": "This check asks for no such item.",
        "field": "checks.5.answers.0.item",
    }
    assert response.json()["answered"] == 1 and response.json()["refused"] == 5
    refused = [foreign, outsider, missing, state, unknown_item]
    assert not Finding.objects.filter(department_check__in=refused).exists()
    for check in refused:
        check.refresh_from_db()
        assert check.status != "answered" and check.answered_at is None


def test_the_refusal_is_in_the_callers_language(client, clerk, group, unit, items, token):
    (check,) = mine(requests_for(clerk, group, 1), unit)
    body = {"checks": [entry(check, result="record_found")]}
    result = post(client, token, body, language="zh-hans").json()["results"][0]
    assert result["code"] == "refused" and "记录" in result["message"]


def test_a_replay_returns_the_first_response_and_another_body_is_refused(
    client, clerk, group, unit, items, token
):
    first_check, second_check = mine(requests_for(clerk, group, 2), unit)
    body = {"checks": [entry(first_check)]}
    first = post(client, token, body)
    assert first.status_code == 200
    again = post(client, token, body)
    assert again.status_code == 200 and again.json() == first.json()
    assert first_check.findings.count() == len(body["checks"][0]["answers"])
    other = post(client, token, {"checks": [entry(second_check)]})
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    assert not second_check.findings.exists()


def test_oversized_duplicated_or_keyless_batches_are_refused_whole(
    client, clerk, group, unit, items, token, security_administrator
):
    (check,) = mine(requests_for(clerk, group, 1), unit)
    one = entry(check)
    too_many = {"checks": [one] * (BATCH_LIMIT + 1)}
    response = post(client, token, too_many)
    assert response.status_code == 422 and response.json()["field"] == "checks"
    twice = post(client, token, {"checks": [one, one]})
    assert twice.status_code == 409 and twice.json()["code"] == "duplicate_check"
    assert twice.json()["field"] == "checks.1.check"
    assert post(client, token, {"checks": [one]}, key="").status_code == 422
    reader = register(security_administrator, unit, name="只读", scopes=[Scope.CHECKS_READ])[1]
    assert post(client, reader, {"checks": [one]}).status_code == 403
    assert not check.findings.exists()


def test_the_query_count_does_not_grow_with_the_batch(client, clerk, group, unit, items, token):
    checks = mine(requests_for(clerk, group, 110), unit)
    counts = []
    for key, part in (("small", checks[:10]), ("large", checks[10:])):
        body = {"checks": [entry(c) for c in part]}
        with CaptureQueriesContext(connection) as queries:
            response = post(client, token, body, key=key)
        assert response.json()["answered"] == len(part)
        # SQLite splits a large INSERT by its limit on parameters; PostgreSQL does not.
        sqlite = connection.vendor == "sqlite"
        counts.append(sum(not (sqlite and q["sql"].startswith("INSERT")) for q in queries))
    assert counts[0] == counts[1], counts


def _answered(check):
    members = list(check.request.members.order_by("pk").values_list("pk", flat=True))
    return sorted(
        (members.index(f.member_id), f.item_id, f.result, f.details, f.amount)
        for f in check.findings.all()
    )


def test_the_result_equals_the_liaisons_answer_on_the_page(
    client, clerk, group, unit, items, token, liaison
):
    by_page, by_api = mine(requests_for(clerk, group, 2), unit)
    car = by_page.items.get(code="car")
    first = by_page.request.members.order_by("pk").first()
    client.force_login(liaison)
    key = f"{first.pk}_{car.pk}"
    page = client.post(
        reverse("verification:check_answer", kwargs={"pk": by_page.pk}),
        grid(
            by_page,
            **{
                f"result_{key}": "record_found",
                f"details_{key}": "小型汽车",
                f"amount_{key}": "5.5",
            },
        ),
    )
    assert page.status_code == 302
    client.logout()
    rows = answers(by_api)
    for row in rows:
        if row["item"] == "car" and row["member"] == by_api.request.members.order_by("pk")[0].pk:
            row.update(result="record_found", details="小型汽车", amount=5.5)
    response = post(client, token, {"checks": [{"check": by_api.pk, "answers": rows}]})
    assert response.json()["answered"] == 1
    by_page.refresh_from_db()
    by_api.refresh_from_db()
    assert _answered(by_page) == _answered(by_api)
    assert (by_page.status, by_page.overdue) == (by_api.status, by_api.overdue)
    assert by_page.request.status == by_api.request.status
    for check in (by_page, by_api):
        assert check.history.count() == 2  # created, answered
        history = Finding.history.filter(department_check_id=check.pk)
        assert history.count() == check.findings.count() == 6  # 3 members × 2 items
    assert DepartmentCheck.objects.filter(unit=unit, status="answered").count() == 2
