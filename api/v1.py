"""Version 1 of the API for the departments' systems (django-ninja: the OpenAPI schema is
generated from the same types that validate the input). Served at ``/api/v1/``, the schema
at ``/api/v1/openapi.json`` and an interactive page at ``/api/v1/docs`` from local files.

Every operation acts for the calling client's unit, through the same gateways as the pages
(``verification.permissions.get_check_for_unit``, ``intake.permissions.get_referral_for_unit``):
another unit's objects are 404. Errors
are JSON: ``{"code", "message", "field"}``, the message in the caller's language
(Accept-Language, Chinese by default)."""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, Throttled, ValidationError

from .auth import ClientToken
from .batch import router as batch
from .checks import router as checks
from .corrections import router as corrections
from .errors import ApiError
from .office import router as office
from .referrals import router as referrals
from .snapshots import router as snapshots
from .throttling import ClientRateThrottle

api = NinjaAPI(
    title="困难群众基本生活保障工作协调机制 · API",
    version="1",
    urls_namespace="api-v1",
    auth=ClientToken(),
    throttle=[ClientRateThrottle()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/", batch)  # before checks: /checks/answers is no /checks/{check_id}
api.add_router("/", checks)
api.add_router("/", referrals)
api.add_router("/", corrections)
api.add_router("/", snapshots)
api.add_router("/", office)
api.add_router("/", "api.events.router")


def _error(request, status, code, message, field=""):
    return api.create_response(
        request, {"code": code, "message": str(message), "field": field}, status=status
    )


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return _error(request, exc.status, exc.code, exc.message, exc.field)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _error(request, 401, "unauthenticated", _("A valid client token is required."))


@api.exception_handler(Throttled)
def _throttled(request, exc):
    return _error(request, 429, "rate_limited", _("Too many calls: wait a moment."))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "not_found", _("Not found."))


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    loc = list(first.get("loc", []))
    # ("query", "limit"); a body's fields come as ("body", <the body's parameter>, ...).
    parts = loc[2:] if loc[:1] == ["body"] and len(loc) > 2 else loc[1:]
    field = ".".join(str(part) for part in parts)
    return _error(request, 422, "invalid", _("The request is not valid."), field)
