"""What the ledger hears from intake, which does not know it: a referral closed as
granted becomes an entry, in the close's own transaction (``intake.signals``). Connected
in ``LedgerConfig.ready``."""

from intake.base import IntakeError
from intake.signals import referral_granted

from .services import LedgerError, entry_from_referral


def on_referral_granted(sender, referral, actor, **kwargs):
    # Refused, the close is refused as intake refuses (its page and the API show why).
    try:
        entry_from_referral(referral=referral, actor=actor)
    except LedgerError as refused:
        raise IntakeError(refused.message, refused.field) from None


def connect():
    referral_granted.connect(on_referral_granted, dispatch_uid="ledger_referral_granted")
