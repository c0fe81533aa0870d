"""Pieces joined on the report and the household page read as Chinese sentences in
Chinese: 公安局（期限 2026-12-07）。 not "公安局 (期限 2026-12-07). "."""

import pytest
from django.urls import reverse

from tests.verification.helpers import submit

pytestmark = pytest.mark.django_db


def test_report_names_pending_departments_with_chinese_punctuation(
    client, clerk, authorized_household, items, other_unit, django_capture_on_commit_callbacks
):
    request_ = submit(
        django_capture_on_commit_callbacks, actor=clerk, household=authorized_household
    )
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    client.force_login(clerk)
    content = client.get(reverse("verification:request_report", args=[request_.pk])).content
    pending = content.decode().split('data-testid="report-pending">')[1].split("</div>")[0]
    deadline = request_.checks.get(unit=other_unit).deadline.isoformat()
    assert f"{other_unit.name}（期限 {deadline}）" in pending
    assert "）。所有部门反馈后" in pending
    assert "). " not in pending and " (" not in pending
    assert "北京时间" in content.decode() and " CST" not in content.decode()


def test_household_page_ends_the_uncovered_list_with_a_chinese_full_stop(client, clerk, household):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    client.force_login(clerk)
    content = client.get(reverse("verification:household_detail", args=[household.pk])).content
    uncovered = content.decode().split('data-testid="uncovered">')[1].split("</div>")[0]
    assert "</a>。所有成员" in uncovered
    assert ". 所有成员" not in uncovered


def test_report_in_english_keeps_english_punctuation(
    client, clerk, authorized_household, items, other_unit, django_capture_on_commit_callbacks
):
    request_ = submit(
        django_capture_on_commit_callbacks, actor=clerk, household=authorized_household
    )
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(clerk)
    content = client.get(reverse("verification:request_report", args=[request_.pk])).content
    pending = content.decode().split('data-testid="report-pending">')[1].split("</div>")[0]
    assert f"{other_unit.name} (due " in pending
    assert "). This report" in pending
    assert "Beijing time" in content.decode()
