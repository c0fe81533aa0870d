"""Registry snapshots: validated row by row (a bad file is refused whole, with its line
numbers), replaced atomically, and answering checks automatically, each finding naming
its snapshot; without a fresh snapshot the check falls back to the liaison with the
reason shown."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import Workbook

from assistance.models import Notification
from verification import register, services, sweeps
from verification.connectors import SnapshotInvalid, snapshot_import
from verification.models import (
    DepartmentCheck,
    Finding,
    RegistryRecord,
    RegistrySnapshot,
    UnitConnector,
    VerificationRequest,
)
from verification.tasks import check_deliver_task
from verification.tasks import snapshot_check_task as check_snapshot_task

pytestmark = pytest.mark.django_db


def csv_file(text: str, *, encoding="utf-8-sig", name="extract.csv"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


@pytest.fixture
def police_connector(unit):
    return UnitConnector.objects.create(unit=unit, kind=UnitConnector.Kind.SNAPSHOT)


@pytest.fixture
def ids(authorized_household):
    return dict(authorized_household.members.values_list("name", "id_number"))


@pytest.fixture
def snapshot(liaison, unit, items, ids, police_connector):
    text = (
        "身份证号码,核对事项,详情,金额\n"
        f"{ids['王建国']},车辆,小型轿车 豫S·12345,\n"
        f"{ids['李秀英']},test-registration,户籍在本区,\n"
    )
    return snapshot_import(
        actor=liaison, unit=unit, upload=csv_file(text), taken_on=timezone.localdate()
    )


def test_a_good_csv_becomes_the_current_snapshot(snapshot, unit):
    assert snapshot.is_current and snapshot.row_count == 2
    assert RegistryRecord.objects.filter(snapshot=snapshot).count() == 2


def test_gb18030_csv_and_xlsx_are_read(liaison, unit, items, ids):
    text = f"身份证号,事项,详情\n{ids['王建国']},车辆,货车\n"
    first = snapshot_import(
        actor=liaison,
        unit=unit,
        upload=csv_file(text, encoding="gb18030"),
        taken_on=timezone.localdate(),
    )
    assert first.row_count == 1
    book = Workbook()
    sheet = book.active
    sheet.append(["ID number", "item", "details", "amount"])
    sheet.append([ids["李秀英"], "test-vehicles", "摩托车", 3500])
    buffer = io.BytesIO()
    book.save(buffer)
    second = snapshot_import(
        actor=liaison,
        unit=unit,
        upload=SimpleUploadedFile("extract.xlsx", buffer.getvalue()),
        taken_on=timezone.localdate(),
    )
    record = RegistryRecord.objects.get(snapshot=second)
    assert (record.details, record.amount) == ("摩托车", 3500)
    # The newer upload replaced the older one.
    first.refresh_from_db()
    assert (first.is_current, second.is_current) == (False, True)
    assert RegistrySnapshot.objects.filter(unit=unit, is_current=True).count() == 1


def test_a_malformed_file_is_refused_whole_with_line_numbers(liaison, unit, items, ids, snapshot):
    text = (
        "身份证号码,核对事项,详情,金额\n"
        f"{ids['王建国']},车辆,轿车,\n"
        "110105194912310021,车辆,,\n"
        f"{ids['李秀英']},宅基地,,\n"
        f"{ids['王小明']},车辆,,十万\n"
    )
    with pytest.raises(SnapshotInvalid) as refused:
        snapshot_import(
            actor=liaison, unit=unit, upload=csv_file(text), taken_on=timezone.localdate()
        )
    assert [line for line, _ in refused.value.errors] == [3, 4, 5]
    assert "宅基地" in refused.value.errors[1][1]
    # Nothing imported: the earlier snapshot is still the only current one; the refused
    # upload is kept, with its problems.
    assert RegistrySnapshot.objects.get(unit=unit, is_current=True) == snapshot
    refused_upload = RegistrySnapshot.objects.exclude(pk=snapshot.pk).get(unit=unit)
    assert refused_upload.status == RegistrySnapshot.Status.REFUSED
    assert (refused_upload.error_count, [e[0] for e in refused_upload.errors]) == (3, [3, 4, 5])
    assert not refused_upload.records.exists()
    assert RegistryRecord.objects.filter(snapshot__unit=unit).count() == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("extract.csv", "姓名,地址\n张三,某地\n", "name the columns"),
        ("extract.xlsx", "not a workbook", "not an Excel (.xlsx) workbook"),
        ("extract.xlsx", "PK\x03\x04 a damaged workbook", "cannot be read"),
        ("extract.csv", "身份证号码\0核对事项\n", "not a text (CSV) file"),
        ("extract.txt", "身份证号码,核对事项\n", ".csv or .xlsx"),
        ("extract.csv", "", "empty"),
    ],
)
def test_unreadable_files_are_refused(liaison, unit, items, name, content, message):
    with translation.override("en"), pytest.raises(SnapshotInvalid) as refused:
        snapshot_import(
            actor=liaison,
            unit=unit,
            upload=SimpleUploadedFile(name, content.encode()),
            taken_on=timezone.localdate(),
        )
    assert message in refused.value.errors[0][1]
    assert not RegistrySnapshot.objects.filter(status=RegistrySnapshot.Status.IMPORTED).exists()
    assert not RegistryRecord.objects.exists()


def submit(clerk, household, capture):
    with capture(execute=True):
        return services.request_submit(actor=clerk, household=household)


def test_snapshot_answers_the_check_and_findings_name_it(
    clerk,
    liaison,
    unit,
    other_unit,
    authorized_household,
    snapshot,
    ids,
    django_capture_on_commit_callbacks,
):
    request = submit(clerk, authorized_household, django_capture_on_commit_callbacks)
    police = request.checks.get(unit=unit)
    assert police.status == DepartmentCheck.Status.ANSWERED
    assert police.answered_by is None
    findings = {
        (f.member.name, f.item.code): f for f in police.findings.select_related("member", "item")
    }
    assert len(findings) == 6  # three members x two items
    car = findings[("王建国", "test-vehicles")]
    assert (car.result, car.details, car.snapshot) == (
        Finding.Result.RECORD_FOUND,
        "小型轿车 豫S·12345",
        snapshot,
    )
    assert findings[("王小明", "test-vehicles")].result == Finding.Result.NO_RECORD
    assert all(f.snapshot == snapshot for f in findings.values())
    # The police liaison had nothing to do: no notification of a new check.
    assert not Notification.objects.filter(user=liaison).exists()
    # The tax office answers by hand: the request waits for it.
    assert request.checks.get(unit=other_unit).status == DepartmentCheck.Status.DELIVERED
    request.refresh_from_db()
    assert request.status == VerificationRequest.Status.SUBMITTED
    # A redelivered task changes nothing.
    assert check_deliver_task.apply(args=[police.pk]).get() is False
    assert police.findings.count() == 6


def test_without_a_snapshot_the_check_falls_back_with_the_reason(
    clerk,
    liaison,
    unit,
    authorized_household,
    items,
    police_connector,
    django_capture_on_commit_callbacks,
):
    request = submit(clerk, authorized_household, django_capture_on_commit_callbacks)
    police = request.checks.get(unit=unit)
    assert police.status == DepartmentCheck.Status.DELIVERED
    assert police.fallback_reason == gettext(
        "The department has uploaded no registry snapshot yet."
    )
    note = Notification.objects.get(user=liaison)
    assert police.fallback_reason in note.message


def test_a_stale_snapshot_does_not_answer(
    clerk,
    liaison,
    unit,
    authorized_household,
    snapshot,
    police_connector,
    django_capture_on_commit_callbacks,
):
    RegistrySnapshot.objects.filter(pk=snapshot.pk).update(
        taken_on=timezone.localdate() - datetime.timedelta(days=40)
    )
    request = submit(clerk, authorized_household, django_capture_on_commit_callbacks)
    police = request.checks.get(unit=unit)
    assert police.status == DepartmentCheck.Status.DELIVERED
    assert (
        timezone.localdate() - datetime.timedelta(days=40)
    ).isoformat() in police.fallback_reason
    # The liaison answers by hand as usual.
    assert police.findings.count() == 0


def test_liaison_uploads_through_the_page_and_sees_line_numbers(
    client, liaison, unit, items, ids, police_connector, django_capture_on_commit_callbacks
):
    """The upload is received at once and checked by a task (in process here, after the
    commit); the page then shows the refusal with its line numbers, or the import."""
    client.force_login(liaison)
    url = reverse("verification:snapshot_list")
    assert client.get(url).status_code == 200
    today = timezone.localdate().isoformat()
    bad = csv_file(f"身份证号码,核对事项\n{ids['王建国']},车辆\n123,车辆\n")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"taken_on": today, "file": bad})
    assert response.status_code == 302
    response = client.get(url, headers={"accept-language": "en"})
    assert response.context["refused"].error_count == 1
    assert [line for line, _ in response.context["refused"].errors] == [3]
    assert response.context["checking"] is False
    page = response.content.decode()
    assert 'data-testid="snapshot-errors"' in page and "<td>3</td>" in page
    assert not RegistryRecord.objects.exists()
    # The liaison is told in the language they read it in, whoever ran the check.
    told = Notification.objects.get(user=liaison)
    with translation.override("en"):
        assert told.text == (
            f"Your registry extract of {today} was refused and nothing was imported. "
            "Problems found: 1; see the lines to fix."
        )
    with translation.override("zh-hans"):
        assert told.text == (
            f"您上传的 {today} 登记数据未被接受，没有导入任何数据。"
            "发现问题：1 个，请查看需要修改的行。"
        )
    good = csv_file(f"身份证号码,核对事项\n{ids['王建国']},车辆\n")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"taken_on": today, "file": good})
    assert response.status_code == 302
    imported = RegistrySnapshot.objects.get(unit=unit, is_current=True)
    assert (imported.status, imported.row_count) == (RegistrySnapshot.Status.IMPORTED, 1)
    response = client.get(url)
    assert response.context["refused"] is None
    # A file that is not CSV or XLSX is refused on the spot (400); nothing is kept.
    response = client.post(
        url, {"taken_on": today, "file": SimpleUploadedFile("extract.txt", b"x")}
    )
    assert response.status_code == 400
    assert RegistrySnapshot.objects.count() == 2


def test_an_upload_waiting_to_be_checked_refreshes_the_list_until_done(
    client, liaison, unit, items, ids, police_connector, django_capture_on_commit_callbacks
):
    client.force_login(liaison)
    url = reverse("verification:snapshot_list")
    good = csv_file(f"身份证号码,核对事项\n{ids['王建国']},车辆\n")
    # The message to check it is not run yet (a worker is busy).
    with django_capture_on_commit_callbacks(execute=False):
        client.post(url, {"taken_on": timezone.localdate().isoformat(), "file": good})
    waiting = RegistrySnapshot.objects.get()
    assert waiting.status == RegistrySnapshot.Status.CHECKING
    response = client.get(url)
    assert response.context["checking"] is True
    assert reverse("verification:snapshot_uploads") in response.content.decode()
    # The worker checks it: the refreshed part no longer asks to be refreshed.
    check_snapshot_task.apply(args=[waiting.pk])
    response = client.get(reverse("verification:snapshot_uploads"))
    assert response.status_code == 200
    assert response.context["checking"] is False
    assert "hx-trigger" not in response.content.decode()
    # Run again, the task changes nothing.
    assert check_snapshot_task.apply(args=[waiting.pk]).get() == ""
    assert RegistryRecord.objects.filter(snapshot=waiting).count() == 1


def test_an_upload_whose_message_was_lost_is_checked_by_the_sweep(
    liaison, unit, items, ids, police_connector
):
    from verification.connectors import snapshot_receive

    waiting = snapshot_receive(
        actor=liaison,
        unit=unit,
        upload=csv_file(f"身份证号码,核对事项\n{ids['王建国']},车辆\n"),
        taken_on=timezone.localdate(),
    )
    five = datetime.timedelta(minutes=5)
    assert sweeps.checks_resend_undelivered(older_than=five) == 0
    RegistrySnapshot.objects.filter(pk=waiting.pk).update(
        uploaded_at=timezone.now() - datetime.timedelta(minutes=6)
    )
    assert sweeps.checks_resend_undelivered(older_than=five) == 1
    waiting.refresh_from_db()
    assert (waiting.status, waiting.is_current) == (RegistrySnapshot.Status.IMPORTED, True)
    assert sweeps.checks_resend_undelivered(older_than=five) == 0


@pytest.mark.parametrize("persona", ["clerk", "director", "outsider"])
def test_snapshot_page_is_only_for_liaisons(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("verification:snapshot_list")).status_code == 404


def test_the_last_connector_answer_completes_the_request_and_tells_the_clerk_once(
    clerk, unit, authorized_household, snapshot, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = services.request_submit(actor=clerk, household=authorized_household, units=[unit])
    request.refresh_from_db()
    assert request.status == VerificationRequest.Status.COMPLETED
    assert request.completed_at is not None
    police = request.checks.get()
    # Delivered, answered and completed in one transaction.
    assert police.delivered_at == police.answered_at == request.completed_at
    [note] = Notification.objects.filter(user=clerk)
    assert str(request.pk) in note.message and note.url == request.get_absolute_url()
    # Redelivered, the task neither answers again nor tells the clerk again.
    assert check_deliver_task.apply(args=[police.pk]).get() is False
    assert Notification.objects.filter(user=clerk).count() == 1
    assert police.findings.count() == 6


def test_a_connector_answer_takes_the_same_queries_for_a_large_household(
    clerk, unit, authorized_household, snapshot, django_capture_on_commit_callbacks
):
    """Answered set-based: the statements do not grow with the household's members."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.verification.factories import (
        authorize_all,
        make_id_number,
        register_family,
        years_ago,
    )

    large = register_family(actor=clerk, office=authorized_household.office)
    for extra in range(5):
        register.member_add(
            actor=clerk,
            household=large,
            data=register.MemberData(
                f"成员{extra}", "other", make_id_number(years_ago(30 + extra))
            ),
        )
    authorize_all(actor=clerk, household=large)
    counts = []
    for household in (authorized_household, large):
        with django_capture_on_commit_callbacks(execute=False):
            request = services.request_submit(actor=clerk, household=household, units=[unit])
        check = request.checks.get()
        with CaptureQueriesContext(connection) as queries:
            assert services.check_deliver(check_id=check.pk) is True
        counts.append(len(queries))
        members = household.members.count()
        assert check.findings.count() == members * 2
    assert counts[0] == counts[1]


def test_a_redelivered_task_finishes_an_interrupted_auto_answer(
    clerk, unit, authorized_household, snapshot, django_capture_on_commit_callbacks
):
    """A check left delivered but unanswered (its worker stopped between the two steps of
    a delivery) is answered from the snapshot when its task comes again."""
    with django_capture_on_commit_callbacks(execute=False):
        request = services.request_submit(actor=clerk, household=authorized_household, units=[unit])
    police = request.checks.get()
    DepartmentCheck.objects.filter(pk=police.pk).update(
        status=DepartmentCheck.Status.DELIVERED, delivered_at=timezone.now()
    )
    assert check_deliver_task.apply(args=[police.pk]).get() is False
    police.refresh_from_db()
    assert police.status == DepartmentCheck.Status.ANSWERED
    assert police.findings.filter(snapshot=snapshot).count() == 6


def test_correcting_a_connector_answer_shows_old_and_new(
    client,
    clerk,
    liaison,
    unit,
    authorized_household,
    snapshot,
    ids,
    django_capture_on_commit_callbacks,
):
    """Connector findings are written without history rows; the first correction records
    the connector's answer first, so the corrections list shows old → new."""
    from tests.verification.helpers import grid

    request = submit(clerk, authorized_household, django_capture_on_commit_callbacks)
    police = request.checks.get(unit=unit)
    car = police.findings.get(member__id_number=ids["王建国"], item__code="test-vehicles")
    client.force_login(liaison)
    key = f"{car.member_id}_{car.item_id}"
    data = grid(police)
    for finding in police.findings.exclude(pk=car.pk).filter(result=Finding.Result.RECORD_FOUND):
        data[f"result_{finding.member_id}_{finding.item_id}"] = finding.result
        data[f"details_{finding.member_id}_{finding.item_id}"] = finding.details
    data.update({f"result_{key}": Finding.Result.NO_RECORD, f"details_{key}": ""})
    response = client.post(
        reverse("verification:check_correct", kwargs={"pk": police.pk}),
        {**data, "reason": "车辆已于上月过户"},
    )
    assert response.status_code == 302
    records = list(car.history.order_by("history_date", "history_id"))
    assert [r.history_type for r in records] == ["+", "~"]
    assert records[0].details == "小型轿车 豫S·12345"
    assert records[0].history_date == police.answered_at
    response = client.get(police.get_absolute_url(), headers={"accept-language": "en"})
    [change] = response.context["corrections"]
    assert change["reason"] == "车辆已于上月过户"
    assert change["old"] == "Record found: 小型轿车 豫S·12345"
    assert change["new"] == "No record"


def test_the_uploads_page_takes_the_same_queries_for_3_and_30_uploads(
    client, liaison, unit, items, ids, police_connector
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(liaison)
    text = f"身份证号码,核对事项\n{ids['王建国']},车辆\n"

    def queries(uploads):
        for _ in range(uploads - RegistrySnapshot.objects.count()):
            snapshot_import(
                actor=liaison, unit=unit, upload=csv_file(text), taken_on=timezone.localdate()
            )
        counts = []
        for name in ("verification:snapshot_list", "verification:snapshot_uploads"):
            with CaptureQueriesContext(connection) as context:
                assert client.get(reverse(name)).status_code == 200
            counts.append(len(context))
        return counts

    assert queries(3) == queries(30)
