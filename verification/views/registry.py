"""A department's registry snapshots: its liaisons upload the extract that answers the
unit's checks automatically, follow its check (a task: refused with the bad lines, or
imported), and see the uploads kept so far."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import permissions, selectors
from ..connectors import SnapshotInvalid, send_snapshot_check, snapshot_receive
from ..models import RegistrySnapshot
from ..snapshot_forms import SnapshotForm

PAGE_SIZE = 20
# How often the uploads refresh themselves while one is being checked.
POLL_SECONDS = 2


def _uploads(request, unit) -> dict:
    """The unit's uploads, newest first, with the newest one's problems if refused."""
    snapshots = Paginator(selectors.unit_snapshots(unit), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    latest = snapshots[0] if snapshots.number == 1 and len(snapshots) else None
    return {
        "unit": unit,
        "snapshots": snapshots,
        "checking": any(s.status == RegistrySnapshot.Status.CHECKING for s in snapshots),
        "refused": latest if latest and latest.status == RegistrySnapshot.Status.REFUSED else None,
        "poll_seconds": POLL_SECONDS,
    }


def snapshot_list(request):
    unit = permissions.get_unit_for_liaison(request.user)
    errors = []
    if request.method == "POST":
        form = SnapshotForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():
                    snapshot = snapshot_receive(
                        actor=request.user,
                        unit=unit,
                        upload=form.cleaned_data["file"],
                        taken_on=form.cleaned_data["taken_on"],
                    )
                    transaction.on_commit(lambda: send_snapshot_check(snapshot.pk))
            except SnapshotInvalid as exc:
                errors = exc.errors
                messages.error(request, _("The file was refused and nothing was imported."))
            else:
                messages.info(
                    request,
                    _(
                        "The file was received. Its rows are being checked; this page shows "
                        "the result."
                    ),
                )
                return redirect("verification:snapshot_list")
    else:
        form = SnapshotForm()
    context = {
        "connector": selectors.unit_connector(unit),
        "form": form,
        "errors": errors,
        **_uploads(request, unit),
    }
    return render(request, "verification/snapshot_list.html", context)


def snapshot_uploads(request):
    """The uploads table alone, for the page to refresh itself while one is checked."""
    unit = permissions.get_unit_for_liaison(request.user)
    return render(request, "verification/partials/snapshot_uploads.html", _uploads(request, unit))


def snapshot_download(request, pk):
    """The uploaded file of a snapshot (imported, refused or being checked), for its
    unit's liaisons and the office; 404 for anyone else. Each download is logged: the
    file holds full ID numbers and amounts."""
    return permissions.download_snapshot(request, pk)
