"""A unit's report as an XLSX workbook in the shape of its form, and back.

The template has one row per figure: its number (which the upload reads), programme,
figure, what it is counted in, and the value (filled with what is saved, if anything).
An upload is checked by its content (``assistance.uploads``) and read whole: it is
refused with every bad cell listed (``E4: Enter a whole number.``), or its values are
handed to the services, which check them again."""

import io
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from assistance.spreadsheets import xlsx_bytes
from assistance.uploads import XLSX, check_upload

from .figures import InvalidValue, format_value, parse_value
from .models import FigureDefinition, UnitReport

NUMBER_COLUMN, VALUE_COLUMN = "A", "E"


def _header() -> list[str]:
    return [_("Number"), _("Programme"), _("Figure"), _("Counted in"), _("Value")]


def template_xlsx(report: UnitReport, definitions: list[FigureDefinition], values: dict) -> bytes:
    """The report's template, filled with the saved ``values`` (figure id -> value)."""
    rows = [_header()]
    for definition in definitions:
        value = values.get(definition.pk)
        rows.append(
            [
                definition.pk,
                definition.program.name,
                definition.name,
                str(definition.measure),
                None if value is None else float(format_value(definition, value)),
            ]
        )
    return xlsx_bytes(rows, title=f"{report.unit.name}"[:31])


@dataclass
class Upload:
    """What an upload gave: the values by figure id, or the errors, one per bad cell."""

    values: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _rows(upload):
    # openpyxl (25 MB with numpy) loads only when an upload is read: workers import this module.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(upload.read()), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        return None
    sheet = book.worksheets[0] if book.worksheets else None
    if sheet is None:
        return None
    return list(sheet.iter_rows(values_only=True))


def read_upload(upload, definitions: list[FigureDefinition]) -> Upload:
    """Read an uploaded template. Every figure must have its row, every row a figure of
    this report and an accepted value (blank cells are errors: an upload submits a whole
    report's values)."""
    try:
        check_upload(upload, kinds=[XLSX], max_bytes=settings.REPORTING_UPLOAD_MAX_BYTES)
    except ValidationError as error:
        return Upload(errors=list(error.messages))
    rows = _rows(upload)
    if rows is None:
        return Upload(errors=[_("The file could not be read as a workbook.")])
    by_id = {d.pk: d for d in definitions}
    result = Upload()
    for index, row in enumerate(rows[1:], start=2):
        cells = list(row) + [None] * (5 - len(row))
        if all(cell in (None, "") for cell in cells[:5]):
            continue
        number = cells[0]
        definition = by_id.get(number) if isinstance(number, int) else None
        if definition is None and isinstance(number, str) and number.strip().isdigit():
            definition = by_id.get(int(number.strip()))
        if definition is None:
            result.errors.append(
                _("%(cell)s: not a figure of this report.") % {"cell": f"{NUMBER_COLUMN}{index}"}
            )
            continue
        cell = f"{VALUE_COLUMN}{index}"
        if definition.pk in result.values:
            result.errors.append(_("%(cell)s: this figure is given twice.") % {"cell": cell})
            continue
        try:
            value = parse_value(definition, cells[4])
        except InvalidValue as error:
            result.errors.append(
                _("%(cell)s: %(message)s") % {"cell": cell, "message": error.message}
            )
            continue
        if value is None:
            result.errors.append(_("%(cell)s: a value is needed.") % {"cell": cell})
            continue
        result.values[definition.pk] = value
    # A figure whose row is there but refused is already listed; one without a row is not.
    for definition in (d for d in definitions if not _row_of(rows, d.pk)):
        result.errors.append(_("The row of “%(figure)s” is missing.") % {"figure": f"{definition}"})
    if result.errors:
        result.values = {}
    return result


def _row_of(rows, definition_id: int) -> bool:
    for row in rows[1:]:
        if row and (row[0] == definition_id or str(row[0]).strip() == str(definition_id)):
            return True
    return False
