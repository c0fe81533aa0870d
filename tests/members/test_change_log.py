"""The register's change log for auditors: a page at a time, filtered by author, kind of
record, object and days (Beijing time), searched by name, exported with its filters; in a
fixed number of queries whatever the history holds."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.models import MemberUnit
from members.services import unit_set_active
from tests.export_helpers import workbook_rows
from tests.factories import DutyFactory, MemberUnitFactory

pytestmark = pytest.mark.django_db

URL = "members:change_log"


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def _get(client, **query):
    return client.get(reverse(URL), query)


def _labels(response):
    return [row["label"] for row in response.context["rows"]]


def test_the_log_is_paginated(client, auditor, group):
    MemberUnitFactory.create_batch(60, group=group)
    client.force_login(auditor)
    first = _get(client)
    assert len(first.context["rows"]) == 50
    total = first.context["page"].paginator.count
    assert total >= 61  # the group and 60 units
    second = _get(client, page=2)
    assert len(second.context["rows"]) == total - 50
    assert set(_labels(first)).isdisjoint(_labels(second))
    # Newest first across the pages.
    dates = [row["date"] for row in first.context["rows"] + second.context["rows"]]
    assert dates == sorted(dates, reverse=True)


def test_filter_by_author_kind_and_object(client, auditor, administrator, clerk, group):
    mine, theirs = MemberUnitFactory(group=group), MemberUnitFactory(group=group)
    DutyFactory(unit=mine)
    unit_set_active(actor=administrator, unit=mine, active=False)
    unit_set_active(actor=clerk, unit=theirs, active=False)
    client.force_login(auditor)

    by_admin = _get(client, user=administrator.pk)
    assert _labels(by_admin) == [mine.name]
    assert by_admin.context["rows"][0]["type"] == "Changed"

    units = _get(client, kind="unit")
    assert {row["kind"] for row in units.context["rows"]} == {"unit"}
    duties = _get(client, kind="duty")
    assert [row["kind"] for row in duties.context["rows"]] == ["duty"]

    history_of_one = _get(client, kind="unit", object=mine.pk)
    assert _labels(history_of_one) == [mine.name, mine.name]  # created, then deactivated
    assert [row["type"] for row in history_of_one.context["rows"]] == ["Changed", "Created"]
    # Each row links to the history of its object.
    assert f"?kind=unit&amp;object={mine.pk}" in history_of_one.content.decode()


def test_filter_by_days_in_beijing_time(client, auditor, group):
    old, new = MemberUnitFactory(group=group), MemberUnitFactory(group=group)
    # 2026-03-01 23:30 UTC is already 2 March in Beijing.
    moment = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)
    MemberUnit.history.filter(id=old.pk).update(history_date=moment)
    client.force_login(auditor)
    on_the_day = _get(client, date_from="2026-03-02", date_to="2026-03-02")
    assert _labels(on_the_day) == [old.name]
    assert "2026-03-02 07:30:00" in on_the_day.content.decode()
    assert _labels(_get(client, date_to="2026-03-01")) == []
    assert old.name not in _labels(_get(client, date_from="2026-03-03"))
    assert new.name in _labels(_get(client, date_from="2026-03-03"))


def test_search_by_name_and_text(client, auditor, group):
    police = MemberUnitFactory(group=group, name="区公安分局")
    MemberUnitFactory(group=group, name="区民政局")
    DutyFactory(unit=police, text="负责车辆信息核对。")
    client.force_login(auditor)
    assert set(_labels(_get(client, q="公安"))) == {"区公安分局", "区公安分局: 负责车辆信息核对。"}
    assert _labels(_get(client, q="车辆")) == ["区公安分局: 负责车辆信息核对。"]
    assert _labels(_get(client, q="没有这个")) == []


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "The first day comes after the last."), ("zh-hans", "起始日期晚于截止日期。")],
)
def test_days_the_wrong_way_round_are_refused(client, auditor, group, language, message):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    client.force_login(auditor)
    response = _get(client, date_from="2026-03-05", date_to="2026-03-01")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["rows"] == []
    assert _get(client, date_from="not a date").status_code == 400


def test_the_page_reads_in_chinese_with_beijing_time(client, auditor, group):
    MemberUnitFactory(group=group)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    client.force_login(auditor)
    content = _get(client).content.decode()
    assert "时间均为北京时间。" in content
    assert "全部记录类型" in content  # the empty choice of the filter
    assert "操作类型" in content  # the column, in its own words
    assert "UTC" not in content


def test_query_count_is_the_same_for_5_and_50_changes(
    client, auditor, group, django_assert_max_num_queries
):
    client.force_login(auditor)
    for _ in range(5):
        DutyFactory(unit=MemberUnitFactory(group=group))
    with CaptureQueriesContext(connection) as small:
        _get(client)
    for _ in range(25):
        DutyFactory(unit=MemberUnitFactory(group=group))
    with django_assert_max_num_queries(len(small)):
        response = _get(client)
    assert len(response.context["rows"]) == 50


def test_export_keeps_the_filters_and_holds_every_matching_change(
    client, auditor, administrator, group
):
    units = MemberUnitFactory.create_batch(55, group=group)
    for unit in units:
        unit_set_active(actor=administrator, unit=unit, active=False)
    client.force_login(auditor)
    page = _get(client, user=administrator.pk)
    link = (
        page.content.decode()
        .split('data-testid="xlsx-link"')[0]
        .rsplit('href="', 1)[1]
        .split('"')[0]
    )
    assert link == f"{reverse('members:change_log_xlsx')}?user={administrator.pk}"
    rows = workbook_rows(client.get(reverse("members:change_log_xlsx"), {"user": administrator.pk}))
    assert rows[0][:3] == ["When (Beijing time)", "Who", "Kind of change"]
    assert len(rows) == 1 + 55  # every change, not one page
    assert {row[5] for row in rows[1:]} == {unit.name for unit in units}
    newest = MemberUnit.history.filter(history_user=administrator).latest("history_date")
    assert rows[1][0] == timezone.localtime(newest.history_date).replace(tzinfo=None, microsecond=0)
    refused = client.get(
        reverse("members:change_log_xlsx"), {"date_from": "2026-03-05", "date_to": "2026-03-01"}
    )
    assert refused.status_code == 400
    assert refused["Content-Type"] == "text/plain; charset=utf-8"
    assert refused.content.decode() == "The first day comes after the last."


def test_the_log_is_refused_to_the_office(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("members:change_log_xlsx")).status_code == 403
    assert client.get(reverse("members:change_log")).status_code == 403
