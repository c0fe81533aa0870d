"""The ledger's figures on the dashboards and in the quarterly bulletin: funds used per
programme per quarter come from the ledger (a monthly amount for each month its period
touches, months not yet come left out; a total once, in its first month), read in a
fixed number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from assistance.periods import quarter_of
from dashboards.bulletin.content import quarter_bulletin
from ledger.selectors import funds_by_quarter, quarters_between
from tests.ledger.conftest import enter
from tests.verification.factories import register_family

pytestmark = pytest.mark.django_db


def test_funds_per_programme_per_quarter(
    liaison, other_liaison, unit, other_unit, members, dibao, medical
):
    enter(liaison, unit, members[0], dibao, start=datetime.date(2025, 2, 15), amount="800")
    enter(
        liaison,
        unit,
        members[1],
        dibao,
        start=datetime.date(2025, 1, 1),
        end=datetime.date(2025, 4, 30),
        amount="100",
    )
    enter(
        other_liaison,
        other_unit,
        members[2],
        medical,
        start=datetime.date(2025, 5, 10),
        end=datetime.date(2025, 5, 10),
        amount="3000",
        per="total",
    )
    enter(other_liaison, other_unit, members[2], medical, amount=None, service="陪诊")
    funds = funds_by_quarter(unit.group, [(2025, 1), (2025, 2)])
    assert funds.programs == ["最低生活保障", "医疗救助"]
    assert funds.amounts == [
        [Decimal("1900"), Decimal("2500")],  # 800 × Feb–Mar + 100 × 3; 800 × 3 + 100 (April)
        [Decimal("0"), Decimal("3000")],
    ]
    assert funds.households == [1, 1]


def test_months_not_yet_come_are_left_out(liaison, unit, members, dibao):
    today = timezone.localdate()
    quarter = quarter_of(today)
    start = datetime.date(today.year, 3 * quarter - 2, 1)
    enter(liaison, unit, members[0], dibao, start=start, amount="10")
    funds = funds_by_quarter(unit.group, [(today.year, quarter)])
    assert funds.amounts == [[Decimal(10 * (today.month - start.month + 1))]]


def test_quarters_between():
    assert quarters_between(datetime.date(2025, 11, 5), datetime.date(2026, 4, 1)) == [
        (2025, 4),
        (2026, 1),
        (2026, 2),
    ]


def _queries(client, group) -> int:
    url = reverse("dashboards:dashboard", args=["ledger"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"group": group.pk, "start": "2025-01-01", "end": "2025-12-31"})
    assert response.status_code == 200
    return len(queries)


def test_the_ledger_dashboard_keeps_its_query_count(
    client, director, clerk, liaison, unit, group, members, dibao
):
    client.force_login(director)
    enter(liaison, unit, members[0], dibao, start=datetime.date(2025, 1, 1))
    few = _queries(client, group)
    for _ in range(5):
        for member in register_family(actor=clerk, office=group).members.all():
            enter(liaison, unit, member, dibao, start=datetime.date(2025, 3, 1))
    assert _queries(client, group) == few
    chart = client.get(
        reverse("dashboards:dashboard", args=["ledger"]),
        {"group": group.pk, "start": "2025-01-01", "end": "2025-12-31"},
    ).context["charts"][0]
    assert chart.key == "ledger-funds" and chart.labels == ["最低生活保障"]
    # Q1: 800 × 3 (the first) + 15 × 800 × 1 (March); then 16 × 800 a quarter.
    assert [series.values[0] for series in chart.series[:4]] == [
        Decimal("14400"),
        Decimal("38400"),
        Decimal("38400"),
        Decimal("38400"),
    ]
    assert chart.series[-1].values == [6]  # households


def test_the_bulletin_takes_its_funds_from_the_ledger(liaison, unit, group, members, dibao):
    enter(liaison, unit, members[0], dibao, start=datetime.date(2025, 7, 1), amount="750")
    with override("en"):
        bulletin = quarter_bulletin(group, 2025, 3)
    sections = {s.table.key: (s.heading, s.table) for s in bulletin.sections if s.table}
    heading, funds = sections["ledger-funds"]
    assert heading == "Funds used per programme"
    assert funds.rows() == [["最低生活保障", Decimal("2250.00"), 1]]
