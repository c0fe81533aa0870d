"""The departments' pages, driven through the client as a liaison would: who may see and
do what, answering once, correcting with a reason, returning with a question, the full
ID numbers only the unit's liaisons see (and the access log of each view), and an inbox
whose query count does not grow with the unit's checks."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assistance.models import AccessLog, Notification
from tests.verification.factories import (
    VerificationItemFactory,
    authorize_all,
    register_family,
)
from tests.verification.helpers import first_key, grid, submit
from verification import services
from verification.models import (
    DepartmentCheck,
    Finding,
    Household,
    VerificationRequest,
)

pytestmark = pytest.mark.django_db

NO_RECORD = Finding.Result.NO_RECORD
RECORD_FOUND = Finding.Result.RECORD_FOUND

# Everything the inbox shows costs this many queries, for 5 checks or 1,000.
INBOX_QUERIES = 13


@pytest.fixture(autouse=True)
def _english(client):
    # Assertions on messages read the English source strings, whatever the catalogue says.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def amount_item(unit):
    return VerificationItemFactory(
        unit=unit, code="test-vehicle-value", name="车辆价值", has_amount=True, order=3
    )


@pytest.fixture
def check(clerk, authorized_household, items, unit, django_capture_on_commit_callbacks):
    """The police's check of a request that goes to the police alone, delivered."""
    request = submit(
        django_capture_on_commit_callbacks,
        actor=clerk,
        household=authorized_household,
        units=[unit],
    )
    return request.checks.get()


def _url(name, check):
    return reverse(f"verification:{name}", kwargs={"pk": check.pk})


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Who may see and do what ----------------------------------------------------------------

CHECK_URLS = [
    ("check_detail", "get"),
    ("check_answer", "post"),
    ("check_correct", "post"),
    ("check_return", "post"),
]

NOWHERE = dict.fromkeys([name for name, _ in CHECK_URLS], 404)

# What each persona gets on a check of ``unit``: the unit's liaison posts an empty form
# (shown again with its errors, or refused by state with a redirect); the office reads.
EXPECTED = {
    "liaison": {
        "check_detail": 200,
        "check_answer": 200,
        "check_correct": 302,
        "check_return": 200,
    },
    "clerk": {"check_detail": 200, "check_answer": 404, "check_correct": 404, "check_return": 404},
    "director": {
        "check_detail": 200,
        "check_answer": 404,
        "check_correct": 404,
        "check_return": 404,
    },
    "other_liaison": NOWHERE,
    "auditor": NOWHERE,
    "administrator": NOWHERE,
    "outsider": NOWHERE,
}


@pytest.mark.parametrize(("name", "method"), CHECK_URLS)
def test_anonymous_is_sent_to_sign_in(client, check, name, method):
    response = getattr(client, method)(_url(name, check))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_inbox_is_sent_to_sign_in(client, db):
    response = client.get(reverse("verification:inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", list(EXPECTED))
@pytest.mark.parametrize(("name", "method"), CHECK_URLS)
def test_check_pages_per_persona(client, request, check, persona, name, method):
    # other_liaison's unit also has a check open, so a 404 is not for lack of any check.
    request.getfixturevalue("other_liaison")
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = getattr(client, method)(_url(name, check))
    assert response.status_code == EXPECTED[persona][name]
    check.refresh_from_db()
    assert check.status == DepartmentCheck.Status.DELIVERED
    assert not check.findings.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("liaison", 200),
        ("other_liaison", 200),
        ("clerk", 404),
        ("director", 404),
        ("auditor", 404),
        ("administrator", 404),
        ("outsider", 404),
    ],
)
def test_inbox_per_persona(client, request, check, persona, status):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("verification:inbox"))
    assert response.status_code == status


def test_inbox_shows_only_the_units_own_checks(client, check, other_liaison):
    client.force_login(other_liaison)
    response = client.get(reverse("verification:inbox"))
    assert list(response.context["page"]) == []
    assert check.get_absolute_url() not in response.content.decode()


def test_get_on_an_action_goes_back_to_the_check(client, liaison, check):
    client.force_login(liaison)
    for name in ["check_answer", "check_correct", "check_return"]:
        response = client.get(_url(name, check))
        assert response.status_code == 302
        assert response["Location"] == check.get_absolute_url()


# --- Answering ------------------------------------------------------------------------------


def test_answer_stores_findings_and_completes_the_request(
    client, liaison, clerk, check, django_capture_on_commit_callbacks
):
    client.force_login(liaison)
    key = first_key(check)
    data = grid(check, **{f"result_{key}": RECORD_FOUND, f"details_{key}": "豫S·12345 小型轿车"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("check_answer", check), data)
    assert response.status_code == 302
    assert response["Location"] == check.get_absolute_url()
    check.refresh_from_db()
    assert check.status == DepartmentCheck.Status.ANSWERED
    assert check.answered_by == liaison
    members = check.request.household.members.count()
    assert check.findings.count() == members * check.items.count()
    found = check.findings.get(result=RECORD_FOUND)
    assert found.details == "豫S·12345 小型轿车"
    assert f"{found.member_id}_{found.item_id}" == key
    check.request.refresh_from_db()
    assert check.request.status == VerificationRequest.Status.COMPLETED
    assert Notification.objects.filter(user=clerk, url=check.request.get_absolute_url()).exists()
    page = client.get(check.get_absolute_url()).content.decode()
    assert "豫S·12345 小型轿车" in page
    assert 'data-testid="answer-form"' not in page


def test_request_completes_only_with_its_last_check(
    client,
    clerk,
    liaison,
    other_liaison,
    authorized_household,
    items,
    django_capture_on_commit_callbacks,
):
    request = submit(
        django_capture_on_commit_callbacks, actor=clerk, household=authorized_household
    )
    police, tax = request.checks.order_by("unit__order")
    client.force_login(liaison)
    client.post(_url("check_answer", police), grid(police))
    request.refresh_from_db()
    assert request.status == VerificationRequest.Status.SUBMITTED
    client.force_login(other_liaison)
    amount_key = first_key(tax)
    response = client.post(
        _url("check_answer", tax),
        grid(
            tax,
            **{
                f"result_{amount_key}": RECORD_FOUND,
                f"details_{amount_key}": "2025年度个人所得税",
                f"amount_{amount_key}": "1234.50",
            },
        ),
    )
    assert response.status_code == 302
    assert tax.findings.get(result=RECORD_FOUND).amount == 1234.5
    request.refresh_from_db()
    assert request.status == VerificationRequest.Status.COMPLETED


def test_second_submission_is_refused_and_changes_nothing(client, liaison, check):
    client.force_login(liaison)
    client.post(_url("check_answer", check), grid(check))
    history = Finding.history.filter(department_check_id=check.pk).count()
    again = client.post(
        _url("check_answer", check), grid(check, result=RECORD_FOUND, details="另一答复")
    )
    assert again.status_code == 302
    assert "This check is Answered and cannot be changed that way." in _messages(again)
    assert set(check.findings.values_list("result", flat=True)) == {NO_RECORD}
    assert Finding.history.filter(department_check_id=check.pk).count() == history
    page = client.get(again["Location"]).content.decode()
    assert "This check is Answered and cannot be changed that way." in page


def test_answer_to_a_cancelled_check_is_refused(client, liaison, clerk, check):
    services.request_cancel(actor=clerk, request=check.request)
    client.force_login(liaison)
    response = client.post(_url("check_answer", check), grid(check))
    assert "This check is Cancelled and cannot be changed that way." in _messages(response)
    assert not check.findings.exists()
    # Even a grid with mistakes gets the state's refusal, not a list of mistakes.
    response = client.post(_url("check_answer", check), {})
    assert "This check is Cancelled and cannot be changed that way." in _messages(response)


def _refused(client, check, data):
    response = client.post(_url("check_answer", check), data)
    assert response.status_code == 200
    assert not check.findings.exists()
    check.refresh_from_db()
    assert check.status == DepartmentCheck.Status.DELIVERED
    assert 'data-testid="form-errors"' in response.content.decode()
    return response


def test_record_found_needs_details(client, liaison, check):
    client.force_login(liaison)
    key = first_key(check)
    response = _refused(client, check, grid(check, **{f"result_{key}": RECORD_FOUND}))
    assert response.context["answer_form"].errors == {
        f"details_{key}": ["Describe the record found."]
    }
    assert "Describe the record found." in response.content.decode()


def test_incomplete_grid_is_refused_naming_the_rows(client, liaison, check):
    client.force_login(liaison)
    data = grid(check)
    key = first_key(check)
    del data[f"result_{key}"]
    response = _refused(client, check, data)
    form = response.context["answer_form"]
    assert list(form.errors) == [f"result_{key}"]
    assert form.row_error_count == 1
    # What the liaison typed is kept.
    page = response.content.decode()
    assert page.count('data-testid="row-error"') == 1
    assert "Choose “no record” or “record found”." in page


def test_negative_amount_is_refused(
    client,
    liaison,
    clerk,
    authorized_household,
    unit,
    items,
    amount_item,
    django_capture_on_commit_callbacks,
):
    request = submit(
        django_capture_on_commit_callbacks,
        actor=clerk,
        household=authorized_household,
        units=[unit],
    )
    check = request.checks.get()
    member = authorized_household.members.order_by("pk").first()
    key = f"{member.pk}_{amount_item.pk}"
    client.force_login(liaison)
    response = _refused(
        client,
        check,
        grid(
            check,
            **{f"result_{key}": RECORD_FOUND, f"details_{key}": "轿车一辆", f"amount_{key}": "-5"},
        ),
    )
    assert response.context["answer_form"].errors == {
        f"amount_{key}": ["An amount cannot be negative."]
    }
    # An amount with "no record" makes no sense either.
    response = _refused(client, check, grid(check, **{f"amount_{key}": "100"}))
    assert list(response.context["answer_form"].errors) == [f"amount_{key}"]


# --- Correcting and returning ---------------------------------------------------------------


def test_correction_with_reason_keeps_history(client, liaison, check):
    client.force_login(liaison)
    client.post(_url("check_answer", check), grid(check))
    key = first_key(check)
    data = grid(check, **{f"result_{key}": RECORD_FOUND, f"details_{key}": "豫S·54321 货车"})
    response = client.post(_url("check_correct", check), {**data, "reason": "漏查一辆货车"})
    assert response.status_code == 302
    assert "The correction is recorded with its reason." in _messages(response)
    finding = check.findings.get(result=RECORD_FOUND)
    assert finding.details == "豫S·54321 货车"
    records = list(finding.history.order_by("history_date", "history_id"))
    assert [r.history_type for r in records] == ["+", "~"]
    assert records[0].result == NO_RECORD
    assert records[1].history_change_reason == "漏查一辆货车"
    assert records[1].history_user == liaison
    response = client.get(check.get_absolute_url())
    [change] = response.context["corrections"]
    assert change["reason"] == "漏查一辆货车"
    assert change["user"] == liaison
    assert change["old"] == "No record"
    assert change["new"] == "Record found: 豫S·54321 货车"
    assert "漏查一辆货车" in response.content.decode()


def test_correction_needs_a_reason_and_an_answered_check(client, liaison, check):
    client.force_login(liaison)
    key = first_key(check)
    changed = grid(check, **{f"result_{key}": RECORD_FOUND, f"details_{key}": "货车"})
    # Not answered yet: nothing to correct.
    response = client.post(_url("check_correct", check), {**changed, "reason": "更正"})
    assert "Only an answered check can be corrected." in _messages(response)
    client.post(_url("check_answer", check), grid(check))
    response = client.post(_url("check_correct", check), changed)
    assert response.status_code == 200
    assert response.context["correction_form"].errors == {
        "reason": ["Give the reason for the correction."]
    }
    assert not check.findings.filter(result=RECORD_FOUND).exists()


def test_return_with_a_question(client, liaison, clerk, check, django_capture_on_commit_callbacks):
    client.force_login(liaison)
    empty = client.post(_url("check_return", check), {"question": "  "})
    assert empty.status_code == 200
    assert empty.context["return_form"].errors == {
        "question": ["Write the question for the office."]
    }
    check.refresh_from_db()
    assert check.status == DepartmentCheck.Status.DELIVERED
    # The office is told once the return is committed.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url("check_return", check), {"question": "王小明的身份证号在本系统中查无此人。"}
        )
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.status == DepartmentCheck.Status.RETURNED
    assert check.question == "王小明的身份证号在本系统中查无此人。"
    assert Notification.objects.filter(user=clerk, url=check.request.get_absolute_url()).exists()
    page = client.get(check.get_absolute_url()).content.decode()
    assert "王小明的身份证号在本系统中查无此人。" in page
    # A returned check waits for the office: it can be neither answered nor returned again.
    assert 'data-testid="answer-form"' not in page
    again = client.post(_url("check_return", check), {"question": "再问一次"})
    assert "This check is Returned with a question and cannot be changed that way." in _messages(
        again
    )


# --- Full ID numbers and the access log -----------------------------------------------------


def test_liaison_sees_full_ids_and_each_view_is_logged(client, liaison, check):
    members = list(check.request.household.members.order_by("pk"))
    client.force_login(liaison)
    response = client.get(check.get_absolute_url())
    page = response.content.decode()
    for member in members:
        assert member.id_number in page
        assert member.name in page
    assert "no-store" in response["Cache-Control"]
    [entry] = AccessLog.objects.all()
    assert entry.user == liaison
    assert entry.purpose == AccessLog.Purpose.VERIFICATION
    assert entry.subject == check.request.household
    assert entry.path == check.get_absolute_url()
    for member in members:
        assert member.masked_id in entry.object_repr
        assert member.id_number not in entry.object_repr
    client.get(check.get_absolute_url())
    assert AccessLog.objects.count() == 2


@pytest.mark.parametrize("persona", ["clerk", "director"])
def test_office_sees_masked_ids_and_no_log_is_written(client, request, check, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(check.get_absolute_url())
    page = response.content.decode()
    for member in check.request.household.members.all():
        assert member.id_number not in page
        assert member.masked_id in page
    assert not AccessLog.objects.exists()
    # The office reads; it has no form to answer with.
    assert 'data-testid="answer-form"' not in page
    assert 'data-testid="return-form"' not in page


def test_check_page_shows_request_deadline_status_and_items(client, liaison, check, items):
    client.force_login(liaison)
    response = client.get(check.get_absolute_url())
    page = response.content.decode()
    assert check.deadline.strftime("%Y-%m-%d") in page
    assert check.request.submitted_at.astimezone().strftime("%Y-%m-%d") in page
    assert "Awaiting answer" in page
    assert [i.name for i in response.context["items"]] == ["户籍", "车辆"]
    # The tax office's item is not this check's business.
    assert "纳税" not in page


def test_cancelled_check_shows_no_full_ids(client, liaison, clerk, check):
    services.request_cancel(actor=clerk, request=check.request)
    client.force_login(liaison)
    page = client.get(check.get_absolute_url()).content.decode()
    assert check.request.household.members.first().id_number not in page
    assert not AccessLog.objects.exists()


# --- Inbox ----------------------------------------------------------------------------------


def test_inbox_lists_open_checks_with_town_and_member_count(client, liaison, check):
    client.force_login(liaison)
    response = client.get(reverse("verification:inbox"))
    [row] = response.context["page"]
    assert row == check
    assert row.member_count == 3
    page = response.content.decode()
    assert check.request.household.town in page
    assert check.get_absolute_url() in page
    # Each row tells its household apart by the applicant's masked ID number, the request's
    # number, the items and the deadline (issue 12); names, addresses and full ID numbers
    # stay on the check page.
    row_html = page.split('data-testid="open-check"')[1].split("</tr>")[0]
    applicant = check.request.household.members.get(relation="applicant")
    assert applicant.masked_id in row_html
    assert f"Request {check.request_id}" in row_html
    assert check.deadline.isoformat() in row_html
    assert all(item.name in row_html for item in check.items.all())
    for member in check.request.household.members.all():
        assert member.name not in page
        assert member.id_number not in page
        if member != applicant:
            assert member.masked_id not in page
    assert check.request.household.address not in page
    assert not AccessLog.objects.exists()
    zh = client.get(reverse("verification:inbox"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert applicant.masked_id in zh.content.decode()
    assert f"核对申请 {check.request_id}" in zh.content.decode()


def test_inbox_marks_overdue_and_provisional_and_sorts_by_deadline(
    client, liaison, clerk, check, group, unit, items, django_capture_on_commit_callbacks
):
    later = register_family(actor=clerk, office=group, town="春申街道")
    authorize_all(actor=clerk, household=later)
    second = submit(
        django_capture_on_commit_callbacks, actor=clerk, household=later, units=[unit]
    ).checks.get()
    DepartmentCheck.objects.filter(pk=second.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    DepartmentCheck.objects.filter(pk=check.pk).update(deadline_provisional=True)
    client.force_login(liaison)
    response = client.get(reverse("verification:inbox"))
    rows = list(response.context["page"])
    assert rows == [second, check]
    assert [row.is_overdue for row in rows] == [True, False]
    assert response.context["overdue_count"] == 1
    page = response.content.decode()
    assert page.count('data-testid="overdue"') == 1
    assert page.count('data-testid="provisional"') == 1


def test_inbox_lists_recently_answered_checks(client, liaison, check):
    client.force_login(liaison)
    client.post(_url("check_answer", check), grid(check))
    response = client.get(reverse("verification:inbox"))
    assert list(response.context["page"]) == []
    assert response.context["answered"] == [check]


def _seed_checks(household, unit, actor, count):
    """``count`` open checks of ``unit``, written in bulk as request_submit writes them:
    the first for ``household``, the others for households like it (a household has one
    request under way at most)."""
    households = [household] if not household.requests.exists() else []
    households += Household.objects.bulk_create(
        Household(
            office_id=household.office_id,
            address=f"{household.address}-{n}",
            town=household.town,
            assistance_type=household.assistance_type,
            created_by=actor,
        )
        for n in range(count - len(households))
    )
    requests = VerificationRequest.objects.bulk_create(
        VerificationRequest(household=h, assistance_type="dibao", requested_by=actor)
        for h in households
    )
    today = timezone.localdate()
    checks = DepartmentCheck.objects.bulk_create(
        DepartmentCheck(
            request=request,
            unit=unit,
            status=DepartmentCheck.Status.DELIVERED,
            deadline=today + datetime.timedelta(days=index % 20 - 5),
            deadline_provisional=index % 7 == 0,
        )
        for index, request in enumerate(requests)
    )
    items = list(unit.verification_items.all())
    through = DepartmentCheck.items.through
    through.objects.bulk_create(
        through(departmentcheck_id=check.pk, verificationitem_id=item.pk)
        for check in checks
        for item in items
    )


def test_inbox_query_count_does_not_grow_with_checks(
    client, liaison, clerk, unit, authorized_household, items, django_assert_max_num_queries
):
    client.force_login(liaison)
    url = reverse("verification:inbox")
    _seed_checks(authorized_household, unit, clerk, 5)
    with django_assert_max_num_queries(INBOX_QUERIES):
        small = client.get(url)
    assert small.context["page"].paginator.count == 5
    _seed_checks(authorized_household, unit, clerk, 995)
    with django_assert_max_num_queries(INBOX_QUERIES):
        large = client.get(url)
    assert large.context["page"].paginator.count == 1000
    assert large.context["overdue_count"] > 0
    with django_assert_max_num_queries(INBOX_QUERIES):
        assert client.get(url, {"page": 20}).status_code == 200


def test_check_page_query_count_does_not_grow_with_corrections(
    client, liaison, check, django_assert_max_num_queries
):
    client.force_login(liaison)
    client.post(_url("check_answer", check), grid(check))
    with CaptureQueriesContext(connection) as context:
        client.get(check.get_absolute_url())
    # Read now: the next request through the client resets the connection's query log.
    small = len(context)
    for n in range(5):
        data = grid(check, result=RECORD_FOUND, details=f"更正{n}")
        client.post(_url("check_correct", check), {**data, "reason": f"第{n}次更正"})
    with django_assert_max_num_queries(small):
        response = client.get(check.get_absolute_url())
    # Every finding (3 members × 2 items), corrected five times, each shown.
    assert len(response.context["corrections"]) == 6 * 5
    assert {row["finding"].result for row in response.context["findings"]} == {RECORD_FOUND}
