"""The office's lists as XLSX: households, requests, overdue checks. The list's filters
apply, ID numbers are masked unless exported by POST with a purpose (which the access log
records), the "XLSX" link keeps the list's query string, and the query count does not grow
with the rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistance.models import AccessLog
from tests.export_helpers import workbook_rows
from tests.verification.factories import authorize_all, register_family
from tests.verification.helpers import submit
from verification.models import DepartmentCheck

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def _families(clerk, group, n, town):
    return [register_family(actor=clerk, office=group, town=town) for _ in range(n)]


def _applicant(household):
    return household.members.get(relation="applicant")


def test_household_export_applies_the_filters_and_masks_ids(client, clerk, group):
    [inside] = _families(clerk, group, 1, "大峪街道")
    [outside] = _families(clerk, group, 1, "城子街道")
    client.force_login(clerk)
    rows = workbook_rows(
        client.get(reverse("verification:household_list_xlsx"), {"town": "大峪街道"})
    )
    assert rows[0][:3] == ["Household", "Applicant", "ID number"]
    assert [row[0] for row in rows[1:]] == [inside.pk]
    applicant = _applicant(inside)
    assert rows[1][1] == applicant.name
    assert rows[1][2] == applicant.masked_id
    assert rows[1][3] == "大峪街道"
    assert rows[1][7] == 3  # members
    assert AccessLog.objects.count() == 0  # nothing in full, nothing logged
    assert outside.pk not in [row[0] for row in rows[1:]]


def test_household_export_in_full_needs_a_purpose_and_is_logged(client, clerk, group):
    [household] = _families(clerk, group, 1, "大峪街道")
    client.force_login(clerk)
    url = reverse("verification:household_list_xlsx") + "?town=大峪街道"
    refused = client.post(url, {"purpose": ""})
    assert refused.status_code == 400
    assert AccessLog.objects.count() == 0
    rows = workbook_rows(client.post(url, {"purpose": "review"}))
    assert rows[1][2] == _applicant(household).id_number
    entry = AccessLog.objects.get()
    assert (entry.user, entry.action, entry.purpose) == (clerk, "export", "review")
    assert "1" in entry.object_repr and "town=" in entry.object_repr
    assert _applicant(household).id_number not in entry.object_repr


def test_household_export_reads_the_same_queries_for_5_and_50(
    client, clerk, group, django_assert_max_num_queries
):
    _families(clerk, group, 5, "大峪街道")
    client.force_login(clerk)
    url = reverse("verification:household_list_xlsx")
    with CaptureQueriesContext(connection) as small:
        assert len(workbook_rows(client.get(url))) == 6
    _families(clerk, group, 45, "大峪街道")
    with django_assert_max_num_queries(len(small)):
        assert len(workbook_rows(client.get(url))) == 51


def test_each_list_links_to_its_export_with_its_filters(client, clerk, group):
    client.force_login(clerk)
    page = client.get(reverse("verification:household_list"), {"town": "大峪街道", "page": "1"})
    link = (
        page.content.decode()
        .split('data-testid="xlsx-link"')[0]
        .rsplit('href="', 1)[1]
        .split('"')[0]
    )
    assert link.startswith(reverse("verification:household_list_xlsx") + "?")
    assert "town=" in link and "page=" not in link
    for name in ("request_list", "overdue_list"):
        content = client.get(reverse(f"verification:{name}")).content.decode()
        assert reverse(f"verification:{name}_xlsx") in content


def test_request_and_overdue_exports(
    client, clerk, group, items, unit, django_capture_on_commit_callbacks
):
    household = register_family(actor=clerk, office=group)
    authorize_all(actor=clerk, household=household)
    request_ = submit(django_capture_on_commit_callbacks, actor=clerk, household=household)
    client.force_login(clerk)
    rows = workbook_rows(client.get(reverse("verification:request_list_xlsx")))
    assert rows[0][0] == "Request"
    assert [row[0] for row in rows[1:]] == [request_.pk]
    assert rows[1][2] == _applicant(household).masked_id
    assert rows[1][9] == 2  # departments asked
    # Nothing is overdue yet: the export holds the heading only.
    assert len(workbook_rows(client.get(reverse("verification:overdue_list_xlsx")))) == 1
    check = request_.checks.get(unit=unit)
    DepartmentCheck.objects.filter(pk=check.pk).update(
        overdue=True, deadline=datetime.date(2026, 1, 5)
    )
    rows = workbook_rows(client.get(reverse("verification:overdue_list_xlsx")))
    assert rows[0][:2] == ["Department", "Request"]
    assert rows[1][:2] == [unit.name, request_.pk]
    assert rows[1][3] == _applicant(household).masked_id
    assert rows[1][8] > 0  # working days overdue


def test_exports_read_in_chinese(client, clerk, group):
    _families(clerk, group, 1, "大峪街道")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    client.force_login(clerk)
    rows = workbook_rows(client.get(reverse("verification:household_list_xlsx")))
    assert rows[0][1] == "申请人"
    assert rows[1][6] == "否"


def test_invalid_filters_are_refused(client, clerk):
    client.force_login(clerk)
    response = client.get(reverse("verification:request_list_xlsx"), {"status": "nonsense"})
    assert response.status_code == 400
