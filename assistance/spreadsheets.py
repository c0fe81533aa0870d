"""Writing CSV and XLSX files that are safe to open in a spreadsheet.

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return,
which some spreadsheets skip before reading a formula) is taken as a formula by Excel,
WPS and LibreOffice: a liaison's "details" reading ``=HYPERLINK("http://…", "查看")`` would
run on the clerk's computer (CSV/formula injection, OWASP). ``safe_cell`` neutralises such
text by a leading apostrophe, which the spreadsheet shows as text; numbers stay numbers.
Every CSV or XLSX the application writes goes through ``csv_bytes`` or ``xlsx_bytes``.
"""

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """``value`` as it may be written to a cell: text that a spreadsheet would read as a
    formula gets a leading ``'``; numbers, dates and None are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(rows: Iterable[Sequence]) -> bytes:
    """Rows as UTF-8 CSV with a byte-order mark (so Excel reads Chinese correctly), every
    cell passed through ``safe_cell``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["" if cell is None else safe_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(rows: Iterable[Sequence], *, title: str = "") -> bytes:
    """Rows as a one-sheet XLSX workbook, every cell passed through ``safe_cell``."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or None)
    for row in rows:
        sheet.append([safe_cell(cell) for cell in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
