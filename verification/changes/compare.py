"""What changed since each household's previous verification: a read-only selector.

For a completed request, the previous verification is the household's latest completed
request filed before it. Members are matched by ID number and findings by member and
item:

* a record found now that was "no record" last time is **new** (a car bought, a business
  registered, a pension started);
* a record found now for an item not checked last time (or a member not there last
  time) is **found, not checked last time**;
* a record found last time that is "no record" now has **ended** (a flat sold);
* a record found both times with a different amount has its **amount changed**;
* members added since, or no longer in the household, are noted.

Everything is set-based: three queries whatever the number of households (the requests
with their previous one, the members of both sides, and the findings that differ between
the two sides, found by joining them). Only differing records travel from the database,
and the result carries masked ID numbers only.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, models
from django.db.models import Min, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from assistance.idnumbers import mask_id_number

from ..models import (
    DepartmentCheck,
    Finding,
    HouseholdMember,
    VerificationBatch,
    VerificationItem,
    VerificationRequest,
)
from ..sql import column, table

COMPLETED = VerificationRequest.Status.COMPLETED
FOUND = Finding.Result.RECORD_FOUND
NO_RECORD = Finding.Result.NO_RECORD
ANSWERED = DepartmentCheck.Status.ANSWERED


class ChangeKind(models.TextChoices):
    NEW = "new", _("New record")
    UNCHECKED = "unchecked", _("Record found, not checked last time")
    ENDED = "ended", _("Record ended")
    CHANGED = "changed", _("Amount changed")


class MemberStatus(models.TextChoices):
    SAME = "", _("In the household both times")
    ADDED = "added", _("Member added since")
    REMOVED = "removed", _("No longer a member")


@dataclass(frozen=True, slots=True)
class Change:
    kind: str
    item_name: str
    details: str = ""
    amount: Decimal | None = None
    previous_amount: Decimal | None = None

    @property
    def kind_label(self) -> str:
        return ChangeKind(self.kind).label


@dataclass(slots=True)
class MemberChanges:
    name: str
    masked_id: str
    status: str = MemberStatus.SAME.value
    changes: list[Change] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return MemberStatus(self.status).label


@dataclass(slots=True)
class HouseholdChanges:
    request_id: int
    household_id: int
    town: str
    address: str
    previous_request_id: int | None
    previous_completed_at: datetime.datetime | None
    members: list[MemberChanges] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.members)

    @property
    def change_count(self) -> int:
        return sum(len(m.changes) + (m.status != MemberStatus.SAME) for m in self.members)


def _previous(ref: str = ""):
    """The household's completed requests filed before the request at ``ref`` (a lookup
    prefix to the outer query's request), latest completion first."""
    return VerificationRequest.objects.filter(
        household=OuterRef(f"{ref}household"),
        status=COMPLETED,
        submitted_at__lt=OuterRef(f"{ref}submitted_at"),
    ).order_by("-completed_at", "-pk")


def compare_requests(requests: QuerySet[VerificationRequest]) -> list[HouseholdChanges]:
    """Each completed request of ``requests`` compared with its previous verification, in
    town and address order; all of them are held in memory, so callers pass a bounded
    set (one request, a chunk of a batch)."""
    current = requests.filter(status=COMPLETED).annotate(
        previous_id=Subquery(_previous().values("pk")[:1])
    )
    result = _households(current)
    compared = {pk: hc.previous_request_id for pk, hc in result.items() if hc.previous_request_id}
    if not compared:
        return list(result.values())
    entries = _Entries()
    people = _people(current)
    for pk, previous_id in compared.items():
        now, before = people.get(pk, {}), people.get(previous_id, {})
        for id_number in now.keys() - before.keys():
            entries.get(pk, id_number, *now[id_number]).status = MemberStatus.ADDED.value
        for id_number in before.keys() - now.keys():
            entries.get(pk, id_number, *before[id_number]).status = MemberStatus.REMOVED.value
    for request_id, member_id, id_number, name, change in _changes(current):
        entries.get(request_id, id_number, member_id, name).changes.append(change)
    for request_id, member in entries.in_order():
        result[request_id].members.append(member)
    return list(result.values())


def _households(current: QuerySet[VerificationRequest]) -> dict[int, HouseholdChanges]:
    """Each completed request of ``current`` (annotated with its ``previous_id``) with its
    household and its previous verification, by key, in town and address order."""
    rows = (
        current.annotate(previous_completed_at=Subquery(_previous().values("completed_at")[:1]))
        .order_by("household__town", "household__address", "household_id", "pk")
        .values_list(
            "pk",
            "household_id",
            "household__town",
            "household__address",
            "previous_id",
            "previous_completed_at",
        )
    )
    return {
        pk: HouseholdChanges(pk, household_id, town, address, previous_id, previous_at)
        for pk, household_id, town, address, previous_id, previous_at in rows
    }


def _people(current: QuerySet[VerificationRequest]) -> dict[int, dict[str, tuple[int, str]]]:
    """The members of both sides (the requests and their previous ones), by request and
    ID number: (member key, name). Read from one answered check of each request (an
    answered check holds a finding on every member of the household for each of its
    items)."""
    now_keys = current.filter(previous_id__isnull=False).values("pk")
    before_keys = current.values("previous_id")
    first_checks = (
        DepartmentCheck.objects.filter(
            Q(request__in=now_keys) | Q(request__in=before_keys), status=ANSWERED
        )
        .order_by()
        .values("request")
        .annotate(first=Min("pk"))
        .values("first")
    )
    people: dict[int, dict[str, tuple[int, str]]] = {}
    for request_id, member_id, id_number, name in (
        Finding.objects.filter(department_check__in=first_checks)
        .order_by()
        .values_list(
            "department_check__request_id", "member_id", "member__id_number", "member__name"
        )
        .distinct()
    ):
        people.setdefault(request_id, {})[id_number] = (member_id, name)
    return people


def _changes(current: QuerySet[VerificationRequest]) -> list[tuple[int, int, str, str, Change]]:
    """The changes of each request since its previous one, as (request, member, ID number,
    name, change), in item order."""
    changes: list[tuple[int, int, str, str, int, Change]] = []
    pairs = current.filter(previous_id__isnull=False).order_by().values_list("pk", "previous_id")
    for row in _differences(pairs):
        request_id, member_id, id_number, name, order, item = row[:6]
        details, amount, other_result, other_amount, ended = row[6:]
        if ended:
            change = Change(ChangeKind.ENDED.value, item, details, None, amount)
        elif other_result == FOUND:
            change = Change(ChangeKind.CHANGED.value, item, details, amount, other_amount)
        else:
            kind = (ChangeKind.NEW if other_result == NO_RECORD else ChangeKind.UNCHECKED).value
            change = Change(kind, item, details, amount, other_amount)
        changes.append((request_id, member_id, id_number, name, order, change))
    changes.sort(key=lambda c: (c[4], c[5].item_name, c[5].kind))
    return [(r, m, id_number, name, change) for r, m, id_number, name, _o, change in changes]


class _Entries:
    """The members with something to show, by request and ID number, each kept with its
    member key (the order they are shown in)."""

    def __init__(self):
        self._entries: dict[tuple[int, str], tuple[int, MemberChanges]] = {}

    def get(self, request_id: int, id_number: str, member_id: int, name: str) -> MemberChanges:
        key = (request_id, id_number)
        if key not in self._entries:
            self._entries[key] = (member_id, MemberChanges(name, mask_id_number(id_number)))
        return self._entries[key][1]

    def in_order(self) -> list[tuple[int, MemberChanges]]:
        """(request, member) pairs, by member key then masked ID number."""
        ordered = sorted(self._entries.items(), key=lambda e: (e[1][0], e[1][1].masked_id))
        return [(request_id, member) for (request_id, _id), (_key, member) in ordered]


def _differences(pairs: QuerySet) -> list[tuple]:
    """The findings that differ between each request and its previous one, ``pairs``
    being (request, previous request) rows: records found now that were not found last
    time or whose amount changed, and records found last time that are "no record" now.

    One statement of hash joins: the findings of both sides are joined on request pair,
    member and item (a member row is one ID number in one household), so the database
    reads each finding once instead of looking up the other side per finding. Each row:
    request, member, ID number, name, item order, item name, details, amount, the other
    side's result and amount, and whether the record ended (1) or is found now (0)."""
    pairs_sql, pairs_params = pairs.query.sql_with_params()
    finding, check = table(Finding), table(DepartmentCheck)
    f_check, f_member, f_item, f_result, f_details, f_amount = (
        column(Finding, name)
        for name in ("department_check", "member", "item", "result", "details", "amount")
    )
    c_request = column(DepartmentCheck, "request")
    member, item = table(HouseholdMember), table(VerificationItem)

    def side(request_key: str) -> str:
        return (
            f"SELECT p.now_id, f.{f_member} AS member_id, f.{f_item} AS item_id, "
            f"f.{f_result} AS result, f.{f_details} AS details, f.{f_amount} AS amount "
            f"FROM {finding} f JOIN {check} c ON c.id = f.{f_check} "
            f"JOIN pairs p ON c.{c_request} = p.{request_key}"
        )

    same = "o.now_id = x.now_id AND o.member_id = x.member_id AND o.item_id = x.item_id"
    sql = (
        f"WITH pairs (now_id, before_id) AS ({pairs_sql}), "
        f"now_f AS ({side('now_id')}), before_f AS ({side('before_id')}), "
        "differences AS ("
        # Found now: new, not checked last time, or with another amount.
        "SELECT x.now_id, x.member_id, x.item_id, x.details, x.amount, "
        "o.result AS other_result, o.amount AS other_amount, 0 AS ended "
        f"FROM now_f x LEFT JOIN before_f o ON {same} "
        "WHERE x.result = %s AND (o.result IS NULL OR o.result <> %s "
        "OR (x.amount IS NOT NULL AND o.amount IS NOT NULL AND x.amount <> o.amount)) "
        "UNION ALL "
        # Found last time, "no record" now: ended.
        "SELECT x.now_id, x.member_id, x.item_id, x.details, x.amount, "
        "o.result, o.amount, 1 "
        f"FROM before_f x JOIN now_f o ON {same} "
        "WHERE x.result = %s AND o.result = %s) "
        f"SELECT d.now_id, d.member_id, m.{column(HouseholdMember, 'id_number')}, "
        f"m.{column(HouseholdMember, 'name')}, i.{column(VerificationItem, 'order')}, "
        f"i.{column(VerificationItem, 'name')}, d.details, d.amount, d.other_result, "
        "d.other_amount, d.ended "
        f"FROM differences d JOIN {member} m ON m.id = d.member_id "
        f"JOIN {item} i ON i.id = d.item_id"
    )
    params = [*pairs_params, FOUND.value, FOUND.value, FOUND.value, NO_RECORD.value]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def household_changes(request: VerificationRequest) -> HouseholdChanges | None:
    """The changes found by one completed request since the household's previous
    verification (``previous_request_id`` is None when there was none), or None while
    the request is not completed."""
    found = compare_requests(VerificationRequest.objects.filter(pk=request.pk))
    return found[0] if found else None


def batch_changes(batch: VerificationBatch) -> list[HouseholdChanges]:
    """The changes of every household of the batch whose request is completed, ordered by
    town and address; households without changes are included (``has_changes`` False).
    Computed in one go and held in memory: for one request or a small set. The batch's
    page reads the comparison kept in the database (``verification.changes.stored``)."""
    return compare_requests(VerificationRequest.objects.filter(batch=batch))
