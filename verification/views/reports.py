"""The verification report (核对报告) for the office: the page, and its Word and Excel
exports. Every read of a report is logged like a full ID number (by the gateway that hands
the report over); none is cached. The page and the Word document of a completed request
are the report issued: the first of them gives it its reference number (文号)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from assistance.spreadsheets import XLSX_CONTENT_TYPE, xlsx_bytes

from ..permissions import read_report
from ..report import DOCX_CONTENT_TYPE, Report, report_docx, report_table, signatures
from ..report_numbers import report_reference_issue


def _attachment(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    patch_cache_control(response, private=True, no_store=True)
    return response


def _issued(request, report: Report) -> Report:
    """The report with its reference number, given now if this is its first issue."""
    report.reference = report_reference_issue(actor=request.user, request=report.request)
    return report


def request_report(request, pk):
    report = _issued(request, read_report(request.user, pk, path=request.path))
    response = render(
        request,
        "verification/report.html",
        {"report": report, "signatures": signatures(report)},
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


def request_report_docx(request, pk):
    report = _issued(request, read_report(request.user, pk, path=request.path, export="docx"))
    return _attachment(
        report_docx(report),
        DOCX_CONTENT_TYPE,
        f"verification-report-{report.request.pk}.docx",
    )


def request_report_xlsx(request, pk):
    """The report's findings as an Excel workbook (masked ID numbers), for the office."""
    report = read_report(request.user, pk, path=request.path, export="xlsx")
    return _attachment(
        xlsx_bytes(report_table(report), title=_("Findings")),
        XLSX_CONTENT_TYPE,
        f"verification-report-{report.request.pk}.xlsx",
    )
