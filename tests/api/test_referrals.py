"""The API's referrals: a unit's own system lists its unit's referrals, reads one (the read
in the access log under the client's account) and signs for, returns, reports on and
closes one, through the page's gateway, forms and services, every write under an
``Idempotency-Key``. Another unit's referral is 404, a missing scope 403, a revoked or
expired client 401, a step the state does not allow 409, a body the page's form refuses
422 with the field. The client's account acts for its unit without being its liaison:
histories and the timeline name it, notifications meant for people never reach it. The
page and the API show the same referral. Fixtures: ``tests/intake/conftest.py`` (a
programme led by ``unit``, ``other_unit`` responsible) and ``tests/api/test_v1.py``."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api import services as api_services
from api.models import ApiClient, Scope
from assistance.models import AccessLog, Notification
from intake import services
from intake.models import Application, ApplicationEvent, Referral
from intake.permissions import acts_for
from members.models import Liaison
from tests.api.test_v1 import call, register
from tests.intake.conftest import ID_NUMBER, receive, refer

pytestmark = pytest.mark.django_db

BOTH = [Scope.REFERRALS_READ, Scope.REFERRALS_ACT]


@pytest.fixture
def system(security_administrator, unit):
    """``unit``'s own system: (its client, its token), reading and acting."""
    return register(security_administrator, unit, name="民政救助业务系统", scopes=BOTH)


def act(client, token, step, referral_id, body=None, key="k-1", language="en"):
    return client.post(
        reverse(f"api-v1:{step}", kwargs={"referral_id": referral_id}),
        body or {},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY=key,
        HTTP_ACCEPT_LANGUAGE=language,
    )


def listed(client, token, **query):
    response = call(client, token, "list_referrals", query=query)
    assert response.status_code == 200, response.content
    return response.json()


# --- Reading ----------------------------------------------------------------------------------


def test_the_unit_lists_its_own_referrals_page_by_page(
    client, system, clerk, group, program, unit, other_unit, referred
):
    _api_client, token = system
    application, lead, _assist = referred
    second = receive(clerk, group, [program], applicant_name="王五")
    (second_lead,) = refer(clerk, second, unit)
    (foreign,) = refer(clerk, receive(clerk, group, [program]), other_unit)
    first = listed(client, token, limit=1)
    assert [row["id"] for row in first["referrals"]] == [lead.pk]
    assert first["next_after"] == lead.pk
    rest = listed(client, token, limit=1, after=first["next_after"])
    assert [row["id"] for row in rest["referrals"]] == [second_lead.pk]
    assert rest["next_after"] is None
    row = first["referrals"][0]
    assert row["application"] == application.number and row["role"] == "lead"
    assert row["ask"] == "decision" and row["status"] == "pending"
    assert row["applicant_id_number"] != ID_NUMBER and "*" in row["applicant_id_number"]
    assert row["signed_at"] is None and row["closed_at"] is None
    body = call(client, token, "list_referrals").content.decode()
    assert ID_NUMBER not in body and "张三" not in body and f'"id": {foreign.pk}' not in body
    assert not AccessLog.objects.exists()  # a row shows nothing of the applicant in full


def test_the_list_filters_by_status_and_by_the_last_change(client, system, referred, clerk):
    _api_client, token = system
    application, lead, _ = referred
    (other,) = refer(clerk, receive(clerk, application.office, []), lead.unit)
    before = timezone.now()
    assert act(client, token, "sign_referral", lead.pk).status_code == 200
    changed = listed(client, token, updated_since=before.isoformat())
    assert [row["id"] for row in changed["referrals"]] == [lead.pk]
    pending = listed(client, token, status="pending")
    assert [row["id"] for row in pending["referrals"]] == [other.pk]
    assert len(listed(client, token)["referrals"]) == 2
    naive = call(client, token, "list_referrals", query={"updated_since": "2026-01-01T00:00:00"})
    assert naive.status_code == 422 and naive.json()["field"] == "updated_since"
    # Offsets PostgreSQL would not take, and moments at the ends of the calendar.
    for since, count in [
        ("2000-01-01T00:00:00+16:00", 2),
        ("0001-01-01T00:00:00+01:00", 2),
        ("9999-12-31T23:59:59-01:00", 0),
    ]:
        assert len(listed(client, token, updated_since=since)["referrals"]) == count, since


def test_listing_takes_the_same_queries_for_3_and_30_referrals(
    client, system, clerk, group, program, unit
):
    _api_client, token = system

    def queries_for(count):
        while Referral.objects.filter(unit=unit).count() < count:
            refer(clerk, receive(clerk, group, [program]), unit)
        with CaptureQueriesContext(connection) as queries:
            body = listed(client, token, limit=100)
        assert len(body["referrals"]) == count
        return len(queries)

    # The client with its unit and account, then the page of referrals with their
    # applications.
    assert queries_for(3) == queries_for(30) == 2


def test_one_referral_shows_what_the_unit_needs_and_the_read_is_logged(
    client, system, referred, liaison
):
    api_client, token = system
    application, lead, _ = referred
    services.referral_sign(actor=liaison, referral=lead)
    services.referral_progress(actor=liaison, referral=lead, text="已入户走访。")
    response = call(client, token, "get_referral", referral_id=lead.pk)
    assert response.status_code == 200
    body = response.json()
    summary = body["application_summary"]
    assert summary["number"] == application.number and summary["applicant_name"] == "张三"
    assert summary["applicant_id_number"] != ID_NUMBER and ID_NUMBER not in response.text
    assert summary["programs"] == ["临时救助"] and summary["hardship"] == application.hardship
    kinds = [event["kind"] for event in body["events"]]
    assert kinds == ["referred", "signed", "progress"]  # this referral's, not the other's
    assert body["events"][-1]["text"] == "已入户走访。"
    entry = AccessLog.objects.get()
    assert entry.user == api_client.principal and entry.object_id == application.pk
    assert entry.purpose == AccessLog.Purpose.REVIEW and entry.path.endswith(f"/{lead.pk}")


# --- Who may ----------------------------------------------------------------------------------

STEPS = [
    ("sign_referral", None),
    ("return_referral", {"reason": "不属于本单位职责。"}),
    ("report_progress", {"text": "已入户走访。"}),
    ("close_referral", {"outcome": "refused", "reason": "不符合条件。"}),
]


def test_another_units_referral_does_not_exist(client, system, referred):
    _api_client, token = system
    _, _, assist = referred  # other_unit's
    response = call(client, token, "get_referral", referral_id=assist.pk)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    for step, body in STEPS:
        response = act(client, token, step, assist.pk, body, key=step)
        assert response.status_code == 404, step
    assert call(client, token, "get_referral", referral_id=10**9).status_code == 404
    assist.refresh_from_db()
    assert assist.status == "pending" and not AccessLog.objects.exists()
    assert not assist.events.exclude(kind="referred").exists()


def test_each_operation_needs_its_scope(client, security_administrator, unit, referred):
    _, lead, _ = referred
    _c, reader = register(security_administrator, unit, scopes=[Scope.REFERRALS_READ])
    _c, checker = register(security_administrator, unit, name="核对系统", scopes=[])
    assert call(client, checker, "list_referrals").status_code == 403
    assert call(client, checker, "get_referral", referral_id=lead.pk).status_code == 403
    for step, body in STEPS:
        response = act(client, reader, step, lead.pk, body, key=step)
        assert response.status_code == 403 and response.json()["code"] == "scope", step
    lead.refresh_from_db()
    assert lead.status == "pending"


@pytest.mark.parametrize("spoil", ["revoked", "expired"])
def test_a_revoked_or_expired_client_gets_401(
    client, security_administrator, system, referred, spoil
):
    api_client, token = system
    _, lead, _ = referred
    if spoil == "revoked":
        api_services.client_revoke(actor=security_administrator, client=api_client)
    else:
        ApiClient.objects.filter(pk=api_client.pk).update(
            expires_at=timezone.now() - datetime.timedelta(seconds=1)
        )
    assert call(client, token, "list_referrals").status_code == 401
    assert call(client, token, "get_referral", referral_id=lead.pk).status_code == 401
    response = act(client, token, "sign_referral", lead.pk)
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
    lead.refresh_from_db()
    assert lead.status == "pending"


# --- The unit's steps -------------------------------------------------------------------------


def test_signing_names_the_client_and_a_retry_changes_nothing(client, system, referred):
    api_client, token = system
    application, lead, _ = referred
    first = act(client, token, "sign_referral", lead.pk, key="sign-1")
    assert first.status_code == 200 and first.json()["status"] == "in_progress"
    lead.refresh_from_db()
    principal = api_client.principal
    assert lead.status == "in_progress" and lead.signed_by == principal
    assert lead.history.first().history_user == principal
    event = lead.events.get(kind=ApplicationEvent.Kind.SIGNED)
    assert event.actor == principal
    application.refresh_from_db()
    assert application.status == Application.Status.IN_PROGRESS
    again = act(client, token, "sign_referral", lead.pk, key="sign-1")
    assert again.status_code == 200 and again.json() == first.json()
    assert lead.events.filter(kind=ApplicationEvent.Kind.SIGNED).count() == 1


def test_the_same_key_with_another_body_is_refused(client, system, referred, liaison):
    _api_client, token = system
    _, lead, _ = referred
    services.referral_sign(actor=liaison, referral=lead)
    body = {"text": "已入户走访。"}
    assert act(client, token, "report_progress", lead.pk, body, key="p-1").status_code == 200
    other = act(client, token, "report_progress", lead.pk, {"text": "已发放。"}, key="p-1")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    # The same key for another step is another body too.
    step = act(client, token, "close_referral", lead.pk, {"outcome": "granted"}, key="p-1")
    assert step.status_code == 409 and step.json()["code"] == "idempotency_key_reused"
    assert list(lead.events.filter(kind="progress").values_list("text", flat=True)) == [
        "已入户走访。"
    ]


def test_a_step_the_state_does_not_allow_is_409_with_the_message(client, system, referred):
    _api_client, token = system
    _, lead, _ = referred
    early = act(client, token, "report_progress", lead.pk, {"text": "已入户走访。"}, key="a")
    assert early.status_code == 409 and early.json()["code"] == "refused"
    assert early.json()["message"] == "Sign for the referral first."
    close = {"outcome": "granted", "amount": 500}
    response = act(client, token, "close_referral", lead.pk, close, key="b", language="zh-hans")
    assert response.status_code == 409 and "待签收" in response.json()["message"]
    assert act(client, token, "sign_referral", lead.pk, key="c").status_code == 200
    twice = act(client, token, "sign_referral", lead.pk, key="d")
    assert twice.status_code == 409 and twice.json()["code"] == "refused"
    lead.refresh_from_db()
    assert lead.status == "in_progress" and not lead.events.filter(kind="progress").exists()


@pytest.mark.parametrize(
    ("step", "body", "status", "field"),
    [
        ("return_referral", {"reason": "   "}, 409, "reason"),
        ("return_referral", {"reason": ""}, 422, "reason"),
        ("return_referral", {}, 422, "reason"),
        ("report_progress", {"text": "\t"}, 409, "text"),
        ("report_progress", {"text": "a\x00b"}, 409, "text"),
        ("close_referral", {"outcome": "refused"}, 409, "reason"),
        ("close_referral", {"outcome": "passed_on"}, 409, "passed_to"),
        ("close_referral", {"outcome": "granted", "amount": 12.345}, 409, "amount"),
        ("close_referral", {"outcome": "granted", "outcome_program": 0}, 409, "outcome_program"),
        ("close_referral", {"outcome": "maybe"}, 422, "outcome"),
    ],
)
def test_a_missing_or_bad_field_is_named_and_changes_nothing(
    client, system, referred, liaison, step, body, status, field
):
    _api_client, token = system
    _, lead, _ = referred
    services.referral_sign(actor=liaison, referral=lead)
    events = lead.events.count()
    response = act(client, token, step, lead.pk, body)
    assert response.status_code == status, response.content
    assert response.json()["field"] == field and response.json()["message"]
    lead.refresh_from_db()
    assert lead.status == "in_progress" and lead.events.count() == events


def test_returning_tells_the_office_and_never_the_client(
    client, system, referred, clerk, director, django_capture_on_commit_callbacks
):
    api_client, token = system
    _, lead, _ = referred
    with django_capture_on_commit_callbacks(execute=True):
        response = act(client, token, "return_referral", lead.pk, {"reason": "不属于本单位职责。"})
    assert response.status_code == 200 and response.json()["status"] == "returned"
    lead.refresh_from_db()
    assert lead.return_reason == "不属于本单位职责。"
    assert set(Notification.objects.values_list("user", flat=True)) == {clerk.pk, director.pk}


def test_closing_the_last_referral_closes_the_application(
    client, system, referred, other_liaison, program
):
    api_client, token = system
    application, lead, assist = referred
    services.referral_sign(actor=other_liaison, referral=assist)
    services.referral_close(
        actor=other_liaison,
        referral=assist,
        result=services.Outcome(outcome="passed_on", passed_to="区残联"),
    )
    assert act(client, token, "sign_referral", lead.pk, key="s").status_code == 200
    body = {"outcome": "granted", "outcome_program": program.pk, "amount": 3000}
    response = act(client, token, "close_referral", lead.pk, body, key="c")
    assert response.status_code == 200 and response.json()["closed_at"]
    lead.refresh_from_db()
    assert lead.status == "closed" and lead.amount == Decimal("3000.00")
    assert lead.outcome_program == program and lead.closed_by == api_client.principal
    application.refresh_from_db()
    assert application.status == Application.Status.CLOSED


def test_the_clients_account_acts_for_its_unit_only_in_its_call(
    client, system, referred, unit, other_unit
):
    api_client, token = system
    _, lead, assist = referred
    assert act(client, token, "sign_referral", lead.pk).status_code == 200
    # Stored, the account is an inactive user and no liaison: outside an API call it acts
    # for no unit, and the services refuse it.
    principal = ApiClient.objects.get(pk=api_client.pk).principal
    assert not principal.is_active and not Liaison.objects.filter(user=principal).exists()
    assert not acts_for(principal, unit) and not acts_for(principal, other_unit)
    with pytest.raises(services.IntakeError):
        services.referral_progress(actor=principal, referral=lead, text="越权")


def test_a_client_registered_before_accounts_gets_one_at_its_next_call(client, system, referred):
    api_client, token = system
    _, lead, _ = referred
    ApiClient.objects.filter(pk=api_client.pk).update(principal=None)
    # As before accounts were made: no account named after the client's key.
    type(api_client.principal).objects.filter(pk=api_client.principal.pk).update(
        username="earlier-account"
    )
    assert act(client, token, "sign_referral", lead.pk).status_code == 200
    principal = ApiClient.objects.get(pk=api_client.pk).principal
    assert principal is not None and principal != api_client.principal
    lead.refresh_from_db()
    assert lead.signed_by == principal


# --- The page and the API ---------------------------------------------------------------------


def test_the_page_and_the_api_show_the_same_referral(client, system, referred, liaison):
    api_client, token = system
    _, lead, _ = referred
    assert act(client, token, "sign_referral", lead.pk, key="s").status_code == 200
    body = {"text": "已入户走访。"}
    assert act(client, token, "report_progress", lead.pk, body, key="p").status_code == 200
    client.force_login(liaison)
    page = client.get(reverse("intake:referral_detail", kwargs={"pk": lead.pk}))
    assert page.context["referral"].status == "in_progress"
    page_events = [(e.kind, e.text, e.actor_id) for e in page.context["events"]]
    assert page_events[-2:] == [
        ("signed", "", api_client.principal.pk),
        ("progress", "已入户走访。", api_client.principal.pk),
    ]
    assert "民政救助业务系统" in page.content.decode()  # the client named as the actor
    data = {"outcome": "refused", "reason": "不符合条件。"}
    closed = client.post(reverse("intake:referral_close", kwargs={"pk": lead.pk}), data)
    assert closed.status_code == 302
    client.logout()
    shown = call(client, token, "get_referral", referral_id=lead.pk).json()
    assert shown["status"] == "closed" and shown["outcome"] == "refused"
    assert shown["outcome_reason"] == "不符合条件。"
    api_events = [(e["kind"], e["text"]) for e in shown["events"]]
    page_kinds = [(e.kind, e.text) for e in page.context["events"]]
    assert api_events[:-1] == page_kinds and api_events[-1][0] == "closed"
    assert shown["events"][-1]["actor"] == liaison.get_full_name() or liaison.get_username()


def test_delivery_and_the_overdue_sweep_count_as_changes(client, system, referred):
    from intake.sweeps import referrals_mark_overdue

    _api_client, token = system
    _, lead, _ = referred
    before = timezone.now()
    assert listed(client, token, updated_since=before.isoformat())["referrals"] == []
    assert services.referral_deliver(referral_id=lead.pk)
    delivered = listed(client, token, updated_since=before.isoformat())["referrals"]
    assert [row["id"] for row in delivered] == [lead.pk]
    swept = timezone.now()
    late = lead.deadline + datetime.timedelta(minutes=1)
    assert referrals_mark_overdue(now=late).marked == 2  # the assisting unit's too
    rows = listed(client, token, updated_since=swept.isoformat())["referrals"]
    assert [(row["id"], row["overdue"]) for row in rows] == [(lead.pk, True)]
