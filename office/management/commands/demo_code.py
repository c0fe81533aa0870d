"""Print the code the demo authenticator shows now (the demo accounts' second factor)."""

from binascii import unhexlify

from django.core.management.base import BaseCommand
from django_otp.oath import totp

from .load_demo import DEMO_TOTP_KEY, DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = (
        "Print the current second-factor code of the demo accounts (their published key "
        f"{DEMO_TOTP_SECRET}); it knows no other key."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{totp(unhexlify(DEMO_TOTP_KEY)):06d}")
