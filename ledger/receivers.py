"""What the ledger hears from intake, which does not know it: a referral closed as
granted becomes an entry, in the close's own transaction (``intake.signals``). Connected
in ``LedgerConfig.ready``."""

from intake.signals import referral_granted

from .services import entry_from_referral


def on_referral_granted(sender, referral, actor, **kwargs):
    entry_from_referral(referral=referral, actor=actor)


def connect():
    referral_granted.connect(on_referral_granted, dispatch_uid="ledger_referral_granted")
