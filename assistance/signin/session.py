"""What a session must do before its user can work, decided once at sign-in and kept in
the session (so that no page pays a query for it)."""

import time

from django_otp import DEVICE_ID_SESSION_KEY

from .models import password_expired
from .services import second_factor_state

SIGNIN_AT = "signin_at"
SEEN_AT = "seen_at"
OTP_REQUIRED = "signin_otp_required"
PASSWORD_EXPIRED = "signin_password_expired"
# Kept in the new anonymous session after a timeout, read once by the sign-in page.
SIGNED_OUT_REASON = "signed_out_reason"


def on_signed_in(sender, request, user, **kwargs):
    """``user_logged_in`` receiver: start the session's clocks and note what the user must
    do first. A session already verified by a device (django-otp's own receiver ran first,
    e.g. from an OTP-aware form) owes no second factor."""
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    session = request.session
    session[SIGNIN_AT] = now
    session[SEEN_AT] = now
    session.pop(SIGNED_OUT_REASON, None)
    device = getattr(user, "otp_device", None)
    if device is not None and device.user_id == user.pk:
        # A device already verified this user (an OTP-aware sign-in form, or a test's
        # force_login of a user who enrolled): django-otp's own rule, applied even where
        # the request has no user yet.
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    if session.get(DEVICE_ID_SESSION_KEY):
        session.pop(OTP_REQUIRED, None)
    else:
        state = second_factor_state(user)
        if state:
            session[OTP_REQUIRED] = state
        else:
            session.pop(OTP_REQUIRED, None)
    if password_expired(user):
        session[PASSWORD_EXPIRED] = True
    else:
        session.pop(PASSWORD_EXPIRED, None)
