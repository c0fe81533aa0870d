"""The API for the departments' systems, version 1: a client token bound to one unit,
with its scopes, source addresses and expiry; the unit's checks listed page by page and
read one at a time (ID numbers masked); another unit's check is 404; every refusal is JSON
with a code and a message in the caller's language; the schema and its page are served."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from api import services, tokens
from api.models import ApiClient, Scope
from tests.verification.factories import (
    VerificationItemFactory,
    authorize_all,
    register_family,
)
from verification import services as verification_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def checks(clerk, group, unit, other_unit):
    """Two requests checked by ``unit`` and ``other_unit``: two checks each."""
    VerificationItemFactory(unit=unit, code="hukou")
    VerificationItemFactory(unit=other_unit, code="tax")
    requests = []
    for town in ("大峪街道", "城子街道"):
        household = register_family(actor=clerk, office=group, town=town)
        authorize_all(actor=clerk, household=household)
        requests.append(verification_services.request_submit(actor=clerk, household=household))
    return requests


def register(actor, unit, **overrides):
    data = {
        "name": "公安人口信息系统",
        "unit": unit,
        "scopes": [Scope.CHECKS_READ],
        "allowed_addresses": "127.0.0.1\n10.0.0.0/8",
        "expires_at": timezone.now() + datetime.timedelta(days=90),
    }
    data.update(overrides)
    return services.client_register(actor=actor, **data)


def call(client, token, name, language="en", **kwargs):
    query = kwargs.pop("query", {})
    return client.get(
        reverse(f"api-v1:{name}", kwargs=kwargs or None),
        query,
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE=language,
    )


def test_only_a_hash_of_the_secret_is_kept(security_administrator, unit):
    client, token = register(security_administrator, unit)
    key, secret = tokens.split(token)
    stored = ApiClient.objects.get()
    assert stored.key_id == key and secret not in stored.secret_hash
    assert stored.secret_hash == tokens.digest(secret)
    assert stored.history.get().history_user == security_administrator


def test_the_unit_lists_its_own_open_checks_page_by_page(
    client, security_administrator, unit, checks
):
    _client, token = register(security_administrator, unit)
    first = call(client, token, "list_checks", query={"limit": 1})
    assert first.status_code == 200
    body = first.json()
    assert len(body["checks"]) == 1 and body["next_after"] == body["checks"][0]["id"]
    assert body["checks"][0]["items"] == ["hukou"]
    second = call(client, token, "list_checks", query={"limit": 1, "after": body["next_after"]})
    assert len(second.json()["checks"]) == 1 and second.json()["next_after"] is None
    ids = {c["id"] for c in body["checks"] + second.json()["checks"]}
    mine = {check.pk for request in checks for check in request.checks.filter(unit=unit)}
    assert ids == mine


def test_one_check_shows_its_authorised_members_in_full(
    client, security_administrator, unit, checks
):
    _client, token = register(security_administrator, unit)
    check = checks[0].checks.get(unit=unit)
    response = call(client, token, "get_check", check_id=check.pk)
    assert response.status_code == 200
    members = response.json()["members"]
    assert len(members) == 3
    for member, stored in zip(members, checks[0].members.order_by("pk"), strict=True):
        assert member["id_number"] == stored.id_number and member["id_number_full"]


def test_another_units_check_does_not_exist(client, security_administrator, unit, checks):
    _client, token = register(security_administrator, unit)
    foreign = checks[0].checks.exclude(unit=unit).get()
    response = call(client, token, "get_check", check_id=foreign.pk)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "spoil",
    ["revoked", "expired", "address", "wrong secret", "no key", "rotated"],
)
def test_a_client_that_may_not_call_gets_401(client, security_administrator, unit, spoil):
    api_client, token = register(security_administrator, unit)
    if spoil == "revoked":
        services.client_revoke(actor=security_administrator, client=api_client)
    elif spoil == "expired":
        ApiClient.objects.filter(pk=api_client.pk).update(
            expires_at=timezone.now() - datetime.timedelta(seconds=1)
        )
    elif spoil == "address":
        ApiClient.objects.filter(pk=api_client.pk).update(allowed_addresses="192.0.2.0/24")
    elif spoil == "wrong secret":
        token = token[:-2] + ("aa" if not token.endswith("aa") else "bb")
    elif spoil == "no key":
        token = token.split(".", 1)[1]
    else:
        services.client_rotate(actor=security_administrator, client=api_client)
    response = call(client, token, "list_checks")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_a_missing_scope_is_403(client, security_administrator, unit):
    _client, token = register(security_administrator, unit, scopes=[])
    response = call(client, token, "list_checks")
    assert response.status_code == 403 and response.json()["code"] == "scope"


@pytest.mark.parametrize(("language", "words"), [("zh-hans", "请求"), ("en", "not valid")])
def test_bad_input_names_the_field_in_the_callers_language(
    client, security_administrator, unit, language, words
):
    _client, token = register(security_administrator, unit)
    response = call(client, token, "list_checks", language=language, query={"limit": 1000})
    assert response.status_code == 422
    assert response.json()["field"] == "limit" and words in response.json()["message"]


def test_no_token_is_401_even_with_a_session(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("api-v1:list_checks"))
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_the_schema_and_its_page_are_served_from_local_files(client):
    schema = client.get(reverse("api-v1:openapi-json")).json()
    assert schema["openapi"].startswith("3.") and "/api/v1/checks" in schema["paths"]
    page = client.get(reverse("api-v1:openapi-view")).content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn" not in page.lower()


# --- Answering a check -----------------------------------------------------------------------


def answer_body(check, result="no_record", **override):
    members = check.request.members.order_by("pk")
    items = check.items.order_by("pk")
    answers = [
        {"member": member.pk, "item": item.code, "result": result, "details": ""}
        for member in members
        for item in items
    ]
    answers[0].update(override)
    return {"answers": answers}


def post_answer(client, token, check, body, key="k-1", language="en", name="answer_check"):
    """A write to ``check`` (its answer, or the operation ``name``) under ``key``."""
    return client.post(
        reverse(f"api-v1:{name}", kwargs={"check_id": check.pk}),
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY=key,
        HTTP_ACCEPT_LANGUAGE=language,
    )


@pytest.fixture
def answering(security_administrator, unit, checks):
    _client, token = register(
        security_administrator, unit, scopes=[Scope.CHECKS_READ, Scope.CHECKS_ANSWER]
    )
    return token, checks[0].checks.get(unit=unit)


def test_a_system_answers_a_check_once_whatever_the_retries(client, answering):
    token, check = answering
    body = answer_body(check)
    first = post_answer(client, token, check, body)
    assert first.status_code == 200 and first.json() == {"id": check.pk, "status": "answered"}
    check.refresh_from_db()
    # Answered by the system's own account, which the pages name "API: <its name>".
    assert check.status == "answered" and check.answered_by == ApiClient.objects.get().principal
    findings = check.findings.count()
    assert findings == check.request.members.count() * check.items.count()
    again = post_answer(client, token, check, body)
    assert again.status_code == 200 and again.json() == first.json()
    assert check.findings.count() == findings


def test_the_same_key_with_another_body_is_refused(client, answering):
    token, check = answering
    assert post_answer(client, token, check, answer_body(check)).status_code == 200
    other = answer_body(check, result="record_found", details="有房产一套")
    response = post_answer(client, token, check, other)
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"


@pytest.mark.parametrize(
    ("override", "status", "code"),
    [
        ({"member": 10**9}, 409, "refused"),  # a member the request does not cover
        ({"item": "no-such-item"}, 409, "refused"),
        ({"result": "maybe"}, 422, "invalid"),
        ({"result": "record_found"}, 409, "refused"),  # a record found needs its details
        ({"amount": -5}, 422, "invalid"),
    ],
)
def test_a_bad_answer_changes_nothing(client, answering, override, status, code):
    token, check = answering
    response = post_answer(client, token, check, answer_body(check, **override))
    assert response.status_code == status and response.json()["code"] == code
    check.refresh_from_db()
    assert check.status != "answered" and not check.findings.exists()


def test_answering_needs_the_scope_a_key_and_the_units_own_check(
    client, security_administrator, unit, checks, answering
):
    token, check = answering
    assert post_answer(client, token, check, answer_body(check), key="").status_code == 422
    reader, read_token = register(security_administrator, unit, name="只读系统")
    assert post_answer(client, read_token, check, answer_body(check)).status_code == 403
    foreign = checks[0].checks.exclude(unit=unit).get()
    assert post_answer(client, token, foreign, answer_body(check)).status_code == 404
    assert not check.findings.exists()


def test_the_largest_amount_the_schema_allows_is_kept_to_the_fen(client, answering):
    token, check = answering
    body = answer_body(check)
    body["answers"][0].update(result="record_found", details="存款", amount=9_999_999_999)
    assert post_answer(client, token, check, body).status_code == 200
    assert check.findings.get(amount__isnull=False).amount == 9_999_999_999
    too_much = answer_body(check, amount=10_000_000_000)
    assert post_answer(client, token, check, too_much, key="k-2").status_code == 422


def test_reading_a_check_is_in_the_access_log_under_the_clients_account(
    client, security_administrator, unit, checks
):
    from assistance.models import AccessLog

    api_client, token = register(security_administrator, unit)
    assert not api_client.principal.is_active and not api_client.principal.has_usable_password()
    check = checks[0].checks.get(unit=unit)
    call(client, token, "get_check", check_id=check.pk)
    entry = AccessLog.objects.get()  # one entry naming the members whose numbers it read
    assert entry.user == api_client.principal and entry.subject == check.request.household
    assert entry.purpose == AccessLog.Purpose.VERIFICATION
    call(client, token, "list_checks")  # a list shows no personal data: nothing logged
    assert AccessLog.objects.count() == 1


def test_a_client_over_its_rate_is_told_to_wait(client, security_administrator, unit, settings):
    settings.API_RATE_LIMIT = "2/m"
    _client, token = register(security_administrator, unit)
    assert call(client, token, "list_checks").status_code == 200
    assert call(client, token, "list_checks").status_code == 200
    third = call(client, token, "list_checks")
    assert third.status_code == 429 and third.json()["code"] == "rate_limited"
    other, other_token = register(security_administrator, unit, name="另一系统")
    assert call(client, other_token, "list_checks").status_code == 200  # counted per client


def test_the_admin_registers_a_client_and_shows_its_token_once(admin_client, unit):
    response = admin_client.post(
        reverse("admin:api_apiclient_add"),
        {
            "name": "公安人口信息系统",
            "unit": unit.pk,
            "scopes": ["checks:read"],
            "allowed_addresses": "127.0.0.1",
            "expires_at_0": "2027-01-01",
            "expires_at_1": "00:00:00",
        },
        follow=True,
    )
    stored = ApiClient.objects.get()
    shown = [str(m) for m in response.context["messages"] if stored.key_id in str(m)]
    assert len(shown) == 1
    token = shown[0].rsplit(" ", 1)[-1].rsplit("：", 1)[-1]
    key, secret = tokens.split(token)
    assert key == stored.key_id and tokens.matches(secret, stored.secret_hash)
    page = admin_client.get(reverse("admin:api_apiclient_change", args=[stored.pk]))
    assert secret not in page.content.decode()  # never shown again


def test_the_schemas_patterns_mean_the_same_to_its_readers_and_to_the_validator():
    """A pattern in the schema is read by the departments' tools as ECMAScript and
    checked here by pydantic's regex: shorthand classes (``\\s``, ``\\w``, ``\\d``, ``\\b``)
    differ between them (U+0085 is a space to one and not the other), so a body the
    schema allowed was refused. Patterns spell out their characters instead."""
    from api.v1 import api as v1

    def patterns(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "pattern":
                    yield value
                else:
                    yield from patterns(value)
        elif isinstance(node, list):
            for value in node:
                yield from patterns(value)

    found = list(patterns(v1.get_openapi_schema()))
    assert found, "the schema has patterns to check"
    for pattern in found:
        assert not re.search(r"\\[sSwWdDbB]", pattern), pattern
