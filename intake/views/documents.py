"""The receipt and the refusal notice: printable pages and Word files. They are addressed
to the applicant by name, so whoever may read the application and sees applicants
(``permissions.get_paper_for_user``: not the auditors) may print them; a receipt exists once
accepted, a refusal notice only for a refused application (404 otherwise)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from .. import documents, permissions
from ..models import Application


def _application(request, pk, *, refused: bool) -> Application:
    return permissions.get_paper_for_user(request.user, pk, refused=refused)


def _page(request, paper):
    return render(request, "intake/paper.html", {"paper": paper})


def _docx(paper, filename: str) -> HttpResponse:
    response = HttpResponse(documents.paper_docx(paper), content_type=documents.DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    patch_cache_control(response, private=True)
    return response


def receipt(request, pk):
    return _page(request, documents.receipt(_application(request, pk, refused=False)))


def receipt_docx(request, pk):
    application = _application(request, pk, refused=False)
    return _docx(documents.receipt(application), f"receipt-{application.number}.docx")


def refusal_notice(request, pk):
    return _page(request, documents.refusal_notice(_application(request, pk, refused=True)))


def refusal_docx(request, pk):
    application = _application(request, pk, refused=True)
    return _docx(documents.refusal_notice(application), f"refusal-{application.number}.docx")
