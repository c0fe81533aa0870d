"""Invented data for the benchmark (and for tests that need many households), written in
bulk with PostgreSQL's COPY into an empty database."""

import collections
import datetime
import random

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone

from assistance.idnumbers import check_character
from members.models import LeadingGroup, MemberUnit
from verification.models import (
    AssistanceType,
    Authorization,
    Household,
    HouseholdMember,
    RegistryRecord,
    RegistrySnapshot,
    UnitConnector,
    VerificationItem,
)
from verification.sql import copy_rows

TOWNS = ["大峪街道", "城子街道", "东辛房街道", "永定镇", "龙泉镇"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "建国秀英小明丽华志强海燕红梅文军玉兰春生桂芳"
RELATIONS = ["applicant", "spouse", "child", "parent", "sibling", "grandparent"]


def generate(
    *,
    households: int,
    members: int = 3,
    departments: int = 14,
    record_share: float = 0.1,
    code: str = "bench",
    unit_prefix: str = "bench",
    seed: int = 2026,
):
    """Invented data for a benchmark or a test, written in bulk (COPY) into an empty
    database: a leading group with ``departments`` units (one or two items each, a snapshot
    connector and a current registry snapshot holding a record for ``record_share`` of the
    people), and ``households`` households of ``members`` people (the third a child, its
    authorisation signed by a guardian), every member authorised for a year. Key values are
    assigned here, so the database must hold no household yet. Returns (office, clerk)."""
    if Household.objects.exists():
        raise CommandError("generate() needs a database without households.")
    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    clerk = get_user_model().objects.create_user(username=f"{code}-clerk", password=None)
    office = LeadingGroup.objects.create(
        name=f"{code} 困难群众基本生活保障工作领导小组",
        code=code,
        kind=LeadingGroup.Kind.LEADING_GROUP,
        region="基准测试区",
    )
    items_of, snapshots = {}, {}
    for number in range(1, departments + 1):
        unit, items, snapshot = _department(office, clerk, number, code, unit_prefix, today, now)
        items_of[unit.pk], snapshots[unit.pk] = items, snapshot
    _copy_households(office, clerk, households, rng, now)
    people = _people(households, members)
    _copy_members(people, members)
    _copy_authorizations(people, clerk, code, today, now)
    _copy_records(items_of, snapshots, people, rng, record_share)
    _settle()
    return office, clerk


def person_id_number(index: int, *, child: bool) -> str:
    """A valid, invented and unique ID number for person ``index`` (GB 11643 check
    character included): a thousand people per birth day, adults born 1960–1979, children
    2014–2019."""
    day, sequence = divmod(index, 1000)
    if child:
        born = datetime.date(2014, 1, 1) + datetime.timedelta(days=day % 2000)
        region = 110101 + day // 2000
    else:
        born = datetime.date(1960, 1, 1) + datetime.timedelta(days=day % 7000)
        region = 110101 + day // 7000
    first17 = f"{region:06d}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def _department(office, clerk, number: int, code: str, unit_prefix: str, today, now):
    """Unit ``number`` with its one or two items, a snapshot connector and a current
    registry snapshot (its records are copied later). Returns (unit, items, snapshot)."""
    unit = MemberUnit.objects.create(
        group=office,
        name=f"{code} 部门{number:02d}",
        code=f"{unit_prefix}-{number:02d}",
        kind=MemberUnit.Kind.GOVERNMENT,
        order=number,
    )
    count = 2 if number % 3 == 1 else 1
    items = [
        VerificationItem.objects.create(
            code=f"{unit.code}-item{i}",
            name=f"事项{number:02d}-{i}",
            unit=unit,
            has_amount=i == 2,
            order=i,
        )
        for i in range(1, count + 1)
    ]
    UnitConnector.objects.create(unit=unit, kind=UnitConnector.Kind.SNAPSHOT)
    snapshot = RegistrySnapshot.objects.create(
        unit=unit,
        taken_on=today,
        file=f"snapshots/{unit.pk}/{code}.csv",
        is_current=True,
        status=RegistrySnapshot.Status.IMPORTED,
        checked_at=now,
        uploaded_by=clerk,
    )
    return unit, items, snapshot


def _copy_households(office, clerk, households: int, rng: random.Random, now):
    fields = [
        "id",
        "office",
        "address",
        "town",
        "assistance_type",
        "irregular_income",
        "created_by",
        "created_at",
    ]
    rows = (
        (
            h,
            office.pk,
            f"幸福路{h}号",
            TOWNS[h % len(TOWNS)],
            AssistanceType.DIBAO,
            rng.random() < 0.1,
            clerk.pk,
            now,
        )
        for h in range(1, households + 1)
    )
    copy_rows(Household, fields, rows)


def _people(households: int, members: int) -> list[tuple[int, int, str, bool]]:
    """Everyone: (member key, household key, ID number, child); the third of a household
    is a child."""
    people = []
    for h in range(1, households + 1):
        for m in range(members):
            index = len(people)
            child = m == 2
            people.append((index + 1, h, person_id_number(index, child=child), child))
    return people


def _copy_members(people, members: int):
    fields = ["id", "household", "name", "relation", "id_number", "has_capacity"]
    rows = (
        (
            pk,
            h,
            SURNAMES[pk % len(SURNAMES)] + GIVEN[pk % len(GIVEN)] + GIVEN[(pk // 7) % 16],
            RELATIONS[min((pk - 1) % members, len(RELATIONS) - 1)],
            id_number,
            True,
        )
        for pk, h, id_number, _child in people
    )
    copy_rows(HouseholdMember, fields, rows)


def _copy_authorizations(people, clerk, code: str, today, now):
    """Every member authorised for a year, signed a month ago (a child's by a guardian)."""
    signed = today - datetime.timedelta(days=30)
    fields = [
        "member",
        "signed_on",
        "signer",
        "guardian_name",
        "valid_until",
        "scan",
        "recorded_by",
        "recorded_at",
    ]
    rows = (
        (
            pk,
            signed,
            "guardian" if child else "self",
            "监护人" if child else "",
            signed + datetime.timedelta(days=365),
            f"authorizations/{code}/{pk}.pdf",
            clerk.pk,
            now,
        )
        for pk, _h, _n, child in people
    )
    copy_rows(Authorization, fields, rows)


def _copy_records(items_of, snapshots, people, rng: random.Random, record_share: float):
    """Each department's snapshot holds a record for ``record_share`` of the people, on one
    of its items (with an amount where the item has one)."""
    records = []
    for unit_id, items in items_of.items():
        for _pk, _h, id_number, _child in people:
            if rng.random() < record_share:
                item = items[rng.randrange(len(items))]
                amount = f"{rng.randrange(1000, 500000) / 100:.2f}" if item.has_amount else None
                records.append((snapshots[unit_id].pk, id_number, item.pk, "登记记录 1 条", amount))
    rows = collections.Counter(record[0] for record in records)
    for snapshot in snapshots.values():
        snapshot.row_count = rows[snapshot.pk]
        snapshot.save(update_fields=["row_count"])
    copy_rows(RegistryRecord, ["snapshot", "id_number", "item", "details", "amount"], records)


def _settle():
    """Reset the key sequences past the copied rows, and settle the new rows."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Household, HouseholdMember]):
            cursor.execute(sql)
        # Settle the new rows (visibility map, statistics) as a register's long-standing
        # rows are, so autovacuum does not catch up on them during the measurement.
        cursor.execute("VACUUM ANALYZE")
