"""Department connectors: registry snapshots a department uploads (CSV or XLSX: an ID
number and the item it holds a record for, with details and an amount), validated row by
row, and the automatic answering of checks from the current snapshot.

A file with any bad row is refused whole, with every bad line named; a good file replaces
the unit's current snapshot in one transaction, so a check never sees half a registry.
"""

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.idnumbers import normalize_id_number, validate_id_number
from members.models import MemberUnit

from .models import RegistryRecord, RegistrySnapshot, UnitConnector, VerificationItem

# Accepted column headings (lower-cased), English or Chinese, for each field.
HEADINGS = {
    "id_number": {"id_number", "id number", "身份证号码", "身份证号", "公民身份号码"},
    "item": {"item", "item code", "核对事项", "事项", "事项代码"},
    "details": {"details", "详情", "记录详情", "说明"},
    "amount": {"amount", "金额", "金额（元）", "金额(元)"},
}
REQUIRED = ("id_number", "item")
RECORD_BATCH = 5000


@dataclass
class Row:
    line: int
    id_number: str
    item_id: int
    details: str
    amount: Decimal | None


class SnapshotInvalid(Exception):
    """The file was refused; ``errors`` lists (line, message), line 0 for the file."""

    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{line}: {message}" for line, message in errors[:5]))


def _decode(raw: bytes) -> str:
    # Offices export CSV from Excel as UTF-8 (with or without BOM) or as GB 18030.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SnapshotInvalid([(0, _("The file is neither UTF-8 nor GB 18030 text."))])


def _rows_of(name: str, raw: bytes):
    """(line number, list of cell strings) for each row, heading first."""
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise SnapshotInvalid(
                [(0, _("The XLSX file cannot be read: %(error)s") % {"error": exc})]
            ) from exc
        sheet = book.worksheets[0]
        for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, ["" if c is None else str(c).strip() for c in cells]
        book.close()
    elif name.lower().endswith(".csv"):
        reader = csv.reader(io.StringIO(_decode(raw)))
        try:
            for line, cells in enumerate(reader, start=1):
                yield line, [c.strip() for c in cells]
        except csv.Error as exc:
            raise SnapshotInvalid(
                [(reader.line_num, _("Malformed CSV: %(error)s") % {"error": exc})]
            ) from exc
    else:
        raise SnapshotInvalid([(0, _("Upload a .csv or .xlsx file."))])


def parse_snapshot(*, unit: MemberUnit, name: str, raw: bytes) -> list[Row]:
    """Validate every row; raise SnapshotInvalid naming each bad line, or return the rows."""
    items = {}
    for item in VerificationItem.objects.filter(unit=unit, active=True):
        items[item.code.lower()] = item
        items[item.name.lower()] = item
    rows, errors = [], []
    columns = None
    limit = settings.SNAPSHOT_MAX_ROWS
    for line, cells in _rows_of(name, raw):
        if columns is None:
            columns = {}
            for index, heading in enumerate(cells):
                for field, names in HEADINGS.items():
                    if heading.lower() in names:
                        columns[field] = index
            missing = [f for f in REQUIRED if f not in columns]
            if missing:
                raise SnapshotInvalid(
                    [
                        (
                            line,
                            _(
                                "The first row must name the columns: ID number and item "
                                "(found: %(found)s)."
                            )
                            % {"found": "、".join(c for c in cells if c) or "—"},
                        )
                    ]
                )
            continue
        if not any(cells):
            continue
        if len(rows) + len(errors) >= limit:
            errors.append((line, _("More than %(limit)d rows: split the file.") % {"limit": limit}))
            break

        def cell(field, cells=cells, columns=columns):
            index = columns.get(field)
            return cells[index] if index is not None and index < len(cells) else ""

        id_number = normalize_id_number(cell("id_number"))
        try:
            validate_id_number(id_number)
        except ValidationError as exc:
            errors.append((line, " ".join(exc.messages)))
            continue
        item = items.get(cell("item").lower())
        if item is None:
            errors.append(
                (
                    line,
                    _("“%(item)s” is not an item this department checks.") % {"item": cell("item")},
                )
            )
            continue
        amount = None
        if cell("amount"):
            try:
                amount = Decimal(cell("amount").replace(",", ""))
            except InvalidOperation:
                errors.append(
                    (
                        line,
                        _("The amount “%(amount)s” is not a number.") % {"amount": cell("amount")},
                    )
                )
                continue
            if amount < 0 or amount >= Decimal("1e12"):
                errors.append((line, _("The amount must be between 0 and 999,999,999,999.99.")))
                continue
            amount = amount.quantize(Decimal("0.01"))
        rows.append(Row(line, id_number, item.pk, cell("details")[:500], amount))
    if columns is None:
        errors.append((0, _("The file is empty.")))
    if errors:
        raise SnapshotInvalid(errors)
    return rows


def snapshot_import(
    *, actor, unit: MemberUnit, upload, taken_on: datetime.date
) -> RegistrySnapshot:
    """Import a department's registry extract; it becomes the unit's current snapshot.
    Refused whole (SnapshotInvalid) when any row is bad."""
    if taken_on > timezone.localdate():
        raise SnapshotInvalid([(0, _("The extract date cannot be in the future."))])
    upload.seek(0)
    raw = upload.read()
    rows = parse_snapshot(unit=unit, name=upload.name or "", raw=raw)
    with transaction.atomic():
        # Serialise uploads of one unit: the newest wins, never two current snapshots.
        MemberUnit.objects.select_for_update().get(pk=unit.pk)
        upload.seek(0)
        snapshot = RegistrySnapshot(
            unit=unit, taken_on=taken_on, row_count=len(rows), uploaded_by=actor
        )
        snapshot.file.save(upload.name, upload, save=False)
        snapshot._history_user = actor
        snapshot.save()
        for start in range(0, len(rows), RECORD_BATCH):
            RegistryRecord.objects.bulk_create(
                RegistryRecord(
                    snapshot=snapshot,
                    id_number=row.id_number,
                    item_id=row.item_id,
                    details=row.details,
                    amount=row.amount,
                )
                for row in rows[start : start + RECORD_BATCH]
            )
        for old in RegistrySnapshot.objects.filter(unit=unit, is_current=True):
            old.is_current = False
            old._history_user = actor
            old.save(update_fields=["is_current"])
        snapshot.is_current = True
        snapshot.save(update_fields=["is_current"])
    return snapshot


def current_snapshot(unit_id: int) -> tuple[RegistrySnapshot | None, str]:
    """The snapshot that may answer the unit's checks, or None and the reason why not."""
    connector = UnitConnector.objects.filter(unit_id=unit_id).first()
    if connector is None or connector.kind != UnitConnector.Kind.SNAPSHOT:
        return None, ""
    snapshot = RegistrySnapshot.objects.filter(unit_id=unit_id, is_current=True).first()
    if snapshot is None:
        return None, _("The department has uploaded no registry snapshot yet.")
    oldest = timezone.localdate() - datetime.timedelta(days=connector.max_snapshot_age_days)
    if snapshot.taken_on < oldest:
        return None, _(
            "The department's registry snapshot of %(date)s is older than %(days)d days."
        ) % {"date": snapshot.taken_on.isoformat(), "days": connector.max_snapshot_age_days}
    return snapshot, ""
