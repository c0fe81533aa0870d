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
