"""Batch re-verification pages (the office): choose a cohort and submit it as one batch,
follow its progress per department (refreshed by htmx while it runs, the same table
without JavaScript), cancel it, and read what changed since each household's previous
verification.

The writes go through ``verification.batches``; everyone outside the office gets 404.
Every page reads a fixed number of queries however many households the batch holds.
"""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import batches, permissions, selectors
from ..forms import BatchForm
from ..models import DepartmentCheck, VerificationBatch, VerificationRequest
from ..services import VerificationError, default_items
from .common import page_of

PAGE_SIZE = 50
CHANGES_PAGE_SIZE = 50
# How often the progress of a running batch refreshes itself.
POLL_SECONDS = 2
# A batch's task in one of these states waits for the stall sweep to send it (again).
WAITING_TO_BE_SENT = (batches.Work.UNSENT, batches.Work.STALLED)

Status = DepartmentCheck.Status


# --- The cohort -------------------------------------------------------------------------------


def _preview(data: dict) -> dict:
    """How many households the cohort holds now, and how many would be skipped for want
    of a covering authorisation (a few COUNT queries). The cohort is the batches' own read,
    so the preview and the batch count the same households."""
    office = data["office"]
    if office is None:
        return {"matching": 0, "ready": 0, "skipped": 0, "departments": 0}
    cohort = batches.households_due(
        office=office,
        assistance_type=data["assistance_type"],
        town=data["town"],
        due_only=data["due_only"],
    )
    matching = cohort.count()
    # The same test batch_prepare applies (every member covered today).
    ready = batches.households_authorized(cohort, timezone.localdate()).count() if matching else 0
    return {
        "matching": matching,
        "ready": ready,
        "skipped": matching - ready,
        "departments": len({item.unit_id for item in default_items(office)}),
    }


def _say_what_was_sent(request, batch: VerificationBatch) -> None:
    """Tell the clerk what their submission did: nothing new when the cohort's batch was
    already running (a double click, a colleague a moment earlier); saved and waiting
    for the queue when the broker could not be reached; otherwise sent."""
    if batch.resubmitted:
        messages.info(
            request,
            _(
                "This cohort already has a batch under way (batch %(pk)s): nothing was "
                "submitted twice. This page follows its progress."
            )
            % {"pk": batch.pk},
        )
    elif selectors.batch_waiting_to_be_sent(batch):
        messages.warning(
            request,
            _(
                "Batch saved. The queue cannot be reached right now: the batch will be "
                "prepared and sent to the departments as soon as it can be."
            ),
        )
    else:
        messages.success(
            request,
            _(
                "Batch submitted: it is being prepared and sent to the departments. This "
                "page follows their progress."
            ),
        )


@require_http_methods(["GET", "POST"])
def batch_create(request):
    """Choose the cohort, see how many households it holds (live by htmx, or with the
    "count" button without JavaScript), then submit it as one batch."""
    permissions.require_office(request.user)
    if request.method == "POST":
        form = BatchForm(request.POST)
    elif "preview" in request.GET:
        form = BatchForm(request.GET)
    else:
        form = BatchForm()
    preview = None
    if not form.is_bound:
        preview = _preview(form.initial_data())
    elif form.is_valid():
        data = form.cleaned_data
        if request.method == "POST" and "count" not in request.POST:
            try:
                batch = batches.batch_submit(
                    actor=request.user,
                    office=data["office"],
                    assistance_type=data["assistance_type"],
                    town=data["town"],
                    due_only=data["due_only"],
                )
            except VerificationError as error:
                messages.error(request, error.message)
            else:
                _say_what_was_sent(request, batch)
                return redirect(batch)
        preview = _preview(data)
    context = {"form": form, "preview": preview}
    if request.htmx and request.method == "GET":
        return render(request, "verification/partials/batch_preview.html", context)
    return render(request, "verification/batch_form.html", context)


# --- The list of batches ----------------------------------------------------------------------


def batch_list(request):
    """Batches, newest first, with their households and their checks' progress: one page
    of batches, then one grouped count of requests and one of checks for that page."""
    permissions.require_office(request.user)
    page = page_of(request, selectors.batch_list(), PAGE_SIZE, rows=selectors.batch_rows)
    requests_, checks = selectors.batch_status_counts([batch.pk for batch in page.object_list])
    for batch in page.object_list:
        by_status = requests_.get(batch.pk, {})
        batch.request_count = sum(by_status.values())
        batch.completed_count = by_status.get(VerificationRequest.Status.COMPLETED, 0)
        by_status = checks.get(batch.pk, {})
        batch.check_count = sum(by_status.values())
        batch.answered_count = by_status.get(Status.ANSWERED, 0)
        batch.inbox_count = by_status.get(Status.DELIVERED, 0) + by_status.get(Status.RETURNED, 0)
        batch.answered_percent = _percent(batch.answered_count, batch.check_count)
        batch.phase = batches.batch_phase(
            batch,
            under_way=requests_.get(batch.pk, {}).get(VerificationRequest.Status.SUBMITTED, 0),
            prepared=bool(batch.check_count or batch.skipped_count),
            households=batch.request_count,
        )
    return render(
        request,
        "verification/batch_list.html",
        {"page": page, "multiple_offices": selectors.several_offices()},
    )


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


# --- One batch: progress, cancel --------------------------------------------------------------


def _progress_context(batch: VerificationBatch) -> dict:
    """Per department and overall: how many checks are queued, in the liaison's inbox
    (delivered, or returned with a question), answered and cancelled; and the households'
    requests by status. Two grouped queries."""
    departments = batches.batch_progress(batch)
    for row in departments:
        row["inbox"] = row[Status.DELIVERED] + row[Status.RETURNED]
        row["answered_percent"] = _percent(row[Status.ANSWERED], row["total"])
    totals = {
        key: sum(row[key] for row in departments)
        for key in ("total", Status.QUEUED, "inbox", Status.ANSWERED, Status.CANCELLED)
    }
    whole = totals["total"]
    bar = [
        {
            "key": key,
            "label": label,
            "count": totals[key],
            "percent": round(100 * totals[key] / whole, 1) if whole else 0,
            "css": css,
        }
        for key, label, css in (
            (Status.ANSWERED, _("Answered"), "bg-success"),
            ("inbox", _("In the liaison's inbox"), "bg-info"),
            (Status.QUEUED, _("Queued"), "bg-secondary"),
            (Status.CANCELLED, _("Cancelled"), "bg-dark"),
        )
        if totals[key]
    ]
    requests_ = selectors.batch_request_counts(batch)
    running = batch.status == VerificationBatch.Status.RUNNING
    under_way = requests_.get(VerificationRequest.Status.SUBMITTED, 0)
    work = batches.batch_work(batch) if running else {}
    for row in departments:
        state = work.get(row["unit_id"], {})
        # Only work that still has checks queued can be waiting to be (re-)sent.
        row["work"] = state if row[Status.QUEUED] else {}
    stopped = [row for row in departments if row["work"].get("state") in WAITING_TO_BE_SENT]
    prepare = work.get(None, {})
    return {
        "batch": batch,
        "departments": departments,
        "totals": totals,
        "answered_percent": _percent(totals[Status.ANSWERED], whole),
        "bar": bar,
        "households": sum(requests_.values()),
        "completed": requests_.get(VerificationRequest.Status.COMPLETED, 0),
        "under_way": under_way,
        "phase": batches.batch_phase(
            batch,
            under_way=under_way,
            prepared=bool(whole or batch.skipped_count),
            households=sum(requests_.values()),
        ),
        "prepare_work": prepare if running and not whole else {},
        "unsent": [row for row in stopped if row["work"]["state"] == batches.Work.UNSENT],
        "stalled": [row for row in stopped if row["work"]["state"] == batches.Work.STALLED],
        "stall_seconds": settings.VERIFICATION_BATCH_STALL_SECONDS,
        "cancelled": requests_.get(VerificationRequest.Status.CANCELLED, 0),
        "running": running,
        # Until the batch is prepared, its households are being written in chunks.
        "preparing": running and not whole,
        "poll_seconds": POLL_SECONDS,
    }


def batch_detail(request, pk):
    """The batch's cohort and its progress; the progress table polls every 2 s while the
    batch runs and stops once it has finished (a refresh link without JavaScript)."""
    batch = permissions.get_batch_for_user(request.user, pk)
    return render(request, "verification/batch_detail.html", _progress_context(batch))


def batch_progress(request, pk):
    """The progress table alone, for htmx polling."""
    batch = permissions.get_batch_for_user(request.user, pk)
    response = render(
        request, "verification/partials/batch_progress.html", _progress_context(batch)
    )
    patch_cache_control(response, no_cache=True, private=True)
    return response


@require_http_methods(["GET", "POST"])
def batch_cancel(request, pk):
    """Ask for confirmation, then stop the batch: the checks not answered yet are
    cancelled, and so are the requests not complete."""
    batch = permissions.get_batch_for_user(request.user, pk)
    if request.method == "POST":
        try:
            batches.batch_cancel(actor=request.user, batch=batch)
        except VerificationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Batch cancelled: open checks were withdrawn."))
        return redirect(batch)
    return render(request, "verification/batch_cancel.html", {"batch": batch})


# --- Changes since the previous verification --------------------------------------------------


def batch_changes(request, pk):
    """Per household of the batch whose verification is complete: what changed since its
    previous verification, member by member (masked ID numbers) and item by item. The
    findings are personal data: each view is written to the access log."""
    batch, changes = permissions.read_batch_changes(request.user, pk, path=request.path)
    page = Paginator(changes, CHANGES_PAGE_SIZE).get_page(request.GET.get("page"))
    response = render(
        request,
        "verification/batch_changes.html",
        {
            "batch": batch,
            "page": page,
            "completed": changes.completed,
            "compared": changes.compared,
            "first_time": changes.first_time,
            "changed": len(changes),
        },
    )
    patch_cache_control(response, private=True, no_store=True)
    return response
