"""Issue 12: a department's registry uploads. Every problem of every row is reported (not
only the first), the page says how many rows were imported, offers a template in the exact
shape the import reads and lists the unit's item codes; the uploads fragment opened
directly comes inside the whole page. In English and in Chinese."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from verification.connectors import SnapshotInvalid, parse_snapshot, snapshot_import
from verification.models import RegistrySnapshot, UnitConnector

pytestmark = pytest.mark.django_db


def csv_file(text: str, name="extract.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")


@pytest.fixture
def ids(authorized_household):
    return dict(authorized_household.members.values_list("name", "id_number"))


@pytest.fixture
def connector(unit):
    return UnitConnector.objects.create(unit=unit, kind=UnitConnector.Kind.SNAPSHOT)


def test_every_problem_of_every_row_is_reported(liaison, unit, items, ids):
    text = (
        "身份证号码,核对事项,详情,金额\n"
        f"{ids['王建国']},车辆,轿车,\n"
        "123,宅基地,,十万\n"  # three problems on one line
        f"{ids['李秀英']},房产,,\n"  # one
    )
    with translation.override("en"), pytest.raises(SnapshotInvalid) as refused:
        snapshot_import(
            actor=liaison, unit=unit, upload=csv_file(text), taken_on=timezone.localdate()
        )
    errors = refused.value.errors
    assert [line for line, _ in errors] == [3, 3, 3, 4]
    assert "18 characters" in errors[0][1]
    assert "宅基地" in errors[1][1]
    assert "十万" in errors[2][1]
    assert "房产" in errors[3][1]
    kept = RegistrySnapshot.objects.get(unit=unit)
    assert (kept.status, kept.error_count) == (RegistrySnapshot.Status.REFUSED, 4)


@pytest.mark.parametrize(
    ("language", "headings", "imported"),
    [
        ("en", ["ID number", "item code", "details", "amount"], "1 row imported."),
        ("zh-hans", ["身份证号码", "事项代码", "详情", "金额（元）"], "已导入 1 行。"),
    ],
)
def test_templates_have_the_shape_the_import_reads_and_the_page_counts_rows(
    client,
    liaison,
    unit,
    items,
    ids,
    connector,
    language,
    headings,
    imported,
    django_capture_on_commit_callbacks,
):
    client.force_login(liaison)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    response = client.get(reverse("verification:snapshot_template_csv"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    csv_text = response.content.decode("utf-8-sig")
    assert csv_text.strip().split(",") == headings
    response = client.get(reverse("verification:snapshot_template_xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in next(sheet.iter_rows())] == headings
    # Filled in, each template is read by the import as it stands.
    row = f"{ids['王建国']},test-vehicles,轿车,\n"
    assert len(parse_snapshot(unit=unit, name="t.csv", raw=(csv_text + row).encode())) == 1
    sheet.append([ids["李秀英"], "test-registration", "", None])
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    assert len(parse_snapshot(unit=unit, name="t.xlsx", raw=buffer.getvalue())) == 1
    # Uploaded through the page, the import says how many rows came in.
    url = reverse("verification:snapshot_list")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"taken_on": timezone.localdate().isoformat(), "file": csv_file(csv_text + row)}
        )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert 'data-testid="snapshot-imported"' in page and imported in page


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_page_lists_the_units_item_codes_and_templates(client, liaison, unit, items, language):
    client.force_login(liaison)
    page = client.get(
        reverse("verification:snapshot_list"), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    section = page.split('data-testid="snapshot-items"')[1].split("</table>")[0]
    assert "test-registration" in section and "test-vehicles" in section
    # The other unit's items are not the police's to report.
    assert "test-tax-paid" not in section
    assert reverse("verification:snapshot_template_xlsx") in page
    assert reverse("verification:snapshot_template_csv") in page


def test_uploads_fragment_alone_for_htmx_whole_page_otherwise(client, liaison, unit):
    client.force_login(liaison)
    url = reverse("verification:snapshot_uploads")
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith("<section") and "<html" not in fragment
    page = client.get(url).content.decode()
    assert "<html" in page and "stylesheet" in page
    assert 'data-testid="snapshot-uploads"' in page and 'data-testid="snapshot-form"' in page


def test_templates_are_for_liaisons_only(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("verification:snapshot_template_csv")).status_code == 404
