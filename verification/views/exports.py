"""The office's lists as XLSX workbooks: households, requests and overdue checks, with
the list's filters applied (the "XLSX" link carries the list's query string).

Each export has its own URL beside its list (``…/export.xlsx``) rather than a
``?format=xlsx`` on the list: the URL walk (tests/test_url_permissions.py) finds every URL
by name and demands who may open it, so an export cannot slip past the list's gateway
unnoticed, and a page's query string stays a filter only. ID numbers are masked; the
household list's export shows them in full only when asked by POST with a purpose, which
the access log records.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.forms import bad_request
from assistance.idnumbers import mask_id_number
from assistance.replica import replica_reads
from assistance.spreadsheets import rows_in_chunks, xlsx_response

from .. import permissions, selectors
from ..forms import HouseholdFilterForm, RequestFilterForm, RevealForm
from .common import never_store, query_without_page
from .requests import _mark_days_overdue


@replica_reads
def household_list_xlsx(request):
    """The households matching the list's filters. GET: applicants' ID numbers masked.
    POST with a purpose: in full, written to the access log as an export."""
    permissions.require_office(request.user)
    filters = HouseholdFilterForm(request.GET or None)
    if request.GET and not filters.is_valid():
        return bad_request(filters)
    households = selectors.household_list(**(filters.cleaned_data if request.GET else {}))
    full_ids = False
    if request.method == "POST":
        reveal = RevealForm(request.POST)
        if not reveal.is_valid():
            return bad_request(reveal)
        permissions.export_household_ids(
            request.user,
            purpose=reveal.cleaned_data["purpose"],
            count=households.count(),
            filters=query_without_page(request),
            path=request.get_full_path(),
        )
        full_ids = True
    header = [
        _("Household"),
        _("Applicant"),
        _("ID number"),
        _("Town or subdistrict"),
        _("Address"),
        _("Applies for"),
        _("Irregular income"),
        _("Members"),
        _("Registered"),
    ]
    rows = (
        [
            h.pk,
            h.applicant_name or "",
            (h.applicant_id_number if full_ids else mask_id_number(h.applicant_id_number or ""))
            or "",
            h.town,
            h.address,
            h.get_assistance_type_display(),
            _("Yes") if h.irregular_income else _("No"),
            h.member_count,
            timezone.localtime(h.created_at).date(),
        ]
        for h in rows_in_chunks(households, rows=selectors.household_rows)
    )
    response = xlsx_response(header, rows, title=_("Households"), filename="households")
    return never_store(response) if full_ids else response


@replica_reads
def request_list_xlsx(request):
    """The verification requests matching the list's filters, applicants' IDs masked."""
    permissions.require_office(request.user)
    filters = RequestFilterForm(request.GET or None)
    if request.GET and not filters.is_valid():
        return bad_request(filters)
    requests_ = selectors.request_list(**(filters.cleaned_data if request.GET else {}))
    header = [
        _("Request"),
        _("Applicant"),
        _("ID number"),
        _("Town or subdistrict"),
        _("Address"),
        _("For"),
        _("Submitted"),
        _("Status"),
        _("Answered"),
        _("Departments"),
        _("Overdue checks"),
        _("Next deadline"),
    ]
    rows = (
        [
            vr.pk,
            vr.applicant_name or "",
            mask_id_number(vr.applicant_id_number or ""),
            vr.household.town,
            vr.household.address,
            vr.get_assistance_type_display(),
            vr.submitted_at,
            vr.get_status_display(),
            vr.answered_count,
            vr.check_count,
            vr.overdue_count,
            vr.next_deadline,
        ]
        for vr in rows_in_chunks(requests_, rows=selectors.request_rows)
    )
    return xlsx_response(header, rows, title=_("Verification requests"), filename="requests")


@replica_reads
def overdue_list_xlsx(request):
    """Every overdue check, by department, with its working days overdue; IDs masked."""
    permissions.require_office(request.user)
    today = timezone.localdate()

    def rows_of(checks):
        checks = list(selectors.overdue_rows(checks))
        _mark_days_overdue(checks, today)
        return checks

    header = [
        _("Department"),
        _("Request"),
        _("Applicant"),
        _("ID number"),
        _("Town or subdistrict"),
        _("Address"),
        _("Status"),
        _("Deadline"),
        _("Working days overdue"),
        _("Last reminded"),
    ]
    rows = (
        [
            check.unit.name,
            check.request_id,
            check.applicant_name or "",
            mask_id_number(check.applicant_id_number or ""),
            check.request.household.town,
            check.request.household.address,
            check.get_status_display(),
            check.deadline,
            check.days_overdue,
            check.reminded_on,
        ]
        for check in rows_in_chunks(selectors.overdue_checks(), rows=rows_of)
    )
    return xlsx_response(header, rows, title=_("Overdue checks"), filename="overdue-checks")
