"""The measured scenarios: the batch, the comparison with the previous verifications that
its completion starts, the same work one Celery task per check, and single interactive
requests. Each waits on the database for its work to be done, while
the workers live (``WorkerPool.wait``), and prints what it measured."""

import math
import time

from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from assistance.workdays import WorkdayCalendar
from members.models import MemberUnit
from verification import services
from verification.batches import batch_submit
from verification.models import (
    AssistanceType,
    BatchComparison,
    DepartmentCheck,
    Household,
    HouseholdMember,
    VerificationBatch,
    VerificationItem,
    VerificationRequest,
)
from verification.tasks import check_deliver_task

from .report import percentile
from .workers import WorkerPool


def batch(*, office, clerk, pool: WorkerPool, say) -> tuple[int, float, int]:
    """A batch of every household due, from the clerk's submission until it is completed.
    Returns (checks, seconds, the batch's id)."""
    started = time.monotonic()
    submitted = batch_submit(actor=clerk, office=office, due_only=True)
    prepared = None

    def done():
        nonlocal prepared
        status, households = VerificationBatch.objects.values_list("status", "household_count").get(
            pk=submitted.pk
        )
        if households and prepared is None:
            prepared = time.monotonic() - started
        return status == VerificationBatch.Status.COMPLETED

    pool.wait(done, interval=0.05)
    seconds = time.monotonic() - started
    total = _check_batch(submitted)
    say(
        f"batch: {submitted.household_count} households, {total} checks answered from "
        f"snapshots in {seconds:.1f} s (requests and checks prepared after "
        f"{prepared or seconds:.1f} s)"
    )
    return total, seconds, submitted.pk


def changes(*, batch_id: int, pool: WorkerPool, say) -> float:
    """The comparison with the households' previous verifications that the batch's
    completion sends to a worker (``batch_changes_warm_task``), timed from the batch's
    completion until it is kept. Waited for before anything else is measured, so it
    neither competes with the next phases for the cores nor, on RabbitMQ, holds back
    the department messages its worker has taken. Returns the seconds."""
    finished_at = VerificationBatch.objects.values_list("finished_at", flat=True).get(pk=batch_id)
    pool.wait(
        lambda: BatchComparison.objects.filter(batch_id=batch_id, generation__gt=0).exists(),
        interval=0.05,
    )
    computed_at, completed, changed = BatchComparison.objects.values_list(
        "computed_at", "completed", "changed"
    ).get(batch_id=batch_id)
    seconds = (computed_at - finished_at).total_seconds()
    say(
        f"changes since the previous verification: kept for {completed} households "
        f"({changed} with changes) {seconds:.1f} s after the batch completed"
    )
    return seconds


def _check_batch(submitted: VerificationBatch) -> int:
    """Raise unless every check of the completed batch is answered and every request
    completed. Returns how many checks it has."""
    checks = DepartmentCheck.objects.filter(request__batch=submitted)
    total = checks.count()
    answered = checks.filter(status=DepartmentCheck.Status.ANSWERED).count()
    completed = VerificationRequest.objects.filter(
        batch=submitted, status=VerificationRequest.Status.COMPLETED
    ).count()
    submitted.refresh_from_db()
    if answered != total or completed != submitted.household_count:
        raise CommandError(
            f"The batch completed with {answered} of {total} checks answered and "
            f"{completed} of {submitted.household_count} requests completed."
        )
    return total


def per_check(*, office, clerk, sample: int, pool: WorkerPool, say) -> tuple[int, float]:
    """Fresh requests for the first households, their checks sent one task each, timed
    from the first message to the last check answered (creating them is not timed).
    Returns (checks, seconds)."""
    if not sample:
        return 0, 0.0
    checks = _fresh_checks(office, clerk, sample)
    ids = [c.pk for c in checks]
    started = time.monotonic()
    for check in checks:
        check_deliver_task.apply_async(args=[check.pk], queue=check.unit.queue_name)
    pool.wait(
        lambda: (
            not DepartmentCheck.objects.filter(pk__in=ids)
            .exclude(status=DepartmentCheck.Status.ANSWERED)
            .exists()
        ),
        interval=0.05,
    )
    seconds = time.monotonic() - started
    say(f"one task per check: {len(ids)} checks answered in {seconds:.1f} s")
    return len(ids), seconds


def _fresh_checks(office, clerk, sample: int) -> list[DepartmentCheck]:
    """``sample`` checks of fresh requests for the first households, with their items and
    the members each request covers, written in bulk."""
    units = list(MemberUnit.objects.filter(group=office, active=True).order_by("pk"))
    households = list(
        Household.objects.filter(office=office)
        .order_by("pk")
        .values_list("pk", flat=True)[: math.ceil(sample / len(units))]
    )
    calendar = WorkdayCalendar()
    today = timezone.localdate()
    deadlines = {u.pk: calendar.add_working_days(today, u.answer_days) for u in units}
    items = {}
    for item in VerificationItem.objects.filter(unit__in=units, active=True):
        items.setdefault(item.unit_id, []).append(item.pk)
    with transaction.atomic():
        requests = VerificationRequest.objects.bulk_create(
            VerificationRequest(
                household_id=pk, assistance_type=AssistanceType.RECHECK, requested_by=clerk
            )
            for pk in households
        )
        pairs = [(request, unit) for request in requests for unit in units][:sample]
        checks = DepartmentCheck.objects.bulk_create(
            DepartmentCheck(
                request=request,
                unit=unit,
                deadline=deadlines[unit.pk].date,
                deadline_provisional=deadlines[unit.pk].provisional,
            )
            for request, unit in pairs
        )
        through = DepartmentCheck.items.through
        through.objects.bulk_create(
            through(departmentcheck_id=check.pk, verificationitem_id=item_id)
            for check in checks
            for item_id in items[check.unit_id]
        )
        _cover_members(requests)
    return checks


def _cover_members(requests: list[VerificationRequest]):
    """Each request covers its household's members, as ``request_submit`` records."""
    covered = VerificationRequest.members.through
    by_household = {request.household_id: request.pk for request in requests}
    covered.objects.bulk_create(
        covered(verificationrequest_id=by_household[household_id], householdmember_id=pk)
        for pk, household_id in HouseholdMember.objects.filter(
            household_id__in=list(by_household)
        ).values_list("pk", "household_id")
    )


def singles(*, office, clerk, count: int, pool: WorkerPool, say) -> list[float]:
    """Single requests, one at a time, each timed from the clerk's submission until
    every department's connector has answered and the request is complete. Returns the
    latencies in seconds."""
    if not count:
        return []
    households = list(
        Household.objects.filter(office=office)
        .exclude(requests__status=VerificationRequest.Status.SUBMITTED)
        .order_by("-pk")[:count]
    )
    # Polled every 5 ms with one cheap statement, so the measuring takes little of the
    # CPU the workers need (a figure is at most 5 ms late).
    status = connection.ops.quote_name(VerificationRequest._meta.get_field("status").column)
    poll = (
        f"SELECT {status} FROM {connection.ops.quote_name(VerificationRequest._meta.db_table)}"
        " WHERE id = %s"
    )
    completed = VerificationRequest.Status.COMPLETED
    latencies = []
    with connection.cursor() as cursor:
        for household in households:
            started = time.monotonic()
            request = services.request_submit(actor=clerk, household=household)

            def done(pk=request.pk):
                cursor.execute(poll, [pk])
                return cursor.fetchone()[0] == completed

            pool.wait(done, interval=0.005, timeout=60)
            latencies.append(time.monotonic() - started)
    say(
        f"single requests: {len(latencies)} answered by connectors, p50 "
        f"{percentile(latencies, 0.5) * 1000:.0f} ms, p95 "
        f"{percentile(latencies, 0.95) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
    )
    return latencies
