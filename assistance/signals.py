"""Sign-ins, failed sign-ins and sign-outs go to the login log, whichever page or backend
handled them (the sign-in page, the admin, a second factor added later)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from .models import LoginLog
from .services import login_log_record


def _failure_reason(username: str) -> str:
    # For the auditor only: the sign-in page itself still says nothing about which it was.
    user = get_user_model()._default_manager.filter(username=username).first()
    if user is None:
        return LoginLog.Reason.UNKNOWN_ACCOUNT
    if not user.is_active:
        return LoginLog.Reason.ACCOUNT_DISABLED
    return LoginLog.Reason.WRONG_PASSWORD


def on_logged_in(sender, request, user, **kwargs):
    login_log_record(event=LoginLog.Event.SUCCESS, request=request, user=user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get(get_user_model().USERNAME_FIELD, ""))[:150]
    login_log_record(
        event=LoginLog.Event.FAILURE,
        request=request,
        username=username,
        reason=_failure_reason(username),
    )


def on_logged_out(sender, request, user, **kwargs):
    if user is None:  # signing out with no session: nothing happened
        return
    login_log_record(event=LoginLog.Event.LOGOUT, request=request, user=user)


def connect():
    user_logged_in.connect(on_logged_in, dispatch_uid="assistance_login_log_in")
    user_login_failed.connect(on_login_failed, dispatch_uid="assistance_login_log_failed")
    user_logged_out.connect(on_logged_out, dispatch_uid="assistance_login_log_out")
