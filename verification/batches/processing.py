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

For speed (``manage.py bench_verification``), a chunk is a few INSERT … SELECT and UPDATE
statements run by the database on its own rows, with no model instance built per row; on
PostgreSQL a task works on several chunks at once, each on its own connection.
"""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.celery import send_or_leave_for_sweep
from assistance.models import AuditEvent
from assistance.services import audit_event_record, notify
from assistance.workdays import WorkdayCalendar
from members.models import LeadingGroup, MemberUnit

from .connectors import current_snapshot
from .models import (
    AssistanceType,
    Authorization,
    DepartmentCheck,
    Finding,
    Household,
    HouseholdMember,
    RegistryRecord,
    VerificationBatch,
    VerificationRequest,
)
from .services import VerificationError, default_items
from .sql import column as _column
from .sql import marks as _marks
from .sql import qn as _qn
from .sql import table as _table

OPEN = DepartmentCheck.OPEN
QUEUED = DepartmentCheck.Status.QUEUED


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
    transaction.on_commit(lambda: _send_prepare(batch.pk))
    return batch


def _send_prepare(batch_id: int) -> bool:
    """Send the batch to be prepared. If the broker cannot be reached the batch stays
    recorded, running and unprepared, and the resend sweep sends it later: the clerk's
    submission still succeeds."""
    return send_or_leave_for_sweep(
        "verification.tasks.batch_prepare_task", batch_id, what=f"batch {batch_id}"
    )


def _send_process_unit(batch_id: int, unit_id: int, queue: str) -> bool:
    """Send one department's share of the batch to its own queue; if the broker cannot be
    reached its checks stay queued and the resend sweep carries the batch on."""
    return send_or_leave_for_sweep(
        "verification.tasks.batch_process_unit_task",
        batch_id,
        unit_id,
        what=f"batch {batch_id} for unit {unit_id}",
        queue=queue,
    )


# --- Set-based writes -------------------------------------------------------------------------
# A batch writes hundreds of thousands of rows (checks, their items, findings). Each chunk is
# written by a few INSERT … SELECT statements that the database runs on its own rows, so no
# model instance is built per row in Python and the number of statements depends on the
# number of chunks only. Plain SQL that PostgreSQL and SQLite both run.


def _insert_select(model, template, computed: dict, tail: str, params=()) -> int:
    """``INSERT INTO <model> SELECT … <tail>``: the fields named in ``computed`` take SQL
    expressions (a string, or (sql, params)) over the rows of ``tail`` (FROM … WHERE …);
    every other field but the key takes the value ``template`` (an unsaved instance) holds,
    its default unless set, so a field added to the model later is written too.
    Returns the number of rows written."""
    columns, expressions, values = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(_qn(field.column))
        if field.name in computed:
            expression = computed[field.name]
            sql, extra = (expression, ()) if isinstance(expression, str) else expression
            expressions.append(sql)
            values.extend(extra)
        else:
            expressions.append("%s")
            values.append(field.get_db_prep_save(field.pre_save(template, add=True), connection))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_table(model)} ({', '.join(columns)}) "
            f"SELECT {', '.join(expressions)} {tail}",
            [*values, *params],
        )
        return cursor.rowcount


@contextmanager
def _chunk_transaction():
    """The transaction of one chunk. On PostgreSQL its commit does not wait for the
    write-ahead log to reach the disk (synchronous_commit off, for this transaction only):
    a chunk is idempotent and whole, so a database crash can at worst lose the last
    chunks committed, all of them together, leaving their checks queued for the
    redelivered task or the resend sweep, never half a chunk."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def _analyze(*models) -> None:
    """Refresh the planner's statistics of tables a batch has just grown by tens of
    thousands of rows, faster than autovacuum notices: the chunks' queries that follow
    are planned on the real sizes. PostgreSQL only; skipped (with a warning from the
    server) where the database user does not own the tables."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(_table(model) for model in models)}")


# Preparations of one batch never run side by side (PostgreSQL advisory lock, this class
# and the batch's key): a redelivered task finds the first still at work and leaves it.
PREPARE_LOCK = 0x7665


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
                f"SELECT {_column(VerificationBatch, 'status')} FROM "
                f"{_table(VerificationBatch)} WHERE id = %s FOR SHARE",
                [batch_id],
            )
            row = cursor.fetchone()
        return bool(row) and row[0] == running
    return (
        VerificationBatch.objects.select_for_update().filter(pk=batch_id, status=running).exists()
    )


def _keyset_chunks(queryset, size: int, proceed=None):
    """Lists of up to ``size`` keys of ``queryset`` (a values_list of keys ordered by key),
    each read when asked for, so only one chunk is ever held; stops early once
    ``proceed()``, asked before each chunk, is false."""
    last = 0
    while proceed is None or proceed():
        chunk = list(queryset.filter(pk__gt=last)[:size])
        if not chunk:
            return
        last = chunk[-1]
        yield chunk


def _in_parallel(chunks, work, threads: int) -> int:
    """Run ``work`` on every chunk of ``chunks`` and add up what it returns; ``work``
    returning None stops the run. On PostgreSQL, outside any transaction, ``threads``
    chunks are worked at once, each thread on its own database connection (the time goes
    to the database, which then uses several cores); otherwise one after the other."""
    if threads <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        total = 0
        for chunk in chunks:
            done = work(chunk)
            if done is None:
                break
            total += done
        return total
    lock = threading.Lock()
    stop = threading.Event()

    def run() -> int:
        total = 0
        try:
            while not stop.is_set():
                with lock:
                    chunk = next(chunks, None)
                if chunk is None:
                    break
                done = work(chunk)
                if done is None:
                    stop.set()
                    break
                total += done
        except BaseException:
            stop.set()
            raise
        finally:
            connections.close_all()  # this thread's own connections
        return total

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="batch") as pool:
        futures = [pool.submit(run) for _ in range(threads)]
        return sum(future.result() for future in futures)


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
        # Every department was deactivated between the submission and now: stop the batch
        # and say why, rather than leave it running with nothing to do.
        with transaction.atomic():
            batch = VerificationBatch.objects.select_for_update().get(pk=batch.pk)
            if batch.status == VerificationBatch.Status.RUNNING:
                batch_cancel(actor=None, batch=batch)
                notify(
                    users=[batch.created_by],
                    message=_(
                        "Batch %(pk)s was stopped: no department of the office checks "
                        "anything any more."
                    )
                    % {"pk": batch.pk},
                    url=batch.get_absolute_url(),
                )
        return 0
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

    through = DepartmentCheck.items.through
    covered = VerificationRequest.members.through
    request_t, check_t = _table(VerificationRequest), _table(DepartmentCheck)
    member_t, auth_t = _table(HouseholdMember), _table(Authorization)
    m_household = _column(HouseholdMember, "household")
    a_member, a_signed, a_until = (
        _column(Authorization, f) for f in ("member", "signed_on", "valid_until")
    )
    r_batch, r_household = (_column(VerificationRequest, f) for f in ("batch", "household"))
    c_request, c_unit = (_column(DepartmentCheck, f) for f in ("request", "unit"))
    # The departments (unit, deadline, provisional) and their items (unit, item), as rows.
    unit_rows = [(uid, deadlines[uid].date, deadlines[uid].provisional) for uid in by_unit]
    item_rows = [(uid, item_id) for uid, item_ids in by_unit.items() for item_id in item_ids]
    units_sql = ", ".join(["(%s, %s, %s)"] * len(unit_rows))
    items_sql = ", ".join(["(%s, %s)"] * len(item_rows))
    request_template = VerificationRequest(
        batch=batch,
        assistance_type=AssistanceType.RECHECK,
        requested_by_id=batch.created_by_id,
    )
    check_template = DepartmentCheck()

    def prepare_chunk(chunk: list[int]) -> int | None:
        """Requests, checks and their items for a chunk of households, in one transaction
        of three INSERT … SELECT statements; None once the batch no longer runs."""
        with _chunk_transaction():
            if not _still_running(batch.pk):
                return None
            households = _marks(chunk)
            created = _insert_select(
                VerificationRequest,
                request_template,
                {"household": "h.id"},
                f"FROM {_table(Household)} h WHERE h.id IN ({households})",
                chunk,
            )
            mine = f"r.{r_batch} = %s AND r.{r_household} IN ({households})"
            _insert_select(
                DepartmentCheck,
                check_template,
                {
                    "request": "r.id",
                    "unit": "u.column1",
                    "deadline": "u.column2",
                    "deadline_provisional": "u.column3",
                },
                f"FROM {request_t} r CROSS JOIN (VALUES {units_sql}) AS u WHERE {mine}",
                [*(v for row in unit_rows for v in row), batch.pk, *chunk],
            )
            _insert_select(
                through,
                through(),
                {"departmentcheck": "c.id", "verificationitem": "i.column2"},
                f"FROM {check_t} c JOIN {request_t} r ON r.id = c.{c_request} "
                f"JOIN (VALUES {items_sql}) AS i ON i.column1 = c.{c_unit} WHERE {mine}",
                [*(v for row in item_rows for v in row), batch.pk, *chunk],
            )
            # The members each request covers: those with an authorisation covering today
            # (every member, as the cohort was chosen, unless one was added since).
            _insert_select(
                covered,
                covered(),
                {"verificationrequest": "r.id", "householdmember": "m.id"},
                f"FROM {request_t} r JOIN {member_t} m ON m.{m_household} = r.{r_household} "
                f"WHERE {mine} AND EXISTS (SELECT 1 FROM {auth_t} a WHERE a.{a_member} = m.id "
                f"AND a.{a_signed} <= %s AND a.{a_until} >= %s)",
                [batch.pk, *chunk, today, today],
            )
            if created:
                audit_event_record(
                    actor_id=batch.created_by_id,
                    job="batch re-verification",
                    action=AuditEvent.Action.BATCH_STEP,
                    model=VerificationRequest,
                    count=created,
                    summary=_(
                        "Batch %(batch)s: %(count)d requests with their checks created for "
                        "households %(first)s–%(last)s"
                    )
                    % {"batch": batch.pk, "count": created, "first": chunk[0], "last": chunk[-1]},
                )
        return created

    with _preparing_alone(batch.pk) as alone:
        if not alone:
            return 0
        skipped = cohort.count() - eligible.count()
        created = _in_parallel(
            _keyset_chunks(eligible, settings.VERIFICATION_BATCH_CHUNK),
            prepare_chunk,
            settings.VERIFICATION_BATCH_THREADS,
        )
        if created:
            _analyze(VerificationRequest, DepartmentCheck, through, covered)
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
        return created
    for unit_id, unit in units.items():
        _send_process_unit(batch.pk, unit_id, unit.queue_name)
    return created


def _lock_requests(check_ids: list[int], waiting: str = QUEUED) -> list[int]:
    """Lock the requests of those of the checks still ``waiting`` (queued), in key order,
    and return their keys. Every writer that completes requests (another department's
    chunk, a liaison's answer, a cancel) takes the requests first, in key order, so whoever
    comes second sees what the first committed, and none deadlocks."""
    still = DepartmentCheck.objects.filter(pk__in=check_ids, status=waiting)
    return list(
        VerificationRequest.objects.select_for_update()
        .filter(pk__in=still.values("request_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _move_queued(check_ids: list[int], waiting: str = QUEUED, **values) -> list[int]:
    """Set ``values`` on those of the checks still ``waiting`` (queued) and return their
    keys: one UPDATE … RETURNING (PostgreSQL, SQLite), which locks the rows it changes;
    other databases lock and read them first."""
    queued = DepartmentCheck.objects.filter(pk__in=check_ids, status=waiting)
    returning = connection.vendor == "postgresql" or (
        connection.vendor == "sqlite" and connection.features.can_return_columns_from_insert
    )
    if not returning:
        ids = list(queued.select_for_update().order_by("pk").values_list("pk", flat=True))
        DepartmentCheck.objects.filter(pk__in=ids).update(**values)
        return ids
    fields = [DepartmentCheck._meta.get_field(name) for name in values]
    assignments = ", ".join(f"{_qn(field.column)} = %s" for field in fields)
    params = [field.get_db_prep_save(values[field.name], connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table(DepartmentCheck)} SET {assignments} "
            f"WHERE id IN ({_marks(check_ids)}) "
            f"AND {_column(DepartmentCheck, 'status')} = %s RETURNING id",
            [*params, *check_ids, waiting],
        )
        return sorted(row[0] for row in cursor.fetchall())


def answer_from_snapshot(
    check_ids: list[int], snapshot, *, waiting: str = QUEUED, actor_id: int | None = None
) -> tuple[int, list[int]]:
    """Answer checks from a snapshot in one transaction of a few statements: one finding
    per member and item of each check, "record found" with the record's details and amount
    where the snapshot holds one (the newest, if it holds several), "no record" otherwise,
    each naming the snapshot; then the requests whose last open check this was are
    completed. Only checks still ``waiting`` are touched: queued ones, or delivered ones
    whose worker stopped before answering them. Used for a batch's chunks and for a single
    request's check alike. One audit event records the step, by ``actor_id`` (the clerk
    who filed the request or the batch) or the snapshot connector. Returns how many
    checks it answered and the keys of the requests it completed."""
    now = timezone.now()
    # A check already delivered keeps the time it was.
    delivered = {"delivered_at": now} if waiting == QUEUED else {}
    with _chunk_transaction():
        request_ids = _lock_requests(check_ids, waiting)
        ids = _move_queued(
            check_ids,
            waiting,
            status=DepartmentCheck.Status.ANSWERED,
            answered_at=now,
            overdue=False,
            fallback_reason="",
            **delivered,
        )
        if not ids:
            return 0, []
        through = DepartmentCheck.items.through
        covered = VerificationRequest.members.through
        record_t = _table(RegistryRecord)
        snap, number, item, details, amount = (
            _column(RegistryRecord, f)
            for f in ("snapshot", "id_number", "item", "details", "amount")
        )
        t_check, t_item = (_column(through, f) for f in ("departmentcheck", "verificationitem"))
        marks = _marks(ids)
        _insert_select(
            Finding,
            Finding(snapshot=snapshot),
            {
                "department_check": "c.id",
                "member": "m.id",
                "item": f"ci.{t_item}",
                "result": (
                    "CASE WHEN r.id IS NULL THEN %s ELSE %s END",
                    [Finding.Result.NO_RECORD.value, Finding.Result.RECORD_FOUND.value],
                ),
                "details": (
                    f"CASE WHEN r.id IS NULL THEN '' WHEN r.{details} = '' THEN %s "
                    f"ELSE r.{details} END",
                    [_("Registry record")],
                ),
                "amount": f"r.{amount}",
            },
            # Each member the request covers × each item of the check, with the snapshot's
            # record for them if any (the newest of several). Both key lists let the
            # database walk indexes rather than whole tables.
            f"FROM {_table(DepartmentCheck)} c "
            f"JOIN {_table(through)} ci ON ci.{t_check} = c.id "
            f"JOIN {_table(covered)} rm "
            f"ON rm.{_column(covered, 'verificationrequest')} = "
            f"c.{_column(DepartmentCheck, 'request')} "
            f"JOIN {_table(HouseholdMember)} m "
            f"ON m.id = rm.{_column(covered, 'householdmember')} "
            f"LEFT JOIN {record_t} r ON r.{snap} = %s "
            f"AND r.{number} = m.{_column(HouseholdMember, 'id_number')} "
            f"AND r.{item} = ci.{t_item} "
            f"AND NOT EXISTS (SELECT 1 FROM {record_t} x WHERE x.{snap} = r.{snap} "
            f"AND x.{number} = r.{number} AND x.{item} = r.{item} AND x.id > r.id) "
            f"WHERE c.id IN ({marks}) AND ci.{t_check} IN ({marks})",
            [snapshot.pk, *ids, *ids],
        )
        # The requests are locked, so what is read here is what the update changes.
        still_open = DepartmentCheck.objects.filter(request_id__in=request_ids, status__in=OPEN)
        completed = list(
            VerificationRequest.objects.filter(
                pk__in=request_ids, status=VerificationRequest.Status.SUBMITTED
            )
            .exclude(pk__in=still_open.values("request_id"))
            .values_list("pk", flat=True)
        )
        if completed:
            VerificationRequest.objects.filter(pk__in=completed).update(
                status=VerificationRequest.Status.COMPLETED, completed_at=now
            )
        audit_event_record(
            actor_id=actor_id,
            job="snapshot connector",
            action=AuditEvent.Action.SNAPSHOT_ANSWER,
            model=DepartmentCheck,
            ids=ids,
            summary=_(
                "%(count)d checks answered from registry snapshot %(snapshot)s; "
                "%(completed)d requests completed"
            )
            % {"count": len(ids), "snapshot": snapshot.pk, "completed": len(completed)},
        )
    return len(ids), completed


def _deliver_chunk(
    check_ids: list[int], unit: MemberUnit, reason: str, *, batch_id, actor_id
) -> int:
    """Deliver a chunk of checks to the liaison's inbox (with the connector's reason) in
    one statement, and record one audit event for the chunk; the unit's liaisons see them
    by the gateway's rule, no rows granted."""
    with _chunk_transaction():
        ids = _move_queued(
            check_ids,
            status=DepartmentCheck.Status.DELIVERED,
            delivered_at=timezone.now(),
            fallback_reason=reason[:300],
        )
        if not ids:
            return 0
        audit_event_record(
            actor_id=actor_id,
            job="batch re-verification",
            action=AuditEvent.Action.BATCH_STEP,
            model=DepartmentCheck,
            ids=ids,
            summary=_("Batch %(batch)s: %(count)d checks delivered to the inbox of %(unit)s")
            % {"batch": batch_id, "count": len(ids), "unit": unit.name},
        )
    return len(ids)


def batch_process_unit(*, batch_id: int, unit_id: int) -> int:
    """Process one department's checks of a batch, a chunk at a time (keyset order), until
    none is queued or the batch is cancelled. Returns how many checks it moved."""
    unit = MemberUnit.objects.get(pk=unit_id)
    # The clerk who submitted the batch started this work: its steps are recorded as theirs.
    starter_id = (
        VerificationBatch.objects.filter(pk=batch_id)
        .values_list("created_by_id", flat=True)
        .first()
    )
    snapshot, reason = current_snapshot(unit_id)
    running = VerificationBatch.objects.filter(pk=batch_id, status=VerificationBatch.Status.RUNNING)
    queued = (
        DepartmentCheck.objects.filter(
            request__batch_id=batch_id, unit_id=unit_id, status=DepartmentCheck.Status.QUEUED
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )

    def work(ids: list[int]) -> int:
        if snapshot is not None:
            return answer_from_snapshot(ids, snapshot, actor_id=starter_id)[0]
        return _deliver_chunk(ids, unit, reason, batch_id=batch_id, actor_id=starter_id)

    # The batch is looked at before each chunk: a cancel stops the department there.
    chunks = _keyset_chunks(queued, settings.VERIFICATION_BATCH_CHUNK, running.exists)
    moved = _in_parallel(chunks, work, settings.VERIFICATION_BATCH_THREADS)
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
        # The clerk's next look is at what changed: compute it before they ask.
        transaction.on_commit(lambda: _send_changes_warm(batch_id))
    return True


def _send_changes_warm(batch_id: int) -> None:
    # Only a head start is lost if the broker is down: the changes page computes what it
    # does not find in the cache.
    send_or_leave_for_sweep(
        "verification.tasks.batch_changes_warm_task", batch_id, what=f"batch {batch_id}'s changes"
    )


def batch_resend_stalled(*, cutoff: datetime.datetime) -> int:
    """Carry on running batches submitted before ``cutoff`` whose messages were lost
    (broker down at submit, a worker killed before acknowledging): a batch not yet
    prepared (neither households nor skipped ones counted) is sent to be prepared again,
    which picks up where an interrupted preparation stopped; a prepared one gets, for each
    department with checks still queued, its processing task again. Both are idempotent,
    so a message that does arrive after all changes nothing. Returns how many were sent."""
    running = VerificationBatch.objects.filter(
        status=VerificationBatch.Status.RUNNING, created_at__lt=cutoff
    )
    unprepared = list(
        running.filter(household_count=0, skipped_count=0).values_list("pk", flat=True)
    )
    stalled = (
        DepartmentCheck.objects.filter(
            status=DepartmentCheck.Status.QUEUED,
            request__batch__in=running.exclude(household_count=0, skipped_count=0),
        )
        .order_by()
        .values_list("request__batch_id", "unit_id", "unit__code")
        .distinct()
    )
    messages = [
        ("verification.tasks.batch_prepare_task", (batch_id,), {}) for batch_id in unprepared
    ] + [
        (
            "verification.tasks.batch_process_unit_task",
            (batch_id, unit_id),
            {"queue": f"verify.{code}"},
        )
        for batch_id, unit_id, code in stalled
    ]
    sent = 0
    for task, args, options in messages:
        if not send_or_leave_for_sweep(task, *args, what=f"batch {args[0]}", **options):
            break  # the broker is down: the rest wait for the next sweep too
        sent += 1
    return sent


@transaction.atomic
def batch_cancel(*, actor, batch: VerificationBatch) -> VerificationBatch:
    """Stop a running batch: the departments' tasks stop at their next chunk; checks not
    yet answered are cancelled, and so are requests not yet complete."""
    batch = VerificationBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != VerificationBatch.Status.RUNNING:
        raise VerificationError(_("Only a running batch can be cancelled."))
    # Requests first, in key order, as a department's chunk takes them: a chunk under way
    # finishes first, and the two never deadlock.
    list(
        VerificationRequest.objects.select_for_update()
        .filter(batch=batch, status=VerificationRequest.Status.SUBMITTED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    checks = DepartmentCheck.objects.filter(request__batch=batch, status__in=OPEN).update(
        status=DepartmentCheck.Status.CANCELLED
    )
    requests = VerificationRequest.objects.filter(
        batch=batch, status=VerificationRequest.Status.SUBMITTED
    ).update(status=VerificationRequest.Status.CANCELLED)
    audit_event_record(
        actor=actor,
        job="batch re-verification",
        action=AuditEvent.Action.BATCH_CANCEL,
        model=DepartmentCheck,
        count=checks,
        summary=_("Batch %(batch)s cancelled: %(checks)d open checks and %(requests)d requests")
        % {"batch": batch.pk, "checks": checks, "requests": requests},
    )
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
