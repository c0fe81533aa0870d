"""The office's own system follows its verification requests, read-only: each request's
status, its checks per unit and its report's status, with no personal data beyond the
household head masked. For a client with the ``office:read`` scope whose unit hosts a
group's office (``LeadingGroup.office_host_unit``: the office is not a member unit of its
own); it sees the requests of the households registered with that group, through the
same gateways as the pages (``verification.permissions``), and nothing else."""

import datetime
from typing import Literal

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from assistance.idnumbers import mask_id_number
from assistance.people import mask_name
from verification.models import VerificationRequest
from verification.permissions import (
    get_request_for_office_unit,
    hosts_office,
    requests_for_office_unit,
)
from verification.request_status import request_status_rows, requests_updated_since
from verification.selectors import request_checks

from .errors import ApiError, Error, require_scope
from .models import Scope
from .paging import cursor_page

router = Router(tags=["office"])
PAGE_LIMIT = 100
# The request's statuses, as a Literal: an enum would share the schema's name "Status"
# with the check's, and one would hide the other in the OpenAPI components.
RequestStatus = Literal[tuple(VerificationRequest.Status.values)]


class HouseholdOut(Schema):
    id: int
    town: str
    head_name: str  # masked: 张**
    head_id_number: str  # masked


class ReportOut(Schema):
    available: bool  # the request is completed: the office's page shows its report
    issued: bool  # given its reference number (shown or exported once)
    number: str | None
    issued_at: datetime.datetime | None
    url: str | None  # the report's page, for the office's people (signed in)


class RequestOut(Schema):
    id: int
    status: str
    assistance_type: str
    submitted_at: datetime.datetime
    completed_at: datetime.datetime | None
    household: HouseholdOut
    checks_total: int
    checks_answered: int
    checks_overdue: int
    report: ReportOut


class RequestList(Schema):
    requests: list[RequestOut]
    next_after: int | None


class UnitOut(Schema):
    id: int
    code: str
    name: str


class RequestCheckOut(Schema):
    id: int
    unit: UnitOut
    status: str
    deadline: datetime.date
    answered_at: datetime.datetime | None


class RequestDetail(RequestOut):
    checks: list[RequestCheckOut]


def _office_unit(request):
    require_scope(request, Scope.OFFICE_READ)
    unit = request.auth.unit
    if not hosts_office(unit):
        raise ApiError(403, "not_office", _("This client's unit hosts no office."))
    return unit


def utc_moment(value: datetime.datetime) -> datetime.datetime:
    """A moment as a client may send it (any offset, or none: then the office's time zone)
    in UTC, which the database takes whatever the offset was (PostgreSQL refuses offsets
    past ±15:59). A moment beyond the calendar's ends once in UTC is taken as that end."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value.replace(fold=0))
    try:
        return value.astimezone(datetime.UTC)
    except OverflowError:
        end = datetime.datetime.min if value.year == datetime.MINYEAR else datetime.datetime.max
        return end.replace(tzinfo=datetime.UTC)


def _report(row: VerificationRequest) -> dict:
    reference = getattr(row, "report_reference", None)
    available = row.status == VerificationRequest.Status.COMPLETED
    return {
        "available": available,
        "issued": reference is not None,
        "number": reference.text if reference else None,
        "issued_at": reference.issued_at if reference else None,
        "url": reverse("verification:request_report", kwargs={"pk": row.pk}) if available else None,
    }


def _request_out(row: VerificationRequest) -> dict:
    return {
        "id": row.pk,
        "status": row.status,
        "assistance_type": row.assistance_type,
        "submitted_at": row.submitted_at,
        "completed_at": row.completed_at,
        "household": {
            "id": row.household_id,
            "town": row.household.town,
            "head_name": mask_name(row.applicant_name),
            "head_id_number": mask_id_number(row.applicant_id_number or ""),
        },
        "checks_total": row.check_count,
        "checks_answered": row.answered_count,
        "checks_overdue": row.overdue_count,
        "report": _report(row),
    }


@router.get(
    "/requests",
    response={200: RequestList, 401: Error, 403: Error, 422: Error},
    summary="The office's verification requests",
)
def list_requests(
    request,
    status: RequestStatus | None = None,
    updated_since: datetime.datetime | None = None,
    after: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=PAGE_LIMIT),
):
    """The requests of the office the client's unit hosts, oldest first, ``limit`` at a
    time after the request ``after`` (cursor pagination); ``status`` narrows them, and
    ``updated_since`` keeps those that changed since (filed, a check moved, completed,
    cancelled, the report issued), for polling."""
    unit = _office_unit(request)
    requests = requests_for_office_unit(unit)
    if status:
        requests = requests.filter(status=status)
    if updated_since:
        requests = requests_updated_since(requests, utc_moment(updated_since))
    page, next_after = cursor_page(request_status_rows(requests), after=after, limit=limit)
    return {"requests": [_request_out(row) for row in page], "next_after": next_after}


@router.get(
    "/requests/{request_id}",
    response={200: RequestDetail, 401: Error, 403: Error, 404: Error},
    summary="One of the office's verification requests",
)
def get_request(request, request_id: int):
    """One request of the office: its status, its report's, and each unit's check."""
    unit = _office_unit(request)
    found = get_request_for_office_unit(unit, request_id)
    row = request_status_rows(VerificationRequest.objects.filter(pk=found.pk)).get()
    return {
        **_request_out(row),
        "checks": [
            {
                "id": check.pk,
                "unit": {"id": check.unit_id, "code": check.unit.code, "name": check.unit.name},
                "status": check.status,
                "deadline": check.deadline,
                "answered_at": check.answered_at,
            }
            for check in request_checks(row)
        ],
    }
