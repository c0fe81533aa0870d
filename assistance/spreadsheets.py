"""Writing CSV and XLSX files that are safe to open in a spreadsheet.

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return,
which some spreadsheets skip before reading a formula) is taken as a formula by Excel,
WPS and LibreOffice: a liaison's "details" reading ``=HYPERLINK("http://…", "查看")`` would
run on the clerk's computer (CSV/formula injection, OWASP). ``safe_cell`` neutralises such
text by a leading apostrophe, which the spreadsheet shows as text; numbers stay numbers.
Every CSV or XLSX the application writes goes through ``csv_bytes``, ``xlsx_bytes`` or
``xlsx_response`` (the lists' "XLSX" exports).
"""

import csv
import datetime
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal

from django.db.models import QuerySet
from django.http import FileResponse
from django.utils import timezone

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
    # openpyxl (25 MB with numpy) loads only when a workbook is written: workers import this
    # module and most never write one.
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or None)
    for row in rows:
        sheet.append([safe_cell(cell) for cell in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- The lists' exports ------------------------------------------------------------------------

# Rows read from the database per query while an export is written: memory and the number of
# queries stay bounded whatever the list's length (an export of 10,000 households reads
# ten chunks, each with the same fixed queries as one page of the list).
EXPORT_CHUNK = 1000
# Kept in memory up to this size, then in a temporary file on disk.
SPOOL_BYTES = 8 * 1024 * 1024


def rows_in_chunks(
    queryset: QuerySet,
    *,
    rows: Callable[[QuerySet], Iterable] = lambda queryset: queryset,
    size: int = EXPORT_CHUNK,
) -> Iterator:
    """Every object of ``queryset`` (filtered and ordered as the list is), read ``size`` at a
    time with ``rows`` applied to each chunk (the list's joins and annotations), in the
    list's order. One query for the keys, then ``rows``' queries per chunk."""
    keys = list(queryset.values_list("pk", flat=True))
    for start in range(0, len(keys), size):
        chunk = keys[start : start + size]
        objects = {obj.pk: obj for obj in rows(queryset.model.objects.filter(pk__in=chunk))}
        yield from (objects[pk] for pk in chunk if pk in objects)


def _cell_value(value):
    # XLSX has no time zones: moments are written in the office's zone (Beijing time), which
    # the column's heading names; lazy translations and other objects as their text.
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        return value.replace(microsecond=0)  # a spreadsheet keeps milliseconds at most
    if value is None or isinstance(value, int | float | Decimal | datetime.date):
        return value
    return safe_cell(str(value))


def xlsx_response(
    header: Sequence[str], rows: Iterable[Sequence], *, title: str, filename: str
) -> FileResponse:
    """A list as an XLSX download: a bold heading row, then ``rows`` (read lazily, so pass
    a generator over ``rows_in_chunks``), every text cell through ``safe_cell``. Written
    with openpyxl's write-only mode (rows go straight to the file, not into memory) into a
    temporary file, so a long list costs neither memory nor a held-open query."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=str(title)[:31] or None)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    heading = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=safe_cell(str(name)))
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    for row in rows:
        sheet.append([_cell_value(value) for value in row])
    # Closed by the FileResponse once sent, so no context manager here.
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    book.save(spool)
    spool.seek(0)
    stamp = timezone.localdate().isoformat()
    response = FileResponse(
        spool,
        as_attachment=True,
        filename=f"{filename}-{stamp}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
    # Exports hold personal data: never kept by a browser or a proxy.
    response["Cache-Control"] = "no-store, private"
    return response
