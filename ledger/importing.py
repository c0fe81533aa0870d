"""A unit's monthly ledger file: received at once (its size, type and first bytes checked
by the registry snapshots' own check, so a bad file is refused before it is kept), then
checked row by row in a task (``ledger.tasks.ledger_import_check_task``, sent by name
after the commit). A file with any bad line is refused whole, every bad line kept on the
import; a good one replaces, in one transaction, the entries of the unit's earlier import
of that month (entries entered by hand or from referrals are not touched), so the office
never sees half a month."""

import datetime

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history

from assistance.notices import notice
from assistance.outbox import send_after_commit
from assistance.services import notify
from members.models import MemberUnit
from verification.connectors import SnapshotInvalid, snapshot_file_check

from .base import LedgerError, check_entries, require_unit, tell_office
from .imports import ImportInvalid, parse
from .models import LedgerEntry, LedgerImport

CHECK_TASK = "ledger.tasks.ledger_import_check_task"
INSERT_BATCH = 2000


def ledger_import_receive(
    *, actor, unit: MemberUnit, upload, month: datetime.date, language: str = ""
) -> LedgerImport:
    """Keep an uploaded monthly file, to be checked by ``ledger_import_check``. What can
    be told at once is refused at once (LedgerError): another unit's ledger, a month not
    begun, a file too large or neither .csv nor .xlsx (or not what its name says)."""
    require_unit(actor, unit)
    if month is None:
        raise LedgerError(_("Choose the month."), "month")
    month = month.replace(day=1)
    if month > timezone.localdate().replace(day=1):
        raise LedgerError(_("A month that has not begun cannot be imported."), "month")
    try:
        snapshot_file_check(upload)
    except SnapshotInvalid as refused:
        raise LedgerError(" ".join(m for _line, m in refused.errors), "file") from None
    upload.seek(0)
    ledger_import = LedgerImport(
        unit=unit,
        month=month,
        uploaded_by=actor,
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
    )
    ledger_import.file.save(upload.name, upload, save=False)
    ledger_import._history_user = actor
    ledger_import.save()
    return ledger_import


@transaction.atomic
def ledger_import_upload(
    *, actor, unit: MemberUnit, upload, month: datetime.date, language: str = ""
) -> LedgerImport:
    """Receive a monthly file and send it to be checked once committed (the page's way
    in); LedgerError for what is refused at once, and then nothing is kept."""
    ledger_import = ledger_import_receive(
        actor=actor, unit=unit, upload=upload, month=month, language=language
    )
    send_after_commit(
        CHECK_TASK, ledger_import.pk, what=f"ledger import {ledger_import.pk} of {unit.code}"
    )
    return ledger_import


def _waiting(ledger_import: LedgerImport) -> bool:
    """Lock the import's row; whether it still waits (another run may have done it)."""
    return (
        LedgerImport.objects.select_for_update()
        .filter(pk=ledger_import.pk, status=LedgerImport.Status.CHECKING)
        .exists()
    )


def _refuse(ledger_import: LedgerImport, errors: list) -> LedgerImport | None:
    with transaction.atomic():
        if not _waiting(ledger_import):
            return None
        kept = [[line, message] for line, message in errors]
        ledger_import.status = LedgerImport.Status.REFUSED
        ledger_import.errors = kept[: LedgerImport.MAX_ERRORS_KEPT]
        ledger_import.error_count = len(errors)
        ledger_import.checked_at = timezone.now()
        ledger_import._history_user = ledger_import.uploaded_by
        ledger_import.save(update_fields=["status", "errors", "error_count", "checked_at"])
    return ledger_import


def _forget(entries, actor) -> None:
    """Delete replaced entries, one history row each (set-based: a month may hold
    thousands)."""
    history = LedgerEntry.history.model
    now = timezone.now()
    fields = [field.attname for field in LedgerEntry._meta.concrete_fields]
    rows = [
        history(
            **{name: getattr(entry, name) for name in fields},
            history_date=now,
            history_type="-",
            history_user_id=getattr(actor, "pk", None),
        )
        for entry in entries
    ]
    history.objects.bulk_create(rows, batch_size=INSERT_BATCH)
    # A plain DELETE: the queryset's would write each history row again, one at a time
    # and without the actor. Nothing refers to an entry.
    table = connection.ops.quote_name(LedgerEntry._meta.db_table)
    ids = [entry.pk for entry in entries]
    with connection.cursor() as cursor:
        for start in range(0, len(ids), INSERT_BATCH):
            chunk = ids[start : start + INSERT_BATCH]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({marks})", chunk)


def _replace(ledger_import: LedgerImport, rows) -> list[LedgerEntry]:
    """The unit's earlier import of the month gives way to this one (caller's transaction)."""
    actor = ledger_import.uploaded_by
    earlier = list(
        LedgerImport.objects.filter(
            unit_id=ledger_import.unit_id,
            month=ledger_import.month,
            status=LedgerImport.Status.IMPORTED,
        )
    )
    _forget(list(LedgerEntry.objects.filter(ledger_import__in=earlier)), actor)
    for old in earlier:
        old.status = LedgerImport.Status.REPLACED
        old._history_user = actor
        old.save(update_fields=["status"])
    entries = [
        LedgerEntry(
            unit_id=ledger_import.unit_id,
            household_id=row.member.household_id,
            member=row.member,
            program_id=row.program_id,
            amount=row.amount,
            amount_per=row.amount_per,
            service=row.service,
            period_from=row.period_from,
            period_to=row.period_to,
            document_number=row.document_number,
            source=LedgerEntry.Source.IMPORT,
            ledger_import=ledger_import,
            created_by=actor,
        )
        for row in rows
    ]
    return bulk_create_with_history(
        entries, LedgerEntry, batch_size=INSERT_BATCH, default_user=actor
    )


def ledger_import_check(import_id: int) -> LedgerImport | None:
    """Check a received file row by row and either refuse it (every bad line kept,
    nothing imported) or import it as the unit's month, in one transaction. Only an
    import still being checked is touched, so a task run twice does the work once.
    Returns the import, or None if it was not waiting."""
    ledger_import = (
        LedgerImport.objects.select_related("unit", "uploaded_by")
        .filter(pk=import_id, status=LedgerImport.Status.CHECKING)
        .first()
    )
    if ledger_import is None:
        return None
    with ledger_import.file.open("rb") as stored:
        raw = stored.read()
    # The shared file reader words its messages in the active language: the uploader's.
    with translation.override(ledger_import.language or settings.LANGUAGE_CODE):
        try:
            rows = parse(
                unit=ledger_import.unit,
                month=ledger_import.month,
                name=ledger_import.file.name,
                raw=raw,
            )
        except ImportInvalid as refused:
            return _refuse(ledger_import, refused.errors)
    with transaction.atomic():
        # One unit's files are imported one at a time: never two current for a month.
        MemberUnit.objects.select_for_update().get(pk=ledger_import.unit_id)
        if not _waiting(ledger_import):
            return None
        entries = _replace(ledger_import, rows)
        ledger_import.status = LedgerImport.Status.IMPORTED
        ledger_import.row_count = len(entries)
        ledger_import.checked_at = timezone.now()
        ledger_import._history_user = ledger_import.uploaded_by
        ledger_import.save(update_fields=["status", "row_count", "checked_at"])
        found = check_entries(entry.pk for entry in entries)
        tell_office(
            found,
            notice(
                gettext_noop("%(unit)s imported its ledger of %(month)s"),
                unit=ledger_import.unit.name,
                month=f"{ledger_import.month:%Y-%m}",
            ),
        )
    return ledger_import


def ledger_import_now(
    *, actor, unit: MemberUnit, upload, month: datetime.date, language: str = ""
) -> LedgerImport:
    """Receive and check a file at once (the demo, the tests, scripts). Returns the
    import, imported or refused (its ``errors`` then list every bad line)."""
    ledger_import = ledger_import_receive(
        actor=actor, unit=unit, upload=upload, month=month, language=language
    )
    return ledger_import_check(ledger_import.pk) or ledger_import


def tell_uploader(ledger_import: LedgerImport) -> None:
    """Tell the liaison who uploaded the file how its check ended."""
    month = f"{ledger_import.month:%Y-%m}"
    if ledger_import.status == LedgerImport.Status.IMPORTED:
        message = notice(
            gettext_noop("Your ledger file of %(month)s was imported (%(rows)d rows)."),
            month=month,
            rows=ledger_import.row_count,
        )
    else:
        message = notice(
            gettext_noop(
                "Your ledger file of %(month)s was refused and nothing was imported. "
                "Problems found: %(count)d; see the lines to fix."
            ),
            month=month,
            count=ledger_import.error_count,
        )
    notify(users=[ledger_import.uploaded_by], message=message, url=reverse("ledger:import_list"))
