"""Sign-in pages: the password form (saying why a session ended), the second factor
(verify, enrol, recovery codes), the account's security page, changing the password, and
the security administrator's list of locked sign-ins."""

import segno
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services
from . import session as keys
from .forms import CodeForm
from .models import PasswordRecord

SIGNED_OUT_MESSAGES = {
    "idle": gettext_lazy(
        "You were signed out after %(minutes)d minutes without activity. Please sign in again."
    ),
    "absolute": gettext_lazy(
        "You were signed out because you had been signed in for %(hours)d hours. "
        "Please sign in again."
    ),
}


class SignInView(auth_views.LoginView):
    """Django's sign-in page, which also says why the last session ended."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reason = self.request.session.pop(keys.SIGNED_OUT_REASON, None)
        if reason in SIGNED_OUT_MESSAGES:
            context["signed_out_message"] = SIGNED_OUT_MESSAGES[reason] % {
                "minutes": settings.SESSION_IDLE_TIMEOUT_MINUTES,
                "hours": settings.SESSION_ABSOLUTE_HOURS,
            }
        return context


def _next_url(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse(settings.LOGIN_REDIRECT_URL)


def _verified(request, device):
    """The session passed the second factor: mark it, and give it a new session key (the
    privilege changed, as at sign-in)."""
    otp_login(request, device)
    request.session.pop(keys.OTP_REQUIRED, None)
    request.session.cycle_key()


@never_cache
def second_factor_verify(request):
    """The second sign-in step: a code from the authenticator app, or a recovery code."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    if not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("second_factor_enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.second_factor_verify(user=request.user, token=form.cleaned_data["code"])
        if device is not None:
            _verified(request, device)
            return redirect(_next_url(request))
        form.add_error(
            "code",
            _("That code is not valid. Check the time on your phone, or use a recovery code."),
        )
    return render(
        request,
        "accounts/second_factor_verify.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
    )


@never_cache
def second_factor_enrol(request):
    """Set up an authenticator app: scan the QR code (or type the key), confirm with a
    code; the recovery codes are then shown once."""
    has_device = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    if has_device and not request.user.is_verified():
        # Replacing an authenticator needs the current one: no way round the second step.
        return redirect("second_factor_verify")
    device = services.totp_device_start(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_device_confirm(
                actor=request.user, device=device, token=form.cleaned_data["code"]
            )
        except services.SecondFactorError as error:
            form.add_error("code", str(error))
        else:
            _verified(request, device)
            return _show_codes(request, codes, enrolled=True)
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/second_factor_enrol.html",
        {
            "form": form,
            # Inline SVG markup (no script, no data: URI), allowed by any CSP.
            "qr_svg": qr.svg_inline(scale=5, border=2, dark="#000", light="#fff"),
            "secret": services.totp_secret(device),
            "replacing": has_device,
            "required": bool(request.session.get(keys.OTP_REQUIRED)),
        },
    )


def _show_codes(request, codes, *, enrolled):
    response = render(
        request, "accounts/recovery_codes.html", {"codes": codes, "enrolled": enrolled}
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def recovery_codes_renew(request):
    try:
        codes = services.recovery_codes_renew(actor=request.user)
    except services.SecondFactorError as error:
        messages.error(request, str(error))
        return redirect("account_security")
    return _show_codes(request, codes, enrolled=False)


@never_cache
def account_security(request):
    """The user's own sign-in security: authenticator, recovery codes, password age."""
    user = request.user
    record = PasswordRecord.objects.filter(user=user).first()
    return render(
        request,
        "accounts/account_security.html",
        {
            "has_authenticator": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
            "recovery_codes_left": services.recovery_codes_left(user),
            "required": services.second_factor_state(user) is not None,
            "password_changed_at": record.changed_at if record else user.date_joined,
            "password_max_age_days": settings.PASSWORD_MAX_AGE_DAYS,
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password. Django signs out the user's other sessions (their
    session hash no longer matches) and keeps this one."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("account_security")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["expired"] = bool(self.request.session.get(keys.PASSWORD_EXPIRED))
        context["max_age_days"] = settings.PASSWORD_MAX_AGE_DAYS
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session.pop(keys.PASSWORD_EXPIRED, None)
        messages.success(self.request, _("Your password was changed."))
        return response


def locked_signins(request):
    """The sign-ins django-axes locked (an account or an address past the failure limit),
    each with an unlock button. Security administrators only; 404 for anyone else."""
    if not services.can_unlock_signins(request.user):
        raise Http404
    if request.method == "POST":
        removed = services.signin_unlock(
            actor=request.user,
            username=request.POST.get("username", ""),
            ip_address=request.POST.get("ip_address", ""),
        )
        if removed:
            messages.success(request, _("Unlocked: the failed sign-ins were forgotten."))
        return redirect("locked_signins")
    # Records older than the cool-off no longer lock anything.
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(attempt_time__gte=since).order_by("-attempt_time")
    return render(
        request,
        "accounts/locked_signins.html",
        {"attempts": attempts[:200], "failure_limit": settings.AXES_FAILURE_LIMIT},
    )


def lockout_response(request, original_response=None, credentials=None):
    """What django-axes answers to a locked-out sign-in: a page in the user's language
    saying how long the lock lasts and who can lift it (HTTP 429)."""
    return render(
        request,
        "registration/locked_out.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
        status=429,
    )
