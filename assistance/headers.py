"""Response headers that keep personal data out of caches and browser features out of reach.

The Content-Security-Policy comes from django-csp (``CONTENT_SECURITY_POLICY`` in the
settings); Referrer-Policy and Cross-Origin-Opener-Policy from Django's own
``SecurityMiddleware``. This middleware adds what neither offers:

- ``Permissions-Policy``: the site uses no camera, microphone, location, payment or USB,
  so the browser is told to refuse them to every page (and to anything injected into one).
- ``Cross-Origin-Resource-Policy: same-origin``: no other site can embed a response (an
  authorisation scan as an image, an export as a script) into its own pages.
- ``Cache-Control: no-store`` (with ``Pragma: no-cache`` for HTTP/1.0 proxies) on every
  response Django itself produces. Almost every page, export and download shows personal
  data, and the few that do not (the sign-in page) carry a CSRF token: nothing Django
  answers may be kept by a shared proxy or the browser's back-button cache on a shared
  office computer. Static files never reach this middleware (WhiteNoise answers them
  earlier), so they stay cacheable.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers

PERMISSIONS_POLICY_HEADER = "Permissions-Policy"
RESOURCE_POLICY_HEADER = "Cross-Origin-Resource-Policy"


def permissions_policy_value(features: dict[str, list[str]]) -> str:
    """The header value for ``{"camera": [], "fullscreen": ["self"]}``:
    ``camera=(), fullscreen=(self)``."""
    return ", ".join(f"{name}=({' '.join(allow)})" for name, allow in features.items())


class SecurityHeadersMiddleware:
    """Adds Permissions-Policy and Cross-Origin-Resource-Policy, and forbids caching of
    every response Django produces."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response
        # Built once: the setting does not change while the process runs.
        self.permissions_policy = permissions_policy_value(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if self.permissions_policy:
            response.headers.setdefault(PERMISSIONS_POLICY_HEADER, self.permissions_policy)
        response.headers.setdefault(RESOURCE_POLICY_HEADER, "same-origin")
        # Overrides whatever a view said (public becomes private, any max-age 0): a download
        # of an extract kept for an hour would still sit in the browser's cache after the
        # clerk signed out.
        add_never_cache_headers(response)
        response.headers["Pragma"] = "no-cache"
        return response
