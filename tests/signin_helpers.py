"""Computing the code an authenticator app would show, for tests that sign in for real."""

import time

from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_code(device: TOTPDevice) -> str:
    """The code the device accepts now. A device refuses a time step it already accepted
    (replay protection), so a second sign-in in the same 30 seconds uses the next step,
    which the device's tolerance of one step admits."""
    device.refresh_from_db()
    step = int(time.time() - device.t0) // device.step + device.drift
    step = max(step, device.last_t + 1)
    return str(hotp(device.bin_key, step, digits=device.digits)).zfill(device.digits)


def user_totp_code(username: str) -> str:
    return totp_code(TOTPDevice.objects.get(user__username=username, confirmed=True))
