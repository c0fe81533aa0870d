"""Reads of verification requests' status for the office's own system (the API): which
changed since a moment, their progress and their report's status, a page at a time in a
fixed number of queries, with no personal data beyond the household head masked."""

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import DepartmentCheck, ReportReference, VerificationRequest
from .selectors import with_applicant, with_progress


def requests_updated_since(
    requests: QuerySet[VerificationRequest], since: datetime.datetime
) -> QuerySet[VerificationRequest]:
    """Those of ``requests`` that changed at or after ``since``: filed, completed or
    cancelled, one of their checks moved (sent, answered, returned, corrected…), or their
    report issued; told by the histories, so nothing is missed however it changed."""
    request_changed = VerificationRequest.history.filter(id=OuterRef("pk"), history_date__gte=since)
    check_changed = DepartmentCheck.history.filter(
        request_id=OuterRef("pk"), history_date__gte=since
    )
    report_issued = ReportReference.objects.filter(request=OuterRef("pk"), issued_at__gte=since)
    return requests.filter(
        Q(Exists(request_changed)) | Q(Exists(check_changed)) | Q(Exists(report_issued))
    )


def request_status_rows(requests: QuerySet[VerificationRequest]) -> QuerySet[VerificationRequest]:
    """``requests`` with their household, its head (``applicant_name``,
    ``applicant_id_number``: to be shown masked), their checks' progress and their report's
    reference, in one query."""
    return with_applicant(
        with_progress(requests.select_related("household", "report_reference")), "household"
    )
