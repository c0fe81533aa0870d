"""Serving uploaded files: never from a public URL, always through a view that has
fetched the file's object through its app's permission gateway.

``file_response`` is the one way such a view answers: the file as a download under the
name the user knows it by, never cached (``no-store``: a shared office computer must not
keep a registry extract or a scan), never sniffed into something the browser runs, and
logged in the access log like any other read of personal data.
"""

import mimetypes

from django.http import FileResponse, Http404
from django.utils.cache import patch_cache_control

from .models import AccessLog
from .notices import Notice
from .services import access_log_record


def file_response(
    request,
    field_file,
    *,
    filename: str,
    obj,
    purpose: str,
    description: "str | Notice",
) -> FileResponse:
    """A download of ``field_file`` (a FieldFile) named ``filename``, after recording in
    the access log that ``request.user`` fetched it (``obj``, ``purpose`` and
    ``description`` as ``access_log_record`` takes them). 404 when the file is missing."""
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    access_log_record(
        user=request.user,
        obj=obj,
        purpose=purpose,
        description=description,
        path=request.path,
        action=AccessLog.Action.DOWNLOAD,
    )
    content_type = (
        mimetypes.guess_type(filename)[0]
        or mimetypes.guess_type(field_file.name)[0]
        or "application/octet-stream"
    )
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    patch_cache_control(response, private=True, no_store=True, no_cache=True, max_age=0)
    response["X-Content-Type-Options"] = "nosniff"
    return response
