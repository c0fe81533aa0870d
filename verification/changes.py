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

Everything is set-based: four queries whatever the number of households (the requests
with their previous one, the members of both sides, the records found now with what was
found last time, the records found last time that are gone now). Only records found on
either side travel from the database, and the result carries masked ID numbers only.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models import Min, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from assistance.idnumbers import mask_id_number

from .models import DepartmentCheck, Finding, VerificationBatch, VerificationRequest

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


@dataclass(frozen=True)
class Change:
    kind: str
    item_name: str
    details: str = ""
    amount: Decimal | None = None
    previous_amount: Decimal | None = None

    @property
    def kind_label(self) -> str:
        return ChangeKind(self.kind).label


@dataclass
class MemberChanges:
    name: str
    masked_id: str
    status: str = MemberStatus.SAME
    changes: list[Change] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return MemberStatus(self.status).label


@dataclass
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


def _same_finding(request_ref: str):
    """The finding on the same member and item in the request whose key the outer query
    holds at ``request_ref`` (a request of the same household).

    Matching the member row is matching the ID number: both requests are of one
    household, whose members are rows unique by ID number, and a finding names the row.
    Integer keys keep the lookup on the findings' indexes (member, check)."""
    return Finding.objects.filter(
        department_check__request=OuterRef(request_ref),
        member=OuterRef("member"),
        item=OuterRef("item"),
    ).order_by()  # at most one row: no join for the default ordering


def _compare(requests: QuerySet[VerificationRequest]) -> list[HouseholdChanges]:
    current = requests.filter(status=COMPLETED).annotate(
        previous_id=Subquery(_previous().values("pk")[:1])
    )
    rows = list(
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
    if not rows:
        return []
    result = {
        pk: HouseholdChanges(pk, household_id, town, address, previous_id, previous_at)
        for pk, household_id, town, address, previous_id, previous_at in rows
    }
    compared = {pk: hc.previous_request_id for pk, hc in result.items() if hc.previous_request_id}
    if not compared:
        return list(result.values())
    now_keys = current.filter(previous_id__isnull=False).values("pk")
    before_keys = current.values("previous_id")

    # Members of both sides, read from one answered check of each request (an answered
    # check holds a finding on every member of the household for each of its items).
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

    entries: dict[tuple[int, str], tuple[int, MemberChanges]] = {}

    def entry(request_id: int, id_number: str, member_id: int, name: str) -> MemberChanges:
        key = (request_id, id_number)
        if key not in entries:
            entries[key] = (member_id, MemberChanges(name, mask_id_number(id_number)))
        return entries[key][1]

    for pk, previous_id in compared.items():
        now, before = people.get(pk, {}), people.get(previous_id, {})
        for id_number in now.keys() - before.keys():
            entry(pk, id_number, *now[id_number]).status = MemberStatus.ADDED
        for id_number in before.keys() - now.keys():
            entry(pk, id_number, *before[id_number]).status = MemberStatus.REMOVED

    # Records found now, with what the same member's same item showed last time.
    found_now = (
        Finding.objects.filter(department_check__request__in=now_keys, result=FOUND)
        .annotate(previous_id=Subquery(_previous("department_check__request__").values("pk")[:1]))
        .annotate(
            before=Subquery(_same_finding("previous_id").values("result")[:1]),
            before_amount=Subquery(_same_finding("previous_id").values("amount")[:1]),
        )
        .order_by()
        .values_list(
            "department_check__request_id",
            "member_id",
            "member__id_number",
            "member__name",
            "item__order",
            "item__name",
            "details",
            "amount",
            "before",
            "before_amount",
        )
    )
    changes: list[tuple[int, int, str, str, int, Change]] = []
    for row in found_now:
        request_id, member_id, id_number, name, order, item, details, amount = row[:8]
        before, before_amount = row[8:]
        if before == FOUND:
            if amount is None or before_amount is None or amount == before_amount:
                continue
            kind = ChangeKind.CHANGED
        else:
            kind = ChangeKind.NEW if before == NO_RECORD else ChangeKind.UNCHECKED
        changes.append(
            (
                request_id,
                member_id,
                id_number,
                name,
                order,
                Change(kind, item, details, amount, before_amount),
            )
        )

    # Records found last time that are "no record" now.
    # The request of the set that follows it: one per household (a batch holds each
    # household once; a single request is alone).
    next_request = requests.filter(
        status=COMPLETED,
        household=OuterRef("department_check__request__household"),
        submitted_at__gt=OuterRef("department_check__request__submitted_at"),
    )
    ended = (
        Finding.objects.filter(department_check__request__in=before_keys, result=FOUND)
        .annotate(next_id=Subquery(next_request.values("pk")[:1]))
        .annotate(now=Subquery(_same_finding("next_id").values("result")[:1]))
        .filter(now=NO_RECORD)
        .order_by()
        .values_list(
            "next_id",
            "member_id",
            "member__id_number",
            "member__name",
            "item__order",
            "item__name",
            "details",
            "amount",
        )
    )
    for request_id, member_id, id_number, name, order, item, details, amount in ended:
        changes.append(
            (
                request_id,
                member_id,
                id_number,
                name,
                order,
                Change(ChangeKind.ENDED, item, details, None, amount),
            )
        )

    changes.sort(key=lambda c: (c[4], c[5].item_name, c[5].kind))
    for request_id, member_id, id_number, name, _order, change in changes:
        entry(request_id, id_number, member_id, name).changes.append(change)
    for (request_id, _id_number), (_member_id, member) in sorted(
        entries.items(), key=lambda e: (e[1][0], e[1][1].masked_id)
    ):
        result[request_id].members.append(member)
    return list(result.values())


def household_changes(request: VerificationRequest) -> HouseholdChanges | None:
    """The changes found by one completed request since the household's previous
    verification (``previous_request_id`` is None when there was none), or None while
    the request is not completed."""
    found = _compare(VerificationRequest.objects.filter(pk=request.pk))
    return found[0] if found else None


def batch_changes(batch: VerificationBatch) -> list[HouseholdChanges]:
    """The changes of every household of the batch whose request is completed, ordered by
    town and address; households without changes are included (``has_changes`` False)."""
    return _compare(VerificationRequest.objects.filter(batch=batch))
