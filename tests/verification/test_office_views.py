"""The office's verification pages, driven through the client as a clerk would: who may see
what (everyone outside the office gets 404, liaisons included), registering households and
members with ID numbers checked, authorisation scans judged by their content, requests
refused while a member lacks an authorisation, full ID numbers shown only with a logged
purpose, the report and its Word export, and list pages whose query count does not grow."""

import datetime
import io
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from docx import Document

from assistance.models import AccessLog
from tests.verification.factories import make_id_number, register_family, years_ago
from tests.verification.helpers import submit
from verification import register, services
from verification.models import (
    Authorization,
    DepartmentCheck,
    Household,
    HouseholdMember,
    VerificationRequest,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40

# Queries of the request list, whether it holds 10 requests or 1,000 (measured: see the
# test); a change that adds a query per row fails it long before reaching this bound.
REQUEST_LIST_QUERIES = 10


@pytest.fixture(autouse=True)
def _english(client):
    # Assertions read the English source strings, whatever the catalogue says.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def submitted(clerk, authorized_household, items, django_capture_on_commit_callbacks):
    """A request to both test units for the authorised family, its checks delivered."""
    return submit(django_capture_on_commit_callbacks, actor=clerk, household=authorized_household)


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _upload(name, content, content_type="application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def _stored_scans(settings):
    folder = settings.MEDIA_ROOT / "authorizations"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


# --- Who may see what -------------------------------------------------------------------------

# (url name, method, which objects its kwargs need)
OFFICE_URLS = [
    ("household_list", "get", ""),
    ("household_create", "get", ""),
    ("household_detail", "get", "household"),
    ("member_create", "get", "household"),
    ("member_update", "get", "member"),
    ("authorization_create", "get", "member"),
    ("authorization_scan", "get", "authorization"),
    ("request_create", "get", "household"),
    ("request_list", "get", ""),
    ("request_detail", "get", "request"),
    ("request_cancel", "get", "request"),
    ("request_report", "get", "request"),
    ("request_report_docx", "get", "request"),
    ("check_reply", "post", "check"),
    ("overdue_list", "get", ""),
]


def _url(name, kind, request_):
    household = request_.household
    member = household.members.order_by("pk").first()
    kwargs = {
        "": {},
        "household": {"pk": household.pk},
        "member": {"pk": household.pk, "member_pk": member.pk},
        "authorization": {"pk": member.authorizations.first().pk},
        "request": {"pk": request_.pk},
        "check": {"pk": request_.checks.order_by("pk").first().pk},
    }[kind]
    return reverse(f"verification:{name}", kwargs=kwargs)


@pytest.mark.parametrize(("name", "method", "kind"), OFFICE_URLS)
def test_anonymous_is_sent_to_sign_in(client, submitted, name, method, kind):
    response = getattr(client, method)(_url(name, kind, submitted))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "persona",
    # ``liaison`` and ``other_liaison`` both have a check in this very request.
    ["liaison", "other_liaison", "outsider", "auditor", "convener", "administrator"],
)
@pytest.mark.parametrize(("name", "method", "kind"), OFFICE_URLS)
def test_everyone_outside_the_office_gets_404(
    client, request, submitted, persona, name, method, kind
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    before = AccessLog.objects.count()
    response = getattr(client, method)(_url(name, kind, submitted))
    assert response.status_code == 404
    assert AccessLog.objects.count() == before


@pytest.mark.parametrize("persona", ["clerk", "director"])
@pytest.mark.parametrize(("name", "method", "kind"), OFFICE_URLS)
def test_the_office_sees_every_page(client, request, submitted, persona, name, method, kind):
    client.force_login(request.getfixturevalue(persona))
    response = getattr(client, method)(_url(name, kind, submitted))
    # check_reply with an empty form shows the request again with the form's error.
    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["liaison", "outsider"])
def test_outsiders_change_nothing(client, request, submitted, persona):
    client.force_login(request.getfixturevalue(persona))
    household = submitted.household
    member = household.members.order_by("pk").first()
    check = submitted.checks.order_by("pk").first()
    posts = [
        (reverse("verification:household_detail", args=[household.pk]), {"purpose": "review"}),
        (reverse("verification:request_cancel", args=[submitted.pk]), {}),
        (reverse("verification:request_create", args=[household.pk]), {"units": []}),
        (
            reverse("verification:member_update", args=[household.pk, member.pk]),
            {"name": "改名", "relation": "applicant", "id_number": ""},
        ),
        (reverse("verification:check_reply", args=[check.pk]), {f"reply-{check.pk}-reply": "x"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404
    submitted.refresh_from_db()
    member.refresh_from_db()
    assert submitted.status == VerificationRequest.Status.SUBMITTED
    assert member.name != "改名"
    assert VerificationRequest.objects.count() == 1
    assert not AccessLog.objects.exists()


# --- Households and members ---------------------------------------------------------------------


def _register_data(group, members, **extra):
    data = {
        "office": group.pk,
        "address": "幸福路8号",
        "town": "大峪街道",
        "assistance_type": "dibao",
        "members-TOTAL_FORMS": "5",
        "members-INITIAL_FORMS": "1",
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "20",
    }
    for index in range(5):
        name, relation, number = members[index] if index < len(members) else ("", "", "")
        data[f"members-{index}-name"] = name
        data[f"members-{index}-relation"] = relation
        data[f"members-{index}-id_number"] = number
        # A browser sends the ticked-by-default box for unused rows too.
        data[f"members-{index}-has_capacity"] = "on"
    data.update(extra)
    return data


def test_register_a_household_with_its_members(client, clerk, group):
    client.force_login(clerk)
    page = client.get(reverse("verification:household_create")).content.decode()
    assert 'name="members-4-id_number"' in page
    applicant = make_id_number(years_ago(50))
    data = _register_data(
        group,
        [("张三", "applicant", applicant), ("张小三", "child", make_id_number(years_ago(8)))],
        irregular_income="on",
    )
    response = client.post(reverse("verification:household_create"), data)
    household = Household.objects.get()
    assert response.status_code == 302
    assert response["Location"] == household.get_absolute_url()
    assert household.irregular_income
    assert household.created_by == clerk
    assert list(household.members.order_by("pk").values_list("name", "id_number")) == [
        ("张三", applicant),
        ("张小三", data["members-1-id_number"]),
    ]


def test_register_accepts_a_lower_case_x_and_spaces(client, clerk, group):
    client.force_login(clerk)
    data = _register_data(group, [("老人", "applicant", "110105 19491231 002x")])
    assert client.post(reverse("verification:household_create"), data).status_code == 302
    assert HouseholdMember.objects.get().id_number == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("11010519491231002", "An ID number has 18 characters; this one has 17."),
        ("1101051949123100AX", "An ID number is 17 digits followed by a digit or X."),
        ("110105194913310020", "Digits 7 to 14 of an ID number are the birth date"),
        ("110105194912310021", "The last character does not match the others"),
    ],
)
def test_register_refuses_an_invalid_id_and_saves_nothing(client, clerk, group, number, message):
    client.force_login(clerk)
    data = _register_data(group, [("张三", "applicant", number)])
    response = client.post(reverse("verification:household_create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Household.objects.exists()
    assert not HouseholdMember.objects.exists()


def test_register_refuses_the_same_id_twice(client, clerk, group):
    client.force_login(clerk)
    number = make_id_number(years_ago(30))
    data = _register_data(group, [("甲", "applicant", number), ("乙", "spouse", number)])
    response = client.post(reverse("verification:household_create"), data)
    assert response.status_code == 200
    assert "This ID number is already a member of the household." in response.content.decode()
    assert not Household.objects.exists()


def test_register_needs_at_least_one_member(client, clerk, group):
    client.force_login(clerk)
    response = client.post(reverse("verification:household_create"), _register_data(group, []))
    assert response.status_code == 200
    assert not Household.objects.exists()


def test_add_member_refuses_invalid_and_duplicate_ids(client, clerk, household):
    client.force_login(clerk)
    url = reverse("verification:member_create", args=[household.pk])
    existing = household.members.order_by("pk").first()
    response = client.post(
        url, {"name": "重复", "relation": "other", "id_number": existing.id_number}
    )
    assert response.status_code == 200
    assert "This ID number is already a member of the household." in response.content.decode()
    response = client.post(
        url, {"name": "错号", "relation": "other", "id_number": "110105194912310021"}
    )
    assert "The last character does not match the others" in response.content.decode()
    assert household.members.count() == 3
    number = make_id_number(years_ago(70))
    response = client.post(
        url, {"name": "奶奶", "relation": "grandparent", "id_number": number, "has_capacity": ""}
    )
    assert response.status_code == 302
    added = household.members.get(id_number=number)
    assert not added.has_capacity
    assert added.needs_guardian


def test_edit_member_keeps_the_number_when_left_blank_and_keeps_history(client, clerk, household):
    client.force_login(clerk)
    member = household.members.order_by("pk").first()
    url = reverse("verification:member_update", args=[household.pk, member.pk])
    page = client.get(url).content.decode()
    # The form never carries the full number: it shows the masked one.
    assert member.id_number not in page
    assert member.masked_id in page
    versions = member.history.count()
    response = client.post(
        url, {"name": "王建军", "relation": "applicant", "id_number": "", "has_capacity": "on"}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.name == "王建军"
    assert member.history.count() == versions + 1
    assert member.history.first().history_user == clerk


def test_edit_member_refuses_another_members_number(client, clerk, household):
    client.force_login(clerk)
    first, second = household.members.order_by("pk")[:2]
    url = reverse("verification:member_update", args=[household.pk, first.pk])
    response = client.post(
        url, {"name": first.name, "relation": "applicant", "id_number": second.id_number}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "This ID number is already a member of the household." in content
    # The page still shows the number on file (masked), not the refused one.
    assert first.masked_id in content
    first.refresh_from_db()
    assert first.id_number != second.id_number


def test_member_of_another_household_is_404(client, clerk, group, household):
    other = register_family(actor=clerk, office=group)
    client.force_login(clerk)
    member = other.members.first()
    url = reverse("verification:member_update", args=[household.pk, member.pk])
    assert client.get(url).status_code == 404


def test_household_list_masks_ids_filters_and_finds_by_full_id(client, clerk, group, household):
    other = register_family(actor=clerk, office=group, town="王平镇")
    client.force_login(clerk)
    applicant = household.members.get(relation="applicant")
    response = client.get(reverse("verification:household_list"))
    content = response.content.decode()
    assert applicant.masked_id in content
    assert applicant.id_number not in content
    assert len(response.context["page"]) == 2

    response = client.get(reverse("verification:household_list"), {"town": "王平镇"})
    assert [h.pk for h in response.context["page"]] == [other.pk]
    response = client.get(reverse("verification:household_list"), {"q": "李秀"})
    assert len(response.context["page"]) == 2
    response = client.get(reverse("verification:household_list"), {"assistance_type": "tekun"})
    assert len(response.context["page"]) == 0

    # By full ID number, sent by POST so it stays out of the address.
    response = client.post(
        reverse("verification:household_list"), {"id_number": applicant.id_number.lower()}
    )
    assert [h.pk for h in response.context["page"]] == [household.pk]
    assert applicant.id_number not in response.content.decode().split("</form>")[-1]
    response = client.post(reverse("verification:household_list"), {"id_number": "123"})
    assert "An ID number has 18 characters; this one has 3." in response.content.decode()
    assert len(response.context["page"]) == 0


def test_household_list_query_count_does_not_grow(
    client, clerk, group, django_assert_max_num_queries
):
    client.force_login(clerk)
    register_family(actor=clerk, office=group)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("verification:household_list"))
    for _ in range(12):
        register_family(actor=clerk, office=group)
    with django_assert_max_num_queries(len(small)):
        response = client.get(reverse("verification:household_list"))
    assert len(response.context["page"]) == 13


# --- Household page: authorisations and full ID numbers -----------------------------------------


def test_household_page_shows_members_authorisations_and_requests(
    client, clerk, authorized_household, submitted
):
    client.force_login(clerk)
    household = authorized_household
    member = household.members.order_by("pk").first()
    authorization = member.authorizations.get()
    content = client.get(household.get_absolute_url()).content.decode()
    assert member.masked_id in content
    assert member.id_number not in content
    assert reverse("verification:authorization_scan", args=[authorization.pk]) in content
    assert authorization.valid_until.isoformat() in content
    assert 'data-testid="covered"' in content
    assert "guardian 王建国" in content  # the child's authorisation, signed by a guardian
    assert submitted.get_absolute_url() in content
    assert "0/2" in content
    # Scans are never linked through MEDIA_URL.
    assert "/media/" not in content


def test_household_page_flags_members_without_authorisation(client, clerk, household):
    client.force_login(clerk)
    content = client.get(household.get_absolute_url()).content.decode()
    assert 'data-testid="uncovered"' in content
    assert content.count('data-testid="not-covered"') == 3


def test_reveal_shows_full_ids_once_and_logs_each_member(client, clerk, household):
    client.force_login(clerk)
    members = list(household.members.order_by("pk"))
    response = client.post(household.get_absolute_url(), {"purpose": "registration"})
    assert response.status_code == 200
    content = response.content.decode()
    for member in members:
        assert member.id_number in content
    assert "no-store" in response["Cache-Control"]
    logs = list(AccessLog.objects.order_by("pk"))
    assert len(logs) == len(members)
    for log, member in zip(logs, members, strict=True):
        assert log.user == clerk
        assert log.subject == member
        assert log.purpose == AccessLog.Purpose.REGISTRATION
        # Shown in the auditor's language, whichever the clerk used.
        with translation.override("en"):
            assert log.text == f"ID number of member #{member.pk} ({member.masked_id})"
        with translation.override("zh-hans"):
            assert log.text == f"第 {member.pk} 号成员的身份证号码（{member.masked_id}）"
        assert member.id_number not in log.object_repr
        assert log.path == household.get_absolute_url()
    # Shown once: the next visit is masked again and logs nothing.
    content = client.get(household.get_absolute_url()).content.decode()
    assert members[0].id_number not in content
    assert AccessLog.objects.count() == len(members)


def test_reveal_needs_a_purpose(client, clerk, household):
    client.force_login(clerk)
    member = household.members.first()
    for purpose in ["", "curiosity"]:
        response = client.post(household.get_absolute_url(), {"purpose": purpose})
        assert response.status_code == 200
        assert member.id_number not in response.content.decode()
    assert not AccessLog.objects.exists()


def _authorization_data(scan, **extra):
    today = timezone.localdate()
    data = {
        "signed_on": today.isoformat(),
        "valid_until": (today + datetime.timedelta(days=365)).isoformat(),
        "signer": "self",
        "guardian_name": "",
        "scan": scan,
    }
    data.update(extra)
    return data


@pytest.mark.parametrize(
    ("name", "content"),
    [("授权书.pdf", PDF), ("scan.PNG", PNG), ("scan.jpg", JPEG), ("scan.jpeg", JPEG)],
)
def test_record_authorisation_with_a_scan(client, clerk, household, settings, name, content):
    client.force_login(clerk)
    member = household.members.get(relation="applicant")
    url = reverse("verification:authorization_create", args=[household.pk, member.pk])
    response = client.post(url, _authorization_data(_upload(name, content)))
    assert response.status_code == 302
    authorization = member.authorizations.get()
    assert authorization.recorded_by == clerk
    assert authorization.signer == "self"
    # The stored name keeps neither the person's name nor the uploaded name.
    assert "授权书" not in authorization.scan.name
    assert authorization.scan.name.endswith("." + name.rsplit(".", 1)[1].lower())
    assert len(_stored_scans(settings)) == 1
    assert register.members_without_authorization(household) != []  # others still missing


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("scan.pdf", b"just some text, not a scan\n" * 4, "content is not a PDF, JPEG or PNG"),
        ("scan.png", PDF, "but its content is a PDF document"),
        ("scan.pdf", PNG, "but its content is a PNG image"),
        ("scan.jpg", PNG, "but its content is a PNG image"),
        ("scan", PDF, "but its content is a PDF document"),
        ("scan.exe", b"MZ\x90\x00" + b"\x00" * 60, "content is not a PDF, JPEG or PNG"),
        ("scan.pdf", b"", "The submitted file is empty."),
    ],
)
def test_malformed_scan_is_refused_and_nothing_is_saved(
    client, clerk, household, settings, name, content, message
):
    client.force_login(clerk)
    member = household.members.get(relation="applicant")
    url = reverse("verification:authorization_create", args=[household.pk, member.pk])
    response = client.post(url, _authorization_data(_upload(name, content)))
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Authorization.objects.exists()
    assert _stored_scans(settings) == []


def test_oversized_scan_is_refused_and_nothing_is_saved(client, clerk, household, settings):
    settings.AUTHORIZATION_SCAN_MAX_BYTES = 1024
    client.force_login(clerk)
    member = household.members.get(relation="applicant")
    url = reverse("verification:authorization_create", args=[household.pk, member.pk])
    big = PDF + b"0" * 2048
    response = client.post(url, _authorization_data(_upload("scan.pdf", big)))
    assert response.status_code == 200
    content = response.content.decode()
    assert "at most 1.0\xa0KB is accepted" in content
    assert not Authorization.objects.exists()
    assert _stored_scans(settings) == []


def test_authorisation_rules_show_on_the_form(client, clerk, household, settings):
    client.force_login(clerk)
    child = household.members.get(relation="child")
    url = reverse("verification:authorization_create", args=[household.pk, child.pk])
    # The form proposes a guardian for a minor.
    assert 'value="guardian" class="form-check-input" id="id_signer_1" required checked' in (
        client.get(url).content.decode()
    )
    cases = [
        ({"signer": "self"}, "a guardian must sign"),
        ({"signer": "guardian", "guardian_name": ""}, "Name the guardian who signed."),
        (
            {"signer": "guardian", "guardian_name": "王建国", "valid_until": "2000-01-01"},
            "An authorisation cannot expire before it is signed.",
        ),
    ]
    for extra, message in cases:
        response = client.post(url, _authorization_data(_upload("scan.pdf", PDF), **extra))
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not Authorization.objects.exists()
    assert _stored_scans(settings) == []


def test_scan_is_streamed_to_the_office_and_logged(client, clerk, authorized_household):
    client.force_login(clerk)
    authorization = Authorization.objects.order_by("pk").first()
    response = client.get(reverse("verification:authorization_scan", args=[authorization.pk]))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == authorization.scan.open("rb").read()
    log = AccessLog.objects.get()
    assert log.subject == authorization
    assert log.purpose == AccessLog.Purpose.REVIEW
    assert authorization.member.id_number not in log.object_repr


def test_missing_scan_is_404(client, clerk, authorized_household):
    client.force_login(clerk)
    authorization = Authorization.objects.order_by("pk").first()
    authorization.scan.storage.delete(authorization.scan.name)
    response = client.get(reverse("verification:authorization_scan", args=[authorization.pk]))
    assert response.status_code == 404
    assert not AccessLog.objects.exists()


# --- Filing a request ---------------------------------------------------------------------------


def test_request_refused_while_a_member_lacks_authorisation(
    client, clerk, household, items, unit, other_unit, django_capture_on_commit_callbacks
):
    register.authorization_record(
        actor=clerk,
        member=household.members.get(relation="applicant"),
        signed_on=timezone.localdate(),
        valid_until=timezone.localdate() + datetime.timedelta(days=30),
        signer="self",
        scan=_upload("scan.pdf", PDF),
    )
    client.force_login(clerk)
    url = reverse("verification:request_create", args=[household.pk])
    content = client.get(url).content.decode()
    assert 'data-testid="refused"' in content
    assert "李秀英" in content and "王小明" in content
    assert 'name="units"' not in content
    # A form sent from a page opened before, say, an authorisation expired.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"assistance_type": "dibao", "units": [unit.pk, other_unit.pk]})
    assert response.status_code == 200
    (message,) = _messages(response)
    assert message == ("These members have no signed authorisation covering today: 李秀英、王小明.")
    assert not VerificationRequest.objects.exists()
    assert not DepartmentCheck.objects.exists()


def test_expired_authorisation_does_not_cover(client, clerk, household, items, today):
    from tests.verification.factories import authorize_all

    authorize_all(actor=clerk, household=household, signed_on=datetime.date(2025, 1, 2), days=30)
    today(datetime.date(2025, 6, 2))
    client.force_login(clerk)
    content = client.get(reverse("verification:request_create", args=[household.pk])).content
    assert "王建国" in content.decode()
    assert 'data-testid="refused"' in content.decode()


def test_request_form_ticks_every_department_and_files_the_chosen_ones(
    client,
    clerk,
    authorized_household,
    items,
    unit,
    other_unit,
    liaison,
    django_capture_on_commit_callbacks,
):
    client.force_login(clerk)
    url = reverse("verification:request_create", args=[authorized_household.pk])
    content = client.get(url).content.decode()
    for department in (unit, other_unit):
        assert f'name="units" value="{department.pk}" id="unit-{department.pk}" checked' in content
    assert "户籍、车辆" in content and "纳税" in content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"assistance_type": "dibao", "units": [unit.pk]})
    vr = VerificationRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == vr.get_absolute_url()
    check = vr.checks.get()
    assert check.unit == unit
    assert check.status == DepartmentCheck.Status.DELIVERED  # the task ran after commit
    assert set(check.items.all()) == {items["registration"], items["vehicles"]}
    assert vr.requested_by == clerk


def test_request_needs_a_department(client, clerk, authorized_household, items):
    client.force_login(clerk)
    url = reverse("verification:request_create", args=[authorized_household.pk])
    response = client.post(url, {"assistance_type": "dibao"})
    assert response.status_code == 200
    assert "Choose at least one department." in response.content.decode()
    assert not VerificationRequest.objects.exists()


def test_request_without_items_explains(client, clerk, authorized_household):
    client.force_login(clerk)
    url = reverse("verification:request_create", args=[authorized_household.pk])
    content = client.get(url).content.decode()
    assert "an administrator configures the verification items" in content


# --- Request list -------------------------------------------------------------------------------


def _seed_requests(n, *, office, clerk, units, town="大峪街道", overdue_every=0):
    """``n`` households of one member, each with a request to ``units``: a handful of bulk
    statements, not thousands of service calls."""
    households = Household.objects.bulk_create(
        Household(
            office=office,
            address=f"批量路{i}号",
            town=town,
            assistance_type="dibao",
            created_by=clerk,
        )
        for i in range(n)
    )
    HouseholdMember.objects.bulk_create(
        HouseholdMember(
            household=h,
            name=f"成员{i}",
            relation="applicant",
            id_number=make_id_number(years_ago(40), sequence=i % 1000),
        )
        for i, h in enumerate(households)
    )
    requests = VerificationRequest.objects.bulk_create(
        VerificationRequest(household=h, assistance_type="dibao", requested_by=clerk)
        for h in households
    )
    today = timezone.localdate()
    DepartmentCheck.objects.bulk_create(
        DepartmentCheck(
            request=r,
            unit=u,
            status=DepartmentCheck.Status.DELIVERED,
            deadline=today + datetime.timedelta(days=7),
            overdue=bool(overdue_every) and i % overdue_every == 0,
        )
        for i, r in enumerate(requests)
        for u in units
    )
    return requests


def _count_queries(client, url, data=None):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, data or {})
    assert response.status_code == 200
    return len(context), response


@pytest.mark.parametrize(
    "filters", [{}, {"overdue": "on", "status": "submitted", "town": "大峪街道"}]
)
def test_request_list_query_count_does_not_grow_with_rows(
    client, clerk, group, unit, other_unit, django_assert_max_num_queries, filters
):
    client.force_login(clerk)
    url = reverse("verification:request_list")
    _seed_requests(10, office=group, clerk=clerk, units=[unit, other_unit], overdue_every=1)
    small, response = _count_queries(client, url, filters)
    assert len(response.context["page"]) == 10
    assert small <= REQUEST_LIST_QUERIES
    _seed_requests(1000, office=group, clerk=clerk, units=[unit, other_unit], overdue_every=1)
    with django_assert_max_num_queries(small):
        response = client.get(url, filters)
    assert len(response.context["page"]) == 50
    assert response.context["page"].paginator.count == 1010
    # The last page is as cheap as the first.
    with django_assert_max_num_queries(small):
        response = client.get(url, {**filters, "page": "21"})
    assert len(response.context["page"]) == 10


def test_request_list_shows_progress_deadline_overdue_and_masked_applicant(
    client, clerk, submitted, liaison
):
    police = submitted.checks.get(unit__code="test-police")
    police.overdue = True
    police.save()
    household = submitted.household
    applicant = household.members.get(relation="applicant")
    client.force_login(clerk)
    response = client.get(reverse("verification:request_list"))
    content = response.content.decode()
    (row,) = response.context["page"]
    assert (row.answered_count, row.check_count, row.overdue_count) == (0, 2, 1)
    assert row.next_deadline == min(c.deadline for c in submitted.checks.all())
    assert row.applicant_name == applicant.name
    assert applicant.masked_id in content
    assert applicant.id_number not in content
    assert household.town in content and household.address in content
    assert 'data-testid="overdue-badge"' in content
    assert "0/2" in content
    assert (
        len(client.get(reverse("verification:request_list"), {"overdue": "on"}).context["page"])
        == 1
    )
    police.overdue = False
    police.save()
    assert not client.get(reverse("verification:request_list"), {"overdue": "on"}).context["page"]
    assert not client.get(reverse("verification:request_list"), {"status": "completed"}).context[
        "page"
    ]
    assert not client.get(reverse("verification:request_list"), {"town": "别处"}).context["page"]
    assert not client.get(
        reverse("verification:request_list"), {"assistance_type": "tekun"}
    ).context["page"]


# --- Request page -------------------------------------------------------------------------------


def test_request_page_lists_each_department_and_refreshes_while_under_way(
    client, clerk, submitted, unit, other_unit
):
    client.force_login(clerk)
    url = submitted.get_absolute_url()
    content = client.get(url).content.decode()
    assert unit.name in content and other_unit.name in content
    assert "Awaiting answer" in content
    assert 'hx-trigger="every 10s"' in content
    assert f'hx-get="{url}?fragment=checks"' in content
    fragment = client.get(url, {"fragment": "checks"}, HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith("<section")
    assert "<html" not in fragment.content.decode()
    # Without htmx the same address gives the whole page.
    assert "<html" in client.get(url, {"fragment": "checks"}).content.decode()


def test_request_page_stops_refreshing_when_complete(client, clerk, submitted):
    for check in submitted.checks.all():
        findings = [
            services.FindingData(member_id=m.pk, item_id=i.pk, result="no_record")
            for m in submitted.household.members.all()
            for i in check.items.all()
        ]
        services.check_answer(actor=clerk, check=check, findings=findings)
    client.force_login(clerk)
    content = client.get(submitted.get_absolute_url()).content.decode()
    assert "hx-trigger" not in content
    assert "2 of 2 answered" in content
    assert "Cancel the request" not in content


def test_provisional_deadline_and_overdue_are_shown(client, clerk, submitted):
    check = submitted.checks.order_by("pk").first()
    check.deadline_provisional = True
    check.overdue = True
    check.save()
    client.force_login(clerk)
    content = client.get(submitted.get_absolute_url()).content.decode()
    assert 'data-testid="provisional"' in content
    assert "official holidays are not yet entered" in content
    assert 'data-testid="overdue-badge"' in content


def test_reply_to_a_returned_check(client, clerk, liaison, submitted):
    check = submitted.checks.get(unit__code="test-police")
    services.check_return(actor=liaison, check=check, question="申请人有两个身份证号吗？")
    client.force_login(clerk)
    content = client.get(submitted.get_absolute_url()).content.decode()
    assert "申请人有两个身份证号吗？" in content
    assert f'action="{reverse("verification:check_reply", args=[check.pk])}"' in content
    url = reverse("verification:check_reply", args=[check.pk])
    response = client.post(url, {f"reply-{check.pk}-reply": "  "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    response = client.post(url, {f"reply-{check.pk}-reply": "只有一个，已核实。"})
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.status == DepartmentCheck.Status.DELIVERED
    assert check.reply == "只有一个，已核实。"
    # Replying again is refused by the service: the message is shown, nothing changes.
    response = client.post(url, {f"reply-{check.pk}-reply": "再说一次"})
    assert response.status_code == 200
    assert any("cannot be changed that way" in m for m in _messages(response))
    check.refresh_from_db()
    assert check.reply == "只有一个，已核实。"


def test_cancel_asks_then_cancels_open_checks(client, clerk, submitted):
    client.force_login(clerk)
    url = reverse("verification:request_cancel", args=[submitted.pk])
    assert "This cannot be undone" in client.get(url).content.decode()
    submitted.refresh_from_db()
    assert submitted.status == VerificationRequest.Status.SUBMITTED
    response = client.post(url)
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == VerificationRequest.Status.CANCELLED
    assert set(submitted.checks.values_list("status", flat=True)) == {"cancelled"}
    response = client.post(url)
    assert _messages(response)[-1] == "Only a request still under way can be cancelled."


# --- Report -------------------------------------------------------------------------------------


@pytest.fixture
def answered_police(clerk, liaison, submitted, items):
    """The police answer: a car for the applicant (bears on eligibility), a household
    registration record for the spouse (does not), nothing else; the tax office has not."""
    check = submitted.checks.get(unit__code="test-police")
    members = {m.relation: m for m in submitted.household.members.all()}
    findings = []
    for member in members.values():
        for item in check.items.all():
            result, details = "no_record", ""
            if member.relation == "applicant" and item == items["vehicles"]:
                result, details = "record_found", "豫S·88888 小型轿车 2019年登记"
            if member.relation == "spouse" and item == items["registration"]:
                result, details = "record_found", "户籍登记于大峪街道"
            findings.append(
                services.FindingData(
                    member_id=member.pk, item_id=item.pk, result=result, details=details
                )
            )
    services.check_answer(actor=liaison, check=check, findings=findings)
    return check


def test_report_highlights_records_that_bear_on_eligibility(
    client, clerk, submitted, answered_police, other_unit
):
    client.force_login(clerk)
    response = client.get(reverse("verification:request_report", args=[submitted.pk]))
    content = response.content.decode()
    highlighted = content.split('data-testid="highlighted"')
    assert len(highlighted) == 2  # exactly one highlighted row
    assert "豫S·88888 小型轿车 2019年登记" in highlighted[1].split("</tr>")[0]
    # A record on an item that does not bear on eligibility is shown, not highlighted.
    assert "户籍登记于大峪街道" in content
    assert "户籍登记于大峪街道" not in highlighted[1].split("</tr>")[0]
    # The tax office has not answered: its rows are pending, and it is named.
    assert content.count('data-testid="pending"') == 3
    assert 'data-testid="report-pending"' in content and other_unit.name in content
    for member in submitted.household.members.all():
        assert member.masked_id in content
        assert member.id_number not in content
    # Printing and the print layout come from static files (no inline script or style).
    assert 'data-action="print"' in content
    assert "css/report.css" in content
    stylesheet = Path(finders.find("css/report.css")).read_text(encoding="utf-8")
    assert "@media print" in stylesheet
    log = AccessLog.objects.get()
    assert (log.user, log.subject, log.purpose) == (clerk, submitted, "review")


def test_report_query_count_does_not_grow_with_members(
    client, clerk, submitted, answered_police, django_assert_max_num_queries
):
    client.force_login(clerk)
    url = reverse("verification:request_report", args=[submitted.pk])
    small, _ = _count_queries(client, url)
    for age in (60, 62, 64):
        HouseholdMember.objects.create(
            household=submitted.household,
            name=f"新成员{age}",
            relation="other",
            id_number=make_id_number(years_ago(age)),
        )
    with django_assert_max_num_queries(small):
        response = client.get(url)
    # Members registered after the request are not covered by it: named once, in the
    # notice telling the clerk to file a new request, and in no department's rows.
    content = response.content.decode()
    assert "Not asked (member added later)" not in content
    notice = content.split('data-testid="report-not-covered"')[1].split("</div>")[0]
    assert all(f"新成员{age}" in notice for age in (60, 62, 64))
    assert all(content.count(f"新成员{age}") == 1 for age in (60, 62, 64))


def _docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    for section in document.sections:
        parts.extend(p.text for p in section.footer.paragraphs)
    return "\n".join(parts)


def test_word_export_is_a_report_with_masked_ids(client, clerk, submitted, answered_police):
    client.force_login(clerk)
    response = client.get(reverse("verification:request_report_docx", args=[submitted.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert f'filename="verification-report-{submitted.pk}.docx"' in response["Content-Disposition"]
    text = _docx_text(response.content)
    assert "Household economic-status verification report" in text
    assert submitted.household.address in text
    for member in submitted.household.members.all():
        assert member.masked_id in text
        assert member.id_number not in text
        assert member.id_number.encode() not in response.content
    assert "豫S·88888 小型轿车 2019年登记" in text
    assert "★ Record found" in text
    assert "Pending: not answered yet" in text
    assert "Generated " in text
    with translation.override("en"):
        assert AccessLog.objects.get().text.endswith("(Word export)")


# --- Overdue list -------------------------------------------------------------------------------


def test_overdue_list_groups_by_unit_with_working_days(
    client, director, clerk, group, unit, other_unit, today, django_assert_max_num_queries
):
    requests = _seed_requests(3, office=group, clerk=clerk, units=[unit, other_unit])
    # Due Monday 9 March 2026, seen on Friday 13 March: 4 working days late.
    DepartmentCheck.objects.filter(request__in=requests).update(
        deadline=datetime.date(2026, 3, 9), overdue=True
    )
    DepartmentCheck.objects.filter(request=requests[0], unit=other_unit).update(
        status=DepartmentCheck.Status.ANSWERED, answered_at=timezone.now(), overdue=False
    )
    client.force_login(director)
    today(datetime.date(2026, 3, 13))
    small, response = _count_queries(client, reverse("verification:overdue_list"))
    units = response.context["units"]
    assert [(g["unit"], len(g["checks"])) for g in units] == [(unit, 3), (other_unit, 2)]
    assert {c.days_overdue for g in units for c in g["checks"]} == {4}
    assert response.context["total"] == 5
    assert 'data-testid="days-overdue">4<' in response.content.decode()
    more = _seed_requests(30, office=group, clerk=clerk, units=[unit, other_unit])
    DepartmentCheck.objects.filter(request__in=more).update(
        deadline=datetime.date(2026, 2, 27), overdue=True
    )
    with django_assert_max_num_queries(small):
        response = client.get(reverse("verification:overdue_list"))
    assert response.context["total"] == 65
    # Due Friday 27 February: 11 working days late by Friday 13 March, because Saturday
    # 28 February 2026 is a make-up working day (调休) after the Spring Festival.
    assert {c.days_overdue for g in response.context["units"] for c in g["checks"]} == {4, 11}


def test_overdue_list_is_empty_when_nothing_is_late(client, clerk, submitted):
    client.force_login(clerk)
    content = client.get(reverse("verification:overdue_list")).content.decode()
    assert 'data-testid="no-overdue"' in content
