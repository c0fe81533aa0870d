"""What every operation of the API shares: a refusal as JSON (``{"code", "message",
"field"}``, the message in the caller's language) and the scope check."""

from django.utils.translation import gettext as _
from ninja import Schema


class ApiError(Exception):
    """A refusal: the HTTP status, a stable code, the message and the field at fault."""

    def __init__(self, status: int, code: str, message: str, field: str = ""):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


class Error(Schema):
    code: str
    message: str
    field: str = ""


def require_scope(request, scope: str) -> None:
    if scope not in request.auth.scopes:
        raise ApiError(403, "scope", _("This client may not use this operation."))
