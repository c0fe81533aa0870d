"""Submitting a batch and preparing it: the requests, checks, their items and the members
each request covers, written a chunk of households at a time, then each department sent
its own processing task."""

import datetime
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from assistance.models import AuditEvent
from assistance.notices import notice
from assistance.services import audit_event_record, notify
from assistance.workdays import WorkdayCalendar
from members.models import LeadingGroup, MemberUnit

from ..models import (
    AssistanceType,
    Authorization,
    DepartmentCheck,
    Household,
    HouseholdMember,
    VerificationBatch,
    VerificationItem,
    VerificationRequest,
)
from ..services import VerificationError, default_items
from ..signals import checks_created
from ..sql import (
    analyze,
    chunk_transaction,
    column,
    in_parallel,
    insert_select,
    keyset_chunks,
    marks,
    table,
)
from .cohort import households_authorized, households_due
from .heartbeat import task_beat, task_finished, task_send, tasks_record
from .processing import batch_cancel

CHECK_ITEMS = DepartmentCheck.items.through
COVERED = VerificationRequest.members.through

# Preparations of one batch never run side by side (PostgreSQL advisory lock, this class
# and the batch's key): a redelivered task finds the first still at work and leaves it.
PREPARE_LOCK = 0x7665


@transaction.atomic
def batch_submit(
    *,
    actor,
    office: LeadingGroup,
    assistance_type: str = "",
    town: str = "",
    due_only: bool = True,
) -> VerificationBatch:
    """Record a batch for the cohort and send it to be prepared after the commit.

    Idempotent: submissions of the office are taken one at a time (its row locked), and
    a cohort that already has a batch running (a double click, two clerks a moment
    apart) gets that batch back, marked ``resubmitted``, instead of a second one. Batches
    of overlapping cohorts may both run: the database gives each household to one of
    them (see ``_insert_requests``)."""
    LeadingGroup.objects.select_for_update().filter(pk=office.pk).first()
    running = (
        VerificationBatch.objects.filter(
            office=office,
            assistance_type=assistance_type,
            town=town,
            due_only=due_only,
            status=VerificationBatch.Status.RUNNING,
        )
        .order_by("pk")
        .first()
    )
    if running is not None:
        running.resubmitted = True
        return running
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
    batch.resubmitted = False
    tasks_record(batch.pk, [None])
    transaction.on_commit(lambda: _send_prepare(batch.pk))
    return batch


def _send_prepare(batch_id: int) -> bool:
    """Send the batch to be prepared. If the broker cannot be reached the batch stays
    recorded, running and unprepared, its preparation marked as not sent, and the stall
    sweep sends it as soon as it can: the clerk's submission still succeeds, and the
    batch's page says the work waits to be sent."""
    return task_send(batch_id, None)


def _send_process_unit(batch_id: int, unit_id: int, queue: str) -> bool:
    """Send one department's share of the batch to its own queue; if the broker cannot be
    reached its checks stay queued, its task marked as not sent, and the stall sweep
    carries the batch on."""
    return task_send(batch_id, unit_id, queue)


@contextmanager
def _preparing_alone(batch_id: int):
    """Yield whether this is the only preparation of the batch under way (PostgreSQL's
    session advisory lock, released when the task ends or its connection dies). Other
    databases rely on each chunk locking the batch's row."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [PREPARE_LOCK, batch_id])
        alone = cursor.fetchone()[0]
    try:
        yield alone
    finally:
        if alone:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [PREPARE_LOCK, batch_id])


def _still_running(batch_id: int) -> bool:
    """Inside a chunk's transaction: whether the batch still runs, holding its row so a
    cancel waits for the chunk (and the chunk after the cancel sees it). Chunks of one
    preparation share the row (FOR SHARE) on PostgreSQL; elsewhere they take it in turn."""
    running = VerificationBatch.Status.RUNNING
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {column(VerificationBatch, 'status')} FROM "
                f"{table(VerificationBatch)} WHERE id = %s FOR SHARE",
                [batch_id],
            )
            row = cursor.fetchone()
        return bool(row) and row[0] == running
    return (
        VerificationBatch.objects.select_for_update().filter(pk=batch_id, status=running).exists()
    )


def batch_prepare(*, batch_id: int) -> int:
    """Create the batch's requests and checks, a chunk of households at a time (on
    PostgreSQL several chunks at once, VERIFICATION_BATCH_THREADS), then send each
    department its own processing task. Safe to run again: households that already have
    a request in the batch are skipped, and a second run started while the first is
    still at work leaves at once. Returns the number of requests created."""
    batch = VerificationBatch.objects.select_related("office").get(pk=batch_id)
    if batch.status != VerificationBatch.Status.RUNNING:
        return 0
    today = timezone.localdate()
    items = default_items(batch.office)
    if not items:
        _stop_without_departments(batch)
        return 0
    plan = _Plan.of(batch, items, today)
    cohort = households_due(
        office=batch.office,
        assistance_type=batch.assistance_type,
        town=batch.town,
        due_only=batch.due_only,
    ).exclude(requests__batch=batch)
    eligible = households_authorized(cohort, today).order_by("pk").values_list("pk", flat=True)
    with _preparing_alone(batch.pk) as alone:
        if not alone:
            return 0
        task_beat(batch.pk, None)
        skipped = cohort.count() - eligible.count()
        created = in_parallel(
            keyset_chunks(eligible, settings.VERIFICATION_BATCH_CHUNK),
            partial(_prepare_chunk, plan),
            settings.VERIFICATION_BATCH_THREADS,
        )
        if created:
            analyze(VerificationRequest, DepartmentCheck, CHECK_ITEMS, COVERED)
        _count_and_send(plan, skipped)
        task_finished(batch.pk, None)
    return created


def _stop_without_departments(batch: VerificationBatch) -> None:
    """Every department was deactivated between the submission and now: stop the batch
    and say why, rather than leave it running with nothing to do."""
    with transaction.atomic():
        batch = VerificationBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status == VerificationBatch.Status.RUNNING:
            batch_cancel(actor=None, batch=batch)
            notify(
                users=[batch.created_by],
                message=notice(
                    gettext_noop(
                        "Batch %(pk)s was stopped: no department of the office checks "
                        "anything any more."
                    ),
                    pk=batch.pk,
                ),
                url=batch.get_absolute_url(),
            )


def _count_and_send(plan: "_Plan", skipped: int) -> None:
    """Record how many households the batch holds and how many were skipped, then send
    each department its share (or complete a batch that holds none)."""
    batch = plan.batch
    household_count = VerificationRequest.objects.filter(batch=batch).count()
    VerificationBatch.objects.filter(pk=batch.pk).update(
        household_count=household_count, skipped_count=skipped
    )
    if not household_count:
        # Every household was skipped (no covering authorisation): nothing for any
        # department to do, and batch_finish_if_done never completes a batch without
        # requests, so it would stay running for ever.
        VerificationBatch.objects.filter(
            pk=batch.pk, status=VerificationBatch.Status.RUNNING
        ).update(status=VerificationBatch.Status.COMPLETED, finished_at=timezone.now())
        return
    tasks_record(batch.pk, list(plan.units))
    for unit_id, unit in plan.units.items():
        _send_process_unit(batch.pk, unit_id, unit.queue_name)


# --- The chunks -------------------------------------------------------------------------------
# A chunk of households is written by four INSERT … SELECT statements (see ..sql): its
# requests, their checks (one per department, with its deadline), the checks' items, and
# the members each request covers.


@dataclass
class _Plan:
    """What every chunk of one preparation writes: the batch, the day, the departments as
    rows (unit, deadline, provisional) and their items as rows (unit, item)."""

    batch: VerificationBatch
    today: datetime.date
    units: dict[int, MemberUnit]
    unit_rows: list[tuple] = field(default_factory=list)
    item_rows: list[tuple[int, int]] = field(default_factory=list)

    @classmethod
    def of(cls, batch, items: list[VerificationItem], today: datetime.date) -> "_Plan":
        by_unit: dict[int, list[int]] = {}
        units: dict[int, MemberUnit] = {}
        for item in items:
            by_unit.setdefault(item.unit_id, []).append(item.pk)
            units[item.unit_id] = item.unit
        calendar = WorkdayCalendar()
        plan = cls(batch, today, units)
        for uid, unit in units.items():
            deadline = calendar.add_working_days(today, unit.answer_days)
            plan.unit_rows.append((uid, deadline.date, deadline.provisional))
        plan.item_rows = [(uid, item_id) for uid, ids in by_unit.items() for item_id in ids]
        return plan

    def mine(self, chunk: list[int]) -> tuple[str, list]:
        """The condition (over requests ``r``) for the batch's requests of the chunk."""
        r_batch, r_household = (column(VerificationRequest, f) for f in ("batch", "household"))
        return f"r.{r_batch} = %s AND r.{r_household} IN ({marks(chunk)})", [self.batch.pk, *chunk]


def _prepare_chunk(plan: _Plan, chunk: list[int]) -> int | None:
    """Requests, checks and their items for a chunk of households, in one transaction
    of a few INSERT … SELECT statements; None once the batch no longer runs."""
    with chunk_transaction():
        if not _still_running(plan.batch.pk):
            return None
        _hold_households(chunk)
        created = _insert_requests(plan, chunk)
        by_unit: dict[int, list[int]] = {}
        for pk, unit_id in _insert_checks(plan, chunk):
            by_unit.setdefault(unit_id, []).append(pk)
        _insert_check_items(plan, chunk)
        _insert_covered_members(plan, chunk)
        if by_unit:
            checks_created.send(sender=DepartmentCheck, checks=by_unit)
        if created:
            audit_event_record(
                actor_id=plan.batch.created_by_id,
                job="batch re-verification",
                action=AuditEvent.Action.BATCH_STEP,
                model=VerificationRequest,
                count=created,
                summary=_(
                    "Batch %(batch)s: %(count)d requests with their checks created for "
                    "households %(first)s–%(last)s"
                )
                % {"batch": plan.batch.pk, "count": created, "first": chunk[0], "last": chunk[-1]},
            )
    task_beat(plan.batch.pk, None)  # still at it: the stall sweep leaves this task be
    return created


def _hold_households(chunk: list[int]) -> None:
    """Hold the chunk's households (FOR KEY SHARE, in key order) against a single request
    being filed for one of them: ``request_submit`` locks its household FOR UPDATE, so
    whichever comes first goes first and the other then sees its request. Without it the
    two deadlock: the chunk's requests check their household key only at commit
    (deferred foreign keys), while the clerk's request waits for the chunk in the index.
    Chunks of other batches share the lock and meet in the index instead. PostgreSQL
    only: SQLite runs one writer at a time."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table(Household)} WHERE id IN ({marks(chunk)}) "
            "ORDER BY id FOR KEY SHARE",
            chunk,
        )


def _insert_requests(plan: _Plan, chunk: list[int]) -> int:
    """A request for each household of the chunk that has none under way. The cohort was
    read before the chunk; a request filed since (by a clerk, or by another batch whose
    chunk is being written at this moment) keeps its household: the NOT EXISTS leaves out
    those already committed, and the database's one-request-under-way constraint, with
    ON CONFLICT DO NOTHING, those committed while this statement waited for them."""
    template = VerificationRequest(
        batch=plan.batch,
        assistance_type=AssistanceType.RECHECK,
        requested_by_id=plan.batch.created_by_id,
    )
    r_household, r_status = (column(VerificationRequest, f) for f in ("household", "status"))
    return insert_select(
        VerificationRequest,
        template,
        {"household": "h.id"},
        f"FROM {table(Household)} h WHERE h.id IN ({marks(chunk)}) "
        f"AND NOT EXISTS (SELECT 1 FROM {table(VerificationRequest)} o "
        f"WHERE o.{r_household} = h.id AND o.{r_status} = %s)",
        [*chunk, VerificationRequest.Status.SUBMITTED],
        skip_conflicts=True,
    )


def _insert_checks(plan: _Plan, chunk: list[int]) -> list[tuple[int, int]]:
    """The chunk's checks; returns each one's (key, unit key)."""
    mine, params = plan.mine(chunk)
    units = ", ".join(["(%s, %s, %s)"] * len(plan.unit_rows))
    return insert_select(
        DepartmentCheck,
        DepartmentCheck(),
        {
            "request": "r.id",
            "unit": "u.column1",
            "deadline": "u.column2",
            "deadline_provisional": "u.column3",
        },
        f"FROM {table(VerificationRequest)} r CROSS JOIN (VALUES {units}) AS u WHERE {mine}",
        [*(v for row in plan.unit_rows for v in row), *params],
        returning=("id", "unit"),
    )


def _insert_check_items(plan: _Plan, chunk: list[int]) -> int:
    mine, params = plan.mine(chunk)
    items = ", ".join(["(%s, %s)"] * len(plan.item_rows))
    c_request, c_unit = (column(DepartmentCheck, f) for f in ("request", "unit"))
    return insert_select(
        CHECK_ITEMS,
        CHECK_ITEMS(),
        {"departmentcheck": "c.id", "verificationitem": "i.column2"},
        f"FROM {table(DepartmentCheck)} c "
        f"JOIN {table(VerificationRequest)} r ON r.id = c.{c_request} "
        f"JOIN (VALUES {items}) AS i ON i.column1 = c.{c_unit} WHERE {mine}",
        [*(v for row in plan.item_rows for v in row), *params],
    )


def _insert_covered_members(plan: _Plan, chunk: list[int]) -> int:
    """The members each request covers: those with an authorisation covering today
    (every member, as the cohort was chosen, unless one was added since)."""
    mine, params = plan.mine(chunk)
    a_member, a_signed, a_until = (
        column(Authorization, f) for f in ("member", "signed_on", "valid_until")
    )
    r_household = column(VerificationRequest, "household")
    return insert_select(
        COVERED,
        COVERED(),
        {"verificationrequest": "r.id", "householdmember": "m.id"},
        f"FROM {table(VerificationRequest)} r JOIN {table(HouseholdMember)} m "
        f"ON m.{column(HouseholdMember, 'household')} = r.{r_household} "
        f"WHERE {mine} AND EXISTS (SELECT 1 FROM {table(Authorization)} a "
        f"WHERE a.{a_member} = m.id AND a.{a_signed} <= %s AND a.{a_until} >= %s)",
        [*params, plan.today, plan.today],
    )
