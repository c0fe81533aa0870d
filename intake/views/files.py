"""An application's files and its applicant's full ID number.

The office adds files to an application (checked by their content, ``assistance.uploads``:
a refused file saves nothing); the office and the referral's liaisons download them through
the gateway, each download written in the access log. The office alone reveals the full ID
number, with a POST that writes the access log; the page shows it once.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import permissions, services
from ..forms import AttachmentForm


@require_POST
def attach(request, pk):
    """Add one file to the application; a refused file is named in a message."""
    application = permissions.get_office_application(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("file", []):
            messages.error(request, error)
        return redirect("intake:application_detail", pk=application.pk)
    try:
        services.application_attach(
            actor=request.user, application=application, files=[form.cleaned_data["file"]]
        )
    except services.IntakeError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The file was added."))
    return redirect("intake:application_detail", pk=application.pk)


def attachment_download(request, pk):
    """A file, to the office and the referral's liaisons; 404 for everyone else."""
    attachment = permissions.get_attachment_for_user(request.user, pk)
    return permissions.attachment_response(request, attachment)


@require_POST
def reveal_id(request, pk):
    """The applicant's full ID number, once, for the office (404 for others)."""
    application = permissions.get_application_for_user(request.user, pk)
    full = permissions.reveal_id_number(request.user, application, path=request.path)
    response = render(
        request, "intake/id_revealed.html", {"application": application, "full_id_number": full}
    )
    response["Cache-Control"] = "no-store"
    return response
