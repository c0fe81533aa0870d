"""Reading an exported workbook back, as a clerk's spreadsheet would."""

import io

from openpyxl import load_workbook

from assistance.spreadsheets import XLSX_CONTENT_TYPE


def workbook_rows(response) -> list[list]:
    """The first sheet's rows (heading first) of an XLSX response."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]
