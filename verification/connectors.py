"""Department connectors: registry snapshots a department uploads (CSV or XLSX: an ID
number and the item it holds a record for, with details and an amount), validated row by
row, and the automatic answering of checks from the current snapshot.

An upload is kept at once and checked by a task (a registry of half a million rows takes
seconds to read). A file with any bad row is refused whole, with every bad line named; a
good file replaces the unit's current snapshot in one transaction, so a check never sees
half a registry.
"""

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from assistance.idnumbers import normalize_id_number, validate_id_number
from assistance.notices import notice
from assistance.outbox import send_or_leave_for_sweep
from assistance.services import notify
from members.models import MemberUnit

from .models import RegistryRecord, RegistrySnapshot, UnitConnector, VerificationItem
from .signals import snapshot_imported
from .sql import copy_rows

# Accepted column headings (lower-cased), English or Chinese, for each field.
HEADINGS = {
    "id_number": {"id_number", "id number", "身份证号码", "身份证号", "公民身份号码"},
    "item": {"item", "item code", "核对事项", "事项", "事项代码"},
    "details": {"details", "详情", "记录详情", "说明"},
    "amount": {"amount", "金额", "金额（元）", "金额(元)"},
}
REQUIRED = ("id_number", "item")
RECORD_BATCH = 5000
# An XLSX workbook is a ZIP archive; a CSV file is text, with no NUL byte.
XLSX_MAGIC = b"PK\x03\x04"
SNIFF_BYTES = 64 * 1024


@dataclass
class Row:
    line: int
    id_number: str
    item_id: int
    details: str
    amount: Decimal | None


class SnapshotInvalid(Exception):
    """The file was refused; ``errors`` lists (line, message), line 0 for the file."""

    def __init__(self, errors: list[tuple[int, str]], field: str = "file"):
        # ``field``: the input at fault, for a caller that names it (the API).
        self.errors, self.field = errors, field
        super().__init__("; ".join(f"{line}: {message}" for line, message in errors[:5]))


def _decode(raw: bytes) -> str:
    # Offices export CSV from Excel as UTF-8 (with or without BOM) or as GB 18030.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SnapshotInvalid([(0, _("The file is neither UTF-8 nor GB 18030 text."))])


def file_rows(name: str, raw: bytes):
    """(line number, list of cell strings) for each row of an uploaded CSV (UTF-8 or
    GB 18030) or XLSX file (its first sheet), heading first; SnapshotInvalid for a file
    that cannot be read. Shared by every import of a spreadsheet (the ledger's too)."""
    if name.lower().endswith(".xlsx"):
        # openpyxl (25 MB with numpy) loads only when a workbook is read, not in every worker.
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
    bad_rows = 0
    columns = None
    limit = settings.SNAPSHOT_MAX_ROWS
    for line, cells in file_rows(name, raw):
        if columns is None:
            columns = _columns(line, cells)
            continue
        if not any(cells):
            continue
        if len(rows) + bad_rows >= limit:
            errors.append((line, _("More than %(limit)d rows: split the file.") % {"limit": limit}))
            break
        try:
            rows.append(_row(line, _Cells(cells, columns), items))
        except _BadRow as bad:
            # Every problem of the row, so the liaison fixes it in one pass.
            bad_rows += 1
            errors.extend((line, message) for message in bad.messages)
    if columns is None:
        errors.append((0, _("The file is empty.")))
    if errors:
        raise SnapshotInvalid(errors)
    return rows


def _columns(line: int, cells: list[str]) -> dict[str, int]:
    """The index of each field's column, read from the heading row; refuses the file when
    a required column is missing."""
    columns = {}
    for index, heading in enumerate(cells):
        for field, names in HEADINGS.items():
            if heading.lower() in names:
                columns[field] = index
    if any(f not in columns for f in REQUIRED):
        raise SnapshotInvalid(
            [
                (
                    line,
                    _("The first row must name the columns: ID number and item (found: %(found)s).")
                    % {"found": "、".join(c for c in cells if c) or "—"},
                )
            ]
        )
    return columns


class _BadRow(Exception):
    """One row is wrong; ``messages`` say why, one per problem found in the row (the file is
    refused with every such line)."""

    def __init__(self, *messages: str):
        super().__init__("; ".join(messages))
        self.messages = list(messages)


@dataclass
class _Cells:
    """One row's cells, read by field (an empty string for a column the file lacks)."""

    cells: list[str]
    columns: dict[str, int]

    def __getitem__(self, field: str) -> str:
        index = self.columns.get(field)
        return self.cells[index] if index is not None and index < len(self.cells) else ""


def _row(line: int, cell: _Cells, items: dict[str, VerificationItem]) -> Row:
    """One data row validated, or _BadRow with every problem of the row (the ID number,
    the item and the amount are each checked, whatever the others hold)."""
    problems = []
    id_number = normalize_id_number(cell["id_number"])
    try:
        validate_id_number(id_number)
    except ValidationError as exc:
        problems.append(" ".join(exc.messages))
    item = items.get(cell["item"].lower())
    if item is None:
        problems.append(
            _("“%(item)s” is not an item this department checks.") % {"item": cell["item"]}
        )
    try:
        amount = _amount(cell["amount"])
    except _BadRow as bad:
        problems.extend(bad.messages)
    if problems:
        raise _BadRow(*problems)
    return Row(line, id_number, item.pk, cell["details"][:500], amount)


def _amount(text: str) -> Decimal | None:
    """The amount of a row (None when empty), rounded to the fen, or _BadRow."""
    if not text:
        return None
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation as exc:
        raise _BadRow(_("The amount “%(amount)s” is not a number.") % {"amount": text}) from exc
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise _BadRow(_("The amount must be between 0 and 999,999,999,999.99."))
    return amount.quantize(Decimal("0.01"))


def template_rows() -> list[list[str]]:
    """The heading row of a registry extract, in the reader's language, in the exact shape
    ``parse_snapshot`` reads (each heading is one of ``HEADINGS``): ID number, item code,
    details, amount."""
    return [
        [
            pgettext("snapshot column", "ID number"),
            pgettext("snapshot column", "item code"),
            pgettext("snapshot column", "details"),
            pgettext("snapshot column", "amount"),
        ]
    ]


def snapshot_file_check(upload) -> None:
    """Refuse (SnapshotInvalid) a file that is too large (``SNAPSHOT_MAX_BYTES``) or
    neither .csv nor .xlsx, before anything is kept: for the upload page's form and the
    API alike."""
    if upload.size > settings.SNAPSHOT_MAX_BYTES:
        message = _("The file is %(size)s; at most %(limit)s is accepted: split it.") % {
            "size": filesizeformat(upload.size),
            "limit": filesizeformat(settings.SNAPSHOT_MAX_BYTES),
        }
        raise SnapshotInvalid([(0, message)])
    name = (upload.name or "").lower()
    if not name.endswith((".csv", ".xlsx")):
        raise SnapshotInvalid([(0, _("Upload a .csv or .xlsx file."))])
    upload.seek(0)
    start = upload.read(SNIFF_BYTES)
    upload.seek(0)
    # The rows are read by the task; what the first bytes show is refused at once.
    if name.endswith(".xlsx") and not start.startswith(XLSX_MAGIC):
        raise SnapshotInvalid([(0, _("This file is not an Excel (.xlsx) workbook."))])
    if name.endswith(".csv") and b"\0" in start:
        raise SnapshotInvalid([(0, _("This file is not a text (CSV) file."))])


def snapshot_receive(
    *, actor, unit: MemberUnit, upload, taken_on: datetime.date
) -> RegistrySnapshot:
    """Keep an uploaded registry extract, to be checked and imported by a task
    (``snapshot_check``). What can be told at once is refused at once (SnapshotInvalid):
    a date in the future, a file too large or neither .csv nor .xlsx."""
    if taken_on > timezone.localdate():
        raise SnapshotInvalid(
            [(0, _("The extract date cannot be in the future."))], field="taken_on"
        )
    snapshot_file_check(upload)
    upload.seek(0)
    snapshot = RegistrySnapshot(unit=unit, taken_on=taken_on, uploaded_by=actor)
    snapshot.file.save(upload.name, upload, save=False)
    snapshot._history_user = actor
    snapshot.save()
    return snapshot


def snapshot_check(snapshot_id: int) -> RegistrySnapshot | None:
    """Check a received extract row by row and either refuse it (every bad line kept on
    the snapshot, nothing imported) or import its rows and make it the unit's current
    snapshot, in one transaction. Only a snapshot still being checked is touched, so a
    task run twice does the work once. Returns the snapshot, or None if it was not
    waiting to be checked."""
    snapshot = (
        RegistrySnapshot.objects.select_related("unit", "uploaded_by")
        .filter(pk=snapshot_id, status=RegistrySnapshot.Status.CHECKING)
        .first()
    )
    if snapshot is None:
        return None
    with snapshot.file.open("rb") as stored:
        raw = stored.read()
    try:
        rows = parse_snapshot(unit=snapshot.unit, name=snapshot.file.name, raw=raw)
    except SnapshotInvalid as refused:
        errors = [[line, str(message)] for line, message in refused.errors]
        with transaction.atomic():
            if not _still_checking(snapshot):
                return None
            snapshot.status = RegistrySnapshot.Status.REFUSED
            snapshot.errors = errors[: RegistrySnapshot.MAX_ERRORS_KEPT]
            snapshot.error_count = len(errors)
            snapshot.checked_at = timezone.now()
            snapshot.save(update_fields=["status", "errors", "error_count", "checked_at"])
        return snapshot
    with transaction.atomic():
        # Serialise uploads of one unit: the newest checked wins, never two current.
        MemberUnit.objects.select_for_update().get(pk=snapshot.unit_id)
        if not _still_checking(snapshot):
            return None
        _write_records(snapshot, rows)
        for old in RegistrySnapshot.objects.filter(unit=snapshot.unit_id, is_current=True):
            old.is_current = False
            old._history_user = snapshot.uploaded_by
            old.save(update_fields=["is_current"])
        snapshot.status = RegistrySnapshot.Status.IMPORTED
        snapshot.row_count = len(rows)
        snapshot.is_current = True
        snapshot.checked_at = timezone.now()
        snapshot._history_user = snapshot.uploaded_by
        snapshot.save(update_fields=["status", "row_count", "is_current", "checked_at"])
        snapshot_imported.send(sender=RegistrySnapshot, snapshot=snapshot)
    return snapshot


def _still_checking(snapshot: RegistrySnapshot) -> bool:
    """Lock the snapshot's row and tell whether it still waits (another run of the task
    may have finished it meanwhile)."""
    return (
        RegistrySnapshot.objects.select_for_update()
        .filter(pk=snapshot.pk, status=RegistrySnapshot.Status.CHECKING)
        .exists()
    )


def _write_records(snapshot: RegistrySnapshot, rows: list[Row]) -> None:
    values = ((snapshot.pk, r.id_number, r.item_id, r.details, r.amount) for r in rows)
    if connection.vendor == "postgresql":
        copy_rows(RegistryRecord, ["snapshot", "id_number", "item", "details", "amount"], values)
        return
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


def tell_uploader(snapshot: RegistrySnapshot) -> None:
    """Tell the liaison who uploaded the extract how its check ended."""
    if snapshot.status == RegistrySnapshot.Status.IMPORTED:
        message = notice(
            gettext_noop(
                "Your registry extract of %(date)s was imported (%(rows)d rows): it now "
                "answers your unit's checks."
            ),
            date=snapshot.taken_on.isoformat(),
            rows=snapshot.row_count,
        )
    else:
        # One form for any count: the reader's plural rules are not known when it is stored.
        message = notice(
            gettext_noop(
                "Your registry extract of %(date)s was refused and nothing was imported. "
                "Problems found: %(count)d; see the lines to fix."
            ),
            date=snapshot.taken_on.isoformat(),
            count=snapshot.error_count,
        )
    notify(
        users=[snapshot.uploaded_by],
        message=message,
        url=reverse("verification:snapshot_list"),
    )


def snapshot_upload(
    *, actor, unit: MemberUnit, upload, taken_on: datetime.date
) -> RegistrySnapshot:
    """Receive an extract (``snapshot_receive``) and, once it is committed, send it to be
    checked by the task: the upload page's and the API's way in. SnapshotInvalid for what
    is refused at once, and then nothing is kept."""
    with transaction.atomic():
        snapshot = snapshot_receive(actor=actor, unit=unit, upload=upload, taken_on=taken_on)
        transaction.on_commit(lambda: send_snapshot_check(snapshot.pk))
    return snapshot


def snapshot_import(
    *, actor, unit: MemberUnit, upload, taken_on: datetime.date
) -> RegistrySnapshot:
    """Receive and check an extract at once (the demo, the tests, scripts): it becomes the
    unit's current snapshot, or SnapshotInvalid is raised with every bad line (and the
    refused upload is kept, as from the page)."""
    snapshot = snapshot_receive(actor=actor, unit=unit, upload=upload, taken_on=taken_on)
    snapshot = snapshot_check(snapshot.pk)
    if snapshot.status == RegistrySnapshot.Status.REFUSED:
        raise SnapshotInvalid([(line, message) for line, message in snapshot.errors])
    return snapshot


def snapshots_resend_unchecked(*, older_than: datetime.timedelta) -> int:
    """Send again the uploads still waiting to be checked ``older_than`` after they came
    (their message was lost: broker down at the upload, a worker killed before
    acknowledging). Returns how many were sent."""

    cutoff = timezone.now() - older_than
    waiting = RegistrySnapshot.objects.filter(
        status=RegistrySnapshot.Status.CHECKING, uploaded_at__lt=cutoff
    ).values_list("pk", flat=True)
    sent = 0
    for snapshot_id in waiting:
        if not send_snapshot_check(snapshot_id):
            break
        sent += 1
    return sent


def send_snapshot_check(snapshot_id: int) -> bool:
    """Send the upload to be checked; if the broker cannot be reached it stays waiting
    and the resend sweep sends it later. Returns whether it was sent."""
    return send_or_leave_for_sweep(
        "verification.tasks.snapshot_check_task", snapshot_id, what=f"snapshot {snapshot_id}"
    )


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
