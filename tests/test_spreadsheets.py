"""The spreadsheet writer neutralises text a spreadsheet would read as a formula."""

import csv
import io
from decimal import Decimal

import pytest

from assistance.spreadsheets import csv_bytes, safe_cell


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_text_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["轿车", "1-2", "a=b", "", None, Decimal("-5.00"), -3, 2.5])
def test_everything_else_is_left_alone(value):
    assert safe_cell(value) == value


def test_csv_bytes_writes_safe_cells_readable_by_excel():
    body = csv_bytes([["姓名", "详情"], ["张三", '=HYPERLINK("http://x")'], ["李四", None]])
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [["姓名", "详情"], ["张三", '\'=HYPERLINK("http://x")'], ["李四", ""]]


# --- The lists' exports ------------------------------------------------------------------------


def test_xlsx_response_writes_safe_cells_in_beijing_time():
    import datetime

    from openpyxl import load_workbook

    from assistance.spreadsheets import XLSX_CONTENT_TYPE, xlsx_response

    moment = datetime.datetime(2026, 12, 7, 23, 30, 15, 123456, tzinfo=datetime.UTC)
    response = xlsx_response(
        ["名称", "时间", "金额"],
        ([name, moment, Decimal("12.50")] for name in ["=HYPERLINK(1)", "张三"]),
        title="测试",
        filename="test",
    )
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Cache-Control"] == "no-store, private"
    assert 'filename="test-' in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["名称", "时间", "金额"]
    assert sheet["A1"].font.bold
    assert rows[1] == ["'=HYPERLINK(1)", datetime.datetime(2026, 12, 8, 7, 30, 15), 12.5]
    assert rows[2][0] == "张三"


@pytest.mark.django_db
def test_rows_in_chunks_keeps_the_order_and_reads_in_chunks(django_assert_num_queries):
    from assistance.spreadsheets import rows_in_chunks
    from members.models import LeadingGroup
    from tests.factories import LeadingGroupFactory

    groups = LeadingGroupFactory.create_batch(5)
    ordered = LeadingGroup.objects.order_by("-pk")
    with django_assert_num_queries(1 + 3):  # the keys, then three chunks of two
        assert list(rows_in_chunks(ordered, size=2)) == list(reversed(groups))
