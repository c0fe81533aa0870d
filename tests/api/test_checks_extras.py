"""The API's extras on a check: full ID numbers of the members whose authorisation covers
the request (the liaison page's rule, from the same gateway, each read logged), answers
and corrections made by the client's own account (the pages name it "API: <name>"),
corrections under an Idempotency-Key, and every refusal changing nothing."""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api.models import Scope
from assistance.models import AccessLog
from tests.api.test_v1 import answer_body, call, post_answer, register
from tests.factories import LeadingGroupFactory, MemberUnitFactory
from tests.verification.factories import (
    VerificationItemFactory,
    authorize_all,
    make_id_number,
    register_family,
    years_ago,
)
from verification import connectors
from verification import register as households
from verification import services as verification_services
from verification.models import (
    Authorization,
    Finding,
    HouseholdMember,
    RegistryRecord,
    RegistrySnapshot,
)
from verification.report_numbers import report_reference_issue

pytestmark = pytest.mark.django_db

CLIENT_NAME = "公安人口信息系统"


@pytest.fixture
def answering(security_administrator, unit, checks):
    api_client, token = register(
        security_administrator, unit, scopes=[Scope.CHECKS_READ, Scope.CHECKS_ANSWER]
    )
    return api_client, token, checks[0].checks.get(unit=unit)


def post_correction(client, token, check, body, key="c-1", language="en"):
    return post_answer(client, token, check, body, key, language, name="correct_check")


def _uncover(member, request):
    """The member's authorisation no longer covers the day the request was filed (its
    dates corrected by the office after the request went out)."""
    filed = request.submitted_at.date()
    Authorization.objects.filter(member=member).update(
        signed_on=filed - datetime.timedelta(days=400), valid_until=filed - datetime.timedelta(1)
    )


# --- Full ID numbers --------------------------------------------------------------------------


def test_full_numbers_only_of_members_whose_authorisation_covers_the_request_as_on_the_page(
    client, security_administrator, unit, liaison, checks
):
    api_client, token = register(security_administrator, unit)
    check = checks[0].checks.get(unit=unit)
    members = list(checks[0].members.order_by("pk"))
    child = members[-1]
    _uncover(child, checks[0])
    body = call(client, token, "get_check", check_id=check.pk).json()
    shown = {m["id"]: (m["id_number"], m["id_number_full"]) for m in body["members"]}
    for member in members[:-1]:
        assert shown[member.pk] == (member.id_number, True)
    assert shown[child.pk] == (child.masked_id, False)
    # One entry under the client's account, naming the members read, masked.
    entry = AccessLog.objects.get()
    assert entry.user == api_client.principal and entry.subject == checks[0].household
    assert members[0].masked_id in entry.object_repr and child.masked_id not in entry.object_repr
    assert not any(m.id_number in entry.object_repr for m in members)
    # The liaison's page applies the same rule: the child's number masked there too.
    client.force_login(liaison)
    page = client.get(check.get_absolute_url()).content.decode()
    assert members[0].id_number in page and child.id_number not in page
    assert child.masked_id in page


def test_the_auditors_log_names_the_system_that_read(
    client, security_administrator, unit, auditor, checks
):
    _api_client, token = register(security_administrator, unit)
    call(client, token, "get_check", check_id=checks[0].checks.get(unit=unit).pk)
    client.force_login(auditor)
    page = client.get(reverse("access_log"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"API: {CLIENT_NAME}" in page


def test_a_cancelled_check_shows_every_number_masked(
    client, security_administrator, clerk, unit, checks
):
    api_client, token = register(security_administrator, unit)
    verification_services.request_cancel(actor=clerk, request=checks[0])
    check = checks[0].checks.get(unit=unit)
    body = call(client, token, "get_check", check_id=check.pk).json()
    assert not any(m["id_number_full"] for m in body["members"])
    assert all("*" in m["id_number"] for m in body["members"])
    entry = AccessLog.objects.get()  # the names were read: logged, with no number
    assert entry.user == api_client.principal and entry.object_id == check.pk


def test_a_member_registered_with_full_width_digits_is_shown_normalised(
    client, security_administrator, clerk, group, unit, checks
):
    number = make_id_number(years_ago(50))
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)
    assert full_width != number
    household = households.household_register(
        actor=clerk,
        office=group,
        address="永定路8号",
        town="永定镇",
        assistance_type="dibao",
        members=[households.MemberData("赵全角", "applicant", full_width)],
    )
    authorize_all(actor=clerk, household=household)
    request = verification_services.request_submit(actor=clerk, household=household)
    _client, token = register(security_administrator, unit)
    check = request.checks.get(unit=unit)
    [member] = call(client, token, "get_check", check_id=check.pk).json()["members"]
    assert member["id_number"] == number and member["id_number_full"]


# --- Answers name the client ------------------------------------------------------------------


def test_an_api_answer_is_named_after_the_client_on_the_pages(client, answering, liaison):
    api_client, token, check = answering
    assert post_answer(client, token, check, answer_body(check)).status_code == 200
    check.refresh_from_db()
    assert check.answered_by == api_client.principal
    assert check.history.first().history_user == api_client.principal
    assert {f.history.get().history_user for f in check.findings.all()} == {api_client.principal}
    client.force_login(liaison)
    for page in (check.get_absolute_url(), reverse("verification:inbox")):
        assert f"API: {CLIENT_NAME}" in client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(check.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert f"接口：{CLIENT_NAME}" in chinese.content.decode()


def test_an_answer_for_a_member_outside_the_request_is_refused_and_writes_nothing(
    client, clerk, answering
):
    _api_client, token, check = answering
    # A member added to the household after the request was filed: not covered by it.
    late = households.member_add(
        actor=clerk,
        household=check.request.household,
        data=households.MemberData("王小红", "child", make_id_number(years_ago(2))),
    )
    body = answer_body(check)
    body["answers"].append({"member": late.pk, "item": "hukou", "result": "no_record"})
    response = post_answer(client, token, check, body)
    assert response.status_code == 409 and response.json()["code"] == "refused"
    assert "does not cover" in response.json()["message"]
    check.refresh_from_db()
    assert check.status != "answered" and not Finding.objects.exists()
    assert post_answer(client, token, check, answer_body(check), key="k-2").status_code == 200


# --- Corrections ------------------------------------------------------------------------------


def _answered(client, token, check):
    assert post_answer(client, token, check, answer_body(check)).status_code == 200
    corrected = answer_body(check)
    corrected["answers"][0].update(result="record_found", details="名下登记车辆一辆")
    return corrected


def test_a_system_corrects_its_answer_with_a_reason_once_whatever_the_retries(client, answering):
    api_client, token, check = answering
    body = {**_answered(client, token, check), "reason": "车辆登记系统补录"}
    first = post_correction(client, token, check, body)
    assert first.status_code == 200, first.json()
    assert first.json() == {"id": check.pk, "status": "answered", "changed": 1}
    changed = Finding.objects.get(result="record_found")
    record = changed.history.first()
    assert (record.history_user, record.history_change_reason) == (
        api_client.principal,
        "车辆登记系统补录",
    )
    records = changed.history.count()
    again = post_correction(client, token, check, body)
    assert again.json() == first.json() and changed.history.count() == records
    other = post_correction(client, token, check, {**body, "reason": "另一理由"})
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"


def test_the_check_page_names_the_system_that_corrected_it(client, answering, clerk):
    _api_client, token, check = answering
    body = {**_answered(client, token, check), "reason": "车辆登记系统补录"}
    assert post_correction(client, token, check, body).status_code == 200
    client.force_login(clerk)
    page = client.get(check.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    corrections = page[page.index('data-testid="corrections"') :]
    assert f"API: {CLIENT_NAME}" in corrections and "车辆登记系统补录" in corrections


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_correction_without_a_reason_is_refused_naming_the_field(client, answering, reason):
    _api_client, token, check = answering
    body = {**_answered(client, token, check), "reason": reason}
    response = post_correction(client, token, check, body, language="zh-hans")
    assert response.status_code == 409
    assert response.json()["field"] == "reason" and response.json()["code"] == "refused"
    assert "理由" in response.json()["message"]
    assert not Finding.objects.filter(result="record_found").exists()


def test_a_check_not_answered_cannot_be_corrected(client, answering):
    _api_client, token, check = answering
    body = {**answer_body(check), "reason": "更正"}
    response = post_correction(client, token, check, body)
    assert response.status_code == 409 and response.json()["code"] == "wrong_state"
    assert not Finding.objects.exists()


def test_a_correction_for_a_member_outside_the_request_writes_nothing(client, answering):
    _api_client, token, check = answering
    body = {**_answered(client, token, check), "reason": "更正"}
    body["answers"][0]["member"] = 10**9
    response = post_correction(client, token, check, body)
    assert response.status_code == 409 and response.json()["code"] == "refused"
    assert not Finding.objects.filter(result="record_found").exists()
    assert not Finding.history.filter(history_type="~").exists()


def test_correcting_needs_the_scope_and_the_units_own_check(
    client, security_administrator, unit, checks, answering
):
    _api_client, token, check = answering
    body = {**_answered(client, token, check), "reason": "更正"}
    _reader, read_token = register(security_administrator, unit, name="只读系统")
    assert post_correction(client, read_token, check, body).status_code == 403
    foreign = checks[0].checks.exclude(unit=unit).get()
    response = post_correction(client, token, foreign, body)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert post_correction(client, token, check, body, key="").status_code == 422
    assert not Finding.objects.filter(result="record_found").exists()


# --- Registry snapshots -----------------------------------------------------------------------


def post_snapshot(client, token, name, content: bytes, language="en", **data):
    return client.post(
        reverse("api-v1:upload_snapshot"),
        {"file": SimpleUploadedFile(name, content), **data},
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE=language,
    )


@pytest.fixture
def uploader(security_administrator, unit):
    VerificationItemFactory(unit=unit, code="hukou")
    return register(security_administrator, unit, scopes=[Scope.SNAPSHOTS_UPLOAD])


def _nothing_kept(settings):
    media = Path(settings.MEDIA_ROOT) / "snapshots"
    return not RegistrySnapshot.objects.exists() and not (media.exists() and any(media.iterdir()))


@pytest.mark.parametrize(
    ("name", "content", "field", "words"),
    [
        ("extract.pdf", b"%PDF-1.4", "file", ".csv or .xlsx"),
        ("extract.xlsx", "身份证号码,核对事项\n".encode(), "file", "not an Excel"),
        ("extract.csv", b"\x00\x01\x02binary", "file", "not a text (CSV) file"),
        ("extract.csv", b"id_number,item\n" + b"1" * 200, "file", "at most"),
    ],
)
def test_a_file_refused_at_once_is_a_clear_error_and_nothing_is_kept(
    client, uploader, settings, name, content, field, words
):
    settings.SNAPSHOT_MAX_BYTES = 200
    _api_client, token = uploader
    response = post_snapshot(client, token, name, content)
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "invalid_file" and response.json()["field"] == field
    assert words in response.json()["message"]
    assert _nothing_kept(settings)


def test_an_extract_dated_in_the_future_names_the_date(client, uploader, settings):
    _api_client, token = uploader
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = post_snapshot(client, token, "e.csv", b"id_number,item\n", taken_on=tomorrow)
    assert response.status_code == 409 and response.json()["field"] == "taken_on"
    assert _nothing_kept(settings)


def test_snapshots_need_the_scope_and_stay_the_units_own(
    client, security_administrator, unit, other_unit, other_liaison, uploader
):
    _api_client, token = uploader
    _reader, read_token = register(security_administrator, unit, name="只读系统")
    refused = post_snapshot(client, read_token, "e.csv", b"id_number,item\n")
    assert refused.status_code == 403 and refused.json()["code"] == "scope"
    foreign = connectors.snapshot_receive(
        actor=other_liaison,
        unit=other_unit,
        upload=SimpleUploadedFile("e.csv", b"id_number,item\n"),
        taken_on=timezone.localdate(),
    )
    response = call(client, token, "get_snapshot", snapshot_id=foreign.pk)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert call(client, read_token, "get_snapshot", snapshot_id=foreign.pk).status_code == 403


def _extract(*rows) -> bytes:
    return ("身份证号码,核对事项,详情\n" + "".join(f"{r}\n" for r in rows)).encode()


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_an_upload_is_checked_by_the_worker_and_followed_by_its_status_url(
    client, uploader, unit, settings, celery_worker_controller
):
    celery_worker_controller.start(MEDIA_ROOT=settings.MEDIA_ROOT)
    api_client, token = uploader
    number = make_id_number(years_ago(30))
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)
    good = _extract(f"{full_width},hukou,本区户籍", f"{make_id_number(years_ago(60))},hukou,")
    accepted = post_snapshot(client, token, "extract.csv", good)
    assert accepted.status_code == 202
    snapshot_id, status_url = accepted.json()["id"], accepted.json()["status_url"]
    assert accepted.json()["status"] == "checking"
    assert status_url == reverse("api-v1:get_snapshot", kwargs={"snapshot_id": snapshot_id})
    celery_worker_controller.wait_for(
        lambda: RegistrySnapshot.objects.get(pk=snapshot_id).status != "checking"
    )
    done = client.get(status_url, HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert (done["status"], done["row_count"], done["is_current"]) == ("imported", 2, True)
    # The full-width digits were read as the number they are.
    assert RegistryRecord.objects.filter(snapshot_id=snapshot_id, id_number=number).exists()
    assert RegistrySnapshot.objects.get(pk=snapshot_id).uploaded_by == api_client.principal

    # A file with a malformed ID number is refused whole: the current one stays.
    bad = _extract(f"{number},hukou,", "11010519491231002Y,hukou,", "１２３,hukou,")
    refused_id = post_snapshot(client, token, "extract.csv", bad).json()["id"]
    celery_worker_controller.wait_for(
        lambda: RegistrySnapshot.objects.get(pk=refused_id).status != "checking"
    )
    refused = call(client, token, "get_snapshot", snapshot_id=refused_id).json()
    assert refused["status"] == "refused" and refused["row_count"] == 0
    assert [e["line"] for e in refused["errors"]] == [3, 4] and refused["error_count"] == 2
    assert RegistrySnapshot.objects.get(is_current=True).pk == snapshot_id
    assert not RegistryRecord.objects.filter(snapshot_id=refused_id).exists()


# --- The office's read-only status ------------------------------------------------------------


@pytest.fixture
def civil(group):
    """区民政局, which hosts the group's office."""
    civil = MemberUnitFactory(group=group, name="区民政局", code="test-civil")
    group.office_host_unit = civil
    group.save(update_fields=["office_host_unit"])
    return civil


@pytest.fixture
def office_token(security_administrator, civil):
    return register(security_administrator, civil, name="民政核对平台", scopes=[Scope.OFFICE_READ])[
        1
    ]


def answer_all(check, actor):
    findings = [
        verification_services.FindingData(member_id=m.pk, item_id=i.pk, result="no_record")
        for m in check.request.members.all()
        for i in check.items.all()
    ]
    verification_services.check_answer(actor=actor, check=check, findings=findings)


def test_the_office_follows_its_requests_and_their_reports(client, clerk, office_token, checks):
    first = call(client, office_token, "list_requests").json()
    assert [r["id"] for r in first["requests"]] == [r.pk for r in checks]
    row = first["requests"][0]
    assert (row["status"], row["checks_total"], row["checks_answered"]) == ("submitted", 2, 0)
    assert row["household"]["head_name"] == "王**" and "*" in row["household"]["head_id_number"]
    assert row["report"] == {
        "available": False,
        "issued": False,
        "number": None,
        "issued_at": None,
        "url": None,
    }
    for check in checks[0].checks.all():
        answer_all(check, clerk)
    done = call(client, office_token, "get_request", request_id=checks[0].pk).json()
    assert done["status"] == "completed" and done["report"]["available"]
    assert done["report"]["url"] == reverse("verification:request_report", args=[checks[0].pk])
    assert not done["report"]["issued"]
    assert {(c["unit"]["code"], c["status"]) for c in done["checks"]} == {
        ("test-police", "answered"),
        ("test-tax", "answered"),
    }
    checks[0].refresh_from_db()
    reference = report_reference_issue(actor=clerk, request=checks[0])
    issued = call(client, office_token, "get_request", request_id=checks[0].pk).json()
    assert issued["report"]["issued"] and issued["report"]["number"] == reference.text
    # No personal data in full: names and ID numbers only masked.
    text = client.get(
        reverse("api-v1:list_requests"), HTTP_AUTHORIZATION=f"Bearer {office_token}"
    ).content.decode()
    for member in HouseholdMember.objects.all():
        assert member.id_number not in text and member.name not in text


def test_updated_since_keeps_the_requests_that_changed(client, clerk, office_token, checks):
    since = timezone.now()
    query = {"updated_since": since.isoformat()}
    assert call(client, office_token, "list_requests", query=query).json()["requests"] == []
    answer_all(checks[1].checks.first(), clerk)
    changed = call(client, office_token, "list_requests", query=query).json()["requests"]
    assert [r["id"] for r in changed] == [checks[1].pk]
    assert (
        call(client, office_token, "list_requests", query={"status": "completed"}).json()[
            "requests"
        ]
        == []
    )
    page = call(client, office_token, "list_requests", query={"limit": 1}).json()
    assert page["next_after"] == checks[0].pk


@pytest.mark.parametrize(
    ("query", "field"),
    [({"updated_since": "yesterday"}, "updated_since"), ({"status": "done"}, "status")],
)
def test_bad_filters_are_refused_naming_the_field(client, office_token, checks, query, field):
    response = call(client, office_token, "list_requests", query=query)
    assert response.status_code == 422 and response.json()["field"] == field


def test_only_the_office_with_its_scope_reads_its_own_requests(
    client, clerk, security_administrator, unit, civil, office_token, checks
):
    _client, department = register(security_administrator, unit, scopes=[Scope.OFFICE_READ])
    refused = call(client, department, "list_requests")
    assert refused.status_code == 403 and refused.json()["code"] == "not_office"
    _client, no_scope = register(security_administrator, civil, name="民政另一系统")
    assert call(client, no_scope, "list_requests").json()["code"] == "scope"
    elsewhere = LeadingGroupFactory(code="elsewhere", name="另一区领导小组")
    VerificationItemFactory(unit=MemberUnitFactory(group=elsewhere, code="else-police"))
    household = register_family(actor=clerk, office=elsewhere)
    authorize_all(actor=clerk, household=household)
    foreign = verification_services.request_submit(actor=clerk, household=household)
    response = call(client, office_token, "get_request", request_id=foreign.pk)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    ids = [r["id"] for r in call(client, office_token, "list_requests").json()["requests"]]
    assert foreign.pk not in ids


def test_the_list_costs_the_same_queries_at_any_size(client, clerk, group, office_token, checks):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = call(client, office_token, "list_requests", query={"limit": 100})
        return len(response.json()["requests"]), len(captured)

    small = queries()
    for town in ("永定镇", "龙泉镇", "军庄镇"):
        household = register_family(actor=clerk, office=group, town=town)
        authorize_all(actor=clerk, household=household)
        verification_services.request_submit(actor=clerk, household=household)
    large = queries()
    assert (small[0], large[0]) == (2, 5) and small[1] == large[1]
