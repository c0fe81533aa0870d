"""A department's registry snapshots: its liaisons upload the extract that answers the
unit's checks automatically, and see the uploads kept so far."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from members.selectors import liaison_unit

from ..connectors import SnapshotInvalid, snapshot_import
from ..models import RegistrySnapshot, UnitConnector
from ..snapshot_forms import SnapshotForm


def snapshot_list(request):
    unit = liaison_unit(request.user)
    if unit is None:
        raise Http404
    connector = UnitConnector.objects.filter(unit=unit).first()
    errors = []
    if request.method == "POST":
        form = SnapshotForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                snapshot = snapshot_import(
                    actor=request.user,
                    unit=unit,
                    upload=form.cleaned_data["file"],
                    taken_on=form.cleaned_data["taken_on"],
                )
            except SnapshotInvalid as exc:
                errors = exc.errors
                messages.error(request, _("The file was refused and nothing was imported."))
            else:
                messages.success(
                    request,
                    _("%(rows)d rows imported: this snapshot now answers your unit's checks.")
                    % {"rows": snapshot.row_count},
                )
                return redirect("verification:snapshot_list")
    else:
        form = SnapshotForm()
    snapshots = Paginator(
        RegistrySnapshot.objects.filter(unit=unit).select_related("uploaded_by"), 20
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "verification/snapshot_list.html",
        {
            "unit": unit,
            "connector": connector,
            "form": form,
            "errors": errors[:200],
            "error_count": len(errors),
            "snapshots": snapshots,
        },
    )
