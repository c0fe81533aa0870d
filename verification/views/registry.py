"""A department's registry snapshots: its liaisons upload the extract that answers the
unit's checks automatically, follow its check (a task: refused with the bad lines, or
imported), and see the uploads kept so far."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from assistance.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_bytes, xlsx_bytes

from .. import permissions, selectors
from ..connectors import SnapshotInvalid, snapshot_upload, template_rows
from ..models import RegistrySnapshot
from ..snapshot_forms import SnapshotForm

PAGE_SIZE = 20
# How often the uploads refresh themselves while one is being checked.
POLL_SECONDS = 2


def _uploads(request, unit) -> dict:
    """The unit's uploads, newest first, with the newest one's outcome: its problems if
    refused, its row count if imported."""
    snapshots = Paginator(selectors.unit_snapshots(unit), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    latest = snapshots[0] if snapshots.number == 1 and len(snapshots) else None
    status = latest.status if latest else None
    return {
        "unit": unit,
        "snapshots": snapshots,
        "checking": any(s.status == RegistrySnapshot.Status.CHECKING for s in snapshots),
        "refused": latest if status == RegistrySnapshot.Status.REFUSED else None,
        "imported": latest if status == RegistrySnapshot.Status.IMPORTED else None,
        "poll_seconds": POLL_SECONDS,
    }


def _page(request, unit, *, form=None, errors=(), status=200):
    """The whole uploads page: the form, the unit's items and its template, the uploads."""
    context = {
        "connector": selectors.unit_connector(unit),
        "form": form or SnapshotForm(),
        "errors": errors,
        "items": selectors.unit_items(unit),
        **_uploads(request, unit),
    }
    return render(request, "verification/snapshot_list.html", context, status=status)


def snapshot_list(request):
    unit = permissions.get_unit_for_liaison(request.user)
    if request.method != "POST":
        return _page(request, unit)
    form = SnapshotForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, unit, form=form, status=400)
    try:
        snapshot_upload(
            actor=request.user,
            unit=unit,
            upload=form.cleaned_data["file"],
            taken_on=form.cleaned_data["taken_on"],
        )
    except SnapshotInvalid as exc:
        messages.error(request, _("The file was refused and nothing was imported."))
        return _page(request, unit, form=form, errors=exc.errors, status=400)
    messages.info(
        request,
        _("The file was received. Its rows are being checked; this page shows the result."),
    )
    return redirect("verification:snapshot_list")


def snapshot_uploads(request):
    """The uploads table alone, for the page to refresh itself while one is checked;
    opened directly (not by htmx), the whole page around it."""
    unit = permissions.get_unit_for_liaison(request.user)
    if not request.htmx:
        return _page(request, unit)
    return render(request, "verification/partials/snapshot_uploads.html", _uploads(request, unit))


def snapshot_template(request, fmt):
    """An empty registry extract in the exact shape the import reads (the heading row in
    the reader's language), as CSV or XLSX; the unit's item codes are on the page."""
    permissions.get_unit_for_liaison(request.user)
    rows = template_rows()
    if fmt == "xlsx":
        body, content_type = xlsx_bytes(rows, title=_("Registry extract")), XLSX_CONTENT_TYPE
    else:
        body, content_type = csv_bytes(rows), CSV_CONTENT_TYPE
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="registry-extract-template.{fmt}"'
    return response


def snapshot_download(request, pk):
    """The uploaded file of a snapshot (imported, refused or being checked), for its
    unit's liaisons and the office; 404 for anyone else. Each download is logged: the
    file holds full ID numbers and amounts."""
    return permissions.download_snapshot(request, pk)
