"""Invented data for the monitoring's benchmark, written with COPY into an empty database:
the verification benchmark's households (three members each, ``generate``), a records
department whose items mean each fact the rules read, its current registry extract and an
older one, one completed verification request per household with its checks and the
findings (to the number asked), the ledger's entries, the local standard, one warning rule
of each kind and every score indicator."""

import datetime
import random
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone

from benchmarks.verification.data import generate
from ledger.models import LedgerEntry, LocalStandard
from members.models import AssistanceProgram, MemberUnit
from monitoring.models import IndicatorKind, RuleKind, ScoreIndicator, WarningRule
from verification.models import (
    DepartmentCheck,
    Finding,
    HouseholdMember,
    ItemMeaning,
    RegistryRecord,
    RegistrySnapshot,
    VerificationItem,
    VerificationRequest,
)
from verification.sql import copy_rows, table

MEMBERS = 3
# Of every person, the share with a current record of each meaning in the extract.
RECORD_SHARE = {
    ItemMeaning.DISABILITY: 0.04,
    ItemMeaning.ILLNESS: 0.04,
    ItemMeaning.UNEMPLOYED: 0.05,
    ItemMeaning.HOSPITAL: 0.03,
    ItemMeaning.DEATH: 0.01,
    ItemMeaning.SCHOOL: 0.03,
    ItemMeaning.HOUSING: 0.03,
}
# The items the verification asks about, per member: (meaning, share found, an amount).
CHECKED = [
    (ItemMeaning.INCOME, 0.7, True),
    (ItemMeaning.UNEMPLOYED, 0.08, False),
    (ItemMeaning.DISABILITY, 0.03, False),
    (ItemMeaning.ILLNESS, 0.03, False),
    (ItemMeaning.SCHOOL, 0.03, False),
]
RULES = [
    (RuleKind.DISABILITY_NEW, 2, {}),
    (RuleKind.UNEMPLOYED, 3, {}),
    (RuleKind.HOSPITAL_COSTS, 1, {"min_amount": Decimal("20000")}),
    (RuleKind.DEATH, 1, {}),
    (RuleKind.INCOME_UNDER_STANDARD, 2, {}),
    (RuleKind.SCHOOL_START, 3, {}),
    (RuleKind.ELDERLY_ALONE, 3, {"min_age": 60}),
]


def fill(*, households: int, findings: int, ledger: int, seed: int = 2026):
    """Returns (office, clerk) with the data in place."""
    office, clerk = generate(
        households=households, members=MEMBERS, departments=1, record_share=0.0, code="mon"
    )
    rng = random.Random(seed)
    now, today = timezone.now(), timezone.localdate()
    unit = MemberUnit.objects.create(
        group=office, name="mon 数据部门", code="mon-facts", kind="government", order=9
    )
    items = {
        meaning: VerificationItem.objects.create(
            code=f"mon-{meaning}",
            name=str(meaning),
            unit=unit,
            meaning=meaning,
            has_amount=meaning in (ItemMeaning.HOSPITAL, ItemMeaning.INCOME),
        )
        for meaning in [*RECORD_SHARE, ItemMeaning.INCOME]
    }
    people = list(HouseholdMember.objects.order_by("pk").values_list("pk", "id_number"))
    _records(unit, clerk, items, people, rng, today, now)
    _verifications(unit, clerk, items, households, people, findings, rng, now)
    _ledger(office, unit, clerk, people, ledger, rng, today, now)
    _configure(office)
    with connection.cursor() as cursor:
        models = [VerificationRequest, DepartmentCheck, Finding, LedgerEntry, RegistryRecord]
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
        # Its own tables only: a database-wide VACUUM also takes the shared catalogs,
        # and waits there for any other database's.
        tables = [*models, HouseholdMember, DepartmentCheck.items.through]
        tables.append(VerificationRequest.members.through)
        cursor.execute(f"VACUUM ANALYZE {', '.join(table(model) for model in tables)}")
    return office, clerk


def _records(unit, clerk, items, people, rng, today, now) -> None:
    """This month's extract, and one taken 200 days ago holding half of its records (those
    people's facts are not new)."""
    snapshots = {}
    for key, (taken, current) in {"old": (200, False), "new": (0, True)}.items():
        snapshots[key] = RegistrySnapshot.objects.create(
            unit=unit,
            taken_on=today - datetime.timedelta(days=taken),
            file=f"snapshots/mon-{key}.csv",
            is_current=current,
            status=RegistrySnapshot.Status.IMPORTED,
            checked_at=now,
            uploaded_by=clerk,
        )
    rows = []
    for _pk, id_number in people:
        for meaning, share in RECORD_SHARE.items():
            if rng.random() >= share:
                continue
            amount = (
                f"{rng.randrange(5_000, 60_000)}.00" if meaning == ItemMeaning.HOSPITAL else None
            )
            item = items[meaning].pk
            rows.append((snapshots["new"].pk, id_number, item, "登记记录", amount))
            if rng.random() < 0.5:
                rows.append((snapshots["old"].pk, id_number, item, "登记记录", amount))
    copy_rows(RegistryRecord, ["snapshot", "id_number", "item", "details", "amount"], rows)


def _verifications(unit, clerk, items, households, people, findings, rng, now) -> None:
    """One completed request per household (its check by the records department), and
    ``findings`` findings over them in order: income (an amount a year, for 70% of the
    people) and registered unemployment (8%)."""
    requests, checks = [], []
    for h in range(1, households + 1):
        done = now - datetime.timedelta(days=rng.randint(1, 300))
        requests.append((h, h, "recheck", "completed", clerk.pk, done, done))
        checks.append(
            (h, h, unit.pk, "answered", done.date(), False, done, done, clerk.pk, done, "", "", "",
             False)
        )  # fmt: skip
    copy_rows(
        VerificationRequest,
        ["id", "household", "assistance_type", "status", "requested_by", "submitted_at",
         "completed_at"],
        requests,
    )  # fmt: skip
    copy_rows(
        DepartmentCheck,
        ["id", "request", "unit", "status", "deadline", "deadline_provisional", "delivered_at",
         "answered_at", "answered_by", "updated_at", "fallback_reason", "question", "reply",
         "overdue"],
        checks,
    )  # fmt: skip
    covered = VerificationRequest.members.through
    copy_rows(
        covered,
        [covered._meta.get_field("verificationrequest").name, "householdmember"],
        ((1 + (pk - 1) // MEMBERS, pk) for pk, _id in people),
    )
    copy_rows(
        Finding,
        ["department_check", "member", "item", "result", "details", "amount"],
        _findings(items, people, findings, rng),
    )


def _findings(items, people, count, rng):
    """The first ``count`` findings of every member × item checked, in order."""
    made = 0
    for pk, _id_number in people:
        for meaning, share, has_amount in CHECKED:
            if made >= count:
                return
            found = rng.random() < share
            amount = f"{rng.randrange(0, 40_000)}.00" if found and has_amount else None
            check = 1 + (pk - 1) // MEMBERS
            result = "record_found" if found else "no_record"
            yield (check, pk, items[meaning].pk, result, "记录" if found else "", amount)
            made += 1


def _ledger(office, unit, clerk, people, count, rng, today, now) -> None:
    programs = [
        AssistanceProgram.objects.create(
            group=office, name=name, content="基准测试", lead_unit=unit, order=order
        )
        for order, name in enumerate(["最低生活保障", "临时救助", "医疗救助"])
    ]
    rows = []
    for n in range(count):
        pk, _id = people[rng.randrange(len(people))]
        start = today - datetime.timedelta(days=rng.randint(0, 900))
        end = None if rng.random() < 0.6 else start + datetime.timedelta(days=rng.randint(0, 300))
        rows.append(
            (unit.pk, 1 + (pk - 1) // MEMBERS, pk, programs[n % 3].pk, Decimal("800.00"),
             "month", "", start, end, "", "import", "", clerk.pk, now)
        )  # fmt: skip
    copy_rows(
        LedgerEntry,
        ["unit", "household", "member", "program", "amount", "amount_per", "service",
         "period_from", "period_to", "document_number", "source", "end_reason", "created_by",
         "created_at"],
        rows,
    )  # fmt: skip


def _configure(office) -> None:
    LocalStandard.objects.create(
        office=office,
        valid_from=datetime.date(2020, 1, 1),
        income_per_head_month=Decimal("800"),
        property_per_head=Decimal("50000"),
    )
    for kind, grade, parameters in RULES:
        WarningRule.objects.create(
            office=office,
            name=str(kind),
            kind=kind,
            grade=grade,
            reason_template="{name} {details}",
            **parameters,
        )
    for kind in IndicatorKind:
        ScoreIndicator.objects.create(office=office, kind=kind, weight=Decimal("10"))
