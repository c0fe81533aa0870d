"""The demo rounds load with the demo data, in their states, once."""

import pytest
from django.core.management import call_command

from reporting.models import FigureValue, ReportingRound, UnitReport
from reporting.selectors import round_reports, round_table

pytestmark = pytest.mark.django_db


def _state():
    return (
        list(ReportingRound.objects.order_by("pk").values_list()),
        list(UnitReport.objects.order_by("pk").values_list()),
        list(FigureValue.objects.order_by("pk").values_list()),
        UnitReport.history.count(),
    )


def test_demo_rounds(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo")
    rounds = list(ReportingRound.objects.order_by("period_start"))
    assert len(rounds) == 3
    last = rounds[-1]
    assert (rounds[0].year, rounds[0].number) == (last.year - 1, last.number)
    assert all(r.status == "accepted" for r in UnitReport.objects.filter(round__in=rounds[:2]))
    reports = round_reports(last)
    statuses = sorted(r.status for r in reports)
    assert statuses == ["accepted", "accepted", "draft", "submitted", "submitted"]
    assert sum(r.late for r in reports) == 1
    assert sum(r.missing for r in reports) == 1
    table = round_table(last)
    assert table.previous == rounds[1] and table.last_year == rounds[0]
    assert all(block.total and block.previous_total for block in table.blocks)
    before = _state()
    call_command("load_demo")
    assert _state() == before
