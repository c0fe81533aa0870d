"""The benchmark's invented data, written with COPY: households of three members (every
member authorised), one department with two items (one with an amount), and one request
per household whose only check is that department's, delivered and waiting for its
answer. Each phase of the benchmark answers its own share of the checks."""

import datetime
from dataclasses import dataclass

from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone

from benchmarks.verification.data import generate
from members.models import MemberUnit
from verification.models import (
    DepartmentCheck,
    UnitConnector,
    VerificationItem,
    VerificationRequest,
)
from verification.sql import copy_rows

MEMBERS = 3


@dataclass(frozen=True)
class Data:
    unit: MemberUnit
    items: list[tuple[int, str]]  # (key, code) of the department's items
    checks: int  # check k belongs to request k, household k, members 3k-2 … 3k


def fill(*, checks: int, unit_prefix: str) -> Data:
    """``checks`` delivered checks of one department (see the module's docstring)."""
    office, clerk = generate(
        households=checks,
        members=MEMBERS,
        departments=1,
        record_share=0.0,
        code="apibench",
        unit_prefix=unit_prefix,
    )
    unit = MemberUnit.objects.get(group=office)
    # The department answers through its system, not from a snapshot.
    UnitConnector.objects.filter(unit=unit).delete()
    items = list(
        VerificationItem.objects.filter(unit=unit).order_by("pk").values_list("pk", "code")
    )
    now = timezone.now()
    deadline = (now + datetime.timedelta(days=7)).date()
    requests = ((k, k, "recheck", "submitted", clerk.pk, now) for k in range(1, checks + 1))
    copy_rows(
        VerificationRequest,
        ["id", "household", "assistance_type", "status", "requested_by", "submitted_at"],
        requests,
    )
    covered = VerificationRequest.members.through
    copy_rows(
        covered,
        ["verificationrequest", "householdmember"],
        ((k, MEMBERS * (k - 1) + m) for k in range(1, checks + 1) for m in range(1, MEMBERS + 1)),
    )
    blank = ("", "", "")  # fallback reason, question, reply
    copy_rows(
        DepartmentCheck,
        ["id", "request", "unit", "status", "deadline", "deadline_provisional", "delivered_at"]
        + ["fallback_reason", "question", "reply", "overdue"],
        (
            (k, k, unit.pk, "delivered", deadline, False, now, *blank, False)
            for k in range(1, checks + 1)
        ),
    )
    copy_rows(
        DepartmentCheck.items.through,
        ["departmentcheck", "verificationitem"],
        ((k, item) for k in range(1, checks + 1) for item, _code in items),
    )
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(
            no_style(),
            [VerificationRequest, DepartmentCheck, covered, DepartmentCheck.items.through],
        ):
            cursor.execute(sql)
        cursor.execute("VACUUM ANALYZE")
    return Data(unit=unit, items=items, checks=checks)


def answers(data: Data, check: int) -> list[dict]:
    """The department's findings on check ``check``: one per member and item, a record
    with its amount for one member in ten on the item that has one."""
    rows = []
    for m in range(1, MEMBERS + 1):
        member = MEMBERS * (check - 1) + m
        for index, (_key, code) in enumerate(data.items):
            found = index == 1 and member % 10 == 0
            rows.append(
                {
                    "member": member,
                    "item": code,
                    "result": "record_found" if found else "no_record",
                    "details": "登记车辆 1 辆" if found else "",
                    "amount": 85000.5 if found else None,
                }
            )
    return rows
