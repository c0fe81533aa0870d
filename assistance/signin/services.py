"""The second factor: enrolling an authenticator app (TOTP), recovery codes, checking a
code at sign-in, and unlocking sign-ins that django-axes locked."""

from base64 import b32encode

from axes.utils import reset
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import devices_for_user, verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from assistance.account_history import SECOND_FACTOR_RESET
from assistance.accounts import AccountRuleError, account_change_check
from assistance.roles import Role, has_role

AUTHENTICATOR_NAME = "authenticator"
RECOVERY_NAME = "recovery"


class SecondFactorError(Exception):
    """A code that does not confirm the enrolment; the message is for the user."""


def totp_secret(device: TOTPDevice) -> str:
    """The device's key as the base-32 text authenticator apps accept, in groups of four."""
    text = b32encode(device.bin_key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def totp_device_start(*, user) -> TOTPDevice:
    """The authenticator the user is enrolling: the unconfirmed one already started (so a
    reload shows the same QR code), otherwise a new one with a fresh random key."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def totp_device_confirm(*, actor, device: TOTPDevice, token: str) -> list[str]:
    """Confirm an authenticator with a code it shows, replacing any earlier authenticator
    and recovery codes of the user; returns the new recovery codes (shown once)."""
    if device.user_id != actor.pk or device.confirmed:
        raise SecondFactorError(_("This enrolment has expired: start again."))
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.verify_token((token or "").strip()):
            raise SecondFactorError(
                _("That code is not the one your authenticator app shows. Try the current one.")
            )
        TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return _recovery_codes_replace(actor)


def recovery_codes_renew(*, actor) -> list[str]:
    """New recovery codes for a user who has an authenticator; the old ones stop working."""
    if not TOTPDevice.objects.filter(user=actor, confirmed=True).exists():
        raise SecondFactorError(_("Set up an authenticator app first."))
    with transaction.atomic():
        return _recovery_codes_replace(actor)


def _recovery_codes_replace(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.OTP_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def second_factor_verify(*, user, token: str) -> Device | None:
    """The device (authenticator or recovery code) that accepts ``token``, or None. A
    recovery code is used up; each device throttles repeated wrong codes itself."""
    token = "".join((token or "").split()).lower()
    if not token:
        return None
    for device in devices_for_user(user):
        verified = verify_token(user, device.persistent_id, token)
        if verified is not None:
            return verified
    return None


def second_factor_state(user) -> str | None:
    """What the user must do before anything else at sign-in: ``"verify"`` a code (they
    have an authenticator), ``"enrol"`` one (their role requires it), or nothing."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return "verify"
    if user.is_staff or user.is_superuser or has_role(user, *settings.OTP_REQUIRED_ROLES):
        return "enrol"
    return None


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def can_unlock_signins(user) -> bool:
    return user.is_superuser or has_role(user, Role.SECURITY_ADMINISTRATOR)


def signin_unlock(*, actor, username: str = "", ip_address: str = "") -> int:
    """Forget the failed sign-ins of an account or of an address, which unlocks it at once
    (before the cool-off ends). Returns how many attempt records were removed."""
    if not can_unlock_signins(actor):
        raise PermissionError("only a security administrator unlocks sign-ins")
    removed = 0
    if username:
        removed += reset(username=username)
    if ip_address:
        removed += reset(ip=ip_address)
    return removed


def second_factor_reset(*, actor, user) -> int:
    """Remove a user's authenticator and recovery codes (a lost phone with no recovery code
    left), so the user enrols again at the next sign-in. A security administrator's duty,
    under the account rules (not one's own account, not a superuser's, not another
    security administrator's), and recorded in the account's history for the auditor.
    Returns how many devices were removed."""
    if not can_unlock_signins(actor):
        raise AccountRuleError(_("Only a security administrator resets a second factor."))
    if actor.pk == user.pk:
        raise AccountRuleError(
            _("Nobody resets their own second factor: ask another security administrator.")
        )
    account_change_check(actor=actor, user=user)
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[1].get(
            TOTPDevice._meta.label, 0
        ) + StaticDevice.objects.filter(user=user).delete()[1].get(StaticDevice._meta.label, 0)
        # A row of its own in the account's history, marked by its reason.
        user._history_user = actor
        user._change_reason = SECOND_FACTOR_RESET
        try:
            user.save(update_fields=["is_active"])
        finally:
            del user._change_reason
    return removed
