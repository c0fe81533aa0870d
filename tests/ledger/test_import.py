"""A unit's monthly file: a good file (CSV or XLSX) becomes the unit's month; a file with
any bad line is refused whole with every bad line and every problem named, in the
reader's language, and nothing is imported; a file too large, of another type or
malformed is refused at once and not kept; a second file of the same month replaces the
first in one transaction, leaving other months and hand entries alone."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import override

from assistance.models import OutboxMessage
from assistance.notices import render
from assistance.spreadsheets import xlsx_bytes
from ledger import services
from ledger.imports import template_rows
from ledger.models import LedgerEntry, LedgerImport
from ledger.tasks import ledger_import_check_task
from tests.ledger.conftest import enter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are read in English here unless a test asks for another language."""
    with override("en"):
        yield


MARCH = datetime.date(2026, 3, 1)
HEADING = "身份证号码,姓名,救助项目,金额（元）,发放方式,服务,起始日期,终止日期,决定文号"


def csv_file(*lines, heading=HEADING, name="ledger.csv") -> SimpleUploadedFile:
    text = "\n".join([heading, *lines]) + "\n"
    return SimpleUploadedFile(name, text.encode("utf-8"))


def xlsx_file(rows, name="ledger.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xlsx_bytes(rows))


def import_(liaison, unit, upload, month=MARCH, language="en"):
    return services.ledger_import_now(
        actor=liaison, unit=unit, upload=upload, month=month, language=language
    )


def rendered(ledger_import, language="en"):
    with override(language):
        return [(line, render(message)) for line, message in ledger_import.errors]


def test_a_good_csv_file_becomes_the_units_month(liaison, unit, members, dibao, medical):
    a, b = members[0], members[1]
    upload = csv_file(
        f"{a.id_number},{a.name},最低生活保障,800,每月,,,,西民〔2026〕1号",
        f"{b.id_number},,医疗救助,1200.50,一次性,,2026-03-10,2026-03-10,",
        f"{b.id_number},,最低生活保障,,,入户照料,2026-01-01,2026-12-31,",
    )
    ledger_import = import_(liaison, unit, upload)
    assert ledger_import.status == LedgerImport.Status.IMPORTED
    assert ledger_import.row_count == 3
    rows = list(
        LedgerEntry.objects.order_by("pk").values_list(
            "member", "program__name", "amount", "amount_per", "service", "period_from", "period_to"
        )
    )
    assert rows == [
        (a.pk, "最低生活保障", Decimal("800.00"), "month", "", MARCH, datetime.date(2026, 3, 31)),
        (
            b.pk,
            "医疗救助",
            Decimal("1200.50"),
            "total",
            "",
            datetime.date(2026, 3, 10),
            datetime.date(2026, 3, 10),
        ),
        # A period beyond the month is cut to it: the file says what the month held.
        (b.pk, "最低生活保障", None, "month", "入户照料", MARCH, datetime.date(2026, 3, 31)),
    ]
    entry = LedgerEntry.objects.order_by("pk").first()
    assert (entry.source, entry.ledger_import, entry.unit) == ("import", ledger_import, unit)
    assert entry.history.get().history_user == liaison


def test_a_good_xlsx_file_with_date_cells(liaison, unit, members, dibao):
    a = members[0]
    upload = xlsx_file(
        [
            HEADING.split(","),
            [
                a.id_number,
                a.name,
                "最低生活保障",
                650,
                "每月",
                None,
                datetime.datetime(2026, 3, 1),
                None,
                "文号1",
            ],
        ]
    )
    ledger_import = import_(liaison, unit, upload)
    assert ledger_import.status == LedgerImport.Status.IMPORTED, rendered(ledger_import)
    entry = LedgerEntry.objects.get()
    assert (entry.amount, entry.period_from, entry.document_number) == (
        Decimal("650.00"),
        MARCH,
        "文号1",
    )


def test_the_template_is_what_the_import_reads(liaison, unit, members, dibao):
    for language in ("en", "zh-hans"):
        with override(language):
            heading = ",".join(template_rows()[0])
        a = members[0]
        upload = csv_file(f"{a.id_number},,最低生活保障,100,,,,,", heading=heading)
        assert import_(liaison, unit, upload).status == LedgerImport.Status.IMPORTED


def test_every_bad_line_is_named_and_nothing_imported(liaison, unit, members, dibao):
    a = members[0]
    good = f"{a.id_number},,最低生活保障,800,,,,,"
    upload = csv_file(
        good,
        "110105194912310021,,最低生活保障,800,,,,,",  # a wrong check character
        "11010519491231002X,,最低生活保障,800,,,,,",  # valid, but nobody of the register
        f"{a.id_number},张冠李戴,最低生活保障,800,,,,,",  # not the register's name
        f"{a.id_number},,没有的项目,800,,,,,",
        f"{a.id_number},,最低生活保障,八百,,,,,",
        f"{a.id_number},,最低生活保障,-3,,,,,",
        f"{a.id_number},,最低生活保障,800,每年,,,,",
        f"{a.id_number},,最低生活保障,800,,,3月1日,,",
        f"{a.id_number},,最低生活保障,800,,,2026-04-01,2026-04-30,",
        f"{a.id_number},,最低生活保障,800,,,2026-03-20,2026-03-10,",
        f"{a.id_number},,最低生活保障,,,,,,",
        "110105194912310021,,没有的项目,八百,,,,,",  # three problems on one line
        good,
    )
    ledger_import = import_(liaison, unit, upload)
    assert ledger_import.status == LedgerImport.Status.REFUSED
    assert not LedgerEntry.objects.exists()
    errors = rendered(ledger_import)
    assert [line for line, _message in errors] == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 14, 14]
    messages = dict(errors[:11])
    assert "not a valid ID number" in messages[3]
    assert messages[4] == "No household of the register has a member with this ID number."
    assert "张冠李戴" in messages[5]
    assert "not a programme of your group" in messages[6]
    assert "is not a number" in messages[7]
    assert "more than 0" in messages[8]
    assert "per month" in messages[9]
    assert "3月1日" in messages[10]
    assert "does not fall in the month 2026-03" in messages[11]
    assert messages[12] == "The period cannot end before it starts."
    assert messages[13] == "Give an amount, a service or both."
    assert ledger_import.error_count == 14


def test_the_problems_read_in_the_readers_language(liaison, unit, members, dibao):
    ledger_import = import_(liaison, unit, csv_file(f"{members[0].id_number},,没有的项目,1,,,,,"))
    ((line, english),) = rendered(ledger_import, "en")
    ((_line, chinese),) = rendered(ledger_import, "zh-hans")
    assert line == 2
    assert english == "“没有的项目” is not a programme of your group."
    assert chinese == "“没有的项目”不是本协调机制的救助项目。"


def test_a_file_without_the_required_columns(liaison, unit, dibao):
    ledger_import = import_(liaison, unit, csv_file("x,y", heading="姓名,金额"))
    ((line, message),) = rendered(ledger_import)
    assert line == 1 and "ID number and programme" in message and "姓名、金额" in message


def test_an_empty_file(liaison, unit):
    ledger_import = import_(liaison, unit, SimpleUploadedFile("empty.csv", b""))
    assert rendered(ledger_import) == [(0, "The file is empty.")]


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("ledger.xlsx", b"id,program\n"), "not an Excel (.xlsx) workbook"),
        (SimpleUploadedFile("ledger.csv", b"\x00\x01binary"), "not a text (CSV) file"),
        (SimpleUploadedFile("ledger.pdf", b"%PDF-1.4"), "Upload a .csv or .xlsx file."),
    ],
)
def test_a_malformed_file_is_refused_at_once_and_not_kept(liaison, unit, upload, message):
    with override("en"), pytest.raises(services.LedgerError) as refused:
        import_(liaison, unit, upload)
    assert message in refused.value.message and refused.value.field == "file"
    assert not LedgerImport.objects.exists()


def test_an_oversized_file_is_refused_at_once(settings, liaison, unit, members, dibao):
    settings.SNAPSHOT_MAX_BYTES = 100
    line = f"{members[0].id_number},,最低生活保障,800,,,,,"
    with override("en"), pytest.raises(services.LedgerError) as refused:
        import_(liaison, unit, csv_file(line, line, line))
    assert "at most 100" in refused.value.message
    assert not LedgerImport.objects.exists()


def test_a_damaged_workbook_is_refused_with_the_file_named(liaison, unit):
    upload = SimpleUploadedFile("ledger.xlsx", b"PK\x03\x04 not really a zip")
    ledger_import = import_(liaison, unit, upload, language="en")
    ((line, message),) = rendered(ledger_import)
    assert line == 0 and "cannot be read" in message


def test_a_month_not_begun_and_another_units_ledger_are_refused(
    liaison, other_liaison, unit, members, dibao
):
    line = f"{members[0].id_number},,最低生活保障,800,,,,,"
    with pytest.raises(services.LedgerError) as refused:
        import_(liaison, unit, csv_file(line), month=datetime.date(2999, 1, 1))
    assert refused.value.field == "month"
    with pytest.raises(services.LedgerError):
        import_(other_liaison, unit, csv_file(line))
    assert not LedgerImport.objects.exists()


def test_a_second_file_replaces_the_month_and_nothing_else(liaison, unit, members, dibao, medical):
    a, b = members[0], members[1]
    by_hand = enter(liaison, unit, a, medical, start=MARCH)
    first = import_(liaison, unit, csv_file(f"{a.id_number},,最低生活保障,800,,,,,"))
    april = import_(
        liaison,
        unit,
        csv_file(f"{a.id_number},,最低生活保障,800,,,,,"),
        month=datetime.date(2026, 4, 1),
    )
    replaced_ids = set(first.entries.values_list("pk", flat=True))
    second = import_(
        liaison,
        unit,
        csv_file(f"{b.id_number},,最低生活保障,900,,,,,", f"{a.id_number},,医疗救助,50,一次性,,,,"),
    )
    first.refresh_from_db()
    assert (first.status, second.status) == ("replaced", "imported")
    march = LedgerEntry.objects.filter(ledger_import__month=MARCH)
    assert sorted(march.values_list("member", "amount")) == sorted(
        [(b.pk, Decimal("900.00")), (a.pk, Decimal("50.00"))]
    )
    assert not LedgerEntry.objects.filter(pk__in=replaced_ids).exists()
    assert april.entries.count() == 1
    assert LedgerEntry.objects.filter(pk=by_hand.pk).exists()
    # The replaced entries' end is in their history, naming the uploader.
    gone = LedgerEntry.history.filter(id__in=replaced_ids, history_type="-")
    assert [row.history_user for row in gone] == [liaison]


def test_a_refused_file_leaves_the_month_as_it_was(liaison, unit, members, dibao):
    a = members[0]
    first = import_(liaison, unit, csv_file(f"{a.id_number},,最低生活保障,800,,,,,"))
    refused = import_(liaison, unit, csv_file(f"{a.id_number},,最低生活保障,坏,,,,,"))
    first.refresh_from_db()
    assert (first.status, refused.status) == ("imported", "refused")
    assert list(LedgerEntry.objects.values_list("ledger_import", flat=True)) == [first.pk]


def test_an_imported_entry_is_corrected_by_a_new_file(liaison, unit, members, dibao):
    import_(liaison, unit, csv_file(f"{members[0].id_number},,最低生活保障,800,,,,,"))
    entry = LedgerEntry.objects.get()
    with pytest.raises(services.LedgerError) as refused:
        services.entry_end(actor=liaison, entry=entry, period_to=MARCH, reason="更正")
    assert "importing its month's file again" in refused.value.message


def test_the_upload_is_checked_by_the_task_once(
    liaison, unit, members, dibao, django_capture_on_commit_callbacks
):
    upload = csv_file(f"{members[0].id_number},,最低生活保障,800,,,,,")
    with django_capture_on_commit_callbacks(execute=False):
        ledger_import = services.ledger_import_upload(
            actor=liaison, unit=unit, upload=upload, month=MARCH, language="zh-hans"
        )
    assert ledger_import.status == LedgerImport.Status.CHECKING
    message = OutboxMessage.objects.get(task="ledger.tasks.ledger_import_check_task")
    assert message.args == [ledger_import.pk]
    assert ledger_import_check_task(ledger_import.pk) == "imported"
    assert ledger_import_check_task(ledger_import.pk) == ""  # a second run changes nothing
    assert LedgerEntry.objects.count() == 1
    assert liaison.notifications.count() == 1
