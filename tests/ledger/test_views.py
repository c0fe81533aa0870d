"""The ledger's pages: a unit's liaison keeps its own entries (another unit's are 404),
the office reads the lists and a household's picture (404 to units), every list page
costs the same queries whatever its rows, and searches by full ID number are logged."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from assistance.models import AccessLog
from ledger.models import LedgerEntry, LedgerImport
from tests.ledger.conftest import enter
from tests.verification.factories import register_family

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(liaison, unit, members, dibao):
    return enter(liaison, unit, members[0], dibao)


@pytest.mark.parametrize("name", ["ledger:entry_detail", "ledger:entry_edit"])
def test_another_units_entry_is_404(client, other_liaison, entry, name):
    client.force_login(other_liaison)
    assert client.get(reverse(name, args=[entry.pk])).status_code == 404


def test_another_unit_cannot_end_an_entry(client, other_liaison, entry):
    client.force_login(other_liaison)
    url = reverse("ledger:entry_end", args=[entry.pk])
    response = client.post(url, {"period_to": "2026-06-30", "reason": "已迁出。"})
    assert response.status_code == 404
    entry.refresh_from_db()
    assert entry.period_to is None


def test_the_office_reads_an_entry_but_does_not_change_it(client, clerk, entry):
    client.force_login(clerk)
    assert client.get(reverse("ledger:entry_detail", args=[entry.pk])).status_code == 200
    assert client.get(reverse("ledger:entry_edit", args=[entry.pk])).status_code == 404


@pytest.mark.parametrize("persona", ["liaison", "other_liaison", "auditor", "convener"])
def test_office_pages_are_404_to_everyone_else(client, request, persona, family):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("ledger:conflicts")).status_code == 404
    assert client.get(reverse("ledger:household", args=[family.pk])).status_code == 404
    response = client.post(reverse("ledger:household_find"), {"id_number": "11010519491231002X"})
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["clerk", "auditor", "outsider"])
def test_the_units_pages_are_a_liaisons(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    for name in ("ledger:entry_list", "ledger:entry_create", "ledger:import_list"):
        assert client.get(reverse(name)).status_code == 404


def test_a_unit_lists_its_own_entries_in_fixed_queries(
    client,
    liaison,
    other_liaison,
    unit,
    other_unit,
    clerk,
    group,
    members,
    dibao,
    medical,
    django_assert_max_num_queries,
):
    enter(other_liaison, other_unit, members[0], medical)
    client.force_login(liaison)
    enter(liaison, unit, members[0], dibao)
    with django_assert_max_num_queries(12) as few:
        response = client.get(reverse("ledger:entry_list"))
    assert response.status_code == 200
    assert len(response.context["page"]) == 1
    for _ in range(3):
        family = register_family(actor=clerk, office=group)
        for member in family.members.all():
            enter(liaison, unit, member, dibao)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("ledger:entry_list"))
    assert len(response.context["page"]) == 10
    # The other unit's entry is not among them.
    assert {entry.unit for entry in response.context["page"]} == {unit}


def test_a_liaison_records_assistance_on_the_page(client, liaison, unit, members, dibao):
    client.force_login(liaison)
    page = client.get(reverse("ledger:entry_create"))
    assert page.status_code == 200
    response = client.post(
        reverse("ledger:entry_create"),
        {
            "id_number": members[1].id_number,
            "program": dibao.pk,
            "amount": "780",
            "amount_per": "month",
            "period_from": "2026-03-01",
            "document_number": "西民〔2026〕3号",
        },
    )
    entry = LedgerEntry.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{entry.pk}/")
    assert (entry.member, entry.unit, entry.source) == (members[1], unit, "entered")
    logged = AccessLog.objects.get(user=liaison)
    assert (logged.action, logged.purpose) == ("search", "ledger")
    assert members[1].id_number not in logged.object_repr


def test_an_unknown_person_is_refused_on_the_page(client, liaison, dibao):
    client.force_login(liaison)
    response = client.post(
        reverse("ledger:entry_create"),
        {
            "id_number": "11010519491231002X",
            "program": dibao.pk,
            "amount": "1",
            "amount_per": "month",
            "period_from": "2026-03-01",
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert "本协调机制办公室登记的家庭中没有此人。" in response.content.decode()
    assert not LedgerEntry.objects.exists()
    assert AccessLog.objects.filter(user=liaison, action="search").count() == 1


def test_a_liaison_corrects_and_ends_on_the_page(client, liaison, entry, tekun):
    client.force_login(liaison)
    response = client.post(
        reverse("ledger:entry_edit", args=[entry.pk]),
        {"program": tekun.pk, "amount": "900", "amount_per": "month", "period_from": "2026-03-01"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("ledger:entry_end", args=[entry.pk]), {"period_to": "2026-02-01", "reason": "x"}
    )
    assert response.status_code == 400  # before it starts: nothing changes
    response = client.post(
        reverse("ledger:entry_end", args=[entry.pk]), {"period_to": "2026-09-30", "reason": "就业"}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.program, entry.period_to) == (tekun, datetime.date(2026, 9, 30))


def test_the_conflicts_page_costs_the_same_whatever_its_rows(
    client,
    director,
    liaison,
    unit,
    clerk,
    group,
    members,
    dibao,
    tekun,
    exclusive,
    django_assert_max_num_queries,
):
    client.force_login(director)
    enter(liaison, unit, members[0], dibao)
    enter(liaison, unit, members[1], tekun)
    url = reverse("ledger:conflicts")
    with django_assert_max_num_queries(14) as few:
        response = client.get(url)
    assert response.status_code == 200 and response.context["page"].paginator.count == 1
    for _ in range(4):
        family = register_family(actor=clerk, office=group)
        first, second, *_rest = family.members.all()
        enter(liaison, unit, first, dibao)
        enter(liaison, unit, second, tekun)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.context["page"].paginator.count == 5
    for name in ("deaths", "over_standard"):
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert client.get(url, {"list": name}).status_code == 200
    assert client.get(url, {"list": "nonsense"}).status_code == 404


def test_the_household_picture_shows_every_unit_now_and_before(
    client,
    director,
    liaison,
    other_liaison,
    unit,
    other_unit,
    family,
    members,
    dibao,
    medical,
    django_assert_max_num_queries,
):
    enter(liaison, unit, members[0], dibao)
    enter(other_liaison, other_unit, members[1], medical, end=datetime.date(2026, 4, 30))
    client.force_login(director)
    url = reverse("ledger:household", args=[family.pk])
    with django_assert_max_num_queries(16) as few:
        response = client.get(url)
    picture = response.context["picture"]
    assert [e.program for e in picture.current] == [dibao]
    assert [e.program for e in picture.past] == [medical]
    for _ in range(5):
        enter(other_liaison, other_unit, members[2], medical, end=datetime.date(2026, 5, 31))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["picture"].past) == 6


def test_the_office_finds_a_household_by_id_number(client, clerk, family, members):
    client.force_login(clerk)
    response = client.post(reverse("ledger:household_find"), {"id_number": members[2].id_number})
    assert response.status_code == 302
    assert response["Location"] == reverse("ledger:household", args=[family.pk])
    assert AccessLog.objects.filter(user=clerk, action="search", purpose="ledger").count() == 1
    missing = client.post(reverse("ledger:household_find"), {"id_number": "11010519491231002X"})
    assert missing.status_code == 400


@pytest.mark.parametrize(("language", "first"), [("zh-hans", "身份证号码"), ("en", "ID number")])
def test_the_template_in_the_readers_language(client, liaison, language, first):
    client.force_login(liaison)
    response = client.get(reverse("ledger:import_template_xlsx"), HTTP_ACCEPT_LANGUAGE=language)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert next(sheet.iter_rows(values_only=True))[0] == first
    csv = client.get(reverse("ledger:import_template_csv"), HTTP_ACCEPT_LANGUAGE=language)
    assert csv.content.decode("utf-8-sig").startswith(first)


def test_an_upload_on_the_page_is_kept_and_sent_to_be_checked(
    client, liaison, members, dibao, django_capture_on_commit_callbacks
):
    client.force_login(liaison)
    body = f"身份证号码,救助项目,金额\n{members[0].id_number},最低生活保障,800\n".encode()
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("ledger:import_list"),
            {"month": "2026-03", "file": SimpleUploadedFile("march.csv", body)},
        )
    assert response.status_code == 302
    ledger_import = LedgerImport.objects.get()
    assert (ledger_import.month, ledger_import.status) == (datetime.date(2026, 3, 1), "checking")
    page = client.get(reverse("ledger:import_list"))
    assert 'hx-trigger="every 2s"' in page.content.decode()
    refused = client.post(
        reverse("ledger:import_list"),
        {"month": "2026-03", "file": SimpleUploadedFile("march.pdf", b"%PDF")},
    )
    assert refused.status_code == 400 and LedgerImport.objects.count() == 1


def test_a_refused_file_lists_its_lines_on_the_page(client, liaison, unit, dibao):
    from ledger.services import ledger_import_now

    body = "身份证号码,救助项目,金额\n11010519491231002X,最低生活保障,800\n".encode()
    ledger_import_now(
        actor=liaison,
        unit=unit,
        upload=SimpleUploadedFile("m.csv", body),
        month=datetime.date(2026, 3, 1),
    )
    client.force_login(liaison)
    page = client.get(reverse("ledger:import_list"), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "No household of the register has a member with this ID number." in text
    download = client.get(reverse("ledger:import_download", args=[LedgerImport.objects.get().pk]))
    assert download.status_code == 200
    assert AccessLog.objects.filter(user=liaison, action="download").count() == 1


def test_the_files_page_costs_the_same_whatever_its_rows(
    client, liaison, unit, members, dibao, django_assert_max_num_queries
):
    from ledger.services import ledger_import_now

    def upload(month):
        body = f"身份证号码,救助项目,金额\n{members[0].id_number},最低生活保障,800\n".encode()
        ledger_import_now(
            actor=liaison, unit=unit, upload=SimpleUploadedFile("m.csv", body), month=month
        )

    upload(datetime.date(2026, 1, 1))
    client.force_login(liaison)
    with django_assert_max_num_queries(12) as few:
        assert client.get(reverse("ledger:import_list")).status_code == 200
    for month in range(2, 9):
        upload(datetime.date(2026, month, 1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("ledger:import_list"))
    assert len(page.context["imports"]) == 8
