"""The answering engine, below single requests and batches alike: the locks every writer
of checks takes, in one order, and the set-based answering of checks from a department's
registry snapshot.

Lock order: the requests first (in key order), then their checks. Every writer that may
complete a request (a liaison's answer, a department's chunk, a cancel) follows it, so
whoever comes second sees what the first committed, and none deadlocks.
"""

from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.models import AuditEvent
from assistance.services import audit_event_record

from .models import (
    DepartmentCheck,
    Finding,
    HouseholdMember,
    RegistryRecord,
    RegistrySnapshot,
    VerificationRequest,
)
from .sql import chunk_transaction, column, insert_select, marks, qn, table

OPEN = DepartmentCheck.OPEN
QUEUED = DepartmentCheck.Status.QUEUED


def lock_request_then_check(check: DepartmentCheck) -> tuple[VerificationRequest, DepartmentCheck]:
    """Lock one check's request, then the check (read again, with its request and
    household): concurrent answers to checks of the same request queue up on the request
    row, so the last one sees all the others."""
    request = VerificationRequest.objects.select_for_update().get(pk=check.request_id)
    check = (
        DepartmentCheck.objects.select_for_update()
        .select_related("request__household")
        .get(pk=check.pk)
    )
    return request, check


def lock_requests(check_ids: list[int], waiting: str = QUEUED) -> list[int]:
    """Lock the requests of those of the checks still ``waiting`` (queued), in key order,
    and return their keys. Every writer that completes requests (another department's
    chunk, a liaison's answer, a cancel) takes the requests first, in key order, so whoever
    comes second sees what the first committed, and none deadlocks."""
    return lock_requests_of(DepartmentCheck.objects.filter(pk__in=check_ids, status=waiting))


def lock_requests_of(checks) -> list[int]:
    """Lock the requests of the checks ``checks`` (a queryset), in key order (see
    ``lock_requests``), and return their keys."""
    return list(
        VerificationRequest.objects.select_for_update()
        .filter(pk__in=checks.values("request_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def move_queued(check_ids: list[int], waiting: str = QUEUED, **values) -> list[int]:
    """Set ``values`` on those of the checks still ``waiting`` (queued) and return their
    keys: one UPDATE … RETURNING (PostgreSQL, SQLite), which locks the rows it changes;
    other databases lock and read them first. The checks' ``updated_at`` moves too (a
    department's system polling with ``updated_since`` sees them answered)."""
    values.setdefault("updated_at", timezone.now())
    queued = DepartmentCheck.objects.filter(pk__in=check_ids, status=waiting)
    returning = connection.vendor == "postgresql" or (
        connection.vendor == "sqlite" and connection.features.can_return_columns_from_insert
    )
    if not returning:
        ids = list(queued.select_for_update().order_by("pk").values_list("pk", flat=True))
        DepartmentCheck.objects.filter(pk__in=ids).update(**values)
        return ids
    fields = [DepartmentCheck._meta.get_field(name) for name in values]
    assignments = ", ".join(f"{qn(field.column)} = %s" for field in fields)
    params = [field.get_db_prep_save(values[field.name], connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table(DepartmentCheck)} SET {assignments} "
            f"WHERE id IN ({marks(check_ids)}) "
            f"AND {column(DepartmentCheck, 'status')} = %s RETURNING id",
            [*params, *check_ids, waiting],
        )
        return sorted(row[0] for row in cursor.fetchall())


def answer_from_snapshot(
    check_ids: list[int],
    snapshot: RegistrySnapshot,
    *,
    waiting: str = QUEUED,
    actor_id: int | None = None,
    actor_name: str = "",
    complete: bool = True,
) -> tuple[int, list[int]]:
    """Answer checks from a snapshot in one transaction of a few statements: one finding
    per member and item of each check, "record found" with the record's details and amount
    where the snapshot holds one (the newest, if it holds several), "no record" otherwise,
    each naming the snapshot; then the requests whose last open check this was are
    completed. Only checks still ``waiting`` are touched: queued ones, or delivered ones
    whose worker stopped before answering them. Used for a batch's chunks and for a single
    request's check alike. One audit event records the step, by ``actor_id`` (the clerk
    who filed the request or the batch; ``actor_name``, their user name, if the caller
    has it) or the snapshot connector. Returns how many checks it answered and the keys
    of the requests it completed.

    A batch's chunk passes ``complete=False``: it neither locks nor completes requests.
    Every department's chunk covers the same households, so chunks that each locked
    their requests waited for one another, department after department; the batch's
    requests are completed at its end instead (``complete_batch_requests``)."""
    now = timezone.now()
    # A check already delivered keeps the time it was.
    delivered = {"delivered_at": now} if waiting == QUEUED else {}
    with chunk_transaction():
        request_ids = lock_requests(check_ids, waiting) if complete else []
        ids = move_queued(
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
        _insert_findings(ids, snapshot)
        if complete:
            completed = complete_requests(request_ids, now)
            summary = _(
                "%(count)d checks answered from registry snapshot %(snapshot)s; "
                "%(completed)d requests completed"
            ) % {"count": len(ids), "snapshot": snapshot.pk, "completed": len(completed)}
        else:
            completed = []
            summary = _("%(count)d checks answered from registry snapshot %(snapshot)s") % {
                "count": len(ids),
                "snapshot": snapshot.pk,
            }
        audit_event_record(
            actor_id=actor_id,
            actor_name=actor_name,
            job="snapshot connector",
            action=AuditEvent.Action.SNAPSHOT_ANSWER,
            model=DepartmentCheck,
            ids=ids,
            summary=summary,
        )
    return len(ids), completed


def _insert_findings(ids: list[int], snapshot: RegistrySnapshot) -> int:
    """The findings of the checks ``ids`` from the snapshot, in one INSERT … SELECT: each
    member the request covers × each item of the check, with the snapshot's record for
    them if any (the newest of several). Both key lists let the database walk indexes
    rather than whole tables."""
    through = DepartmentCheck.items.through
    covered = VerificationRequest.members.through
    record_t = table(RegistryRecord)
    snap, number, item, details, amount = (
        column(RegistryRecord, f) for f in ("snapshot", "id_number", "item", "details", "amount")
    )
    t_check, t_item = (column(through, f) for f in ("departmentcheck", "verificationitem"))
    keys = marks(ids)
    return insert_select(
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
        f"FROM {table(DepartmentCheck)} c "
        f"JOIN {table(through)} ci ON ci.{t_check} = c.id "
        f"JOIN {table(covered)} rm "
        f"ON rm.{column(covered, 'verificationrequest')} = "
        f"c.{column(DepartmentCheck, 'request')} "
        f"JOIN {table(HouseholdMember)} m "
        f"ON m.id = rm.{column(covered, 'householdmember')} "
        f"LEFT JOIN {record_t} r ON r.{snap} = %s "
        f"AND r.{number} = m.{column(HouseholdMember, 'id_number')} "
        f"AND r.{item} = ci.{t_item} "
        f"AND NOT EXISTS (SELECT 1 FROM {record_t} x WHERE x.{snap} = r.{snap} "
        f"AND x.{number} = r.{number} AND x.{item} = r.{item} AND x.id > r.id) "
        f"WHERE c.id IN ({keys}) AND ci.{t_check} IN ({keys})",
        [snapshot.pk, *ids, *ids],
    )


def complete_requests(request_ids: list[int], now) -> list[int]:
    """Complete those of the (locked) requests with no open check left; returns their keys.
    The requests are locked, so what is read here is what the update changes."""
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
    return completed


def complete_batch_requests(batch_id: int, now) -> int:
    """Complete the batch's requests with no open check left, in one UPDATE; returns how
    many. Run by whoever finishes the batch, after every department's chunks have
    committed (see ``answer_from_snapshot``). A request with a check still in a liaison's
    inbox stays under way; the liaison's answer completes it, as any request's. A
    liaison answering meanwhile locks the request first: this UPDATE then waits for the
    answer, and skips the request if the answer completed it."""
    open_checks = DepartmentCheck.objects.filter(request_id=OuterRef("pk"), status__in=OPEN)
    return (
        VerificationRequest.objects.filter(
            batch_id=batch_id, status=VerificationRequest.Status.SUBMITTED
        )
        .exclude(Exists(open_checks))
        .update(status=VerificationRequest.Status.COMPLETED, completed_at=now)
    )
