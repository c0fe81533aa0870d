"""The verification report (核对报告) for the office: the page, and its Word and Excel
exports. Every read of a report is logged like a full ID number; none is cached."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from assistance.models import AccessLog
from assistance.services import access_log_record
from assistance.spreadsheets import XLSX_CONTENT_TYPE, xlsx_bytes

from ..permissions import get_request_for_user
from ..report import DOCX_CONTENT_TYPE, build_report, report_docx, report_table

# --- Report -----------------------------------------------------------------------------------


def _log_report(request, verification_request, what: str, action=AccessLog.Action.VIEW) -> None:
    # The findings are personal data: each read of a report is logged like a full ID.
    access_log_record(
        user=request.user,
        obj=verification_request,
        purpose=AccessLog.Purpose.REVIEW,
        description=what % {"pk": verification_request.pk},
        path=request.path,
        action=action,
    )


def request_report(request, pk):
    verification_request = get_request_for_user(request.user, pk)
    report = build_report(verification_request)
    _log_report(request, verification_request, _("Verification report of request #%(pk)s"))
    response = render(request, "verification/report.html", {"report": report})
    patch_cache_control(response, private=True, no_store=True)
    return response


def request_report_docx(request, pk):
    verification_request = get_request_for_user(request.user, pk)
    report = build_report(verification_request)
    _log_report(
        request,
        verification_request,
        _("Verification report of request #%(pk)s (Word export)"),
        AccessLog.Action.EXPORT,
    )
    response = HttpResponse(report_docx(report), content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="verification-report-{verification_request.pk}.docx"'
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


def request_report_xlsx(request, pk):
    """The report's findings as an Excel workbook (masked ID numbers), for the office."""
    verification_request = get_request_for_user(request.user, pk)
    report = build_report(verification_request)
    _log_report(
        request,
        verification_request,
        _("Verification report of request #%(pk)s (Excel export)"),
        AccessLog.Action.EXPORT,
    )
    body = xlsx_bytes(report_table(report), title=_("Findings"))
    response = HttpResponse(body, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="verification-report-{verification_request.pk}.xlsx"'
    )
    patch_cache_control(response, private=True, no_store=True)
    return response
