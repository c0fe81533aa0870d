"""One guard in front of every page for a signed-in user: the session's idle and absolute
limits, then the second factor, then an expired password."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from . import session as keys

# Pages a user may open while the session still owes something.
ALWAYS_OPEN = {"logout", "set_language"}
SECOND_FACTOR_VIEWS = {"second_factor_verify", "second_factor_enrol"}
PASSWORD_VIEWS = {"password_change"}
# The session's clock is written at most this often, so that pages do not each pay a
# session write for it.
SEEN_RESOLUTION_SECONDS = 60


def _redirect(request, url: str, *, keep_next: bool = True):
    if keep_next and request.method == "GET" and not request.headers.get("HX-Request"):
        url = f"{url}?{urlencode({'next': request.get_full_path()})}"
    if request.headers.get("HX-Request"):
        # htmx would swap the target page into a fragment; ask it to load it whole.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


class SignInGuardMiddleware:
    """Ends sessions idle for ``SESSION_IDLE_TIMEOUT_MINUTES`` or older than
    ``SESSION_ABSOLUTE_HOURS`` (saying why on the sign-in page), and keeps a session on
    the second-factor or change-password page until it has done what it owes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        session = request.session
        now = int(time.time())
        reason = self._expired(session, now)
        if reason:
            logout(request)
            request.session[keys.SIGNED_OUT_REASON] = reason
            return _redirect(request, reverse(settings.LOGIN_URL))
        if now - session.get(keys.SEEN_AT, 0) >= SEEN_RESOLUTION_SECONDS:
            session[keys.SEEN_AT] = now
        session.setdefault(keys.SIGNIN_AT, now)

        name = request.resolver_match.view_name if request.resolver_match else None
        if name in ALWAYS_OPEN:
            return None
        owed = session.get(keys.OTP_REQUIRED)
        if owed and not request.user.is_verified():
            if name in SECOND_FACTOR_VIEWS:
                return None
            target = "second_factor_verify" if owed == "verify" else "second_factor_enrol"
            return _redirect(request, reverse(target))
        if session.get(keys.PASSWORD_EXPIRED) and name not in PASSWORD_VIEWS:
            return _redirect(request, reverse("password_change"), keep_next=False)
        return None

    @staticmethod
    def _expired(session, now: int) -> str | None:
        seen = session.get(keys.SEEN_AT)
        started = session.get(keys.SIGNIN_AT)
        if started is not None and now - started > settings.SESSION_ABSOLUTE_HOURS * 3600:
            return "absolute"
        if seen is not None and now - seen > settings.SESSION_IDLE_TIMEOUT_MINUTES * 60:
            return "idle"
        return None
