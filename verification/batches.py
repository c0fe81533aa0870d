"""Batch re-verification: a whole cohort of households verified at once.

The clerk's submission only records the batch; a task prepares it (requests and checks,
written in chunks of households), then each department's own task processes its checks in
chunks with set-based queries: answered from the department's registry snapshot where it
has a fresh one, otherwise delivered to the liaison's inbox. Nothing is held per check in
memory beyond one chunk, so memory stays flat however large the cohort.

Every step is idempotent (a chunk commits its findings and its status change together,
and only touches checks still queued), so a worker killed mid-batch loses nothing: the
redelivered task, or the resend sweep, carries on where it stopped. Completion is decided
in the database with the requests' rows locked in key order, never by counting in Celery.
"""

import datetime
import logging

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.services import notify
from assistance.workdays import WorkdayCalendar
from members.models import LeadingGroup, MemberUnit
from members.services import unit_permission_group

from .connectors import current_snapshot
from .models import (
    AssistanceType,
    Authorization,
    DepartmentCheck,
    DepartmentCheckGroupObjectPermission,
    Finding,
    Household,
    HouseholdMember,
    RegistryRecord,
    VerificationBatch,
    VerificationRequest,
)
from .services import VerificationError, default_items

logger = logging.getLogger(__name__)

OPEN = DepartmentCheck.OPEN


def households_due(
    *,
    office: LeadingGroup,
    assistance_type: str = "",
    town: str = "",
    due_only: bool = True,
    today: datetime.date | None = None,
) -> QuerySet[Household]:
    """The cohort: households of the office, optionally of one assistance type and town,
    with no verification under way; with ``due_only``, those whose last completed
    verification is older than the re-check rule allows (a year; six months with
    irregular income) or that were never verified."""
    today = today or timezone.localdate()
    households = Household.objects.filter(office=office)
    if assistance_type:
        households = households.filter(assistance_type=assistance_type)
    if town:
        households = households.filter(town=town)
    under_way = VerificationRequest.objects.filter(
        household=OuterRef("pk"), status=VerificationRequest.Status.SUBMITTED
    )
    households = households.exclude(Exists(under_way))
    if due_only:
        households = households.annotate(
            last_verified=Max(
                "requests__completed_at",
                filter=Q(requests__status=VerificationRequest.Status.COMPLETED),
            )
        ).filter(
            Q(last_verified__isnull=True)
            | Q(
                irregular_income=True, last_verified__date__lte=today - datetime.timedelta(days=182)
            )
            | Q(
                irregular_income=False,
                last_verified__date__lte=today - datetime.timedelta(days=365),
            )
        )
    return households


def _authorized(households: QuerySet[Household], on: datetime.date) -> QuerySet[Household]:
    """Households every member of which has an authorisation covering ``on``."""
    covered = Authorization.objects.filter(
        member=OuterRef("pk"), signed_on__lte=on, valid_until__gte=on
    )
    uncovered = HouseholdMember.objects.filter(household=OuterRef("pk")).exclude(Exists(covered))
    return households.annotate(n=Count("members")).filter(n__gt=0).exclude(Exists(uncovered))


@transaction.atomic
def batch_submit(
    *,
    actor,
    office: LeadingGroup,
    assistance_type: str = "",
    town: str = "",
    due_only: bool = True,
) -> VerificationBatch:
    """Record a batch for the cohort and send it to be prepared after the commit."""
    if not default_items(office):
        raise VerificationError(_("No department of this office checks anything yet."))
    cohort = households_due(
        office=office, assistance_type=assistance_type, town=town, due_only=due_only
    )
    total = cohort.count()
    if not total:
        raise VerificationError(_("No household matches: nothing to verify."))
    batch = VerificationBatch(
        office=office,
        assistance_type=assistance_type,
        town=town,
        due_only=due_only,
        created_by=actor,
    )
    batch._history_user = actor
    batch.full_clean()
    batch.save()
    from .tasks import batch_prepare_task

    transaction.on_commit(lambda: batch_prepare_task.delay(batch.pk))
    return batch


def _perms():
    return list(
        Permission.objects.filter(
            content_type__app_label="verification",
            codename__in=["view_departmentcheck", "answer_departmentcheck"],
        )
    )


def batch_prepare(*, batch_id: int) -> int:
    """Create the batch's requests and checks, a chunk of households at a time, then send
    each department its own processing task. Safe to run again: households that already
    have a request in the batch are skipped. Returns the number of requests created."""
    batch = VerificationBatch.objects.select_related("office").get(pk=batch_id)
    if batch.status != VerificationBatch.Status.RUNNING:
        return 0
    today = timezone.localdate()
    items = default_items(batch.office)
    by_unit: dict[int, list[int]] = {}
    units: dict[int, MemberUnit] = {}
    for item in items:
        by_unit.setdefault(item.unit_id, []).append(item.pk)
        units[item.unit_id] = item.unit
    calendar = WorkdayCalendar()
    deadlines = {uid: calendar.add_working_days(today, u.answer_days) for uid, u in units.items()}
    cohort = households_due(
        office=batch.office,
        assistance_type=batch.assistance_type,
        town=batch.town,
        due_only=batch.due_only,
    ).exclude(requests__batch=batch)
    eligible = _authorized(cohort, today).order_by("pk").values_list("pk", flat=True)
    skipped = cohort.count() - eligible.count()
    through = DepartmentCheck.items.through
    created = 0
    chunk_size = settings.VERIFICATION_BATCH_CHUNK
    last = 0
    while True:
        chunk = list(eligible.filter(pk__gt=last)[:chunk_size])
        if not chunk:
            break
        last = chunk[-1]
        with transaction.atomic():
            requests = VerificationRequest.objects.bulk_create(
                VerificationRequest(
                    household_id=pk,
                    batch=batch,
                    assistance_type=AssistanceType.RECHECK,
                    requested_by_id=batch.created_by_id,
                )
                for pk in chunk
            )
            checks = DepartmentCheck.objects.bulk_create(
                DepartmentCheck(
                    request_id=request.pk,
                    unit_id=unit_id,
                    deadline=deadlines[unit_id].date,
                    deadline_provisional=deadlines[unit_id].provisional,
                )
                for request in requests
                for unit_id in by_unit
            )
            through.objects.bulk_create(
                through(departmentcheck_id=check.pk, verificationitem_id=item_id)
                for check in checks
                for item_id in by_unit[check.unit_id]
            )
        created += len(requests)
    VerificationBatch.objects.filter(pk=batch.pk).update(
        household_count=VerificationRequest.objects.filter(batch=batch).count(),
        skipped_count=skipped,
    )
    for unit_id, unit in units.items():
        from .tasks import batch_process_unit_task

        batch_process_unit_task.apply_async(args=[batch.pk, unit_id], queue=unit.queue_name)
    return created


def _answer_chunk(check_ids: list[int], unit_id: int, snapshot) -> int:
    """Answer a chunk of checks from a snapshot, set-based, in one transaction."""
    through = DepartmentCheck.items.through
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            DepartmentCheck.objects.filter(
                pk__in=check_ids, status=DepartmentCheck.Status.QUEUED
            ).values_list("pk", "request_id", "request__household_id")
        )
        if not rows:
            return 0
        request_ids = sorted({r[1] for r in rows})
        # Lock the requests in key order: another department finishing the same requests
        # waits here, then sees this chunk's answers when it decides completion.
        list(
            VerificationRequest.objects.select_for_update()
            .filter(pk__in=request_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        ids = [r[0] for r in rows]
        items_of: dict[int, list[int]] = {}
        for check_id, item_id in through.objects.filter(departmentcheck_id__in=ids).values_list(
            "departmentcheck_id", "verificationitem_id"
        ):
            items_of.setdefault(check_id, []).append(item_id)
        members_of: dict[int, list[tuple[int, str]]] = {}
        for member_id, household_id, id_number in HouseholdMember.objects.filter(
            household_id__in={r[2] for r in rows}
        ).values_list("pk", "household_id", "id_number"):
            members_of.setdefault(household_id, []).append((member_id, id_number))
        id_numbers = {n for members in members_of.values() for _, n in members}
        item_ids = {i for items in items_of.values() for i in items}
        records = {
            (n, i): (details, amount)
            for n, i, details, amount in RegistryRecord.objects.filter(
                snapshot=snapshot, id_number__in=id_numbers, item_id__in=item_ids
            ).values_list("id_number", "item_id", "details", "amount")
        }
        found = _("Registry record")
        findings = []
        for check_id, _request_id, household_id in rows:
            for member_id, id_number in members_of.get(household_id, []):
                for item_id in items_of.get(check_id, []):
                    record = records.get((id_number, item_id))
                    findings.append(
                        Finding(
                            department_check_id=check_id,
                            member_id=member_id,
                            item_id=item_id,
                            result=Finding.Result.RECORD_FOUND
                            if record
                            else Finding.Result.NO_RECORD,
                            details=(record[0] or found) if record else "",
                            amount=record[1] if record else None,
                            snapshot=snapshot,
                        )
                    )
        Finding.objects.bulk_create(findings, batch_size=5000, ignore_conflicts=True)
        DepartmentCheck.objects.filter(pk__in=ids, status=DepartmentCheck.Status.QUEUED).update(
            status=DepartmentCheck.Status.ANSWERED, delivered_at=now, answered_at=now
        )
        open_checks = DepartmentCheck.objects.filter(request=OuterRef("pk"), status__in=OPEN)
        VerificationRequest.objects.filter(
            pk__in=request_ids, status=VerificationRequest.Status.SUBMITTED
        ).exclude(Exists(open_checks)).update(
            status=VerificationRequest.Status.COMPLETED, completed_at=now
        )
    return len(rows)


def _deliver_chunk(check_ids: list[int], unit: MemberUnit, reason: str, perms) -> int:
    """Deliver a chunk of checks to the liaison's inbox (with the connector's reason)."""
    with transaction.atomic():
        ids = list(
            DepartmentCheck.objects.filter(
                pk__in=check_ids, status=DepartmentCheck.Status.QUEUED
            ).values_list("pk", flat=True)
        )
        DepartmentCheck.objects.filter(pk__in=ids).update(
            status=DepartmentCheck.Status.DELIVERED,
            delivered_at=timezone.now(),
            fallback_reason=reason[:300],
        )
        group = unit_permission_group(unit)
        DepartmentCheckGroupObjectPermission.objects.bulk_create(
            [
                DepartmentCheckGroupObjectPermission(
                    permission=perm, group=group, content_object_id=pk
                )
                for pk in ids
                for perm in perms
            ],
            batch_size=5000,
        )
    return len(ids)


def batch_process_unit(*, batch_id: int, unit_id: int) -> int:
    """Process one department's checks of a batch, a chunk at a time (keyset order), until
    none is queued or the batch is cancelled. Returns how many checks it moved."""
    unit = MemberUnit.objects.get(pk=unit_id)
    snapshot, reason = current_snapshot(unit_id)
    perms = _perms()
    moved = 0
    last = 0
    chunk_size = settings.VERIFICATION_BATCH_CHUNK
    while True:
        if not VerificationBatch.objects.filter(
            pk=batch_id, status=VerificationBatch.Status.RUNNING
        ).exists():
            break
        ids = list(
            DepartmentCheck.objects.filter(
                request__batch_id=batch_id,
                unit_id=unit_id,
                status=DepartmentCheck.Status.QUEUED,
                pk__gt=last,
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk_size]
        )
        if not ids:
            break
        last = ids[-1]
        if snapshot is not None:
            moved += _answer_chunk(ids, unit_id, snapshot)
        else:
            moved += _deliver_chunk(ids, unit, reason, perms)
    if snapshot is None and moved:
        notify(
            users=[
                liaison.user
                for liaison in unit.liaisons.filter(
                    active=True, user__is_active=True
                ).select_related("user")
            ],
            message=_("%(count)d verification checks of a batch wait in your inbox.")
            % {"count": moved},
            url=reverse("verification:inbox"),
        )
    batch_finish_if_done(batch_id=batch_id)
    return moved


def batch_finish_if_done(*, batch_id: int) -> bool:
    """Mark the batch completed once no check of it is queued (every department has
    processed its part); answers to delivered checks complete their requests as usual."""
    with transaction.atomic():
        batch = VerificationBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != VerificationBatch.Status.RUNNING:
            return False
        if DepartmentCheck.objects.filter(
            request__batch=batch, status=DepartmentCheck.Status.QUEUED
        ).exists():
            return False
        if not VerificationRequest.objects.filter(batch=batch).exists():
            return False
        batch.status = VerificationBatch.Status.COMPLETED
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "finished_at"])
    return True


@transaction.atomic
def batch_cancel(*, actor, batch: VerificationBatch) -> VerificationBatch:
    """Stop a running batch: the departments' tasks stop at their next chunk; checks not
    yet answered are cancelled, and so are requests not yet complete."""
    batch = VerificationBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != VerificationBatch.Status.RUNNING:
        raise VerificationError(_("Only a running batch can be cancelled."))
    DepartmentCheck.objects.filter(request__batch=batch, status__in=OPEN).update(
        status=DepartmentCheck.Status.CANCELLED
    )
    VerificationRequest.objects.filter(
        batch=batch, status=VerificationRequest.Status.SUBMITTED
    ).update(status=VerificationRequest.Status.CANCELLED)
    batch.status = VerificationBatch.Status.CANCELLED
    batch.finished_at = timezone.now()
    batch._history_user = actor
    batch.save()
    return batch


def batch_progress(batch: VerificationBatch) -> list[dict]:
    """Per department: how many of the batch's checks are in each status (one query)."""
    rows = (
        DepartmentCheck.objects.filter(request__batch=batch)
        .values("unit_id", "unit__name", "status")
        .annotate(n=Count("pk"))
        .order_by("unit__order", "unit_id")
    )
    units: dict[int, dict] = {}
    for row in rows:
        entry = units.setdefault(
            row["unit_id"],
            {
                "unit": row["unit__name"],
                "total": 0,
                **dict.fromkeys(DepartmentCheck.Status.values, 0),
            },
        )
        entry[row["status"]] = row["n"]
        entry["total"] += row["n"]
    return list(units.values())
