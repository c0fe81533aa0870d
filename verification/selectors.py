"""Reads of verification that views, other apps and the home pages share: each one query
(or a subquery to annotate with), so a list page's query count stays fixed.

Who may read what is the gateway's (``permissions``): a view takes its object there and
asks these for the rest. The lists take a queryset's ``rows`` function apart from its
filter: a page is cut from the plain filtered queryset, and only its rows are annotated.
"""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import LeadingGroup, MemberUnit

from .models import (
    Authorization,
    BatchTask,
    DepartmentCheck,
    Finding,
    Household,
    HouseholdMember,
    RegistrySnapshot,
    UnitConnector,
    VerificationBatch,
    VerificationItem,
    VerificationRequest,
)
from .permissions import checks_for_liaison

OPEN = Q(checks__status__in=DepartmentCheck.OPEN)


def office_summary() -> dict:
    """What the office has under way: requests in progress, checks returned with a
    question, and overdue checks."""
    checks = DepartmentCheck.objects.filter(status__in=DepartmentCheck.OPEN).aggregate(
        returned=Count("pk", filter=Q(status=DepartmentCheck.Status.RETURNED)),
        overdue=Count("pk", filter=Q(overdue=True) | Q(deadline__lt=timezone.localdate())),
    )
    under_way = VerificationRequest.objects.filter(
        status=VerificationRequest.Status.SUBMITTED
    ).count()
    return {"under_way": under_way, **checks}


def due_for_recheck(households: QuerySet[Household], today: datetime.date) -> QuerySet[Household]:
    """The re-check rule: ``households`` whose last completed verification is older than
    a year (six months with irregular income), or that were never verified."""
    return households.annotate(
        last_verified=Max(
            "requests__completed_at",
            filter=Q(requests__status=VerificationRequest.Status.COMPLETED),
        )
    ).filter(
        Q(last_verified__isnull=True)
        | Q(irregular_income=True, last_verified__date__lte=today - datetime.timedelta(days=182))
        | Q(irregular_income=False, last_verified__date__lte=today - datetime.timedelta(days=365))
    )


def not_under_way(households: QuerySet[Household]) -> QuerySet[Household]:
    """``households`` without a verification request under way."""
    under_way = VerificationRequest.objects.filter(
        household=OuterRef("pk"), status=VerificationRequest.Status.SUBMITTED
    )
    return households.exclude(Exists(under_way))


def households_due_count(today: datetime.date | None = None) -> int:
    """How many households of every office are due for their re-check and not under
    verification (what a batch would take): one query."""
    today = today or timezone.localdate()
    return due_for_recheck(not_under_way(Household.objects.all()), today).count()


# A liaison is reminded of the next registry extract this many days before it is due.
SNAPSHOT_DUE_WARNING_DAYS = 7


def snapshot_due(unit: MemberUnit | None, today: datetime.date | None = None) -> dict | None:
    """For a department answering from registry extracts: the date of its current extract,
    when the next one is due (the extract grows too old), and whether it is due now (or
    within a week). None for a unit that does not upload extracts. One query."""
    if unit is None:
        return None
    today = today or timezone.localdate()
    connector = (
        UnitConnector.objects.filter(unit=unit, kind=UnitConnector.Kind.SNAPSHOT)
        .annotate(
            taken_on=Subquery(
                RegistrySnapshot.objects.filter(unit=OuterRef("unit"), is_current=True).values(
                    "taken_on"
                )[:1]
            )
        )
        .first()
    )
    if connector is None:
        return None
    if connector.taken_on is None:
        return {"taken_on": None, "due_on": today, "due": True}
    due_on = connector.taken_on + datetime.timedelta(days=connector.max_snapshot_age_days)
    warning = today + datetime.timedelta(days=SNAPSHOT_DUE_WARNING_DAYS)
    return {"taken_on": connector.taken_on, "due_on": due_on, "due": due_on <= warning}


def liaison_summary(user) -> dict:
    """The liaison's unit's open checks and how many of them are overdue."""
    return (
        checks_for_liaison(user)
        .filter(status__in=DepartmentCheck.OPEN)
        .aggregate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(overdue=True) | Q(deadline__lt=timezone.localdate())),
        )
    )


# --- Households and their applicants ----------------------------------------------------------


def applicant_of(household_ref: str = "pk") -> QuerySet[HouseholdMember]:
    """The household's applicant (or, failing one, its first member), as a subquery on the
    household named by ``household_ref`` in the outer query (slice it to one row)."""
    return HouseholdMember.objects.filter(household=OuterRef(household_ref)).order_by(
        Case(
            When(relation=HouseholdMember.Relation.APPLICANT, then=0),
            default=1,
            output_field=IntegerField(),
        ),
        "pk",
    )


def with_applicant(queryset: QuerySet, household_ref: str = "pk") -> QuerySet:
    """``queryset`` with ``applicant_name`` and ``applicant_id_number`` of the household
    that ``household_ref`` names on each row, in the same query."""
    return queryset.annotate(
        applicant_name=Subquery(applicant_of(household_ref).values("name")[:1]),
        applicant_id_number=Subquery(applicant_of(household_ref).values("id_number")[:1]),
    )


def households_of(group: LeadingGroup) -> QuerySet[Household]:
    """The households registered with a group's office, each with its applicant's name and
    ID number (masked when shown), by town, in one query."""
    return with_applicant(Household.objects.filter(office=group)).order_by("town", "pk")


def household_with_applicant(household_id: int) -> Household | None:
    """One household with its applicant's name and ID number, or None."""
    return with_applicant(Household.objects.filter(pk=household_id)).first()


def household_registered_with(household_id: int, group_id: int) -> bool:
    """Whether the household is registered with that group's office."""
    return Household.objects.filter(pk=household_id, office_id=group_id).exists()


def towns() -> list[str]:
    """Every town a household is registered in, for the lists' filters."""
    return list(Household.objects.order_by("town").values_list("town", flat=True).distinct())


def towns_of(office: LeadingGroup | None) -> list[str]:
    """The towns of an office's households."""
    if office is None:
        return []
    return list(
        Household.objects.filter(office=office)
        .order_by("town")
        .values_list("town", flat=True)
        .distinct()
    )


def household_list(*, q: str = "", town: str = "", assistance_type: str = "") -> QuerySet:
    """Households, newest first; ``q`` searches members' names and the address."""
    households = Household.objects.order_by("-created_at", "-pk")
    if q := q.strip():
        households = households.filter(
            Exists(HouseholdMember.objects.filter(household=OuterRef("pk"), name__icontains=q))
            | Q(address__icontains=q)
        )
    if town:
        households = households.filter(town=town)
    if assistance_type:
        households = households.filter(assistance_type=assistance_type)
    return households


def household_rows(households: QuerySet[Household]) -> QuerySet[Household]:
    """A page of households with their member count and applicant."""
    return with_applicant(households.annotate(member_count=Count("members")), "pk")


@dataclass
class AddressChange:
    """One change of a household's address or town, from its history."""

    when: datetime.datetime
    user: object
    before: str
    after: str
    reason: str


def household_address_changes(household: Household) -> list[AddressChange]:
    """The household's changes of address or town, newest first (one query)."""
    records = list(
        household.history.select_related("history_user").order_by("history_date", "history_id")
    )
    changes = []
    for previous, record in zip(records, records[1:], strict=False):
        if (previous.town, previous.address) != (record.town, record.address):
            changes.append(
                AddressChange(
                    when=record.history_date,
                    user=record.history_user,
                    before=f"{previous.town} {previous.address}",
                    after=f"{record.town} {record.address}",
                    reason=record.history_change_reason or "",
                )
            )
    return changes[::-1]


def household_members(household: Household) -> list[HouseholdMember]:
    """The household's members with their authorisations (newest first), each marked
    ``covered`` when one of them covers today."""
    members = list(
        household.members.order_by("pk").prefetch_related(
            Prefetch(
                "authorizations",
                queryset=Authorization.objects.select_related("recorded_by").order_by(
                    "-signed_on", "-pk"
                ),
            )
        )
    )
    today = timezone.localdate()
    for member in members:
        member.covered = any(a.covers(today) for a in member.authorizations.all())
    return members


def household_has_members(household: Household) -> bool:
    return household.members.exists()


def household_requests(household: Household) -> QuerySet[VerificationRequest]:
    """The household's requests, newest first, with their checks' progress."""
    return with_progress(household.requests.select_related("requested_by")).order_by(
        "-submitted_at", "-pk"
    )


# --- Requests and their checks ----------------------------------------------------------------


def with_progress(requests: QuerySet[VerificationRequest]) -> QuerySet[VerificationRequest]:
    """Annotate requests with their checks' progress: one query however many rows."""
    return requests.annotate(
        check_count=Count("checks"),
        answered_count=Count("checks", filter=Q(checks__status=DepartmentCheck.Status.ANSWERED)),
        overdue_count=Count("checks", filter=OPEN & Q(checks__overdue=True)),
        next_deadline=Min("checks__deadline", filter=OPEN),
    )


def request_list(
    *, status: str = "", town: str = "", assistance_type: str = "", overdue: bool = False
) -> QuerySet[VerificationRequest]:
    """Requests, newest first; ``overdue``: only those with an overdue open check."""
    requests = VerificationRequest.objects.order_by("-submitted_at", "-pk")
    if status:
        requests = requests.filter(status=status)
    if town:
        requests = requests.filter(household__town=town)
    if assistance_type:
        requests = requests.filter(assistance_type=assistance_type)
    if overdue:
        requests = requests.filter(
            Exists(
                DepartmentCheck.objects.filter(
                    request=OuterRef("pk"), overdue=True, status__in=DepartmentCheck.OPEN
                )
            )
        )
    return requests


def request_rows(requests: QuerySet[VerificationRequest]) -> QuerySet[VerificationRequest]:
    """A page of requests with their household, applicant and progress."""
    return with_applicant(with_progress(requests.select_related("household")), "household")


def request_checks(verification_request: VerificationRequest) -> list[DepartmentCheck]:
    """The request's checks, in the order of the units."""
    return list(
        verification_request.checks.select_related("unit").order_by("unit__order", "unit__pk")
    )


def request_members(
    verification_request: VerificationRequest,
) -> tuple[list[HouseholdMember], list[HouseholdMember]]:
    """The household's members the request covers, and those added since (whom no
    department sees on it)."""
    covered = set(verification_request.members.values_list("pk", flat=True))
    members = list(verification_request.household.members.order_by("pk"))
    return [m for m in members if m.pk in covered], [m for m in members if m.pk not in covered]


# --- Overdue checks ---------------------------------------------------------------------------


def overdue_checks() -> QuerySet[DepartmentCheck]:
    """Open checks marked overdue, by unit and deadline."""
    return DepartmentCheck.objects.filter(overdue=True, status__in=DepartmentCheck.OPEN).order_by(
        "unit__order", "unit__pk", "deadline", "pk"
    )


def overdue_rows(checks: QuerySet[DepartmentCheck]) -> QuerySet[DepartmentCheck]:
    """A page of overdue checks with their unit, household and applicant."""
    return with_applicant(checks.select_related("unit", "request__household"), "request__household")


def overdue_summary() -> list[dict]:
    """Per unit: how many of its open checks are overdue, and the oldest deadline."""
    return list(
        DepartmentCheck.objects.filter(overdue=True, status__in=DepartmentCheck.OPEN)
        .values("unit__pk", "unit__name", "unit__order")
        .annotate(count=Count("pk"), oldest=Min("deadline"))
        .order_by("unit__order", "unit__pk")
    )


# --- A liaison's inbox ------------------------------------------------------------------------


def _covered_member_count():
    """The number of members the check's request covers, as a subquery (no join that
    would multiply the rows)."""
    covered = VerificationRequest.members.through
    members = (
        covered.objects.filter(verificationrequest_id=OuterRef("request_id"))
        .order_by()
        .values("verificationrequest_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(members, output_field=IntegerField()), 0)


def _unit_checks(user, unit: MemberUnit) -> QuerySet[DepartmentCheck]:
    # The unit narrows the rows before the permission test (index on unit, status,
    # deadline); the permission still decides.
    return (
        checks_for_liaison(user)
        .filter(unit=unit)
        .select_related("request__household")
        .annotate(member_count=_covered_member_count())
    )


def inbox_open_checks(user, unit: MemberUnit) -> QuerySet[DepartmentCheck]:
    """The unit's open checks, nearest deadline first, with their items and the
    household's applicant's ID number (shown masked, to tell the rows apart)."""
    return (
        _unit_checks(user, unit)
        .annotate(
            applicant_id_number=Subquery(applicant_of("request__household").values("id_number")[:1])
        )
        .filter(status__in=DepartmentCheck.OPEN)
        .order_by("deadline", "pk")
        .prefetch_related(
            Prefetch("items", queryset=VerificationItem.objects.order_by("order", "pk"))
        )
    )


def inbox_overdue_count(user, unit: MemberUnit, today: datetime.date) -> int:
    return (
        _unit_checks(user, unit)
        .filter(status__in=DepartmentCheck.OPEN)
        .filter(Q(overdue=True) | Q(deadline__lt=today))
        .count()
    )


def inbox_answered(user, unit: MemberUnit, limit: int) -> list[DepartmentCheck]:
    """The unit's checks answered lately, newest first."""
    return list(
        _unit_checks(user, unit)
        .filter(status=DepartmentCheck.Status.ANSWERED)
        .select_related("answered_by")
        .order_by("-answered_at", "-pk")[:limit]
    )


# --- One check's page -------------------------------------------------------------------------


@dataclass
class CheckData:
    """What every form and view of one check needs, loaded once."""

    members: list[HouseholdMember]
    items: list[VerificationItem]
    findings: dict[tuple[int, int], Finding]

    def grid(self) -> list[dict]:
        """One row per member and item, with its finding (or None)."""
        return [
            {"member": member, "item": item, "finding": self.findings.get((member.pk, item.pk))}
            for member in self.members
            for item in self.items
        ]


def check_data(check: DepartmentCheck) -> CheckData:
    return CheckData(
        # Only the members the request covers: a member added to the household since has
        # no authorisation on this request and is never shown to the department.
        members=list(check.request.members.order_by("pk")),
        items=list(check.items.order_by("order", "pk")),
        # The item comes along: a finding asks it whether it bears on eligibility.
        findings={(f.member_id, f.item_id): f for f in check.findings.select_related("item")},
    )


def _describe(record) -> str:
    text = record.get_result_display()
    if record.details:
        text = f"{text}: {record.details}"
    if record.amount is not None:
        text = _("%(text)s (%(amount)s yuan)") % {"text": text, "amount": record.amount}
    return text


def check_corrections(check: DepartmentCheck, data: CheckData) -> list[dict]:
    """The changes made to the check's findings after the answer, newest first, each with
    who, when, why and old → new (from the findings' history, in one query)."""
    members = {m.pk: m for m in data.members}
    items = {i.pk: i for i in data.items}
    records = (
        Finding.history.filter(department_check_id=check.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    previous = {}
    changes = []
    for record in records:
        before = previous.get(record.id)
        if before is not None and record.history_type == "~":
            changes.append(
                {
                    "at": record.history_date,
                    "user": record.history_user,
                    "reason": record.history_change_reason or "",
                    "member": members.get(record.member_id),
                    "item": items.get(record.item_id),
                    "old": _describe(before),
                    "new": _describe(record),
                }
            )
        previous[record.id] = record
    changes.sort(key=lambda change: change["at"], reverse=True)
    return changes


# --- Batches ----------------------------------------------------------------------------------


def several_offices() -> bool:
    """Whether there is more than one coordination body (the lists then name each)."""
    return LeadingGroup.objects.count() > 1


def batch_list() -> QuerySet[VerificationBatch]:
    return VerificationBatch.objects.order_by("-created_at", "-pk")


def batch_rows(batches: QuerySet[VerificationBatch]) -> QuerySet[VerificationBatch]:
    return batches.select_related("office", "created_by")


def _grouped(queryset, key: str) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {}
    rows = queryset.order_by().values(key, "status").annotate(n=Count("pk"))
    for pk, status, n in rows.values_list(key, "status", "n"):
        counts.setdefault(pk, {})[status] = n
    return counts


def batch_status_counts(
    batch_ids: list[int],
) -> tuple[dict[int, dict[str, int]], dict[int, dict[str, int]]]:
    """Per batch: its requests by status, and its checks by status (two grouped
    queries)."""
    requests = _grouped(VerificationRequest.objects.filter(batch_id__in=batch_ids), "batch_id")
    checks = _grouped(
        DepartmentCheck.objects.filter(request__batch_id__in=batch_ids), "request__batch_id"
    )
    return requests, checks


def checks_waiting_to_be_sent(request: VerificationRequest) -> int:
    """The request's checks whose message has not reached the broker yet (it was down
    when the request was filed): sent by the resend sweep as soon as it is reachable."""
    return request.checks.filter(status=DepartmentCheck.Status.QUEUED, sent_at__isnull=True).count()


def batch_waiting_to_be_sent(batch: VerificationBatch) -> bool:
    """Whether the batch's preparation has not reached the broker yet (it was down when
    the batch was submitted): sent by the stall sweep as soon as it is reachable."""
    return BatchTask.objects.filter(
        batch=batch, unit__isnull=True, sent_at__isnull=True, started_at__isnull=True
    ).exists()


def batch_request_counts(batch: VerificationBatch) -> dict[str, int]:
    """The batch's requests by status."""
    return dict(
        VerificationRequest.objects.filter(batch=batch)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )


# --- Registry snapshots -----------------------------------------------------------------------


def unit_snapshots(unit: MemberUnit) -> QuerySet[RegistrySnapshot]:
    """The unit's uploads, newest first (the model's order), with who uploaded each."""
    return RegistrySnapshot.objects.filter(unit=unit).select_related("uploaded_by")


def unit_connector(unit: MemberUnit) -> UnitConnector | None:
    return UnitConnector.objects.filter(unit=unit).first()


def unit_items(unit: MemberUnit) -> QuerySet[VerificationItem]:
    """The items a unit's registry extract may name (by code or name), in their order."""
    return VerificationItem.objects.filter(unit=unit, active=True).order_by("order", "pk")
