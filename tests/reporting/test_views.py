"""Reporting's pages by role: the office opens rounds and reviews reports, a unit's
liaison fills its own report (in the form or by the XLSX template), auditors read; the
lists and the aggregated table keep their query count whatever their length."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from reporting import services
from reporting.models import FigureDefinition, FigureValue, ReportingRound, UnitReport
from tests.factories import MemberUnitFactory

from .helpers import define_figures, open_round

pytestmark = pytest.mark.django_db


def get(client, user, name, **kwargs):
    client.force_login(user)
    return client.get(reverse(name, kwargs=kwargs))


def post(client, user, name, data=None, **kwargs):
    client.force_login(user)
    return client.post(reverse(name, kwargs=kwargs), data or {})


def fields(figures, people="120", yuan="35000.50"):
    return {f"figure_{figures[0].pk}": people, f"figure_{figures[1].pk}": yuan}


# --- Opening a round ----------------------------------------------------------------------


def test_the_office_opens_a_round(client, clerk, group, figures, unit, other_unit):
    data = {"group": group.pk, "period_kind": "quarter", "year": 2026, "number": 4}
    response = post(client, clerk, "reporting:round_create", {**data, "working_days": 10})
    round_ = ReportingRound.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:round_detail", kwargs={"pk": round_.pk})
    assert round_.reports.count() == 2
    again = post(client, clerk, "reporting:round_create", {**data, "working_days": 10})
    assert again.status_code == 400 and ReportingRound.objects.count() == 1
    bad = post(client, clerk, "reporting:round_create", {**data, "working_days": 0})
    assert bad.status_code == 400 and bad.context["form"].errors["working_days"]


@pytest.mark.parametrize("persona", ["liaison", "auditor", "convener", "outsider"])
def test_only_the_office_opens_rounds(client, request, persona, group, figures):
    user = request.getfixturevalue(persona)
    assert get(client, user, "reporting:round_create").status_code == 404
    data = {"group": group.pk, "period_kind": "quarter", "year": 2026, "number": 4}
    response = post(client, user, "reporting:round_create", {**data, "working_days": 10})
    assert response.status_code == 404 and not ReportingRound.objects.exists()


# --- Who sees what ------------------------------------------------------------------------------


def test_round_list_by_role(
    client, clerk, auditor, liaison, convener, outsider, report, other_report
):
    for user in (clerk, auditor):
        response = get(client, user, "reporting:round_list")
        assert response.status_code == 200
        assert report.round.title in response.content.decode()
    mine = get(client, liaison, "reporting:round_list")
    assert list(mine.context["page"]) == [report]
    for user in (convener, outsider):
        assert get(client, user, "reporting:round_list").status_code == 404


def test_a_liaison_sees_only_their_units_report(
    client, liaison, other_liaison, auditor, clerk, report, other_report
):
    assert get(client, liaison, "reporting:report_detail", pk=report.pk).status_code == 200
    assert get(client, liaison, "reporting:report_detail", pk=other_report.pk).status_code == 404
    assert get(client, liaison, "reporting:round_detail", pk=report.round_id).status_code == 404
    assert get(client, liaison, "reporting:report_edit", pk=other_report.pk).status_code == 404
    for reader in (auditor, clerk):
        assert get(client, reader, "reporting:report_detail", pk=report.pk).status_code == 200
        assert get(client, reader, "reporting:report_edit", pk=report.pk).status_code == 404
        assert get(client, reader, "reporting:round_table", pk=report.round_id).status_code == 200
    assert post(client, auditor, "reporting:report_accept", pk=report.pk).status_code == 404


# --- Filling and reviewing ----------------------------------------------------------------------


def test_the_liaison_saves_a_draft_then_submits(client, liaison, report, figures):
    response = post(
        client, liaison, "reporting:report_edit", fields(figures, yuan=""), pk=report.pk
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "draft" and report.values.count() == 1
    data = {**fields(figures), "submit": "1"}
    response = post(client, liaison, "reporting:report_edit", data, pk=report.pk)
    assert response["Location"] == reverse("reporting:report_detail", kwargs={"pk": report.pk})
    report.refresh_from_db()
    assert report.status == "submitted" and report.values.count() == 2
    # Submitted: the form is closed.
    assert get(client, liaison, "reporting:report_edit", pk=report.pk).status_code == 302


def test_a_bad_value_is_shown_and_nothing_saved(client, liaison, report, figures):
    data = {**fields(figures, people="12.5"), "submit": "1"}
    response = post(client, liaison, "reporting:report_edit", data, pk=report.pk)
    assert response.status_code == 400
    assert response.context["form"].errors[f"figure_{figures[0].pk}"]
    report.refresh_from_db()
    assert report.status == "draft" and not report.values.exists()
    missing = post(
        client,
        liaison,
        "reporting:report_edit",
        {**fields(figures, yuan=""), "submit": "1"},
        pk=report.pk,
    )
    assert missing.status_code == 400
    assert missing.context["form"].errors[f"figure_{figures[1].pk}"]
    report.refresh_from_db()
    assert report.status == "draft"


def test_the_office_accepts_and_sends_back(
    client, clerk, liaison, other_liaison, report, other_report, figures
):
    for actor, r in ((liaison, report), (other_liaison, other_report)):
        services.report_submit(actor=actor, report=r, values={f.pk: "1" for f in figures})
    page = get(client, clerk, "reporting:report_detail", pk=report.pk)
    assert 'data-testid="accept"' in page.content.decode()
    assert post(client, clerk, "reporting:report_accept", pk=report.pk).status_code == 302
    empty = post(client, clerk, "reporting:report_return", {"comment": ""}, pk=other_report.pk)
    assert empty.status_code == 400
    sent = post(
        client, clerk, "reporting:report_return", {"comment": "请核实。"}, pk=other_report.pk
    )
    assert sent.status_code == 302
    report.refresh_from_db()
    other_report.refresh_from_db()
    assert (report.status, other_report.status) == ("accepted", "returned")
    assert other_report.comment == "请核实。"


def test_round_page_shows_late_and_missing(client, clerk, liaison, report, other_report, figures):
    deadline = report.round.deadline
    services.report_submit(
        actor=liaison,
        report=report,
        values={f.pk: "1" for f in figures},
        now=services.timezone.make_aware(
            datetime.datetime.combine(deadline + datetime.timedelta(days=1), datetime.time(9))
        ),
    )
    ReportingRound.objects.filter(pk=report.round_id).update(
        deadline=datetime.date.today() - datetime.timedelta(days=1)
    )
    response = get(client, clerk, "reporting:round_detail", pk=report.round_id)
    rows = {r.unit_id: r for r in response.context["reports"]}
    assert rows[report.unit_id].late and not rows[report.unit_id].missing
    assert rows[other_report.unit_id].missing
    body = response.content.decode()
    assert 'data-testid="late"' in body and 'data-testid="missing"' in body


# --- XLSX -----------------------------------------------------------------------------------


def _workbook(content: bytes):
    return load_workbook(io.BytesIO(content)).worksheets[0]


def _upload(rows, name="report.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def test_xlsx_round_trip(client, liaison, report, figures):
    response = get(client, liaison, "reporting:report_template", pk=report.pk)
    assert response.status_code == 200
    rows = [list(row) for row in _workbook(response.content).iter_rows(values_only=True)]
    assert [row[0] for row in rows[1:]] == [f.pk for f in figures]
    rows[1][4], rows[2][4] = 88, 12345.6
    upload = _upload(rows)
    response = post(client, liaison, "reporting:report_upload", {"file": upload}, pk=report.pk)
    assert response.status_code == 302, response.context and response.context["upload_errors"]
    assert dict(report.values.values_list("definition_id", "value")) == {
        figures[0].pk: Decimal("88"),
        figures[1].pk: Decimal("12345.60"),
    }
    # The template comes back filled with what is saved.
    again = get(client, liaison, "reporting:report_template", pk=report.pk)
    values = [row[4] for row in _workbook(again.content).iter_rows(min_row=2, values_only=True)]
    assert values == [88, 12345.6]


def test_an_upload_with_bad_cells_is_refused_whole(client, liaison, report, figures):
    header = ["编号", "项目", "指标", "计量", "数值"]
    rows = [
        header,
        [figures[0].pk, "", "", "", 12.5],
        [figures[1].pk, "", "", "", "很多"],
        [999, "", "", "", 1],
    ]
    response = post(
        client, liaison, "reporting:report_upload", {"file": _upload(rows)}, pk=report.pk
    )
    assert response.status_code == 400
    errors = response.context["upload_errors"]
    assert [re.split("[:：]", e)[0] for e in errors] == ["E2", "E3", "A4"]
    assert not report.values.exists()
    fake = SimpleUploadedFile("report.xlsx", b"%PDF-1.4 not a workbook")
    refused = post(client, liaison, "reporting:report_upload", {"file": fake}, pk=report.pk)
    assert refused.status_code == 400 and refused.context["upload_errors"]
    short = post(
        client,
        liaison,
        "reporting:report_upload",
        {"file": _upload([header, rows[1][:4] + [3]])},
        pk=report.pk,
    )
    assert short.status_code == 400 and len(short.context["upload_errors"]) == 1
    assert not report.values.exists()


# --- Query counts -------------------------------------------------------------------------------


def _queries(client, user, name, **kwargs):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    return len(queries)


def _world(clerk, group, n_units, *, year_numbers=((2025, 4), (2026, 3), (2026, 4))):
    """``n_units`` units reporting two figures in three rounds (the same quarter last year,
    the previous quarter, this one), every report submitted with values."""
    units = [MemberUnitFactory(group=group) for _ in range(n_units)]
    figures = define_figures(group, units, program_name=f"专项{n_units}")
    rounds = [open_round(clerk, group, year=y, number=n) for y, n in year_numbers]
    reports = UnitReport.objects.filter(round__in=rounds)
    FigureValue.objects.bulk_create(
        FigureValue(report=r, definition=f, value=Decimal("10")) for r in reports for f in figures
    )
    reports.update(status=UnitReport.Status.SUBMITTED)
    return rounds[-1]


def test_pages_keep_their_query_count(client, clerk, group, django_assert_max_num_queries):
    few = _world(clerk, group, 5)
    counts = {
        name: _queries(client, clerk, name, pk=few.pk)
        for name in ("reporting:round_detail", "reporting:round_table")
    }
    list_few = _queries(client, clerk, "reporting:round_list")
    ReportingRound.objects.all().delete()
    FigureDefinition.objects.update(active=False)
    many = _world(clerk, group, 50)
    for name, count in counts.items():
        with django_assert_max_num_queries(count):
            client.get(reverse(name, kwargs={"pk": many.pk}))
    assert _queries(client, clerk, "reporting:round_list") == list_few
    table = client.get(reverse("reporting:round_table", kwargs={"pk": many.pk})).context["table"]
    assert table.previous and table.last_year
    (block, _yuan) = table.blocks
    assert len(block.rows) == 50
    assert (block.total, block.previous_total, block.last_year_total) == (500, 500, 500)
