"""A department system uploads its unit's registry snapshot (CSV or XLSX), the way its
liaison does on the upload page: through the same service
(``verification.connectors.snapshot_upload``), with the same refusals at once (size,
format, a date in the future: nothing kept) and the same check of every row by the task,
which imports a good file in one transaction or refuses it whole. The call answers 202
with a URL to follow the check; another unit's snapshot does not exist for the client.
As for the answers, a refusal by the rules is 409 and 422 is kept for a request that does
not match the schema."""

import datetime

from django.urls import reverse
from django.utils import timezone
from ninja import File, Form, Router, Schema, Status, UploadedFile

from verification.connectors import SnapshotInvalid, snapshot_upload
from verification.models import RegistrySnapshot
from verification.permissions import get_snapshot_for_unit

from .errors import ApiError, Error, require_scope
from .models import Scope

router = Router(tags=["snapshots"])


class SnapshotAccepted(Schema):
    id: int
    status: str
    status_url: str


class SnapshotProblem(Schema):
    line: int  # 0: the file as a whole
    message: str


class SnapshotOut(Schema):
    id: int
    status: str
    taken_on: datetime.date
    uploaded_at: datetime.datetime
    checked_at: datetime.datetime | None
    is_current: bool
    row_count: int
    error_count: int
    errors: list[SnapshotProblem]


def _status_url(snapshot: RegistrySnapshot) -> str:
    return reverse("api-v1:get_snapshot", kwargs={"snapshot_id": snapshot.pk})


@router.post(
    "/snapshots",
    response={202: SnapshotAccepted, 401: Error, 403: Error, 409: Error, 422: Error},
    summary="Upload a registry snapshot",
)
def upload_snapshot(
    request,
    file: File[UploadedFile],
    taken_on: Form[datetime.date] = None,
):
    """A registry extract of the unit (multipart ``file``, .csv or .xlsx; ``taken_on``,
    the day the registry was read, today by default). Refused at once (409
    ``invalid_file`` with the field, nothing kept) when too large, not a CSV or XLSX file,
    or dated in the future; otherwise kept and checked
    row by row: follow ``status_url`` until the status is "imported" (the unit's current
    snapshot now) or "refused" (with every bad line, nothing imported)."""
    require_scope(request, Scope.SNAPSHOTS_UPLOAD)
    try:
        snapshot = snapshot_upload(
            actor=request.auth.principal,
            unit=request.auth.unit,
            upload=file,
            taken_on=taken_on or timezone.localdate(),
        )
    except SnapshotInvalid as refused:
        message = " ".join(str(message) for _line, message in refused.errors)
        raise ApiError(409, "invalid_file", message, refused.field) from None
    return Status(
        202, {"id": snapshot.pk, "status": snapshot.status, "status_url": _status_url(snapshot)}
    )


@router.get(
    "/snapshots/{snapshot_id}",
    response={200: SnapshotOut, 401: Error, 403: Error, 404: Error},
    summary="One registry snapshot",
)
def get_snapshot(request, snapshot_id: int):
    """One of the unit's uploads: being checked, imported (its row count) or refused (its
    problems, line by line, the first 200 of ``error_count``)."""
    require_scope(request, Scope.SNAPSHOTS_UPLOAD)
    snapshot = get_snapshot_for_unit(request.auth.unit, snapshot_id)
    return {
        "id": snapshot.pk,
        "status": snapshot.status,
        "taken_on": snapshot.taken_on,
        "uploaded_at": snapshot.uploaded_at,
        "checked_at": snapshot.checked_at,
        "is_current": snapshot.is_current,
        "row_count": snapshot.row_count,
        "error_count": snapshot.error_count,
        "errors": [{"line": line, "message": message} for line, message in snapshot.errors],
    }
