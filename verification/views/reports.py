"""The verification report (核对报告) for the office: the page, and its Word and Excel
exports. Every read of a report is logged like a full ID number (by the gateway that hands
the report over); none is cached."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from assistance.spreadsheets import XLSX_CONTENT_TYPE, xlsx_bytes

from ..permissions import read_report
from ..report import DOCX_CONTENT_TYPE, report_docx, report_table


def _attachment(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    patch_cache_control(response, private=True, no_store=True)
    return response


def request_report(request, pk):
    report = read_report(request.user, pk, path=request.path)
    response = render(request, "verification/report.html", {"report": report})
    patch_cache_control(response, private=True, no_store=True)
    return response


def request_report_docx(request, pk):
    report = read_report(request.user, pk, path=request.path, export="docx")
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
